"""Tests for impact.bayes.lean_idata: what a results bundle keeps of an InferenceData."""

from __future__ import annotations

import dataclasses
import hashlib
import warnings
from collections.abc import Iterator
from pathlib import Path

import arviz as az
import numpy as np
import pytest
import xarray as xr

from impact.bayes import (
    PREDICTIVE_DRAWS,
    HierarchicalDiDResult,
    hierarchical_did,
    lean_idata,
    loo_check,
    predictive_check,
)
from impact.errors import DataError, OptionError

from .conftest import fit_with_mock_sampler

CHAINS, DRAWS = 4, 40


@pytest.fixture(scope="module")
def fit(tiny_did) -> Iterator[HierarchicalDiDResult]:
    """A mocked hierarchical DiD fit with every workflow group (the wiring is under test)."""
    _, cells, _ = tiny_did
    yield fit_with_mock_sampler(
        hierarchical_did,
        cells,
        site="municipality",
        cohort="adoption_year",
        covariates=["group"],
        draws=DRAWS,
        chains=CHAINS,
        seed=11,
    )


def _write(idata: az.InferenceData, path: Path) -> Path:
    idata.to_netcdf(str(path))
    return path


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_fit_has_the_big_groups(fit):
    groups = fit.idata.groups()
    assert {"log_likelihood", "log_prior", "posterior_predictive", "prior_predictive"} <= set(
        groups
    )


def test_lean_opens_with_arviz_and_keeps_the_posterior_bit_for_bit(fit, tmp_path):
    path = _write(lean_idata(fit.idata, predictive_draws=10, seed=1), tmp_path / "lean.nc")
    back = az.from_netcdf(str(path))
    dropped = {"log_likelihood", "log_prior"}
    assert set(back.groups()) == set(fit.idata.groups()) - dropped | {"loo"}
    for group in ("posterior", "prior", "observed_data"):
        before, after = fit.idata[group], back[group]
        assert list(after.data_vars) == list(before.data_vars)
        for name in before.data_vars:
            assert after[name].dtype == before[name].dtype, (group, name)
            assert np.array_equal(after[name].values, before[name].values), (group, name)
    summary = az.summary(back, var_names=["att", "delta"], kind="diagnostics")
    expected = az.summary(fit.idata, var_names=["att", "delta"], kind="diagnostics")
    assert summary.equals(expected)
    assert float(az.rhat(back, var_names=["att"])["att"]) == float(
        az.rhat(fit.idata, var_names=["att"])["att"]
    )


