"""Report sections of the generic template ``reports/study.qmd``: lists of things to display.

Each function takes a :class:`~impact.report.document.ReportContext` and returns the
headings, text, figures and tables of one section, or an empty list when the bundle does
not (yet) hold the tables the section needs — so a report renders at every stage of a
project. Everything shown passes disclosure control. The words follow the study
(:attr:`ReportContext.study <impact.report.document.ReportContext.study>`, the bundle's
``study`` block): persons or municipalities, what the clusters are, the programme's own
description.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from impact.plain_language import format_interval, format_number, format_percentage_points
from impact.report.assumptions import persistence_paragraph
from impact.report.disclosure import disclose_count
from impact.report.document import MarkdownText, ReportContext
from impact.report.figures import (
    event_study_plot,
    group_time_plot,
    ledger_plot,
    npv_distribution_plot,
    pooled_posterior_plot,
    site_forest_plot,
    tornado_plot,
)
from impact.report.keyfigures import key_figures
from impact.report.link_scale import baseline_levels, first_start, link_scale_paragraph
from impact.report.tables import (
    appraisal_table,
    descriptives_table,
    estimates_table,
    event_study_table,
    ledger_table,
    other_outcomes_table,
    plus_minus_table,
    scenarios_table,
    site_effects_table,
    trend_sensitivity_table,
)
from impact.report.text import (
    conclusion,
    headline_estimate,
    honest_npv_sentence,
    other_outcomes_paragraph,
    outcome_description,
)
from impact.report.vocabulary import check_label, explain_message, truth_label, warning_label


def title_heading(ctx: ReportContext) -> MarkdownText:
    """The report's one level-1 heading: the study's title and the two questions."""
    return MarkdownText(
        f"# {ctx.title()}: "
        + ctx.t("virket programmet, og lønner det seg?", "did the programme work, and does it pay?")
    )


def programme_section(ctx: ReportContext) -> list[Any]:
    """What the programme is and what it is compared with (``study.what``, ``study.comparison``);
    nothing when the bundle has neither (a bundle written before the study block)."""
    study = ctx.study
    paragraphs = [
        p.strip() for p in (study.what[ctx.lang], study.comparison[ctx.lang]) if p.strip()
    ]
    if not paragraphs:
        return []
    return [MarkdownText(f"## {ctx.t('Programmet', 'The programme')}\n\n" + " ".join(paragraphs))]


def key_figures_section(ctx: ReportContext) -> list[Any]:
    """The first page: a line on when and from what data, the key-figures panel and one
    headline figure (the effect year by year); the panel waits for the first estimate."""
    meta = ctx.bundle.metadata
    about = [ctx.t("Evaluering", "Evaluation")]
    if ctx.analysis_date():
        about.append(f"{ctx.t('analysen kjørt', 'analysis run')} {ctx.analysis_date()}")
    about.append(f"{ctx.t('datagrunnlag', 'data')}: {ctx.data_source()}")
    if meta.get("impact_version"):
        about.append(f"impact {meta['impact_version']}")
    items: list[Any] = [MarkdownText("*" + " · ".join(about) + "*")]
    panel = key_figures(ctx)
    if panel is None:
        return items
    items.append(panel)
    if ctx.has("twfe_event_study"):
        robust = ctx.table("cs_dynamic") if ctx.has("cs_dynamic") else None
        items.append(ctx.caption("Effekt år for år", "Effect year by year"))
        items.append(
            ctx.figure(
                event_study_plot(ctx.table("twfe_event_study"), robust=robust, lang=ctx.lang),
                alt=(
                    "Hovedfigur: effekten år for år før og etter oppstart, med 95 %-intervaller",
                    "Headline figure: the effect year by year before and after the start, with "
                    "95% intervals",
                ),
            )
        )
    return items


def conclusion_section(ctx: ReportContext) -> list[Any]:
    """The plain-language conclusion, up front, and the table of contents after it."""
    return [
        MarkdownText(f"## {ctx.t('Konklusjon', 'Conclusion')}"),
        MarkdownText(conclusion(ctx.bundle, lang=ctx.lang, starters=ctx.study.starters())),
        ctx.contents(),
    ]


def counts_sentence(ctx: ReportContext) -> MarkdownText:
    """How many persons (and, in a municipal roll-out, municipalities) the analysis covers.

    Municipality-year data: ``n_persons`` persons in ``n_units`` municipalities, of them
    ``n_treated_units`` with the programme. Person-year data: ``n_persons`` persons, of whom
    ``n_participants`` took part (persons, not person-years; the clause is left out when the
    bundle lacks the count). Any count below the disclosure threshold is shown as ``<5``.
    """
    meta = ctx.bundle.metadata

    def count(key: str) -> str:
        value = meta.get(key)
        if value is None:
            return "\u2013"
        return disclose_count(float(value), lang=ctx.lang, threshold=ctx.threshold)

    if ctx.study.persons:
        if meta.get("n_participants") is None:
            return MarkdownText(
                ctx.t(
                    f"Analysen omfatter {count('n_persons')} personer.",
                    f"The analysis covers {count('n_persons')} persons.",
                )
            )
        return MarkdownText(
            ctx.t(
                f"Analysen omfatter {count('n_persons')} personer, hvorav "
                f"{count('n_participants')} deltok i programmet.",
                f"The analysis covers {count('n_persons')} persons, {count('n_participants')} "
                "of whom took part in the programme.",
            )
        )
    return MarkdownText(
        ctx.t(
            f"Analysen omfatter {count('n_persons')} personer i {count('n_units')} kommuner, "
            f"hvorav {count('n_treated_units')} med programmet.",
            f"The analysis covers {count('n_persons')} persons in {count('n_units')} "
            f"municipalities, {count('n_treated_units')} of them with the programme.",
        )
    )


def clusters_sentence(ctx: ReportContext) -> MarkdownText | None:
    """What the uncertainty takes into account: which observations hang together.

    Person-year data clustered by municipality: municipalities are the clusters (persons in
    one municipality are not independent observations). Municipality-year data: the years of
    one municipality. Clustered by person: one person's years (no sentence about few
    clusters: there are thousands). None when the cluster is something else.
    """
    study = ctx.study
    if study.municipality_clusters and study.persons:
        return MarkdownText(
            ctx.t(
                "Usikkerheten er beregnet med kommunene som klynger: personer i samme kommune "
                "regnes ikke som uavhengige observasjoner, fordi de deler arbeidsmarked og "
                "tjenester. Det er antallet kommuner, ikke antallet personer, som avgjør hvor "
                "presise anslagene kan bli.",
                "Uncertainty is computed with municipalities as clusters: persons in the same "
                "municipality are not counted as independent observations, as they share a "
                "labour market and services. The number of municipalities, not of persons, "
                "limits how precise the estimates can be.",
            )
        )
    if study.municipality_clusters:
        return MarkdownText(
            ctx.t(
                "Usikkerheten er beregnet med kommunene som klynger: årene i samme kommune "
                "regnes ikke som uavhengige observasjoner.",
                "Uncertainty is computed with municipalities as clusters: the years of one "
                "municipality are not counted as independent observations.",
            )
        )
    if study.person_clusters:
        return MarkdownText(
            ctx.t(
                "Usikkerheten tar hensyn til at samme person følges over flere år.",
                "Uncertainty allows for the same person being followed over several years.",
            )
        )
    return None


def data_section(ctx: ReportContext) -> list[Any]:
    """Counts of persons (and municipalities), the clusters, and counts by group and year,
    with small-cell suppression."""
    items: list[Any] = [MarkdownText(f"## {ctx.t('Dataene', 'The data')}"), counts_sentence(ctx)]
    clusters = clusters_sentence(ctx)
    if clusters is not None:
        items.append(clusters)
    if ctx.has("descriptives"):
        items.append(
            MarkdownText(
                ctx.t(
                    f"Ingen tall under {ctx.threshold} personer vises, heller ikke andeler eller "
                    "summer som kunne avsløre dem.",
                    f"No count below {ctx.threshold} persons is shown, nor any share or total "
                    "that would reveal one.",
                )
            )
        )
        items.append(
            descriptives_table(
                ctx.table("descriptives"),
                lang=ctx.lang,
                threshold=ctx.threshold,
                caption=ctx.t(
                    "Personer og utfall etter gruppe og år", "Persons and outcome by group and year"
                ),
            )
        )
    return items


def effect_section(ctx: ReportContext) -> list[Any]:
    """Headline estimates, the event study (TWFE beside the robust estimator) and group-time effects."""
    if not (ctx.has("estimates") or ctx.has("twfe_event_study")):
        return []
    items: list[Any] = [MarkdownText(f"## {ctx.t('Effekten', 'The effect')}")]
    if ctx.has("estimates"):
        items.append(
            estimates_table(
                ctx.table("estimates"),
                lang=ctx.lang,
                caption=ctx.t(
                    "Hovedanslag (prosentpoeng, pp)", "Headline estimates (percentage points, pp)"
                ),
            )
        )
        rule = headline_rule_sentence(ctx)
        if rule:
            items.append(MarkdownText(rule))
    if ctx.has("twfe_event_study"):
        twfe = ctx.table("twfe_event_study")
        robust = ctx.table("cs_dynamic") if ctx.has("cs_dynamic") else None
        items.append(
            MarkdownText(
                ctx.t(
                    "Figuren viser effekten år for år før og etter oppstart. Punktene før "
                    "oppstart bør ligge nær null; gjør de ikke det, er sammenligningen "
                    "tvilsom.",
                    "The figure shows the effect year by year before and after the start. "
                    "Points before the start should lie near zero; if they do not, the "
                    "comparison is doubtful.",
                )
                + " "
                + reference_sentence(robust, lang=ctx.lang)
            )
        )
        if robust is None:
            items.append(
                MarkdownText(
                    ctx.t(
                        "*Toveis faste effekter (TWFE) kan gi skjeve anslag når "
                        f"{ctx.study.starters()[0]} starter i ulike år og effekten varierer; et "
                        "robust anslag kommer.*",
                        "*Two-way fixed effects (TWFE) can be biased when "
                        f"{ctx.study.starters()[1]} start in different years and the effect "
                        "varies; a robust estimate will follow.*",
                    )
                )
            )
        items.append(ctx.caption("Effekt år for år", "Effect year by year"))
        items.append(
            ctx.figure(
                event_study_plot(twfe, robust=robust, lang=ctx.lang),
                alt=(
                    "Effekten år for år før og etter oppstart, med 95 %-intervaller",
                    "The effect year by year before and after the start, with 95% intervals",
                ),
            )
        )
        items.append(
            event_study_table(
                twfe,
                robust=robust,
                lang=ctx.lang,
                caption=ctx.t(
                    "Effekt etter år relativt til oppstart (pp)",
                    "Effect by years relative to start (pp)",
                ),
            )
        )
    if ctx.has("att_gt"):
        items.append(
            MarkdownText(f"### {ctx.t('Effekt per oppstartskull', 'Effect by start cohort')}")
        )
        items.append(
            ctx.figure(
                group_time_plot(ctx.table("att_gt"), lang=ctx.lang),
                alt=(
                    "Effekten for hvert oppstartskull år for år, med 95 %-intervaller",
                    "The effect for each start cohort year by year, with 95% intervals",
                ),
            )
        )
    items += other_outcomes_section(ctx)
    return items


def headline_rule_sentence(ctx: ReportContext) -> str:
    """Why the headline estimate is the headline (metadata ``headline_rule``, in both
    languages: ``{"nb": ..., "en": ...}``), or ""."""
    rule = ctx.bundle.metadata.get("headline_rule") or {}
    text = str(rule.get(ctx.lang) or "").strip()
    if not text:
        return ""
    return ctx.t("Hvorfor dette er hovedanslaget: ", "Why this is the headline estimate: ") + text


def other_outcomes_section(ctx: ReportContext) -> list[Any]:
    """Effects on the study's other outcomes (table ``other_outcomes``), when the bundle has it:
    a sentence on what they are and whether the cost-benefit analysis values them, and a table."""
    if not ctx.has("other_outcomes"):
        return []
    table = ctx.table("other_outcomes")
    if table.empty:
        return []
    return [
        MarkdownText(
            f"### {ctx.t('Andre utfall', 'Other outcomes')}\n\n"
            + other_outcomes_paragraph(table, lang=ctx.lang)
        ),
        other_outcomes_table(
            table,
            lang=ctx.lang,
            caption=ctx.t(
                "Effekt på andre utfall (prosentpoeng, pp)",
                "Effect on other outcomes (percentage points, pp)",
            ),
        ),
    ]


def reference_sentence(robust: pd.DataFrame | None, *, lang: str = "nb") -> str:
    """Which year the event study compares with, as the series show it.

    TWFE fixes year −1 at zero. The robust series has an estimate at −1 when it used a
    varying base period (each pre-start year against the year before it); with a
    universal base period it is zero there too.
    """
    nb = lang == "nb"
    twfe = (
        "I TWFE-anslaget er år −1 referanseåret (satt til null)."
        if nb
        else "In the TWFE estimate, year −1 is the reference year (set to zero)."
    )
    if robust is None:
        return twfe
    at = robust.loc[robust["event_time"] == -1, "estimate"]
    if at.empty or float(at.iloc[0]) != 0.0:
        return twfe + (
            " Callaway–Sant'Anna sammenligner hvert år før oppstart med året før (varierende "
            "basisperiode), så punktene før oppstart viser endringen fra år til år, og også år "
            "−1 har et anslag; etter oppstart er sammenligningsåret året før oppstart."
            if nb
            else " Callaway–Sant'Anna compares each year before the start with the year before "
            "it (a varying base period), so the points before the start show the change from "
            "year to year and year −1 has an estimate too; after the start the comparison year "
            "is the year before the start."
        )
    return (
        "I begge anslagene er år −1 referanseåret (satt til null)."
        if nb
        else "In both estimates, year −1 is the reference year (set to zero)."
    )


def link_scale_section(ctx: ReportContext) -> list[Any]:
    """On which scale trends are parallel (shares or log-odds), whenever the bundle holds the
    logit-link sensitivity check (table ``bayes_dynamic_logit`` or metadata
    ``sensitivity.bayes_logit_link``); its numbers come from the bundle
    (:mod:`impact.report.link_scale`)."""
    sensitivity = ctx.bundle.metadata.get("sensitivity") or {}
    check = sensitivity.get("bayes_logit_link")
    if not (ctx.has("bayes_dynamic_logit") or check):
        return []
    estimates = ctx.table("estimates") if ctx.has("estimates") else None
    levels = None
    if ctx.has("descriptives"):
        start = first_start(ctx.table("att_gt") if ctx.has("att_gt") else None)
        if start is not None:
            levels = baseline_levels(
                ctx.table("descriptives"), before=start, threshold=ctx.threshold
            )
    outcome = str(ctx.bundle.metadata.get("outcome") or "")
    text = link_scale_paragraph(
        outcome_words=outcome_description(outcome, lang=ctx.lang),
        persons=ctx.study.persons,
        levels=levels,
        estimates=estimates,
        headline=headline_estimate(estimates) if estimates is not None else None,
        logit_passed=bool(check["passed"])
        if isinstance(check, dict) and "passed" in check
        else None,
        has_figure=ctx.has("twfe_event_study"),
        lang=ctx.lang,
    )
    return [MarkdownText(text)]


def sites_section(ctx: ReportContext) -> list[Any]:
    """For whom: site effects from the hierarchical model and the pooled effect."""
    if not ctx.has("site_effects"):
        return []
    sites = ctx.table("site_effects")
    items: list[Any] = [
        MarkdownText(f"## {ctx.t('For hvem virker det?', 'For whom does it work?')}")
    ]
    pooled_mean = None
    if ctx.has("pooled_effect"):
        pooled = ctx.table("pooled_effect")
        first = pooled[pooled["quantity"] == "att"].iloc[0]
        pooled_mean = float(first["estimate"])
        items.append(
            MarkdownText(
                ctx.t(
                    f"Samlet effekt på tvers av stedene: {format_percentage_points(pooled_mean, lang='nb')}, "
                    f"trolig {format_interval(float(first['ci_lower']), float(first['ci_upper']), lang='nb')} "
                    "(95 % troverdighetsintervall med like mye sannsynlighet i hver hale).",
                    f"Pooled effect across sites: {format_percentage_points(pooled_mean, lang='en')}, "
                    f"plausibly {format_interval(float(first['ci_lower']), float(first['ci_upper']), lang='en')} "
                    "(95% equal-tailed credible interval).",
                )
            )
        )
    items.append(
        ctx.caption(
            "Effekt per sted: rå anslag og anslag fra den hierarkiske modellen",
            "Effect by site: raw estimates and estimates from the hierarchical model",
        )
    )
    items.append(
        ctx.figure(
            site_forest_plot(sites, pooled=pooled_mean, lang=ctx.lang, threshold=ctx.threshold),
            alt=(
                "Effekt per sted: rå anslag og anslag fra den hierarkiske modellen, med intervaller",
                "Effect by site: raw estimates and estimates from the hierarchical model, "
                "with intervals",
            ),
        )
    )
    items.append(
        site_effects_table(
            sites,
            lang=ctx.lang,
            threshold=ctx.threshold,
            caption=ctx.t(
                "Effekt per sted (pp; intervallene er 95 % troverdighetsintervaller fra modellen, "
                "med like mye sannsynlighet i hver hale)",
                "Effect by site (pp; the intervals are 95% equal-tailed credible intervals from "
                "the model)",
            ),
        )
    )
    mu = _pooled_draws(ctx)
    if mu is not None:
        items.append(
            ctx.caption(
                "Hvor sikre er vi på den samlede effekten? (skyggelagt: praktisk talt null)",
                "How sure are we about the pooled effect? (shaded: practically zero)",
            )
        )
        items.append(
            ctx.figure(
                pooled_posterior_plot(mu, lang=ctx.lang),
                alt=(
                    "Sannsynlighetsfordelingen for den samlede effekten; området der effekten "
                    "er praktisk talt null, er skyggelagt",
                    "The probability distribution of the pooled effect; the region where the "
                    "effect is practically zero is shaded",
                ),
            )
        )
    return items


def _pooled_draws(ctx: ReportContext) -> np.ndarray | None:
    """Posterior draws of the pooled effect (draws ``pooled_effect``, column ``att``)."""
    if not ctx.bundle.has_draws("pooled_effect"):
        return None
    return ctx.bundle.read_draws("pooled_effect")["att"].to_numpy(float)


def cba_section(ctx: ReportContext) -> list[Any]:
    """Does it pay: appraisal summary, NPV distribution, ledger by payer, tornado."""
    if not ctx.has("appraisal_summary"):
        return []
    items: list[Any] = [MarkdownText(f"## {ctx.t('Lønner det seg?', 'Does it pay?')}")]
    summary = ctx.table("appraisal_summary")
    items.append(
        appraisal_table(
            summary, lang=ctx.lang, caption=ctx.t("Nytte–kostnadsanalyse", "Cost–benefit analysis")
        )
    )
    if ctx.has("cba_persistence"):
        text = persistence_paragraph(ctx.table("cba_persistence"), lang=ctx.lang)
        if text:
            items.append(MarkdownText(text))
    if ctx.bundle.has_draws("npv"):
        npv = ctx.bundle.read_draws("npv")["npv"].to_numpy(float)
        items.append(
            ctx.caption(
                "Netto nåverdi over simuleringene (rødt: programmet taper penger)",
                "Net present value across simulations (red: the programme loses money)",
            )
        )
        items.append(
            ctx.figure(
                npv_distribution_plot(npv, lang=ctx.lang),
                alt=(
                    "Fordelingen av netto nåverdi over simuleringene; tap er vist i rødt",
                    "The distribution of the net present value across simulations; losses in red",
                ),
            )
        )
    if ctx.has("ledger"):
        ledger = ctx.table("ledger")
        items.append(
            ctx.caption(
                "Nåverdi for hver part (blått: vinner, rødt: betaler)",
                "Present value for each party (blue: gains, red: pays)",
            )
        )
        items.append(
            ctx.figure(
                ledger_plot(ledger, lang=ctx.lang),
                alt=(
                    "Nåverdi for hver part: hvem betaler og hvem vinner",
                    "Present value for each party: who pays and who gains",
                ),
            )
        )
        items.append(
            ledger_table(
                ledger,
                lang=ctx.lang,
                caption=ctx.t("Hvem betaler, hvem vinner", "Who pays, who gains"),
            )
        )
    # The payback table is stated in words in the conclusion (impact.report.text).
    if ctx.has("scenarios"):
        items.append(
            scenarios_table(
                ctx.table("scenarios"),
                lang=ctx.lang,
                caption=ctx.t("Andre forutsetninger", "Other assumptions"),
            )
        )
    if ctx.has("plus_minus"):
        items.append(
            plus_minus_table(
                ctx.table("plus_minus"),
                lang=ctx.lang,
                caption=ctx.t(
                    "Virkninger som ikke er prissatt (pluss–minus-metoden)",
                    "Effects not valued in money (plus–minus method)",
                ),
            )
        )
    if ctx.has("tornado"):
        base = summary.loc[summary["quantity"] == "npv", "estimate"]
        items.append(
            ctx.caption(
                "Følsomhet: netto nåverdi når én forutsetning endres om gangen",
                "Sensitivity: net present value when one assumption changes at a time",
            )
        )
        items.append(
            ctx.figure(
                tornado_plot(
                    ctx.table("tornado"),
                    base_npv=float(base.iloc[0]) if not base.empty else None,
                    lang=ctx.lang,
                ),
                alt=(
                    "Netto nåverdi når én forutsetning endres om gangen, fra lav til høy verdi",
                    "Net present value when one assumption changes at a time, from low to "
                    "high value",
                ),
            )
        )
    return items


def sensitivity_section(ctx: ReportContext) -> list[Any]:
    """How robust the effect, and the payoff, are to trends that diverge after the start.

    HonestDiD's breakdown value for a zero effect and, when the bundle holds it, for the
    appraisal's break-even effect (:func:`impact.report.text.honest_npv_sentence`). The
    compared units are the study's (persons or municipalities); "few municipalities per start
    year" is said only where the units are municipalities.
    """
    if not ctx.has("trend_sensitivity"):
        return []
    info = ctx.bundle.metadata.get("trend_sensitivity") or {}
    breakdown = info.get("breakdown")
    who_nb, who_en = ctx.study.units()
    units = not ctx.study.persons
    lines = [f"## {ctx.t('Hvor robust er konklusjonen?', 'How robust is the conclusion?')}", ""]
    lines.append(
        ctx.t(
            f"Metoden forutsetter at {who_nb} med og uten programmet ville hatt samme utvikling "
            "uten programmet (parallelle trender). Det kan ikke testes etter oppstart, men vi "
            "kan spørre hvor store avvik fra dem som skal til før konklusjonen faller: vi lar "
            "avviket per år etter oppstart være en andel av det største år-til-år-avviket vi "
            "ser før oppstart (Rambachan og Roth 2023), og regner ut intervallet for "
            "gjennomsnittet av effektene etter oppstart.",
            f"The method assumes that {who_en} with and without the programme would "
            "have developed alike without it (parallel trends). That cannot be tested after "
            "the start, but we can ask how large a departure it takes before the conclusion "
            "falls: we let the divergence per year after the start be a share of the largest "
            "year-to-year divergence seen before the start (Rambachan and Roth 2023) and "
            "compute the interval for the average effect after the start.",
        )
    )
    lines.append("")
    if breakdown is None:
        lines.append(
            ctx.t(
                "Gjennomsnittet av effektene år for år er ikke sikkert forskjellig fra null "
                "selv om trendene er parallelle.",
                "The average of the year-by-year effects is not clearly different from zero "
                "even if trends are parallel.",
            )
        )
    else:
        share = format_number(100 * float(breakdown), lang=ctx.lang)
        if float(breakdown) >= 1:
            lines.append(
                ctx.t(
                    f"Konklusjonen holder selv om trendene etter oppstart avviker like mye som "
                    f"før oppstart: intervallet omfatter først null når avviket er {share} % av "
                    "det største avviket før oppstart.",
                    f"The conclusion holds even if trends diverge after the start as much as "
                    f"before it: the interval first includes zero when the divergence is "
                    f"{share}% of the largest one before the start.",
                )
            )
        else:
            lines.append(
                ctx.t(
                    f"Konklusjonen er følsom: om trendene etter oppstart avviker med mer enn "
                    f"{share} % av det største år-til-år-avviket før oppstart, kan vi ikke "
                    "lenger utelukke null effekt. Avvikene før oppstart er selv usikre"
                    + (" (få kommuner per oppstartsår)" if units else "")
                    + ", og testen regner dem som mulige reelle avvik; den er derfor streng.",
                    f"The conclusion is sensitive: if trends diverge after the start by more "
                    f"than {share}% of the largest year-to-year divergence before it, a zero "
                    "effect can no longer be ruled out. The divergences before the start are "
                    "themselves uncertain"
                    + (" (few municipalities per start year)" if units else "")
                    + " and the test treats them as possibly real, so it is a strict one.",
                )
            )
    payoff = honest_npv_sentence(info, lang=ctx.lang)
    if payoff:
        lines += [
            "",
            ctx.t(
                "Lønner programmet seg fortsatt om trendene avviker? Vi spør det samme om "
                "effekten som akkurat får programmet til å gå i balanse i nytte-kostnadsanalysen"
                ", med årene etter oppstart vektet som i effekten analysen bruker. ",
                "Does the programme still pay if trends diverge? We ask the same about the "
                "effect at which the programme just breaks even in the cost-benefit analysis, "
                "with the years after the start weighted as in the effect that analysis uses. ",
            )
            + payoff,
        ]
    return [
        MarkdownText("\n".join(lines)),
        trend_sensitivity_table(
            ctx.table("trend_sensitivity"),
            lang=ctx.lang,
            caption=ctx.t(
                "Gjennomsnittlig effekt etter oppstart under ulike antakelser om trendene",
                "Average effect after the start under different assumptions about trends",
            ),
        ),
    ]


def method_section(ctx: ReportContext) -> list[Any]:
    """How the numbers were made: data, seed, version, checks and notes; technical detail
    in an appendix, all in the report's language."""
    meta = ctx.bundle.metadata
    lines = [f"## {ctx.t('Om analysen', 'About the analysis')}", ""]
    if meta.get("synthetic") or meta.get("truth"):
        source = ctx.t(
            f"syntetiske data (scenarioet «{meta.get('scenario')}»)",
            f"synthetic data (the scenario “{meta.get('scenario')}”)",
        )
    else:
        source = ctx.t("registerdata", "register data")
    facts = {
        ctx.t("Datagrunnlag", "Data"): source,
        ctx.t("Utfall", "Outcome"): (
            outcome_description(str(meta["outcome"]), lang=ctx.lang)
            if meta.get("outcome")
            else None
        ),
        ctx.t("Frø for tilfeldige tall", "Random seed"): meta.get("seed"),
        ctx.t("impact-versjon", "impact version"): meta.get("impact_version"),
    }
    lines += [f"- {k}: {v}" for k, v in facts.items() if v is not None]
    for name, value in (meta.get("truth") or {}).items():
        if isinstance(value, int | float):
            lines.append(
                f"- {ctx.t('Sann effekt i de syntetiske dataene', 'True effect in the synthetic data')}"
                f" ({truth_label(name, lang=ctx.lang)}): "
                f"{format_percentage_points(float(value), lang=ctx.lang)}"
            )
    for name, info in (meta.get("diagnostics") or {}).items():
        ok = bool(info.get("passed", True)) if isinstance(info, dict) else True
        status = ctx.t("bestått", "passed") if ok else ctx.t("**ikke bestått**", "**failed**")
        check = check_label(name, lang=ctx.lang)
        lines.append(f"- {check[:1].upper()}{check[1:]}: {status}")
    notes = _notes(ctx, meta.get("warnings") or [])
    for plain in notes:
        lines.append(f"- {ctx.t('Merknad fra analysen', 'Note from the analysis')}: {plain}")
    items: list[Any] = [MarkdownText("\n".join(lines))]
    details = [d for ds in notes.values() for d in ds]
    if details:
        appendix = [
            f"## {ctx.t('Vedlegg: tekniske merknader', 'Appendix: technical notes')}",
            "",
            ctx.t(
                "Meldingene programvaren ga under analysen, med tallene de bygger på.",
                "The messages the software gave during the analysis, with their numbers.",
            ),
            "",
        ]
        appendix += [f"- {d}." for d in dict.fromkeys(details)]
        items.append(MarkdownText("\n".join(appendix)))
    return items


