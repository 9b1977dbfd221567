"""Aggregation of ATT(g, t): hand-computed weighted averages, windows, balancing, bootstrap bands."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

from impact.did import AggregateResult, att_gt
from impact.errors import DesignError

matplotlib.use("Agg")

REF = Path(__file__).parents[2] / "reference"
MPDTA = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}
SIZES = {2004: 20, 2006: 40, 2007: 131}


@pytest.fixture(scope="module")
def fit():
    return att_gt(pd.read_csv(REF / "mpdta.csv"), **MPDTA)


def _cell(fit, g, t):
    return float(fit.table.query("cohort == @g and time == @t")["att"].iloc[0])


def test_simple_is_size_weighted_mean_of_post_cells(fit):
    post = fit.table[fit.table["post"]]
    w = post["cohort"].map(SIZES)
    assert fit.aggregate("simple").att == pytest.approx(
        (post["att"] * w).sum() / w.sum(), abs=1e-14
    )


def test_simple_respects_max_e(fit):
    post = fit.table[fit.table["post"] & (fit.table["event_time"] <= 1)]
    w = post["cohort"].map(SIZES)
    got = fit.aggregate("simple", max_e=1).att
    assert got == pytest.approx((post["att"] * w).sum() / w.sum(), abs=1e-14)


def test_group_is_mean_of_own_post_cells(fit):
    res = fit.aggregate("group")
    expected_2006 = np.mean([_cell(fit, 2006, 2006), _cell(fit, 2006, 2007)])
    assert res.table.set_index("cohort").loc[2006, "att"] == pytest.approx(expected_2006)
    lv = res.table.set_index("cohort")["att"]
    overall = sum(lv[g] * n for g, n in SIZES.items()) / sum(SIZES.values())
    assert res.att == pytest.approx(overall, abs=1e-14)


def test_calendar_weights_cohorts_treated_by_then(fit):
    res = fit.aggregate("calendar")
    exp_2006 = (20 * _cell(fit, 2004, 2006) + 40 * _cell(fit, 2006, 2006)) / 60
    assert res.table.set_index("time").loc[2006, "att"] == pytest.approx(exp_2006, abs=1e-14)
    assert res.att == pytest.approx(res.table["att"].mean(), abs=1e-14)


def test_dynamic_window_and_balance(fit):
    full = fit.aggregate("dynamic")
    win = fit.aggregate("dynamic", min_e=-1, max_e=1)
    assert win.table["event_time"].tolist() == [-1, 0, 1]
    np.testing.assert_allclose(
        win.table["att"], full.table.set_index("event_time").loc[[-1, 0, 1], "att"], atol=1e-14
    )
    bal = fit.aggregate("dynamic", balance_e=1)
    # only cohorts seen at least one period after adoption (2004, 2006) enter
    exp_e0 = (20 * _cell(fit, 2004, 2004) + 40 * _cell(fit, 2006, 2006)) / 60
    assert bal.table.set_index("event_time").loc[0, "att"] == pytest.approx(exp_e0, abs=1e-14)
    assert bal.table["event_time"].max() == 1
    with pytest.raises(DesignError, match="No event times"):
        fit.aggregate("dynamic", min_e=9)


def test_unknown_kind(fit):
    with pytest.raises(DesignError, match="kind="):
        fit.aggregate("cohort")


def test_bootstrap_band_and_reproducibility(fit):
    a = fit.aggregate("dynamic", n_boot=999, seed=11)
    b = fit.aggregate("dynamic", n_boot=999, seed=11)
    pd.testing.assert_frame_equal(a.table, b.table)
    analytic = fit.aggregate("dynamic")
    assert (a.table["se"] / analytic.table["se"]).between(0.85, 1.15).all()
    assert a.se / analytic.se == pytest.approx(1.0, abs=0.15)
    assert 2.0 < a.crit < 3.5
    assert (a.table["cband_lower"] < a.table["ci_lower"]).all()
    assert a.draws is not None and a.draws.shape == (999, len(a.table) + 1)


def test_results_api(fit):
    res = fit.aggregate("dynamic", n_boot=199, seed=1)
    assert isinstance(res, AggregateResult)
    lo, hi = res.ci
    assert lo < res.att < hi
    frame = res.to_frame()
    assert frame["is_overall"].sum() == 1 and len(frame) == len(res.table) + 1
    assert "dynamic" in res.summary()
    ax = res.plot()
    labels = ax.get_legend_handles_labels()[1]
    assert any("uniform band" in lab for lab in labels)
    simple = fit.aggregate("simple")
    assert "simple" in simple.summary()
    assert simple.plot() is not None


@pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")
@pytest.mark.parametrize("covariates", [None, "lpop"])
def test_cluster_scores_reproduce_clustered_se(covariates):
    d = pd.read_csv(REF / "mpdta.csv").assign(state=lambda f: f["countyreal"] // 1000)
    res = att_gt(d, **MPDTA, covariates=covariates, cluster="state").aggregate("dynamic")
    scores = res.cluster_scores()
    assert scores.shape == (d["state"].nunique(), len(res.table) + 1)
    assert np.sqrt((scores[:, -1] ** 2).sum()) == pytest.approx(res.se, rel=1e-10)
    np.testing.assert_allclose(np.sqrt((scores[:, :-1] ** 2).sum(axis=0)), res.table["se"])
