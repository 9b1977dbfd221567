"""hierarchical_did(link="identity"): the linear probability model on cells.

Checks the working variances against statsmodels' binomial GLM with identity link (an
independent implementation), the Gaussian log-likelihood and the linear ATT against
formulas written out here, the result API, and recovery of a known DiD effect when each
link fits data simulated from its own model.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from scipy.special import expit, logit

from impact.bayes import (
    HierarchicalDiDResult,
    hierarchical_did,
    loo_check,
    predictive_check,
    prior_sensitivity,
)
from impact.bayes.cells import build_design, working_probabilities
from impact.bayes.hierarchical_did import IDENTITY_PRIORS
from impact.bayes.results import treated_cell_probabilities
from impact.errors import DataError, DesignError, DiagnosticsWarning, OptionError

from .conftest import fit_with_mock_sampler
from .test_cells import OPTS


def simulate_cells(seed: int, *, link: str, mean_size: int = 300) -> tuple[pd.DataFrame, float]:
    """Staggered DiD on binomial cells whose parallel trends hold on ``link``'s scale.

    Adopting sites start from a much higher risk than the others (selection on the level),
    so parallel trends in probabilities and in log-odds are different assumptions. Returns
    the cells and the cell-size-weighted ATT on the probability scale over treated cells.
    """
    rng = np.random.default_rng(seed)
    n_sites, years = 12, range(2015, 2021)
    adoption = np.where(np.arange(n_sites) < 4, 2018, np.where(np.arange(n_sites) < 7, 2019, 0))
    level = rng.normal(0.0, 0.02, n_sites) + np.where(adoption > 0, 0.15, 0.0)
    u_site = rng.normal(0.0, 0.015, n_sites)
    rows, effects, weights = [], [], []
    for s in range(n_sites):
        for y in years:
            for g, shift in (("a", 0.0), ("b", 0.08)):
                n = int(rng.poisson(mean_size)) + 1
                treated = int(adoption[s] > 0 and y >= adoption[s])
                base = 0.2 + level[s] + 0.015 * (y - years.start) + shift
                if link == "identity":
                    p0, p1 = base, base + (-0.06 + u_site[s])
                else:  # the same levels, but trends and the effect on the log-odds scale
                    eta0 = logit(0.2 + level[s] + shift) + 0.08 * (y - years.start)
                    p0, p1 = expit(eta0), expit(eta0 - 0.35 + 5 * u_site[s])
                k = int(rng.binomial(n, p1 if treated else p0))
                et = y - adoption[s] if treated else -1
                rows.append((f"m{s:02d}", y, int(adoption[s]), treated, et, g, n, k))
                if treated:
                    effects.append(p1 - p0)
                    weights.append(n)
    cells = pd.DataFrame(
        rows,
        columns=[
            "municipality",
            "year",
            "adoption_year",
            "treated",
            "event_time",
            "group",
            "n",
            "successes",
        ],
    )
    return cells, float(np.average(effects, weights=weights))


def test_bad_link_and_person_rows_are_clear_errors(tiny_did):
    persons, cells, _ = tiny_did
    with pytest.raises(DataError, match=r"link='probit' is not one of \('logit', 'identity'\)"):
        hierarchical_did(
            cells, site="municipality", cohort="adoption_year", covariates=["group"], link="probit"
        )
    with pytest.raises(DesignError, match="link='identity' needs cells.*compress=True"):
        hierarchical_did(
            persons,
            site="municipality",
            cohort="adoption_year",
            outcome="y",
            trials=None,
            compress=False,
            link="identity",
        )
    with pytest.raises(OptionError, match="unknown prior 'slab'"):
        hierarchical_did(
            cells,
            site="municipality",
            cohort="adoption_year",
            link="identity",
            priors={"slab": 0.1},
        )


@pytest.mark.filterwarnings("ignore:The Identity link function does not respect the domain")
@pytest.mark.filterwarnings("ignore:The design matrix is rank-deficient")
def test_working_probabilities_are_the_binomial_identity_mle(tiny_did):
    """IRLS fitted values equal statsmodels' binomial GLM with identity link (same terms)."""
    _, cells, _ = tiny_did
    design = build_design(cells, **OPTS)
    bounded, fitted = working_probabilities(design, ["group"], iterations=8)
    frame = design.cells.assign(
        rate=design.successes / design.trials,
        et=design.cells["event_time"].astype(str),
    )
    glm = smf.glm(
        "rate ~ C(municipality) + C(year) + C(group) + treated + treated:C(municipality)"
        " + treated:C(et) + treated:C(group)",
        data=frame,
        family=sm.families.Binomial(link=sm.families.links.Identity()),
        var_weights=design.trials.astype(float),
    ).fit(tol=1e-12)
    np.testing.assert_allclose(fitted, glm.fittedvalues.to_numpy(), atol=1e-7)
    np.testing.assert_array_equal(bounded, np.clip(fitted, 0.01, 0.99))


@pytest.fixture(scope="module")
def mocked_identity(tiny_did) -> Iterator[HierarchicalDiDResult]:
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
        link="identity",
    )
    yield res


