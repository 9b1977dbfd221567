"""Pieces both analyses use: descriptives, headline rows, metadata."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

import impact
from impact.data import SyntheticData
from impact.did import AggregateResult, att_gt, event_study
from impact.errors import ImpactWarning

Progress = Callable[[str], Any]


def descriptives(
    rows: pd.DataFrame, *, group: str, year: str, outcome: str, weight: str | None = None
) -> pd.DataFrame:
    """Counts and rates by programme group and year (raw counts; reports suppress small cells).

    ``rows`` are persons (one row each) unless ``weight`` names a count column (cells/panels,
    where ``outcome`` then holds the number with the outcome).
    """
    label = np.where(rows[group] > 0, "adopting", "comparison")
    frame = pd.DataFrame({"group": label, "year": rows[year]})
    if weight is None:
        frame["n_persons"] = 1
        frame["n_outcome"] = rows[outcome].to_numpy()
    else:
        frame["n_persons"] = rows[weight].to_numpy()
        frame["n_outcome"] = rows[outcome].to_numpy()
    table = frame.groupby(["group", "year"], as_index=False)[["n_persons", "n_outcome"]].sum()
    table["rate"] = table["n_outcome"] / table["n_persons"]
    return table


def estimate_row(
    estimator: str,
    label: tuple[str, str],
    estimate: float,
    se: float,
    ci: tuple[float, float],
    method: str,
    *,
    headline: bool = False,
) -> dict[str, Any]:
    """One row of the ``estimates`` table; ``label`` is (English, bokmål)."""
    return {
        "estimator": estimator,
        "label": label[0],
        "label_en": label[0],
        "label_nb": label[1],
        "headline": headline,
        "estimate": float(estimate),
        "se": float(se),
        "ci_lower": float(ci[0]),
        "ci_upper": float(ci[1]),
        "method": method,
    }


@contextmanager
def recording(notes: list[dict[str, str]]) -> Iterator[None]:
    """Collect impact's warnings raised inside the block into ``notes`` (they go to the report).

    Each note is ``{"category": <warning class>, "message": <text>}``, once per distinct
    warning; the report turns the category into a plain-language sentence. Only
    :class:`impact.errors.ImpactWarning` and its subclasses are things a reader must know
    about; other warnings (library chatter such as PyTensor's BLAS notice) are passed on to
    the console unchanged and kept out of the report.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield
    for w in caught:
        if issubclass(w.category, ImpactWarning):
            note = {"category": w.category.__name__, "message": str(w.message)}
            if note not in notes:
                notes.append(note)
        else:
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


def naive_event_study(
    bundle: Any,
    panel: pd.DataFrame,
    spec: dict[str, Any],
    *,
    cluster: str,
    notes: list[dict[str, str]],
) -> dict[str, Any]:
    """TWFE event study (shown as the naive comparison); returns its ``estimates`` row."""
    with recording(notes):
        es = event_study(panel, **spec, cluster=cluster)
    bundle.write_table("twfe_event_study", es.to_frame())
    post = es.table[es.table["event_time"] >= 0]
    return estimate_row(
        "twfe_event_study",
        (
            "TWFE event study, mean of post-period coefficients (naive)",
            "TWFE-hendelsesstudie, snitt av koeffisientene etter oppstart (naiv)",
        ),
        post["estimate"].mean(),
        float("nan"),
        (float("nan"), float("nan")),
        f"linearmodels PanelOLS, cluster-robust by {cluster}",
    )


def group_time_effects(
    bundle: Any, panel: pd.DataFrame, spec: dict[str, Any], *, notes: list[dict[str, str]], seed: int,
    **options: Any,
) -> tuple[AggregateResult, AggregateResult]:  # fmt: skip
    """Callaway-Sant'Anna ATT(g,t) written to the bundle; returns (dynamic, simple)."""
    with recording(notes):
        gt = att_gt(panel, **spec, seed=seed, **options)
        dynamic = gt.aggregate("dynamic", seed=seed)
        simple = gt.aggregate("simple", seed=seed)
    # ``att`` repeats ``estimate`` in to_frame() for readers of R did; the bundle keeps one
    bundle.write_table("att_gt", gt.to_frame().drop(columns="att"))
    bundle.write_table(
        "cs_dynamic",
        dynamic.table.rename(
            columns={
                "att": "estimate",
                "cband_lower": "uniform_lower",
                "cband_upper": "uniform_upper",
            }
        ),
    )
    test = gt.pretest
    bundle.update_metadata(
        pretest={
            "statistic": _finite_or_none(test.statistic),
            "df": int(test.df),
            "p_value": _finite_or_none(test.p_value),
            "note": test.note,
            "method": test.method,
            "df_denominator": _finite_or_none(test.df_denominator),
        }
    )
    return dynamic, simple


def write_appraisal(bundle: Any, appraisal: Any) -> None:
    """Put an :class:`impact.cba.Appraisal` into the bundle: its tables, NPV draws, headline."""
    for name, table in appraisal.bundle_tables().items():
        bundle.write_table(name, table)
    bundle.write_draws("npv", appraisal.draws()[["npv"]])
    bundle.update_metadata(
        appraisal={
            "npv": float(appraisal.npv),
            "bcr": float(appraisal.bcr),
            "prob_positive": float(appraisal.prob_positive),
            "headline_nb": appraisal.headline(lang="nb"),
            "headline_en": appraisal.headline(lang="en"),
        }
    )


def site_did(panel: pd.DataFrame) -> pd.DataFrame:
    """Unpooled DiD per adopting municipality (each against all never-adopters).

    ``raw_estimate = (post - pre rate of the site) - (post - pre rate of never-adopters over
    the same years)``, rates pooled over pupils; ``raw_se`` from binomial variances. These are
    the "no pooling" estimates the hierarchical model shrinks.
    """
    never = panel[panel["adoption_year"] == 0]
    rows = []
    for site, d in panel[panel["adoption_year"] > 0].groupby("municipality"):
        g = int(d["adoption_year"].iloc[0])
        parts = []
        for frame in (d, never[never["year"].isin(d["year"])]):
            post, pre = frame[frame["year"] >= g], frame[frame["year"] < g]
            p_post = post["completed"].sum() / post["n"].sum()
            p_pre = pre["completed"].sum() / pre["n"].sum()
            var = p_post * (1 - p_post) / post["n"].sum() + p_pre * (1 - p_pre) / pre["n"].sum()
            parts.append((p_post - p_pre, var))
        rows.append(
            {
                "site": int(site),
                "raw_estimate": parts[0][0] - parts[1][0],
                "raw_se": float(np.sqrt(parts[0][1] + parts[1][1])),
                "n_treated": int(d.loc[d["year"] >= g, "n"].sum()),
            }
        )
    return pd.DataFrame(rows)


def write_bayes(bundle: Any, result: Any, *, raw: pd.DataFrame | None = None) -> None:
    """Put a hierarchical DiD result into the bundle: site effects, pooled effect, diagnostics.

    Columns as declared in :mod:`impact.bundle.tables`: posterior mean ``estimate``, sd
    ``se`` and the 95 % equal-tailed interval ``ci_lower, ci_upper``; site codes as text.
    """
    frame = result.to_frame(level=0.95)
    sites = frame[frame["estimand"] == "site"]
    if len(sites):
        sites = sites[["site", "n_treated", "estimate", "se", "ci_lower", "ci_upper", "p_positive"]]
        sites = sites.assign(site=_code(sites["site"]))
        if raw is not None:
            raw = raw.assign(site=_code(raw["site"]))
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
    bundle.write_idata("hierarchical_did", result.lean_idata())
    diag = result.diagnostics
    meta = bundle.metadata.get("diagnostics", {})
    meta["hierarchical_did"] = {
        "passed": bool(diag.passed),
        "message": "; ".join(diag.reasons) if diag.reasons else diag.summary().splitlines()[0],
        **diag.to_dict(),
    }
    bundle.update_metadata(diagnostics=meta, sampler=result.sampler.to_dict())


def base_metadata(sim: SyntheticData, *, outcome: str, created_by: str) -> dict[str, Any]:
    return {
        "scenario": sim.scenario,
        "seed": sim.seed,
        "scale": sim.scale,
        "impact_version": impact.__version__,
        "created_by": created_by,
        "outcome": outcome,
        "synthetic": True,
    }


def trend_sensitivity(
    bundle: Any, panel: pd.DataFrame, spec: dict[str, Any], *, notes: list[dict[str, str]],
    **options: Any,
) -> AggregateResult:  # fmt: skip
    """How far may trends diverge after the start before the effect could be zero?

    Rambachan & Roth (2023) relative-magnitudes sensitivity (C-LF intervals) of the average
    post-period effect of the Callaway-Sant'Anna event study with a universal base period
    (every coefficient against year -1, as HonestDiD needs). ``Mbar = 1`` allows a post-start
    divergence per year as large as the largest year-to-year divergence before the start.
    Writes the ``trend_sensitivity`` table and its breakdown value into the metadata and
    returns the event study (for :func:`honest_break_even` once the appraisal is known).
    """
    with recording(notes):
        dyn = att_gt(panel, **spec, base_period="universal", **options).aggregate("dynamic")
    res = dyn.honest(restriction="relative_magnitude", m_grid=[0.0, 0.25, 0.5, 1.0])
    bundle.write_table("trend_sensitivity", res.to_frame())
    bundle.update_metadata(
        trend_sensitivity={
            "restriction": "relative_magnitude",
            "method": res.method,
            "estimate": res.estimate,
            "breakdown": _finite_or_none(res.breakdown),
        }
    )
    return dyn


def honest_break_even(
    bundle: Any, dyn: AggregateResult, appraisal: Any, *, outcome: str,
    weights: dict[int, float], target: str,
) -> None:  # fmt: skip
    """How far may trends diverge after the start before the programme stops paying?

    The estimand: ``inf {Mbar >= 0 : b in CI_95(Mbar)}`` for ``theta = l' tau_post`` of the
    event study ``dyn`` (Callaway-Sant'Anna, universal base period), with ``l`` the event-time
    ``weights`` (normalised) chosen to match the appraisal's effect, ``b`` the appraisal's
    break-even effect for ``outcome`` and ``CI_95(Mbar)`` the C-LF set under relative
    magnitudes (:meth:`impact.did.HonestResult.breakdown_at`). ``b`` lies on the beneficial
    side of zero (the effect has to pay for the costs): for a beneficial effect that is the
    ``Mbar`` at which the interval's bound nearer zero (the lower end where higher is good,
    the upper end for NEET) reaches ``b``. Adds ``break_even_effect``, ``breakeven_estimate``,
    ``breakeven_breakdown``, ``breakeven_target`` and ``breakeven_note`` (why it is null) to
    the ``trend_sensitivity`` metadata; the numbers already there do not change.
    """
    row = appraisal.break_even().set_index("outcome").loc[outcome]
    b = float(row["break_even"])
    event = dyn.table["event_time"].to_numpy()
    post = event[event >= 0]
    l_vec = np.array([float(weights.get(int(e), 0.0)) for e in post])
    info = dict(bundle.metadata.get("trend_sensitivity") or {})
    info.update(break_even_effect=_finite_or_none(b), breakeven_target=target,
                breakeven_estimate=None, breakeven_breakdown=None)  # fmt: skip
    if not np.isfinite(b) or b == 0:
        note = "no finite break-even effect: the NPV does not depend on the effect"
    elif l_vec.sum() <= 0:
        note = "the appraisal's effect has no weight on the event study's post-start years"
    else:
        res = dyn.honest(restriction="relative_magnitude", m_grid=[0.0], l_vec=l_vec / l_vec.sum(),
                         breakdown=False)  # fmt: skip
        info["breakeven_estimate"] = float(res.estimate)
        value = res.breakdown_at(b)
        beneficial = np.sign(b)
        if value is None:
            note = (
                "the 95 % interval includes the break-even effect even under parallel trends: "
                "the data do not show that the programme pays for itself"
            )
        elif beneficial * (res.estimate - b) <= 0:
            note = "the estimate falls short of the break-even effect even under parallel trends"
        elif not np.isfinite(value):
            note = "no divergence of trends tested brings the interval to the break-even effect"
        else:
            info["breakeven_breakdown"] = float(value)
            note = ""
    info["breakeven_note"] = note
    bundle.update_metadata(trend_sensitivity=info)


def treated_years_by_event_time(panel: pd.DataFrame, *, time: str, cohort: str) -> dict[int, float]:
    """Treated unit-years at each event time ``>= 0`` (cohort 0 or missing: never treated)."""
    treated = panel[(panel[cohort] > 0) & (panel[time] >= panel[cohort])]
    counts = (treated[time] - treated[cohort]).astype(int).value_counts()
    return {int(e): float(n) for e, n in counts.items()}


def _finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN: a number that could not be computed is None (its note says why)."""
    if value is None or not np.isfinite(value):
        return None
    return float(value)


def _code(values: pd.Series) -> pd.Series:
    """Site codes as text, whole numbers without a decimal point (1121, not "1121.0")."""
    if pd.api.types.is_numeric_dtype(values):
        values = values.astype("Int64")
    return values.astype("str")
