"""Reader-facing names for the technical keys in bundle tables, in bokmål and English.

The cost-benefit tables name payers (``kommune``, ``stat``, ``participant``), summary
quantities (``npv``, ``benefit_cost_ratio``) and parameters (``completion_wage_premium``)
by key. Reports show words instead; unknown keys fall back to the key with underscores
replaced by spaces, so a new key never breaks a report.
"""

from __future__ import annotations

import re

from impact.plain_language import check_lang, format_count
from impact.report.disclosure import THRESHOLD

PAYERS: dict[str, tuple[str, str]] = {
    "kommune": ("kommunen", "the municipality"),
    "fylkeskommune": ("fylkeskommunen", "the county"),
    "stat": ("staten", "central government"),
    "state": ("staten", "central government"),
    "participant": ("deltakerne", "the participants"),
    "participants": ("deltakerne", "the participants"),
    "rest_of_society": ("resten av samfunnet", "the rest of society"),
    "employer": ("arbeidsgivere", "employers"),
    "public": ("det offentlige", "the public sector"),
    "society": ("samfunnet som helhet", "society as a whole"),
}

QUANTITIES: dict[str, tuple[str, str]] = {
    "npv": ("Netto nåverdi", "Net present value"),
    "npv_deterministic": ("Netto nåverdi (punktanslag)", "Net present value (point estimate)"),
    "pv_benefits": ("Nåverdi av gevinstene", "Present value of benefits"),
    "pv_costs": ("Nåverdi av kostnadene", "Present value of costs"),
    "benefit_cost_ratio": ("Nytte–kostnadsbrøk", "Benefit–cost ratio"),
    "net_benefit_per_participant": ("Netto gevinst per deltaker", "Net benefit per participant"),
    "cost_per_participant": ("Kostnad per deltaker", "Cost per participant"),
    "p_npv_positive": (
        "Sannsynlighet for positiv netto nåverdi",
        "Probability of a positive net present value",
    ),
    "effect_estimate": ("Effekten analysen bygger på (pp)", "Effect used in the appraisal (pp)"),
    "break_even_effect": (
        "Effekt som trengs for å gå i null (pp)",
        "Effect needed to break even (pp)",
    ),
    "p_effect_beneficial": (
        "Sannsynlighet for gunstig effekt",
        "Probability of a favourable effect",
    ),
    "p_effect_above_break_even": (
        "Sannsynlighet for at effekten er stor nok til å lønne seg",
        "Probability that the effect is large enough to pay",
    ),
}

