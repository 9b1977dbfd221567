"""Tests for impact.bayes.partial_pooling (eight schools, validation, result API)."""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Iterator

import arviz as az
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from impact import Effect
from impact.bayes import PartialPoolingResult, partial_pooling, predictive_check
from impact.errors import DataError, DesignError, DiagnosticsWarning, OptionError

from .conftest import fit_with_mock_sampler

Y = [28.0, 8, -3, 7, -1, 1, 18, 12]
SIGMA = [15.0, 10, 16, 11, 9, 11, 10, 18]


# -- validation (no sampling) ------------------------------------------------------------
@pytest.mark.parametrize(
    ("estimates", "std_errors", "match"),
    [
        ([1.0, 2.0], [1.0, 0.0], r"std_errors\[1\] = 0\.0 is not positive"),
        ([1.0, 2.0], [-1.0, 1.0], r"std_errors\[0\] = -1\.0 is not positive"),
        ([1.0, 2.0, 3.0], [1.0, 1.0], "estimates has 3 values but std_errors has 2"),
        ([1.0, np.nan], [1.0, 1.0], "estimates has non-finite value"),
        ([[1.0, 2.0]], [[1.0, 1.0]], "one-dimensional"),
        (["a", "b"], [1.0, 1.0], "must be numbers"),
    ],
)
def test_bad_input_raises_clear_data_error(estimates, std_errors, match):
    with pytest.raises(DataError, match=match):
        partial_pooling(estimates, std_errors)


def test_bad_options_raise():
    with pytest.raises(DesignError, match="at least 2 sites"):
        partial_pooling([1.0], [1.0])
    with pytest.raises(DataError, match="sites has 3 labels"):
        partial_pooling([1.0, 2.0], [1.0, 1.0], sites=["a", "b", "c"])
    with pytest.raises(DataError, match="unique"):
        partial_pooling([1.0, 2.0], [1.0, 1.0], sites=["a", "a"])
    with pytest.raises(DataError, match="tau_scale=-1.0"):
        partial_pooling([1.0, 2.0], [1.0, 1.0], tau_scale=-1.0)
    with pytest.raises(DataError, match="parameterization"):
        partial_pooling([1.0, 2.0], [1.0, 1.0], parameterization="funnel")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="chains=0"):
        partial_pooling([1.0, 2.0], [1.0, 1.0], chains=0)
    with pytest.raises(DesignError, match="sampler='stan'"):
        partial_pooling([1.0, 2.0], [1.0, 1.0], sampler="stan")


# -- result API with mocked sampling ---------------------------------------------------------
@pytest.fixture(scope="module")
def mocked_result() -> Iterator[PartialPoolingResult]:
    """One mocked fit shared by this module's tests (results are immutable)."""
    est = pd.Series(Y, index=[f"school {c}" for c in "ABCDEFGH"])
    se = pd.Series(SIGMA, index=est.index)
    before = est.copy(), se.copy()
    res = fit_with_mock_sampler(
        partial_pooling,
        est,
        se,
        match="no divergence statistics",
        outcome="completed_vgs",
        mu_sd=5,
        tau_scale=5,
        draws=50,
        chains=4,
        seed=3,
    )
    pd.testing.assert_series_equal(est, before[0])  # inputs are never mutated
    pd.testing.assert_series_equal(se, before[1])
    yield res


def test_result_carries_full_inference_data(mocked_result):
    groups = set(mocked_result.idata.groups())
    assert {
        "posterior",
        "prior",
        "prior_predictive",
        "posterior_predictive",
        "observed_data",
        "log_likelihood",
        "log_prior",
    } <= groups
    post = mocked_result.idata.posterior
    assert {"mu", "tau", "theta", "theta_new"} <= set(post.data_vars)
    assert list(post["theta"].coords["site"].values) == [f"school {c}" for c in "ABCDEFGH"]
    assert post.sizes["chain"] == 4
    np.testing.assert_allclose(mocked_result.idata.observed_data["y"].values, Y)


