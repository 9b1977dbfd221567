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

# Eight schools rescaled to risk differences (0.028 = 2.8 percentage points): the roster
# calls effect() with its default unit="probability", which must lie in [-1, 1].
Y = [0.028, 0.008, -0.003, 0.007, -0.001, 0.001, 0.018, 0.012]
SIGMA = [0.015, 0.010, 0.016, 0.011, 0.009, 0.011, 0.010, 0.018]


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
            Y, SIGMA, sites=list("ABCDEFGH"), outcome="completed_vgs", draws=50, seed=1
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
