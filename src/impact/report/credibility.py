"""Credibility in one place: each check the analysis ran, with one plain sentence on what it
means for the conclusion (issue #15, part 4).

The checks, each read from the bundle (never recomputed here) and left out when the bundle
does not hold it:

- **pre-trend test** (``metadata["pretest"]``): the joint test that every pre-start
  effect is zero, named with its small-sample correction;
- **diverging trends** (``metadata["trend_sensitivity"]``): HonestDiD's breakdown value for
  a zero effect and for the break-even effect (details in the sensitivity section);
- **few clusters** (the ``att_gt_simple_wild`` row of ``estimates``): the wild cluster
  bootstrap interval beside the analytic one;
- **MCMC** (``metadata["diagnostics"]["hierarchical_did"]``): the diagnostics gate (R-hat,
  effective sample size, divergences, E-BFMI);
- **posterior predictive check** and **PSIS-LOO** (``...["hierarchical_did"]["ppc"]`` and
  ``["loo"]``, when the analysis stored them).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from impact.plain_language import format_interval, format_number
from impact.report.document import MarkdownText, ReportContext
from impact.report.study import Study

__all__ = ["credibility_items", "credibility_section"]

#: Pre-test methods in words (nb, en).
_PRETEST = {
    "cohort_hotelling": (
        "Hotellings test per oppstartskull med småutvalgskorreksjon (F-fordeling)",
        "Hotelling's test by start cohort with a small-sample correction (F distribution)",
    ),
    "hotelling": (
        "Hotellings test med småutvalgskorreksjon (F-fordeling)",
        "Hotelling's test with a small-sample correction (F distribution)",
    ),
    "chi2": (
        "Wald-test (kji-kvadrat, uten småutvalgskorreksjon)",
        "Wald test (chi-squared, no small-sample correction)",
    ),
}


def _p(value: float, lang: str) -> str:
    if value < 0.001:
        return "< 0,001" if lang == "nb" else "< 0.001"
    return format_number(value, lang=lang, decimals=3 if value < 0.01 else 2)


def _pretest(ctx: ReportContext, info: dict[str, Any]) -> str | None:
    p = info.get("p_value")
    method = _PRETEST.get(str(info.get("method")), (str(info.get("method")),) * 2)
    name = ctx.t(method[0], method[1])
    if p is None:
        note = str(info.get("note") or "")
        why = (
            ctx.t("for få enheter med programmet per oppstartsår til å anslå testens usikkerhet",
                  "too few units with the programme per start year to estimate the test's "
                  "uncertainty")
            if "treated units" in note
            else ctx.t("for få år før oppstart eller for få enheter",
                       "too few years before the start or too few units")
        )  # fmt: skip
        return ctx.t(
            f"Testen av utviklingen før oppstart ({name}) kunne ikke beregnes ({why}). Vi "
            "bruker ikke en test uten småutvalgskorreksjon i stedet: den forkaster for ofte. "
            "Antakelsen om parallelle trender hviler derfor på anslagene år for år før oppstart "
            "(figuren over) og følsomhetsanalysen.",
            f"The test of the years before the start ({name}) could not be computed ({why}). We "
            "do not fall back on a test without a small-sample correction: it rejects too often. "
            "The parallel-trends assumption then rests on the year-by-year estimates before the "
            "start (the figure above) and the sensitivity analysis.",
        )
    shown = _p(float(p), ctx.lang)
    if float(p) >= 0.05:
        return ctx.t(
            f"Før oppstart finner testen ingen sikre forskjeller i utviklingen mellom gruppene "
            f"(p = {shown}; {name}). Det styrker antakelsen om parallelle trender, men beviser "
            "den ikke: en test med få år og enheter oppdager ikke alle avvik.",
            f"Before the start the test finds no clear difference in how the groups developed "
            f"(p = {shown}; {name}). That supports the parallel-trends assumption but does not "
            "prove it: a test with few years and units does not detect every departure.",
        )
    return ctx.t(
        f"Før oppstart utviklet gruppene seg ulikt (p = {shown}; {name}). Antakelsen om "
        "parallelle trender er da tvilsom, og effekten bør leses sammen med følsomhetsanalysen.",
        f"Before the start the groups developed differently (p = {shown}; {name}). The "
        "parallel-trends assumption is then doubtful, and the effect should be read with the "
        "sensitivity analysis.",
    )


def _trends(ctx: ReportContext, info: dict[str, Any]) -> str | None:
    breakdown = info.get("breakdown")
    if breakdown is None:
        return ctx.t(
            "Selv med parallelle trender er gjennomsnittet av effektene etter oppstart ikke "
            "sikkert forskjellig fra null, så følsomhetsanalysen har ingen grense å finne.",
            "Even with parallel trends the average effect after the start is not clearly "
            "different from zero, so the sensitivity analysis has no limit to find.",
        )
    share = format_number(100 * float(breakdown), lang=ctx.lang)
    sentence = ctx.t(
        f"Konklusjonen om en effekt står seg så lenge trendene etter oppstart ikke avviker mer "
        f"enn {share} % av det største år-til-år-avviket før oppstart",
        f"The conclusion that there is an effect holds as long as trends after the start do "
        f"not diverge by more than {share}% of the largest year-to-year divergence before it",
    )
    pays = info.get("breakeven_breakdown")
    if pays is not None:
        sentence += ctx.t(
            f"; at programmet lønner seg, så lenge avviket er under "
            f"{format_number(100 * float(pays), lang=ctx.lang)} %",
            f"; that it pays off, as long as the divergence stays below "
            f"{format_number(100 * float(pays), lang=ctx.lang)}%",
        )
    return sentence + ctx.t(" (se «Hvor robust er konklusjonen?» over).",
                            " (see “How robust is the conclusion?” above).")  # fmt: skip


def _few_clusters(ctx: ReportContext, estimates: pd.DataFrame) -> str | None:
    rows = estimates.set_index("estimator")
    if "att_gt_simple_wild" not in rows.index:
        return None
    wild = rows.loc["att_gt_simple_wild"]
    lo, hi = float(wild["ci_lower"]), float(wild["ci_upper"])
    meta = ctx.bundle.metadata
    interval = format_interval(lo, hi, lang=ctx.lang)  # 'mellom 1,0 og 7,4 prosentpoeng'
    study = Study.from_metadata(meta)
    words = study.clusters() or ("grupper", "groups")
    # the count of treated clusters: municipalities when they are the units, else the
    # analysis's own count of treated clusters when it stored one
    n = meta.get("n_treated_clusters") or (None if study.persons else meta.get("n_treated_units"))
    few = (
        ctx.t(f"bare {n} {words[0]}", f"only {n} {words[1]}")
        if n
        else ctx.t(f"få {words[0]}", f"few {words[1]}")
    )
    verdict = (
        ctx.t("og det omfatter ikke null", "and it excludes zero")
        if lo > 0 or hi < 0
        else ctx.t(
            "og det omfatter null: effekten er usikrere enn hovedintervallet tilsier",
            "and it includes zero: the effect is less certain than the main interval suggests",
        )  # fmt: skip
    )
    return ctx.t(
        f"Med {few} med programmet kan vanlige klyngerobuste intervaller bli for smale. Et "
        f"intervall fra wild cluster bootstrap, som holder også med få klynger, ligger {interval}, "
        f"{verdict}.",
        f"With {few} taking part, ordinary cluster-robust intervals can be too narrow. An "
        f"interval from a wild cluster bootstrap, which holds with few clusters too, lies "
        f"{interval}, {verdict}.",
    )


def _mcmc(ctx: ReportContext, info: dict[str, Any]) -> str:
    if info.get("passed"):
        rhat = info.get("max_rhat")
        ess = info.get("min_ess_bulk")
        numbers = []
        if rhat is not None:
            numbers.append(f"R-hat ≤ {format_number(float(rhat), lang=ctx.lang, decimals=3)}")
        if ess is not None:
            numbers.append(
                ctx.t(f"minst {format_number(float(ess), lang=ctx.lang)} effektive trekk",
                      f"at least {format_number(float(ess), lang=ctx.lang)} effective draws")
            )  # fmt: skip
        numbers.append(
            ctx.t(f"{info.get('divergences', 0)} divergenser",
                  f"{info.get('divergences', 0)} divergences")
        )  # fmt: skip
        return ctx.t(
            f"Den bayesianske modellen besto kontrollene av samplingen ({', '.join(numbers)}): "
            "kjedene er enige, og tallene fra den kan brukes.",
            f"The Bayesian model passed the sampling checks ({', '.join(numbers)}): the chains "
            "agree, and its numbers can be used.",
        )
    return ctx.t(
        "Den bayesianske modellen besto **ikke** kontrollene av samplingen (se vedlegget): "
        "tallene fra den vises, men konklusjonen bygger ikke på dem.",
        "The Bayesian model did **not** pass the sampling checks (see the appendix): its "
        "numbers are shown, but the conclusion does not rest on them.",
    )


def _ppc(ctx: ReportContext, ppc: list[dict[str, Any]]) -> str | None:
    if not ppc:
        return None
    tails = [row for row in ppc if not 0.05 <= float(row["p_value"]) <= 0.95]
    if not tails:
        return ctx.t(
            f"Data simulert fra modellen ligner de faktiske dataene: ingen av de {len(ppc)} "
            "kontrollstørrelsene (andelen med utfallet blant alle, deltakere og andre, og "
            "spredningen mellom cellene) ligger i halene.",
            f"Data simulated from the model resemble the actual data: none of the {len(ppc)} "
            "test statistics (the share with the outcome among all, participants and others, "
            "and the spread between cells) lies in the tails.",
        )
    return ctx.t(
        f"Data simulert fra modellen avviker fra de faktiske dataene i {len(tails)} av "
        f"{len(ppc)} kontrollstørrelser: modellen fanger ikke alt i dataene, og tallene fra "
        "den bør leses med forsiktighet.",
        f"Data simulated from the model differ from the actual data in {len(tails)} of "
        f"{len(ppc)} test statistics: the model misses something in the data, and its numbers "
        "should be read with care.",
    )


def _loo(ctx: ReportContext, loo: dict[str, Any]) -> str | None:
    if not loo:
        return None
    high = int(loo.get("n_high_k", 0))
    if high == 0:
        return ctx.t(
            "Ingen enkeltceller har uforholdsmessig stor innflytelse på modellen "
            "(PSIS-LOO, Pareto k under 0,7).",
            "No single cell has undue influence on the model (PSIS-LOO, Pareto k below 0.7).",
        )
    return ctx.t(
        f"{high} celler har stor innflytelse på modellen (PSIS-LOO, Pareto k over 0,7): "
        "resultatene kan avhenge mye av dem.",
        f"{high} cells have a large influence on the model (PSIS-LOO, Pareto k above 0.7): "
        "the results may depend heavily on them.",
    )


def credibility_items(ctx: ReportContext) -> list[tuple[str, str]]:
    """(check, sentence) for every check the bundle holds, in the order a reader asks."""
    meta = ctx.bundle.metadata
    items: list[tuple[str, str | None]] = []
    if meta.get("pretest"):
        items.append((ctx.t("Trender før oppstart", "Trends before the start"),
                      _pretest(ctx, meta["pretest"])))  # fmt: skip
    if meta.get("trend_sensitivity"):
        items.append((ctx.t("Avvikende trender", "Diverging trends"),
                      _trends(ctx, meta["trend_sensitivity"])))  # fmt: skip
    if ctx.has("estimates"):
        items.append((ctx.t("Få klynger", "Few clusters"),
                      _few_clusters(ctx, ctx.bundle.read_table("estimates"))))  # fmt: skip
    gate = (meta.get("diagnostics") or {}).get("hierarchical_did")
    if isinstance(gate, dict):
        items.append((ctx.t("Sampling (MCMC)", "Sampling (MCMC)"), _mcmc(ctx, gate)))
        items.append((ctx.t("Modellsjekk", "Model check"), _ppc(ctx, gate.get("ppc") or [])))
        items.append((ctx.t("Innflytelse", "Influence"), _loo(ctx, gate.get("loo") or {})))
    return [(name, text) for name, text in items if text]


def credibility_section(ctx: ReportContext) -> list[Any]:
    """The section: a heading, one line of context, then one sentence per check."""
    items = credibility_items(ctx)
    if not items:
        return []
    lines = [
        f"## {ctx.t('Kan vi stole på resultatet?', 'Can we trust the result?')}",
        "",
        ctx.t(
            "Hver kontroll analysen gjorde, og hva den betyr for konklusjonen:",
            "Each check the analysis ran, and what it means for the conclusion:",
        ),
        "",
    ]
    lines += [f"- **{name}.** {text}" for name, text in items]
    return [MarkdownText("\n".join(lines))]
