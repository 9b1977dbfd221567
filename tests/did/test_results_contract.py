"""The results contract on impact.did: intervals at any level, keyword-only effect(), compare.

tests/test_contract.py checks the shape of every class; these check the numbers: at the
fitted level every interval is the stored one, at another level it equals a hand
calculation with the critical value the class uses.
"""

from __future__ import annotations

import dataclasses
import pickle
import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

import impact
from impact.did import (
    HonestResult,
    att_gt,
    event_study,
    honest_did,
    imputation,
    twfe,
    wild_bootstrap_scores,
)
from impact.errors import DesignError, ImpactWarning

matplotlib.use("Agg")

REF = Path(__file__).parents[1] / "reference"
pytestmark = pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")

MPDTA = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    d = pd.read_csv(REF / "mpdta.csv")
    d["state"] = d["countyreal"] // 1000
    return d


@pytest.fixture(scope="module")
def boot(mpdta):
    """A bootstrapped att_gt fitted at 90 % (alpha=0.1), so level 0.95 is not the fitted one."""
    return att_gt(mpdta, **MPDTA, n_boot=199, seed=1, alpha=0.1)


def z(level: float) -> float:
    return float(stats.norm.ppf(0.5 + level / 2))


def test_group_time_frame_columns_and_levels(boot):
    fitted = boot.to_frame(level=0.9)
    assert list(fitted.columns[:8]) == [
        "cohort", "time", "event_time", "estimate", "se", "ci_lower", "ci_upper", "att",
    ]  # fmt: skip
    assert (fitted["att"] == fitted["estimate"]).all()
    for c in ("estimate", "se", "ci_lower", "ci_upper", "cband_lower", "cband_upper"):
        source = "att" if c == "estimate" else c
        np.testing.assert_array_equal(fitted[c], boot.table[source])  # stored, bit for bit
    wide = boot.to_frame()  # 95 %, recomputed
    t = boot.table
    np.testing.assert_allclose(wide["ci_lower"], t["att"] - z(0.95) * t["se"], rtol=0, atol=1e-15)
    np.testing.assert_allclose(wide["ci_upper"], t["att"] + z(0.95) * t["se"], rtol=0, atol=1e-15)
    assert list(wide.columns) == list(fitted.columns)
    assert wide["cband_lower"].isna().all() and wide["cband_upper"].isna().all()


def test_aggregate_frame_recomputes_the_uniform_band(boot):
    dyn = boot.aggregate("dynamic")
    fitted = dyn.to_frame(level=0.9)
    assert list(fitted.columns[:7]) == ["outcome", "kind", "event_time", "estimate", "se",
                                        "ci_lower", "ci_upper"]  # fmt: skip
    levels = fitted[~fitted["is_overall"]]
    np.testing.assert_array_equal(levels["cband_lower"], dyn.table["cband_lower"])
    np.testing.assert_array_equal(levels["ci_upper"], dyn.table["ci_upper"])
    overall = fitted[fitted["is_overall"]].iloc[0]
    assert (overall["estimate"], overall["ci_lower"], overall["ci_upper"]) == (dyn.att, *dyn.ci)
    # at 95 %: the 0.95 quantile of max |t| over the same draws
    n = len(dyn.table)
    se = dyn.table["se"].to_numpy()
    ok = np.isfinite(se)
    t_max = np.max(np.abs(dyn.draws[:, :n][:, ok]) / se[ok], axis=1)
    crit = np.quantile(t_max, 0.95, method="inverted_cdf")
    wide = dyn.to_frame()[lambda f: ~f["is_overall"]]
    np.testing.assert_allclose(wide["cband_upper"], dyn.table["att"] + crit * se, atol=1e-15)
    assert (
        (wide["cband_upper"] - wide["cband_lower"])
        .gt(levels["cband_upper"] - levels["cband_lower"])
        .all()
    )
    head = dyn.headline()
    assert head["ci_upper"] == pytest.approx(dyn.att + z(0.95) * dyn.se, abs=1e-15)
    assert head["uncertainty"] == "multiplier bootstrap" and head["level"] == 0.95


