"""How long an effect lasts, in the report's words (issue 12): the cost-benefit section says
what is assumed and what the NPV would be otherwise; the conclusion and page 1 warn when the
sign depends on it."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from contract.bundle import META, declared

from impact.bundle import Bundle
from impact.report.assumptions import persistence_paragraph
from impact.report.document import ReportContext
from impact.report.keyfigures import key_figures
from impact.report.text import conclusion


def _persistence(*, depends: bool) -> pd.DataFrame:
    return declared(
        "cba_persistence",
        pd.DataFrame(
            {
                "outcome": ["neet"],
                "assumption": ["decay"],
                "rate": [0.85],
                "low": [0.6],
                "high": [0.95],
                "measured_from": [0],
                "measured_to": [5],
                "npv_none": [-158.9e6],
                "npv_permanent": [804.5e6],
                "sign_depends": [depends],
            }
        ),
    )


def _bundle(root: Path, *, depends: bool) -> Bundle:
    bundle = Bundle.create(root, "unginvest")
    bundle.update_metadata(**{**META, "outcome": "neet"})
    summary = pd.DataFrame(
        {
            "quantity": ["npv", "p_npv_positive", "benefit_cost_ratio"],
            "estimate": [10.5e6, 0.48, 1.0],
            "unit": ["NOK", "probability", "ratio"],
        }
    ).assign(programme="UngInvest", price_year=2024, schedule="r109")
    bundle.write_table("appraisal_summary", declared("appraisal_summary", summary))
    bundle.write_table("cba_persistence", _persistence(depends=depends))
    estimates = pd.DataFrame(
        {"estimator": ["att_gt_simple"], "label": ["Callaway-Sant'Anna"], "headline": [True],
         "estimate": [-0.065], "se": [0.016], "ci_lower": [-0.096], "ci_upper": [-0.035]}
    )  # fmt: skip
    bundle.write_table("estimates", declared("estimates", estimates))
    return bundle


def test_the_assumption_and_the_npv_either_way_in_both_languages() -> None:
    nb = persistence_paragraph(_persistence(depends=True), lang="nb")
    assert "målt i år 0–5 etter oppstart" in nb and "avtar med faktoren 0,85 per år" in nb
    assert "mellom 0,60 og 0,95" in nb
    assert "−158,9\u00a0mill.\u00a0kr" in nb and "804,5\u00a0mill.\u00a0kr" in nb
    assert "avhenger av hvor lenge effekten varer" in nb
    en = persistence_paragraph(_persistence(depends=False), lang="en")
    assert "shrinks by a factor of 0.85 a year" in en and "NOK\u00a0−158.9 million" in en
    assert "depends on how long" not in en  # no warning when the sign does not depend on it


def test_conclusion_and_page_one_warn_only_when_the_sign_depends(tmp_path: Path) -> None:
    for depends in (True, False):
        bundle = _bundle(tmp_path / str(depends), depends=depends)
        for lang, words in (("nb", "avhenger av hvor lenge"), ("en", "depends on how long")):
            panel = key_figures(ReportContext(bundle, lang))
            assert panel is not None
            assert (words in panel.verdict) is depends
            assert "**" not in panel.verdict  # plain text in the panel
            assert (words in conclusion(bundle, lang=lang)) is depends


def test_page_one_says_how_far_trends_may_diverge_before_it_stops_paying(tmp_path: Path) -> None:
    bundle = _bundle(tmp_path, depends=False)
    info = {"restriction": "relative_magnitude", "method": "C-LF", "estimate": -0.068,
            "breakdown": 0.2, "break_even_effect": -0.03, "breakeven_breakdown": 0.13,
            "breakeven_note": ""}  # fmt: skip
    bundle.update_metadata(trend_sensitivity=info)
    nb = key_figures(ReportContext(bundle, "nb"))
    en = key_figures(ReportContext(bundle, "en"))
    assert nb is not None and en is not None
    assert (
        "lønner programmet seg fortsatt med mindre trendene etter oppstart avviker med mer enn 13 %"
        in (nb.verdict)
    )
    assert "still pays for itself unless trends after the start diverge by more than 13%" in (
        en.verdict
    )
    assert "**" not in nb.verdict
