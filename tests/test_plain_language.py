"""impact.plain_language: numbers and verdicts as Norwegian and English readers read them."""

from __future__ import annotations

import pytest

import impact.report.formatting
from impact import plain_language
from impact.errors import DataError
from impact.plain_language import (
    DOES_NOT_PAY_OFF_AT,
    MINUS,
    NBSP,
    PAYS_OFF_AT,
    format_count,
    format_interval,
    format_nok,
    format_number,
    format_percent,
    format_percentage_points,
    format_probability,
    nok_scale,
    payoff_summary,
    payoff_verdict,
)


def test_norwegian_uses_decimal_comma_and_space_thousands() -> None:
    assert format_number(1234567.891, lang="nb", decimals=1) == f"1{NBSP}234{NBSP}567,9"
    assert format_number(1234567.891, lang="en", decimals=1) == "1,234,567.9"
    assert format_count(61234, lang="nb") == f"61{NBSP}234"


def test_negative_numbers_use_a_minus_sign_but_not_for_rounded_zero() -> None:
    assert format_number(-1.5, lang="nb", decimals=1) == f"{MINUS}1,5"
    assert format_number(-0.0001, lang="nb", decimals=1) == "0,0"


def test_percentage_points_and_percent() -> None:
    assert format_percentage_points(0.0437, lang="nb") == f"4,4{NBSP}prosentpoeng"
    assert format_percentage_points(0.0437, lang="en") == f"4.4{NBSP}percentage points"
    assert format_percent(0.8, lang="nb") == f"80,0{NBSP}%"
    assert format_percent(0.8, lang="en") == "80.0%"


def test_kroner() -> None:
    assert format_nok(48_300_000, lang="nb") == f"48,3{NBSP}mill.{NBSP}kr"
    assert format_nok(48_300_000, lang="en") == f"NOK{NBSP}48.3 million"
    assert format_nok(45_000, lang="nb") == f"45{NBSP}000{NBSP}kr"
    # one format_nok for cba and report: billions in billions (issue 9)
    assert format_nok(2.5e9, lang="nb") == f"2,5{NBSP}mrd.{NBSP}kr"
    assert format_nok(2.5e9, lang="en") == f"NOK{NBSP}2.5 billion"
    assert format_nok(-2.5e9, lang="nb") == f"{MINUS}2,5{NBSP}mrd.{NBSP}kr"
    assert format_nok(2.5e9, lang="nb", scale="millions") == f"2{NBSP}500,0{NBSP}mill.{NBSP}kr"
    assert format_nok(float("inf")) == format_nok(float("nan")) == "\u2013"
    assert nok_scale(9e8, 2.5e9) == "billions" and nok_scale(5e5, 2e6) == "millions"
    with pytest.raises(DataError, match="scale='thousands'"):
        format_nok(1.0, scale="thousands")


def test_interval_and_probability_in_words() -> None:
    assert format_interval(0.01, 0.074, lang="nb") == f"mellom 1,0 og 7,4{NBSP}prosentpoeng"
    assert format_interval(406_477, 46_600_000, lang="nb", kind="nok") == (
        f"mellom 0,4{NBSP}mill.{NBSP}kr og 46,6{NBSP}mill.{NBSP}kr"
    )
    assert format_interval(-0.01, 0.074, lang="en") == (
        f"between {MINUS}1.0 and 7.4{NBSP}percentage points"
    )
    assert format_probability(0.873, lang="nb") == f"87{NBSP}%"
    assert format_probability(0.999, lang="en") == ">99%"


def test_unknown_language_is_a_clear_error() -> None:
    with pytest.raises(DataError, match="lang='de'"):
        format_number(1.0, lang="de")


def test_report_formatting_re_exports_the_one_implementation() -> None:
    for name in impact.report.formatting.__all__:
        assert getattr(impact.report.formatting, name) is getattr(plain_language, name)


@pytest.mark.parametrize(
    ("p", "verdict"),
    [
        (0.97, "pays_off"),
        (PAYS_OFF_AT, "pays_off"),
        (0.86, "uncertain"),
        (0.6, "uncertain"),
        (0.4, "uncertain"),
        (DOES_NOT_PAY_OFF_AT, "does_not_pay_off"),
        (0.0, "does_not_pay_off"),
        (None, "uncertain"),
        (float("nan"), "uncertain"),
    ],
)
def test_one_set_of_thresholds(p: float | None, verdict: str) -> None:
    assert payoff_verdict(p) == verdict


def test_verdict_is_a_row_and_a_sentence_in_both_languages() -> None:
    kw = {"npv": 2.5e9, "ci_lower": -4e8, "ci_upper": 5.1e9, "bcr": 1.8, "programme": "Flyt"}
    nb = payoff_summary(prob_positive=0.6, lang="nb", **kw)
    assert nb.text == (
        "Det er usikkert om Flyt er samfunnsøkonomisk lønnsom: forventet netto nåverdi er "
        f"2,5{NBSP}mrd.{NBSP}kr (95{NBSP}%-intervall: mellom {MINUS}0,4{NBSP}mrd.{NBSP}kr og "
        f"5,1{NBSP}mrd.{NBSP}kr). Sannsynligheten for at nytten er større enn kostnadene, er "
        f"60{NBSP}%. Hver krone programmet koster, gir 1,8 kroner i nytte."
    )
    en = payoff_summary(prob_positive=0.95, lang="en", **kw)
    assert en.text == (
        "Flyt very likely pays off for society: the expected net present value is "
        f"NOK{NBSP}2.5 billion (95% interval: between NOK{NBSP}{MINUS}0.4 billion and "
        f"NOK{NBSP}5.1 billion). The probability that benefits exceed costs is 95%. Each "
        "krone the programme costs returns 1.8 kroner in benefits."
    )
    row = en.to_frame()
    assert list(row.columns) == [
        "programme", "verdict", "label", "npv", "ci_lower", "ci_upper", "level",
        "p_npv_positive", "benefit_cost_ratio", "text",
    ]  # fmt: skip
    assert row.loc[0, "label"] == "pays off" and row.loc[0, "text"] == en.text
    bare = payoff_summary(npv=-1e6, prob_positive=None, lang="nb")
    assert bare.verdict == "uncertain"
    assert bare.text == (
        f"Det er usikkert om programmet er samfunnsøkonomisk lønnsom: forventet netto nåverdi "
        f"er {MINUS}1,0{NBSP}mill.{NBSP}kr."
    )
    assert payoff_summary(npv=-1e6, prob_positive=0.02, lang="en").text.startswith(
        "The programme very likely does not pay off for society"
    )
    with pytest.raises(DataError, match="not a probability"):
        payoff_verdict(1.5)
