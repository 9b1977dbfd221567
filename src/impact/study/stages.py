"""The frequentist stages of the generic analysis: descriptives, DiD estimators, trend checks.

Each stage takes the validated panel, the DiD column names (``spec``: outcome, unit, time,
cohort), writes its tables into the bundle and returns what later stages need. Warnings an
evaluator must know are collected into ``notes`` by :func:`recording` (they go to the
report). Moved here from the analyses' shared helpers; their arithmetic is unchanged.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from impact.did import AggregateResult, att_gt, event_study
from impact.errors import ImpactWarning

__all__ = [
    "Notes",
    "Progress",
    "descriptives",
    "estimate_row",
    "finite_or_none",
    "group_time_effects",
    "honest_break_even",
    "naive_event_study",
    "recording",
    "treated_years_by_event_time",
    "trend_sensitivity",
]

Progress = Callable[[str], Any]
Notes = list[dict[str, str]]


def descriptives(
    rows: pd.DataFrame, *, group: str, year: str, outcome: str, weight: str | None = None
) -> pd.DataFrame:
    """Counts and rates by programme group and year (raw counts; reports suppress small cells).

    ``rows`` are persons (one row each) unless ``weight`` names a count column (cells/panels,
    where ``outcome`` then holds the number with the outcome). Estimand: ``rate = n_outcome /
    n_persons`` per group (``group > 0``: adopting) and year.
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
def recording(notes: Notes) -> Iterator[None]:
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
    bundle: Any, panel: pd.DataFrame, spec: dict[str, Any], *, cluster: str, notes: Notes
) -> dict[str, Any]:
    """TWFE event study (shown as the naive comparison); returns its ``estimates`` row.

    The row's estimate is the unweighted mean of the post-period coefficients ``beta_k, k >=
    0``, which is biased under staggered adoption with changing effects (no interval).
    """
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
    bundle: Any, panel: pd.DataFrame, spec: dict[str, Any], *, notes: Notes, seed: int,
    **options: Any,
) -> tuple[AggregateResult, AggregateResult]:  # fmt: skip
    """Callaway-Sant'Anna ATT(g,t) written to the bundle; returns (dynamic, simple).

    Estimands: ``ATT(g, t)``, their average by years since the start (dynamic) and over all
    treated cells weighted by cohort size (simple); ``options`` go to
    :func:`impact.did.att_gt` (covariates, method, control group, cluster, bootstrap).
    """
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
            "statistic": finite_or_none(test.statistic),
            "df": int(test.df),
            "p_value": finite_or_none(test.p_value),
            "note": test.note,
            "method": test.method,
            "df_denominator": finite_or_none(test.df_denominator),
        }
    )
    return dynamic, simple


def trend_sensitivity(
    bundle: Any, panel: pd.DataFrame, spec: dict[str, Any], *, notes: Notes, **options: Any
) -> AggregateResult:
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
            "breakdown": finite_or_none(res.breakdown),
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
    info.update(break_even_effect=finite_or_none(b), breakeven_target=target,
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


def finite_or_none(value: float | None) -> float | None:
    """JSON has no NaN: a number that could not be computed is None (its note says why)."""
    if value is None or not np.isfinite(value):
        return None
    return float(value)
