"""Technical keys become words; unknown keys never break a report."""

from __future__ import annotations

from impact.report.vocabulary import parameter_label, payer_label, quantity_label


def test_known_keys_in_both_languages() -> None:
    assert payer_label("kommune", lang="nb") == "kommunen"
    assert payer_label("stat", lang="en", capital=True) == "Central government"
    assert quantity_label("benefit_cost_ratio", lang="en") == "Benefit–cost ratio"
    assert parameter_label("neet_persistence", lang="nb") == "Hvor lenge NEET-status varer"


def test_unknown_keys_fall_back_to_readable_text() -> None:
    assert payer_label("NAV (staten)", lang="nb", capital=True) == "NAV (staten)"
    assert quantity_label("some_new_quantity", lang="en") == "some new quantity"
