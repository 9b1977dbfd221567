"""The key-figures panel at the top of a report: the answer before the argument.

A funder should learn from the first page whether the programme worked, how sure we are,
whether it pays and for whose budget. :func:`key_figures` reads the bundle (``estimates``,
``appraisal_summary``, ``ledger``) and returns a :class:`KeyFigures` panel: the effect of
the headline estimator with its interval, the net present value with its interval,
P(NPV > 0), the benefit–cost ratio, who gains and who pays, and the verdict sentence of
:func:`impact.plain_language.payoff_summary` (through :func:`impact.report.text.summary_verdict`,
so the panel and the conclusion cannot disagree). Every number is formatted as the rest of
the report formats it. The panel shows no count of persons, so disclosure control has
nothing to hide in it.

The panel renders itself as HTML (cards that wrap on a phone) and as a Typst block for the
PDF (passed through pandoc as a raw ``typst`` block).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.plain_language import (
    format_interval,
    format_nok,
    format_number,
    format_percentage_points,
    format_probability,
)
from impact.report.assumptions import depends_sentence, sign_depends_on_persistence
from impact.report.document import ReportContext
from impact.report.text import (
    headline_estimate,
    honest_npv_sentence,
    outcome_description,
    summary_verdict,
    who_pays_sentence,
)
from impact.report.vocabulary import quantity_label


@dataclass(frozen=True)
class Figure:
    """One key figure: what it is, its value, and lines of context under it."""

    label: str
    value: str
    details: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeyFigures:
    """The panel: a title, the figures, and one sentence each on the verdict and the budgets."""

    title: str
    figures: tuple[Figure, ...]
    verdict: str = ""
    budgets: str = ""

    def _repr_html_(self) -> str:
        cards = "".join(
            '<div class="impact-kf">'
            f'<div class="impact-kf-label">{html.escape(f.label)}</div>'
            f'<div class="impact-kf-value">{html.escape(f.value)}</div>'
            + "".join(f'<div class="impact-kf-detail">{html.escape(d)}</div>' for d in f.details)
            + "</div>"
            for f in self.figures
        )
        lines = "".join(
            f'<p class="impact-kf-line">{html.escape(t)}</p>'
            for t in (self.verdict, self.budgets)
            if t
        )
        return (
            f"<style>{_CSS}</style>"
            f'<section class="impact-keyfigures" aria-label="{html.escape(self.title)}">'
            f"<h2>{html.escape(self.title)}</h2>"
            f'<div class="impact-kf-grid">{cards}</div>{lines}</section>'
        )

    def _repr_markdown_(self) -> str:
        cells = ", ".join(
            "[#text(size: 8.5pt, fill: luma(80))["
            + _typst(f.label)
            + '] \\ #text(size: 14pt, weight: "bold")['
            + _typst(f.value)
            + "]"
            + "".join(" \\ #text(size: 8pt)[" + _typst(d) + "]" for d in f.details)
            + "]"
            for f in self.figures
        )
        lines = "".join(
            f"#v(6pt) #text(size: 10pt)[{_typst(t)}]" for t in (self.verdict, self.budgets) if t
        )
        n = len(self.figures)
        columns = 2 if n == 4 else min(3, max(1, n))
        return (
            "```{=typst}\n"
            "#block(width: 100%, fill: luma(244), inset: 10pt, radius: 3pt, breakable: false)[\n"
            "#set par(justify: false)\n"
            f'#text(size: 12pt, weight: "bold")[{_typst(self.title)}] #v(2pt)\n'
            f"#grid(columns: {columns}, column-gutter: 12pt, row-gutter: 10pt, {cells})\n"
            f"{lines}\n]\n"
            "```"
        )


_CSS = (
    ".impact-keyfigures{background:#f3f4f6;border-radius:6px;padding:0.75rem 1rem;margin:0 0 1rem}"
    ".impact-keyfigures h2{margin-top:0.2rem}"
    ".impact-kf-grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(13rem,1fr));"
    "gap:0.75rem}"
    ".impact-kf-label{font-size:0.85rem;color:#444}"
    ".impact-kf-value{font-size:1.35rem;font-weight:bold}"
    ".impact-kf-detail{font-size:0.8rem;color:#333}"
    ".impact-keyfigures p.impact-kf-line{margin:0.9rem 0 0}"
)

#: Characters with a meaning in Typst markup, escaped in text.
_TYPST_SPECIAL = re.compile(r"([\\#\[\]*_$<>@`~=+\-/])")


def _typst(text: str) -> str:
    return _TYPST_SPECIAL.sub(r"\\\1", text)


def _effect_probabilities(
    ctx: ReportContext, summary: pd.DataFrame | None, *, headline: float
) -> tuple[str, ...]:
    """P(the effect does good) and P(it is large enough to pay), from the draws of the
    effect the appraisal values (``appraisal_summary``); nothing when the bundle lacks them.
    ``headline`` is the headline estimate the panel shows beside them."""
    if summary is None:
        return ()
    values = dict(zip(summary["quantity"], summary["estimate"], strict=True))
    out = []
    if "p_effect_beneficial" in values:
        p = format_probability(float(values["p_effect_beneficial"]), lang=ctx.lang)
        out.append(ctx.t(f"P(gunstig effekt) = {p}", f"P(favourable effect) = {p}"))
    if "p_effect_above_break_even" in values:
        p = format_probability(float(values["p_effect_above_break_even"]), lang=ctx.lang)
        out.append(
            ctx.t(f"P(effekten er stor nok til å lønne seg) = {p}",
                  f"P(the effect is large enough to pay) = {p}")
        )  # fmt: skip
    valued = values.get("effect_estimate")
    if out and valued is not None and abs(float(valued) - headline) > 5e-4:
        # another average than the headline's
        out.append(
            ctx.t(
                "(for effekten nytte–kostnadsanalysen verdsetter: "
                f"{format_percentage_points(float(valued), lang=ctx.lang)} i snitt over "
                "årene den regner med)",
                "(for the effect the cost–benefit analysis values: "
                f"{format_percentage_points(float(valued), lang=ctx.lang)} on average over "
                "the years it counts)",
            )
        )
    return tuple(out)


def key_figures(ctx: ReportContext) -> KeyFigures | None:
    """The key figures the bundle holds (None when it holds no estimate yet)."""
    bundle, lang = ctx.bundle, ctx.lang
    figures: list[Figure] = []
    summary = (
        bundle.read_table("appraisal_summary") if bundle.has_table("appraisal_summary") else None
    )
    if bundle.has_table("estimates"):
        row = headline_estimate(bundle.read_table("estimates"))
        lo, hi = float(row["ci_lower"]), float(row["ci_upper"])
        interval = (
            ctx.t("95 %-intervall: ", "95% interval: ") + format_interval(lo, hi, lang=lang)
            if np.isfinite(lo) and np.isfinite(hi)
            else ctx.t("uten intervall", "no interval")
        )
        label = str(row.get(f"label_{lang}", row["label"]))
        outcome = bundle.metadata.get("outcome")
        on = (
            (ctx.t("på ", "on ") + outcome_description(str(outcome), lang=lang),) if outcome else ()
        )
        figures.append(
            Figure(
                ctx.t("Effekt", "Effect"),
                format_percentage_points(float(row["estimate"]), lang=lang),
                (
                    *on,
                    interval,
                    label,
                    *_effect_probabilities(ctx, summary, headline=float(row["estimate"])),
                ),
            )
        )
    if not figures:
        return None
    verdict = budgets = ""
    if summary is not None:
        rows = {str(q): r for q, r in zip(summary["quantity"], summary.itertuples(index=False))}
        if "npv" in rows:
            npv = rows["npv"]
            detail = ctx.t("uten intervall", "no interval")
            if np.isfinite(npv.ci_lower) and np.isfinite(npv.ci_upper):
                interval = format_interval(npv.ci_lower, npv.ci_upper, lang=lang, kind="nok")
                detail = ctx.t("95 %-intervall: ", "95% interval: ") + interval
            figures.append(
                Figure(
                    quantity_label("npv", lang=lang), format_nok(npv.estimate, lang=lang), (detail,)
                )
            )
        if "p_npv_positive" in rows:
            figures.append(
                Figure(
                    ctx.t("Sannsynlighet for at det lønner seg", "Probability that it pays off"),
                    format_probability(rows["p_npv_positive"].estimate, lang=lang),
                    (ctx.t("P(netto nåverdi > 0)", "P(net present value > 0)"),),
                )
            )
        if "benefit_cost_ratio" in rows:
            bcr = rows["benefit_cost_ratio"]
            figures.append(
                Figure(
                    quantity_label("benefit_cost_ratio", lang=lang),
                    format_number(bcr.estimate, lang=lang, decimals=1),
                    (
                        ctx.t(
                            "kroner i nytte per krone i kostnad",
                            "kroner of benefit per krone of cost",
                        ),
                    ),
                )
            )
        payoff = summary_verdict(summary, lang=lang)
        verdict = payoff.text if payoff is not None else ""
        if verdict and sign_depends_on_persistence(bundle):
            verdict += " " + depends_sentence(lang=lang, bold=False)
        honest = honest_npv_sentence(bundle.metadata.get("trend_sensitivity") or {}, lang=lang)
        if verdict and honest:
            verdict += " " + honest
    if bundle.has_table("ledger"):
        budgets = who_pays_sentence(bundle.read_table("ledger"), lang=lang)
    return KeyFigures(ctx.t("Nøkkeltall", "Key figures"), tuple(figures), verdict, budgets)
