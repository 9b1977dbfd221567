"""Programme definitions: costs by payer, validation, the DFØ plus-minus table."""

from __future__ import annotations

import numpy as np
import pytest

from impact.cba import NonMonetised, Programme
from impact.errors import ParameterError


def test_costs_by_payer_and_year() -> None:
    prog = Programme(
        "p",
        participants=10,
        age=16,
        start_year=2024,
        costs={"kommune": [100.0, 50.0], "private": 20},
    )
    flows = prog.cost_flows(4)
    assert np.array_equal(flows["kommune"], [100.0, 50.0, 0.0, 0.0])
    assert np.array_equal(flows["private"], [20.0, 0.0, 0.0, 0.0])
    assert prog.cost_per_participant == 170.0
    assert prog.price_year == 2024
    assert prog.horizon_years(67, 75) == 51
    assert (
        Programme("p", participants=1, age=10, start_year=2024, costs={}).horizon_years(67, 40)
        == 40
    )


def test_bad_programmes_raise_with_the_offending_value() -> None:
    with pytest.raises(ParameterError, match=r"'kommune' in year 1 is -5"):
        Programme("p", participants=1, age=16, start_year=2024, costs={"kommune": [10, -5]})
    with pytest.raises(ParameterError, match="unknown payer 'foundation'"):
        Programme("p", participants=1, age=16, start_year=2024, costs={"foundation": 10})
    with pytest.raises(ParameterError, match="participants=0"):
        Programme("p", participants=0, age=16, start_year=2024, costs={})
    with pytest.raises(ParameterError, match="outcomes"):
        Programme("p", participants=1, age=16, start_year=2024, costs={}, outcomes=())
    with pytest.raises(ParameterError, match="score 7"):
        NonMonetised("wellbeing", 7)


def test_plus_minus_table() -> None:
    prog = Programme(
        "p",
        participants=1,
        age=16,
        start_year=2024,
        costs={},
        non_monetised={"wellbeing": (3, "large"), "belonging": -1},
    )
    table = prog.plus_minus()
    assert list(table["effect"]) == ["wellbeing", "belonging"]
    assert list(table["score"]) == [3, -1]
    assert list(table["assessment"]) == ["+ + +", "−"]


def test_from_cost_table_reads_a_tidy_table_without_changing_it() -> None:
    import pandas as pd

    table = pd.DataFrame(
        {
            "year": [2024, 2024, 2025, 2025],
            "payer": ["kommune", "private", "kommune", "kommune"],
            "cost_per_participant": [100.0, 20.0, 30.0, 5.0],
        }
    )
    before = table.copy()
    prog = Programme.from_cost_table("p", table, participants=5, age=16, start_year=2024)
    assert prog.yearly_costs["kommune"] == (100.0, 35.0)
    assert prog.yearly_costs["private"] == (20.0, 0.0)
    pd.testing.assert_frame_equal(table, before)
    with pytest.raises(ParameterError, match="lacks column"):
        Programme.from_cost_table(
            "p", table.rename(columns={"payer": "who"}), participants=5, age=16, start_year=2024
        )
    with pytest.raises(ParameterError, match="'year' has value 2020"):
        Programme.from_cost_table(
            "p", table.assign(year=2020), participants=5, age=16, start_year=2024
        )
    with pytest.raises(ParameterError, match="negative"):
        Programme.from_cost_table(
            "p", table.assign(cost_per_participant=-1.0), participants=5, age=16, start_year=2024
        )
