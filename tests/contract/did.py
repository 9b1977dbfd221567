"""One instance of every public results class of impact.did (see test_contract.py).

All are fitted on one small seeded synthetic panel (Flyt, scale 0.2) and cached, so the
roster test builds each once.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import cache
from typing import Any

import pandas as pd

from impact import did
from impact.data import simulate
from impact.did.imputation import PretrendTest
from impact.errors import ImpactWarning

SPEC = {"outcome": "completion_rate", "unit": "municipality", "time": "year",
        "cohort": "adoption_year"}  # fmt: skip


@cache
def panel() -> pd.DataFrame:
    return simulate("flyt", seed=1, scale=0.2).panel


def _quiet(fit: Callable[[], Any]) -> Any:
    """Fit without the few-cluster and similar warnings (they are tested elsewhere)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactWarning)
        return fit()


@cache
def group_time() -> did.GroupTimeResult:
    return _quiet(lambda: did.att_gt(panel(), **SPEC))


@cache
def aggregate() -> did.AggregateResult:
    return _quiet(lambda: group_time().aggregate("dynamic"))


@cache
def twfe() -> did.TWFEResult:
    return _quiet(lambda: did.twfe(panel(), **SPEC, cluster="municipality"))


@cache
def event_study() -> did.EventStudyResult:
    return _quiet(lambda: did.event_study(panel(), **SPEC, cluster="municipality"))


@cache
def twfe_weights() -> did.TWFEWeights:
    return did.twfe_weights(panel(), unit="municipality", time="year", cohort="adoption_year",
                            outcome="completion_rate")  # fmt: skip


@cache
def imputation() -> did.ImputationResult:
    return _quiet(lambda: did.imputation(panel(), **SPEC, cluster="municipality", pretrends=2))


@cache
def wild_bootstrap() -> did.WildBootstrapResult:
    return _quiet(lambda: twfe().wild_bootstrap(n_boot=199, seed=1))


@cache
def randomization() -> did.RandomizationResult:
    return _quiet(lambda: did.randomization_test(panel(), **SPEC, n_perm=49, seed=1))


@cache
def honest() -> did.HonestResult:
    dynamic = _quiet(lambda: did.att_gt(panel(), **SPEC, base_period="universal"))
    # relative magnitudes with C-LF, as the analyses use it (FLCIs at two levels need not
    # nest: the optimal weights depend on the level, so the roster's nesting check is moot)
    return dynamic.aggregate("dynamic").honest(
        restriction="relative_magnitude", m_grid=[0.0, 0.25, 0.5], breakdown=False
    )


@cache
def site_effects() -> did.SiteEffectsResult:
    """Persons enrolling individually in municipalities (the unginvest scenario, small)."""
    persons = simulate("unginvest", seed=1, scale=0.3).panel
    fit = _quiet(
        lambda: did.att_gt(persons, outcome="neet", unit="person_id", time="year",
                           cohort="enrol_year", cluster="municipality")
    )  # fmt: skip
    return _quiet(lambda: fit.aggregate("site", by="municipality", data=persons))


def pretrend() -> PretrendTest:
    test = imputation().pretrend
    assert test is not None
    return test


def wald_pretest() -> did.WaldPretest:
    return group_time().pretest


INSTANCES: dict[type, Callable[[], Any]] = {
    did.GroupTimeResult: group_time,
    did.AggregateResult: aggregate,
    did.TWFEResult: twfe,
    did.EventStudyResult: event_study,
    did.TWFEWeights: twfe_weights,
    did.ImputationResult: imputation,
    did.WildBootstrapResult: wild_bootstrap,
    did.RandomizationResult: randomization,
    did.HonestResult: honest,
    did.SiteEffectsResult: site_effects,
    did.WaldPretest: wald_pretest,
    PretrendTest: pretrend,  # not in impact.did.__all__; reached as ImputationResult.pretrend
}
