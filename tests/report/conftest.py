"""Fixture bundles with the tables analyses write (docs/bundle.md), and one shared render.

Three bundles, one per design the report's words must follow (their ``study`` blocks are
``contract.bundle.STUDIES``):

- ``flyt`` (full): a municipal roll-out, municipality-years clustered by municipality; every
  optional table, small counts that must be suppressed, site codes with a leading zero
  ("0301") and a failed diagnostic.
- ``unginvest`` (first stage): persons enrolling one by one, clustered by person; only what
  the first analysis writes (descriptives, TWFE event study, estimates), so reports are
  shown to work at every stage.
- ``getacademy`` (second stage): persons clustered by municipality, with the logit-link
  sensitivity check (``bayes_dynamic_logit``) whose words are computed from the descriptives
  (the programme group twice as often with the outcome before the first start), and the
  table ``other_outcomes`` and the metadata ``headline_rule``.

Rendering costs seconds, so each bundle is rendered once per session.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from contract.bundle import OTHER_OUTCOMES, STUDIES, declared

from impact.bundle import Bundle
from impact.report import render

REPO = Path(__file__).resolve().parents[2]
REPORTS = REPO / "reports"

#: Counts in the fixture descriptives that must never reach a rendered report.
SMALL_COUNTS = (3, 2)
#: The headline robust estimate (probability scale) the conclusion must quote.
HEADLINE = 0.0437
#: Site codes of the fixture's site effects (text, with a leading zero where Norway has one).
SITE_CODES = ("0301", "1103", "4601", "5001", "3201", "1506", "0612", "4204")
#: The getacademy fixture's outcome shares before the first start (2018): programme group
#: and comparison group; the link-scale section must say "2.0 times as high".
BASELINE_SHARES = (0.30, 0.15)
#: Why the headline is the headline, as the analysis writes it (when the schema declares it).
HEADLINE_RULE = {
    "nb": "Callaway–Sant'Anna er hovedanslaget fordi deltakerne begynner i ulike år.",
    "en": "Callaway–Sant'Anna is the headline because participants start in different years.",
}


def _descriptives(rates: tuple[float, float] = (0.74, 0.8), *, small: bool = True) -> pd.DataFrame:
    rows = []
    adopting, comparison = rates
    for year in range(2016, 2022):
        for group, n, rate in (
            ("adopting", 412 + 7 * year % 13, adopting),
            ("comparison", 9120, comparison),
        ):
            rows.append((group, year, n, int(round(n * rate))))
    table = pd.DataFrame(rows, columns=["group", "year", "n_persons", "n_outcome"])
    if small:
        # Two small cells: 3 persons in all (primary), and 30 of 32 with the outcome (complement 2).
        table.loc[0, ["n_persons", "n_outcome"]] = [SMALL_COUNTS[0], 1]
        table.loc[2, ["n_persons", "n_outcome"]] = [32, 30]
    table["rate"] = table["n_outcome"] / table["n_persons"]
    return table


def _event_study(rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    k = np.arange(-4, 5)
    est = np.where(k >= 0, 0.02 + 0.008 * k, rng.normal(0, 0.003, k.size))
    est[k == -1] = 0.0
    se = np.full(k.size, 0.009)
    twfe = pd.DataFrame(
        {
            "event_time": k,
            "estimate": est,
            "se": se,
            "ci_lower": est - 1.96 * se,
            "ci_upper": est + 1.96 * se,
        }
    )
    att = est + np.where(k >= 0, 0.012, 0.0)
    cs = pd.DataFrame(
        {
            "event_time": k,
            "estimate": att,
            "se": se * 1.1,
            "ci_lower": att - 1.96 * se * 1.1,
            "ci_upper": att + 1.96 * se * 1.1,
            "uniform_lower": att - 2.7 * se * 1.1,
            "uniform_upper": att + 2.7 * se * 1.1,
        }
    )
    return twfe, cs


def _sites(rng: np.random.Generator) -> pd.DataFrame:
    n = np.array([28, 31, 25, 3, 27, 30, 4, 26])
    raw = rng.normal(0.045, 0.03, n.size)
    mean = 0.5 * raw + 0.5 * 0.044
    return pd.DataFrame(
        {
            "site": list(SITE_CODES),
            "n_treated": n,
            "raw_estimate": raw,
            "raw_se": np.full(n.size, 0.03),
            "estimate": mean,
            "se": np.full(n.size, 0.015),
            "ci_lower": mean - 0.028,
            "ci_upper": mean + 0.028,
            "p_positive": np.clip(0.5 + mean * 10, 0, 1),
        }
    )


def write_bundle(root: Path, programme: str, *, full: bool) -> Bundle:
    """Write a fixture bundle; ``full=False`` writes only the first-stage tables."""
    rng = np.random.default_rng(7)
    bundle = Bundle.create(root, programme)
    outcome = {"flyt": "completed_vgs", "getacademy": "employed"}.get(programme, "neet")
    persons = STUDIES[programme]["observation"] == "person_year"
    bundle.update_metadata(
        study=STUDIES[programme],
        scenario=programme,
        seed=7,
        impact_version="0.1.0",
        outcome=outcome,
        n_persons=61234,
        # person-year studies: the units are persons, and participants are counted as persons
        n_units=61234 if persons else 356,
        n_treated_units=1873 if persons else 21,
        n_participants=1873 if persons else 5120,
        truth={"simple_person": 0.045},
        created_by="tests/report/conftest.py",
        synthetic=True,
        diagnostics={
            "pretrends": {"passed": True, "message": "Pre-trend test p = 0.41."},
            # As the diagnostics gate writes it (impact.study.bayes_stage), failed in the full bundle.
            "hierarchical_did": {
                "passed": not full,
                "message": "max R-hat 1.0300 exceeds 1.01; run longer or reparameterise.",
                "reasons": ["max R-hat 1.0300 exceeds 1.01; run longer or reparameterise."],
                "chains": 4,
                "draws": 1000,
                "max_rhat": 1.03,
            },
        },
    )
    if programme == "getacademy":
        return _second_stage(bundle, rng)
    bundle.write_table("descriptives", _descriptives())
    twfe, cs = _event_study(rng)
    bundle.write_table("twfe_event_study", declared("twfe_event_study", twfe))
    estimates = [
        ("twfe_event_study", "TWFE event study (naive)", 0.0281, 0.006, 0.0163, 0.0399, "PanelOLS"),
    ]
    if full:
        estimates.append(
            ("att_gt_simple", "Callaway–Sant'Anna", HEADLINE, 0.011, 0.0221, 0.0653, "dr")
        )
    frame = pd.DataFrame(
        estimates,
        columns=["estimator", "label", "estimate", "se", "ci_lower", "ci_upper", "method"],
    )
    bundle.write_table(
        "estimates",
        declared("estimates", frame.assign(label_en=frame["label"], label_nb=frame["label"])),
    )
    if not full:
        return bundle.commit()
    bundle.write_table("cs_dynamic", cs)
    # HonestDiD and the honest NPV, as impact.study.stages writes them (Flyt's figures)
    bundle.write_table(
        "trend_sensitivity",
        declared("trend_sensitivity", pd.DataFrame(
            {
                "m": [np.nan, 0.0, 0.25, 0.5, 1.0],
                "estimate": 0.051,
                "se": np.nan,
                "ci_lower": [0.03, 0.029, -0.02, -0.07, -0.17],
                "ci_upper": [0.072, 0.073, 0.12, 0.17, 0.27],
                "restriction": ["parallel trends"] + ["relative_magnitude"] * 4,
                "method": ["original"] + ["C-LF"] * 4,
            }
        )),
    )  # fmt: skip
    bundle.update_metadata(
        trend_sensitivity={
            "restriction": "relative_magnitude",
            "method": "C-LF",
            "estimate": 0.051,
            "breakdown": 0.0744,
            "break_even_effect": 0.0038,
            "breakeven_estimate": 0.046,
            "breakeven_breakdown": 0.0599,
            "breakeven_target": "treated municipality-years per year since the start",
            "breakeven_note": "",
        }
    )
    bundle.write_table(
        "att_gt",
        pd.DataFrame(
            [
                (c, t, a, 0.01, a - 0.02, a + 0.02)
                for c in (2018, 2020)
                for t, a in zip(range(2016, 2022), rng.normal(0.02, 0.01, 6))
            ],
            columns=["cohort", "time", "estimate", "se", "ci_lower", "ci_upper"],
        ).pipe(lambda d: declared("att_gt", d.assign(event_time=d["time"] - d["cohort"]))),
    )
    bundle.write_table("site_effects", declared("site_effects", _sites(rng)))
    bundle.write_table(
        "pooled_effect",
        pd.DataFrame(
            [("att", 0.044, 0.012, 0.021, 0.067, 0.999)],
            columns=["quantity", "estimate", "se", "ci_lower", "ci_upper", "p_positive"],
        ),
    )
    bundle.write_draws("pooled_effect", pd.DataFrame({"att": rng.normal(0.044, 0.012, 2000)}))
    bundle.write_table(
        "appraisal_summary",
        declared(
            "appraisal_summary",
            pd.DataFrame(
                [
                    ("npv", 48_300_000.0, -12_000_000.0, 110_000_000.0, "NOK"),
                    ("benefit_cost_ratio", 2.4, 0.7, 4.9, "ratio"),
                    ("p_npv_positive", 0.86, np.nan, np.nan, "probability"),
                    ("p_effect_beneficial", 0.97, np.nan, np.nan, "probability"),
                    ("p_effect_above_break_even", 0.62, np.nan, np.nan, "probability"),
                ],
                columns=["quantity", "estimate", "ci_lower", "ci_upper", "unit"],
            ).assign(programme="Flyt", price_year=2024, schedule="r109"),
        ),
    )
    bundle.write_table(
        "ledger",
        declared(
            "ledger",
            pd.DataFrame(
                {
                    "payer": ["kommune", "stat", "participant", "rest_of_society"],
                    "present_value_nok": [-21_000_000.0, 38_000_000.0, 25_000_000.0, 6_300_000.0],
                    "per_participant_nok": [-35_000.0, 63_300.0, 41_700.0, 10_500.0],
                }
            ),
        ),
    )
    bundle.write_table(
        "tornado",
        declared(
            "tornado",
            pd.DataFrame(
                {
                    "parameter": [
                        "Diskonteringsrente",
                        "Effektens varighet",
                        "Kostnad per deltaker",
                    ],
                    "low_npv": [60e6, 10e6, 55e6],
                    "high_npv": [35e6, 80e6, 40e6],
                    "low": [0.02, 5, 30000],
                    "high": [0.04, 20, 45000],
                }
            ),
        ),
    )
    bundle.write_table(
        "payback",
        declared(
            "payback",
            pd.DataFrame(
                {
                    "party": ["kommune", "stat", "participant"],
                    "payback_year": [np.nan, 3.0, 1.0],
                    "payback_calendar_year": [np.nan, 2027.0, 2025.0],
                    "pv": [-21e6, 38e6, 25e6],
                }
            ),
        ),
    )
    bundle.write_table(
        "plus_minus",
        declared(
            "plus_minus",
            pd.DataFrame(
                {
                    "effect": ["mestring og tilhørighet"],
                    "score": [2],
                    "assessment": ["+ +"],
                    "description": ["Deltakerne rapporterer mer mestring og tilhørighet"],
                }
            ),
        ),
    )
    bundle.write_table(
        "scenarios",
        declared(
            "scenarios",
            pd.DataFrame(
                {
                    "scenario": ["base", "discount schedule"],
                    "setting": ["r109", "flat 4 %"],
                    "npv_deterministic": [47e6, 40e6],
                    "npv": [48.3e6, 41e6],
                    "prob_npv_positive": [0.86, 0.8],
                    "bcr": [2.4, 2.1],
                }
            ),
        ),
    )
    bundle.write_table(
        "cba_parameters",
        declared(
            "cba_parameters",
            pd.DataFrame(
                {
                    "parameter": ["tax_financing_cost", "completion_wage_premium"],
                    "value": [0.2, 50000.0],
                    "low": [0.2, 30000.0],
                    "high": [0.2, 75000.0],
                    "distribution": ["fixed", "triangular"],
                    "unit": ["share of net change in public budgets", "NOK per year (labour cost)"],
                    "price_year": [np.nan, 2023],
                    "income_linked": [False, True],
                    "verify": [False, True],
                    "source": ["Finansdepartementet, Rundskriv R-109/2021", "SSB, table 11418"],
                    "description": ["Deadweight cost of taxation", "Wage premium of completion"],
                }
            ),
        ),
    )
    bundle.write_draws("npv", pd.DataFrame({"npv": rng.normal(48e6, 35e6, 4000)}))
    return bundle.commit()


def _second_stage(bundle: Bundle, rng: np.random.Generator) -> Bundle:
    """A person-year study clustered by municipality, with the logit-link sensitivity check."""
    bundle.write_table("descriptives", _descriptives(BASELINE_SHARES, small=False))
    twfe, cs = _event_study(rng)
    bundle.write_table("twfe_event_study", declared("twfe_event_study", twfe))
    bundle.write_table("cs_dynamic", cs)
    rows = [
        ("twfe_event_study", "TWFE event study (naive)", False, 0.0281, 0.006, 0.0163, 0.0399),
        ("att_gt_simple", "Callaway–Sant'Anna", True, HEADLINE, 0.011, 0.0221, 0.0653),
        ("bayes_hierarchical_did", "Bayesian model (identity link)", False, 0.041, 0.012, 0.018,
         0.064),
        ("bayes_hierarchical_did_logit", "Bayesian model (logit link)", False, 0.062, 0.014,
         0.035, 0.09),
    ]  # fmt: skip
    frame = pd.DataFrame(
        rows, columns=["estimator", "label", "headline", "estimate", "se", "ci_lower", "ci_upper"]
    )
    nb = ["TWFE-hendelsesstudie (naiv)", "Callaway–Sant'Anna", "Bayesiansk modell (identitetslenke)",
          "Bayesiansk modell (logit-lenke)"]  # fmt: skip
    frame = frame.assign(label_en=frame["label"], label_nb=nb, method="fixture")
    bundle.write_table("estimates", declared("estimates", frame))
    bundle.write_table(
        "att_gt",
        pd.DataFrame(
            [(c, t, 0.02, 0.01, 0.0, 0.04) for c in (2018, 2020) for t in range(2016, 2022)],
            columns=["cohort", "time", "estimate", "se", "ci_lower", "ci_upper"],
        ).pipe(lambda d: declared("att_gt", d.assign(event_time=d["time"] - d["cohort"]))),
    )
    logit = pd.DataFrame(
        {"estimand": "dynamic", "event_time": [0, 1, 2], "estimate": [0.05, 0.06, 0.07],
         "se": 0.01, "ci_lower": [0.03, 0.04, 0.05], "ci_upper": [0.07, 0.08, 0.09],
         "link": "logit"}
    )  # fmt: skip
    bundle.write_table("bayes_dynamic_logit", declared("bayes_dynamic_logit", logit))
    bundle.update_metadata(
        sensitivity={"bayes_logit_link": {"passed": True, "method": "fixture"}},
        warnings=[
            {
                "category": "FewClustersWarning",
                "message": "Only 12 treated clusters (column 'municipality') in event_study.",
            }
        ],
    )
    bundle.write_table("other_outcomes", declared("other_outcomes", OTHER_OUTCOMES))
    bundle.update_metadata(headline_rule=HEADLINE_RULE)
    return bundle.commit()


@pytest.fixture(scope="session")
def facts() -> dict[str, object]:
    """What the fixture bundles hold that tests check the rendered reports against."""
    return {"headline": HEADLINE, "small_counts": SMALL_COUNTS, "reports": REPORTS}


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A results directory with a full ``flyt``, a first-stage ``unginvest`` and a
    second-stage ``getacademy`` bundle."""
    root = tmp_path_factory.mktemp("results")
    write_bundle(root, "flyt", full=True)
    write_bundle(root, "unginvest", full=False)
    write_bundle(root, "getacademy", full=False)
    return root