def test_simple_aggregate_frame_is_one_overall_row(mpdta):
    simple = att_gt(mpdta, **MPDTA).aggregate("simple")
    frame = simple.to_frame()
    assert len(frame) == 1 and frame["is_overall"].all()
    assert "event_time" not in frame and frame["att"].iloc[0] == simple.att
    assert (frame["ci_lower"].iloc[0], frame["ci_upper"].iloc[0]) == simple.ci
    assert simple.headline()["estimand"].startswith("ATT averaged over post-treatment")


def test_twfe_and_event_study_use_t_critical_values(mpdta):
    res = twfe(mpdta, **MPDTA, cluster="state")
    crit = stats.t.ppf(0.5 + 0.8 / 2, res.df_resid)
    row = res.to_frame(level=0.8).iloc[0]
    assert row["ci_lower"] == pytest.approx(res.estimate - crit * res.se, abs=1e-15)
    assert res.to_frame().iloc[0]["ci_upper"] == res.ci[1]  # fitted 0.95: stored formula
    assert res.headline(level=0.8)["ci_upper"] == pytest.approx(row["ci_upper"], abs=1e-15)
    es = event_study(mpdta, **MPDTA, cluster="state", alpha=0.1)
    pd.testing.assert_frame_equal(es.to_frame(level=0.9), es.table)
    wide = es.to_frame()
    h = stats.t.ppf(0.975, es.df_resid) * wide["se"]
    np.testing.assert_allclose(wide["ci_upper"], wide["estimate"] + h, atol=1e-15)
    post = [k >= 0 for k in es.event_times]
    assert es.headline()["estimate"] == pytest.approx(es.coef[post].mean())


def test_imputation_frame_has_kind_and_levels(mpdta):
    res = imputation(mpdta, **MPDTA, pretrends=2)
    frame = res.to_frame(level=0.5)
    assert list(frame.columns[:6]) == ["kind", "event_time", "estimate", "se", "ci_lower",
                                       "ci_upper"]  # fmt: skip
    assert frame["kind"].tolist()[:2] == ["pretrend", "pretrend"]
    np.testing.assert_allclose(frame["ci_lower"], frame["estimate"] - z(0.5) * frame["se"])
    effects = res.to_frame().query("kind == 'effect'").drop(columns="kind")
    # n_obs is float here: NaN on the pre-trend rows
    pd.testing.assert_frame_equal(effects.reset_index(drop=True), res.table, check_dtype=False)


def test_effect_defaults_to_the_fitted_outcome(mpdta):
    fits = [
        twfe(mpdta, **MPDTA),
        event_study(mpdta, **MPDTA),
        imputation(mpdta, **MPDTA),
        att_gt(mpdta, **MPDTA).aggregate("group"),
        twfe(mpdta, **MPDTA, cluster="state").wild_bootstrap(n_boot=99, seed=1),
        imputation(mpdta, **MPDTA).wild_bootstrap(n_boot=99, seed=1),
    ]
    for res in fits:
        assert res.effect(n_draws=100, seed=1).outcome == "lemp"
        with pytest.raises(TypeError):
            res.effect("lemp")  # keyword-only


def test_wild_bootstrap_interval_at_another_level(mpdta):
    wb = twfe(mpdta, **MPDTA, cluster="state").wild_bootstrap(n_boot=999, seed=3)
    assert wb.interval(level=0.95) == wb.ci
    lo, hi = wb.interval(level=0.8)
    assert wb.ci[0] < lo < wb.estimate < hi < wb.ci[1]
    # test inversion: the bounds are where the bootstrap p-value crosses 1 - level
    assert wb.inversion is not None
    assert wb.inversion.pvalue(lo - 1e-4 * wb.se) <= 0.2 < wb.inversion.pvalue(lo + 1e-3 * wb.se)
    head = wb.headline(level=0.8)
    assert head["uncertainty"] == "wild cluster bootstrap (WCR, test inversion)"
    assert head["estimand"] == "TWFE coefficient on the treatment indicator"
    bare = dataclasses.replace(wb, inversion=None)
    assert bare.interval(level=0.95) == wb.ci
    with pytest.raises(DesignError, match="level"):
        bare.interval(level=0.8)


