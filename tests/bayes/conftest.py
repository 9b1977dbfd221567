"""Fixtures for impact.bayes tests: eight schools, a tiny cell-level DiD data set, mocking."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pytest
from pymc.testing import mock_sample_setup_and_teardown

from impact.errors import DiagnosticsWarning

T = TypeVar("T")

REFERENCE = Path(__file__).parent / "reference"

mock_pymc_sample = pytest.fixture(scope="function")(mock_sample_setup_and_teardown)


def fit_with_mock_sampler(fit: Callable[..., T], *args: Any, match: str = "", **kwargs: Any) -> T:
    """Run a Bayesian fit on PyMC's mock sampler (the wiring is under test, not MCMC).

    Mocked draws cannot pass the diagnostics gate, and the fit must say so: the
    :class:`~impact.errors.DiagnosticsWarning` (matching ``match``) is required.
    """
    mocking = mock_sample_setup_and_teardown()
    next(mocking)
    try:
        with pytest.warns(DiagnosticsWarning, match=match):
            return fit(*args, **kwargs)
    finally:
        next(mocking, None)


@pytest.fixture(scope="session")
def eight_schools() -> dict:
    return json.loads((REFERENCE / "eight_schools.json").read_text())


def simulate_did(
    seed: int, *, n_sites: int = 12, years: range = range(2015, 2021), mean_size: int = 40
) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """Tiny staggered DiD on the logit scale with known truth.

    Returns (person rows, cells, truth) where truth has the person-weighted ATT on the
    probability scale (mean of p1 - p0 over treated persons) and per-site ATTs.
    """
    rng = np.random.default_rng(seed)
    adoption = np.where(np.arange(n_sites) < 4, 2018, np.where(np.arange(n_sites) < 7, 2019, 0))
    a_site = rng.normal(0, 0.3, n_sites)
    u_site = rng.normal(0, 0.25, n_sites)
    b_year = {y: 0.05 * (y - years.start) for y in years}
    rows = []
    for s in range(n_sites):
        for y in years:
            for g, beta in (("a", 0.0), ("b", 0.8)):
                size = int(rng.poisson(mean_size)) + 1
                treated = int(adoption[s] > 0 and y >= adoption[s])
                eta0 = -0.5 + a_site[s] + b_year[y] + beta
                eta1 = eta0 + (0.4 + u_site[s]) * treated
                p0, p1 = 1 / (1 + np.exp(-eta0)), 1 / (1 + np.exp(-eta1))
                ys = rng.random(size) < (p1 if treated else p0)
                for v in ys:
                    rows.append((f"m{s:02d}", y, int(adoption[s]), treated, g, int(v), p0, p1))
    persons = pd.DataFrame(
        rows,
        columns=["municipality", "year", "adoption_year", "treated", "group", "y", "p0", "p1"],
    )
    persons["event_time"] = (
        (persons["year"] - persons["adoption_year"])
        .where(persons["adoption_year"] > 0)
        .astype("Int64")
    )
    keys = ["municipality", "year", "adoption_year", "treated", "event_time", "group"]
    cells = (
        persons.groupby(keys, dropna=False)
        .agg(n=("y", "size"), successes=("y", "sum"))
        .reset_index()
    )
    tr = persons[persons["treated"] == 1]
    truth = {
        "att": float((tr["p1"] - tr["p0"]).mean()),
        "site": (tr["p1"] - tr["p0"]).groupby(tr["municipality"]).mean().to_dict(),
        "dynamic": (tr["p1"] - tr["p0"]).groupby(tr["event_time"]).mean().to_dict(),
    }
    return persons.drop(columns=["p0", "p1"]), cells, truth


@pytest.fixture(scope="session")
def tiny_did() -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    return simulate_did(2024)