def test_loo_summary_equals_arviz_loo_on_the_full_object(fit, tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        expected = az.loo(fit.idata, pointwise=True)
    back = az.from_netcdf(str(_write(lean_idata(fit.idata, seed=1), tmp_path / "l.nc")))
    loo = back["loo"]
    assert loo.attrs["elpd_loo"] == float(expected.elpd_loo)
    assert loo.attrs["se"] == float(expected.se)
    assert loo.attrs["p_loo"] == float(expected.p_loo)
    assert loo.attrs["n_samples"] == CHAINS * DRAWS
    assert loo.attrs["n_data_points"] == fit.design.n_cells
    assert np.array_equal(loo["elpd_loo"].values, expected.loo_i.values)
    assert np.array_equal(loo["pareto_k"].values, expected.pareto_k.values)
    k = expected.pareto_k.values
    assert loo.attrs["n_high_k"] == int((k > 0.7).sum())
    assert loo.attrs["max_pareto_k"] == float(k.max())


def test_loo_check_reads_the_lean_summary(fit):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        full, lean = (
            loo_check(fit.idata, warn=False),
            loo_check(lean_idata(fit.idata, seed=1), warn=False),
        )
    assert lean.to_frame().equals(full.to_frame())
    assert np.array_equal(lean.pareto_k, full.pareto_k)
    with pytest.raises(DataError, match="log_likelihood=True"):
        loo_check(lean_idata(fit.idata, log_likelihood="none", seed=1))


def test_predictive_thinning_is_seeded_and_keeps_the_drawn_values(fit, tmp_path):
    a = lean_idata(fit.idata, predictive_draws=10, seed=3)
    b = lean_idata(fit.idata, predictive_draws=10, seed=3)
    c = lean_idata(fit.idata, predictive_draws=10, seed=4)
    assert _sha(_write(a, tmp_path / "a.nc")) == _sha(_write(b, tmp_path / "b.nc"))
    assert _sha(_write(a, tmp_path / "a2.nc")) == _sha(tmp_path / "a.nc")  # twice, same bytes
    assert _sha(_write(c, tmp_path / "c.nc")) != _sha(tmp_path / "a.nc")
    pp, full = a["posterior_predictive"], fit.idata["posterior_predictive"]
    assert dict(pp.sizes)["chain"] == CHAINS and dict(pp.sizes)["draw"] == 10
    kept = pp["draw"].values
    assert np.all(np.diff(kept) > 0) and not np.array_equal(kept, c["posterior_predictive"].draw)
    original = full["y"].sel(draw=kept).values
    assert np.array_equal(pp["y"].values.astype(float), original)  # counts: lossless
    assert pp["y"].dtype == np.int16
    assert pp.attrs["thinned_from_draws"] == DRAWS and pp.attrs["thinned_seed"] == 3
    prior = a["prior_predictive"]
    assert dict(prior.sizes)["draw"] == 10


def test_float_draws_become_float32():
    rng = np.random.default_rng(0)
    full = az.from_dict(
        posterior={"mu": rng.normal(size=(2, 30))},
        posterior_predictive={"y": rng.normal(size=(2, 30, 5))},
        sample_stats={"diverging": rng.random((2, 30)) < 0.1, "energy": rng.normal(size=(2, 30))},
    )
    lean = lean_idata(full, predictive_draws=7, seed=0)
    y = lean["posterior_predictive"]["y"]
    assert y.dtype == np.float32 and y.shape == (2, 7, 5)
    assert np.allclose(y.values, full["posterior_predictive"]["y"].sel(draw=y.draw).values)
    stats = full["sample_stats"]
    assert lean["sample_stats"].equals(stats)  # values, dims and coords
    assert lean["sample_stats"].attrs == {k: v for k, v in stats.attrs.items() if k != "created_at"}
    assert lean_idata(full, predictive_draws=30, seed=0)["posterior_predictive"].sizes["draw"] == 30


def test_options_keep_everything(fit):
    kept = lean_idata(
        fit.idata,
        log_likelihood="full",
        predictive_draws=None,
        warmup=True,
        timestamps=True,
    )
    assert kept.groups() == list(dict.fromkeys(fit.idata.groups()))
    for group in kept.groups():
        assert kept[group].identical(fit.idata[group]), group


def test_timestamps_are_dropped_and_nothing_else(fit):
    lean = lean_idata(fit.idata, seed=1)
    assert any("created_at" in fit.idata[g].attrs for g in fit.idata.groups())
    for group in lean.groups():
        assert "created_at" not in lean[group].attrs
        assert "sampling_time" not in lean[group].attrs
    assert lean["posterior"].attrs["arviz_version"] == fit.idata["posterior"].attrs["arviz_version"]
    assert "created_at" in fit.idata["posterior"].attrs  # the original is not touched


def test_size_drops(fit, tmp_path):
    def size(idata: az.InferenceData, name: str) -> int:
        return _write(idata, tmp_path / name).stat().st_size

    full = size(fit.idata, "full.nc")
    lean = size(lean_idata(fit.idata, predictive_draws=5, seed=1), "lean.nc")
    kept = size(
        az.InferenceData(**{g: fit.idata[g] for g in ("posterior", "prior", "observed_data")}),
        "kept.nc",
    )
    # the groups that grow with draws x cells were most of what lean drops or thins
    assert lean < 0.6 * full
    assert lean - kept < 0.25 * (full - kept)


def test_result_method_uses_the_fit_seed_and_leaves_the_result_alone(fit, tmp_path):
    lean = fit.lean_idata(predictive_draws=10)
    same = lean_idata(fit.idata, predictive_draws=10, seed=fit.sampler.seed)
    assert _sha(_write(lean, tmp_path / "m.nc")) == _sha(_write(same, tmp_path / "f.nc"))
    assert "log_likelihood" in fit.idata.groups()
    assert fit.idata["posterior_predictive"].sizes["draw"] == DRAWS
    assert fit.lean_idata()["posterior_predictive"].sizes["draw"] == min(DRAWS, PREDICTIVE_DRAWS)


def test_predictive_check_runs_on_the_lean_draws(fit):
    lean = dataclasses.replace(fit, idata=fit.lean_idata(predictive_draws=10))
    check = predictive_check(lean)
    assert check.replicated.shape == (CHAINS * 10, len(check.names))
    prior = predictive_check(lean, kind="prior")
    assert prior.replicated.shape[0] == 10


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"log_likelihood": "sumary"}, "log_likelihood='sumary'.*Did you mean 'summary'"),
        ({"predictive_draws": 0}, "predictive_draws=0 must be a whole number of at least 1"),
        ({"predictive_draws": 2.5}, "predictive_draws=2.5"),
        ({"seed": -1}, "seed"),
        ({"warmup": "yes"}, "warmup='yes' must be True or False"),
    ],
)
def test_bad_options_name_the_argument(fit, options, match):
    with pytest.raises(OptionError, match=match):
        lean_idata(fit.idata, **options)


