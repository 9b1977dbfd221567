"""The Bayesian stage of the generic analysis: the hierarchical DiD on cells, into the bundle.

Which model fits which design:

- ``municipal_rollout`` on municipality-year rows: cells by municipality (the site), its
  intercept pooled within its adoption cohort; ``[bayes] site_effects`` lets the effect vary
  by municipality (the ``site_effects`` table, beside each municipality's unpooled DiD).
- ``individual_enrolment`` (person-year rows): cells by enrolment cohort, year and the
  ``[covariates] bayes`` strata with ``site=None``, so the unit of the model is the
  enrolment cohort. Enrollees and never-enrolled persons never share an intercept (the
  failure :mod:`impact.bayes.enrolment` refuses), and the comparison is a difference in
  differences between cohorts, as in UngInvest's validated fit.
  ``[bayes] enrolment = "individual"`` (GET Academy) fits the same cells with
  ``enrolment="individual"``: a free intercept per enrolment cohort (six cohorts cannot
  inform a pooling scale; pooled, GET Academy's fit had 55 divergences and 0.056 against a
  true 0.048, free 0.047) and a cohort-year term, which carries the dependence between a
  person's years that the pooled form ignores. The default ``"site"`` keeps UngInvest's
  validated fit (cohorts as pooled units; only the binomial noise is modelled, so its
  interval can be too narrow when persons' years are dependent). Neither uses cells by
  municipality: ``[bayes] site_effects`` needs municipality-year rows.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from impact.errors import DataError, DesignError
from impact.study.labels import bayes_label, bayes_method
from impact.study.spec import StudySpec
from impact.study.stages import Notes, Progress, estimate_row, finite_or_none, recording

__all__ = ["bayes_site", "fit_bayes", "site_code", "site_did", "write_bayes"]

#: Width of a Norwegian municipality number (kommunenummer): "0301", not "301".
MUNICIPALITY_DIGITS = 4


def bayes_site(spec: StudySpec) -> str | None:
    """The site column of the model: the municipality of municipality-year rows, else None."""
    if spec.unit.observation == "municipality_year":
        if spec.bayes.enrolment == "individual":
            raise DesignError(
                f"{spec.programme.name}: [bayes] enrolment = 'individual' is for persons who "
                "enrol one by one (person-year rows); municipality-year rows adopt as a whole: "
                "set enrolment = 'site'."
            )
        return spec.unit.id
    if spec.bayes.site_effects:
        raise DesignError(
            f"{spec.programme.name}: [bayes] site_effects = true needs cells by municipality "
            "(municipality-year rows); person-year cells are by enrolment cohort, year and "
            "[covariates] bayes. Set site_effects = false."
        )
    return None


def fit_bayes(
    bundle: Any,
    cells: pd.DataFrame,
    spec: StudySpec,
    *,
    panel: pd.DataFrame,
    outcome_name: str,
    seed: int,
    fast: bool,
    notes: Notes,
    progress: Progress,
) -> list[dict[str, Any]]:
    """Fit the hierarchical DiD once per ``[bayes] links`` entry; returns their estimate rows.

    The first link's posterior, diagnostics and InferenceData go into the bundle
    (:func:`write_bayes`); each further link is a sensitivity check: its ``to_frame()`` as
    ``bayes_dynamic_<link>`` and its diagnostics under ``sensitivity.bayes_<link>_link``.
    Estimand: the ATT on the probability scale over treated cells (see
    :func:`impact.bayes.hierarchical_did`).
    """
    from impact.bayes import hierarchical_did  # PyMC loads on first use

    b = spec.bayes
    site = bayes_site(spec)
    draws, tune = (300, 300) if fast else (b.draws, b.tune)
    fits = {}
    for link in b.links:
        progress(f"  Bayesian hierarchical DiD on cells ({link} link, 4 chains)")
        # nutpie when installed (sampler="auto"): same NUTS, several times faster
        with recording(notes):
            fits[link] = hierarchical_did(
                cells, site=site, time=spec.unit.time, treated=spec.enrolment.treated or "treated",
                cohort=spec.enrolment.cohort, event_time=spec.enrolment.event_time,
                covariates=list(spec.covariates.bayes), site_effects=b.site_effects,
                dynamic=b.dynamic, outcome_name=outcome_name, link=link, chains=4, seed=seed,
                sampler="auto", target_accept=b.target_accept, draws=draws, tune=tune,
                enrolment=b.enrolment,
            )  # fmt: skip
    first, *others = b.links
    raw = site_did(panel, spec) if site is not None and b.site_effects else None
    write_bayes(bundle, fits[first], raw=raw, width=MUNICIPALITY_DIGITS if site else None)
    sensitivity = dict(bundle.metadata.get("sensitivity") or {})
    for link in others:
        fit = fits[link]
        bundle.write_table(f"bayes_dynamic_{link}", fit.to_frame(level=0.95))
        sensitivity[f"bayes_{link}_link"] = {
            "passed": bool(fit.diagnostics.passed),
            "method": fit.method,
            "sampler": fit.sampler.to_dict(),
        }
    if others:
        bundle.update_metadata(sensitivity=sensitivity)
    rows = []
    for link in b.links:
        fit = fits[link]
        posterior = fit.effect()
        estimator = "bayes_hierarchical_did" + ("" if link == first else f"_{link}")
        rows.append(
            estimate_row(
                estimator,
                bayes_label(spec, link, first=link == first),
                float(posterior.mean),
                float(posterior.sd),
                posterior.interval(0.95),
                bayes_method(spec, link, sampler=fit.sampler.sampler, site=site),
            )
        )
    return rows


def site_did(panel: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """Unpooled DiD per adopting municipality (each against all never-adopters).

    ``raw_estimate = (post - pre rate of the site) - (post - pre rate of never-adopters over
    the same years)``, rates pooled over persons (the outcome's numerator over its
    denominator); ``raw_se`` from binomial variances. These are the "no pooling" estimates
    the hierarchical model shrinks.
    """
    outcome = spec.headline_outcome
    num, den = outcome.numerator, outcome.denominator or spec.unit.persons
    if num is None or den is None:
        raise DesignError(
            f"{spec.programme.name}: the municipalities' own DiD needs the outcome's counts; "
            f"give outcome {outcome.column!r} numerator = 'COLUMN' and denominator = 'COLUMN'."
        )
    cohort, time, site = spec.enrolment.cohort, spec.unit.time, spec.unit.id
    never = panel[panel[cohort] == 0]
    rows = []
    for code, d in panel[panel[cohort] > 0].groupby(site):
        g = int(d[cohort].iloc[0])
        parts = []
        for frame in (d, never[never[time].isin(d[time])]):
            post, pre = frame[frame[time] >= g], frame[frame[time] < g]
            p_post = post[num].sum() / post[den].sum()
            p_pre = pre[num].sum() / pre[den].sum()
            var = p_post * (1 - p_post) / post[den].sum() + p_pre * (1 - p_pre) / pre[den].sum()
            parts.append((p_post - p_pre, var))
        rows.append(
            {
                "site": code,
                "raw_estimate": parts[0][0] - parts[1][0],
                "raw_se": float(np.sqrt(parts[0][1] + parts[1][1])),
                "n_treated": int(d.loc[d[time] >= g, den].sum()),
            }
        )
    return pd.DataFrame(rows)


def write_bayes(
    bundle: Any, result: Any, *, raw: pd.DataFrame | None = None, width: int | None = None
) -> None:
    """Put a hierarchical DiD result into the bundle: site effects, pooled effect, diagnostics.

    Columns as declared in :mod:`impact.bundle.tables`: posterior mean ``estimate``, sd
    ``se`` and the 95 % equal-tailed interval ``ci_lower, ci_upper``; site codes as text
    (zero-padded to ``width`` digits, 4 for municipality numbers).
    """
    frame = result.to_frame(level=0.95)
    sites = frame[frame["estimand"] == "site"]
    if len(sites):
        sites = sites[["site", "n_treated", "estimate", "se", "ci_lower", "ci_upper", "p_positive"]]
        sites = sites.assign(site=site_code(sites["site"], width=width))
        if raw is not None:
            raw = raw.assign(site=site_code(raw["site"], width=width))
            sites = sites.merge(raw.drop(columns="n_treated"), on="site", how="left")
        bundle.write_table("site_effects", sites)
    if (frame["estimand"] == "dynamic").any():
        bundle.write_table("bayes_dynamic", frame[frame["estimand"] == "dynamic"])
    top = frame[frame["estimand"] == "simple"].iloc[0]
    bundle.write_table(
        "pooled_effect",
        pd.DataFrame(
            [
                {
                    "quantity": "att",
                    "estimate": top["estimate"],
                    "se": top["se"],
                    "ci_lower": top["ci_lower"],
                    "ci_upper": top["ci_upper"],
                    "p_positive": top["p_positive"],
                }
            ]
        ),
    )
    effect = result.effect()
    bundle.write_draws("pooled_effect", pd.DataFrame({"att": effect.draws}))
    # lean: posterior, sample stats, LOO summary, 100 predictive draws a chain (impact.bayes)
    lean = result.lean_idata()
    bundle.write_idata("hierarchical_did", lean)
    diag = result.diagnostics
    meta = bundle.metadata.get("diagnostics", {})
    meta["hierarchical_did"] = {
        "passed": bool(diag.passed),
        "message": "; ".join(diag.reasons) if diag.reasons else diag.summary().splitlines()[0],
        **diag.to_dict(),
        **model_checks(result, lean),
    }
    bundle.update_metadata(diagnostics=meta, sampler=result.sampler.to_dict())


def model_checks(result: Any, lean: Any) -> dict[str, Any]:
    """The posterior predictive check and PSIS-LOO of a fit, for the report's credibility
    section: ``ppc`` (each statistic's posterior predictive p-value P(T(y_rep) >= T(y))) and
    ``loo`` (elpd, Pareto k). A check the fit cannot give (no predictive draws, no
    log-likelihood) is left out; the report then says nothing about it."""
    from impact.bayes import loo_check, predictive_check

    out: dict[str, Any] = {}
    try:
        ppc = predictive_check(result).to_frame()
        out["ppc"] = [{"statistic": str(r.statistic), "p_value": float(r.p_value)}
                      for r in ppc.itertuples()]  # fmt: skip
    except DataError:
        pass
    try:
        loo = loo_check(lean, warn=False)
        out["loo"] = {
            name: finite_or_none(value)  # JSON has no inf
            for name, value in (("elpd_loo", loo.elpd_loo), ("se", loo.se),
                                ("max_pareto_k", loo.max_pareto_k),
                                ("k_threshold", loo.k_threshold))
        }  # fmt: skip
        out["loo"]["n_high_k"] = int(loo.n_high_k)
    except DataError:
        pass
    return out


def site_code(values: pd.Series, *, width: int | None = None) -> pd.Series:
    """Site codes as text: whole numbers without a decimal point (1121, not "1121.0"),
    zero-padded to ``width`` digits when given ("0301", not "301")."""
    if pd.api.types.is_numeric_dtype(values):
        values = values.astype("Int64")
    text = values.astype("str")
    if width is None:
        return text
    digits = text.str.fullmatch(r"\d+").fillna(False).astype(bool)
    return text.where(~digits, text.str.zfill(width))