PARAMETERS: dict[str, tuple[str, str]] = {
    "completion_wage_premium": ("Lønnsgevinst av fullført vgs", "Wage premium of completion"),
    "completion_employment_gain": (
        "Sysselsettingsgevinst av fullført vgs",
        "Employment gain of completion",
    ),
    "neet_production_loss": ("Produksjonstap som NEET", "Production loss while NEET"),
    "extra_school_years": ("Ekstra skoleår", "Extra school years"),
    "neet_public_costs": ("Offentlige kostnader som NEET", "Public costs while NEET"),
    "upper_secondary_cost_per_pupil_year": (
        "Kostnad per elevår i vgs",
        "Cost per upper-secondary pupil year",
    ),
    "neet_transfers": ("Overføringer som NEET", "Transfers while NEET"),
    "tax_share_of_labour_cost": ("Skatteandel av lønnskostnad", "Tax share of labour cost"),
    "neet_transfers_share_kommune": (
        "Kommunens andel av overføringene",
        "Municipal share of transfers",
    ),
    "neet_public_costs_share_kommune": (
        "Kommunens andel av offentlige kostnader",
        "Municipal share of public costs",
    ),
    "neet_persistence": ("Hvor lenge NEET-status varer", "Persistence of NEET status"),
    "discount_rate": ("Diskonteringsrente", "Discount rate"),
    "tax_financing_cost": ("Skattefinansieringskostnad", "Tax financing cost"),
    "real_income_growth": ("Årlig realinntektsvekst", "Real income growth per year"),
    "real_income_growth_until": ("Realinntektsvekst til og med år", "Real income growth until"),
    "retirement_age": ("Pensjonsalder", "Retirement age"),
    "max_analysis_period": ("Lengste analyseperiode", "Longest analysis period"),
    "completion_entry_age": ("Alder ved inntreden i arbeidslivet", "Age at entering work"),
    "completion_school_age": ("Alder ved fullført vgs", "Age at completion"),
    "tax_share_kommune": ("Kommunens andel av skatteinntektene", "Municipal share of taxes"),
    "tax_share_fylkeskommune": (
        "Fylkeskommunens andel av skatteinntektene",
        "County share of taxes",
    ),
    "effect_duration": ("Effektens varighet", "Duration of the effect"),
    "employment_labour_cost": (
        "Verdiskaping per sysselsatt (lønnskostnad)",
        "Value added per person employed (labour cost)",
    ),
    "employment_transfers_saved": (
        "Overføringer spart per sysselsatt",
        "Transfers saved per person employed",
    ),
    "employed_persistence": (
        "Hvor lenge sysselsettingseffekten varer",
        "Persistence of the employment effect",
    ),
    "earnings_labour_cost_factor": (
        "Lønnskostnad per krone i lønn",
        "Labour cost per krone of wages",
    ),
    "earnings_persistence": (
        "Hvor lenge inntektseffekten varer",
        "Persistence of the earnings effect",
    ),
}


#: Outcome name -> (nb description, en description, +1 if an increase is good, else -1).
OUTCOMES: dict[str, tuple[str, str, int]] = {
    "completed_vgs": (
        "andelen som fullfører videregående opplæring innen fem år",
        "the share who complete upper secondary school within five years",
        1,
    ),
    "neet": (
        "andelen som verken er i arbeid, utdanning eller opplæring (NEET)",
        "the share not in employment, education or training (NEET)",
        -1,
    ),
    "employed": ("andelen som er i arbeid", "the share in employment", 1),
    "earnings": ("årsinntekten fra arbeid", "annual earnings from work", 1),
}


def _label(table: dict[str, tuple[str, str]], key: object, lang: str) -> str:
    nb, en = table.get(str(key), (str(key).replace("_", " "),) * 2)
    return nb if check_lang(lang) == "nb" else en


def payer_label(payer: object, *, lang: str = "nb", capital: bool = False) -> str:
    """Who pays or gains, in words (``"kommune"`` -> ``"kommunen"`` / ``"the municipality"``).

    ``capital=True`` upper-cases the first letter only (for table cells and axis labels).
    """
    label = _label(PAYERS, payer, lang)
    return label[:1].upper() + label[1:] if capital else label


def quantity_label(quantity: object, *, lang: str = "nb") -> str:
    """A cost-benefit summary quantity in words (``"npv"`` -> ``"Netto nåverdi"``)."""
    return _label(QUANTITIES, quantity, lang)


def parameter_label(parameter: object, *, lang: str = "nb") -> str:
    """A cost-benefit parameter in words, for tornado diagrams."""
    return _label(PARAMETERS, parameter, lang)


WARNINGS: dict[str, tuple[str, str]] = {
    "FewClustersWarning": (
        "Få kommuner eller grupper har fått tiltaket. Vanlige (analytiske) usikkerhetsanslag "
        "kan da bli for optimistiske; rapporten viser derfor også metoder som er laget for få "
        "grupper (wild cluster bootstrap), og metodevalget er kontrollert i en simulering med "
        "like mange grupper.",
        "Few municipalities or groups received the programme. Ordinary (analytic) "
        "uncertainty estimates can then be too optimistic, so the report also shows methods "
        "built for few groups (wild cluster bootstrap), and the choice of method was checked "
        "in a simulation with as many groups.",
    ),
    "DiagnosticsWarning": (
        "Den bayesianske modellen besto ikke alle kontrollene av at beregningen har "
        "konvergert. Tall fra den må leses med forsiktighet.",
        "The Bayesian model did not pass every check that its computation converged. "
        "Read its numbers with care.",
    ),
    "OverlapWarning": (
        "Noen deltakere ligner lite på noen i sammenligningsgruppen (svak overlapp). For dem "
        "hviler anslaget mer på modellens forutsetninger.",
        "Some participants resemble nobody in the comparison group (weak overlap). For them "
        "the estimate rests more on the model's assumptions.",
    ),
}


