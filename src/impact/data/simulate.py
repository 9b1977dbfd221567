"""`simulate`: synthetic register-like data with known true effects, by scenario name."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from impact.data import flyt, getacademy, unginvest
from impact.data.cells import to_cells
from impact.errors import DataError

DEFAULT_SEED = 20240601


@dataclass(frozen=True, eq=False)
class SyntheticData:
    """A simulated scenario: the data an evaluator would get, plus the truth.

    Attributes
    ----------
    scenario, seed, scale
        What was simulated and how (the same triple always gives the same data).
    persons
        Person-level rows (for ``unginvest`` and ``getacademy``: the person x year panel).
    panel
        The panel a DiD analysis uses (``flyt``: municipality x year; ``unginvest`` and
        ``getacademy``: person x year).
    cells
        Binary-outcome sufficient statistics (``n``, ``successes``) by cell (``getacademy``:
        one set per outcome, in long form with an ``outcome`` column).
    truth
        True effects on the probability scale (columns ``estimand, cohort, time, event_time,
        site, weighting, value``; ``getacademy`` adds ``outcome`` first), computed from
        potential outcomes.
    municipalities
        The municipality frame, including latent effects (never shown in reports).
    card
        Facts for the data card (design constants, calibration figures).
    """

    scenario: str
    seed: int
    scale: float
    persons: pd.DataFrame
    panel: pd.DataFrame
    cells: pd.DataFrame
    truth: pd.DataFrame
    municipalities: pd.DataFrame
    card: dict[str, Any] = field(default_factory=dict)

    def true_value(self, estimand: str, *, weighting: str = "person", **keys: int | str) -> float:
        """Look up one true value, e.g. ``true_value("dynamic", weighting="unit", event_time=2)``.

        Scenarios with several outcomes (``getacademy``) need ``outcome="employed"`` too.
        """
        rows = self.truth[
            (self.truth["estimand"] == estimand) & (self.truth["weighting"] == weighting)
        ]
        for key, value in keys.items():
            rows = rows[rows[key] == value]
        if len(rows) != 1:
            raise DataError(
                f"No unique true value for estimand={estimand!r}, weighting={weighting!r}, {keys}; "
                f"{len(rows)} rows match. See `.truth` for what is available."
            )
        return float(rows["value"].iloc[0])


def _flyt(rng: np.random.Generator, scale: float) -> dict[str, Any]:
    drawn = flyt.simulate_flyt(rng, scale=scale)
    persons = drawn["persons"]
    cells = to_cells(
        persons,
        by=[
            "municipality",
            "county",
            "year",
            "adoption_year",
            "treated",
            "parents_education",
            "grade_band",
        ],
        outcome="completed_vgs",
    )
    cells.insert(
        5,
        "event_time",
        pd.array(
            np.where(cells["adoption_year"] > 0, cells["year"] - cells["adoption_year"], pd.NA),
            dtype="Int64",
        ),
    )
    frame = drawn["municipalities"]
    card = {
        "years": list(flyt.YEARS),
        "adoption_years": list(flyt.ADOPTION_YEARS),
        "adopters_per_year": flyt.ADOPTERS_PER_YEAR,
        "target_completion": flyt.TARGET_COMPLETION,
        "site_effect_logit": {"mean": flyt.SITE_EFFECT_MEAN, "sd": flyt.SITE_EFFECT_SD},
        "dynamic_multiplier": list(flyt.DYNAMIC_MULTIPLIER),
        "band_multiplier": flyt.BAND_MULTIPLIER,
        "n_persons": len(persons),
        "n_municipalities": int(frame.shape[0]),
        "n_adopting": int((frame["adoption_year"] > 0).sum()),
        "n_participants": int(persons["treated"].sum()),
        "completion_rate": float(persons["completed_vgs"].mean()),
    }
    return {
        "persons": persons,
        "panel": flyt.flyt_panel(persons),
        "cells": cells,
        "truth": flyt.flyt_truth(persons, drawn["year_shock"]),
        "municipalities": frame,
        "card": card,
    }


def _unginvest(rng: np.random.Generator, scale: float) -> dict[str, Any]:
    drawn = unginvest.simulate_unginvest(rng, scale=scale)
    panel = drawn["panel"]
    age_band = pd.cut(panel["age"], bins=[15, 19, 24, 29], labels=["16-19", "20-24", "25-29"])
    cells = to_cells(
        panel.assign(age_band=age_band.astype(str)),
        by=["year", "enrol_year", "treated", "age_band", "sex"],
        outcome="neet",
    )
    cells.insert(
        2,
        "event_time",
        pd.array(
            np.where(cells["enrol_year"] > 0, cells["year"] - cells["enrol_year"], pd.NA),
            dtype="Int64",
        ),
    )
    card = {
        "county": unginvest.COUNTY,
        "birth_years": list(unginvest.BIRTH_YEARS),
        "years": list(unginvest.YEARS),
        "enrol_years": list(unginvest.ENROL_YEARS),
        "enrolees_per_year": unginvest.ENROLEES_PER_YEAR,
        "target_neet": unginvest.TARGET_NEET,
        "reduction_by_event_time": list(unginvest.REDUCTION),
        "n_persons": int(panel["person_id"].nunique()),
        "n_person_years": len(panel),
        "n_participants": int((panel.groupby("person_id")["enrol_year"].first() > 0).sum()),
        "neet_rate": float(panel["neet"].mean()),
    }
    return {
        "persons": panel,
        "panel": panel,
        "cells": cells,
        "truth": unginvest.unginvest_truth(panel),
        "municipalities": drawn["municipalities"],
        "card": card,
    }


def _getacademy(rng: np.random.Generator, scale: float) -> dict[str, Any]:
    drawn = getacademy.simulate_getacademy(rng, scale=scale)
    panel = drawn["panel"]
    by = ["year", "enrol_year", "treated", "sex", "immigrant", "earlier_neet"]
    cells = pd.concat(
        [to_cells(panel, by=by, outcome=o).assign(outcome=o) for o in getacademy.OUTCOMES],
        ignore_index=True,
    )
    cells.insert(
        2,
        "event_time",
        pd.array(
            np.where(cells["enrol_year"] > 0, cells["year"] - cells["enrol_year"], pd.NA),
            dtype="Int64",
        ),
    )
    cells = cells[["outcome", *[c for c in cells.columns if c != "outcome"]]]
    first = panel.groupby("person_id", sort=False).agg(
        enrol_year=("enrol_year", "first"), codes=("municipality", "nunique")
    )
    card = {
        "municipalities": len(getacademy.MUNICIPALITIES),
        "birth_years": list(getacademy.BIRTH_YEARS),
        "years": list(getacademy.YEARS),
        "enrol_years": list(getacademy.ENROL_YEARS),
        "enrolees_per_year": getacademy.ENROLEES_PER_YEAR,
        "target_employed": getacademy.TARGET_EMPLOYED,
        "target_neet": getacademy.TARGET_NEET,
        "neet_reduction_by_event_time": list(getacademy.NEET_REDUCTION),
        "employment_gain_by_event_time": list(getacademy.EMPLOYMENT_GAIN),
        "covariates": list(getacademy.COVARIATES),
        "n_persons": len(first),
        "n_person_years": len(panel),
        "n_participants": int((first["enrol_year"] > 0).sum()),
        "n_movers": int((first["codes"] > 1).sum()),
        "employed_rate": float(panel["employed"].mean()),
        "neet_rate": float(panel["neet"].mean()),
    }
    return {
        "persons": panel,
        "panel": panel,
        "cells": cells,
        "truth": getacademy.getacademy_truth(panel),
        "municipalities": drawn["municipalities"],
        "card": card,
    }


SCENARIOS: dict[str, Callable[[np.random.Generator, float], dict[str, Any]]] = {
    "flyt": _flyt,
    "unginvest": _unginvest,
    "getacademy": _getacademy,
}


def simulate(scenario: str, *, seed: int = DEFAULT_SEED, scale: float = 1.0) -> SyntheticData:
    """Simulate a programme scenario with known true effects.

    Parameters
    ----------
    scenario
        ``"flyt"`` (10th-grade programme, staggered municipal roll-out; outcome: completion
        of upper secondary within five years) or ``"unginvest"`` (county programme for
        NEET-prone youths 16-24; outcome: NEET status each year) or ``"getacademy"`` (an
        IT education programme with individual enrolment of 18-29-year-olds in 40
        municipalities; outcomes: employment and NEET status each year; municipality codes
        and person identifiers are text).
    seed
        Seed of the one random generator used; the same seed and scale give identical data.
    scale
        Multiplies population sizes (1.0 = national cohorts of about 60,000 for ``flyt``,
        a county of about 23,000 persons for ``unginvest``, 20,000 persons for
        ``getacademy``); small values make fast test data.

    Returns
    -------
    SyntheticData

    Examples
    --------
    >>> from impact.data import simulate
    >>> sim = simulate("flyt", seed=1, scale=0.2)
    >>> sorted(sim.panel.columns)[:3]
    ['adoption_year', 'completed', 'completion_rate']
    """
    if scenario not in SCENARIOS:
        raise DataError(f"Unknown scenario {scenario!r}; choose one of {sorted(SCENARIOS)}.")
    if not (0 < scale <= 10):
        raise DataError(f"scale={scale!r} must be in (0, 10]; 1.0 is the realistic size.")
    rng = np.random.default_rng(seed)
    parts = SCENARIOS[scenario](rng, scale)
    return SyntheticData(scenario=scenario, seed=seed, scale=scale, **parts)
