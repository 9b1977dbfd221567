"""The appraisal's named assumptions in plain words: how long an effect lasts.

Reads the bundle table ``cba_persistence`` (declared in :mod:`impact.bundle.tables`): one
row per effect on a yearly status, with the assumption, its range, the NPV had the effect
stopped or lasted, and whether the NPV's sign depends on the choice.
"""

from __future__ import annotations

import pandas as pd

from impact.bundle import Bundle
from impact.plain_language import check_lang, format_nok, format_number
from impact.report.vocabulary import OUTCOMES


def _what(outcome: str, lang: str) -> str:
    nb, en, _ = OUTCOMES.get(outcome, (f"«{outcome}»", f'"{outcome}"', 1))
    return nb if lang == "nb" else en


def _rule(row: pd.Series, lang: str) -> str:
    kind = str(row["assumption"])
    nb = lang == "nb"
    if kind == "none":
        return "opphører etter de målte årene" if nb else "stops after the years it was measured"
    if kind == "permanent":
        return (
            "holder seg på nivået fra det siste målte året"
            if nb
            else "stays at its level in the last measured year"
        )
    if kind == "profile":
        return "følger en oppgitt profil" if nb else "follows a stated profile"
    rate = format_number(float(row["rate"]), lang=lang, decimals=2)
    text = (
        f"avtar med faktoren {rate} per år etter de målte årene"
        if nb
        else f"shrinks by a factor of {rate} a year after the measured years"
    )
    if pd.notna(row["low"]) and pd.notna(row["high"]) and row["low"] != row["high"]:
        low = format_number(float(row["low"]), lang=lang, decimals=2)
        high = format_number(float(row["high"]), lang=lang, decimals=2)
        text += (
            f" (mellom {low} og {high} i usikkerhetsberegningen)"
            if nb
            else f" (between {low} and {high} in the uncertainty analysis)"
        )
    return text


def persistence_paragraph(table: pd.DataFrame, *, lang: str = "nb") -> str:
    """How long each effect is assumed to last, what the NPV would be had it stopped or
    lasted, and a warning when the NPV's sign depends on the assumption ("" if no rows)."""
    lang = check_lang(lang)
    nb = lang == "nb"
    sentences = []
    for _, row in table.iterrows():
        years = f"{int(row['measured_from'])}–{int(row['measured_to'])}"
        what = _what(str(row["outcome"]), lang)
        none = format_nok(float(row["npv_none"]), lang=lang)
        permanent = format_nok(float(row["npv_permanent"]), lang=lang)
        if nb:
            sentences.append(
                f"Effekten på {what} er målt i år {years} etter oppstart; vi antar at den "
                f"{_rule(row, lang)}. Hadde effekten stoppet, ville netto nåverdi vært {none}; "
                f"hadde den vart, {permanent}."
            )
        else:
            sentences.append(
                f"The effect on {what} is measured in years {years} after the start; we assume "
                f"it {_rule(row, lang)}. Had the effect stopped, the net present value would "
                f"be {none}; had it lasted, {permanent}."
            )
        if bool(row["sign_depends"]):
            sentences.append(depends_sentence(lang=lang))
    return " ".join(sentences)


def sign_depends_on_persistence(bundle: Bundle) -> bool:
    """Whether the bundle's appraisal says its NPV's sign depends on how long an effect lasts
    (any ``sign_depends`` row of ``cba_persistence``; False without the table)."""
    if not bundle.has_table("cba_persistence"):
        return False
    return bool(bundle.read_table("cba_persistence")["sign_depends"].any())


def depends_sentence(*, lang: str = "nb", bold: bool = True) -> str:
    """The one warning: whether the programme pays off depends on how long the effect lasts
    (``bold``: the lead word in Markdown bold; plain text for the key-figures panel)."""
    nb = check_lang(lang) == "nb"
    lead = "Merk:" if nb else "Note:"
    lead = f"**{lead}**" if bold else lead
    if nb:
        return (
            f"{lead} Om programmet lønner seg, avhenger av hvor lenge effekten varer – en "
            "antakelse dataene ikke kan avgjøre."
        )
    return (
        f"{lead} Whether the programme pays off depends on how long the effect lasts – an "
        "assumption the data cannot settle."
    )


__all__ = ["depends_sentence", "persistence_paragraph", "sign_depends_on_persistence"]
