"""Plain-language conclusions in Norwegian bokmål (default) and English.

Funders read words, not p-values. The functions here turn bundle tables into short
Markdown paragraphs that answer four questions: did it work, how sure are we (an interval
in words), for whom, and does it pay (and for whose budget). They are honest about
uncertainty: when the interval covers zero the text says that a zero effect cannot be
ruled out, and failed diagnostics in the bundle metadata are stated up front.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from impact.bundle import Bundle
from impact.errors import DataError
from impact.plain_language import (
    PayoffSummary,
    check_lang,
    format_interval,
    format_nok,
    format_number,
    format_percentage_points,
    format_probability,
    payoff_summary,
)
from impact.report.assumptions import depends_sentence, sign_depends_on_persistence
from impact.report.disclosure import THRESHOLD, hide_small_groups
from impact.report.vocabulary import OUTCOMES, check_label, explain_message, payer_label

#: Order in which headline estimators are preferred (first match on the start of ``estimator``).
PREFERRED_ESTIMATORS: tuple[str, ...] = (
    "att_gt",
    "callaway",
    "cs",
    "bayes",
    "hierarchical",
    "twfe",
)


def headline_estimate(estimates: pd.DataFrame) -> pd.Series:
    """The row of the ``estimates`` table the conclusion is built on.

    The analysis may name it with a boolean ``headline`` column; otherwise
    heterogeneity-robust estimators are preferred over TWFE, in the order of
    :data:`PREFERRED_ESTIMATORS`; otherwise the first row.
    """
    needed = ["estimator", "label", "estimate", "ci_lower", "ci_upper"]
    missing = [c for c in needed if c not in estimates.columns]
    if missing or estimates.empty:
        raise DataError(
            f"The estimates table needs rows and columns {needed}; missing {missing}. "
            "Write it with Bundle.write_table('estimates', ...)."
        )
    if "headline" in estimates and estimates["headline"].fillna(False).astype(bool).any():
        return estimates[estimates["headline"].fillna(False).astype(bool)].iloc[0]
    names = estimates["estimator"].astype(str).str.lower()
    for prefix in PREFERRED_ESTIMATORS:
        hits = estimates[names.str.startswith(prefix)]
        if not hits.empty:
            return hits.iloc[0]
    return estimates.iloc[0]


def _outcome(outcome: str, lang: str) -> tuple[str, int]:
    nb, en, direction = OUTCOMES.get(
        outcome, (f"utfallet «{outcome}»", f'the outcome "{outcome}"', 1)
    )
    return (nb if lang == "nb" else en), direction


def outcome_description(outcome: str, *, lang: str = "nb") -> str:
    """The outcome in words (``"completed_vgs"`` -> "andelen som fullfører ...")."""
    return _outcome(outcome, check_lang(lang))[0]


def effect_paragraph(
    row: Mapping[str, Any],
    *,
    outcome: str,
    lang: str = "nb",
    starters: tuple[str, str] = ("kommuner", "municipalities"),
) -> str:
    """Did it work and how sure are we, for one headline estimate (probability scale).

    ``starters`` (nb, en) names who starts in different years, for the TWFE caveat:
    municipalities in a municipal roll-out, participants when persons enrol one by one.
    """
    lang = check_lang(lang)
    what, good = _outcome(outcome, lang)
    est, lo, hi = float(row["estimate"]), float(row["ci_lower"]), float(row["ci_upper"])
    size = format_percentage_points(abs(est), lang=lang)
    interval = format_interval(lo, hi, lang=lang)
    has_interval = bool(np.isfinite(lo) and np.isfinite(hi))
    covers_zero = has_interval and lo <= 0 <= hi
    up = est > 0
    if lang == "nb":
        moved = "økte" if up else "falt"
        if not has_interval:
            first = f"Det beste anslaget er at {what} {moved} med {size}."
        elif covers_zero:
            first = (
                f"Vi finner ingen sikker effekt. Det beste anslaget er at {what} {moved} med "
                f"{size}, men vi kan ikke utelukke at effekten er null."
            )
        elif (1 if up else -1) == good:
            first = f"Programmet ser ut til å virke: {what} {moved} med {size} blant deltakerne."
        else:
            first = (
                f"Programmet ser ut til å ha virket mot sin hensikt: {what} {moved} med {size} "
                "blant deltakerne."
            )
        second = (
            f"Tar vi hensyn til usikkerheten, ligger effekten trolig {interval} "
            f"(95 %-intervall, {row.get('label_nb', row['label'])})."
            if has_interval
            else f"Anslaget ({row.get('label_nb', row['label'])}) har ikke noe usikkerhetsintervall."
        )
    else:
        moved = "rose" if up else "fell"
        if not has_interval:
            first = f"The best estimate is that {what} {moved} by {size}."
        elif covers_zero:
            first = (
                f"We find no clear effect. The best estimate is that {what} {moved} by {size}, "
                "but we cannot rule out that the effect is zero."
            )
        elif (1 if up else -1) == good:
            first = f"The programme appears to work: {what} {moved} by {size} among participants."
        else:
            first = (
                f"The programme appears to have backfired: {what} {moved} by {size} among "
                "participants."
            )
        second = (
            f"Allowing for uncertainty, the effect is plausibly {interval} "
            f"(95% interval, {row.get('label_en', row['label'])})."
            if has_interval
            else f"The estimate ({row.get('label_en', row['label'])}) comes without an uncertainty interval."
        )
    if str(row["estimator"]).lower().startswith("twfe"):
        second += (
            " Anslaget bygger på toveis faste effekter (TWFE), som kan bli skjevt når "
            f"{starters[0]} starter i ulike år og effekten varierer."
            if lang == "nb"
            else " The estimate comes from two-way fixed effects (TWFE), which can be biased "
            f"when {starters[1]} start in different years and the effect varies."
        )
    return f"{first} {second}"


def other_outcomes_paragraph(table: pd.DataFrame, *, lang: str = "nb") -> str:
    """The study's other outcomes in words (bundle table ``other_outcomes``): the effect on
    each (its first estimator's row) with its 95 % interval, and whether the cost-benefit
    analysis values it in money."""
    lang = check_lang(lang)
    nb = lang == "nb"
    first = table.drop_duplicates("outcome", keep="first")
    sentences = [
        "Analysen anslår også effekten på andre utfall enn hovedutfallet."
        if nb
        else "The analysis also estimates the effect on outcomes other than the main one."
    ]
    valued: list[str] = []
    unvalued: list[str] = []
    for row in first.itertuples(index=False):
        what, _ = _outcome(str(row.outcome), lang)
        size = format_percentage_points(float(row.estimate), lang=lang)
        lo, hi = float(row.ci_lower), float(row.ci_upper)
        interval = (
            (
                f" (95 %-intervall: {format_interval(lo, hi, lang=lang)})"
                if nb
                else f" (95% interval: {format_interval(lo, hi, lang=lang)})"
            )
            if np.isfinite(lo) and np.isfinite(hi)
            else ""
        )
        sentences.append(
            f"Effekten på {what} er {size}{interval}."
            if nb
            else f"The effect on {what} is {size}{interval}."
        )
        (valued if bool(row.valued) else unvalued).append(what)
    if valued:
        sentences.append(
            f"Effekten på {_join(valued, lang)} inngår i nytte–kostnadsanalysen."
            if nb
            else f"The effect on {_join(valued, lang)} is valued in the cost–benefit analysis."
        )
    if unvalued:
        sentences.append(
            f"Effekten på {_join(unvalued, lang)} er anslått, men ikke verdsatt i kroner i "
            "nytte–kostnadsanalysen."
            if nb
            else f"The effect on {_join(unvalued, lang)} is estimated but not valued in money in "
            "the cost–benefit analysis."
        )
    return " ".join(sentences)


def dynamics_sentence(dynamic: pd.DataFrame, *, lang: str = "nb") -> str:
    """How the effect develops after the start, from the robust event study (``cs_dynamic``).

    Compares the year of the start (event time 0) with the last event time estimated, with
    the last one's interval (it rests on the fewest start cohorts); "" when there are fewer
    than two post-start estimates.
    """
    lang = check_lang(lang)
    post = dynamic[dynamic["event_time"] >= 0].sort_values("event_time")
    if len(post) < 2:
        return ""
    first, last = post.iloc[0], post.iloc[-1]
    k = int(last["event_time"])
    a = format_percentage_points(float(first["estimate"]), lang=lang)
    b = format_percentage_points(float(last["estimate"]), lang=lang)
    interval = ""
    if {"ci_lower", "ci_upper"} <= set(post.columns) and np.isfinite(
        [float(last["ci_lower"]), float(last["ci_upper"])]
    ).all():
        span = format_interval(float(last["ci_lower"]), float(last["ci_upper"]), lang=lang)
        interval = (
            f" (95 %-intervall: {span}; de siste årene bygger på færre oppstartskull)"
            if lang == "nb"
            else f" (95% interval: {span}; the last years rest on fewer start cohorts)"
        )
    if lang == "nb":
        return f"I oppstartsåret er effekten {a}; {k} år etter oppstart er den {b}{interval}."
    return f"In the year of the start the effect is {a}; {k} years after the start it is {b}{interval}."


def sites_paragraph(
    site_effects: pd.DataFrame, *, outcome: str, lang: str = "nb", threshold: int = THRESHOLD
) -> str:
    """For whom: how the effect varies across sites (hierarchical model), small sites hidden."""
    lang = check_lang(lang)
    _, good = _outcome(outcome, lang)
    shown, hidden = hide_small_groups(site_effects, count_column="n_treated", threshold=threshold)
    if shown.empty:
        return ""
    p_good = shown["p_positive"] if good > 0 else 1 - shown["p_positive"]
    sure = int((p_good >= 0.9).sum())
    low, high = float(shown["estimate"].min()), float(shown["estimate"].max())
    interval = format_interval(low, high, lang=lang)
    n = len(shown)
    if lang == "nb":
        text = (
            f"Effekten varierer mellom stedene: etter at anslagene er justert mot fellesnivået "
            f"ligger de {interval}. På {sure} av {n} steder er det minst 90 % sannsynlighet for "
            "en gunstig effekt."
        )
        if hidden:
            text += (
                f" {hidden} steder er ikke vist (færre enn {threshold} deltakere, eller tall som "
                "kunne avsløre det)."
            )
    else:
        text = (
            f"The effect varies across sites: after shrinking towards the common level the "
            f"estimates lie {interval}. At {sure} of {n} sites there is at least a 90% "
            "probability of a favourable effect."
        )
        if hidden:
            text += (
                f" {hidden} sites are not shown (fewer than {threshold} participants, or figures "
                "that could reveal it)."
            )
    return text


def _quantity(summary: pd.DataFrame, name: str) -> pd.Series | None:
    hits = summary[summary["quantity"] == name]
    return hits.iloc[0] if not hits.empty else None


def summary_verdict(summary: pd.DataFrame, *, lang: str = "nb") -> PayoffSummary | None:
    """The verdict of :func:`impact.plain_language.payoff_summary` on an ``appraisal_summary``
    table (None when it has no ``npv`` row)."""
    npv = _quantity(summary, "npv")
    if npv is None:
        return None
    prob = _quantity(summary, "p_npv_positive")
    bcr = _quantity(summary, "benefit_cost_ratio")
    programme = summary["programme"].iloc[0] if "programme" in summary else None
    return payoff_summary(
        npv=float(npv["estimate"]),
        ci_lower=npv.get("ci_lower", float("nan")),
        ci_upper=npv.get("ci_upper", float("nan")),
        prob_positive=float(prob["estimate"]) if prob is not None else None,
        bcr=float(bcr["estimate"]) if bcr is not None else None,
        programme=str(programme) if programme is not None else None,
        lang=check_lang(lang),
    )


#: Start of the ``trend_sensitivity.breakeven_note`` that impact.study.stages writes when the
#: 95 % interval includes the break-even effect already under parallel trends.
BREAKEVEN_INSIDE = "the 95 % interval includes the break-even effect"
#: Start of the note when the estimate itself falls short of the break-even effect.
BREAKEVEN_SHORT = "the estimate falls short of the break-even effect"


def honest_npv_sentence(info: Mapping[str, Any], *, lang: str = "nb") -> str:
    """How far trends may diverge before the programme stops paying, in one sentence.

    ``info`` is the bundle's ``trend_sensitivity`` metadata: ``breakeven_breakdown`` is the
    smallest relative magnitude ``Mbar`` at which the robust 95 % interval reaches the
    appraisal's ``break_even_effect`` (:meth:`impact.did.HonestResult.breakdown_at`). Empty
    when the bundle predates the figure (no ``breakeven_note``).
    """
    lang = check_lang(lang)
    if "breakeven_note" not in info:
        return ""
    b = info.get("break_even_effect")
    value = info.get("breakeven_breakdown")
    level = format_percentage_points(float(b), lang=lang) if b is not None else ""
    if value is not None:
        share = format_number(100 * float(value), lang=lang)
        if lang == "nb":
            return (
                "Med de sentrale forutsetningene i nytte-kostnadsanalysen lønner programmet seg "
                f"fortsatt med mindre trendene etter oppstart avviker med mer enn {share} % av "
                "det største år-til-år-avviket før oppstart: først da kan 95 %-intervallet for "
                f"effekten omfatte effekten som akkurat får programmet til å gå i balanse "
                f"({level})."
            )
        return (
            "With the cost-benefit analysis's central assumptions the programme still pays for "
            f"itself unless trends after the start diverge by more than {share}% of the largest "
            "year-to-year divergence before it: only then can the effect's 95% interval include "
            f"the effect at which the programme just breaks even ({level})."
        )
    note = str(info.get("breakeven_note") or "")
    if note.startswith(BREAKEVEN_INSIDE) and level:
        if lang == "nb":
            return (
                f"Selv med parallelle trender omfatter 95 %-intervallet effekten som akkurat får "
                f"programmet til å gå i balanse ({level}), så dataene viser ikke sikkert at "
                "programmet lønner seg, selv uten avvik i trendene."
            )
        return (
            f"Even with parallel trends the 95% interval includes the effect at which the "
            f"programme just breaks even ({level}), so the data do not show with confidence "
            "that the programme pays for itself, even without diverging trends."
        )
    if note.startswith(BREAKEVEN_SHORT) and level:
        if lang == "nb":
            return (
                "Selv med parallelle trender er effekten svakere enn den som akkurat får "
                f"programmet til å gå i balanse ({level}), så avvik i trendene endrer ikke "
                "konklusjonen om lønnsomhet."
            )
        return (
            "Even with parallel trends the effect falls short of the one at which the "
            f"programme just breaks even ({level}), so diverging trends do not change the "
            "conclusion on the payoff."
        )
    if lang == "nb":
        return "Hvor store avvik i trendene lønnsomheten tåler, kunne ikke regnes ut."
    reason = f" ({note})." if note else "."
    return "How large a divergence of trends the payoff bears could not be computed" + reason


def payoff_paragraph(
    summary: pd.DataFrame,
    *,
    ledger: pd.DataFrame | None = None,
    payback: pd.DataFrame | None = None,
    lang: str = "nb",
) -> str:
    """Does it pay, and for which budget.

    From ``appraisal_summary`` (columns ``quantity, estimate, ci_lower, ci_upper``, and
    ``programme`` when present): the verdict, the net present value with its 95 % interval,
    P(NPV > 0) and the benefit-cost ratio, in the words of
    :func:`impact.plain_language.payoff_summary` (the same sentence as
    :meth:`impact.cba.Appraisal.headline`; verdict graded by P(NPV > 0): at least
    :data:`~impact.plain_language.PAYS_OFF_AT` pays off, at most
    :data:`~impact.plain_language.DOES_NOT_PAY_OFF_AT` does not, else uncertain). From
    ``ledger``: who gains most and who bears the cost. From ``payback`` (``party,
    payback_year``): after how many years each budget has its money back.
    """
    lang = check_lang(lang)
    nb = lang == "nb"
    prob = _quantity(summary, "p_npv_positive")
    p_value = float(prob["estimate"]) if prob is not None else None
    parts: list[str] = []
    verdict = summary_verdict(summary, lang=lang)
    if verdict is not None:
        parts.append(verdict.text)
    elif p_value is not None:
        p = format_probability(p_value, lang=lang)
        parts.append(
            f"Sannsynligheten for at programmet lønner seg, er {p}."
            if nb
            else f"The probability that the programme pays off is {p}."
        )
    if ledger is not None:
        parts.append(who_pays_sentence(ledger, lang=lang))
    if payback is not None and {"party", "payback_year"} <= set(payback.columns):
        parts.append(_payback_sentence(payback, lang=lang))
    return " ".join(p for p in parts if p)


def who_pays_sentence(ledger: pd.DataFrame, *, lang: str = "nb") -> str:
    """Who gains most and who bears the cost, from the ``ledger`` table ("" when empty)."""
    lang = check_lang(lang)
    nb = lang == "nb"
    if ledger.empty:
        return ""
    parts = []
    ordered = ledger.sort_values("present_value_nok")
    winner, loser = ordered.iloc[-1], ordered.iloc[0]
    if float(winner["present_value_nok"]) > 0:
        who = payer_label(winner["payer"], lang=lang)
        amount = format_nok(float(winner["present_value_nok"]), lang=lang)
        parts.append(
            f"Gevinsten tilfaller særlig {who} ({amount})."
            if nb
            else f"The gains fall mostly to {who} ({amount})."
        )
    if float(loser["present_value_nok"]) < 0:
        who = payer_label(loser["payer"], lang=lang)
        amount = format_nok(float(loser["present_value_nok"]), lang=lang)
        parts.append(
            f"Kostnaden bæres særlig av {who} ({amount})."
            if nb
            else f"The cost is borne mostly by {who} ({amount})."
        )
    return " ".join(parts)


def _payback_sentence(payback: pd.DataFrame, *, lang: str) -> str:
    nb = lang == "nb"
    back, never = [], []
    for party, years in zip(payback["party"], payback["payback_year"]):
        who = payer_label(party, lang=lang)
        if pd.isna(years):
            never.append(who)
        else:
            n = int(years)
            if n == 0:
                back.append(f"{who} straks" if nb else f"{who} at once")
            else:
                back.append(
                    f"{who} etter {n} år" if nb else f"{who} after {n} year{'s' if n != 1 else ''}"
                )
    sentences = []
    if back:
        sentences.append(
            "Pengene er tjent inn for " + _join(back, lang) + "."
            if nb
            else "The money is earned back for " + _join(back, lang) + "."
        )
    if never:
        sentences.append(
            f"{_join(never, lang)[:1].upper()}{_join(never, lang)[1:]} får ikke utgiftene tilbake i analyseperioden."
            if nb
            else f"{_join(never, lang)[:1].upper()}{_join(never, lang)[1:]} does not earn its outlay back within the period analysed."
        )
    return " ".join(sentences)


def _join(items: list[str], lang: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    word = " og " if lang == "nb" else " and "
    return ", ".join(items[:-1]) + word + items[-1]


def failed_checks(metadata: Mapping[str, Any], *, lang: str = "nb") -> list[tuple[str, str]]:
    """``(check in words, what failed)`` for every failed check in ``metadata["diagnostics"]``.

    What failed is told from the check's ``reasons`` (or its ``message``) in the report's
    language (:func:`impact.report.vocabulary.explain_message`); a reason impact does not
    know is quoted in English reports and referred to the bundle metadata in bokmål ones.
    """
    lang = check_lang(lang)
    failed = []
    for name, info in (metadata.get("diagnostics") or {}).items():
        if not isinstance(info, Mapping) or info.get("passed", True):
            continue
        reasons = [str(r) for r in info.get("reasons") or []] or [str(info.get("message", ""))]
        details = []
        for reason in reasons:
            known = explain_message(reason, lang=lang)
            if known is not None:
                details.append(known[1])
            elif reason.strip() and lang == "en":
                details.append(reason.strip().rstrip("."))
        if len(details) < len([r for r in reasons if r.strip()]):
            details.append(
                "detaljene står i resultatmappens metadata.json"
                if lang == "nb"
                else "details are in the metadata.json of the results"
            )
        failed.append((check_label(name, lang=lang), "; ".join(details)))
    return failed


def diagnostics_paragraph(metadata: Mapping[str, Any], *, lang: str = "nb") -> str:
    """Warnings for every failed check in ``metadata["diagnostics"]`` ("" if all passed)."""
    lang = check_lang(lang)
    lines = []
    for check, what in failed_checks(metadata, lang=lang):
        check = check[:1].upper() + check[1:]
        detail = f": {what}" if what else ""
        lines.append(
            f"**Merk:** {check} slo ut{detail}. Tolk resultatene med forsiktighet."
            if lang == "nb"
            else f"**Note:** {check} failed{detail}. Interpret the results with care."
        )
    return "\n\n".join(lines)


def conclusion(
    bundle: Bundle, *, lang: str = "nb", starters: tuple[str, str] = ("kommuner", "municipalities")
) -> str:
    """The plain-language conclusion of a report, as Markdown paragraphs.

    Uses whatever the bundle holds: ``estimates``, and when present ``cs_dynamic`` (how
    the effect develops), ``site_effects``, ``appraisal_summary``, ``ledger`` and
    ``payback``; failed diagnostics in the metadata come first. Synthetic runs say so.
    ``starters`` as in :func:`effect_paragraph` (:meth:`impact.report.study.Study.starters`).
    """
    lang = check_lang(lang)
    meta = bundle.metadata
    outcome = str(meta["outcome"])
    paragraphs = [diagnostics_paragraph(meta, lang=lang)]
    if bundle.has_table("estimates"):
        row = headline_estimate(bundle.read_table("estimates"))
        effect_text = effect_paragraph(row, outcome=outcome, lang=lang, starters=starters)
        if bundle.has_table("cs_dynamic"):
            effect_text += " " + dynamics_sentence(bundle.read_table("cs_dynamic"), lang=lang)
        paragraphs.append(effect_text.strip())
    else:
        paragraphs.append(
            "Effektanslagene er ikke klare ennå."
            if lang == "nb"
            else "The effect estimates are not ready yet."
        )
    if bundle.has_table("site_effects"):
        paragraphs.append(
            sites_paragraph(bundle.read_table("site_effects"), outcome=outcome, lang=lang)
        )
    if bundle.has_table("appraisal_summary"):
        ledger = bundle.read_table("ledger") if bundle.has_table("ledger") else None
        payback = bundle.read_table("payback") if bundle.has_table("payback") else None
        payoff = payoff_paragraph(
            bundle.read_table("appraisal_summary"), ledger=ledger, payback=payback, lang=lang
        )
        if sign_depends_on_persistence(bundle):
            payoff += " " + depends_sentence(lang=lang)
        paragraphs.append(payoff)
    if meta.get("truth"):
        paragraphs.append(
            "*Rapporten bygger på syntetiske data med kjent sann effekt; den viser hvordan en ekte evaluering vil se ut.*"
            if lang == "nb"
            else "*This report uses synthetic data with a known true effect; it shows what a real evaluation will look like.*"
        )
    return "\n\n".join(p for p in paragraphs if p)