def _notes(ctx: ReportContext, warnings: list[Any]) -> dict[str, list[str]]:
    """Plain-language meaning -> technical details, for impact's warnings in the bundle.

    ``warnings`` holds ``{"category", "message"}`` notes (older bundles: bare strings).
    Messages impact knows are told in the report's language
    (:func:`impact.report.vocabulary.explain_message`); others by their category, their
    text quoted only in English reports.
    """
    notes: dict[str, list[str]] = {}
    for item in warnings:
        if isinstance(item, dict):
            category, message = str(item.get("category", "")), str(item.get("message", ""))
        else:
            category, message = "", str(item)
        known = explain_message(message, lang=ctx.lang)
        if known is not None:
            plain, detail = known
        else:
            plain = warning_label(category, ctx.lang)
            detail = ctx.t(
                "En melding fra programvaren som ikke er oversatt; den står i resultatmappens "
                "metadata.json",
                message.strip().rstrip("."),
            )
        # name the clusters: "Få kommuner ..." where they are municipalities
        clusters = ctx.study.clusters() or ("grupper", "groups")
        for generic, named in (("kommuner eller grupper", clusters[0]),
                               ("municipalities or groups", clusters[1])):  # fmt: skip
            plain, detail = plain.replace(generic, named), detail.replace(generic, named)
        notes.setdefault(plain, []).append(detail)
    return notes
