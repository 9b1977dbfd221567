"""Numbers read the way Norwegian and English readers expect (exact strings)."""

from __future__ import annotations

import pytest

from impact.errors import DataError
from impact.report.formatting import (
    MINUS,
    NBSP,
    format_count,
    format_interval,
    format_nok,
    format_number,
    format_percent,
    format_percentage_points,
    format_probability,
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
