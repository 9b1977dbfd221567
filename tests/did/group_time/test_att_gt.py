"""Behaviour of att_gt: inference options, reproducibility, clusters, weights, Effect hand-over."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from impact import Effect
from impact.did import GroupTimeResult, att_gt
from impact.errors import FewClustersWarning, ImpactWarning

matplotlib.use("Agg")

REF = Path(__file__).parents[2] / "reference"
MPDTA = {"outcome": "lemp", "unit": "countyreal", "time": "year", "cohort": "first.treat"}


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    d = pd.read_csv(REF / "mpdta.csv")
    d["state"] = d["countyreal"] // 1000  # FIPS state code: a coarser cluster
    return d


@pytest.fixture(scope="module")
def fit(mpdta) -> GroupTimeResult:
    return att_gt(mpdta, **MPDTA)


def test_input_not_mutated(mpdta):
    before = mpdta.copy()
    att_gt(mpdta, **MPDTA, covariates="lpop", cluster="state", n_boot=50, seed=1)
    pd.testing.assert_frame_equal(mpdta, before)


def test_table_contract(fit):
    cols = ["cohort", "time", "att", "se", "ci_lower", "ci_upper", "event_time"]
    assert set(cols) <= set(fit.table.columns)
    z = 1.959963984540054
    np.testing.assert_allclose(fit.table["ci_upper"] - fit.table["att"], z * fit.table["se"])
    assert (fit.table["event_time"] == fit.table["time"] - fit.table["cohort"]).all()
    assert fit.to_frame() is not fit.table
    assert "Wald pre-test" in fit.summary()
    # integer periods stay integers in the tidy table (and print as 2004, not 2004.0000)
    for col in ("cohort", "time", "event_time", "base_time"):
        assert pd.api.types.is_integer_dtype(fit.table[col]), col
    assert "2004.0000" not in fit.summary()


def test_bootstrap_is_seeded_and_close_to_analytic(mpdta, fit):
    a = att_gt(mpdta, **MPDTA, n_boot=999, seed=7)
    b = att_gt(mpdta, **MPDTA, n_boot=999, seed=7)
    c = att_gt(mpdta, **MPDTA, n_boot=999, seed=8)
    pd.testing.assert_frame_equal(a.table, b.table)
    assert not np.allclose(a.table["se"], c.table["se"])
    ratio = a.table["se"] / fit.table["se"]
    assert ratio.between(0.85, 1.15).all()
    # uniform band: wider than pointwise, critical value of a max over 12 cells
    assert 2.0 < a.crit < 3.8
    assert (a.table["cband_upper"] > a.table["ci_upper"]).all()


def test_mammen_weights(mpdta, fit):
    m = att_gt(mpdta, **MPDTA, n_boot=999, seed=3, boot_weights="mammen")
    assert (m.table["se"] / fit.table["se"]).between(0.85, 1.15).all()


def test_cluster_at_unit_equals_unclustered(mpdta, fit):
    c = att_gt(mpdta, **MPDTA, cluster="countyreal")
    np.testing.assert_allclose(c.table["se"], fit.table["se"], rtol=1e-12)


@pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")
def test_cluster_se_matches_cluster_robust_ols(mpdta):
    """For one cell, the clustered IF variance is the (uncorrected) cluster-robust OLS variance."""
    res = att_gt(mpdta, **MPDTA, cluster="state")
    row = res.table.query("cohort == 2006 and time == 2007").iloc[0]
    wide = mpdta.pivot(index="countyreal", columns="year", values="lemp")
    unit = mpdta.groupby("countyreal")[["first.treat", "state"]].first()
    keep = unit["first.treat"].isin([0, 2006])
    dy = (wide[2007] - wide[2005])[keep]
    d = (unit.loc[keep, "first.treat"] == 2006).astype(float)
    ols = sm.OLS(dy.to_numpy(), sm.add_constant(d.to_numpy())).fit(
        cov_type="cluster",
        cov_kwds={"groups": unit.loc[keep, "state"].to_numpy(), "use_correction": False},
    )
    assert row["att"] == pytest.approx(ols.params[1], abs=1e-12)
    assert row["se"] == pytest.approx(ols.bse[1], rel=1e-9)


def test_few_treated_clusters_warns(mpdta):
    with pytest.warns(FewClustersWarning, match="wild cluster bootstrap"):
        att_gt(mpdta, **MPDTA, cluster="state")
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewClustersWarning)
        att_gt(mpdta, **MPDTA, cluster="state", n_boot=99, seed=1)


@pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")
def test_clustered_bootstrap_runs_and_is_seeded(mpdta):
    a = att_gt(mpdta, **MPDTA, cluster="state", n_boot=199, seed=2)
    b = att_gt(mpdta, **MPDTA, cluster="state", n_boot=199, seed=2)
    pd.testing.assert_frame_equal(a.table, b.table)
    analytic = att_gt(mpdta, **MPDTA, cluster="state", n_boot=None)
    assert (a.table["se"] / analytic.table["se"]).between(0.6, 1.6).all()


def test_integer_weights_equal_duplicated_units(mpdta):
    """Point estimates with frequency weights equal those on data with units duplicated."""
    d = mpdta.copy()
    d["w"] = np.where(d["countyreal"] % 3 == 0, 2.0, 1.0)
    weighted = att_gt(d, **MPDTA, covariates="lpop", weights="w")
    dup = d[d["w"] == 2.0].assign(countyreal=lambda f: f["countyreal"] + 100_000)
    duplicated = att_gt(pd.concat([d, dup]), **MPDTA, covariates="lpop")
    np.testing.assert_allclose(weighted.table["att"], duplicated.table["att"], atol=1e-12)


def test_anticipation_moves_base_period(mpdta):
    with pytest.warns(ImpactWarning, match="Dropped 20 units"):
        res = att_gt(mpdta, **MPDTA, anticipation=1)
    row = res.table.query("cohort == 2007 and time == 2007").iloc[0]
    assert row["base_time"] == 2005
    # cohort 2004 has no period before 2003 = 2004 - 1: dropped with a warning
    assert 2004 not in set(res.table["cohort"])


def test_universal_base_normalises_reference_period(mpdta):
    res = att_gt(mpdta, **MPDTA, base_period="universal")
    ref = res.table.query("cohort == 2007 and time == 2006").iloc[0]
    assert ref["att"] == 0.0 and np.isnan(ref["se"])
    varying = att_gt(mpdta, **MPDTA)
    post = res.table[res.table["post"]].reset_index(drop=True)
    post_v = varying.table[varying.table["post"]].reset_index(drop=True)
    np.testing.assert_allclose(post["att"], post_v["att"], atol=1e-14)


def test_plot_draws_every_cohort_on_the_given_axes(fit):
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        assert fit.plot(ax=ax) is ax
        labels = ax.get_legend_handles_labels()[1]
        assert labels == [f"cohort {g:g}" for g in fit.table["cohort"].unique()]
        assert len(fig.axes) == 1
    finally:
        plt.close(fig)
    own = fit.plot()
    assert own is not ax and len(own.figure.axes) == 1
    plt.close(own.figure)


def test_effect_normal_and_bootstrap(mpdta, fit):
    eff = fit.aggregate("simple").effect(outcome="lemp", unit="log points", n_draws=2000, seed=1)
    assert isinstance(eff, Effect) and eff.draws_kind == "normal_approximation"
    assert eff.point == pytest.approx(-0.0399512751551763, abs=1e-12)
    assert eff.sd == pytest.approx(0.0120340127701854, rel=0.05)
    boot = att_gt(mpdta, **MPDTA, n_boot=499, seed=4).aggregate("simple")
    eb = boot.effect(outcome="lemp", unit="log points")
    assert eb.draws_kind == "bootstrap" and eb.n_draws == 499
    assert eb.mean == pytest.approx(boot.att, abs=3 * boot.se / np.sqrt(499) * 3)


def test_dynamic_effect_has_event_time_draws(mpdta, fit):
    dyn = fit.aggregate("dynamic")
    eff = dyn.effect(outcome="lemp", unit="log points", n_draws=3000, seed=2)
    assert eff.event_time == (0, 1, 2, 3)
    assert eff.draws.shape == (3000, 4)
    np.testing.assert_allclose(eff.sd, dyn.table["se"].to_numpy()[3:], rtol=0.06)
    assert eff.point == pytest.approx(dyn.att)


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_weighted_closed_form_equals_general_2x2(mpdta, method):
    """The no-covariate fast path equals the general DRDID-style estimator with an intercept."""
    from impact.did.group_time.drdid_panel import ESTIMATORS

    d = mpdta.copy()
    d["w"] = 1.0 + (d["countyreal"] % 5)
    res = att_gt(d, **MPDTA, weights="w", method=method)
    row = res.table.query("cohort == 2007 and time == 2005").iloc[0]
    wide = d.pivot(index="countyreal", columns="year", values="lemp")
    unit = d.groupby("countyreal")[["first.treat", "w"]].first()
    keep = unit["first.treat"].isin([0, 2007]).to_numpy()
    dy = (wide[2005] - wide[2004]).to_numpy()[keep]
    treat = (unit["first.treat"].to_numpy()[keep] == 2007).astype(float)
    att, psi = ESTIMATORS[method](dy, treat, np.ones((keep.sum(), 1)), unit["w"].to_numpy()[keep])
    n = len(unit)
    assert row["att"] == pytest.approx(att, abs=1e-12)
    se = np.sqrt(np.sum((psi * n / keep.sum()) ** 2)) / n
    assert row["se"] == pytest.approx(se, rel=1e-10)


@pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")
@pytest.mark.parametrize("cluster", [None, "state"])
def test_cohort_loadings_equal_explicit_influence_functions(mpdta, cluster):
    """The no-covariate influence representation equals its materialised n x cells matrix."""
    from impact.did.group_time.influence import CohortLinearInfluence, DenseInfluence

    d = mpdta.assign(w=1.0 + (mpdta["countyreal"] % 3))
    res = att_gt(d, **MPDTA, weights="w", cluster=cluster, control_group="not_yet_treated")
    lin = res.influence
    assert isinstance(lin, CohortLinearInfluence)
    dense = DenseInfluence(np.asfortranarray(lin.dense()), lin.units)
    np.testing.assert_allclose(lin.cov(), dense.cov(), rtol=1e-10, atol=1e-16)
    assert np.abs(dense.psi.mean(axis=0)).max() < 1e-10  # influence functions have mean zero
    combo = np.random.default_rng(0).normal(size=(lin.n_params, 3))
    terms = np.random.default_rng(1).normal(size=(3, len(lin.units.levels)))
    np.testing.assert_allclose(
        lin.transform(combo, terms).cov(), dense.transform(combo, terms).cov(), rtol=1e-9
    )
    b_lin = lin.bootstrap(n_boot=2000, weights="rademacher", alpha=0.05, seed=1)
    b_den = dense.bootstrap(n_boot=2000, weights="rademacher", alpha=0.05, seed=1)
    ok = np.isfinite(b_lin.se)
    assert (b_lin.se[ok] / b_den.se[ok]).max() < 1.15
    assert (b_lin.se[ok] / b_den.se[ok]).min() > 0.87
