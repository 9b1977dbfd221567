"""Tests for impact.bayes.hierarchical_did: cells == persons, probability-scale effects, API."""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pymc as pm
import pytest
from matplotlib.axes import Axes
from scipy import stats
from scipy.special import gammaln

from impact import Effect
from impact.bayes import (
    DEFAULT_PRIORS,
    HierarchicalDiDResult,
    hierarchical_did,
    predictive_check,
)
from impact.bayes.cells import build_design
from impact.bayes.hierarchical_did import build_model
from impact.bayes.results import treated_cell_probabilities
from impact.errors import DataError, DesignError, DiagnosticsWarning

from .conftest import fit_with_mock_sampler
from .test_cells import OPTS


def _random_points(model: pm.Model, n: int, seed: int) -> list[dict[str, np.ndarray]]:
    rng = np.random.default_rng(seed)
    ip = model.initial_point()
    return [{k: v + rng.normal(0, 0.5, np.shape(v)) for k, v in ip.items()} for _ in range(n)]


def test_cells_and_person_rows_have_the_same_log_posterior(tiny_did):
    """Binomial cells vs Bernoulli persons: log posteriors differ by sum log C(n, k) only."""
    persons, cells, _ = tiny_did
    d_cells = build_design(cells, **OPTS)
    d_persons = build_design(persons, **{**OPTS, "outcome": "y", "trials": None, "compress": False})
    assert d_persons.bernoulli and d_persons.n_cells == len(persons)
    m_cells = build_model(d_cells, DEFAULT_PRIORS, site_parameterization="centered")
    m_persons = build_model(d_persons, DEFAULT_PRIORS, site_parameterization="centered")
    k, n = d_cells.successes, d_cells.trials
    log_binom = float(np.sum(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1)))
    logp_c, logp_p = m_cells.compile_logp(), m_persons.compile_logp()
    values = []
    for point in _random_points(m_cells, 4, seed=1):
        lc, lp = float(logp_c(point)), float(logp_p(point))
        assert lc - lp == pytest.approx(log_binom, rel=1e-10, abs=1e-6)
        values.append(lc)
    assert np.ptp(values) > 1.0  # the points differ, so the identity is not trivial


@pytest.fixture(scope="module")
def mocked(tiny_did) -> Iterator[HierarchicalDiDResult]:
    """One mocked fit shared by the tests of this module (results are immutable)."""
    _, cells, _ = tiny_did
    res = fit_with_mock_sampler(
        hierarchical_did,
        cells,
        site="municipality",
        cohort="adoption_year",
        outcome_name="completed_vgs",
        covariates=["group"],
        effect_covariates=["group"],
        dynamic=True,
        draws=40,
        chains=4,
        seed=5,
    )
    yield res


def test_probabilities_match_the_model_likelihood(mocked):
    """The numpy ATT code uses the same linear predictor as the PyMC model."""
    res = mocked
    d = res.design
    post = res.idata["posterior"]
    assert "g_effect_group" in post and "r_event" in post and "w_site" in post
    p1, _ = treated_cell_probabilities(post, d)
    t = d.treated == 1
    loglik = res.idata["log_likelihood"]["y"].values.reshape(p1.shape[0], -1)[:, t]
    expected = stats.binom.logpmf(d.successes[t], d.trials[t], p1)
    np.testing.assert_allclose(loglik, expected, rtol=1e-8)


def test_att_is_cell_size_weighted_risk_difference(mocked):
    res = mocked
    d = res.design
    p1, p0 = treated_cell_probabilities(res.idata["posterior"], d)
    w = d.trials[d.treated == 1]
    np.testing.assert_allclose(res.draws("att"), (p1 - p0) @ w / w.sum())
    # site ATTs average back to the overall ATT with treated-person weights
    sizes = res.treated_sizes("site")
    np.testing.assert_allclose(res.draws("att_site") @ sizes / sizes.sum(), res.draws("att"))
    ev = res.treated_sizes("event_time")
    np.testing.assert_allclose(res.draws("att_event") @ ev / ev.sum(), res.draws("att"))


def test_result_api(mocked):
    res = mocked
    assert {
        "posterior",
        "prior",
        "prior_predictive",
        "posterior_predictive",
        "observed_data",
        "log_likelihood",
        "log_prior",
    } <= set(res.idata.groups())
    table = res.to_frame(level=0.9, threshold=0.02)
    assert list(table["estimand"].unique()) == ["simple", "site", "dynamic"]
    assert table.loc[table["estimand"] == "site", "site"].tolist() == list(res.design.effect_sites)
    assert table.loc[table["estimand"] == "dynamic", "event_time"].tolist() == [0, 1, 2]
    assert table["n_treated"].iloc[0] == res.design.trials[res.design.treated == 1].sum()
    assert table["estimate"].iloc[0] == pytest.approx(res.att)
    text = res.summary()
    assert "ATT (probability scale" in text and "FAILED" in text
    for kind in ("forest", "pooled", "dynamic"):
        assert isinstance(res.plot(kind=kind), Axes)  # type: ignore[arg-type]
    eff = res.effect()
    assert isinstance(eff, Effect) and eff.draws_kind == "posterior"
    assert eff.outcome == "completed_vgs" and eff.unit == "probability"
    dyn = res.effect(kind="dynamic")
    assert dyn.event_time == (0, 1, 2) and dyn.draws.shape == (160, 3)
    site = res.effect(site="m01")
    np.testing.assert_allclose(site.draws, res.draws("att_site")[:, 1])
    with pytest.raises(DesignError, match="'m11' has no treated cells"):
        res.effect(site="m11")


