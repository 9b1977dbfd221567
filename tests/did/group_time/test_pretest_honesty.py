"""The Wald pre-test refuses a singular covariance and flags small cohorts (issue 10)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from impact.data import simulate
from impact.did import att_gt

FLYT = {"outcome": "completion_rate", "unit": "municipality", "time": "year"}


@pytest.mark.parametrize("base_period", ["varying", "universal"])
def test_cohorts_smaller_than_their_pre_periods_give_no_statistic(base_period: str) -> None:
    """4 municipalities per cohort, up to 8 pre-period cells: rank 22 of 25, W was ~1e5."""
    panel = simulate("flyt", seed=1, scale=0.2).panel
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = att_gt(panel, **FLYT, cohort="adoption_year", base_period=base_period)
    assert np.isnan(res.pretest.statistic) and np.isnan(res.pretest.p_value)
    assert "4 treated units" in res.pretest.note and "singular" in res.pretest.note
    assert "not available" in res.pretest.summary()


@pytest.mark.parametrize(("m", "flagged"), [(12, True), (60, False)])
def test_small_cohorts_are_flagged(m: int, flagged: bool) -> None:
    """The joint references (hotelling, chi2) flag small cohorts; the per-cohort default
    allows for them (issue 13) and needs no flag."""
    rng = np.random.default_rng(0)
    g = np.concatenate([np.zeros(60), np.full(m, 4.0), np.full(m, 5.0)])
    n, n_t = len(g), 6
    df = pd.DataFrame({"id": np.repeat(np.arange(n), n_t), "t": np.tile(np.arange(1, n_t + 1), n)})
    df["g"] = np.repeat(g, n_t)
    df["y"] = rng.normal(size=len(df))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = att_gt(df, outcome="y", unit="id", time="t", cohort="g")
    assert np.isfinite(res.pretest.p_value) and res.pretest.note == ""
    for method in ("hotelling", "chi2"):
        test = res.pretest_with(method)
        assert np.isfinite(test.statistic)
        assert (f"{m} treated units" in test.note) is flagged
        assert ("over-rejects" in test.summary()) is flagged
