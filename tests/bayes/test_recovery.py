"""Parameter recovery on the synthetic scenarios (truth from the data card). Slow: real MCMC."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from impact.bayes import hierarchical_did
from impact.data import simulate
from impact.errors import ImpactWarning

pytestmark = [pytest.mark.slow, pytest.mark.sampling]


def _truth(truth: pd.DataFrame, estimand: str) -> pd.DataFrame:
    return truth[(truth["estimand"] == estimand) & (truth["weighting"] == "person")]


def _raw_site_did(cells: pd.DataFrame) -> pd.Series:
    """Unpooled per-site DiD of completion rates against never-treated sites, same years."""
    ctrl = cells[cells["adoption_year"] == 0]
    ctrl_rate = ctrl.groupby("year")["successes"].sum() / ctrl.groupby("year")["n"].sum()
    out = {}
    for site, g in cells[cells["adoption_year"] > 0].groupby("municipality"):
        post, pre = g[g["treated"] == 1], g[g["treated"] == 0]
        own = post["successes"].sum() / post["n"].sum() - pre["successes"].sum() / pre["n"].sum()
        base = (
            ctrl_rate.loc[post["year"].unique()].mean() - ctrl_rate.loc[pre["year"].unique()].mean()
        )
        out[site] = own - base
    return pd.Series(out)


def test_flyt_average_effect_and_shrinkage():
    data = simulate("flyt", seed=7, scale=0.25)
    res = hierarchical_did(
        data.cells,
        site="municipality",
        cohort="adoption_year",
        outcome_name="completed_vgs",
        covariates=["parents_education", "grade_band"],
        seed=7,
        cores=2,
        predictive=False,
        log_likelihood=False,
    )
    assert res.diagnostics.divergences == 0
    table = res.to_frame(level=0.9)
    top = table.iloc[0]
    true_att = float(_truth(data.truth, "simple")["value"].iloc[0])
    assert top["ci_lower"] <= true_att <= top["ci_upper"]
    sites = table[table["estimand"] == "site"].set_index("site")
    true_sites = _truth(data.truth, "site").set_index("site")["value"]
    covered = [
        sites.loc[s, "ci_lower"] <= true_sites.loc[s] <= sites.loc[s, "ci_upper"]
        for s in sites.index
    ]
    assert np.mean(covered) >= 0.7
    raw = _raw_site_did(data.cells).loc[sites.index]
    # shrinkage: the partially pooled site effects are less dispersed than unpooled ones
    assert sites["estimate"].std() < raw.std()


#: UngInvest cells as run_study fits them (studies/unginvest.toml): no municipality,
#: enrolment cohorts as units, effects by years since enrolment.
UNGINVEST: dict[str, Any] = {
    "site": None,
    "cohort": "enrol_year",
    "site_effects": False,
    "dynamic": True,
    "covariates": ["age_band", "sex"],
    "outcome_name": "neet",
}


def test_unginvest_dynamic_effect_on_neet():
    data = simulate("unginvest", seed=3)
    res = hierarchical_did(
        data.cells,
        **UNGINVEST,
        seed=3,
        cores=2,
    )
    eff = res.effect(kind="dynamic")
    assert eff.outcome == "neet" and eff.draws_kind == "posterior"
    truth = _truth(data.truth, "dynamic").set_index("event_time")["value"]
    lo, hi = np.quantile(eff.draws, [0.05, 0.95], axis=0)
    covered = [lo[j] <= truth.loc[e] <= hi[j] for j, e in enumerate(eff.event_time or ())]
    assert np.mean(covered) >= 0.6
    assert np.all(hi < 0)  # enrolment lowers NEET at every event time


@pytest.mark.xfail(
    reason="UngInvest's parallel trends hold on the probability scale; the logit-scale "
    "model is misspecified under strong selection on NEET risk (bias ~ +0.01); "
    "link='identity' matches the simulation (test_unginvest_identity_link_recovers_the_truth).",
    strict=False,
)
def test_unginvest_simple_effect_covered():
    data = simulate("unginvest", seed=3)
    res = hierarchical_did(
        data.cells,
        site=None,
        cohort="enrol_year",
        site_effects=False,
        covariates=["age_band", "sex"],
        outcome_name="neet",
        seed=3,
        cores=2,
        predictive=False,
        log_likelihood=False,
    )
    true_simple = float(_truth(data.truth, "simple")["value"].iloc[0])
    top = res.to_frame(level=0.9).iloc[0]
    assert top["ci_lower"] <= true_simple <= top["ci_upper"]


def _glm_identity_att(cells: pd.DataFrame) -> float:
    """Binomial GLM with identity link (exact likelihood, fixed effects) on UngInvest cells:
    the treated-person-weighted mean of its event-time effects."""
    import statsmodels.api as sm
    import statsmodels.formula.api as smf

    frame = cells.assign(
        rate=cells["successes"] / cells["n"],
        et=cells["event_time"].where(cells["treated"] == 1).fillna(-1).astype(int).astype(str),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = smf.glm(
            "rate ~ C(enrol_year) + C(year) + C(age_band) + C(sex) + treated:C(et)",
            data=frame,
            family=sm.families.Binomial(link=sm.families.links.Identity()),
            var_weights=frame["n"].astype(float),
        ).fit(tol=1e-12)
    treated = frame[frame["treated"] == 1]
    size = treated.groupby("et")["n"].sum()
    coef = pd.Series({e: fit.params[f"treated:C(et)[{e}]"] for e in size.index})
    return float((coef * size).sum() / size.sum())


def test_unginvest_identity_link_recovers_the_truth():
    """Parallel trends in probabilities (as simulated): the identity link covers the truth,
    and its posterior mean agrees with the exact-likelihood binomial-identity MLE."""
    data = simulate("unginvest", seed=3)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactWarning)  # small treated cells (n p q < 5)
        res = hierarchical_did(
            data.cells,
            **UNGINVEST,
            link="identity",
            draws=500,
            tune=500,
            seed=3,
            cores=2,
            predictive=False,
        )
    assert res.diagnostics.passed
    table = res.to_frame(level=0.9)
    top = table.iloc[0]
    true_simple = float(_truth(data.truth, "simple")["value"].iloc[0])
    assert top["ci_lower"] <= true_simple <= top["ci_upper"]
    truth = _truth(data.truth, "dynamic").set_index("event_time")["value"]
    dyn = table[table["estimand"] == "dynamic"].set_index("event_time")
    covered = (dyn["ci_lower"] <= truth.loc[dyn.index]) & (truth.loc[dyn.index] <= dyn["ci_upper"])
    assert covered.mean() >= 5 / 6
    # the Gaussian working likelihood reproduces the exact binomial-identity fit
    assert abs(top["estimate"] - _glm_identity_att(data.cells)) < 0.25 * top["se"]
