"""A study's data: read as the spec says, checked against the spec's declaration.

:func:`load_study_data` reads a synthetic scenario (``[data] scenario``, written by
``impact simulate``) or a register extract (``[data] panel``, read by
:func:`impact.data.read_extract` with the spec's mapping), then checks the panel against
the :class:`~impact.data.DataDeclaration` the spec implies (:func:`declaration`) with
:func:`impact.data.validate_declared`. The raw data are never modified: the analysis gets
the validated copy, and everything validation changed (missing enrolment read as never
enrolled, movers assigned or dropped) is listed in :attr:`StudyData.changes`; the run puts
the list into the bundle's metadata (``data_changes``) and warns with a
:class:`~impact.errors.DataChangeWarning`, which the report shows among its notes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from impact.data import (
    DataDeclaration,
    OutcomeDeclaration,
    load,
    read_extract,
    to_cells,
    validate_declared,
)
from impact.errors import DataError, DesignError
from impact.study.project import Project
from impact.study.spec import StudySpec

__all__ = ["StudyData", "declaration", "derive_cells", "load_study_data"]


@dataclass(frozen=True, eq=False)
class StudyData:
    """The validated data of a study.

    Attributes
    ----------
    panel
        The validated panel (a new frame; unit x time rows, the columns the spec names).
    cells
        Binomial cells (``n``, ``successes``) for the Bayesian model, or ``None`` when there
        are none (a register extract without ``[data] cells`` and the model off).
    truth
        True effects of a synthetic scenario (``None`` for register data).
    scenario_meta
        ``{"scenario", "seed", "scale"}`` of a synthetic scenario, else ``None``.
    changes
        What validation changed, one sentence each (empty when nothing changed).
    """

    panel: pd.DataFrame
    cells: pd.DataFrame | None
    truth: pd.DataFrame | None
    scenario_meta: dict[str, Any] | None
    changes: tuple[str, ...]

    @property
    def synthetic(self) -> bool:
        return self.scenario_meta is not None


def declaration(spec: StudySpec) -> DataDeclaration:
    """The :class:`~impact.data.DataDeclaration` a study spec implies.

    Unit, time, cohort, treated and municipality from ``[unit]`` and ``[enrolment]``; the
    outcomes with their types, numerators and denominators from ``[[outcomes]]``; the
    covariates the DiD conditions on from ``[covariates] did``.
    """
    unit = spec.unit
    return DataDeclaration(
        unit=unit.id,
        time=unit.time,
        cohort=spec.enrolment.cohort,
        outcomes=tuple(
            OutcomeDeclaration(o.column, o.type, numerator=o.numerator, denominator=o.denominator)
            for o in spec.outcomes
        ),
        treated=spec.enrolment.treated,
        municipality=unit.municipality,
        covariates=tuple(spec.covariates.did),
        name=f"{spec.programme.name} panel",
    )


def load_study_data(spec: StudySpec, project: Project) -> StudyData:
    """Read a study's data and validate it against the spec.

    Parameters
    ----------
    spec
        The study specification (``[data]``, ``[unit]``, ``[enrolment]``, ``[[outcomes]]``,
        ``[covariates]``).
    project
        Where the synthetic data (``project.data``) and register extracts (relative to
        ``project.root``) are.

    Returns
    -------
    StudyData
        The validated panel, the cells (for the Bayesian model), the truth of a synthetic
        scenario and what validation changed.

    Raises
    ------
    DataError
        The data are missing or break the declaration (the message names the column, the
        value and the fix).
    DesignError
        The Bayesian model is on, the extract has no cells and they cannot be derived.
    """
    source = spec.data
    cells: pd.DataFrame | None
    if source.scenario is not None:
        sim = load(source.scenario, project.data)
        raw, cells, truth = sim.panel, sim.cells, sim.truth
        meta: dict[str, Any] | None = {
            "scenario": sim.scenario,
            "seed": int(sim.seed),
            "scale": float(sim.scale),
        }
        if cells is not None and "outcome" in cells.columns:
            # scenarios with several outcomes stack one block of cells per outcome
            cells = cells[cells["outcome"] == spec.headline_outcome.column]
            cells = cells.drop(columns="outcome").reset_index(drop=True)
    else:
        assert source.panel is not None
        codes = source.numeric_codes or None
        raw = read_extract(project.resolve(source.panel), mapping=source.mapping or None,
                           numeric_codes=codes)  # fmt: skip
        cells = None
        if source.cells is not None:
            cells = read_extract(project.resolve(source.cells), mapping=source.mapping or None,
                                 numeric_codes=codes)  # fmt: skip
        truth, meta = None, None
    try:
        checked = validate_declared(raw, declaration(spec), movers=source.movers)
    except DataError as exc:
        if "movers=" not in str(exc) or source.movers is not None:
            raise
        where = spec.path or f"studies/{spec.programme.name}.toml"
        raise DataError(
            f'{exc} In the study specification ({where}) that is [data] movers = "first", '
            '"enrolment" or "drop".'
        ) from None
    panel = checked.data
    if cells is None and spec.bayes.fit:
        cells = derive_cells(panel, spec)
    return StudyData(panel=panel, cells=cells, truth=truth, scenario_meta=meta,
                     changes=tuple(checked.notes))  # fmt: skip


def derive_cells(panel: pd.DataFrame, spec: StudySpec) -> pd.DataFrame:
    """Binomial cells of the headline outcome from person-year rows.

    By ``[cohort, time, event_time?, *covariates.bayes]`` plus the treated indicator
    (``time >= cohort > 0``), with ``n`` persons and ``successes`` (outcome = 1). Only a
    binary outcome on person-year rows has cells; anything else is refused (give
    ``[data] cells``, or set ``[bayes] fit = false``).
    """
    outcome = spec.headline_outcome
    name = spec.programme.name
    if spec.unit.observation != "person_year" or outcome.type != "binary":
        raise DesignError(
            f"{name}: the Bayesian model needs binomial cells; they can be derived only from "
            f"person-year rows with a binary outcome (here: {spec.unit.observation} rows, "
            f"outcome {outcome.column!r} of type {outcome.type!r}). Give [data] cells = "
            "'path/to/cells.csv' (columns n and successes by cell), or set [bayes] fit = false."
        )
    cohort, time = spec.enrolment.cohort, spec.unit.time
    treated = spec.enrolment.treated or "treated"
    missing = [c for c in spec.covariates.bayes if c not in panel.columns]
    if missing:
        raise DataError(
            f"{name}: [covariates] bayes names {missing}, which the panel lacks (it has "
            f"{list(panel.columns)[:30]}); fix the names or the extract's mapping."
        )
    frame = panel.assign(**{treated: ((panel[cohort] > 0) & (panel[time] >= panel[cohort]))
                            .astype(np.int64)})  # fmt: skip
    by = [cohort, time, treated, *spec.covariates.bayes]
    cells = to_cells(frame, by=by, outcome=outcome.column)
    event_time = spec.enrolment.event_time or "event_time"
    cells.insert(
        2,
        event_time,
        pd.array(np.where(cells[cohort] > 0, cells[time] - cells[cohort], pd.NA), dtype="Int64"),
    )
    return cells
