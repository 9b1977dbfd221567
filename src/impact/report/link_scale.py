"""On which scale are trends parallel? The words of the logit-link sensitivity check.

Difference-in-differences assumes that the outcome would have moved in parallel in the
programme group and the comparison group. For a share, "parallel" can be measured in
percentage points (the headline estimators, and the Bayesian model with an identity link)
or in log-odds (the Bayesian model with a logit link). When the two groups start from
different levels the two scales give different answers, and the report says so whenever
the bundle holds the logit-link model (table ``bayes_dynamic_logit`` or metadata
``sensitivity.bayes_logit_link``).

Every number in the paragraph comes from the bundle: the levels before the start from
``descriptives`` (years before the first start cohort of ``att_gt``), the estimates from
``estimates``. A sentence whose numbers the bundle lacks is left out, never guessed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from impact.plain_language import (
    check_lang,
    format_interval,
    format_number,
    format_percent,
    format_percentage_points,
)
from impact.report.disclosure import THRESHOLD


@dataclass(frozen=True)
class BaselineLevels:
    """The outcome's share in each group over the years before the first start."""

    programme: float
    comparison: float
    years: tuple[int, int]

    @property
    def ratio(self) -> float:
        """How many times as high the programme group's share is as the comparison's."""
        return self.programme / self.comparison if self.comparison > 0 else float("nan")


def first_start(att_gt: pd.DataFrame | None) -> int | None:
    """The first start year (smallest cohort above 0 of ``att_gt``), or None."""
    if att_gt is None or "cohort" not in att_gt or att_gt.empty:
        return None
    cohorts = pd.to_numeric(att_gt["cohort"], errors="coerce")
    cohorts = cohorts[cohorts > 0]
    return int(cohorts.min()) if not cohorts.empty else None


def baseline_levels(
    descriptives: pd.DataFrame, *, before: int, threshold: int = THRESHOLD
) -> BaselineLevels | None:
    """Shares with the outcome in ``descriptives`` (``group, year, n_persons, n_outcome``)
    over the years before ``before``, programme group against comparison group.

    None when there are no such years, a group is missing, or a sum (persons, with or
    without the outcome) is below ``threshold``: the share would then reveal a small count.
    """
    pre = descriptives[pd.to_numeric(descriptives["year"]) < before]
    sums = pre.groupby("group")[["n_persons", "n_outcome"]].sum()
    if not {"adopting", "comparison"} <= set(sums.index):
        return None
    for group in ("adopting", "comparison"):
        n, k = float(sums.loc[group, "n_persons"]), float(sums.loc[group, "n_outcome"])
        if min(n, k, n - k) < threshold:
            return None
    years = pd.to_numeric(pre["year"])
    share = sums["n_outcome"] / sums["n_persons"]
    return BaselineLevels(
        float(share["adopting"]), float(share["comparison"]), (int(years.min()), int(years.max()))
    )


def _row(estimates: pd.DataFrame | None, *, logit: bool) -> pd.Series | None:
    """The Bayesian row of ``estimates`` with (``logit``) or without the logit link."""
    if estimates is None or "estimator" not in estimates:
        return None
    names = estimates["estimator"].astype(str).str.lower()
    bayes = names.str.startswith("bayes")
    pick = bayes & names.str.contains("logit") if logit else bayes & ~names.str.contains("logit")
    rows = estimates[pick]
    return rows.iloc[0] if not rows.empty else None


def _years(span: tuple[int, int], lang: str) -> str:
    a, b = span
    if a == b:
        return f"i {a}" if lang == "nb" else f"in {a}"
    return f"i {a}–{b}" if lang == "nb" else f"in {a}–{b}"


