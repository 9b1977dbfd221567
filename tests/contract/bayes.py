"""One instance of every public results class of impact.bayes (see test_contract.py).

Fits run on PyMC's mock sampler (``pymc.testing.mock_sample``): the contract is about the
results' wiring, not MCMC, and the roster must stay fast. Mocked draws fail the
diagnostics gate, which warns (the warning is expected and silenced here).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from functools import cache
from typing import Any

from pymc.testing import mock_sample_setup_and_teardown

from impact.bayes import (
    Diagnostics,
    HierarchicalDiDResult,
    LooCheck,
    PartialPoolingResult,
    PredictiveCheck,
    SamplerInfo,
    hierarchical_did,
    loo_check,
    partial_pooling,
    predictive_check,
)
from impact.errors import ImpactWarning

Y = [28.0, 8, -3, 7, -1, 1, 18, 12]
SIGMA = [15.0, 10, 16, 11, 9, 11, 10, 18]


@contextmanager
def _mock_sampler() -> Iterator[None]:
    mocking = mock_sample_setup_and_teardown()
    next(mocking)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImpactWarning)
            yield
    finally:
        next(mocking, None)


@cache
def pooling() -> PartialPoolingResult:
    with _mock_sampler():
        return partial_pooling(
            Y, SIGMA, sites=list("ABCDEFGH"), outcome="test_score", draws=50, seed=1
        )


@cache
def hierarchical() -> HierarchicalDiDResult:
    from bayes.conftest import simulate_did

    _, cells, _ = simulate_did(2024, n_sites=8, years=range(2016, 2021), mean_size=20)
    with _mock_sampler():
        return hierarchical_did(
            cells,
            site="municipality",
            cohort="adoption_year",
            covariates=["group"],
            dynamic=True,
            outcome_name="completed_vgs",
            draws=50,
            seed=2,
        )


@cache
def loo() -> LooCheck:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return loo_check(pooling().idata)


INSTANCES: dict[type, Callable[[], Any]] = {
    PartialPoolingResult: pooling,
    HierarchicalDiDResult: hierarchical,
    Diagnostics: lambda: hierarchical().diagnostics,
    SamplerInfo: lambda: hierarchical().sampler,
    LooCheck: loo,
    PredictiveCheck: lambda: predictive_check(hierarchical()),
}
