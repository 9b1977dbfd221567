"""Plain-language numbers and verdicts for funders, in bokmål (``nb``) and English (``en``).

The one home of how :mod:`impact` writes a number or a verdict in words: :mod:`impact.cba`
(``Appraisal.headline``, ``Appraisal.summary``) and :mod:`impact.report` (tables, figures,
the conclusion) both call it, so a krone amount or "does it pay?" reads the same in the
console, in the bundle and in the report. It sits below both (standard library and pandas
only) so that neither imports the other.

Numbers
    Bokmål uses a decimal comma, a non-breaking space as the thousands separator,
    "prosentpoeng" for differences of percentages, a space before the percent sign and
    "kr" for kroner; English a decimal point, a comma as thousands separator,
    "percentage points" and "NOK". Both use a proper minus sign (U+2212) and a
    non-breaking space inside a number and its unit. Amounts of a billion kroner or more
    are written in billions ("2,5 mrd. kr", "NOK 2.5 billion"), of a million or more in
    millions, smaller ones in whole kroner.

Verdicts
    Whether a programme pays for society is graded by P(NPV > 0), the share of Monte Carlo
    draws in which the net present value is positive (:data:`PAYS_OFF_AT`,
    :data:`DOES_NOT_PAY_OFF_AT`): at least 0.9 "pays off", at most 0.1 "does not pay
    off", in between "uncertain". Why 0.9: it is the bar the report already sets for "a
    favourable effect" at a site (at least 90 % probability), it is the calibrated meaning
    of "very likely" (IPCC AR6, 90-100 %), which is what the sentence then says, and below
    it a funder would be told "it pays" while more than one chance in ten remains of
    losing money; symmetric for "does not pay off". The expected NPV and its interval are
    stated in the same sentence, so a risk-neutral reader still sees the mean.
    :func:`payoff_summary` returns the verdict as a table row and a sentence together (as
    CausalPy's ``effect_summary`` does).

Examples
--------
>>> format_number(1234567.891, lang="nb", decimals=1)
'1\\xa0234\\xa0567,9'
>>> format_nok(2.5e9, lang="nb")
'2,5\\xa0mrd.\\xa0kr'
>>> payoff_summary(npv=4.2e6, ci_lower=-1e6, ci_upper=9e6, prob_positive=0.6,
...                programme="Flyt", lang="en").verdict
'uncertain'
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from impact.errors import DataError

__all__ = [
    "DOES_NOT_PAY_OFF_AT",
    "LANGS",
    "MINUS",
    "NBSP",
    "PAYS_OFF_AT",
    "VERDICTS",
    "Lang",
    "PayoffSummary",
    "Verdict",
    "check_lang",
    "format_count",
    "format_interval",
    "format_nok",
    "format_number",
    "format_percent",
    "format_percentage_points",
    "format_probability",
    "nok_scale",
    "payoff_summary",
    "payoff_verdict",
]

Lang = Literal["nb", "en"]
LANGS: tuple[str, ...] = ("nb", "en")

#: Non-breaking space: keeps "1 234" and "5 %" on one line in HTML and PDF.
NBSP = "\u00a0"
#: Proper minus sign, as typeset reports use.
MINUS = "\u2212"
_DASH = "\u2013"

#: P(NPV > 0) at or above which a programme "pays off" for society ("very likely").
PAYS_OFF_AT = 0.9
#: P(NPV > 0) at or below which a programme "does not pay off" ("very likely not").
DOES_NOT_PAY_OFF_AT = 0.1

Verdict = Literal["pays_off", "uncertain", "does_not_pay_off"]
#: The three verdicts, best first.
VERDICTS: tuple[str, ...] = ("pays_off", "uncertain", "does_not_pay_off")

#: Short labels of the verdicts, for a table cell.
_LABELS: dict[str, dict[str, str]] = {
    "nb": {
        "pays_off": "lønnsom",
        "uncertain": "usikkert",
        "does_not_pay_off": "ikke lønnsom",
    },
    "en": {
        "pays_off": "pays off",
        "uncertain": "uncertain",
        "does_not_pay_off": "does not pay off",
    },
}


def check_lang(lang: str) -> Lang:
    """Return ``lang`` if it is a supported language, else raise :class:`DataError`."""
    if lang not in LANGS:
        raise DataError(f"Language lang={lang!r} is not supported; use one of {LANGS}.")
    return lang  # type: ignore[return-value]


def _missing(value: Any) -> bool:
    if value is None:
        return True
    try:
        return not math.isfinite(float(value))
    except (TypeError, ValueError):
        return True


# -- numbers ----------------------------------------------------------------------------------
def format_number(value: float, *, lang: str = "nb", decimals: int = 0) -> str:
    """Format ``value`` with ``decimals`` decimals and the thousands separator of ``lang``.

    Missing or non-finite values (``None``, NaN, inf) are shown as an en dash; a value that
    rounds to zero gets no minus sign.
    """
    check_lang(lang)
    if _missing(value):
        return _DASH
    text = f"{abs(float(value)):,.{decimals}f}"
    if lang == "nb":
        text = text.replace(",", NBSP).replace(".", ",")
    negative = float(value) < 0 and float(text.replace(NBSP, "").replace(",", ".")) != 0
    return (MINUS if negative else "") + text


def format_count(value: float, *, lang: str = "nb") -> str:
    """Format a whole count, e.g. ``12 345`` (nb) or ``12,345`` (en)."""
    return format_number(value, lang=lang, decimals=0)


def format_percent(share: float, *, lang: str = "nb", decimals: int = 1) -> str:
    """A share on the 0-1 scale as a percentage: ``0.8`` -> ``80,0 %`` (nb), ``80.0%`` (en)."""
    number = format_number(100 * share, lang=lang, decimals=decimals)
    return f"{number}{NBSP}%" if lang == "nb" else f"{number}%"


def format_percentage_points(
    difference: float, *, lang: str = "nb", decimals: int = 1, unit: bool = True
) -> str:
    """A risk difference on the 0-1 scale in percentage points.

    ``0.0425`` -> ``4,3 prosentpoeng`` (nb) or ``4.3 percentage points`` (en).
    """
    number = format_number(100 * difference, lang=lang, decimals=decimals)
    if not unit:
        return number
    return f"{number}{NBSP}{'prosentpoeng' if lang == 'nb' else 'percentage points'}"


_NOK_SCALES: dict[str, tuple[float, str, str]] = {
    "billions": (1e9, f"mrd.{NBSP}kr", "billion"),
    "millions": (1e6, f"mill.{NBSP}kr", "million"),
}


def nok_scale(*amounts: float) -> str:
    """The common scale of amounts shown together: ``"billions"``, ``"millions"`` or ``"kroner"``.

    Set by the largest finite amount: a billion or more, a million or more, or less.
    """
    finite = [abs(float(a)) for a in amounts if not _missing(a)]
    largest = max(finite, default=0.0)
    if largest >= 1e9:
        return "billions"
    return "millions" if largest >= 1e6 else "kroner"


def format_nok(amount: float, *, lang: str = "nb", scale: str = "auto") -> str:
    """An amount of Norwegian kroner in words a funder reads.

    ``scale="auto"`` picks :func:`nok_scale` of the amount: ``2,5 mrd. kr`` / ``NOK 2.5
    billion``, ``12,3 mill. kr`` / ``NOK 12.3 million`` (one decimal), ``45 000 kr`` /
    ``NOK 45,000`` (whole kroner). ``scale`` may also be ``"billions"``, ``"millions"`` or
    ``"kroner"`` (to show several amounts on one scale). Missing values are an en dash.
    """
    check_lang(lang)
    if _missing(amount):
        return _DASH
    if scale == "auto":
        scale = nok_scale(amount)
    if scale in _NOK_SCALES:
        size, nb_unit, en_unit = _NOK_SCALES[scale]
        number = format_number(float(amount) / size, lang=lang, decimals=1)
        return f"{number}{NBSP}{nb_unit}" if lang == "nb" else f"NOK{NBSP}{number} {en_unit}"
    if scale != "kroner":
        raise DataError(
            f"format_nok scale={scale!r} is unknown; use 'auto', 'billions', 'millions' or "
            "'kroner'."
        )
    number = format_number(amount, lang=lang, decimals=0)
    return f"{number}{NBSP}kr" if lang == "nb" else f"NOK{NBSP}{number}"


def format_interval(
    lower: float, upper: float, *, lang: str = "nb", kind: str = "pp", decimals: int = 1
) -> str:
    """An interval in words: ``mellom 1,0 og 7,4 prosentpoeng`` / ``between 1.0 and 7.4 ...``.

    ``kind`` is ``"pp"`` (percentage points), ``"nok"`` (both ends on one scale) or
    ``"number"``.
    """
    if kind == "pp":
        low = format_percentage_points(lower, lang=lang, decimals=decimals, unit=False)
        high = format_percentage_points(upper, lang=lang, decimals=decimals)
    elif kind == "nok":
        scale = nok_scale(lower, upper)
        low = format_nok(lower, lang=lang, scale=scale)
        high = format_nok(upper, lang=lang, scale=scale)
    elif kind == "number":
        low = format_number(lower, lang=lang, decimals=decimals)
        high = format_number(upper, lang=lang, decimals=decimals)
    else:
        raise DataError(f"format_interval kind={kind!r} is unknown; use 'pp', 'nok' or 'number'.")
    return f"mellom {low} og {high}" if lang == "nb" else f"between {low} and {high}"


def format_probability(probability: float, *, lang: str = "nb") -> str:
    """A probability as a whole percentage (``0.873`` -> ``87 %``), capped at ``>99 %``/``<1 %``."""
    check_lang(lang)
    if _missing(probability):
        return _DASH
    if probability > 0.99:
        text = ">99"
    elif probability < 0.01:
        text = "<1"
    else:
        text = format_number(100 * probability, lang=lang, decimals=0)
    return f"{text}{NBSP}%" if lang == "nb" else f"{text}%"


# -- verdicts ---------------------------------------------------------------------------------
def payoff_verdict(prob_positive: float | None) -> Verdict:
    """``"pays_off"``, ``"uncertain"`` or ``"does_not_pay_off"`` from P(NPV > 0).

    At or above :data:`PAYS_OFF_AT` (0.9) it pays off, at or below
    :data:`DOES_NOT_PAY_OFF_AT` (0.1) it does not; in between, and when the probability is
    unknown (``None``/NaN), it is uncertain.
    """
    if _missing(prob_positive):
        return "uncertain"
    p = float(prob_positive)  # type: ignore[arg-type]
    if not 0 <= p <= 1:
        raise DataError(f"P(NPV > 0) = {p!r} is not a probability; pass a number in [0, 1].")
    if p >= PAYS_OFF_AT:
        return "pays_off"
    if p <= DOES_NOT_PAY_OFF_AT:
        return "does_not_pay_off"
    return "uncertain"


@dataclass(frozen=True)
class PayoffSummary:
    """Does the programme pay for society: one table row and one paragraph, in one language.

    Attributes
    ----------
    verdict
        ``"pays_off"``, ``"uncertain"`` or ``"does_not_pay_off"`` (:func:`payoff_verdict`).
    label
        The verdict in a few words of ``lang`` (for a table cell).
    text
        The sentences: verdict, expected NPV with its interval, P(NPV > 0) and, when known,
        the benefit-cost ratio.
    programme, npv, ci_lower, ci_upper, level, prob_positive, bcr, lang
        The inputs (amounts in NOK; ``level`` is the interval's coverage).
    """

    verdict: Verdict
    label: str
    text: str
    programme: str
    npv: float
    ci_lower: float
    ci_upper: float
    level: float
    prob_positive: float | None
    bcr: float | None
    lang: Lang

    def row(self) -> dict[str, Any]:
        """The table row: ``programme, verdict, label, npv, ci_lower, ci_upper, level,
        p_npv_positive, benefit_cost_ratio, text``."""
        return {
            "programme": self.programme,
            "verdict": self.verdict,
            "label": self.label,
            "npv": self.npv,
            "ci_lower": self.ci_lower,
            "ci_upper": self.ci_upper,
            "level": self.level,
            "p_npv_positive": float("nan") if self.prob_positive is None else self.prob_positive,
            "benefit_cost_ratio": float("nan") if self.bcr is None else self.bcr,
            "text": self.text,
        }

    def to_frame(self) -> pd.DataFrame:
        """:meth:`row` as a one-row DataFrame."""
        return pd.DataFrame([self.row()])

    def __str__(self) -> str:
        return self.text


def _opening(verdict: str, name: str | None, lang: str) -> str:
    if lang == "nb":
        who = name or "programmet"
        if verdict == "pays_off":
            return f"{who[:1].upper()}{who[1:]} er med stor sannsynlighet samfunnsøkonomisk lønnsom"
        if verdict == "does_not_pay_off":
            return (
                f"{who[:1].upper()}{who[1:]} er med stor sannsynlighet ikke samfunnsøkonomisk "
                "lønnsom"
            )
        return f"Det er usikkert om {who} er samfunnsøkonomisk lønnsom"
    who = name or "the programme"
    if verdict == "pays_off":
        return f"{who[:1].upper()}{who[1:]} very likely pays off for society"
    if verdict == "does_not_pay_off":
        return f"{who[:1].upper()}{who[1:]} very likely does not pay off for society"
    return f"It is uncertain whether {who} pays off for society"


def payoff_summary(
    *,
    npv: float,
    ci_lower: float = float("nan"),
    ci_upper: float = float("nan"),
    prob_positive: float | None,
    bcr: float | None = None,
    programme: str | None = None,
    level: float = 0.95,
    lang: str = "nb",
) -> PayoffSummary:
    """The verdict on whether a programme pays for society, as a row and a paragraph.

    Parameters
    ----------
    npv
        Expected societal net present value (NOK).
    ci_lower, ci_upper
        Its interval at ``level`` (omitted from the text when missing).
    prob_positive
        P(NPV > 0); grades the verdict (:func:`payoff_verdict`). ``None`` when unknown: the
        verdict is then "uncertain" and the text gives no probability.
    bcr
        Benefit-cost ratio; a sentence "each krone returns ..." when finite.
    programme
        The programme's name (default "programmet" / "the programme").
    level
        Coverage of the interval (0.95 gives "95 %-intervall" / "95% interval").
    lang
        ``"nb"`` (bokmål, default) or ``"en"``.

    Returns
    -------
    PayoffSummary
        ``.text`` the paragraph, ``.row()`` / ``.to_frame()`` the table row.

    Examples
    --------
    >>> s = payoff_summary(npv=2.5e9, ci_lower=4e8, ci_upper=4.8e9, prob_positive=0.97,
    ...                    bcr=2.1, programme="Flyt", lang="en")
    >>> s.verdict, s.label
    ('pays_off', 'pays off')
    >>> s.text.split(":")[0]
    'Flyt very likely pays off for society'
    """
    lang = check_lang(lang)
    verdict = payoff_verdict(prob_positive)
    name = programme or None
    nb = lang == "nb"
    text = _opening(verdict, name, lang) + (
        f": forventet netto nåverdi er {format_nok(npv, lang=lang)}"
        if nb
        else f": the expected net present value is {format_nok(npv, lang=lang)}"
    )
    if not (_missing(ci_lower) or _missing(ci_upper)):
        pct = format_number(100 * level, lang=lang, decimals=0 if 100 * level % 1 == 0 else 1)
        interval = format_interval(ci_lower, ci_upper, lang=lang, kind="nok")
        text += (
            f" ({pct}{NBSP}%-intervall: {interval})" if nb else f" ({pct}% interval: {interval})"
        )
    text += "."
    if not _missing(prob_positive):
        p = format_probability(float(prob_positive), lang=lang)  # type: ignore[arg-type]
        text += (
            f" Sannsynligheten for at nytten er større enn kostnadene, er {p}."
            if nb
            else f" The probability that benefits exceed costs is {p}."
        )
    if not _missing(bcr):
        ratio = format_number(float(bcr), lang=lang, decimals=1)  # type: ignore[arg-type]
        text += (
            f" Hver krone programmet koster, gir {ratio} kroner i nytte."
            if nb
            else f" Each krone the programme costs returns {ratio} kroner in benefits."
        )
    return PayoffSummary(
        verdict=verdict,
        label=_LABELS[lang][verdict],
        text=text,
        programme=programme or "",
        npv=float(npv),
        ci_lower=float(ci_lower),
        ci_upper=float(ci_upper),
        level=float(level),
        prob_positive=None if _missing(prob_positive) else float(prob_positive),  # type: ignore[arg-type]
        bcr=None if _missing(bcr) else float(bcr),  # type: ignore[arg-type]
        lang=lang,
    )
