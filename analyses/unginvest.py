"""UngInvest AIB: does a county learning offer for NEET youths aged 16-24 reduce NEET?

Design. Buskerud enrols about 190 NEET-prone youths a year (2020-2024); each person is
followed yearly 2018-2025 in the registers (NEET status: not in employment, education or
training). Participants were far more often NEET than others before they enrolled, so we
compare changes (difference-in-differences with staggered enrolment), not levels.

Steps (each writes tables into ``results/unginvest/``):

1. Descriptives: persons and NEET by group and year.
2. Naive two-way fixed effects event study, for comparison.
3. Callaway & Sant'Anna group-time effects (never-enrolled persons as controls, doubly robust
   with baseline covariates), aggregated to the dynamic effect by years since enrolment.
4. Bayesian hierarchical DiD of the dynamic effect on NEET, on cells, as a cross-check of
   the headline: with the identity link it assumes parallel trends in probabilities, the
   same assumption as the doubly robust DiD. The logistic version (parallel trends in
   log-odds) is fitted too, as a sensitivity check on the scale of the assumption: where
   participants' baseline NEET risk is far above others', the two assumptions differ.
5. Societal cost-benefit appraisal: NEET years avoided, valued by R-109, with a ledger by payer.
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
    trend_sensitivity,
    write_appraisal,
    write_bayes,
)

from impact.bayes import hierarchical_did
from impact.bundle import Bundle
from impact.cba import Programme, appraise
from impact.data import SyntheticData, load

PROGRAMME = "unginvest"
OUTCOME = "neet"
SEED = 20240601


def main(
    *,
    data_dir: str | Path = "data/generated",
    results_dir: str | Path = "results",
    fast: bool = False,
    progress: Progress = print,
) -> Bundle:
    """Run the UngInvest evaluation and write its results bundle.

    The bundle is written beside the current one and made current only when complete; space
    and permissions are checked before the data are read (see :mod:`impact.bundle`).
    """
    with Bundle.writing(results_dir, PROGRAMME) as bundle:
        analyse(bundle, load("unginvest", data_dir), fast=fast, progress=progress)
    return Bundle.open(results_dir, PROGRAMME)


def analyse(bundle: Bundle, sim: SyntheticData, *, fast: bool, progress: Progress) -> None:
    """Write every stage of the UngInvest evaluation into ``bundle``."""
    panel = sim.panel
    spec: dict[str, Any] = {
        "outcome": "neet",
        "unit": "person_id",
        "time": "year",
        "cohort": "enrol_year",
    }
    notes: list[str] = []

    bundle.write_table(
        "descriptives", descriptives(panel, group="enrol_year", year="year", outcome="neet")
    )

    progress("  TWFE event study (naive comparison)")
    rows = [naive_event_study(bundle, panel, spec, cluster="person_id", notes=notes)]

    progress("  Callaway-Sant'Anna group-time effects")
    n_boot = 199 if fast else 999
    dynamic, simple = group_time_effects(
        bundle, panel, spec, notes=notes, seed=SEED, covariates=["grade_points", "immigrant"],
        method="dr", control_group="never_treated", n_boot=n_boot,
    )  # fmt: skip
    rows.append(
        estimate_row(
            "att_gt_simple",
            (
                "Callaway-Sant'Anna, average effect on participants (all years after enrolment)",
                "Callaway–Sant'Anna, gjennomsnittlig effekt for deltakerne (alle år etter oppstart)",
            ),
            simple.att,
            simple.se,
            simple.ci,
            f"doubly robust with baseline covariates, never-enrolled controls, multiplier bootstrap ({n_boot})",
            headline=True,
        )
    )
    progress("  sensitivity to diverging trends (HonestDiD, relative magnitudes)")
    honest_dyn = trend_sensitivity(bundle, panel, spec, notes=notes,
                                   covariates=["grade_points", "immigrant"], method="dr",
                                   control_group="never_treated")  # fmt: skip
    progress("  Bayesian hierarchical DiD of the dynamic effect (cells, 4 chains, two links)")
    # nutpie when installed (the Makefile installs the extra): same NUTS, ~6x faster here
    size = {"draws": 300, "tune": 300} if fast else {"draws": 1000, "tune": 500}
    fits = {}
    for link in ("identity", "logit"):
        with recording(notes):
            fits[link] = hierarchical_did(sim.cells, site=None, cohort="enrol_year",
                                          event_time="event_time", covariates=["age_band", "sex"],
                                          site_effects=False, dynamic=True, outcome_name=OUTCOME,
                                          link=link, chains=4, seed=SEED, sampler="auto", **size)  # fmt: skip
    # The identity link shares the headline's assumption: it is the Bayesian cross-check
    # whose posterior, diagnostics and InferenceData go into the bundle.
    write_bayes(bundle, fits["identity"])
    logit_fit = fits["logit"]
    bundle.write_table("bayes_dynamic_logit", logit_fit.to_frame(level=0.95))
    bundle.update_metadata(
        sensitivity={
            "bayes_logit_link": {
                "passed": bool(logit_fit.diagnostics.passed),
                "method": logit_fit.method,
                "sampler": logit_fit.sampler.to_dict(),
            }
        }
    )
    labels = {
        "identity": (
            "bayes_hierarchical_did",
            (
                "Bayesian hierarchical DiD on cells (cross-check; parallel trends in probabilities)",
                "Bayesiansk hierarkisk DiD på celler (kontroll; parallelle trender i sannsynligheter)",
            ),
            "linear probability model on cells (Gaussian approximation of the binomial)",
        ),
        "logit": (
            "bayes_hierarchical_did_logit",
            (
                "Bayesian hierarchical DiD on cells (sensitivity check; parallel trends in log-odds)",
                "Bayesiansk hierarkisk DiD på celler (sensitivitetssjekk; parallelle trender i log-odds)",
            ),
            "logistic model on binomial cells",
        ),
    }  # fmt: skip
    for link, (estimator, label, model) in labels.items():
        posterior = fits[link].effect()
        rows.append(
            estimate_row(
                estimator,
                label,
                float(posterior.mean),
                float(posterior.sd),
                posterior.interval(0.95),
                f"NUTS ({fits[link].sampler.sampler}), {link} link: {model}; cells by enrolment "
                "cohort, year, age band and sex",
            )
        )
    bundle.write_table("estimates", pd.DataFrame(rows))

    progress("  cost-benefit appraisal (R-109)")
    effect = dynamic.effect(
        outcome=OUTCOME, seed=SEED, population="UngInvest participants aged 16-24"
    )
    first = panel.groupby("person_id")[["enrol_year", "birth_year"]].first()
    enrolled = first[first["enrol_year"] > 0]
    age = int(round((enrolled["enrol_year"] - enrolled["birth_year"]).mean()))
    appraisal = appraise([effect], unginvest_programme(participants=len(enrolled), age=age,
                         event_times=effect.event_time or (0,)),
                         n_draws=2_000 if fast else 10_000, seed=SEED)  # fmt: skip
    write_appraisal(bundle, appraisal)
    # Honest NPV: the appraisal's break-even scales the whole dynamic profile, stated as the
    # unweighted mean of the yearly effects, so the honest target is that same mean.
    honest_break_even(
        bundle, honest_dyn, appraisal, outcome=OUTCOME,
        weights={int(e): 1.0 for e in (effect.event_time or (0,))},
        target="unweighted mean of the Callaway-Sant'Anna event-study effects over the years "
        "the appraisal values (the same estimates; the break-even effect is the mean of the "
        "profile scaled by one factor, so each year's effect is taken to move by the same "
        "share)",
    )  # fmt: skip

    truth = sim.truth
    bundle.update_metadata(
        **base_metadata(sim, outcome=OUTCOME, created_by="analyses/unginvest.py"),
        n_persons=int(panel["person_id"].nunique()),
        n_units=int(panel["person_id"].nunique()),
        n_treated_units=int((panel.groupby("person_id")["enrol_year"].first() > 0).sum()),
        n_participants=int((panel.groupby("person_id")["enrol_year"].first() > 0).sum()),
        truth={"simple_person": float(truth.query("estimand == 'simple'")["value"].iloc[0])},
        warnings=notes,
    )


def unginvest_programme(*, participants: int, age: int, event_times: tuple[int, ...]) -> Programme:
    """UngInvest's costs per participant (assumptions, 2024 NOK; replace with the real budget).

    A strength-based learning offer of about a school year: NOK 300,000 per participant, of
    which the county (fylkeskommune, which runs it) pays 180,000, NAV (stat) 100,000 through
    bought places, and foundations 20,000.
    """
    return Programme(
        "UngInvest",
        participants=participants,
        age=age,
        start_year=2024,
        costs={"fylkeskommune": 180_000, "stat": 100_000, "private": 20_000},
        outcomes=("neet",),
        neet_event_times=event_times,
        non_monetised={
            "psykisk helse": (2, "Mindre utenforskap, bedre psykisk helse"),
            "livskvalitet": (2, "Deltakerne opplever mestring"),
        },
        description="County learning offer for NEET youths aged 16-24",
    )