def test_predictive_check_statistics(mocked):
    check = predictive_check(mocked)
    d = mocked.design
    t = d.treated == 1
    table = check.to_frame()
    assert table["observed"].iloc[0] == pytest.approx(d.successes.sum() / d.trials.sum())
    assert table["observed"].iloc[1] == pytest.approx(d.successes[t].sum() / d.trials[t].sum())
    assert check.replicated.shape == (160, 4)
    assert isinstance(check.plot(), Axes)


def test_no_site_column_uses_cohorts(tiny_did, mock_pymc_sample):
    """UngInvest-style cells: no municipality; cohort effects instead, dynamic effect."""
    _, cells, _ = tiny_did
    agg = (
        cells.groupby(["adoption_year", "year", "treated", "event_time", "group"], dropna=False)[
            ["n", "successes"]
        ]
        .sum()
        .reset_index()
    )
    with pytest.warns(DiagnosticsWarning):
        res = hierarchical_did(
            agg,
            cohort="adoption_year",
            site=None,
            site_effects=False,
            dynamic=True,
            covariates=["group"],
            outcome_name="neet",
            predictive=False,
            log_likelihood=False,
            draws=10,
            seed=2,
        )
    assert res.design.unit_labels == (0, 2018, 2019)
    eff = res.effect(kind="dynamic")
    assert eff.outcome == "neet" and eff.event_time == (0, 1, 2)


def test_site_intercepts_pool_within_adoption_cohorts(tiny_did):
    """Correlated random effects: a_site = cohort level + deviation (Mundlak)."""
    _, cells, _ = tiny_did
    design = build_design(cells, **OPTS)
    assert design.unit_group_idx is not None
    unit_cohort = cells.groupby("municipality")["adoption_year"].first()
    labels = np.asarray(design.unit_group_labels)[design.unit_group_idx]
    np.testing.assert_array_equal(labels, unit_cohort.loc[list(design.unit_labels)].to_numpy())
    for parameterization in ("centered", "noncentered"):
        model = build_model(design, DEFAULT_PRIORS, site_parameterization=parameterization)
        point = _random_points(model, 1, seed=3)[0]
        names = {v.name for v in model.free_RVs}
        assert "cohort_offset" in names
        # a_site is the cohort's level plus the site's deviation, centred within its cohort
        dev_expr = (
            model["a_dev"]
            if parameterization == "centered"
            else model["sigma_site"] * model["z_site"]
        )
        fn = model.compile_fn(
            [model["a_site"], model["cohort_offset"], dev_expr],
            inputs=model.value_vars,
            on_unused_input="ignore",
        )
        a_site, offset, dev = fn(point)
        level = np.r_[0.0, offset]  # the first cohort (never-adopters) is the reference
        group = design.unit_group_idx
        centred = dev - (np.bincount(group, dev) / np.bincount(group))[group]
        np.testing.assert_allclose(a_site, level[group] + centred, rtol=1e-10, atol=1e-12)
    pooled = build_model(design, DEFAULT_PRIORS, site_pooling="all")
    assert "cohort_offset" not in {v.name for v in pooled.free_RVs}
    with pytest.raises(DataError, match="site_pooling='sites' is not 'cohort' or 'all'"):
        build_model(design, DEFAULT_PRIORS, site_pooling="sites")


@pytest.mark.sampling
def test_recovers_the_att_and_shrinks_site_effects(tiny_did):
    persons, cells, truth = tiny_did
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiagnosticsWarning)
        res = hierarchical_did(
            cells,
            site="municipality",
            cohort="adoption_year",
            outcome_name="completed_vgs",
            covariates=["group"],
            draws=500,
            tune=500,
            seed=11,
            cores=2,
            predictive=False,
        )
    assert res.diagnostics.divergences == 0
    assert res.diagnostics.max_rhat < 1.02
    table = res.to_frame(level=0.9)
    top = table.iloc[0]
    assert top["ci_lower"] <= truth["att"] <= top["ci_upper"]
    # shrinkage: posterior site effects are less dispersed than the sites' own raw DiDs
    rate = persons.groupby(["municipality", "treated"])["y"].mean().unstack()
    controls = persons[persons["adoption_year"] == 0]
    sites = table[table["estimand"] == "site"].set_index("site")
    raw = []
    for s in sites.index:
        years = persons.loc[(persons["municipality"] == s) & (persons["treated"] == 1), "year"]
        ctrl = controls.groupby(controls["year"].isin(years.unique()))["y"].mean()
        raw.append(rate.loc[s, 1] - rate.loc[s, 0] - (ctrl[True] - ctrl[False]))
    assert sites["estimate"].std() < np.std(raw, ddof=1)
