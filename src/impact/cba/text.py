"""Plain-language numbers for funders: Norwegian (bokmål) and English formatting."""

from __future__ import annotations

import math
from typing import Literal

Lang = Literal["nb", "en"]


def format_number(x: float, *, decimals: int = 0, lang: Lang = "nb") -> str:
    """``1234567.8`` -> ``"1 234 568"`` (nb: space for thousands, decimal comma) or ``"1,234,568"``."""
    if not math.isfinite(x):
        return "–"
    text = f"{x:,.{decimals}f}"
    if lang == "nb":
        text = text.replace(",", " ").replace(".", ",")
        if text.startswith("-"):
            text = "−" + text[1:]
    return text


def format_nok(x: float, *, lang: Lang = "nb") -> str:
    """An amount of kroner in words a funder reads: ``"12,3 mill. kr"`` / ``"NOK 12.3 million"``."""
    if not math.isfinite(x):
        return "–"
    size = abs(x)
    if size >= 1e9:
        value, nb_unit, en_unit = x / 1e9, "mrd. kr", "billion"
    elif size >= 1e6:
        value, nb_unit, en_unit = x / 1e6, "mill. kr", "million"
    else:
        if lang == "nb":
            return f"{format_number(x, lang='nb')} kr"
        return f"NOK {format_number(x, lang='en')}"
    if lang == "nb":
        return f"{format_number(value, decimals=1, lang='nb')} {nb_unit}"
    return f"NOK {format_number(value, decimals=1, lang='en')} {en_unit}"


def format_share(p: float, *, lang: Lang = "nb") -> str:
    """``0.834`` -> ``"83 %"``."""
    return f"{format_number(100 * p, lang=lang)} %"


def headline(
    *,
    name: str,
    npv: float,
    lower: float,
    upper: float,
    prob_positive: float,
    bcr: float,
    lang: Lang = "nb",
) -> str:
    """One or two sentences on whether the programme pays for society.

    The verdict follows P(NPV > 0): "likely" at 0.8 or more, "likely not" at 0.2 or less,
    otherwise "uncertain".
    """
    if lang not in ("nb", "en"):
        raise ValueError(f"lang={lang!r}; use 'nb' (bokmål) or 'en'.")
    if lang == "nb":
        if prob_positive >= 0.8:
            opening = f"{name} er trolig samfunnsøkonomisk lønnsom"
        elif prob_positive <= 0.2:
            opening = f"{name} er trolig ikke samfunnsøkonomisk lønnsom"
        else:
            opening = f"Det er usikkert om {name} er samfunnsøkonomisk lønnsom"
        text = (
            f"{opening}: forventet netto nåverdi er "
            f"{format_nok(npv)} (95 % usikkerhetsintervall {format_nok(lower)} til "
            f"{format_nok(upper)}), og sannsynligheten for at nytten er større enn kostnadene "
            f"er {format_share(prob_positive)}."
        )
        if math.isfinite(bcr):
            text += f" Hver krone programmet koster, gir {format_number(bcr, decimals=1)} kroner i nytte."
        return text
    if prob_positive >= 0.8:
        opening = f"{name} most likely pays off for society"
    elif prob_positive <= 0.2:
        opening = f"{name} most likely does not pay off for society"
    else:
        opening = f"It is uncertain whether {name} pays off for society"
    text = (
        f"{opening}: the expected net present value is "
        f"{format_nok(npv, lang='en')} (95 % interval {format_nok(lower, lang='en')} to "
        f"{format_nok(upper, lang='en')}), and the chance that benefits exceed costs is "
        f"{format_share(prob_positive, lang='en')}."
    )
    if math.isfinite(bcr):
        text += f" Each krone the programme costs returns {format_number(bcr, decimals=1, lang='en')} kroner in benefits."
    return text


__all__ = ["format_nok", "format_number", "format_share", "headline"]
