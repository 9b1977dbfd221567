"""Reader-facing names for the technical keys in bundle tables, in bokmål and English.

The cost-benefit tables name payers (``kommune``, ``stat``, ``participant``), summary
quantities (``npv``, ``benefit_cost_ratio``) and parameters (``completion_wage_premium``)
by key. Reports show words instead; unknown keys fall back to the key with underscores
replaced by spaces, so a new key never breaks a report.
"""

from __future__ import annotations

from impact.plain_language import check_lang

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
    "effect_duration": ("Effektens varighet", "Duration of the effect"),
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
