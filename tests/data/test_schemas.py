"""Bad data gets a clear error naming the column, the value and the fix."""

from __future__ import annotations

import pandas as pd
import pytest

from impact.data import to_cells, validate
from impact.errors import DataError


def test_missing_column_is_named(flyt_small):
    with pytest.raises(DataError, match="column 'n' is missing"):
        validate(flyt_small.panel.drop(columns="n"), "municipality_panel")


def test_non_binary_and_out_of_range_values_are_named(flyt_small):
    bad = flyt_small.panel.copy()
    bad.loc[3, "treated"] = 2
    bad.loc[4, "completion_rate"] = 1.5
    with pytest.raises(DataError) as info:
        validate(bad, "municipality_panel")
    message = str(info.value)
    assert "'treated'" in message and "must be 0 or 1" in message and "2" in message
    assert "'completion_rate'" in message and "1.5" in message


def test_duplicate_unit_period_rows_are_an_error(flyt_small):
    bad = pd.concat([flyt_small.panel, flyt_small.panel.iloc[[0]]], ignore_index=True)
    with pytest.raises(DataError, match=r"duplicate \['municipality', 'year'\]"):
        validate(bad, "municipality_panel")


def test_wrong_dtype_says_how_to_convert(flyt_small):
    with pytest.raises(DataError, match="'year' has dtype 'float64'.*astype"):
        validate(flyt_small.panel.assign(year=flyt_small.panel["year"] * 1.0), "municipality_panel")


def test_cells_reject_successes_above_n_and_empty_cells():
    cells = pd.DataFrame({"n": [3, 0], "successes": [4, 0]})
    with pytest.raises(DataError) as info:
        validate(cells, "cells")
    assert "successes must not exceed n" in str(info.value)
    assert "n > 0" in str(info.value)


def test_validate_does_not_modify_input(flyt_small):
    before = flyt_small.panel.copy()
    validate(flyt_small.panel, "municipality_panel")
    pd.testing.assert_frame_equal(before, flyt_small.panel)


def test_to_cells_checks_binary_outcome_and_missing_keys():
    df = pd.DataFrame({"g": ["a", "a", "b"], "y": [0, 1, 2]})
    with pytest.raises(DataError, match="'y' must be binary 0/1; found values \\[2\\]"):
        to_cells(df, by=["g"], outcome="y")
    df = pd.DataFrame({"g": ["a", None, "b"], "y": [0, 1, 1]})
    with pytest.raises(DataError, match="'g' has 1 missing"):
        to_cells(df, by=["g"], outcome="y")
    with pytest.raises(DataError, match=r"\['h'\] not in the data"):
        to_cells(df, by=["h"], outcome="y")


def test_to_cells_counts():
    df = pd.DataFrame({"g": ["a", "a", "b", "b", "b"], "y": [0, 1, 1, 1, 0]})
    cells = to_cells(df, by=["g"], outcome="y")
    assert cells.to_dict("list") == {"g": ["a", "b"], "n": [2, 3], "successes": [1, 2]}