def link_scale_paragraph(
    *,
    outcome_words: str,
    persons: bool,
    levels: BaselineLevels | None,
    estimates: pd.DataFrame | None,
    headline: Mapping[str, Any] | None,
    logit_passed: bool | None,
    has_figure: bool,
    lang: str = "nb",
) -> str:
    """The section's Markdown: the assumption, the levels before the start, the two scales.

    ``outcome_words`` is the outcome in words ("andelen som ..."), ``persons`` whether the
    groups are persons (participants and other young people) or municipalities.
    ``headline`` is the headline row of ``estimates``; ``logit_passed`` the logit model's
    convergence check (None: unknown); ``has_figure`` whether the event-study figure is
    above (the years before the start can be checked there).
    """
    nb = check_lang(lang) == "nb"
    group = (
        ("deltakerne", "de andre")
        if persons
        else ("kommunene med programmet", "de andre kommunene")
    )
    group_en = (
        ("participants", "others")
        if persons
        else ("municipalities with the programme", "the other municipalities")
    )
    lines = [
        "### "
        + (
            "Parallelle trender – i andeler eller i log-odds?"
            if nb
            else "Parallel trends – in shares or in log-odds?"
        ),
        "",
    ]
    text = [
        f"Alle anslagene bygger på at {outcome_words} blant {group[0]} ville ha utviklet seg "
        f"parallelt med den blant {group[1]} dersom programmet ikke hadde vært der."
        if nb
        else f"All estimates rest on the assumption that {outcome_words} among {group_en[0]} "
        f"would have moved in parallel with that among {group_en[1]} without the programme."
    ]
    if levels is not None and np.isfinite(levels.ratio):
        a = format_percent(levels.programme, lang=lang)
        b = format_percent(levels.comparison, lang=lang)
        when = _years(levels.years, "nb" if nb else "en")
        ratio = format_number(levels.ratio, lang=lang, decimals=1)
        if 0.8 <= levels.ratio <= 1.25:
            text.append(
                f"I årene før de første startet ({when}) var nivået omtrent det samme: {a} blant "
                f"{group[0]} mot {b} blant {group[1]}, så skalaen betyr lite her."
                if nb
                else f"In the years before the first started ({when}) the levels were about the "
                f"same: {a} among {group_en[0]} against {b} among {group_en[1]}, so the scale "
                "matters little here."
            )
        else:
            text.append(
                f"I årene før de første startet ({when}) var andelen {a} blant {group[0]} mot "
                f"{b} blant {group[1]}, omtrent {ratio} ganger så høy, og da betyr det noe "
                "*hvordan* «parallelt» måles."
                if nb
                else f"In the years before the first started ({when}) the share was {a} among "
                f"{group_en[0]} against {b} among {group_en[1]}, about {ratio} times as high, so "
                "*how* \u201cparallel\u201d is measured matters."
            )
    if headline is not None:
        label = headline.get("label_nb" if nb else "label_en", headline.get("label", ""))
        text.append(
            f"Hovedanslaget ({label}) antar parallelle trender i andeler, det vil si i "
            "prosentpoeng."
            if nb
            else f"The headline estimate ({label}) assumes parallel trends in shares, that is "
            "in percentage points."
        )
    paragraphs = [" ".join(text)]
    text = []
    if _row(estimates, logit=False) is not None:
        text.append(
            "Den bayesianske modellen med identitetslenke er en kontroll med den samme "
            "antakelsen og bør gi omtrent samme svar."
            if nb
            else "The Bayesian model with an identity link is a cross-check under the same "
            "assumption and should give about the same answer."
        )
    logit = _row(estimates, logit=True)
    if logit is not None and np.isfinite(float(logit["estimate"])):
        size = format_percentage_points(float(logit["estimate"]), lang=lang)
        bounds = (float(logit["ci_lower"]), float(logit["ci_upper"]))
        interval = (
            (
                " (95 % troverdighetsintervall med like mye sannsynlighet i hver hale: "
                + format_interval(*bounds, lang=lang)
                + ")"
                if nb
                else " (95% equal-tailed credible interval: "
                + format_interval(*bounds, lang=lang)
                + ")"
            )
            if all(np.isfinite(bounds))
            else ""
        )
        versus = ""
        if headline is not None and np.isfinite(float(headline["estimate"])):
            main = format_percentage_points(float(headline["estimate"]), lang=lang)
            versus = f", mot {main} i hovedanslaget" if nb else f", against {main} in the headline"
        text.append(
            "Den logistiske varianten antar i stedet parallelle trender i log-odds og anslår "
            f"effekten til {size}{interval}{versus}."
            if nb
            else "The logistic variant assumes parallel trends in log-odds instead and puts the "
            f"effect at {size}{interval}{versus}."
        )
    else:
        text.append(
            "Den logistiske varianten antar i stedet parallelle trender i log-odds."
            if nb
            else "The logistic variant assumes parallel trends in log-odds instead."
        )
    text.append(
        "Den vises bare som sensitivitetssjekk: forskjellen viser hvor mye svaret avhenger av "
        "hvilken skala vi antar parallelle trender på, ikke usikkerhet i dataene."
        if nb
        else "It is shown only as a sensitivity check: the gap shows how much the answer depends "
        "on the scale on which trends are assumed parallel, not uncertainty in the data."
    )
    if has_figure:
        text.append(
            "Vi bruker andelsskalaen fordi den er antakelsen bak hovedanslaget og kan sjekkes i "
            "årene før oppstart (figuren «Effekt år for år»)."
            if nb
            else "We use the share scale because it is the assumption behind the headline "
            "estimate and can be checked in the years before the start (the figure \u201cEffect "
            "year by year\u201d)."
        )
    if logit_passed is False:
        text.append(
            "**Modellen med logit-lenke besto ikke alle konvergenskontrollene; les tallet med "
            "forsiktighet.**"
            if nb
            else "**The model with a logit link did not pass every convergence check; read its "
            "number with care.**"
        )
    paragraphs.append(" ".join(text))
    return "\n\n".join([lines[0], *(p for p in paragraphs if p)])
