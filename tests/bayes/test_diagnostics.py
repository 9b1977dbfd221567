"""The diagnostics gate, PSIS-LOO and prior sensitivity on hand-made draws (no sampling)."""

from __future__ import annotations

import re
import warnings

import arviz as az
import numpy as np
import pytest

from impact.bayes import check_diagnostics, loo_check, prior_sensitivity
from impact.errors import DataError, DiagnosticsWarning


def _idata(
    x: np.ndarray,
    *,
    diverging: np.ndarray | None = None,
    energy: np.ndarray | None = None,
    loglik: np.ndarray | None = None,
) -> az.InferenceData:
    chains, draws = x.shape
    rng = np.random.default_rng(0)
    stats = {
        "diverging": np.zeros((chains, draws), bool) if diverging is None else diverging,
        "energy": rng.normal(size=(chains, draws)) if energy is None else energy,
    }
    groups = {"posterior": {"x": x}, "sample_stats": stats}
    if loglik is not None:
        groups["log_likelihood"] = {"y": loglik}
    idata = az.from_dict(**groups)
    if loglik is not None:
        log_prior = az.from_dict(posterior={"x": -0.5 * x**2})["posterior"]
        idata.add_groups({"log_prior": log_prior})
    return idata


def _iid(chains: int = 4, draws: int = 1000, seed: int = 1) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(chains, draws))


def test_good_draws_pass_silently():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DiagnosticsWarning)
        diag = check_diagnostics(_idata(_iid()))
    assert diag.passed and diag.reasons == ()
    assert diag.max_rhat < 1.01 and diag.min_ess_bulk > 2000 and diag.divergences == 0
    assert "PASSED" in diag.summary()
    assert diag.to_dict()["passed"] is True


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda: _idata(_iid() + np.array([[0.0], [0.0], [0.0], [0.5]])), "R-hat"),
        (lambda: _idata(_iid(chains=2, draws=2000)), "only 2 chain(s)"),
        (
            lambda: _idata(
                np.cumsum(_iid(), axis=1) * 0.02 + _iid(seed=2)
            ),  # strongly autocorrelated
            "ESS",
        ),
        (
            lambda: _idata(_iid(), diverging=np.eye(4, 1000, dtype=bool)),
            "4 divergent transitions",
        ),
        (
            lambda: _idata(_iid(), energy=np.cumsum(_iid(seed=3), axis=1)),  # random-walk energy
            "E-BFMI",
        ),
    ],
)
def test_each_failure_is_reported_and_warned(make, reason):
    idata = make()
    with pytest.warns(DiagnosticsWarning, match=re.escape(reason)):
        diag = check_diagnostics(idata)
    assert not diag.passed
    assert any(reason in r for r in diag.reasons)
    assert "FAILED" in diag.summary()


def test_missing_sample_stats_fail_the_gate():
    idata = az.from_dict(posterior={"x": _iid()})
    diag = check_diagnostics(idata, warn=False)
    assert not diag.passed and diag.divergences == -1
    with pytest.raises(DataError, match="no 'posterior' group"):
        check_diagnostics(az.from_dict(prior={"x": _iid()}))


def test_loo_and_pareto_k():
    rng = np.random.default_rng(4)
    x = _iid()
    # 20 well-behaved observations ...
    loglik = rng.normal(-1.0, 0.05, size=(4, 1000, 20))
    good = loo_check(_idata(x, loglik=loglik))
    ref = az.loo(_idata(x, loglik=loglik))
    assert good.passed and good.elpd_loo == pytest.approx(float(ref.elpd_loo))
    # ... and one whose likelihood has an extremely heavy right tail of draws
    loglik[..., 0] = -1.0 + 30 * rng.standard_cauchy(size=(4, 1000)).clip(-1, None)
    with pytest.warns(DiagnosticsWarning, match="Pareto k"):
        bad = loo_check(_idata(x, loglik=loglik))
    assert not bad.passed and bad.n_high_k >= 1 and bad.pareto_k[0] > 0.7
    with pytest.raises(DataError, match="no 'log_likelihood' group"):
        loo_check(_idata(x))


def test_prior_sensitivity_table():
    x = _iid()
    loglik = (-0.5 * (x - 1.0) ** 2)[..., None]
    table = prior_sensitivity(_idata(x, loglik=loglik))
    assert table.columns.tolist() == ["parameter", "index", "component", "sensitivity", "flagged"]
    assert table["parameter"].tolist() == ["x"]
    assert table["sensitivity"].iloc[0] >= 0
    with pytest.raises(DataError, match="no 'log_prior' group"):
        prior_sensitivity(_idata(x))
