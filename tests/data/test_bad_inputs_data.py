"""Bad inputs to impact.data get impact's own error naming the column, the value and the fix."""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import polars as pl
import pyarrow as pa
import pytest

from impact.data import SyntheticData, simulate, to_cells, validate
from impact.errors import DataError, OptionError


@pytest.fixture(scope="module")
def unginvest_small() -> SyntheticData:
    return simulate("unginvest", seed=3, scale=0.1)


def test_schema_name_typo_lists_the_valid_names(flyt_small) -> None:
    with pytest.raises(OptionError) as info:
        validate(flyt_small.panel, "municipality-panel")
    message = str(info.value)
    assert "schema='municipality-panel'" in message
    assert "Did you mean 'municipality_panel'?" in message
    assert "'person_year_panel'" in message and "'cells'" in message


def test_schema_of_the_wrong_type_is_refused(flyt_small) -> None:
    with pytest.raises(OptionError, match=r"schema=3 must be a schema name"):
        validate(flyt_small.panel, 3)  # type: ignore[arg-type]


def _rate(p: pd.DataFrame) -> pd.DataFrame:
    q = p.copy()
    q.loc[5, "completion_rate"] = 0.5
    return q


def _treated_never(p: pd.DataFrame) -> pd.DataFrame:
    q = p.copy()
    q.loc[q.index[q["adoption_year"] == 0][0], "treated"] = 1
    return q


def _untreated_after(p: pd.DataFrame) -> pd.DataFrame:
    q = p.copy()
    q.loc[q.index[q["treated"] == 1][0], "treated"] = 0
    return q


def _cohort_varies(p: pd.DataFrame) -> pd.DataFrame:
    q = p.copy()
    i = q.index[q["adoption_year"] > 0][0]
    q.loc[i, "adoption_year"] += 1
    return q


def _event_time(p: pd.DataFrame) -> pd.DataFrame:
    q = p.copy()
    i = q.index[q["treated"] == 1][0]
    q.loc[i, "event_time"] += 1
    return q


CASES: list[tuple[str, Callable[[pd.DataFrame], pd.DataFrame], tuple[str, ...]]] = [
    (
        "rate vs counts",
        _rate,
        ("'completion_rate'", "completed / n", "completion_rate=0.5", "row 5"),
    ),
    ("treated in never-adopter", _treated_never, ("'treated'", "adoption_year=0", "treated=1")),
    (
        "untreated after adoption",
        _untreated_after,
        ("'treated'", "treated=0", "year >= adoption_year"),
    ),
    ("cohort varies in unit", _cohort_varies, ("'adoption_year'", "'municipality'", "adopts once")),
    ("event_time vs year", _event_time, ("'event_time'", "year - adoption_year")),
]


@pytest.mark.parametrize(("mutate", "keys"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_panel_columns_must_agree(flyt_small, mutate, keys) -> None:
    with pytest.raises(DataError) as info:
        validate(mutate(flyt_small.panel), "municipality_panel")
    for key in keys:
        assert key in str(info.value), str(info.value)


def test_person_year_panel_treated_against_enrol_year(unginvest_small) -> None:
    bad = unginvest_small.persons.copy()
    bad.loc[bad.index[bad["enrol_year"] == 0][0], "treated"] = 1
    with pytest.raises(DataError, match=r"'treated' inconsistent with 'enrol_year'.*person_id="):
        validate(bad, "person_year_panel")


def test_rates_within_rounding_pass(flyt_small) -> None:
    rounded = flyt_small.panel.assign(completion_rate=flyt_small.panel["completion_rate"].round(2))
    assert validate(rounded, "municipality_panel") is rounded


@pytest.mark.parametrize(
    "convert", [pl.from_pandas, pa.Table.from_pandas], ids=["polars", "pyarrow"]
)
def test_polars_and_arrow_tables_are_converted(flyt_small, convert) -> None:
    panel = flyt_small.panel.drop(columns="event_time")
    checked = validate(convert(panel), "municipality_panel")
    assert isinstance(checked, pd.DataFrame) and len(checked) == len(panel)
    cells = to_cells(
        convert(flyt_small.persons[["municipality", "completed_vgs"]]),
        by=["municipality"],
        outcome="completed_vgs",
    )
    assert cells["n"].sum() == len(flyt_small.persons)


@pytest.mark.parametrize(
    ("kwargs", "keys"),
    [
        ({"by": ["g"], "outcome": ["y"]}, ("outcome", "['y']", "outcome='y'")),
        ({"by": [1], "outcome": "y"}, ("by", "[1]")),
        ({"by": ["g", "g"], "outcome": "y"}, ("by names a column twice",)),
    ],
)
def test_to_cells_column_arguments(kwargs, keys) -> None:
    df = pd.DataFrame({"g": ["a", "b"], "y": [0, 1]})
    with pytest.raises(OptionError) as info:
        to_cells(df, **kwargs)
    for key in keys:
        assert key in str(info.value)


def test_a_non_table_is_refused_naming_its_type() -> None:
    with pytest.raises(OptionError, match="got builtins.dict"):
        validate({"n": [1]}, "cells")  # type: ignore[arg-type]