def warning_label(category: str, lang: str = "nb") -> str:
    """Plain-language meaning of an :mod:`impact.errors` warning class, in ``lang``."""
    nb, en = WARNINGS.get(
        category,
        (
            "Analysen ga en teknisk merknad (se detaljene under).",
            "The analysis raised a technical note (see the details below).",
        ),
    )
    return nb if check_lang(lang) == "nb" else en


# -- cost-benefit scenarios ---------------------------------------------------------------
SCENARIOS: dict[str, tuple[str, str]] = {
    "base": ("Hovedberegningen", "Base case"),
    "discount schedule": ("Diskonteringsrente", "Discount rate"),
    "NEET persistence": ("Varighet av NEET-effekten", "Persistence of the NEET effect"),
    "employment persistence": (
        "Varighet av sysselsettingseffekten",
        "Persistence of the employment effect",
    ),
    "earnings persistence": ("Varighet av inntektseffekten", "Persistence of the earnings effect"),
    "completion persistence": (
        "Varighet av effekten på fullføring",
        "Persistence of the completion effect",
    ),
    "horizon": ("Tidshorisont", "Time horizon"),
}

SETTINGS: dict[str, tuple[str, str]] = {
    "r109": ("R-109, fallende over tid", "R-109, declining over time"),
    "green_book": ("britisk Green Book, fallende over tid", "UK Green Book, declining over time"),
    "none (0)": ("ingen varighet (0)", "none (0)"),
    "permanent (1)": ("varig (1)", "permanent (1)"),
}

_FLAT = re.compile(r"^flat ([\d.]+) ?%$")


def scenario_label(scenario: object, setting: object, *, lang: str = "nb") -> str:
    """One row of the scenarios table in words: ``"Diskonteringsrente: fast 4 %"``."""
    lang = check_lang(lang)
    what = _label(SCENARIOS, scenario, lang)
    flat = _FLAT.match(str(setting))
    if flat:
        rate = _number(flat.group(1), lang)
        value = f"fast {rate}\u00a0%" if lang == "nb" else f"flat {rate}%"
    else:
        value = _label(SETTINGS, setting, lang)
    return f"{what}: {value}"


# -- metadata keys --------------------------------------------------------------------------
#: Aggregations named in ``metadata["truth"]`` (the true effect of a synthetic scenario).
TRUTHS: dict[str, tuple[str, str]] = {
    "simple_unit": ("snitt over kommunene", "mean over municipalities"),
    "simple_person": ("snitt over personene", "mean over persons"),
    "simple": ("snitt", "mean"),
}

#: Checks named in ``metadata["diagnostics"]``.
CHECKS: dict[str, tuple[str, str]] = {
    "hierarchical_did": (
        "konvergenskontrollen av den bayesianske hierarkiske modellen",
        "the convergence check of the Bayesian hierarchical model",
    ),
    "pretrends": ("testen av parallelle trender før oppstart", "the pre-trend test"),
    "pretest": ("testen av parallelle trender før oppstart", "the pre-trend test"),
    "bayes_logit_link": (
        "konvergenskontrollen av den bayesianske modellen med logit-lenke",
        "the convergence check of the Bayesian model with a logit link",
    ),
}

