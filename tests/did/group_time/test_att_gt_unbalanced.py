"""att_gt with ``allow_unbalanced_panel=True`` and ``panel=False``: equivalences and errors.

Cross-checks against csdid live in ``test_att_gt_rc_crosscheck.py``; known-truth recovery
in ``test_att_gt_rc_recovery.py``. Here: what must coincide with the balanced-panel path,
inference options (clusters, bootstrap) and every new error message.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.did import att_gt
from impact.did.group_time.estimates_rc import compute_rc_cells
from impact.did.group_time.influence import DenseInfluence, SparseInfluence
from impact.did.group_time.validation_rc import validate_repeated_sample
from impact.errors import DataError, DesignError, FewClustersWarning, ImpactWarning

REF = Path(__file__).parents[2] / "reference"
MP = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}
RC = {"outcome": "y", "time": "t", "cohort": "g"}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return pd.read_csv(REF / "mpdta.csv")


def rc_sample(seed: int = 0, n: int = 1500, n_t: int = 4) -> pd.DataFrame:
    """Independent observations: cohort 0, 3 or 4, period 1..n_t, one covariate."""
    rng = np.random.default_rng(seed)
    g = rng.choice([0, 3, 4], size=n, p=[0.5, 0.25, 0.25])
    t = rng.integers(1, n_t + 1, size=n)
    x = rng.normal(size=n)
    y = x + 0.2 * t + np.where((g > 0) & (t >= g), 1.0, 0.0) + rng.normal(size=n)
    return pd.DataFrame({"y": y, "t": t, "g": g, "x": x, "row": np.arange(n)})


# --- equivalences with the balanced-panel path -------------------------------------------


def test_allow_unbalanced_on_balanced_panel_uses_panel_estimators(mpdta):
    """As R did ("Setting allow_unbalanced_panel = FALSE"): a balanced panel stays on the
    panel path (same points and SEs)."""
    a = att_gt(mpdta, **MP, covariates="lpop")
    b = att_gt(mpdta, **MP, covariates="lpop", allow_unbalanced_panel=True)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert any("panel is balanced" in note for note in b.notes)


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
@pytest.mark.parametrize("covariates", [None, "lpop"])
def test_unbalanced_estimator_on_a_balanced_panel_equals_panel_estimator(mpdta, method, covariates):
    """Forced through the unbalanced-panel (RC) estimators, a balanced panel with a
    time-invariant covariate gives the panel estimates *and* standard errors: summing the
    per-observation influence functions within units recovers the panel influence
    function. (With time-varying covariates the point estimates differ: RC uses each
    period's covariates, the panel path the base period's.)"""
    panel = att_gt(mpdta, **MP, covariates=covariates, method=method)
    sample = validate_repeated_sample(
        mpdta, **MP, covariates=covariates, structure="unbalanced_panel"
    )
    table, influence = compute_rc_cells(sample, "never_treated", method, 0, "varying")
    np.testing.assert_allclose(table["att"], panel.table["att"], rtol=0, atol=1e-12)
    np.testing.assert_allclose(np.sqrt(influence.variances()), panel.table["se"], rtol=1e-10)


def test_no_covariate_rc_is_four_means_did():
    """Known closed form: (ybar_T,t - ybar_T,b) - (ybar_C,t - ybar_C,b), with variance the
    sum of the four sampling variances of the means (independent observations)."""
    d = rc_sample(seed=1)
    res = att_gt(d, **RC, panel=False, method="dr")
    row = res.table.query("cohort == 3 and time == 4").iloc[0]
    cells = {}
    for grp, gv in (("T", 3), ("C", 0)):
        for per in (4, int(row["base_time"])):
            v = d.loc[(d["g"] == gv) & (d["t"] == per), "y"]
            cells[grp, per] = (v.mean(), v.var(ddof=0) / len(v))
    b = int(row["base_time"])
    att = cells["T", 4][0] - cells["T", b][0] - cells["C", 4][0] + cells["C", b][0]
    var = sum(v for _, v in cells.values())
    assert row["att"] == pytest.approx(att, abs=1e-12)
    assert row["se"] == pytest.approx(np.sqrt(var), rel=1e-10)


# --- inference options --------------------------------------------------------------------


def test_cluster_at_sampling_unit_changes_nothing(mpdta):
    rng = np.random.default_rng(5)
    gappy = mpdta[rng.random(len(mpdta)) >= 0.2]
    a = att_gt(gappy, **MP, allow_unbalanced_panel=True)
    b = att_gt(gappy, **MP, allow_unbalanced_panel=True, cluster="countyreal")
    np.testing.assert_allclose(a.table["se"], b.table["se"], rtol=1e-12)
    rc = gappy.assign(obs=np.arange(len(gappy)))
    c = att_gt(rc, **MP | {"unit": None}, panel=False)
    e = att_gt(rc, **MP | {"unit": None}, panel=False, cluster="obs")
    np.testing.assert_allclose(c.table["se"], e.table["se"], rtol=1e-12)


def test_cluster_sums_influence_within_clusters(mpdta):
    rng = np.random.default_rng(6)
    gappy = mpdta[rng.random(len(mpdta)) >= 0.2].assign(state=lambda f: f["countyreal"] // 1000)
    with pytest.warns(FewClustersWarning, match="Only 13 treated clusters"):
        res = att_gt(gappy, **MP, allow_unbalanced_panel=True, cluster="state")
    psi = res.influence.dense()
    unit_state = gappy.groupby("countyreal", sort=False)["state"].first().to_numpy()
    sums = pd.DataFrame(psi).groupby(unit_state).sum().to_numpy()
    se = np.sqrt((sums**2).sum(axis=0)) / psi.shape[0]
    np.testing.assert_allclose(res.table["se"], se, rtol=1e-12)


def test_bootstrap_on_repeated_cross_sections():
    d = rc_sample(seed=2, n=3000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        analytic = att_gt(d, **RC, panel=False, covariates="x")
        boot = att_gt(d, **RC, panel=False, covariates="x", n_boot=999, seed=11)
        again = att_gt(d, **RC, panel=False, covariates="x", n_boot=999, seed=11)
    pd.testing.assert_frame_equal(boot.table, again.table)
    ok = analytic.table["se"].notna()
    ratio = boot.table.loc[ok, "se"] / analytic.table.loc[ok, "se"]
    assert ratio.between(0.85, 1.15).all()
    assert (boot.table["cband_lower"] <= boot.table["ci_lower"] + 1e-12).all()
    dyn = boot.aggregate("dynamic")
    assert dyn.draws is not None and np.isfinite(dyn.crit)
    assert dyn.se == pytest.approx(analytic.aggregate("dynamic").se, rel=0.15)


def test_input_frame_not_modified():
    d = rc_sample(seed=3)
    before = d.copy()
    att_gt(d, **RC, panel=False, covariates="x", control_group="not_yet_treated")
    pd.testing.assert_frame_equal(d, before)


def test_not_yet_treated_without_never_treated_uses_last_cohort():
    d = rc_sample(seed=4, n_t=5)
    d = d[d["g"] > 0]
    res = att_gt(d, **RC, panel=False, control_group="not_yet_treated")
    assert set(res.table["cohort"]) == {3.0}
    assert res.table["time"].max() < 4
    assert any("cohort 4 serves" in note for note in res.notes)


# --- errors and warnings ------------------------------------------------------------------


def test_unbalanced_panel_error_names_gap_and_both_fixes(mpdta):
    gappy = mpdta[~((mpdta["countyreal"] == 8001) & (mpdta["year"] == 2005))]
    with pytest.raises(DataError) as err:
        att_gt(gappy, **MP)
    msg = str(err.value)
    assert "countyreal=8001" in msg and "year=2005" in msg
    assert "balance_panel=True" in msg and "allow_unbalanced_panel=True" in msg


def test_cohort_missing_in_some_rows_of_a_unit(mpdta):
    d = mpdta.copy()
    d.loc[(d["countyreal"] == 8001) & (d["year"] == 2004), "first.treat"] = np.nan
    d = d[~((d["countyreal"] == 8019) & (d["year"] == 2006))]
    with pytest.raises(DataError, match=r"missing in some rows of countyreal=8001"):
        att_gt(d, **MP, allow_unbalanced_panel=True)


def test_cohort_varying_within_unit(mpdta):
    d = mpdta.copy()
    d.loc[(d["countyreal"] == 8001) & (d["year"] == 2004), "first.treat"] = 2006
    d = d[~((d["countyreal"] == 8019) & (d["year"] == 2006))]
    with pytest.raises(DataError, match=r"varies within countyreal=8001"):
        att_gt(d, **MP, allow_unbalanced_panel=True)


def test_repeated_unit_with_panel_false(mpdta):
    with pytest.raises(DataError, match="appears in several rows.*allow_unbalanced_panel"):
        att_gt(mpdta, **MP, panel=False)


def test_duplicate_rows_in_unbalanced_panel(mpdta):
    d = pd.concat([mpdta.iloc[1:], mpdta.iloc[[5]]])
    with pytest.raises(DataError, match="Duplicate rows for countyreal="):
        att_gt(d, **MP, allow_unbalanced_panel=True)


def test_cohort_without_observations_in_a_period():
    d = rc_sample(seed=5)
    d = d[~((d["g"] == 4) & (d["t"] == 2))]
    with pytest.raises(DesignError, match=r"g=4 in t=2.*merge the cohort"):
        att_gt(d, **RC, panel=False)


def test_comparison_group_empty_in_a_period():
    d = rc_sample(seed=6)
    d = d[~((d["g"] == 0) & (d["t"] == 4))]
    with pytest.raises(DesignError, match=r"No observations of the comparison group in period 4"):
        att_gt(d, **RC, panel=False)


def test_too_few_observations_for_covariates():
    d = rc_sample(seed=7)
    few = d[(d["g"] == 3) & (d["t"] == 1)].index[1:]
    d = d.drop(few)
    with pytest.raises(DesignError, match=r"Only 1 observations of cohort 3 in the base"):
        att_gt(d, **RC, panel=False, covariates="x")


def test_cohorts_outside_the_observed_periods():
    d = rc_sample(seed=8)
    d.loc[d.index[:40], "g"] = 9  # after the last period: never treated
    d.loc[d.index[40:80], "g"] = 1  # treated in the first period: dropped
    with pytest.warns(ImpactWarning) as rec:
        res = att_gt(d, **RC, panel=False)
    text = " ".join(str(r.message) for r in rec)
    assert "after the last period 4" in text and "Dropped 40 observations" in text
    assert res.n_units == len(d) - 40
    assert set(res.table["cohort"]) == {3.0, 4.0}


def test_constant_and_separating_covariates():
    d = rc_sample(seed=9).assign(one=1.0)
    with pytest.raises(DesignError, match="Covariate 'one' is constant"):
        att_gt(d, **RC, panel=False, covariates=["x", "one"])
    d["sep"] = np.where(d["g"] == 3, 1.0, 0.0) + 1e-3 * d["x"]
    with pytest.raises(DesignError, match="perfectly predict treatment"):
        att_gt(d, **RC, panel=False, covariates="sep")


def test_incompatible_options(mpdta):
    d = rc_sample(seed=10)
    with pytest.raises(DesignError, match="apply to panel data"):
        att_gt(d, **RC, panel=False, balance_panel=True)
    with pytest.raises(DesignError, match="Choose one of balance_panel"):
        att_gt(mpdta, **MP, balance_panel=True, allow_unbalanced_panel=True)
    with pytest.raises(DataError, match="needs unit="):
        att_gt(mpdta, **MP | {"unit": None}, allow_unbalanced_panel=True)
    with pytest.raises(DataError, match="unit= is required for panel data"):
        att_gt(mpdta, **MP | {"unit": None})


def test_sparse_influence_of_repeated_cross_sections_equals_dense():
    """RC influence functions are stored sparse; every operation agrees with the dense form."""
    d = rc_sample(seed=12, n=2000)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = att_gt(d, **RC, panel=False, covariates="x", cluster="row")
    sp = res.influence
    assert isinstance(sp, SparseInfluence)
    dense = DenseInfluence(np.asfortranarray(sp.dense()), sp.units)
    np.testing.assert_allclose(sp.cov(), dense.cov(), rtol=1e-12, atol=1e-18)
    np.testing.assert_allclose(sp.variances(), dense.variances(), rtol=1e-12)
    np.testing.assert_allclose(sp.cluster_scores(), dense.cluster_scores(), atol=1e-15)
    w = np.random.default_rng(0).normal(size=(sp.n_params, 3))
    terms = np.random.default_rng(1).normal(size=(3, len(sp.units.levels)))
    np.testing.assert_allclose(sp.transform(w, terms).psi, dense.transform(w, terms).psi)
    a = sp.bootstrap(n_boot=199, weights="rademacher", alpha=0.05, seed=3)
    b = dense.bootstrap(n_boot=199, weights="rademacher", alpha=0.05, seed=3)
    np.testing.assert_allclose(a.draws, b.draws, rtol=1e-5, atol=1e-7)  # b in float32