@pytest.fixture(scope="session")
def full_bundle(results_dir: Path) -> Bundle:
    return Bundle.open(results_dir, "flyt")


@pytest.fixture(scope="session")
def minimal_bundle(results_dir: Path) -> Bundle:
    return Bundle.open(results_dir, "unginvest")


@pytest.fixture(scope="session")
def rendered(results_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """One built-in render per session: flyt (full) to HTML+PDF in nb and to HTML in en,
    unginvest (first stage) to HTML in en, getacademy (persons clustered by municipality) to
    HTML+PDF in nb and to HTML in en."""
    out = tmp_path_factory.mktemp("rendered")
    nb = render(
        "flyt",
        lang="nb",
        to=("html", "pdf"),
        results_dir=results_dir,
        reports_dir=REPORTS,
        output_dir=out,
        engine="builtin",
        keep_typst=True,
    )
    en = render(
        "unginvest",
        lang="en",
        to="html",
        results_dir=results_dir,
        reports_dir=REPORTS,
        output_dir=out,
        engine="builtin",
    )
    en_full = render(
        "flyt",
        lang="en",
        to="html",
        results_dir=results_dir,
        reports_dir=REPORTS,
        output_dir=out,
        engine="builtin",
    )
    persons = render(
        "getacademy",
        lang="nb",
        to=("html", "pdf"),
        results_dir=results_dir,
        reports_dir=REPORTS,
        output_dir=out,
        engine="builtin",
    )
    persons_en = render(
        "getacademy",
        lang="en",
        to="html",
        results_dir=results_dir,
        reports_dir=REPORTS,
        output_dir=out,
        engine="builtin",
    )
    return {
        "nb_html": nb[0],
        "nb_pdf": nb[1],
        "en_html": en[0],
        "en_full_html": en_full[0],
        "persons_html": persons[0],
        "persons_pdf": persons[1],
        "persons_en_html": persons_en[0],
    }