def test_scores_bootstrap_needs_an_outcome_and_recomputes_its_interval(mpdta):
    imp = imputation(mpdta, **MPDTA)
    with pytest.raises(TypeError, match="outcome"):
        wild_bootstrap_scores(imp.att, imp.cluster_scores[:, 0])  # type: ignore[call-arg]
    wb = wild_bootstrap_scores(imp.att, imp.cluster_scores[:, 0], outcome="lemp", seed=1)
    q = np.quantile(np.abs(wb.draws - wb.estimate), 0.5)
    assert wb.interval(level=0.5) == pytest.approx((wb.estimate - q, wb.estimate + q))
    assert wb.to_frame()["outcome"].iloc[0] == "lemp"


def test_honest_recomputes_at_another_level_and_pickles(mpdta):
    dyn = att_gt(mpdta, **MPDTA, base_period="universal").aggregate("dynamic")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactWarning)
        res = dyn.honest(restriction="relative_magnitude", m_grid=[0.0, 0.5], breakdown=False)
        direct = dyn.honest(
            restriction="relative_magnitude", m_grid=[0.0, 0.5], breakdown=False, alpha=0.2
        )
        narrow = res.to_frame(level=0.8)
    pd.testing.assert_frame_equal(narrow, direct.to_frame(level=0.8))
    assert narrow["se"].isna().all() and (narrow["estimate"] == res.estimate).all()
    assert list(narrow.columns) == ["m", "estimate", "se", "ci_lower", "ci_upper",
                                    "restriction", "method"]  # fmt: skip
    again = pickle.loads(pickle.dumps(res))
    pd.testing.assert_frame_equal(again.to_frame(level=0.8), narrow)
    by_hand = honest_did(np.array([0.0, 0.1]), np.eye(2) * 0.01, num_pre=1, num_post=1)
    frozen = HonestResult(**{f.name: getattr(by_hand, f.name)
                             for f in dataclasses.fields(by_hand) if f.name != "at_alpha"})  # fmt: skip
    pd.testing.assert_frame_equal(frozen.to_frame(), by_hand.to_frame())
    with pytest.raises(DesignError, match="alpha=0.2"):
        frozen.to_frame(level=0.8)


def test_results_pickle_and_replace(mpdta):
    agg = att_gt(mpdta, **MPDTA).aggregate("dynamic")
    back = pickle.loads(pickle.dumps(agg))
    pd.testing.assert_frame_equal(back.to_frame(), agg.to_frame())
    assert dataclasses.replace(agg, outcome="other").headline()["outcome"] == "other"
    tw = twfe(mpdta, **MPDTA)
    assert pickle.loads(pickle.dumps(tw)).headline().equals(tw.headline())


def test_compare_a_mix_of_did_results(mpdta):
    gt = att_gt(mpdta, **MPDTA)
    table = impact.compare(
        gt.aggregate("simple"), gt.aggregate("dynamic"), twfe(mpdta, **MPDTA),
        imputation(mpdta, **MPDTA), level=0.9,
    )  # fmt: skip
    assert table["estimator"].tolist() == [
        "att_gt simple (dr, never_treated)",
        "att_gt dynamic (dr, never_treated)",
        "twfe (unit and time effects)",
        "imputation (BJS)",
    ]
    assert (table["outcome"] == "lemp").all() and (table["level"] == 0.9).all()
    with pytest.raises(DesignError, match="estimates no programme effect"):
        impact.compare(gt)
