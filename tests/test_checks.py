"""impact.checks: the option checks every public function shares."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from impact.checks import (
    as_dataframe,
    check_alpha,
    check_choice,
    check_column,
    check_columns,
    check_count,
    check_fraction,
    check_seed,
)
from impact.errors import OptionError


def test_dataframe_passes_through_and_arrow_is_converted() -> None:
    df = pd.DataFrame({"y": [1.0, 2.0]})
    assert as_dataframe(df) is df
    converted = as_dataframe(pa.table({"y": [1.0, 2.0]}))
    pd.testing.assert_frame_equal(converted, df)


@pytest.mark.parametrize("bad", [[1, 2], {"y": [1]}, np.zeros((2, 2)), "data.csv"])
def test_non_tables_are_refused_by_type(bad: object) -> None:
    with pytest.raises(OptionError, match=type(bad).__name__):
        as_dataframe(bad)


def test_duplicate_column_names_are_named() -> None:
    df = pd.DataFrame([[1, 2, 3]], columns=["y", "t", "y"])
    with pytest.raises(OptionError, match=r"duplicate column names \['y'\]"):
        as_dataframe(df)


def test_column_arguments() -> None:
    assert check_column("y", argument="outcome") == "y"
    assert check_column(None, argument="cluster", optional=True) is None
    with pytest.raises(OptionError, match=r"outcome must be the name .* outcome='y'"):
        check_column(["y"], argument="outcome")
    with pytest.raises(OptionError, match="cluster"):
        check_column(None, argument="cluster")
    assert check_columns("x", argument="covariates") == ("x",)
    assert check_columns(None, argument="covariates") == ()
    with pytest.raises(OptionError, match="twice"):
        check_columns(["x", "x"], argument="covariates")
    with pytest.raises(OptionError, match="covariates"):
        check_columns([1, 2], argument="covariates")


@pytest.mark.parametrize("alpha", [0, 1, 1.5, -0.1, 2, "0.05", True, float("nan")])
def test_alpha_outside_the_open_unit_interval(alpha: object) -> None:
    with pytest.raises(OptionError, match="alpha"):
        check_alpha(alpha)


def test_alpha_and_fraction_accept_proper_values() -> None:
    assert check_alpha(0.05) == 0.05
    assert check_fraction(np.float64(0.9), argument="target_accept") == 0.9
    with pytest.raises(OptionError, match="target_accept"):
        check_fraction(1.0, argument="target_accept")


@pytest.mark.parametrize("n", [0, -1, 2.5, "10", True, float("inf"), None])
def test_counts(n: object) -> None:
    with pytest.raises(OptionError, match="n_boot"):
        check_count(n, argument="n_boot")


def test_counts_accept_whole_numbers() -> None:
    assert check_count(999, argument="n_boot") == 999
    assert check_count(np.int64(3), argument="n_boot") == 3
    assert check_count(10.0, argument="n_boot") == 10
    assert check_count(None, argument="n_boot", optional=True) is None
    assert check_count(0, argument="anticipation", minimum=0) == 0


@pytest.mark.parametrize("seed", ["abc", -1, 1.5, True, [1, 2]])
def test_bad_seeds(seed: object) -> None:
    with pytest.raises(OptionError, match="seed"):
        check_seed(seed)


def test_good_seeds() -> None:
    g = np.random.default_rng(1)
    assert check_seed(g) is g
    assert check_seed(np.int64(7)) == 7
    assert check_seed(None) is None


def test_seed_without_generator_refuses_a_generator() -> None:
    with pytest.raises(OptionError, match="seed=Generator.*whole number"):
        check_seed(np.random.default_rng(1), generator=False)
    assert check_seed(3, generator=False) == 3


def test_choice_suggests_the_closest_name() -> None:
    choices = ("persons", "municipality_panel", "cells")
    assert check_choice("cells", argument="schema", choices=choices) == "cells"
    with pytest.raises(OptionError, match=r"schema='municipality-panel'.*'municipality_panel'\?"):
        check_choice("municipality-panel", argument="schema", choices=choices)
    with pytest.raises(OptionError, match=r"schema=3 is not one of \['persons'"):
        check_choice(3, argument="schema", choices=choices)
