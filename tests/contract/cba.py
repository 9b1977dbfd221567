"""One instance of every public results class of impact.cba (see test_contract.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from impact import Effect
from impact.cba import Appraisal, Parameters, Programme, appraise, load_parameters


@cache
def appraisal() -> Appraisal:
    programme = Programme(
        "UngInvest",
        participants=950,
        age=19,
        start_year=2024,
        costs={"kommune": 180_000, "stat": 90_000, "private": 30_000},
        neet_event_times=(0, 1, 2),
    )
    effects = [
        Effect.from_normal(0.10, 0.04, outcome="completed_vgs", seed=1, estimator="att_gt"),
        Effect.from_normal(-0.08, 0.03, outcome="neet", seed=2, estimator="hierarchical_did"),
    ]
    return appraise(effects, programme, load_parameters(), n_draws=1000, seed=3)


INSTANCES: dict[type, Callable[[], Any]] = {
    Appraisal: appraisal,
    Parameters: load_parameters,
}