def test_mocked_result_fails_gate_visibly(mocked_result):
    assert mocked_result.diagnostics.passed is False
    assert "FAILED" in mocked_result.summary()


def test_theta_is_mu_plus_tau_z(mocked_result):
    post = mocked_result.idata.posterior
    np.testing.assert_allclose(
        post["theta"].values,
        post["mu"].values[..., None] + post["tau"].values[..., None] * post["z"].values,
    )


def test_to_frame_summary_plot_effect(mocked_result):
    res = mocked_result
    table = res.to_frame(level=0.9, threshold=1.0)
    assert list(table["parameter"][:3]) == ["mu", "tau", "theta_new"]
    assert (table["parameter"] == "theta").sum() == 8
    mu = res.draws("mu")
    row = table.iloc[0]
    assert row["estimate"] == pytest.approx(mu.mean())
    assert row["se"] == pytest.approx(mu.std(ddof=1))
    assert row["ci_lower"] == pytest.approx(np.quantile(mu, 0.05))
    assert row["p_above_threshold"] == pytest.approx(np.mean(mu > 1.0))
    sites = table[table["parameter"] == "theta"]
    np.testing.assert_allclose(sites["unpooled_estimate"], Y)
    np.testing.assert_allclose(sites["unpooled_se"], SIGMA)
    assert sites["pooling"].between(0, 1).all()
    # small sites (large standard error) pool more
    assert sites["pooling"].iloc[7] > sites["pooling"].iloc[4]
    assert isinstance(res.summary(), str)
    assert isinstance(res.plot(), Axes)
    assert isinstance(res.plot(kind="pooled", practical_zero=2.0), Axes)
    eff = res.effect(unit="test points")  # eight schools: not a risk difference
    assert isinstance(eff, Effect) and eff.draws_kind == "posterior"
    assert eff.outcome == "completed_vgs"
    assert res.headline()["outcome"] == "completed_vgs"
    np.testing.assert_allclose(eff.draws, mu)
    assert res.effect(kind="predictive", unit="test points").point == pytest.approx(
        res.draws("theta_new").mean()
    )
    np.testing.assert_allclose(
        res.effect(site="school A", unit="test points").draws, res.draws("theta")[:, 0]
    )
    with pytest.raises(DataError, match="school Z"):
        res.draws("school Z")


def test_predictive_checks(mocked_result):
    post = predictive_check(mocked_result)
    table = post.to_frame()
    assert table["statistic"].tolist() == ["mean", "sd", "min", "max"]
    np.testing.assert_allclose(table["observed"], [np.mean(Y), np.std(Y), min(Y), max(Y)])
    rep = mocked_result.idata["posterior_predictive"]["y"].values.reshape(-1, 8)
    assert table["p_value"].iloc[3] == pytest.approx(np.mean(rep.max(axis=1) >= max(Y)))
    prior = predictive_check(mocked_result, kind="prior")
    assert prior.replicated.shape == (500, 4)
    assert isinstance(post.plot(), Axes) and "predictive check" in post.summary()
    assert isinstance(post.plot(statistic="max"), Axes)
    with pytest.raises(DataError, match="kind='both'"):
        predictive_check(mocked_result, kind="both")  # type: ignore[arg-type]


def test_default_priors_scale_with_the_data(mock_pymc_sample):
    with pytest.warns(DiagnosticsWarning):
        res = partial_pooling([0.05, 0.01, 0.1], [0.1, 0.1, 0.1], draws=10, seed=1)
    assert res.priors == pytest.approx({"mu_sd": 1.0, "tau_scale": 0.1})


def test_same_seed_same_numbers(mock_pymc_sample):
    with pytest.warns(DiagnosticsWarning):
        a = partial_pooling(Y, SIGMA, draws=20, seed=11)
        b = partial_pooling(Y, SIGMA, draws=20, seed=11)
        c = partial_pooling(Y, SIGMA, draws=20, seed=12)
    np.testing.assert_array_equal(a.draws("theta_new"), b.draws("theta_new"))
    assert not np.array_equal(a.draws("theta_new"), c.draws("theta_new"))


