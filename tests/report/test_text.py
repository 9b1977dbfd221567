"""Plain-language conclusions: honest about uncertainty, right direction, both languages."""

from __future__ import annotations

import pandas as pd
import pytest

from impact.bundle import Bundle
from impact.errors import DataError
from impact.report.text import (
    conclusion,
    diagnostics_paragraph,
    effect_paragraph,
    headline_estimate,
    payoff_paragraph,
)


def _row(est: float, lo: float, hi: float, estimator: str = "att_gt_simple") -> dict[str, object]:
    return {"estimator": estimator, "label": "CS", "estimate": est, "ci_lower": lo, "ci_upper": hi}


def test_interval_covering_zero_says_zero_cannot_be_ruled_out() -> None:
    nb = effect_paragraph(_row(0.012, -0.004, 0.028), outcome="completed_vgs", lang="nb")
    assert "vi kan ikke utelukke at effekten er null" in nb
    assert "mellom \u22120,4 og 2,8\u00a0prosentpoeng" in nb
    en = effect_paragraph(_row(0.012, -0.004, 0.028), outcome="completed_vgs", lang="en")
    assert "we cannot rule out that the effect is zero" in en
    assert "p-value" not in en and "p =" not in en


def test_direction_depends_on_the_outcome() -> None:
    good = effect_paragraph(_row(-0.03, -0.05, -0.01), outcome="neet", lang="en")
    assert good.startswith("The programme appears to work") and "fell by 3.0" in good
    bad = effect_paragraph(_row(0.03, 0.01, 0.05), outcome="neet", lang="nb")
    assert "mot sin hensikt" in bad


def test_twfe_headline_carries_a_caveat_and_nan_interval_no_claim() -> None:
    text = effect_paragraph(_row(0.03, 0.01, 0.05, "twfe"), outcome="completed_vgs", lang="en")
    assert "biased" in text
    text = effect_paragraph(
        _row(0.03, float("nan"), float("nan")), outcome="completed_vgs", lang="en"
    )
    assert "appears to work" not in text and "without an uncertainty interval" in text


def test_headline_prefers_robust_estimator(full_bundle: Bundle) -> None:
    row = headline_estimate(full_bundle.read_table("estimates"))
    assert row["estimator"] == "att_gt_simple"
    with pytest.raises(DataError, match="estimates"):
        headline_estimate(pd.DataFrame({"estimator": []}))


def test_diagnostics_failures_surface(full_bundle: Bundle, minimal_bundle: Bundle) -> None:
    assert "hierarkiske modellen slo ut: største R-hat er 1,0300" in diagnostics_paragraph(
        full_bundle.metadata, lang="nb"
    )
    assert diagnostics_paragraph(minimal_bundle.metadata, lang="en") == ""


def test_payoff_names_who_gains_who_pays_and_when_each_budget_is_paid_back(
    full_bundle: Bundle,
) -> None:
    text = payoff_paragraph(
        full_bundle.read_table("appraisal_summary"),
        ledger=full_bundle.read_table("ledger"),
        payback=full_bundle.read_table("payback"),
        lang="en",
    )
    # P(NPV > 0) = 0.86: below the 0.9 of "pays off", so uncertain (the cba's verdict too).
    assert text.startswith("It is uncertain whether Flyt pays off for society:")
    assert "86%" in text and "Each krone the programme costs returns 2.4 kroner" in text
    assert "mostly to central government" in text and "borne mostly by the municipality" in text
    assert "central government after 3 years and the participants after 1 year" in text
    assert "The municipality does not earn its outlay back" in text
    nb = payoff_paragraph(
        full_bundle.read_table("appraisal_summary"),
        payback=full_bundle.read_table("payback"),
        lang="nb",
    )
    assert nb.startswith("Det er usikkert om Flyt er samfunnsøkonomisk lønnsom:")
    assert "Kommunen får ikke utgiftene tilbake" in nb
    at_once = payoff_paragraph(
        full_bundle.read_table("appraisal_summary"),
        payback=pd.DataFrame({"party": ["stat"], "payback_year": [0]}),
        lang="nb",
    )
    assert "Pengene er tjent inn for staten straks." in at_once


def test_payoff_verdict_is_graded_by_the_probability() -> None:
    def summary(p: float, npv: float) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "quantity": ["npv", "p_npv_positive"],
                "estimate": [npv, p],
                "ci_lower": [float("nan")] * 2,
                "ci_upper": [float("nan")] * 2,
                "unit": ["NOK", "probability"],
            }
        )

    assert "very likely pays off" in payoff_paragraph(summary(0.99, 5e6), lang="en")
    assert "It is uncertain whether" in payoff_paragraph(summary(0.3, -1e6), lang="en")
    assert "very likely does not pay off" in payoff_paragraph(summary(0.05, -1e6), lang="en")


def test_report_and_cba_write_the_same_verdict() -> None:
    """One verdict writer: the report's paragraph opens with Appraisal.headline's words."""
    from impact import Effect
    from impact.cba import Programme, appraise

    programme = Programme(
        "Flyt", participants=500, age=16, start_year=2024, costs={"kommune": 60_000}
    )
    effect = Effect.from_normal(0.03, 0.02, outcome="completed_vgs", seed=1)
    app = appraise([effect], programme, n_draws=500, seed=2)
    for lang in ("nb", "en"):
        assert payoff_paragraph(app.to_frame(), lang=lang) == app.headline(lang=lang)


def test_conclusion_uses_what_the_bundle_has(full_bundle: Bundle, minimal_bundle: Bundle) -> None:
    full = conclusion(full_bundle, lang="nb")
    dynamic = full_bundle.read_table("cs_dynamic").set_index("event_time")["estimate"]
    assert (
        f"I oppstartsåret er effekten {100 * dynamic[0]:.1f}\u00a0prosentpoeng; "
        f"4 år etter oppstart er den {100 * dynamic[4]:.1f}\u00a0prosentpoeng".replace(".", ",", 2)
    ) in full
    assert "de siste årene bygger på færre oppstartskull" in full  # the last year's interval
    assert "4,4\u00a0prosentpoeng" in full and "netto nåverdi" in full and "steder" in full
    first_stage = conclusion(minimal_bundle, lang="en")
    assert "netto" not in first_stage and "TWFE" in first_stage
