"""The credibility section: one plain sentence per check the bundle holds, in the report's
language, and nothing for a check the analysis did not run."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from contract.bundle import declared

from impact.bundle import Bundle
from impact.report import ReportContext
from impact.report.credibility import credibility_items, credibility_section


def _bundle(root: Path, **meta: Any) -> None:
    bundle = Bundle.create(root, "prog")
    bundle.update_metadata(scenario="prog", seed=1, impact_version="0.1.0", outcome="neet",
                           created_by="tests", synthetic=True, n_treated_units=20, **meta)  # fmt: skip
    rows = pd.DataFrame(
        [("imputation", "x", 0.041, 0.012, 0.017, 0.065, "m"),
         ("att_gt_simple_wild", "y", 0.043, 0.02, -0.002, 0.088, "wild")],
        columns=["estimator", "label", "estimate", "se", "ci_lower", "ci_upper", "method"],
    )  # fmt: skip
    bundle.write_table("estimates", declared("estimates", rows.assign(label_en="x", label_nb="x")))
    bundle.commit()


PASSED = {
    "passed": True, "message": "ok", "max_rhat": 1.004, "min_ess_bulk": 1234.0, "divergences": 0,
    "ppc": [{"statistic": "rate (all cells)", "p_value": 0.4},
            {"statistic": "sd of cell rates", "p_value": 0.99}],
    "loo": {"n_high_k": 0, "max_pareto_k": 0.3},
}  # fmt: skip


@pytest.mark.parametrize("lang", ["nb", "en"])
def test_every_check_gets_one_sentence(tmp_path: Path, lang: str) -> None:
    _bundle(
        tmp_path,
        pretest={"statistic": 1.1, "df": 8, "p_value": 0.38, "note": "", "method": "cohort_hotelling",
                 "df_denominator": 12.0},
        trend_sensitivity={"restriction": "relative_magnitude", "method": "C-LF", "estimate": 0.05,
                           "breakdown": 0.25, "breakeven_breakdown": 0.06},
        diagnostics={"hierarchical_did": PASSED},
    )  # fmt: skip
    ctx = ReportContext.open(tmp_path, "prog", lang=lang)
    items = dict(credibility_items(ctx))
    assert len(items) == 6
    text = " ".join(items.values())
    if lang == "nb":
        assert "p = 0,38" in text and "småutvalgskorreksjon" in text
        assert "25 %" in text and "6 %" in text
        assert "omfatter null" in text  # the wild interval -0.2 to 8.8 includes zero
        assert "1 av 2 kontrollstørrelser" in text
    else:
        assert "p = 0.38" in text and "small-sample correction" in text
        assert "25%" in text and "6%" in text
        assert "includes zero" in text and "1 of 2 test statistics" in text
    md = str(credibility_section(ctx)[0])
    assert md.count("\n- **") == 6


def test_a_failed_gate_and_a_significant_pretest_say_so(tmp_path: Path) -> None:
    _bundle(
        tmp_path,
        pretest={"statistic": 9.0, "df": 4, "p_value": 0.004, "note": "", "method": "chi2",
                 "df_denominator": None},
        diagnostics={"hierarchical_did": {"passed": False, "message": "R-hat"}},
    )  # fmt: skip
    items = dict(credibility_items(ReportContext.open(tmp_path, "prog", lang="nb")))
    assert "utviklet gruppene seg ulikt (p = 0,004" in items["Trender før oppstart"]
    assert "uten småutvalgskorreksjon" in items["Trender før oppstart"]
    assert "**ikke**" in items["Sampling (MCMC)"]
    assert "Modellsjekk" not in items and "Innflytelse" not in items  # not stored: left out


def test_no_checks_no_section(tmp_path: Path) -> None:
    bundle = Bundle.create(tmp_path, "prog")
    bundle.update_metadata(scenario="prog", seed=1, impact_version="0.1.0", outcome="neet",
                           created_by="tests", synthetic=True)  # fmt: skip
    bundle.commit()
    assert credibility_section(ReportContext.open(tmp_path, "prog", lang="en")) == []


def test_a_pretest_that_could_not_be_computed_says_why_in_the_report_language(
    tmp_path: Path,
) -> None:
    _bundle(
        tmp_path,
        pretest={"statistic": None, "df": 25, "p_value": None, "method": "cohort_hotelling",
                 "df_denominator": None,
                 "note": "covariance not estimable: cohort 2020 has 4 treated units for 4 "
                         "pre-treatment cells"},
    )  # fmt: skip
    nb = dict(credibility_items(ReportContext.open(tmp_path, "prog", lang="nb")))
    assert "for få enheter med programmet per oppstartsår" in nb["Trender før oppstart"]
    assert "covariance" not in nb["Trender før oppstart"]
