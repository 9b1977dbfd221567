"""Schemas of the data `impact` reads, with errors that name the column, the value and the fix.

Built on pandera (declarative, well kept, gives every failing check and the offending values
in one go); :func:`validate` turns pandera's report into an :class:`impact.errors.DataError`.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pandera.pandas as pa

from impact.checks import as_dataframe, check_choice
from impact.data.declaration import DataDeclaration, MoverRule, validate_declared
from impact.data.population import GRADE_BANDS, PARENTS_EDUCATION
from impact.errors import DataChangeWarning, DataError, OptionError

_binary = pa.Check.isin([0, 1], error="must be 0 or 1")
_count = pa.Check.ge(0, error="must be a non-negative count")


def _not_more_than(part: str, whole: str) -> pa.Check:
    def check(d: pd.DataFrame) -> pd.Series | bool:
        if part not in d.columns or whole not in d.columns:
            return True  # the missing column is reported on its own
        return d[part] <= d[whole]

    return pa.Check(check, error=f"{part} must not exceed {whole}")


def _col(dtype: object, *checks: pa.Check, nullable: bool = False) -> pa.Column:
    return pa.Column(dtype, checks=list(checks), nullable=nullable, coerce=False)


PERSONS = pa.DataFrameSchema(
    {
        "person_id": _col(int),
        "municipality": _col(int),
        "county": _col(int),
        "year": _col(int),
        "sex": _col(str, pa.Check.isin(["F", "M"], error="must be 'F' or 'M'")),
        "parents_education": _col(str, pa.Check.isin(list(PARENTS_EDUCATION))),
        "income_quintile": _col(int, pa.Check.isin([1, 2, 3, 4, 5])),
        "immigrant": _col(int, _binary),
        "grade_points": _col(float, pa.Check.in_range(0, 60)),
        "grade_band": _col(str, pa.Check.isin(list(GRADE_BANDS))),
        "adoption_year": _col(int, pa.Check.ge(0)),
        "treated": _col(int, _binary),
        "completed_vgs": _col(int, _binary),
    },
    name="flyt persons",
)

MUNICIPALITY_PANEL = pa.DataFrameSchema(
    {
        "municipality": _col(int),
        "county": _col(int),
        "year": _col(int),
        "adoption_year": _col(int, pa.Check.ge(0)),
        "treated": _col(int, _binary),
        "n": _col(int, pa.Check.gt(0, error="a municipality-year needs at least one person")),
        "completed": _col(int, _count),
        "completion_rate": _col(float, pa.Check.in_range(0, 1)),
    },
    checks=[_not_more_than("completed", "n")],
    name="municipality x year panel",
)

PERSON_YEAR_PANEL = pa.DataFrameSchema(
    {
        "person_id": _col(int),
        "year": _col(int),
        "age": _col(int, pa.Check.in_range(13, 35)),
        "enrol_year": _col(int, pa.Check.ge(0)),
        "treated": _col(int, _binary),
        "neet": _col(int, _binary),
    },
    name="person x year panel",
)

CELLS = pa.DataFrameSchema(
    {
        "n": _col(int, pa.Check.gt(0, error="a cell must hold at least one person (n > 0)")),
        "successes": _col(int, _count),
    },
    checks=[_not_more_than("successes", "n")],
    name="cells",
)

#: Columns that identify a row, per schema (checked before pandera, with a clearer message).
KEYS: dict[str, list[str]] = {
    "persons": ["person_id"],
    "municipality_panel": ["municipality", "year"],
    "person_year_panel": ["person_id", "year"],
}

SCHEMAS: dict[str, pa.DataFrameSchema] = {
    "persons": PERSONS,
    "municipality_panel": MUNICIPALITY_PANEL,
    "person_year_panel": PERSON_YEAR_PANEL,
    "cells": CELLS,
}


#: Per schema: the adoption-year column, the unit within which it is constant, and the
#: treated indicator it implies (``treated == (cohort > 0 and year >= cohort)``).
COHORTS: dict[str, tuple[str, str]] = {
    "persons": ("adoption_year", "municipality"),
    "municipality_panel": ("adoption_year", "municipality"),
    "person_year_panel": ("enrol_year", "person_id"),
}
#: ``completion_rate`` may differ from ``completed / n`` by rounding to two decimals.
RATE_TOLERANCE = 0.005


def validate(
    data: pd.DataFrame,
    schema: str | pa.DataFrameSchema | DataDeclaration,
    *,
    movers: MoverRule | None = None,
) -> pd.DataFrame:
    """Check ``data`` against a named schema or a declaration; raise a clear DataError.

    With a :class:`~impact.data.DataDeclaration` (what a study declares: unit, time,
    enrolment, outcomes with their types, municipality, covariates) this runs
    :func:`~impact.data.validate_declared` and returns its new frame (the input is never
    modified): missing or 0 enrolment means never enrolled, a person seen in several
    municipalities needs ``movers="first"``, ``"enrolment"`` or ``"drop"`` (the error lists
    the persons by their codes). Whatever it changed (missing enrolment read as 0, movers
    assigned or dropped) is counted in a :class:`~impact.errors.DataChangeWarning`; call
    ``validate_declared`` for the same facts as a :class:`~impact.data.ValidatedData`.

    With a fixed schema name (``"persons"``, ``"municipality_panel"``,
    ``"person_year_panel"``, ``"cells"``) or a pandera schema the frame is returned
    unchanged. The error lists every failing column with the check it failed, the column's
    dtype, up to five offending values and how many rows fail, and a suggested fix. A named
    schema also checks that the
    columns agree with each other: ``treated`` is 1 exactly from the adoption year
    (``adoption_year``, ``enrol_year``; 0 = never) on, the adoption year is constant
    within a unit, ``event_time`` is ``year`` minus the adoption year, and
    ``completion_rate`` equals ``completed / n`` up to rounding (0.005).

    ``data`` may be a polars or pyarrow table (converted once with ``to_pandas()``); the
    returned frame is then the converted one. A schema name with a typo is an
    :class:`~impact.errors.OptionError` listing the valid names.
    """
    data = as_dataframe(data)
    if isinstance(schema, DataDeclaration):
        checked = validate_declared(data, schema, movers=movers)
        if checked.notes:
            warnings.warn(
                f"validate changed the {schema.name} table: " + " ".join(checked.notes),
                DataChangeWarning,
                stacklevel=2,
            )
        return checked.data
    if movers is not None:
        raise OptionError(
            f"movers={movers!r} applies to a DataDeclaration (which names the municipality "
            f"column); the fixed schema {schema!r} has no movers to resolve."
        )
    if isinstance(schema, str):
        check_choice(schema, argument="schema", choices=tuple(SCHEMAS))
    elif not isinstance(schema, pa.DataFrameSchema):
        raise OptionError(
            f"schema={schema!r} must be a schema name ({list(SCHEMAS)}), a pandera "
            "DataFrameSchema or an impact.data.DataDeclaration."
        )
    sch = SCHEMAS[schema] if isinstance(schema, str) else schema
    keys = KEYS.get(schema, []) if isinstance(schema, str) else []
    if keys and set(keys) <= set(data.columns):
        dup = data.duplicated(subset=keys, keep=False)
        if dup.any():
            example = data.loc[dup, keys].drop_duplicates().head(3).to_dict("records")
            raise DataError(
                f"The {sch.name} table has {int(dup.sum())} rows with duplicate {keys} keys, e.g. "
                f"{example}; each key must appear once — remove or aggregate the duplicates."
            )
    try:
        sch.validate(data, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cohort = COHORTS[schema][0] if isinstance(schema, str) and schema in COHORTS else None
        raise DataError(_describe(exc, sch.name or "data", data, cohort)) from None
    if isinstance(schema, str):
        _check_consistency(data, schema, sch.name or schema)
    return data


def _plain(value: object) -> object:
    """A numpy scalar as the Python value (messages show 2016, not np.int64(2016))."""
    return value.item() if isinstance(value, np.generic) else value


def _row(data: pd.DataFrame, mask: pd.Series, columns: list[str]) -> str:
    """The first row where ``mask`` holds, as ``row 12 (municipality=301, year=2016)``."""
    i = data.index[mask.to_numpy()][0]
    values = ", ".join(f"{c}={_plain(data.at[i, c])!r}" for c in columns if c in data.columns)
    return f"{int(mask.sum())} row(s), e.g. row {i} ({values})"


def _check_consistency(data: pd.DataFrame, schema: str, name: str) -> None:
    """Columns that must agree with each other (see :func:`validate`)."""
    if schema == "municipality_panel":
        share = data["completed"] / data["n"]
        off = (data["completion_rate"] - share).abs() > RATE_TOLERANCE + 1e-9
        if off.any():
            raise DataError(
                f"The {name} table has 'completion_rate' that disagrees with 'completed' / 'n' "
                f"(by more than {RATE_TOLERANCE:g}): "
                f"{_row(data, off, ['municipality', 'year', 'completed', 'n', 'completion_rate'])}. "
                "Recompute completion_rate = completed / n, or fix the counts."
            )
    if schema not in COHORTS:
        return
    cohort, unit = COHORTS[schema]
    varying = data.groupby(unit, sort=False)[cohort].transform("nunique") > 1
    if varying.any():
        raise DataError(
            f"The {name} table has several {cohort!r} values within one {unit!r}: "
            f"{_row(data, varying, [unit, 'year', cohort])}. Each {unit} adopts once; give all "
            f"its rows the same {cohort!r} (0 if it never adopts)."
        )
    expected = ((data[cohort] > 0) & (data["year"] >= data[cohort])).astype(int)
    wrong = data["treated"] != expected
    if wrong.any():
        raise DataError(
            f"The {name} table has 'treated' inconsistent with {cohort!r}: "
            f"{_row(data, wrong, [unit, 'year', cohort, 'treated'])}. 'treated' must be 1 "
            f"exactly from the adoption year on (treated = year >= {cohort} > 0, {cohort} = 0 "
            "never); fix 'treated' or the adoption year."
        )
    if "event_time" in data.columns:
        adopted = data[cohort] > 0
        event = pd.to_numeric(data["event_time"], errors="coerce")
        off = adopted & (event != data["year"] - data[cohort]).fillna(True)
        off |= ~adopted & event.notna()
        if off.any():
            raise DataError(
                f"The {name} table has 'event_time' inconsistent with 'year' - {cohort!r}: "
                f"{_row(data, off, [unit, 'year', cohort, 'event_time'])}. Set event_time = "
                f"year - {cohort} for adopters and leave it missing for never-adopters."
            )


def _describe(
    exc: pa.errors.SchemaErrors, name: str, data: pd.DataFrame, cohort: str | None
) -> str:
    """pandera's failure cases as lines naming the column, the real dtype and the fix."""
    cases = exc.failure_cases
    lines = [f"The {name} table does not match the expected schema:"]
    for (column, check), group in cases.groupby(["column", "check"], dropna=False, sort=False):
        values = group["failure_case"].drop_duplicates().head(5).tolist()
        col = "(whole table)" if pd.isna(column) else repr(column)
        if str(check) == "column_in_dataframe":
            lines.append(f"  - column {values[0]!r} is missing: add it (see docs/contracts.md).")
            continue
        # the dtype as the column has it (pandera's failure case is NaN when the column
        # also has missing values, which printed "dtype nan")
        dtype = str(data[column].dtype) if column in data.columns else str(values[0])
        if column == cohort and (str(check) == "not_nullable" or "dtype" in str(check)):
            if f"column {col} (dtype {dtype!r}) is the adoption" in "\n".join(lines):
                continue  # one line for both failures (missing values make the dtype float)
            lines.append(
                f"  - column {col} (dtype {dtype!r}) is the adoption/enrolment year; missing "
                f"means never adopted: write 0 for those rows (data[{col}].fillna(0)"
                ".astype('int64')), or validate against a DataDeclaration, which reads missing "
                "as never enrolled."
            )
            continue
        if "dtype" in str(check):
            lines.append(
                f"  - column {col} has dtype {dtype!r}; expected {check}: convert it "
                f"(e.g. df[{col}].astype(...))."
            )
            continue
        if str(check) == "not_nullable":
            lines.append(
                f"  - column {col} (dtype {dtype!r}) has {len(group)} missing value(s): fill "
                "them from the source; if some rows truly cannot be used, drop them yourself "
                "and report how many."
            )
            continue
        lines.append(
            f"  - column {col} (dtype {dtype!r}) fails check {check}: {len(group)} row(s), "
            f"e.g. values {values}; correct those values in the source extract."
        )
    return "\n".join(lines)