#: Estimators named in warnings (the ``in <estimator>`` of impact's messages).
ESTIMATORS: dict[str, tuple[str, str]] = {
    "event_study": ("TWFE-hendelsesstudien", "the TWFE event study"),
    "twfe": ("TWFE-modellen", "the TWFE model"),
    "att_gt": ("Callaway–Sant'Anna-estimatoren", "the Callaway–Sant'Anna estimator"),
    "imputation": ("imputeringsestimatoren", "the imputation estimator"),
}


def estimator_label(key: object, *, lang: str = "nb") -> str:
    """An estimator key in words, by its prefix (``"att_gt_simple"`` -> Callaway–Sant'Anna)."""
    name = str(key).lower()
    for prefix in sorted(ESTIMATORS, key=len, reverse=True):
        if name.startswith(prefix) or name.startswith(prefix.split("_")[0] + "_" + prefix):
            return _label(ESTIMATORS, prefix, lang)
    if name.startswith("bayes"):
        return "den bayesianske modellen" if check_lang(lang) == "nb" else "the Bayesian model"
    return _label(ESTIMATORS, key, lang)


def truth_label(key: object, *, lang: str = "nb") -> str:
    """Which true effect of a synthetic scenario (``"simple_person"`` -> "snitt over personene")."""
    return _label(TRUTHS, key, lang)


def check_label(name: object, *, lang: str = "nb") -> str:
    """A diagnostic check in words (``"hierarchical_did"`` -> its convergence check)."""
    return _label(CHECKS, name, lang)


def _number(text: str, lang: str) -> str:
    return text.replace(".", ",") if lang == "nb" else text


