"""Figures for reports: functions of bundle tables, returning a matplotlib ``Figure``.

Every function takes a tidy table (as the results bundle stores it), draws on a new
:class:`matplotlib.figure.Figure` (never through pyplot, so no backend is chosen and no
global state is touched) and returns it. Effects on the probability scale are shown in
percentage points; amounts in million kroner. Axis numbers follow the report language
(decimal comma in Norwegian).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from impact.errors import DataError
from impact.plain_language import check_lang, format_number, format_probability
from impact.report.disclosure import THRESHOLD, hide_small_groups
from impact.report.vocabulary import parameter_label, payer_label

_BLUE, _ORANGE, _GREY, _RED = "#1f5f8b", "#d9822b", "#8c8c8c", "#b03a2e"

_LABELS = {
    "nb": {
        "event_time": "År relativt til oppstart",
        "effect_pp": "Effekt (prosentpoeng)",
        "twfe": "TWFE (toveis faste effekter)",
        "robust": "Callaway–Sant'Anna",
        "band": "Simultant 95 %-bånd",
        "cohort": "Oppstartskull",
        "year": "År",
        "raw": "Anslag per sted (rått)",
        "shrunk": "Hierarkisk modell (krympet)",
        "pooled": "Samlet effekt",
        "hidden": "{n} steder vises ikke (færre enn {t} deltakere, eller tall som kunne avsløre det).",
        "density": "Sannsynlighetstetthet",
        "zero_band": "Praktisk talt null",
        "p_positive": "P(effekt > {rope} pp) = {p}",
        "npv": "Netto nåverdi (mill. kr)",
        "p_npv": "P(netto nåverdi > 0) = {p}",
        "count": "Antall simuleringer",
        "pv": "Nåverdi (mill. kr)",
        "low": "Lav verdi",
        "high": "Høy verdi",
    },
    "en": {
        "event_time": "Years relative to start",
        "effect_pp": "Effect (percentage points)",
        "twfe": "TWFE (two-way fixed effects)",
        "robust": "Callaway–Sant'Anna",
        "band": "Simultaneous 95% band",
        "cohort": "Start cohort",
        "year": "Year",
        "raw": "Site estimate (raw)",
        "shrunk": "Hierarchical model (shrunken)",
        "pooled": "Pooled effect",
        "hidden": "{n} sites are not shown (fewer than {t} participants, or figures that could "
        "reveal it).",
        "density": "Probability density",
        "zero_band": "Practically zero",
        "p_positive": "P(effect > {rope} pp) = {p}",
        "npv": "Net present value (NOK million)",
        "p_npv": "P(net present value > 0) = {p}",
        "count": "Number of simulations",
        "pv": "Present value (NOK million)",
        "low": "Low value",
        "high": "High value",
    },
}


def _labels(lang: str) -> dict[str, str]:
    return _LABELS[check_lang(lang)]


def _require(table: pd.DataFrame, columns: Sequence[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(
            f"{what} needs column(s) {missing}; the table has {list(table.columns)}. "
            "Pass the bundle table this function documents (docs/bundle.md lists every table "
            "and its columns)."
        )


def _axis_numbers(ax: object, lang: str, *, axis: str = "y", decimals: int = 1) -> None:
    formatter = FuncFormatter(lambda v, _pos: format_number(v, lang=lang, decimals=decimals))
    getattr(ax, f"{axis}axis").set_major_formatter(formatter)


def event_study_plot(
    twfe: pd.DataFrame,
    *,
    robust: pd.DataFrame | None = None,
    lang: str = "nb",
    reference_period: int = -1,
) -> Figure:
    """Event-study figure: effect by years since start, with 95 % intervals.

    Parameters
    ----------
    twfe
        Table ``event_time, estimate, ci_lower, ci_upper`` (probability scale), e.g. the
        bundle table ``twfe_event_study``.
    robust
        Optional heterogeneity-robust estimates beside it: ``event_time, att, ci_lower,
        ci_upper`` and, if present, a uniform band ``uniform_lower, uniform_upper``
        (bundle table ``cs_dynamic``).
    lang
        ``"nb"`` or ``"en"``.
    reference_period
        The omitted period, marked by a dotted vertical line (default -1).
    """
    _require(twfe, ["event_time", "estimate", "ci_lower", "ci_upper"], "event_study_plot")
    lab = _labels(lang)
    fig = Figure(figsize=(7.5, 4.2), layout="constrained")
    ax = fig.subplots()
    shift = 0.12 if robust is not None else 0.0
    x = twfe["event_time"].to_numpy(float) - shift
    est = 100 * twfe["estimate"].to_numpy(float)
    err = np.vstack(
        [est - 100 * twfe["ci_lower"].to_numpy(float), 100 * twfe["ci_upper"].to_numpy(float) - est]
    )
    ax.errorbar(
        x,
        est,
        yerr=err,
        fmt="o",
        color=_GREY if robust is not None else _BLUE,
        capsize=3,
        label=lab["twfe"],
    )
    if robust is not None:
        _require(
            robust, ["event_time", "estimate", "ci_lower", "ci_upper"], "event_study_plot(robust)"
        )
        xr = robust["event_time"].to_numpy(float) + shift
        att = 100 * robust["estimate"].to_numpy(float)
        if {"uniform_lower", "uniform_upper"} <= set(robust.columns):
            lo = 100 * robust["uniform_lower"].to_numpy(float)
            hi = 100 * robust["uniform_upper"].to_numpy(float)
            ax.vlines(xr, lo, hi, color=_BLUE, alpha=0.2, linewidth=9, label=lab["band"])
        rerr = np.vstack(
            [
                att - 100 * robust["ci_lower"].to_numpy(float),
                100 * robust["ci_upper"].to_numpy(float) - att,
            ]
        )
        ax.errorbar(xr, att, yerr=rerr, fmt="s", color=_BLUE, capsize=3, label=lab["robust"])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.axvline(reference_period, color=_GREY, linestyle=":", linewidth=1)
    ax.set_xlabel(lab["event_time"])
    ax.set_ylabel(lab["effect_pp"])
    _axis_numbers(ax, lang)
    ax.legend(frameon=False, loc="upper left")
    return fig


def group_time_plot(table: pd.DataFrame, *, lang: str = "nb") -> Figure:
    """Group-time effects: one small panel per start cohort, effect by calendar year.

    ``table`` has ``cohort, time, att, ci_lower, ci_upper`` (the ``.table`` of
    :func:`impact.did.att_gt`). Years before the cohort starts (placebo periods) are grey.
    """
    _require(table, ["cohort", "time", "estimate", "ci_lower", "ci_upper"], "group_time_plot")
    lab = _labels(lang)
    cohorts = sorted(table["cohort"].unique())
    ncols = min(3, len(cohorts))
    nrows = int(np.ceil(len(cohorts) / ncols))
    fig = Figure(figsize=(3.2 * ncols, 2.4 * nrows), layout="constrained")
    axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
    for ax, cohort in zip(axes, cohorts):
        part = table[table["cohort"] == cohort].sort_values("time")
        post = part["time"].to_numpy() >= cohort
        for mask, colour in ((~post, _GREY), (post, _BLUE)):
            sub = part[mask]
            att = 100 * sub["estimate"].to_numpy(float)
            err = np.vstack(
                [
                    att - 100 * sub["ci_lower"].to_numpy(float),
                    100 * sub["ci_upper"].to_numpy(float) - att,
                ]
            )
            ax.errorbar(sub["time"], att, yerr=err, fmt="o", color=colour, capsize=2, markersize=3)
        ax.axhline(0, color="black", linewidth=0.6)
        name = int(cohort) if float(cohort).is_integer() else cohort
        ax.set_title(f"{lab['cohort']} {name}", fontsize=9)
        ax.xaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
        ax.tick_params(labelsize=7)
        _axis_numbers(ax, lang)
    for ax in axes[len(cohorts) :]:
        ax.set_visible(False)
    fig.supxlabel(lab["year"], fontsize=9)
    fig.supylabel(lab["effect_pp"], fontsize=9)
    return fig


def site_forest_plot(
    site_effects: pd.DataFrame,
    *,
    pooled: float | None = None,
    lang: str = "nb",
    threshold: int = THRESHOLD,
) -> Figure:
    """Forest plot of site effects: raw estimates beside the hierarchical model's.

    ``site_effects`` has ``site, n_treated, raw_estimate, raw_se, estimate, ci_lower,
    ci_upper`` (bundle table ``site_effects``; the interval is 95 % equal-tailed). Sites with fewer than ``threshold``
    treated persons are not drawn (disclosure control); a note says how many. ``pooled``
    (probability scale) draws the pooled mean as a vertical line.
    """
    cols = ["site", "n_treated", "raw_estimate", "raw_se", "estimate", "ci_lower", "ci_upper"]
    _require(site_effects, cols, "site_forest_plot")
    lab = _labels(lang)
    shown, n_hidden = hide_small_groups(site_effects, count_column="n_treated", threshold=threshold)
    shown = shown.sort_values("estimate").reset_index(drop=True)
    fig = Figure(figsize=(7.0, 1.2 + 0.28 * max(len(shown), 1)), layout="constrained")
    ax = fig.subplots()
    y = np.arange(len(shown), dtype=float)
    raw = 100 * shown["raw_estimate"].to_numpy(float)
    raw_half = 100 * 1.96 * shown["raw_se"].to_numpy(float)
    ax.errorbar(
        raw,
        y + 0.18,
        xerr=raw_half,
        fmt="o",
        mfc="white",
        color=_GREY,
        capsize=2,
        markersize=4,
        label=lab["raw"],
    )
    mean = 100 * shown["estimate"].to_numpy(float)
    err = np.vstack(
        [
            mean - 100 * shown["ci_lower"].to_numpy(float),
            100 * shown["ci_upper"].to_numpy(float) - mean,
        ]
    )
    ax.errorbar(
        mean, y - 0.18, xerr=err, fmt="o", color=_BLUE, capsize=2, markersize=4, label=lab["shrunk"]
    )
    if pooled is not None:
        ax.axvline(100 * pooled, color=_ORANGE, linestyle="--", linewidth=1, label=lab["pooled"])
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_yticks(y, [str(s) for s in shown["site"]], fontsize=8)
    ax.set_xlabel(lab["effect_pp"])
    _axis_numbers(ax, lang, axis="x")
    ax.legend(frameon=False, fontsize=8, loc="lower right")
    if n_hidden:
        fig.text(0.01, 0.0, lab["hidden"].format(n=n_hidden, t=threshold), fontsize=7, va="bottom")
    return fig


def pooled_posterior_plot(
    draws: np.ndarray | Sequence[float],
    *,
    rope: float = 0.01,
    lang: str = "nb",
) -> Figure:
    """Posterior of the pooled effect with a shaded "practically zero" band.

    ``draws`` are posterior draws of the pooled effect on the probability scale; ``rope``
    is the half-width of the region of practical equivalence (0.01 = 1 percentage point).
    The title gives the posterior probability that the effect exceeds the band.
    """
    values = 100 * np.asarray(draws, dtype=float).ravel()
    if values.size == 0 or not np.isfinite(values).all():
        raise DataError("pooled_posterior_plot needs a non-empty array of finite draws.")
    lab = _labels(lang)
    fig = Figure(figsize=(6.5, 3.6), layout="constrained")
    ax = fig.subplots()
    ax.hist(values, bins=60, density=True, color=_BLUE, alpha=0.75)
    ax.axvspan(-100 * rope, 100 * rope, color=_ORANGE, alpha=0.2, label=lab["zero_band"])
    ax.axvline(0, color="black", linewidth=0.8)
    p = float(np.mean(values > 100 * rope))
    rope_text = format_number(100 * rope, lang=lang, decimals=1)
    ax.set_title(
        lab["p_positive"].format(rope=rope_text, p=format_probability(p, lang=lang)), fontsize=10
    )
    ax.set_xlabel(lab["effect_pp"])
    ax.set_ylabel(lab["density"])
    _axis_numbers(ax, lang, axis="x")
    ax.legend(frameon=False)
    return fig


def npv_distribution_plot(npv: np.ndarray | Sequence[float], *, lang: str = "nb") -> Figure:
    """Distribution of the net present value over Monte Carlo draws, with P(NPV > 0).

    ``npv`` are draws in kroner (bundle draws ``npv``); the axis is in million kroner.
    """
    values = np.asarray(npv, dtype=float).ravel() / 1e6
    if values.size == 0 or not np.isfinite(values).all():
        raise DataError("npv_distribution_plot needs a non-empty array of finite NPV draws.")
    lab = _labels(lang)
    fig = Figure(figsize=(6.5, 3.6), layout="constrained")
    ax = fig.subplots()
    counts, edges = np.histogram(values, bins=50 if np.ptp(values) > 0 else 10)
    colours = [_RED if right <= 0 else _BLUE for right in edges[1:]]
    ax.bar(edges[:-1], counts, width=np.diff(edges), align="edge", color=colours, alpha=0.85)
    ax.axvline(0, color="black", linewidth=1)
    p = float(np.mean(values > 0))
    ax.set_title(lab["p_npv"].format(p=format_probability(p, lang=lang)), fontsize=10)
    ax.set_xlabel(lab["npv"])
    ax.set_ylabel(lab["count"])
    _axis_numbers(ax, lang, axis="x")
    _axis_numbers(ax, lang, axis="y", decimals=0)
    return fig


def ledger_plot(ledger: pd.DataFrame, *, lang: str = "nb") -> Figure:
    """Present value by payer (positive = gains, negative = pays), from the ``ledger`` table."""
    _require(ledger, ["payer", "present_value_nok"], "ledger_plot")
    lab = _labels(lang)
    table = ledger.sort_values("present_value_nok").reset_index(drop=True)
    values = table["present_value_nok"].to_numpy(float) / 1e6
    fig = Figure(figsize=(6.5, 1.2 + 0.4 * len(table)), layout="constrained")
    ax = fig.subplots()
    colours = [_BLUE if v >= 0 else _RED for v in values]
    ax.barh(
        [payer_label(p, lang=lang, capital=True) for p in table["payer"]], values, color=colours
    )
    ax.axvline(0, color="black", linewidth=0.8)
    ax.set_xlabel(lab["pv"])  # the title is the report's caption, outside the image
    _axis_numbers(ax, lang, axis="x")
    return fig


def tornado_plot(
    tornado: pd.DataFrame, *, base_npv: float | None = None, lang: str = "nb"
) -> Figure:
    """Tornado diagram: NPV when each parameter is set to its low and high value.

    ``tornado`` has ``parameter, low_npv, high_npv`` (kroner); the widest bar is on top.
    ``base_npv`` (kroner) draws the central estimate as a vertical line.
    """
    _require(tornado, ["parameter", "low_npv", "high_npv"], "tornado_plot")
    lab = _labels(lang)
    table = tornado.assign(_width=(tornado["high_npv"] - tornado["low_npv"]).abs())
    table = table.sort_values("_width").reset_index(drop=True)
    low = table["low_npv"].to_numpy(float) / 1e6
    high = table["high_npv"].to_numpy(float) / 1e6
    centre = base_npv / 1e6 if base_npv is not None else float(np.median((low + high) / 2))
    fig = Figure(figsize=(6.5, 1.2 + 0.4 * len(table)), layout="constrained")
    ax = fig.subplots()
    names = [parameter_label(p, lang=lang) for p in table["parameter"]]
    ax.barh(names, low - centre, left=centre, color=_RED, label=lab["low"])
    ax.barh(names, high - centre, left=centre, color=_BLUE, label=lab["high"])
    ax.axvline(centre, color="black", linewidth=0.8)
    ax.axvline(0, color=_GREY, linestyle=":", linewidth=0.8)
    ax.set_xlabel(lab["npv"])
    _axis_numbers(ax, lang, axis="x")
    ax.legend(frameon=False, fontsize=8)
    return fig