# -- real sampling ----------------------------------------------------------------------------
def _check_against_reference(res: PartialPoolingResult, ref: dict, z: float) -> None:
    """Means and sds agree with the published posterior within z combined MC errors."""
    n_ref = ref["n_draws"]
    for name, key in (("mu", "mu"), ("tau", "tau"), ("theta_1", "site_1")):
        d = res.draws(key)
        target = ref["posterior"][name]
        ess_mean = float(az.ess(d.reshape(res.sampler.chains, -1), method="mean"))
        mcse_mean = np.hypot(d.std() / np.sqrt(ess_mean), target["sd"] / np.sqrt(n_ref / 2))
        assert d.mean() == pytest.approx(target["mean"], abs=z * mcse_mean), name
        # MC error of an sd estimate ~ sd * sqrt((kurtosis - 1) / (4 n)); tau is heavy-tailed
        kurt = float(np.mean((d - d.mean()) ** 4) / d.var() ** 2)
        mcse_sd = (
            target["sd"]
            * np.sqrt((kurt - 1) / 4)
            * np.hypot(1 / np.sqrt(ess_mean), 1 / np.sqrt(n_ref / 2))
        )
        assert d.std(ddof=1) == pytest.approx(target["sd"], abs=z * mcse_sd), name


@pytest.mark.sampling
@pytest.mark.reference
def test_eight_schools_noncentred_matches_published_posterior(eight_schools):
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagnosticsWarning)
        res = partial_pooling(
            eight_schools["y"], eight_schools["sigma"], mu_sd=5, tau_scale=5, seed=20240601, cores=1
        )
    assert res.diagnostics.passed, res.diagnostics.summary()
    assert res.diagnostics.divergences == 0
    assert res.sampler.sampler == "pymc" and res.sampler.chains == 4
    _check_against_reference(res, eight_schools, z=4.0)
    # shrinkage: every school's posterior mean lies between its estimate and the pooled mean
    table = res.to_frame()
    sites = table[table["parameter"] == "theta"]
    mu = res.pooled_effect
    lo = np.minimum(sites["unpooled_estimate"], mu) - 0.3
    hi = np.maximum(sites["unpooled_estimate"], mu) + 0.3
    assert sites["estimate"].between(lo, hi).all()


@pytest.mark.sampling
def test_centred_eight_schools_pathology_is_flagged(eight_schools):
    with pytest.warns(DiagnosticsWarning, match="divergent"):
        res = partial_pooling(
            eight_schools["y"],
            eight_schools["sigma"],
            mu_sd=5,
            tau_scale=5,
            parameterization="centered",
            draws=500,
            tune=500,
            target_accept=0.8,
            seed=7,
            cores=1,
        )
    assert not res.diagnostics.passed
    assert res.diagnostics.divergences > 0
    assert "FAILED" in res.summary()


@pytest.mark.slow
@pytest.mark.sampling
@pytest.mark.reference
def test_eight_schools_10000_draws(eight_schools):
    res = partial_pooling(
        eight_schools["y"], eight_schools["sigma"], mu_sd=5, tau_scale=5, draws=2500, seed=99
    )
    assert res.diagnostics.passed and res.diagnostics.divergences == 0
    _check_against_reference(res, eight_schools, z=3.0)


def test_effect_without_an_outcome_name_says_how_to_give_one(mocked_result):
    unnamed = dataclasses.replace(mocked_result, outcome=None)
    with pytest.raises(DesignError, match=r"partial_pooling\(\.\.\., outcome="):
        unnamed.effect()
    assert unnamed.effect(outcome="neet", unit="test points").outcome == "neet"
    assert unnamed.headline()["outcome"] == ""


def test_effect_subsamples_posterior_draws_with_a_seed(mocked_result):
    a = mocked_result.effect(n_draws=50, seed=3, unit="test points")
    b = mocked_result.effect(n_draws=50, seed=3, unit="test points")
    assert a.draws.shape == (50,)
    np.testing.assert_array_equal(a.draws, b.draws)
    assert set(a.draws) <= set(mocked_result.draws("mu"))