# -- impact's own warnings and diagnostic reasons, in the report's language -----------------
#: (pattern on impact's English message, plain nb, plain en, technical nb, technical en).
#: The technical detail keeps the numbers and drops the advice to the analyst (API calls).
_MESSAGES: tuple[tuple[re.Pattern[str], str, str, str, str], ...] = (
    (
        re.compile(
            r"(?P<n>\d+) \w+\(s\) of (?P<total>\d+) observed in more than one '[^']*' "
            r"(?P<rule>kept in the municipality of their first period|assigned to the "
            r"municipality of their enrolment period|dropped)"
        ),
        "Noen personer flyttet mellom kommuner i perioden; de er telt i én kommune eller tatt "
        "ut, slik studiespesifikasjonen sier.",
        "Some persons moved between municipalities during the period; they are counted in one "
        "municipality or left out, as the study specification says.",
        "{n} av {total} personer er registrert i mer enn én kommune ({rule})",
        "{n} of {total} persons are registered in more than one municipality ({rule})",
    ),
    (
        re.compile(r"(?P<rows>\d+) row\(s\) with missing '[^']*' read as never enrolled"),
        "Rader uten oppstartsår er lest som aldri deltatt.",
        "Rows without a start year are read as never enrolled.",
        "rader uten oppstartsår er lest som aldri deltatt (0)",
        "rows without a start year read as never enrolled (0)",
    ),
    (
        re.compile(
            r"Only (?P<n>\d+) treated (?P<what>clusters|units)(?: \(column '[^']*'\))? in "
            r"(?P<estimator>\w+)"
        ),
        WARNINGS["FewClustersWarning"][0],
        WARNINGS["FewClustersWarning"][1],
        "Bare {n} kommuner eller grupper med programmet i {estimator}: analytiske "
        "standardfeil er upålitelige med færre enn om lag 30.",
        "Only {n} treated municipalities or groups in {estimator}: analytic standard errors "
        "are unreliable with fewer than about 30.",
    ),
    (
        re.compile(
            r"(?P<share>\d+)% of the (?P<cells>\d+) cells have n p \(1 - p\) < (?P<npq>[\d.]+)"
        ),
        "Mange celler i den bayesianske modellen med identitetslenke er små, så modellens "
        "normaltilnærming er grov der; tallene fra den er en kontroll, ikke hovedanslaget.",
        "Many cells of the Bayesian model with an identity link are small, so its normal "
        "approximation is rough there; its numbers are a cross-check, not the headline.",
        "{share} % av de {cells} cellene har n·p·(1 − p) under {npq}; normaltilnærmingen til "
        "binomialfordelingen er grov i slike celler.",
        "{share}% of the {cells} cells have n·p·(1 − p) below {npq}; the normal approximation "
        "of the binomial is rough in such cells.",
    ),
    (
        re.compile(
            r"the linear probability model fits probabilities outside \[0, 1\] in "
            r"(?P<outside>\d+) of (?P<cells>\d+) cells"
        ),
        "Den lineære sannsynlighetsmodellen gir sannsynligheter utenfor 0–1 i noen celler.",
        "The linear probability model fits probabilities outside 0–1 in some cells.",
        "{outside} av {cells} celler får tilpassede sannsynligheter utenfor [0, 1].",
        "{outside} of {cells} cells get fitted probabilities outside [0, 1].",
    ),
    (
        re.compile(r"only (?P<n>\d+) chain\(s\); R-hat needs at least (?P<m>\d+) chains"),
        WARNINGS["DiagnosticsWarning"][0],
        WARNINGS["DiagnosticsWarning"][1],
        "bare {n} kjeder; R-hat krever minst {m} kjeder",
        "only {n} chains; R-hat needs at least {m} chains",
    ),
    (
        re.compile(r"max R-hat (?P<x>[\d.]+) exceeds (?P<y>[\d.]+)"),
        WARNINGS["DiagnosticsWarning"][0],
        WARNINGS["DiagnosticsWarning"][1],
        "største R-hat er {x}, over målet {y}",
        "the largest R-hat is {x}, above the target {y}",
    ),
    (
        re.compile(r"min (?P<kind>bulk|tail) ESS (?P<x>\d+) is below (?P<y>\d+)"),
        WARNINGS["DiagnosticsWarning"][0],
        WARNINGS["DiagnosticsWarning"][1],
        "minste effektive utvalgsstørrelse ({kind}) er {x}, under målet {y}",
        "the smallest effective sample size ({kind}) is {x}, below the target {y}",
    ),
    (
        re.compile(r"(?P<n>\d+) divergent transitions"),
        WARNINGS["DiagnosticsWarning"][0],
        WARNINGS["DiagnosticsWarning"][1],
        "{n} divergerende overganger i samplingen",
        "{n} divergent transitions in the sampling",
    ),
    (
        re.compile(r"E-BFMI (?P<x>[\d.]+) is below (?P<y>[\d.]+)"),
        WARNINGS["DiagnosticsWarning"][0],
        WARNINGS["DiagnosticsWarning"][1],
        "E-BFMI er {x}, under målet {y}",
        "E-BFMI is {x}, below the target {y}",
    ),
    (
        re.compile(r"PSIS-LOO: (?P<n>\d+) observation\(s\) have Pareto k > (?P<k>[\d.]+)"),
        "Kryssvalideringen (LOO) er upålitelig for noen steder eller celler.",
        "Cross-validation (LOO) is unreliable for some sites or cells.",
        "{n} observasjoner har Pareto k over {k}; LOO-anslaget er upålitelig for dem.",
        "{n} observations have Pareto k above {k}; the LOO estimate is unreliable for them.",
    ),
    (
        re.compile(r"Weak overlap for cohort (?P<g>[\d.]+) \(period (?P<t>[\d.]+)\)"),
        WARNINGS["OverlapWarning"][0],
        WARNINGS["OverlapWarning"][1],
        "Svak overlapp for oppstartskullet {g} (år {t}).",
        "Weak overlap for start cohort {g} (year {t}).",
    ),
    (
        re.compile(r"Cohort\(s\) (?P<cohorts>\[[^\]]*\]) of '[^']*' have a single"),
        "Noen oppstartskull har bare én enhet; anslagene for dem er usikre.",
        "Some start cohorts have a single unit; their estimates are uncertain.",
        "Oppstartskullene {cohorts} har bare én enhet hver.",
        "Start cohorts {cohorts} have a single unit each.",
    ),
    (
        re.compile(r"The panel is unbalanced: dropped (?P<n>\d+) of (?P<total>\d+) units"),
        "Noen enheter er ikke observert alle år og er tatt ut av analysen.",
        "Some units are not observed in every year and were left out.",
        "{n} av {total} enheter er tatt ut fordi de mangler år.",
        "{n} of {total} units were left out because years are missing.",
    ),
)

