"""The appraisal stage: the spec's ``[appraisal]`` as an :class:`impact.cba.Programme`, valued.

Participants are persons (never rows): the sum of ``[unit] persons`` over treated
municipality-years, or the number of distinct enrolled persons. The age in year 0 is
``[appraisal] age`` or, from ``[enrolment] birth_year``, the participants' mean age at
enrolment (rounded). ``[appraisal] persistence``: ``"registry"`` leaves the outcome
registry's default; ``"none"``, ``"permanent"`` or a yearly decay factor go to
:func:`impact.cba.appraise` as ``persistence=``.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from impact.cba import Appraisal, Programme, appraise
from impact.effect import Effect
from impact.errors import DesignError
from impact.study.spec import StudySpec

__all__ = ["participants", "programme", "run_appraisal", "write_appraisal"]


def participants(panel: pd.DataFrame, spec: StudySpec) -> int:
    """Persons who took part: persons behind treated municipality-years, or enrolled persons."""
    cohort, time = spec.enrolment.cohort, spec.unit.time
    if spec.unit.observation == "municipality_year":
        assert spec.unit.persons is not None
        treated = (panel[cohort] > 0) & (panel[time] >= panel[cohort])
        return int(panel.loc[treated, spec.unit.persons].sum())
    first = panel.groupby(spec.unit.id)[cohort].first()
    return int((first > 0).sum())


def enrolment_age(panel: pd.DataFrame, spec: StudySpec) -> int:
    """``[appraisal] age``, or the participants' mean age at enrolment (rounded)."""
    if spec.appraisal.age is not None:
        return spec.appraisal.age
    birth, cohort = spec.enrolment.birth_year, spec.enrolment.cohort
    assert birth is not None  # the spec requires age or birth_year
    if spec.unit.observation != "person_year":
        raise DesignError(
            f"{spec.programme.name}: [enrolment] birth_year gives the mean age at enrolment "
            "only for person-year rows; give [appraisal] age = AGE for municipality-year rows."
        )
    if birth not in panel.columns:
        raise DesignError(
            f"{spec.programme.name}: [enrolment] birth_year = {birth!r} is not a column of the "
            f"panel (it has {list(panel.columns)[:30]}); fix the name or give [appraisal] age."
        )
    first = panel.groupby(spec.unit.id)[[cohort, birth]].first()
    enrolled = first[first[cohort] > 0]
    return int(round((enrolled[cohort] - enrolled[birth]).mean()))


def programme(
    spec: StudySpec, *, participants: int, age: int, event_times: tuple[int, ...] | None
) -> Programme:
    """The programme the appraisal values, from ``[appraisal]`` (costs per participant)."""
    a = spec.appraisal
    registry = valued_outcome(spec)
    summary = {registry: event_times} if event_times is not None else {}
    return Programme(
        spec.programme.title.en,
        participants=participants,
        age=age,
        start_year=a.start_year,
        costs={str(k): v for k, v in a.costs.items()},
        outcomes=(registry,),
        summary_years=summary,
        non_monetised={k: (v.score, v.text) for k, v in a.non_monetised.items()},
        description=a.description,
    )


def valued_outcome(spec: StudySpec) -> str:
    """The outcome registry entry the appraisal values (the headline outcome's)."""
    outcome = spec.headline_outcome
    if outcome.registry is None:
        raise DesignError(
            f"{spec.programme.name}: the headline outcome {outcome.column!r} has no registry "
            "entry, so the appraisal cannot value it; add registry = 'NAME' (an outcome of "
            "impact.cba's registry, e.g. 'neet', 'employed', 'completed_vgs') to its "
            "[[outcomes]] block."
        )
    return outcome.registry


def run_appraisal(
    effect: Effect, spec: StudySpec, *, panel: pd.DataFrame, fast: bool, seed: int
) -> Appraisal:
    """Value ``effect`` for the spec's programme (Monte Carlo, 2,000 draws fast / 10,000)."""
    event_times = (effect.event_time or (0,)) if effect.event_time is not None else None
    prog = programme(spec, participants=participants(panel, spec),
                     age=enrolment_age(panel, spec), event_times=event_times)  # fmt: skip
    options: dict[str, Any] = {}
    if spec.appraisal.persistence != "registry":
        options["persistence"] = spec.appraisal.persistence
    return appraise([effect], prog, n_draws=2_000 if fast else 10_000, seed=seed, **options)


def write_appraisal(bundle: Any, appraisal: Appraisal) -> None:
    """Put an :class:`impact.cba.Appraisal` into the bundle: its tables, NPV draws, headline."""
    for name, table in appraisal.bundle_tables().items():
        bundle.write_table(name, table)
    bundle.write_draws("npv", appraisal.draws()[["npv"]])
    bundle.update_metadata(
        appraisal={
            "npv": float(appraisal.npv),
            "bcr": float(appraisal.bcr),
            "prob_positive": float(appraisal.prob_positive),
            "headline_nb": appraisal.headline(lang="nb"),
            "headline_en": appraisal.headline(lang="en"),
        }
    )
