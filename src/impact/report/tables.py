"""Tables for reports: bundle tables formatted for readers, with disclosure control.

Why great-tables: it is a well-kept library (Posit) made for publication tables, writes
self-contained HTML (inline CSS, no JavaScript, no web fonts fetched) with titles, column
labels and source notes, and works on pandas 3. Numbers are formatted by
:mod:`impact.report.formatting` *before* they reach great-tables, so the HTML and the PDF
(which gets a Markdown pipe table, as pandoc's Typst writer cannot read HTML tables) show
exactly the same digits. pandas' ``Styler`` was the alternative; it gives less control
over notes and labels and needs more hand-written CSS for the same result.

Every builder returns a :class:`ReportTable`, which renders itself in notebooks and
reports (``_repr_html_`` via great-tables, ``_repr_markdown_`` for pandoc).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

import pandas as pd

from impact.errors import DataError
from impact.plain_language import (
    check_lang,
    format_count,
    format_nok,
    format_number,
    format_percent,
    format_percentage_points,
    format_probability,
    nok_scale,
)
from impact.report.disclosure import THRESHOLD, hide_small_groups, suppress_small_cells
from impact.report.vocabulary import payer_label, quantity_label, scenario_label


@dataclass(frozen=True)
class ReportTable:
    """A formatted table ready to show: every cell is already a string.

    Attributes
    ----------
    data
        Formatted cells with reader-facing column labels.
    caption
        Title shown above the table ("" for none).
    note
        Footnote shown below (e.g. the disclosure rule), "" for none.
    """

    data: pd.DataFrame
    caption: str = ""
    note: str = ""

    def to_frame(self) -> pd.DataFrame:
        """The formatted cells as a DataFrame (a copy)."""
        return self.data.copy()

    def summary(self) -> str:
        """The table as Markdown text."""
        return self.to_markdown()

    def to_html(self) -> str:
        """Self-contained HTML via great-tables."""
        from great_tables import GT

        table = GT(self.data.astype(str))
        if self.caption:
            table = table.tab_header(title=self.caption)
        if self.note:
            table = table.tab_source_note(self.note)
        return str(table.as_raw_html())

    def to_markdown(self) -> str:
        """A pandoc pipe table with the caption above and the note below.

        The separator line has as many dashes as the column's longest cell (at most 30), so when pandoc
        wraps a wide table it gives each column a width in proportion to its content.
        """
        cols = [str(c) for c in self.data.columns]
        cells = [[_md(v) for v in row] for row in self.data.astype(str).itertuples(index=False)]
        widths = [max([len(_md(c))] + [len(row[i]) for row in cells]) for i, c in enumerate(cols)]
        rule = [
            ":" + "-" * min(max(w, 3), 30) if i == 0 else "-" * min(max(w, 3), 30) + ":"
            for i, w in enumerate(widths)
        ]
        lines = ["| " + " | ".join(_md(c) for c in cols) + " |", "|" + "|".join(rule) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in cells]
        parts = [f"**{self.caption}**", ""] if self.caption else []
        parts += lines
        if self.note:
            parts += ["", f"*{self.note}*"]
        return "\n".join(parts) + "\n"

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()


def _md(text: str) -> str:
    """A cell as inline Markdown: pipes escaped, one line, no accidental list or heading."""
    cell = html.unescape(str(text)).replace("|", "\\|").replace("\n", " ")
    return "\\" + cell if cell[:1] in {"+", "-", "*", "#", ">"} else cell


_COLS = {
    "nb": {
        "group": "Gruppe",
        "year": "År",
        "n_persons": "Antall personer",
        "n_outcome": "Antall med utfallet",
        "rate": "Andel",
        "event_time": "År relativt til oppstart",
        "twfe": "TWFE (pp)",
        "twfe_ci": "95 %-KI (pp)",
        "robust": "Callaway–Sant'Anna (pp)",
        "robust_ci": "95 %-KI (pp) ",
        "estimator": "Metode",
        "estimate": "Effekt (pp)",
        "ci": "95 %-intervall (pp)",
        "site": "Sted",
        "n_treated": "Deltakere",
        "raw": "Rått anslag (pp)",
        "shrunk": "Modell (pp)",
        "credible": "95 %-intervall (pp)",
        "p_positive": "P(effekt > 0)",
        "quantity": "Størrelse",
        "value": "Verdi",
        "payer": "Hvem",
        "pv": "Nåverdi",
        "per_participant": "Per deltaker",
    },
    "en": {
        "group": "Group",
        "year": "Year",
        "n_persons": "Persons",
        "n_outcome": "With outcome",
        "rate": "Share",
        "event_time": "Years relative to start",
        "twfe": "TWFE (pp)",
        "twfe_ci": "95% CI (pp)",
        "robust": "Callaway–Sant'Anna (pp)",
        "robust_ci": "95% CI (pp) ",
        "estimator": "Method",
        "estimate": "Effect (pp)",
        "ci": "95% interval (pp)",
        "site": "Site",
        "n_treated": "Participants",
        "raw": "Raw estimate (pp)",
        "shrunk": "Model (pp)",
        "credible": "95% interval (pp)",
        "p_positive": "P(effect > 0)",
        "quantity": "Quantity",
        "value": "Value",
        "payer": "Who",
        "pv": "Present value",
        "per_participant": "Per participant",
    },
}

_GROUPS = {
    "nb": {"adopting": "Programgruppen", "comparison": "Sammenligningsgruppen"},
    "en": {"adopting": "Programme group", "comparison": "Comparison group"},
}


def _require(table: pd.DataFrame, columns: list[str], what: str) -> None:
    missing = [c for c in columns if c not in table.columns]
    if missing:
        raise DataError(
            f"{what} needs column(s) {missing}; the table has {list(table.columns)}. "
            "Pass the bundle table this function documents (docs/bundle.md lists every table "
            "and its columns)."
        )


def _pp(value: object, lang: str) -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return "\u2013"
    return format_percentage_points(float(value), lang=lang, unit=False)  # type: ignore[arg-type]


def _ci(lower: object, upper: object, lang: str) -> str:
    if lower is None or upper is None or pd.isna(lower) or pd.isna(upper):  # type: ignore[call-overload]
        return "\u2013"
    sep = " til " if lang == "nb" else " to "
    return f"{_pp(lower, lang)}{sep}{_pp(upper, lang)}"


def descriptives_table(
    descriptives: pd.DataFrame, *, lang: str = "nb", threshold: int = THRESHOLD, caption: str = ""
) -> ReportTable:
    """Persons and outcome counts by group and year, with small-cell suppression.

    ``descriptives`` has ``group, year, n_persons, n_outcome, rate`` (raw counts, as in the
    bundle). Counts below ``threshold``, counts whose complement (persons without the
    outcome) is below it, and the rates computed from them are shown as ``"<5"``. The
    total number of persons is published in the report text, so one suppressed
    ``n_persons`` cell is always accompanied by a second (secondary suppression).
    """
    lang = check_lang(lang)
    _require(
        descriptives, ["group", "year", "n_persons", "n_outcome", "rate"], "descriptives_table"
    )
    safe = suppress_small_cells(
        descriptives,
        count_columns=["n_persons", "n_outcome"],
        threshold=threshold,
        complements={"n_outcome": "n_persons"},
        derived={"n_outcome": ["rate"], "n_persons": ["n_outcome", "rate"]},
        public_totals=["n_persons"],
    )
    table = safe.table.sort_values(["group", "year"])
    mask = safe.suppressed.loc[table.index]
    c = _COLS[lang]
    out = pd.DataFrame(
        {
            c["group"]: [_GROUPS[lang].get(str(g), str(g)) for g in table["group"]],
            c["year"]: [str(int(y)) for y in table["year"]],
            c["n_persons"]: [
                format_count(float(v), lang=lang) for v in table["n_persons"].fillna(0)
            ],
            c["n_outcome"]: [
                format_count(float(v), lang=lang) for v in table["n_outcome"].fillna(0)
            ],
            c["rate"]: [format_percent(float(v), lang=lang) for v in table["rate"].fillna(0)],
        }
    )
    marker = safe.marker
    for src, dst in (("n_persons", "n_persons"), ("n_outcome", "n_outcome"), ("rate", "rate")):
        out.loc[mask[src].to_numpy(), c[dst]] = marker
    return ReportTable(out, caption=caption, note=safe.note(lang=lang))


def event_study_table(
    twfe: pd.DataFrame, *, robust: pd.DataFrame | None = None, lang: str = "nb", caption: str = ""
) -> ReportTable:
    """Event-study estimates in percentage points: TWFE and, if given, the robust estimator."""
    lang = check_lang(lang)
    _require(twfe, ["event_time", "estimate", "ci_lower", "ci_upper"], "event_study_table")
    c = _COLS[lang]
    base = twfe.sort_values("event_time")
    out = pd.DataFrame(
        {
            c["event_time"]: [format_number(int(k), lang=lang) for k in base["event_time"]],
            c["twfe"]: [_pp(v, lang) for v in base["estimate"]],
            c["twfe_ci"]: [_ci(lo, hi, lang) for lo, hi in zip(base["ci_lower"], base["ci_upper"])],
        }
    )
    if robust is not None:
        _require(
            robust, ["event_time", "estimate", "ci_lower", "ci_upper"], "event_study_table(robust)"
        )
        rob = robust.set_index(robust["event_time"].astype(int))
        keys = [int(k) for k in base["event_time"]]
        extra = sorted(set(rob.index) - set(keys))
        if extra:
            out = pd.concat(
                [
                    out,
                    pd.DataFrame({c["event_time"]: [format_number(k, lang=lang) for k in extra]}),
                ],
                ignore_index=True,
            ).fillna("\u2013")
            keys += extra
        out[c["robust"]] = [_pp(rob["estimate"].get(k), lang) for k in keys]
        out[c["robust_ci"]] = [
            _ci(rob["ci_lower"].get(k), rob["ci_upper"].get(k), lang)
            if k in rob.index
            else "\u2013"
            for k in keys
        ]
        out = out.assign(_k=keys).sort_values("_k").drop(columns="_k").reset_index(drop=True)
    return ReportTable(out, caption=caption)


def estimates_table(estimates: pd.DataFrame, *, lang: str = "nb", caption: str = "") -> ReportTable:
    """Headline estimates (one row per estimator) in percentage points with 95 % intervals."""
    lang = check_lang(lang)
    _require(estimates, ["label", "estimate", "ci_lower", "ci_upper"], "estimates_table")
    c = _COLS[lang]
    # an analysis may give the label in each report language (label_nb, label_en)
    labels = estimates[f"label_{lang}"] if f"label_{lang}" in estimates else estimates["label"]
    out = pd.DataFrame(
        {
            c["estimator"]: [str(v) for v in labels],
            c["estimate"]: [_pp(v, lang) for v in estimates["estimate"]],
            c["ci"]: [
                _ci(lo, hi, lang) for lo, hi in zip(estimates["ci_lower"], estimates["ci_upper"])
            ],
        }
    )
    return ReportTable(out, caption=caption, note=_interval_note(estimates, lang))


def other_outcomes_table(
    other_outcomes: pd.DataFrame, *, lang: str = "nb", caption: str = ""
) -> ReportTable:
    """Effects on the study's other outcomes (bundle table ``other_outcomes``: ``outcome,
    estimator, estimate, se, ci_lower, ci_upper, valued``) in percentage points."""
    from impact.report.text import outcome_description
    from impact.report.vocabulary import estimator_label

    lang = check_lang(lang)
    cols = ["outcome", "estimator", "estimate", "ci_lower", "ci_upper", "valued"]
    _require(other_outcomes, cols, "other_outcomes_table")
    nb = lang == "nb"
    words = outcome_description
    out = pd.DataFrame(
        {
            ("Utfall" if nb else "Outcome"): [
                _capital(words(str(v), lang=lang)) for v in other_outcomes["outcome"]
            ],
            ("Metode" if nb else "Method"): [
                _capital(estimator_label(v, lang=lang)) for v in other_outcomes["estimator"]
            ],
            ("Anslag (pp)" if nb else "Estimate (pp)"): [
                _pp(v, lang) for v in other_outcomes["estimate"]
            ],
            ("95 %-intervall (pp)" if nb else "95% interval (pp)"): [
                _ci(lo, hi, lang)
                for lo, hi in zip(other_outcomes["ci_lower"], other_outcomes["ci_upper"])
            ],
            ("Verdsatt i kroner" if nb else "Valued in money"): [
                (("ja" if nb else "yes") if bool(v) else ("nei" if nb else "no"))
                for v in other_outcomes["valued"]
            ],
        }
    )
    return ReportTable(out, caption=caption, note=_interval_note(other_outcomes, lang))


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _interval_note(estimates: pd.DataFrame, lang: str) -> str:
    """What the intervals are: confidence intervals, and for Bayesian rows equal-tailed
    credible intervals (2.5 % and 97.5 % posterior quantiles, not an HDI)."""
    names = estimates["estimator"].astype(str).str.lower() if "estimator" in estimates else None
    bayes = names is not None and bool(names.str.startswith("bayes").any())
    if lang == "nb":
        note = "Intervallene er 95 % konfidensintervaller"
        if bayes:
            note += (
                "; for den bayesianske modellen 95 % troverdighetsintervaller med like mye "
                "sannsynlighet i hver hale"
            )
    else:
        note = "The intervals are 95% confidence intervals"
        if bayes:
            note += "; for the Bayesian model, 95% equal-tailed credible intervals"
    return note + "."


def site_effects_table(
    site_effects: pd.DataFrame, *, lang: str = "nb", threshold: int = THRESHOLD, caption: str = ""
) -> ReportTable:
    """Site effects (raw and shrunken); sites with fewer than ``threshold`` participants hidden."""
    lang = check_lang(lang)
    cols = ["site", "n_treated", "raw_estimate", "estimate", "ci_lower", "ci_upper", "p_positive"]
    _require(site_effects, cols, "site_effects_table")
    shown, n_hidden = hide_small_groups(site_effects, count_column="n_treated", threshold=threshold)
    shown = shown.sort_values("estimate", ascending=False)
    c = _COLS[lang]
    out = pd.DataFrame(
        {
            c["site"]: [str(s) for s in shown["site"]],
            c["n_treated"]: [format_count(float(v), lang=lang) for v in shown["n_treated"]],
            c["raw"]: [_pp(v, lang) for v in shown["raw_estimate"]],
            c["shrunk"]: [_pp(v, lang) for v in shown["estimate"]],
            c["credible"]: [
                _ci(lo, hi, lang) for lo, hi in zip(shown["ci_lower"], shown["ci_upper"])
            ],
            c["p_positive"]: [format_probability(float(p), lang=lang) for p in shown["p_positive"]],
        }
    )
    note = ""
    if n_hidden:
        note = (
            f"{n_hidden} steder vises ikke: de har færre enn {threshold} deltakere, eller tallene "
            "deres kunne avsløre et slikt lite antall (personvern)."
            if lang == "nb"
            else f"{n_hidden} sites are not shown: they have fewer than {threshold} participants, "
            "or their figures could reveal such a small count (privacy)."
        )
    return ReportTable(out, caption=caption, note=note)


def ledger_table(ledger: pd.DataFrame, *, lang: str = "nb", caption: str = "") -> ReportTable:
    """Present value by payer, in total (with its 95 % interval when the table has
    ``ci_lower, ci_upper``) and per participant."""
    lang = check_lang(lang)
    _require(ledger, ["payer", "present_value_nok", "per_participant_nok"], "ledger_table")
    c = _COLS[lang]
    out = pd.DataFrame(
        {
            c["payer"]: [payer_label(p, lang=lang, capital=True) for p in ledger["payer"]],
            c["pv"]: [format_nok(float(v), lang=lang) for v in ledger["present_value_nok"]],
        }
    )
    if {"ci_lower", "ci_upper"} <= set(ledger.columns):
        sep = " til " if lang == "nb" else " to "
        out["95 %-intervall" if lang == "nb" else "95% interval"] = [
            "\u2013"
            if pd.isna(lo) or pd.isna(hi)
            else format_nok(float(lo), lang=lang, scale=nok_scale(lo, hi))
            + sep
            + format_nok(float(hi), lang=lang, scale=nok_scale(lo, hi))
            for lo, hi in zip(ledger["ci_lower"], ledger["ci_upper"])
        ]
    out[c["per_participant"]] = [
        format_nok(float(v), lang=lang, scale="kroner") for v in ledger["per_participant_nok"]
    ]
    return ReportTable(out, caption=caption)


def plus_minus_table(
    plus_minus: pd.DataFrame, *, lang: str = "nb", caption: str = ""
) -> ReportTable:
    """Non-monetised effects (the "pluss-minus" table of Norwegian cost-benefit analysis).

    ``plus_minus`` has ``effect, assessment, description`` (``assessment`` on the
    DFØ scale from ``- - - -`` to ``+ + + +``).
    """
    lang = check_lang(lang)
    _require(plus_minus, ["effect", "assessment", "description"], "plus_minus_table")
    out = pd.DataFrame(
        {
            ("Virkning" if lang == "nb" else "Effect"): [str(v) for v in plus_minus["effect"]],
            ("Vurdering" if lang == "nb" else "Assessment"): [
                str(v) for v in plus_minus["assessment"]
            ],
            ("Beskrivelse" if lang == "nb" else "Description"): [
                str(v) for v in plus_minus["description"]
            ],
        }
    )
    return ReportTable(out, caption=caption)


def scenarios_table(scenarios: pd.DataFrame, *, lang: str = "nb", caption: str = "") -> ReportTable:
    """Net present value, P(NPV > 0) and benefit-cost ratio under alternative assumptions.

    ``scenarios`` has ``scenario, setting, npv, prob_npv_positive, bcr``.
    """
    lang = check_lang(lang)
    _require(
        scenarios, ["scenario", "setting", "npv", "prob_npv_positive", "bcr"], "scenarios_table"
    )
    nb = lang == "nb"
    out = pd.DataFrame(
        {
            ("Forutsetning" if nb else "Assumption"): [
                scenario_label(a, b, lang=lang)
                for a, b in zip(scenarios["scenario"], scenarios["setting"])
            ],
            ("Netto nåverdi" if nb else "Net present value"): [
                format_nok(float(v), lang=lang) for v in scenarios["npv"]
            ],
            ("P(lønner seg)" if nb else "P(pays off)"): [
                format_probability(float(v), lang=lang) for v in scenarios["prob_npv_positive"]
            ],
            ("Nytte–kostnadsbrøk" if nb else "Benefit–cost ratio"): [
                format_number(float(v), lang=lang, decimals=1) for v in scenarios["bcr"]
            ],
        }
    )
    return ReportTable(out, caption=caption)


def _by_unit(value: object, unit: str, lang: str, *, scale: str = "auto") -> str:
    if value is None or pd.isna(value):  # type: ignore[call-overload]
        return "\u2013"
    number = float(value)  # type: ignore[arg-type]
    unit = unit.lower()
    if unit in {"nok", "kr"}:
        return format_nok(number, lang=lang, scale=scale)
    if unit == "probability":
        return format_probability(number, lang=lang)
    if unit in {"pp", "risk_difference", "probability_difference"}:
        return format_percentage_points(number, lang=lang, unit=False)
    return format_number(number, lang=lang, decimals=2)


def appraisal_table(summary: pd.DataFrame, *, lang: str = "nb", caption: str = "") -> ReportTable:
    """The cost-benefit summary (bundle table ``appraisal_summary``) formatted by ``unit``.

    Reads the columns ``quantity, estimate, ci_lower, ci_upper, unit``
    (:meth:`impact.cba.Appraisal.to_frame`).

    ``unit`` is ``"NOK"`` (amounts), ``"probability"``, ``"pp"``/``"risk_difference"``
    (effects) or anything else (a plain number, e.g. ``"ratio"``). Known quantities
    (``npv``, ``benefit_cost_ratio``, ``p_npv_positive``, ``break_even_effect``,
    ``cost_per_participant``) get a label in the report language.
    """
    lang = check_lang(lang)
    _require(summary, ["quantity", "estimate", "ci_lower", "ci_upper", "unit"], "appraisal_table")
    c = _COLS[lang]
    units = [str(u) for u in summary["unit"]]
    intervals = []
    for lo, hi, unit in zip(summary["ci_lower"], summary["ci_upper"], units):
        if pd.isna(lo) or pd.isna(hi) or lo == hi:
            intervals.append("\u2013")
        else:
            sep = " til " if lang == "nb" else " to "
            intervals.append(
                _by_unit(lo, unit, lang, scale=nok_scale(lo, hi))
                + sep
                + _by_unit(hi, unit, lang, scale=nok_scale(lo, hi))
            )
    out = pd.DataFrame(
        {
            c["quantity"]: [quantity_label(q, lang=lang) for q in summary["quantity"]],
            c["value"]: [_by_unit(v, u, lang) for v, u in zip(summary["estimate"], units)],
            ("95 %-intervall" if lang == "nb" else "95% interval"): intervals,
        }
    )
    return ReportTable(out, caption=caption)


def trend_sensitivity_table(
    sensitivity: pd.DataFrame, *, lang: str = "nb", caption: str = ""
) -> ReportTable:
    """Robust intervals of the average effect as trends may diverge more after the start.

    ``sensitivity`` is :meth:`impact.did.HonestResult.to_frame` (``m, ci_lower, ci_upper,
    method``): the first row the original interval (parallel trends), then one row per
    ``Mbar`` of the relative-magnitudes restriction.
    """
    lang = check_lang(lang)
    _require(sensitivity, ["m", "ci_lower", "ci_upper", "method"], "trend_sensitivity_table")
    rows = []
    for _, row in sensitivity.iterrows():
        if row["method"] == "original":
            label = "Parallelle trender" if lang == "nb" else "Parallel trends"
        elif float(row["m"]) == 0:
            label = (
                "Ingen endring i avviket etter start"
                if lang == "nb"
                else "No change in divergence after the start"
            )
        else:
            m = float(row["m"])
            label = (
                f"Avvik opptil {format_number(100 * m, lang=lang)} % av det største før start"
                if lang == "nb"
                else f"Divergence up to {format_number(100 * m, lang=lang)}% of the largest before"
            )
        rows.append((label, _ci(row["ci_lower"], row["ci_upper"], lang)))
    out = pd.DataFrame(
        rows,
        columns=(
            ["Antakelse om trendene etter start", "95 %-intervall (pp)"]
            if lang == "nb"
            else ["Assumption about trends after the start", "95% interval (pp)"]
        ),
    )
    return ReportTable(out, caption=caption)
