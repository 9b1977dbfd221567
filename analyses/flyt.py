"""Flyt: did the 10th-grade life-skills programme raise completion of upper secondary?

Design. Flyt was rolled out municipality by municipality (20 adopting municipalities,
2019-2023); the outcome is completion of upper secondary within five years of 10th grade,
observed per municipality and 10th-grade year. Adopters had lower completion before they
adopted, so we compare changes, not levels (difference-in-differences).

Steps (each writes tables into the results bundle ``results/flyt/``):

1. Descriptives: pupils and completion by group and year (counts; the report suppresses cells
   under 5).
2. Naive two-way fixed effects event study: shown for comparison only; it is biased when
   adoption is staggered and effects change over time.
3. Callaway & Sant'Anna group-time effects (never-treated municipalities as controls, doubly
   robust), aggregated to an event study with a simultaneous band and to one overall effect.
4. Cross-checks: the imputation estimator (Borusyak, Jaravel & Spiess) and few-cluster inference
   (wild cluster bootstrap), since only 20 municipalities adopt.
5. Bayesian hierarchical logistic DiD on cells: the effect per municipality, partially pooled.
6. Societal cost-benefit appraisal by R-109 with a ledger by payer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
from _shared import (
    Progress,
    base_metadata,
    descriptives,
    estimate_row,
    group_time_effects,
    honest_break_even,
    naive_event_study,
    recording,
    site_did,
    treated_years_by_event_time,
    trend_sensitivity,
    write_appraisal,
    write_bayes,
)

from impact.bayes import hierarchical_did
from impact.bundle import Bundle
from impact.cba import Programme, appraise
from impact.data import SyntheticData, load
from impact.did import imputation, wild_bootstrap_scores

PROGRAMME = "flyt"
OUTCOME = "completed_vgs"
SEED = 20240601


def main(
    *,
    data_dir: str | Path = "data/generated",
    results_dir: str | Path = "results",
    fast: bool = False,
    progress: Progress = print,
) -> Bundle:
    """Run the Flyt evaluation and write its results bundle.

    The bundle is written beside the current one and made current only when complete; space
    and permissions are checked before the data are read (see :mod:`impact.bundle`).
    """
    with Bundle.writing(results_dir, PROGRAMME) as bundle:
        analyse(bundle, load("flyt", data_dir), fast=fast, progress=progress)
    return Bundle.open(results_dir, PROGRAMME)


def analyse(bundle: Bundle, sim: SyntheticData, *, fast: bool, progress: Progress) -> None:
    """Write every stage of the Flyt evaluation into ``bundle``."""
    panel = sim.panel
    spec: dict[str, Any] = {
        "outcome": "completion_rate",
        "unit": "municipality",
        "time": "year",
        "cohort": "adoption_year",
    }
    notes: list[dict[str, str]] = []

    # 1. descriptives ----------------------------------------------------------------------
    bundle.write_table(
        "descriptives",
        descriptives(panel, group="adoption_year", year="year", outcome="completed", weight="n"),
    )

    # 2. naive TWFE event study --------------------------------------------------------------
    progress("  TWFE event study (naive comparison)")
    rows = [naive_event_study(bundle, panel, spec, cluster="municipality", notes=notes)]

    # 3. Callaway & Sant'Anna ------------------------------------------------------------------
    progress("  Callaway-Sant'Anna group-time effects")
    n_boot = 199 if fast else 999
    _, simple = group_time_effects(bundle, panel, spec, notes=notes, seed=SEED,
                                   control_group="never_treated", n_boot=n_boot)  # fmt: skip
    rows.append(
        estimate_row(
            "att_gt_simple",
            (
                "Callaway-Sant'Anna, average effect in adopting municipalities",
                "Callaway–Sant'Anna, gjennomsnittlig effekt i kommunene med programmet",
            ),
            simple.att,
            simple.se,
            simple.ci,
            f"doubly robust, never-treated controls, multiplier bootstrap ({n_boot})",
        )
    )

    progress("  sensitivity to diverging trends (HonestDiD, relative magnitudes)")
    honest_dyn = trend_sensitivity(bundle, panel, spec, notes=notes, control_group="never_treated")

    # 4. cross-checks: imputation estimator; few-cluster inference ------------------------------
    progress("  imputation estimator and wild cluster bootstrap (20 treated municipalities)")
    with recording(notes):
        bjs = imputation(panel, **spec, cluster="municipality")
        wild = wild_bootstrap_scores(simple.att, simple.cluster_scores()[:, -1],
                                     outcome=simple.outcome, parameter="att_gt simple ATT",
                                     weights="webb", n_boot=1999 if fast else 9999,
                                     seed=SEED)  # fmt: skip
    rows.append(
        estimate_row(
            "imputation",
            (
                "Imputation estimator (Borusyak, Jaravel & Spiess), average effect",
                "Imputeringsestimator (Borusyak, Jaravel og Spiess), gjennomsnittlig effekt",
            ),
            bjs.att,
            bjs.se,
            bjs.ci,
            "untreated-only two-way fixed effects imputation, conservative clustered SEs",
            headline=True,  # inside 93-97 % coverage in both simulation designs (benchmarks/)
        )
    )
    rows.append(
        estimate_row(
            "att_gt_simple_wild",
            (
                "Callaway-Sant'Anna with a wild cluster bootstrap interval",
                "Callaway–Sant'Anna med intervall fra wild cluster bootstrap",
            ),
            simple.att,
            wild.se,
            wild.ci,
            f"wild cluster bootstrap over municipalities ({wild.n_boot} draws), p = {wild.pvalue:.3f}",
        )
    )
    bundle.write_table("imputation_dynamic", bjs.table)
    # The appraisal uses the headline estimator (imputation: its intervals kept 93-97 %
    # coverage with 20 treated municipalities in benchmarks/did_simulation.py).
    effect = bjs.effect(
        kind="simple", outcome=OUTCOME, seed=SEED, population="Flyt pupils (10th grade)"
    )
    bundle.write_draws("effect", pd.DataFrame({"effect": effect.draws}))

    # 5. Bayesian hierarchical DiD on cells ------------------------------------------------------
    progress("  Bayesian hierarchical logistic DiD on cells (4 chains)")
    # nutpie when installed (the Makefile installs the extra): same NUTS, ~6x faster here
    # The samplers' own defaults (300 tuning steps, target_accept 0.8); the diagnostics gate
    # says whether they sufficed (benchmarks/bayes_scale.py: R-hat 1.01, ESS > 1,200 here).
    size = {"draws": 300 if fast else 1000, "tune": 300, "target_accept": 0.8}
    with recording(notes):
        bayes = hierarchical_did(sim.cells, site="municipality", cohort="adoption_year",
                                 covariates=["parents_education", "grade_band"],
                                 site_effects=True, dynamic=False, chains=4, seed=SEED, sampler="auto",
                                 outcome_name=OUTCOME, **size)  # fmt: skip
    write_bayes(bundle, bayes, raw=site_did(panel))
    posterior = bayes.effect()
    rows.append(
        estimate_row(
            "bayes_hierarchical_did",
            (
                "Bayesian hierarchical DiD, average effect per pupil (partial pooling)",
                "Bayesiansk hierarkisk DiD, gjennomsnittlig effekt per elev (delvis sammenslåing)",
            ),
            float(posterior.mean),
            float(posterior.sd),
            posterior.interval(0.95),
            f"NUTS ({bayes.sampler.sampler}), binomial cells, site-varying effects, intercepts "
            "pooled within adoption cohorts, 95 % equal-tailed interval",
        )
    )
    bundle.write_table("estimates", pd.DataFrame(rows))

    # 6. cost-benefit --------------------------------------------------------------------------
    progress("  cost-benefit appraisal (R-109)")
    appraisal = appraise([effect], flyt_programme(participants=int(panel.loc[panel["treated"] == 1, "n"].sum())),
                         n_draws=2_000 if fast else 10_000, seed=SEED)  # fmt: skip
    write_appraisal(bundle, appraisal)
    # Honest NPV: the imputation estimator's simple effect averages every treated
    # municipality-year, so the honest target weights the event study's years the same way.
    honest_break_even(
        bundle, honest_dyn, appraisal, outcome=OUTCOME,
        weights=treated_years_by_event_time(panel, time="year", cohort="adoption_year"),
        target="Callaway-Sant'Anna event study weighted by treated municipality-years per year "
        "since the start, the weights of the imputation estimator's simple effect the appraisal "
        "uses (same weights over years; another estimator of each year's effect)",
    )  # fmt: skip

    truth = sim.truth
    bundle.update_metadata(
        **base_metadata(sim, outcome=OUTCOME, created_by="analyses/flyt.py"),
        n_persons=int(panel["n"].sum()),
        n_units=int(panel["municipality"].nunique()),
        n_treated_units=int((panel.groupby("municipality")["adoption_year"].first() > 0).sum()),
        n_participants=int(panel.loc[panel["treated"] == 1, "n"].sum()),
        truth={
            "simple_unit": float(
                truth.query("estimand == 'simple' and weighting == 'unit'")["value"].iloc[0]
            ),
            "simple_person": float(
                truth.query("estimand == 'simple' and weighting == 'person'")["value"].iloc[0]
            ),
        },
        warnings=notes,
    )


def flyt_programme(*, participants: int) -> Programme:
    """Flyt's costs per participant (assumptions, 2024 NOK; replace with the real budget).

    80 hours over the school year in groups of 25-30 with two trained instructors: about
    2 x 80 h x NOK 750 (teacher hour incl. social costs) = NOK 120,000 per group, i.e. about
    NOK 4,500 per pupil, plus NOK 500 of local coordination (kommune); instructor training,
    manual and follow-up from the foundation about NOK 1,500 per pupil (private).
    """
    return Programme(
        "Flyt",
        participants=participants,
        age=15,
        start_year=2024,
        costs={"kommune": 5_000, "private": 1_500},
        outcomes=("completed_vgs",),
        non_monetised={
            "mestring og tilhørighet": (2, "Deltakerne rapporterer mer mestring og tilhørighet"),
        },
        description="10th-grade life-skills programme, 80 hours, whole cohort in adopting municipalities",
    )
