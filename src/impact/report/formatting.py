"""Numbers formatted the way a Norwegian (``nb``) or English (``en``) reader expects.

Norwegian bokmål (the default) uses a decimal comma, a (non-breaking) space as the
thousands separator, "prosentpoeng" for differences of percentages, a space before the
percent sign and "kr" for kroner. English uses a decimal point, a comma as thousands
separator, "percentage points" and "NOK".

Examples
--------
>>> format_number(1234567.891, lang="nb", decimals=1)
'1\\xa0234\\xa0567,9'
>>> format_percentage_points(0.0437, lang="en")
'4.4\\xa0percentage points'
"""

from __future__ import annotations

import math
from typing import Literal

from impact.errors import DataError

Lang = Literal["nb", "en"]
LANGS: tuple[str, ...] = ("nb", "en")

#: Non-breaking space: keeps "1 234" and "5 %" on one line in HTML and PDF.
NBSP = "\u00a0"
#: Proper minus sign, as typeset reports use.
MINUS = "\u2212"


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if it is a supported report language, else raise :class:`DataError`."""
    if lang not in LANGS:
        raise DataError(f"Report language lang={lang!r} is not supported; use one of {LANGS}.")
    return lang  # type: ignore[return-value]


def format_number(value: float, *, lang: str = "nb", decimals: int = 0) -> str:
    """Format ``value`` with ``decimals`` decimals and the thousands separator of ``lang``.

    Missing values (``None``/NaN) are shown as an en dash.
    """
    check_lang(lang)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    text = f"{abs(float(value)):,.{decimals}f}"
    if lang == "nb":
        text = text.replace(",", NBSP).replace(".", ",")
    negative = float(value) < 0 and float(text.replace(NBSP, "").replace(",", ".")) != 0
    return (MINUS if negative else "") + text


def format_count(value: float, *, lang: str = "nb") -> str:
    """Format a whole count, e.g. ``12 345`` (nb) or ``12,345`` (en)."""
    return format_number(value, lang=lang, decimals=0)


def format_percent(share: float, *, lang: str = "nb", decimals: int = 1) -> str:
    """Format a share on the 0-1 scale as a percentage: ``0.8`` -> ``80,0 %`` (nb), ``80.0%`` (en)."""
    number = format_number(100 * share, lang=lang, decimals=decimals)
    return f"{number}{NBSP}%" if lang == "nb" else f"{number}%"


def format_percentage_points(
    difference: float, *, lang: str = "nb", decimals: int = 1, unit: bool = True
) -> str:
    """Format a risk difference on the 0-1 scale in percentage points.

    ``0.0425`` -> ``4,3 prosentpoeng`` (nb) or ``4.3 percentage points`` (en).
    """
    number = format_number(100 * difference, lang=lang, decimals=decimals)
    if not unit:
        return number
    return f"{number}{NBSP}{'prosentpoeng' if lang == 'nb' else 'percentage points'}"


def format_nok(amount: float, *, lang: str = "nb", scale: str = "auto") -> str:
    """Format an amount in Norwegian kroner.

    ``scale="auto"`` writes amounts of a million or more in millions (``12,3 mill. kr`` /
    ``NOK 12.3 million``); smaller amounts in whole kroner (``45 000 kr`` / ``NOK 45,000``).
    """
    if amount is None or (isinstance(amount, float) and math.isnan(amount)):
        return "\u2013"
    millions = scale == "millions" or (scale == "auto" and abs(amount) >= 1e6)
    if millions:
        number = format_number(amount / 1e6, lang=lang, decimals=1)
        return f"{number}{NBSP}mill.{NBSP}kr" if lang == "nb" else f"NOK{NBSP}{number} million"
    number = format_number(amount, lang=lang, decimals=0)
    return f"{number}{NBSP}kr" if lang == "nb" else f"NOK{NBSP}{number}"


def nok_scale(*amounts: float) -> str:
    """The common scale for amounts shown together: ``"millions"`` if any is >= 1 million."""
    finite = [abs(float(a)) for a in amounts if a is not None and not math.isnan(float(a))]
    return "millions" if finite and max(finite) >= 1e6 else "kroner"


def format_interval(
    lower: float, upper: float, *, lang: str = "nb", kind: str = "pp", decimals: int = 1
) -> str:
    """Format an interval in words: ``mellom 1,0 og 7,4 prosentpoeng`` / ``between 1.0 and 7.4 ...``.

    ``kind`` is ``"pp"`` (percentage points), ``"nok"`` or ``"number"``.
    """
    if kind == "pp":
        low = format_percentage_points(lower, lang=lang, decimals=decimals, unit=False)
        high = format_percentage_points(upper, lang=lang, decimals=decimals)
    elif kind == "nok":
        scale = nok_scale(lower, upper)
        low, high = (
            format_nok(lower, lang=lang, scale=scale),
            format_nok(upper, lang=lang, scale=scale),
        )
    elif kind == "number":
        low = format_number(lower, lang=lang, decimals=decimals)
        high = format_number(upper, lang=lang, decimals=decimals)
    else:
        raise DataError(f"format_interval kind={kind!r} is unknown; use 'pp', 'nok' or 'number'.")
    return f"mellom {low} og {high}" if lang == "nb" else f"between {low} and {high}"


def format_probability(probability: float, *, lang: str = "nb") -> str:
    """Format a probability as a whole percentage (``0.873`` -> ``87 %``), capped at ``>99 %``."""
    if probability > 0.99:
        text = ">99"
    elif probability < 0.01:
        text = "<1"
    else:
        text = format_number(100 * probability, lang=lang, decimals=0)
    return f"{text}{NBSP}%" if lang == "nb" else f"{text}%"
