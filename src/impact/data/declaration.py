"""What a data set must look like, declared by the study (not fixed in code), and its check.

A :class:`DataDeclaration` names the columns by role — unit, time, enrolment (cohort),
treated, municipality, outcomes with their types, covariates — and :func:`validate_declared`
checks a frame against it, returning a new frame and a report of everything it changed. It
is a plain frozen dataclass so that a study specification (TOML, pydantic) can fill it.

The checks, in order; each failure is a :class:`~impact.errors.DataError` naming the column,
the value and the fix:

- every declared column is present (close matches suggested);
- unit and time have no missing values, time is whole numbers, ``(unit, time)`` is unique;
- enrolment (the cohort column): whole numbers, 0 or missing = never enrolled (missing is
  read as 0 and counted in the report), constant within a unit;
- ``treated`` (if declared) is 0/1 and equals ``cohort > 0 and time >= cohort``;
- each outcome has the declared type (the message shows the column's real dtype): ``binary``
  0/1, ``count`` whole numbers >= 0, ``rate`` in [0, 1], ``continuous`` finite; no missing
  values; a rate with ``numerator`` and ``denominator`` equals their ratio (to 0.005), a
  count never exceeds its ``denominator``;
- a unit observed in more than one municipality (a mover, when ``municipality`` is declared
  and is not the unit) is an error naming the person and the codes, unless ``movers=``
  says what to do: ``"first"`` (the municipality of the first year), ``"enrolment"`` (the
  municipality in the enrolment year) or ``"drop"`` (remove the person; counted).
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

import numpy as np
import pandas as pd

from impact.checks import as_dataframe, check_choice
from impact.errors import DataError, OptionError

__all__ = [
    "MOVER_RULES",
    "OUTCOME_TYPES",
    "DataDeclaration",
    "OutcomeDeclaration",
    "ValidatedData",
    "validate_declared",
]

OutcomeType = Literal["binary", "count", "rate", "continuous"]
MoverRule = Literal["first", "enrolment", "drop"]
#: Declared outcome types.
OUTCOME_TYPES: tuple[str, ...] = get_args(OutcomeType)
#: What ``movers=`` may say about a unit observed in several municipalities.
MOVER_RULES: tuple[str, ...] = get_args(MoverRule)
#: A rate may differ from numerator / denominator by rounding to two decimals.
RATE_TOLERANCE = 0.005


@dataclass(frozen=True)
class OutcomeDeclaration:
    """One outcome column and its type.

    Parameters
    ----------
    name
        The column (after :func:`~impact.data.read_extract`'s mapping).
    type
        ``"binary"`` (0/1, e.g. employed), ``"count"`` (whole numbers >= 0, e.g. completed
        pupils in a municipality-year), ``"rate"`` (a share in [0, 1]) or ``"continuous"``.
    numerator, denominator
        For a ``rate``: the count columns it is the ratio of (checked to 0.005). For a
        ``count``: ``denominator`` is the number at risk it may not exceed.
    """

    name: str
    type: OutcomeType
    numerator: str | None = None
    denominator: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise OptionError(f"An outcome's name must be a column name; got {self.name!r}.")
        check_choice(self.type, argument=f"type of outcome {self.name!r}", choices=OUTCOME_TYPES)
        if self.numerator is not None and self.type != "rate":
            raise OptionError(
                f"Outcome {self.name!r} of type {self.type!r} has a numerator; only a 'rate' "
                "has one (declare type='rate', or drop numerator)."
            )
        if self.type == "rate" and (self.numerator is None) != (self.denominator is None):
            raise OptionError(
                f"Rate {self.name!r} needs both numerator and denominator (or neither)."
            )
        if self.denominator is not None and self.type not in ("rate", "count"):
            raise OptionError(
                f"Outcome {self.name!r} of type {self.type!r} has a denominator; only a "
                "'rate' or a 'count' has one."
            )


@dataclass(frozen=True)
class DataDeclaration:
    """The columns of a data set by role, as a study specification declares them.

    Parameters
    ----------
    unit
        The unit of observation: ``"person_id"`` for a person x year panel,
        ``"municipality"`` for a municipality x year panel.
    time
        The period column (whole numbers, e.g. ``"year"``).
    cohort
        The enrolment or adoption period (``"enrol_year"``); 0 or missing = never enrolled.
    outcomes
        The outcomes with their types.
    treated
        Optional 0/1 column that must equal ``cohort > 0 and time >= cohort``.
    municipality
        Optional municipality column of person-level data; a person observed in several
        municipalities is a mover (see ``movers=`` of :func:`validate_declared`).
    covariates
        Columns the analysis conditions on; they must be present and without missing values.
    name
        What the messages call the table (e.g. ``"GET Academy extract"``).

    Examples
    --------
    >>> from impact.data import DataDeclaration, OutcomeDeclaration
    >>> DataDeclaration(unit="person_id", time="year", cohort="enrol_year",
    ...                 outcomes=(OutcomeDeclaration("employed", "binary"),),
    ...                 municipality="municipality").outcome_names
    ('employed',)
    """

    unit: str
    time: str
    cohort: str
    outcomes: tuple[OutcomeDeclaration, ...]
    treated: str | None = None
    municipality: str | None = None
    covariates: tuple[str, ...] = ()
    name: str = "data"

    def __post_init__(self) -> None:
        # one outcome or one covariate name on its own is a one-item tuple (a bare string
        # would otherwise become a tuple of letters)
        outcomes = self.outcomes
        if isinstance(outcomes, OutcomeDeclaration):
            outcomes = (outcomes,)
        covariates = self.covariates
        if isinstance(covariates, str):
            covariates = (covariates,)
        object.__setattr__(self, "outcomes", tuple(outcomes))
        object.__setattr__(self, "covariates", tuple(covariates))
        if not all(isinstance(c, str) and c for c in self.covariates):
            raise OptionError(f"covariates must be column names; got {self.covariates!r}.")
        if not self.outcomes:
            raise OptionError("A data declaration needs at least one outcome.")
        for outcome in self.outcomes:
            if not isinstance(outcome, OutcomeDeclaration):
                raise OptionError(
                    f"outcomes must be OutcomeDeclaration(name, type) items; got {outcome!r}."
                )
        for role in ("unit", "time", "cohort"):
            value = getattr(self, role)
            if not isinstance(value, str) or not value:
                raise OptionError(f"{role} must be a column name; got {value!r}.")

    @property
    def outcome_names(self) -> tuple[str, ...]:
        return tuple(o.name for o in self.outcomes)

    def columns(self) -> list[str]:
        """Every column the declaration names, once, in role order."""
        names: list[str | None] = [self.unit, self.time, self.cohort, self.treated,
                                   self.municipality]  # fmt: skip
        for o in self.outcomes:
            names += [o.name, o.numerator, o.denominator]
        names += list(self.covariates)
        return list(dict.fromkeys(n for n in names if n is not None))


@dataclass(frozen=True, eq=False)
class ValidatedData:
    """The checked data and what the check changed (nothing changes without a line here).

    Attributes
    ----------
    data
        A new frame (the input is never modified); the cohort column is int64 with 0 for
        never enrolled; movers resolved as ``movers=`` said.
    never_enrolled_missing
        Rows whose cohort was missing and is now 0 (never enrolled).
    movers
        One row per unit seen in more than one municipality: the unit, ``codes`` (the
        original codes with their years, e.g. ``"0301 (2016-2018) -> 4601 (2019-2024)"``),
        ``assigned`` (the code kept; missing when dropped) and ``rule``.
    dropped_units, dropped_rows
        Units and rows removed (only by ``movers="drop"``).
    notes
        The same facts in words, for a report or a warning.
    """

    data: pd.DataFrame
    never_enrolled_missing: int = 0
    movers: pd.DataFrame = field(default_factory=pd.DataFrame)
    dropped_units: int = 0
    dropped_rows: int = 0
    notes: tuple[str, ...] = ()


def validate_declared(
    data: pd.DataFrame,
    declaration: DataDeclaration,
    *,
    movers: MoverRule | None = None,
) -> ValidatedData:
    """Check ``data`` against a :class:`DataDeclaration`; see the module docstring for the checks.

    Returns a :class:`ValidatedData` (the new frame and the report of changes) or raises a
    :class:`~impact.errors.DataError`. ``data`` is not modified.
    """
    data = as_dataframe(data)
    if not isinstance(declaration, DataDeclaration):
        raise OptionError(f"declaration must be a DataDeclaration; got {declaration!r}.")
    if movers is not None:
        check_choice(movers, argument="movers", choices=MOVER_RULES)
    d = declaration
    _present(data, d)
    frame = data.loc[:, list(data.columns)].copy(deep=True)
    _unit_time(frame, d)
    notes: list[str] = []
    missing_cohort = _cohort(frame, d)
    if missing_cohort:
        notes.append(
            f"{missing_cohort} row(s) with missing {d.cohort!r} read as never enrolled (0)."
        )
    _constant_cohort(frame, d)
    if d.treated is not None:
        _treated(frame, d)
    for outcome in d.outcomes:
        _outcome(frame, outcome, d)
    for cov in d.covariates:
        _no_missing(frame, cov, d, role="covariate")
    mover_table = pd.DataFrame(columns=[d.unit, "codes", "assigned", "rule"])
    dropped_units = dropped_rows = 0
    if d.municipality is not None and d.municipality != d.unit:
        frame, mover_table, dropped_units, dropped_rows, mover_notes = _movers(frame, d, movers)
        notes += mover_notes
    return ValidatedData(
        data=frame,
        never_enrolled_missing=missing_cohort,
        movers=mover_table,
        dropped_units=dropped_units,
        dropped_rows=dropped_rows,
        notes=tuple(notes),
    )


# -- checks ---------------------------------------------------------------------------------------


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def _example(frame: pd.DataFrame, mask: pd.Series | np.ndarray, columns: Sequence[str]) -> str:
    """``3 row(s), e.g. row 12 (person_id='000017', year=2016)``."""
    mask = np.asarray(mask, dtype=bool)
    i = frame.index[mask][0]
    cols = list(dict.fromkeys(c for c in columns if c is not None and c in frame.columns))
    values = ", ".join(f"{c}={_plain(frame.at[i, c])!r}" for c in cols)
    return f"{int(mask.sum())} row(s), e.g. row {i} ({values})"


def _present(data: pd.DataFrame, d: DataDeclaration) -> None:
    missing = [c for c in d.columns() if c not in data.columns]
    if not missing:
        return
    have = [str(c) for c in data.columns]
    hints = []
    for c in missing:
        close = difflib.get_close_matches(c, have, n=1, cutoff=0.6)
        hints.append(f"{c!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    raise DataError(
        f"The {d.name} table lacks the declared column(s) {', '.join(hints)}; it has "
        f"{have[:40]}. Rename the columns (read_extract's mapping) or fix the declaration."
    )


def _whole(column: pd.Series) -> pd.Series:
    """True where a numeric value is a whole number (missing counts as whole)."""
    values = pd.to_numeric(column, errors="coerce").astype(float)
    return values.isna() | (values % 1 == 0)


def _numeric(frame: pd.DataFrame, col: str, d: DataDeclaration, *, what: str) -> None:
    column = frame[col]
    if pd.api.types.is_bool_dtype(column) or pd.api.types.is_numeric_dtype(column):
        return
    example = column.dropna().drop_duplicates().head(3).tolist()
    raise DataError(
        f"The {d.name} table's column {col!r} ({what}) has dtype {str(column.dtype)!r}, e.g. "
        f"values {example}; it must hold numbers. Convert it, e.g. "
        f"pd.to_numeric(data[{col!r}]) (or map text labels to numbers first)."
    )


def _unit_time(frame: pd.DataFrame, d: DataDeclaration) -> None:
    for col in (d.unit, d.time):
        miss = frame[col].isna()
        if miss.any():
            raise DataError(
                f"The {d.name} table has missing {col!r}: {_example(frame, miss, [d.unit, d.time])}. "
                f"Every row needs its {col}; find the rows in the source extract."
            )
    _numeric(frame, d.time, d, what="time")
    not_whole = ~_whole(frame[d.time])
    if not_whole.any():
        raise DataError(
            f"The {d.name} table's time column {d.time!r} has values that are not whole "
            f"periods: {_example(frame, not_whole, [d.unit, d.time])}. Use whole years."
        )
    dup = frame.duplicated([d.unit, d.time], keep=False)
    if dup.any():
        raise DataError(
            f"The {d.name} table has several rows for one ({d.unit}, {d.time}): "
            f"{_example(frame, dup, [d.unit, d.time])}. Each unit has one row per period; "
            "aggregate or de-duplicate the extract."
        )


def _cohort(frame: pd.DataFrame, d: DataDeclaration) -> int:
    """Normalise the cohort to int64 with 0 = never; return how many missing became 0."""
    _numeric(frame, d.cohort, d, what="enrolment period")
    values = pd.to_numeric(frame[d.cohort]).astype(float)
    missing = values.isna()
    bad = ~missing & ((values % 1 != 0) | (values < 0))
    if bad.any():
        raise DataError(
            f"The {d.name} table's enrolment column {d.cohort!r} has values that are not "
            f"periods: {_example(frame, bad.to_numpy(), [d.unit, d.time, d.cohort])}. It holds "
            "the enrolment period (e.g. 2019), with 0 or missing for never enrolled."
        )
    times = pd.to_numeric(frame[d.time]).astype(float)
    if times.min() >= 1900:
        small = (values > 0) & (values < 1900)
        if small.any():
            raise DataError(
                f"The {d.name} table's enrolment column {d.cohort!r} holds small numbers where "
                f"periods are years: {_example(frame, small.to_numpy(), [d.unit, d.cohort])}. "
                "It must be the enrolment year (0 or missing = never), not an indicator."
            )
    frame[d.cohort] = values.fillna(0).astype(np.int64).to_numpy()
    return int(missing.sum())


def _constant_cohort(frame: pd.DataFrame, d: DataDeclaration) -> None:
    varying = frame.groupby(d.unit, sort=False)[d.cohort].transform("nunique") > 1
    if varying.any():
        unit = frame.loc[varying.to_numpy(), d.unit].iloc[0]
        values = sorted(frame.loc[frame[d.unit] == unit, d.cohort].unique().tolist())
        raise DataError(
            f"The {d.name} table has several {d.cohort!r} values within one {d.unit!r}: "
            f"{int(frame.loc[varying.to_numpy(), d.unit].nunique())} unit(s), e.g. "
            f"{d.unit}={_plain(unit)!r} with {values} (0 = never enrolled, as is missing). A unit "
            f"enrols once; give all its rows the same {d.cohort!r}."
        )


def _treated(frame: pd.DataFrame, d: DataDeclaration) -> None:
    assert d.treated is not None
    _numeric(frame, d.treated, d, what="treated indicator")
    _no_missing(frame, d.treated, d, role="treated indicator")
    treated = frame[d.treated].astype(float)
    off = ~treated.isin([0.0, 1.0])
    if off.any():
        raise DataError(
            f"The {d.name} table's {d.treated!r} must be 0 or 1: "
            f"{_example(frame, off.to_numpy(), [d.unit, d.time, d.treated])}."
        )
    expected = (frame[d.cohort] > 0) & (frame[d.time] >= frame[d.cohort])
    wrong = treated.to_numpy() != expected.to_numpy().astype(float)
    if wrong.any():
        raise DataError(
            f"The {d.name} table has {d.treated!r} inconsistent with {d.cohort!r}: "
            f"{_example(frame, wrong, [d.unit, d.time, d.cohort, d.treated])}. {d.treated!r} "
            f"must be 1 exactly from the enrolment period on ({d.treated} = {d.time} >= "
            f"{d.cohort} > 0; {d.cohort} = 0 or missing = never); fix one of the two columns."
        )


def _no_missing(frame: pd.DataFrame, col: str, d: DataDeclaration, *, role: str) -> None:
    miss = frame[col].isna()
    if miss.any():
        raise DataError(
            f"The {d.name} table's {role} {col!r} (dtype {str(frame[col].dtype)!r}) has missing "
            f"values: {_example(frame, miss.to_numpy(), [d.unit, d.time, col])}. impact does not "
            "drop rows for you: fill the values from the source, or remove those rows yourself "
            "before validating and report how many."
        )


def _outcome(frame: pd.DataFrame, o: OutcomeDeclaration, d: DataDeclaration) -> None:
    col = o.name
    _numeric(frame, col, d, what=f"declared {o.type} outcome")
    _no_missing(frame, col, d, role=f"{o.type} outcome")
    values = frame[col].astype(float)
    dtype = str(frame[col].dtype)
    if o.type == "binary":
        off = ~values.isin([0.0, 1.0])
        rule = "0 or 1"
    elif o.type == "count":
        off = (values < 0) | (values % 1 != 0)
        rule = "a whole number >= 0"
    elif o.type == "rate":
        off = (values < 0) | (values > 1)
        rule = "a share between 0 and 1"
    else:
        off = ~np.isfinite(values)
        rule = "a finite number"
    if off.any():
        shown = values[off].drop_duplicates().head(5).tolist()
        raise DataError(
            f"The {d.name} table's outcome {col!r} is declared {o.type} (each value {rule}) but "
            f"has dtype {dtype!r} with values {shown}: "
            f"{_example(frame, off.to_numpy(), [d.unit, d.time, col])}. Recode the column, or "
            "declare the type it has."
        )
    if o.denominator is not None:
        for c in (o.denominator, o.numerator):
            if c is not None:
                _numeric(frame, c, d, what=f"count behind {col!r}")
        den = frame[o.denominator].astype(float)
        if o.type == "count":
            over = values > den
            if over.any():
                raise DataError(
                    f"The {d.name} table's count {col!r} exceeds its denominator "
                    f"{o.denominator!r}: "
                    f"{_example(frame, over.to_numpy(), [d.unit, d.time, col, o.denominator])}."
                )
        if o.numerator is not None:
            num = frame[o.numerator].astype(float)
            share = num / den.where(den > 0)
            off = (den <= 0) | (num > den) | ((values - share).abs() > RATE_TOLERANCE + 1e-9)
            if off.any():
                cols = [d.unit, d.time, o.numerator, o.denominator, col]
                raise DataError(
                    f"The {d.name} table's rate {col!r} disagrees with {o.numerator!r} / "
                    f"{o.denominator!r} (by more than {RATE_TOLERANCE:g}, or the counts are "
                    f"impossible): {_example(frame, off.to_numpy(), cols)}. Recompute "
                    f"{col} = {o.numerator} / {o.denominator}, or fix the counts."
                )


def _spells(rows: pd.DataFrame, unit: str, time: str, code: str) -> dict[object, str]:
    """Per unit, ``0301 (2016-2018) -> 4601 (2019-2024)`` from rows sorted by unit and time."""
    new_spell = rows[unit].ne(rows[unit].shift()) | rows[code].ne(rows[code].shift())
    spell = new_spell.cumsum().to_numpy()
    spells = rows.groupby(spell, sort=False).agg(
        unit=(unit, "first"), code=(code, "first"), start=(time, "first"), end=(time, "last")
    )
    years = (
        spells["start"]
        .astype(str)
        .where(
            spells["start"] == spells["end"],
            spells["start"].astype(str) + "-" + spells["end"].astype(str),
        )
    )
    label = spells["code"].astype(str) + " (" + years + ")"
    joined = label.groupby(spells["unit"].to_numpy(), sort=False).agg(" -> ".join)
    return dict(zip(joined.index, joined.to_numpy(), strict=True))


def _movers(
    frame: pd.DataFrame, d: DataDeclaration, rule: MoverRule | None
) -> tuple[pd.DataFrame, pd.DataFrame, int, int, list[str]]:
    assert d.municipality is not None
    muni = d.municipality
    _no_missing(frame, muni, d, role="municipality")
    counts = frame.groupby(d.unit, sort=False)[muni].nunique()
    moving = counts.index[counts.to_numpy() > 1]
    empty = pd.DataFrame(columns=[d.unit, "codes", "assigned", "rule"])
    if len(moving) == 0:
        return frame, empty, 0, 0, []
    rows = frame.loc[frame[d.unit].isin(moving), [d.unit, d.time, d.cohort, muni]]
    rows = rows.sort_values([d.unit, d.time], kind="stable")
    histories = _spells(rows, d.unit, d.time, muni)
    n_units = int(frame[d.unit].nunique())
    if rule is None:
        examples = "; ".join(f"{d.unit} {u!r}: {h}" for u, h in list(histories.items())[:3])
        raise DataError(
            f"The {d.name} table has {len(moving)} {d.unit}(s) of {n_units} in more than one "
            f"{muni!r}, e.g. {examples}. Say how to assign them: validate(..., "
            f"movers='first') keeps the municipality of the first period, movers='enrolment' "
            f"the one in the enrolment period (the first period for the never enrolled), "
            f"movers='drop' removes these {d.unit}s (they are counted in the report)."
        )
    notes: list[str] = []
    first = rows.groupby(d.unit, sort=False)[muni].first()
    if rule == "drop":
        keep = ~frame[d.unit].isin(moving)
        dropped_rows = int((~keep).sum())
        frame = frame.loc[keep.to_numpy()].copy()
        assigned = pd.Series(pd.NA, index=first.index, dtype="object")
        notes.append(
            f"{len(moving)} {d.unit}(s) of {n_units} observed in more than one {muni!r} dropped "
            f"(movers='drop'): {dropped_rows} rows removed."
        )
        table = _mover_table(d, histories, assigned, rule)
        return frame, table, len(moving), dropped_rows, notes
    if rule == "first":
        assigned = first
        notes.append(
            f"{len(moving)} {d.unit}(s) of {n_units} observed in more than one {muni!r} kept in "
            "the municipality of their first period (movers='first')."
        )
    else:
        at_enrol = rows[(rows[d.cohort] > 0) & (rows[d.time] == rows[d.cohort])]
        at_enrol = at_enrol.groupby(d.unit, sort=False)[muni].first()
        enrolled = rows.groupby(d.unit, sort=False)[d.cohort].first() > 0
        unseen = enrolled & ~enrolled.index.isin(at_enrol.index)
        assigned = first.copy()
        assigned.loc[at_enrol.index] = at_enrol
        notes.append(
            f"{len(moving)} {d.unit}(s) of {n_units} observed in more than one {muni!r} assigned "
            f"to the municipality of their enrolment period (movers='enrolment'); "
            f"{int((~enrolled).sum())} never enrolled kept in their first municipality"
            + (
                f", {int(unseen.sum())} enrolled but not observed in the enrolment period kept "
                "in their first municipality."
                if unseen.any()
                else "."
            )
        )
    target = frame[d.unit].map(assigned)
    is_mover = frame[d.unit].isin(moving).to_numpy()
    frame.loc[is_mover, muni] = target[is_mover].to_numpy()
    return frame, _mover_table(d, histories, assigned, rule), 0, 0, notes


def _mover_table(
    d: DataDeclaration, histories: dict[object, str], assigned: pd.Series, rule: str
) -> pd.DataFrame:
    units = list(histories)
    return pd.DataFrame(
        {
            d.unit: units,
            "codes": [histories[u] for u in units],
            "assigned": [assigned.get(u) for u in units],
            "rule": rule,
        }
    )
