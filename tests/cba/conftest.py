"""Shared fixtures for the cost-benefit tests (fresh objects per test, no shared state)."""

from __future__ import annotations

import pytest

from impact.cba import Parameters, Programme, load_parameters


@pytest.fixture
def params() -> Parameters:
    return load_parameters()


@pytest.fixture
def one_neet_year() -> Programme:
    """One participant aged 20 in 2023, prices 2023 (= the parameters' price year), no cost."""
    return Programme(
        "one NEET year",
        participants=1,
        age=20,
        start_year=2023,
        costs={},
        outcomes=("neet",),
        neet_event_times=(0,),
    )


@pytest.fixture
def unginvest_like() -> Programme:
    return Programme(
        "UngInvest-like",
        participants=950,
        age=19,
        start_year=2013,
        costs={"kommune": 180_000, "stat": 90_000, "private": 30_000},
        neet_event_times=tuple(range(48)),
        non_monetised={"wellbeing": (2, "fewer youths feel outside"), "mental health": 1},
    )
