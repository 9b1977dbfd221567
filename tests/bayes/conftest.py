"""Fixtures for impact.bayes tests: eight schools, a tiny cell-level DiD data set, mocking."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pymc.testing import mock_sample_setup_and_teardown

REFERENCE = Path(__file__).parent / "reference"

mock_pymc_sample = pytest.fixture(scope="function")(mock_sample_setup_and_teardown)


@pytest.fixture(scope="session")
def eight_schools() -> dict:
    return json.loads((REFERENCE / "eight_schools.json").read_text())
