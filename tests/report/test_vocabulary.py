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


def test_every_shipped_parameter_and_persistence_scenario_has_words_in_both_languages() -> None:
    """A parameter or outcome added to the shipped file without words would put its
    technical name into a bokmål report's tornado diagram or scenarios table."""
    from impact.cba.parameters import load_parameters
    from impact.report.vocabulary import PARAMETERS, SCENARIOS

    params = load_parameters()
    missing = [n for n in params.names if n not in PARAMETERS]
    assert not missing, f"add nb/en words for {missing} to impact.report.vocabulary.PARAMETERS"
    labels = [params.registry[o].label for o in params.registry.keys()]
    absent = [f"{label} persistence" for label in labels if f"{label} persistence" not in SCENARIOS]
    assert not absent, f"add {absent} to impact.report.vocabulary.SCENARIOS"
