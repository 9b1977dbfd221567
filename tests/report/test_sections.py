"""Report sections render only what the bundle holds, and every count passes disclosure."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from contract.bundle import STUDIES

from impact.bundle import Bundle
from impact.report import ReportContext, ReportTable, sections
from impact.report.document import FigureImage


def test_sections_follow_the_stage_of_the_bundle(results_dir: Path) -> None:
    full = ReportContext.open(results_dir, "flyt", lang="en")
    first = ReportContext.open(results_dir, "unginvest", lang="en")
    for section in (sections.sites_section, sections.cba_section):
        assert section(first) == []
        items = section(full)
        assert any(isinstance(i, FigureImage) for i in items)
        assert any(isinstance(i, ReportTable) for i in items)
    effect = sections.effect_section(full)
    assert sum(isinstance(i, FigureImage) for i in effect) == 2  # event study + group-time
    first_effect = " ".join(str(i) for i in sections.effect_section(first))
    assert "robust estimate will follow" in first_effect


def test_png_figures_are_real_images(results_dir: Path) -> None:
    ctx = ReportContext.open(results_dir, "flyt", lang="nb")
    figures = [i for i in sections.effect_section(ctx) if isinstance(i, FigureImage)]
    assert figures and all(f.png[:8] == b"\x89PNG\r\n\x1a\n" for f in figures)


def test_counts_sentence_discloses_small_counts(tmp_path: Path) -> None:
    bundle = Bundle.create(tmp_path, "flyt")
    bundle.update_metadata(study=STUDIES["flyt"], n_persons=1200, n_units=3, n_treated_units=2,
                           n_participants=40)  # fmt: skip
    text = str(sections.counts_sentence(ReportContext(bundle, "nb")))
    assert "i <5 kommuner, hvorav <5 med programmet" in text and "1\u00a0200" in text
    bundle.update_metadata(study=STUDIES["unginvest"])
    persons = str(sections.counts_sentence(ReportContext(bundle, "nb")))
    assert persons == "Analysen omfatter 1\u00a0200 personer, hvorav 40 deltok i programmet."


def test_method_section_lists_failed_checks_and_warnings(results_dir: Path, tmp_path: Path) -> None:
    text = str(sections.method_section(ReportContext.open(results_dir, "flyt", lang="en"))[0])
    assert "Bayesian hierarchical model: **failed**" in text
    assert "The pre-trend test: passed" in text


FEW = (
    "Only 20 treated clusters (column 'municipality') in {}: analytic standard errors are "
    "unreliable with fewer than about 30 treated clusters. Prefer wild cluster bootstrap "
    "inference (twfe(...).wild_bootstrap(), impact.did.wild_bootstrap_scores) or "
    "impact.did.randomization_test()."
)


def test_method_section_explains_warnings_in_the_reports_language(tmp_path: Path) -> None:
    bundle = Bundle.create(tmp_path, "x")
    notes = [
        {"category": "FewClustersWarning", "message": FEW.format("event_study")},
        {"category": "FewClustersWarning", "message": FEW.format("imputation")},
        {"category": "SomethingNew", "message": "a new kind of note"},
    ]
    bundle.update_metadata(warnings=notes)
    nb = "\n".join(str(i) for i in sections.method_section(ReportContext(bundle, "nb")))
    # one bokmål sentence per kind of warning; the technical detail, translated, in an appendix
    # no study block: a municipal roll-out is assumed, so the clusters are municipalities
    assert nb.count("Få kommuner har fått tiltaket") == 1
    assert "## Vedlegg: tekniske merknader" in nb
    assert "Bare 20 kommuner med programmet i TWFE-hendelsesstudien" in nb
    assert "i imputeringsestimatoren: analytiske standardfeil" in nb
    assert "Analysen ga en teknisk merknad" in nb and "ikke er oversatt" in nb
    assert "Only 20" not in nb and "a new kind of note" not in nb and "wild_bootstrap" not in nb
    en = "\n".join(str(i) for i in sections.method_section(ReportContext(bundle, "en")))
    assert "Few municipalities received the programme" in en
    assert "Only 20 treated municipalities in the imputation estimator" in en
    assert "a new kind of note" in en and "Få kommuner" not in en


def test_sensitivity_section_says_how_much_divergence_the_conclusion_takes(
    tmp_path: Path,
) -> None:
    import pandas as pd

    bundle = Bundle.create(tmp_path, "x")
    assert sections.sensitivity_section(ReportContext(bundle, "nb")) == []
    table = pd.DataFrame(
        {
            "m": [float("nan"), 0.0, 0.5, 1.0],
            "estimate": 0.05,
            "se": [0.015, None, None, None],
            "ci_lower": [0.02, 0.021, -0.01, -0.05],
            "ci_upper": [0.08, 0.079, 0.11, 0.15],
            "restriction": ["parallel trends"] + ["relative_magnitude"] * 3,
            "method": ["original"] + ["C-LF"] * 3,
        }
    )
    bundle.write_table("trend_sensitivity", table)
    info = {"restriction": "relative_magnitude", "method": "C-LF", "estimate": 0.05}
    bundle.update_metadata(trend_sensitivity={**info, "breakdown": 0.16})
    items = sections.sensitivity_section(ReportContext(bundle, "nb"))
    assert "Konklusjonen er følsom" in str(items[0]) and "16 %" in str(items[0])
    shown = items[1].to_frame().to_string()
    assert "Parallelle trender" in shown and "Avvik opptil 50 %" in shown
    assert "Ingen endring i avviket etter start" in shown and "Avvik opptil 0 %" not in shown
    assert "2,0 til 8,0" in shown  # pp, bokmål decimal comma
    bundle.update_metadata(trend_sensitivity={**info, "breakdown": 1.7})
    items = sections.sensitivity_section(ReportContext(bundle, "en"))
    assert "The conclusion holds" in str(items[0]) and "170%" in str(items[0])
    bundle.update_metadata(trend_sensitivity={**info, "breakdown": None})
    items = sections.sensitivity_section(ReportContext(bundle, "en"))
    assert "not clearly different from zero" in str(items[0])


def test_method_section_states_the_synthetic_truth(results_dir: Path) -> None:
    text = str(sections.method_section(ReportContext.open(results_dir, "flyt", lang="nb"))[0])
    assert (
        "Sann effekt i de syntetiske dataene (snitt over personene): 4,5\u00a0prosentpoeng" in text
    )
    assert "simple_person" not in text


def test_pooled_posterior_is_drawn_from_the_declared_draws_only(
    full_bundle: Bundle, tmp_path: Path
) -> None:
    """The figure of the pooled posterior needs draws ``pooled_effect`` (column ``att``);
    no reader looks for other names (an InferenceData variable ``mu`` is not a fallback)."""
    import arviz as az
    import numpy as np

    bundle = Bundle.create(tmp_path, "flyt")
    bundle.write_table("site_effects", full_bundle.read_table("site_effects"))
    ctx = ReportContext(bundle, "en")
    assert sum(isinstance(i, FigureImage) for i in sections.sites_section(ctx)) == 1
    mu = np.random.default_rng(1).normal(0.04, 0.01, size=(2, 200))
    bundle.write_idata("hierarchical_did", az.from_dict(posterior={"mu": mu}))
    assert sum(isinstance(i, FigureImage) for i in sections.sites_section(ctx)) == 1
    bundle.write_draws("pooled_effect", pd.DataFrame({"att": mu.ravel()}))
    assert sum(isinstance(i, FigureImage) for i in sections.sites_section(ctx)) == 2


def test_key_figures_answer_first_and_reveal_no_count(results_dir: Path) -> None:
    items = sections.key_figures_section(ReportContext.open(results_dir, "flyt", lang="en"))
    assert str(items[0]).startswith("*Evaluation · analysis run ")
    assert "data: synthetic data · impact 0.1.0*" in str(items[0])
    panel = items[1]
    values = {f.label: f.value for f in panel.figures}
    assert values == {
        "Effect": "4.4\u00a0percentage points",
        "Net present value": "NOK\u00a048.3 million",
        "Probability that it pays off": "86%",
        "Benefit–cost ratio": "2.4",
    }
    effect = next(f for f in panel.figures if f.label == "Effect")
    assert effect.details[-2:] == (
        "P(favourable effect) = 97%",
        "P(the effect is large enough to pay) = 62%",
    )
    assert panel.verdict.startswith("It is uncertain whether Flyt pays off for society")
    assert "still pays for itself unless trends after the start diverge by more than 6%" in (
        panel.verdict
    )
    assert panel.budgets.startswith("The gains fall mostly to central government")
    assert sum(isinstance(i, FigureImage) for i in items) == 1  # one headline figure
    shown = panel._repr_html_() + panel._repr_markdown_()
    assert "61234" not in shown.replace("\u00a0", "").replace(",", "")  # no count of persons
    assert "```{=typst}" in panel._repr_markdown_()
    first = sections.key_figures_section(ReportContext.open(results_dir, "unginvest", lang="nb"))
    assert [f.label for f in first[1].figures] == ["Effekt"] and first[1].verdict == ""


def test_event_study_text_names_the_base_period_the_series_used() -> None:
    import pandas as pd

    universal = pd.DataFrame({"event_time": [-2, -1, 0], "estimate": [0.01, 0.0, 0.03]})
    varying = universal.assign(estimate=[0.01, -0.02, 0.03])
    assert "I begge anslagene er år −1 referanseåret" in sections.reference_sentence(universal)
    text = sections.reference_sentence(varying, lang="en")
    assert "varying base period" in text and "year −1 has an estimate too" in text
    assert sections.reference_sentence(None).startswith("I TWFE-anslaget er år −1")


def _sensitivity_bundle(tmp_path: Path, **extra: object) -> Bundle:
    import pandas as pd

    bundle = Bundle.create(tmp_path, "x")
    table = pd.DataFrame(
        {
            "m": [float("nan"), 0.0, 1.0],
            "estimate": 0.05,
            "se": [0.015, None, None],
            "ci_lower": [0.02, 0.021, -0.05],
            "ci_upper": [0.08, 0.079, 0.15],
            "restriction": ["parallel trends"] + ["relative_magnitude"] * 2,
            "method": ["original"] + ["C-LF"] * 2,
        }
    )
    bundle.write_table("trend_sensitivity", table)
    info = {"restriction": "relative_magnitude", "method": "C-LF", "estimate": 0.05,
            "breakdown": 0.074, **extra}  # fmt: skip
    bundle.update_metadata(trend_sensitivity=info)
    return bundle


def test_sensitivity_section_says_how_far_trends_may_diverge_before_it_stops_paying(
    tmp_path: Path,
) -> None:
    bundle = _sensitivity_bundle(
        tmp_path, break_even_effect=0.0038, breakeven_breakdown=0.0599, breakeven_note=""
    )
    nb = str(sections.sensitivity_section(ReportContext(bundle, "nb"))[0])
    assert "lønner programmet seg fortsatt med mindre trendene etter oppstart avviker med " in nb
    assert "mer enn 6 % av det største" in nb and "(0,4\u00a0prosentpoeng)" in nb
    assert "kommunene med og uten programmet" in nb
    en = str(sections.sensitivity_section(ReportContext(bundle, "en"))[0])
    assert "still pays for itself unless trends after the start diverge by more than 6%" in en
    assert "(0.4\u00a0percentage points)" in en


def test_sensitivity_section_says_when_the_payoff_is_uncertain_already(tmp_path: Path) -> None:
    """NEET (lower is good): a negative break-even effect inside the interval, persons as units."""
    bundle = _sensitivity_bundle(
        tmp_path, break_even_effect=-0.0615, breakeven_breakdown=None,
        breakeven_note="the 95 % interval includes the break-even effect even under parallel "
        "trends: the data do not show that the programme pays for itself",
    )  # fmt: skip
    bundle.update_metadata(study=STUDIES["unginvest"])
    nb = str(sections.sensitivity_section(ReportContext(bundle, "nb"))[0])
    assert "Selv med parallelle trender omfatter 95 %-intervallet effekten" in nb
    assert "personene med og uten programmet" in nb and "kommuner" not in nb
    en = str(sections.sensitivity_section(ReportContext(bundle, "en"))[0])
    assert "do not show with confidence that the programme pays for itself" in en
    assert "\u22126.2\u00a0percentage points" in en or "-6.2" in en or "6.2" in en
    # a bundle from before the figure: no sentence, and no error
    old = _sensitivity_bundle(tmp_path / "old")
    assert "balanse" not in str(sections.sensitivity_section(ReportContext(old, "nb"))[0])
    # no number and another reason: said plainly in bokmål, the reason in English only
    other = _sensitivity_bundle(tmp_path / "other", break_even_effect=None,
                                breakeven_breakdown=None, breakeven_note="no finite break-even")  # fmt: skip
    assert "kunne ikke regnes ut" in str(
        sections.sensitivity_section(ReportContext(other, "nb"))[0]
    )
    assert "(no finite break-even)" in str(
        sections.sensitivity_section(ReportContext(other, "en"))[0]
    )


def test_sensitivity_section_says_when_the_effect_falls_short_of_break_even(
    tmp_path: Path,
) -> None:
    bundle = _sensitivity_bundle(
        tmp_path, break_even_effect=0.09, breakeven_breakdown=None,
        breakeven_note="the estimate falls short of the break-even effect even under parallel "
        "trends",
    )  # fmt: skip
    nb = str(sections.sensitivity_section(ReportContext(bundle, "nb"))[0])
    assert "er effekten svakere enn den som akkurat får programmet til å gå i balanse" in nb
    en = str(sections.sensitivity_section(ReportContext(bundle, "en"))[0])
    assert "falls short of the one at which the programme just breaks even" in en


def test_key_figure_probabilities_say_when_they_are_about_another_average(tmp_path: Path) -> None:
    """GET Academy values years 0-4 of the dynamic effect while the headline averages every
    year: the probabilities beside the headline say which effect they are about."""
    import pandas as pd
    from contract.bundle import declared

    from impact.report.keyfigures import key_figures

    bundle = Bundle.create(tmp_path, "x")
    bundle.update_metadata(scenario="x", seed=1, impact_version="0.1.0", outcome="employed",
                           created_by="tests", synthetic=True)  # fmt: skip
    est = pd.DataFrame({"estimator": ["att_gt_simple"], "label": ["CS"], "headline": [True],
                        "estimate": [0.029], "se": [0.019], "ci_lower": [-0.009],
                        "ci_upper": [0.067]})  # fmt: skip
    bundle.write_table("estimates", declared("estimates", est.assign(label_nb="CS", label_en="CS")))
    rows = [("effect_estimate", 0.035), ("p_effect_beneficial", 0.94),
            ("p_effect_above_break_even", 0.12)]  # fmt: skip
    summary = pd.DataFrame(
        {"programme": "x", "quantity": [q for q, _ in rows], "outcome": "employed",
         "estimate": [v for _, v in rows], "se": float("nan"), "ci_lower": float("nan"),
         "ci_upper": float("nan"), "unit": "probability", "price_year": 2024,
         "schedule": "r109"}
    )  # fmt: skip
    bundle.write_table("appraisal_summary", declared("appraisal_summary", summary))
    bundle.commit()
    panel = key_figures(ReportContext.open(tmp_path, "x", lang="nb"))
    assert panel is not None
    details = panel.figures[0].details
    assert "P(gunstig effekt) = 94\u00a0%" in details
    assert details[-1].startswith("(for effekten nytte–kostnadsanalysen verdsetter: 3,5")