def test_gaussian_log_likelihood_with_working_variances(mocked_identity):
    res = mocked_identity
    d = res.design
    assert res.working_p is not None
    p1, p0 = treated_cell_probabilities(res.idata["posterior"], d, link="identity")
    t = d.treated == 1
    n = d.trials[t].astype(float)
    w = res.working_p[t]
    loglik = res.idata["log_likelihood"]["y"].values.reshape(p1.shape[0], -1)[:, t]
    expected = stats.norm.logpdf(d.successes[t], n * p1, np.sqrt(n * w * (1 - w)))
    np.testing.assert_allclose(loglik, expected, rtol=1e-8)


def test_identity_att_is_linear_in_the_parameters(mocked_identity):
    """p1 - p0 is the effect term itself: delta + site + event + covariate deviations."""
    res = mocked_identity
    d = res.design
    post = res.idata["posterior"]

    def flat(name: str) -> np.ndarray:
        v = post[name].values
        return v.reshape(-1, *v.shape[2:])

    t = d.treated == 1
    effect = (
        flat("delta")[:, None]
        + (flat("tau_site")[:, None] * flat("w_site"))[:, d.effect_site_idx[t]]
        + (flat("tau_event")[:, None] * flat("r_event"))[:, d.event_idx[t]]
        + (flat("tau_effect_group")[:, None] * flat("g_effect_group"))[:, d.covariate_codes[t, 0]]
    )
    n = d.trials[t]
    np.testing.assert_allclose(res.draws("att"), effect @ n / n.sum())
    sizes = res.treated_sizes("event_time")
    np.testing.assert_allclose(res.draws("att_event") @ sizes / sizes.sum(), res.draws("att"))
    p1, p0 = treated_cell_probabilities(post, d, link="identity")
    np.testing.assert_allclose(p1 - p0, effect)


def test_identity_result_records_the_link(mocked_identity):
    res = mocked_identity
    assert res.link == "identity"
    assert res.priors == IDENTITY_PRIORS
    assert res.idata["prior"]["alpha"].mean() == pytest.approx(0.5, abs=0.1)
    table = res.to_frame()
    assert (table["link"] == "identity").all()
    assert "identity link: parallel trends in probabilities" in res.summary()
    eff = res.effect(kind="dynamic")
    assert eff.metadata["link"] == "identity" and "identity link" in eff.metadata["method"]
    assert eff.estimator == "bayes.hierarchical_did[identity] dynamic"
    check = predictive_check(res)  # replicated counts from the Gaussian likelihood
    assert check.replicated.shape == (160, 4)


def test_logit_stays_the_default(tiny_did, mock_pymc_sample):
    _, cells, _ = tiny_did
    with pytest.warns(DiagnosticsWarning):
        res = hierarchical_did(
            cells,
            site="municipality",
            cohort="adoption_year",
            outcome_name="completed_vgs",
            covariates=["group"],
            draws=10,
            seed=1,
            predictive=False,
        )
    assert res.link == "logit" and res.working_p is None
    assert (res.to_frame()["link"] == "logit").all()
    assert "logit link: parallel trends in log-odds" in res.summary()
    assert res.effect().estimator == "bayes.hierarchical_did simple"


def test_small_cells_warn(tiny_did, mock_pymc_sample):
    """Cells of ~5 persons: n p (1 - p) < 5 nearly everywhere, so the approximation is rough."""
    small, _ = simulate_cells(3, link="identity", mean_size=4)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        hierarchical_did(
            small,
            site="municipality",
            cohort="adoption_year",
            outcome_name="completed_vgs",
            covariates=["group"],
            link="identity",
            draws=5,
            seed=1,
            predictive=False,
            log_likelihood=False,
        )
    messages = [str(w.message) for w in caught]
    assert any("n p (1 - p) < 5" in m and "link='logit'" in m for m in messages)


@pytest.mark.sampling
@pytest.mark.parametrize("link", ["identity", "logit"])
def test_each_link_recovers_its_own_dgp(link):
    cells, truth = simulate_cells(11, link=link)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DiagnosticsWarning)
        res = hierarchical_did(
            cells,
            site="municipality",
            cohort="adoption_year",
            outcome_name="completed_vgs",
            covariates=["group"],
            link=link,
            draws=400,
            tune=400,
            seed=11,
            cores=2,
            target_accept=0.95,  # 0.9 leaves a stray divergence on these small sites
            predictive=False,
            log_likelihood=False,
        )
    assert res.diagnostics.divergences == 0
    top = res.to_frame(level=0.9).iloc[0]
    assert top["ci_lower"] <= truth <= top["ci_upper"]
    assert top["ci_upper"] - top["ci_lower"] < 0.04  # informative: the effect is ~ -0.07


def test_loo_and_prior_sensitivity_run_on_the_gaussian_likelihood(mocked_identity):
    """The workflow tools work unchanged (LOO values are not comparable across links)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        loo = loo_check(mocked_identity.idata, warn=False)
        sens = prior_sensitivity(mocked_identity.idata, var_names=["delta", "alpha"])
    n = mocked_identity.design.n_cells
    assert np.isfinite(loo.elpd_loo) and loo.pareto_k.size == n
    assert set(sens["parameter"]) == {"delta", "alpha"}
    assert np.isfinite(sens["sensitivity"]).all()
