"""R `did` 2.5.0 parity on mpdta: every group-time row, every aggregate, the Wald pre-test."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.did import att_gt

REF = Path(__file__).parents[2] / "reference"
SCENARIOS = {
    "mpdta_nev_dr": ({"method": "dr"}, 7.79123662720035, 0.16812),
    "mpdta_nev_reg_cov": ({"method": "reg", "covariates": "lpop"}, 6.8612749537136, 0.23116),
}

pytestmark = pytest.mark.reference


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(REF / "mpdta.csv")


@pytest.fixture(scope="module", params=sorted(SCENARIOS))
def fitted(request, mpdta):
    kwargs = SCENARIOS[request.param][0]
    res = att_gt(
        mpdta, outcome="lemp", unit="countyreal", time="year", cohort="first.treat", **kwargs
    )
    return request.param, res


def test_group_time_rows_match_r(fitted):
    scenario, res = fitted
    ref = pd.read_csv(REF / "did_mpdta_attgt.csv")
    ref = ref[ref["scenario"] == scenario]
    got = res.table.merge(ref, on=["cohort", "time"], suffixes=("", "_r"), how="outer")
    assert len(got) == len(ref) == len(res.table) == 12
    np.testing.assert_allclose(got["att"], got["att_r"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(got["se"], got["se_r"], rtol=1e-8, atol=0)


def test_wald_pretest_matches_r(fitted, mpdta):
    """R's chi-square reference is pretest_method='chi2'; the default refers the same W to F."""
    scenario, res = fitted
    kwargs, w_ref, p_ref = SCENARIOS[scenario]
    r_test = att_gt(
        mpdta, outcome="lemp", unit="countyreal", time="year", cohort="first.treat", **kwargs,
        pretest_method="chi2",
    ).pretest  # fmt: skip
    assert r_test.method == "chi2" and r_test.df == 5
    assert r_test.statistic == pytest.approx(w_ref, rel=1e-8)
    assert round(r_test.p_value, 5) == pytest.approx(p_ref, abs=1e-12)
    assert res.pretest_with("chi2").to_frame().equals(r_test.to_frame())
    joint = res.pretest_with("hotelling")  # 500 counties: F(5, 495) is close to chi-square(5)
    assert joint.statistic == r_test.statistic and joint.df_denominator == 500 - 5
    assert r_test.p_value < joint.p_value < r_test.p_value + 0.01
    default = res.pretest
    assert default.method == "cohort_hotelling" and default.statistic == r_test.statistic
    assert 0 < default.p_value < 1 and np.isfinite(default.df_denominator)


@pytest.mark.parametrize("kind", ["simple", "dynamic", "group", "calendar"])
def test_aggregates_match_r(fitted, kind):
    scenario, res = fitted
    ref = pd.read_csv(REF / "did_mpdta_aggregate.csv")
    ref = ref[(ref["scenario"] == scenario) & (ref["kind"] == kind)]
    agg = res.aggregate(kind)
    assert agg.att == pytest.approx(ref["overall_att"].iloc[0], abs=1e-10)
    assert agg.se == pytest.approx(ref["overall_se"].iloc[0], rel=1e-8)
    if kind == "simple":
        return
    level = {"dynamic": "event_time", "group": "cohort", "calendar": "time"}[kind]
    assert agg.table[level].tolist() == ref["level"].astype(float).astype(int).tolist()
    np.testing.assert_allclose(agg.table["att"], ref["att"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(agg.table["se"], ref["se"], rtol=1e-8, atol=0)
