"""Shared, seeded fixtures. Simulations are session-scoped: they are read-only by contract."""

from __future__ import annotations

import os

import matplotlib
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")
matplotlib.use("Agg")

from impact.data import SyntheticData, simulate


@pytest.fixture(scope="session")
def flyt_small() -> SyntheticData:
    """Flyt at a fifth of national size (about 120,000 pupils): fast, same design."""
    return simulate("flyt", seed=11, scale=0.2)


@pytest.fixture(scope="session")
def flyt_full() -> SyntheticData:
    """Flyt at national size (about 600,000 pupils)."""
    return simulate("flyt", seed=20240601)


@pytest.fixture(scope="session")
def unginvest_full() -> SyntheticData:
    return simulate("unginvest", seed=20240601)