_KIND = {"bulk": ("midt i fordelingen", "bulk"), "tail": ("i halene", "tail")}


#: How movers were counted, by the last word of the validation note (nb, en).
_MOVER_RULES = {
    "first": (
        "telt i kommunen der de bodde først",
        "counted in the municipality they lived in first",
    ),
    "enrolment": (
        "telt i kommunen der de begynte i programmet",
        "counted in the municipality where they enrolled",
    ),
    "drop": ("tatt ut av analysen", "left out of the analysis"),
}


def explain_message(message: str, *, lang: str = "nb") -> tuple[str, str] | None:
    """A message of impact's own (a warning or a diagnostic reason) in ``lang``.

    Returns ``(plain, technical)``: what it means for a reader, and the technical detail
    with its numbers (no trailing full stop), or None when the message is not one of
    impact's known messages.
    """
    lang = check_lang(lang)
    nb = lang == "nb"
    for pattern, plain_nb, plain_en, detail_nb, detail_en in _MESSAGES:
        match = pattern.search(message)
        if match is None:
            continue
        values = {k: _number(v, lang) for k, v in match.groupdict().items()}
        if "estimator" in values:
            values["estimator"] = _label(ESTIMATORS, values["estimator"], lang)
        if "rule" in values:
            rule = match.group("rule")
            key = "first" if "first" in rule else "enrolment" if "enrolment" in rule else "drop"
            values["rule"] = _MOVER_RULES[key][0 if nb else 1]
            values["total"] = format_count(float(match.group("total")), lang=lang)
            values["n"] = format_count(float(match.group("n")), lang=lang)
            # persons who moved are a count of persons: none below the threshold is shown
            if int(match.group("n")) < THRESHOLD:
                values["n"] = f"færre enn {THRESHOLD}" if nb else f"fewer than {THRESHOLD}"
        if "kind" in values:
            values["kind"] = _KIND[values["kind"]][0 if nb else 1]
        detail = (detail_nb if nb else detail_en).format(**values)
        return (plain_nb if nb else plain_en), detail.rstrip(".")
    return None


#: Units of ``cba_parameters`` (as the parameter file states them) in bokmål.
UNITS: dict[str, str] = {
    "NOK per NEET person-year": "kr per NEET-personår",
    "NOK per NEET person-year (labour cost)": "kr per NEET-personår (lønnskostnad)",
    "NOK per pupil-year": "kr per elevår",
    "NOK per year (labour cost)": "kr per år (lønnskostnad)",
    "age in years": "alder i år",
    "calendar year": "kalenderår",
    "per year": "per år",
    "probability per year": "sannsynlighet per år",
    "school years per completer": "skoleår per person som fullfører",
    "share": "andel",
    "share kept per year": "andel som varer fra år til år",
    "share of labour cost": "andel av lønnskostnaden",
    "share of net change in public budgets": "andel av netto endring i offentlige budsjetter",
    "share of taxes": "andel av skatteinntektene",
    "years": "år",
}


def unit_label(unit: object, *, lang: str = "nb") -> str:
    """A parameter's unit in ``lang`` ("" when bokmål has no entry for it)."""
    text = "" if unit is None or str(unit) == "nan" else str(unit)
    return text if check_lang(lang) == "en" else UNITS.get(text, "")