def test_several_observed_variables_need_full(fit):
    two = fit.idata.copy()
    ll = two["log_likelihood"]
    two["log_likelihood"] = ll.assign(z=ll["y"])
    with pytest.raises(OptionError, match="log_likelihood='full'"):
        lean_idata(two, seed=1)
    assert "log_likelihood" in lean_idata(two, log_likelihood="full", seed=1).groups()


def test_no_posterior_is_a_data_error():
    with pytest.raises(DataError, match="no 'posterior' group"):
        lean_idata(az.from_dict(observed_data={"y": np.zeros(3)}))


def test_variable_order_does_not_change_the_bytes(fit, tmp_path):
    """PyMC's prior draws come in hash-seed order; the lean file must not depend on it."""
    prior = fit.idata["prior"]
    shuffled = xr.Dataset(
        coords={c: prior.coords[c] for c in reversed(list(prior.coords))}, attrs=prior.attrs
    )
    for name in reversed(list(prior.data_vars)):
        shuffled[name] = prior[name]
    assert list(shuffled.data_vars) != list(prior.data_vars)
    other = fit.idata.copy()
    other["prior"] = shuffled
    a = _write(lean_idata(fit.idata, seed=2), tmp_path / "a.nc")
    b = _write(lean_idata(other, seed=2), tmp_path / "b.nc")
    assert _sha(a) == _sha(b)


@pytest.mark.filterwarnings("ignore:overflow encountered in expm1:RuntimeWarning")  # mock draws
def test_identity_link_fit_keeps_float32_predictive_draws_and_its_loo(tiny_did):
    """The identity link's predictive draws are Gaussian (not counts): float32, not integers."""
    _, cells, _ = tiny_did
    res = fit_with_mock_sampler(
        hierarchical_did,
        cells,
        site="municipality",
        cohort="adoption_year",
        draws=DRAWS,
        chains=CHAINS,
        seed=5,
        link="identity",
    )
    lean = res.lean_idata(predictive_draws=8)
    y = lean["posterior_predictive"]["y"]
    assert y.dtype == np.float32 and y.sizes["draw"] == 8
    full = res.idata["posterior_predictive"]["y"].sel(draw=y["draw"]).values
    assert np.allclose(y.values, full, rtol=1e-6, atol=0)
    assert lean["loo"].attrs["n_data_points"] == res.design.n_cells
    assert dataclasses.replace(res, idata=lean).to_frame().equals(res.to_frame())
