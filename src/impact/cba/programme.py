"""The programme being appraised: who takes part, what it costs and who pays."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from impact.errors import ParameterError

#: Who can pay for the programme. "private" covers foundations and other private funders.
PAYERS: tuple[str, ...] = ("kommune", "fylkeskommune", "stat", "private")
#: Outcomes the valuation knows.
OUTCOMES: tuple[str, ...] = ("completed_vgs", "neet")
_PLUS_MINUS = {
    -4: "− − − −",
    -3: "− − −",
    -2: "− −",
    -1: "−",
    0: "0",
    1: "+",
    2: "+ +",
    3: "+ + +",
    4: "+ + + +",
}


@dataclass(frozen=True)
class NonMonetised:
    """An effect not valued in money, assessed on the DFØ plus–minus scale (−4 to +4).

    ``score`` combines significance and scope as in DFØ's guide (2023): 0 = no effect,
    ±1 small, ±2 moderate, ±3 large, ±4 very large.
    """

    name: str
    score: int
    description: str = ""

    def __post_init__(self) -> None:
        if int(self.score) != self.score or not -4 <= self.score <= 4:
            raise ParameterError(
                f"Non-monetised effect {self.name!r}: score {self.score!r} must be a whole "
                "number from -4 (very large negative) to +4 (very large positive)."
            )

    @property
    def symbol(self) -> str:
        return _PLUS_MINUS[int(self.score)]


@dataclass(frozen=True)
class Programme:
    """A programme to appraise.

    Parameters
    ----------
    name
        Programme name (used in tables and text).
    participants
        Number of participants the appraisal scales to (effects are per participant).
    age
        Age of participants when the programme starts (year 0).
    start_year
        Calendar year of year 0.
    costs
        Programme cost per participant by payer: ``{"kommune": [60_000, 20_000], "private":
        10_000}``. A number is a cost in year 0; a sequence gives the cost in years 0, 1, ...
        Payers: ``"kommune"``, ``"fylkeskommune"``, ``"stat"``, ``"private"`` (foundations
        and other private funders). Amounts are real NOK in ``price_year`` and non-negative.
    price_year
        Price year of the costs and of every result (default: ``start_year``).
    outcomes
        Outcomes the appraisal values (``"completed_vgs"``, ``"neet"``). An effect on any
        other outcome is an error.
    neet_event_times
        Years after the start over which a *summary* NEET effect (one number, no event
        times) applies; beyond the last of them it persists with ``neet_persistence``.
    non_monetised
        Effects not valued in money for the DFØ plus–minus table: name -> score (−4..+4) or
        name -> (score, description).
    horizon
        Years counted (year 0 .. horizon - 1). Default: until the participants reach the
        retirement age, at most the maximum analysis period (parameters).
    description
        Free text for reports.
    """

    name: str
    participants: int
    age: int
    start_year: int
    costs: Mapping[str, float | Sequence[float]]
    price_year: int | None = None
    outcomes: tuple[str, ...] = OUTCOMES
    neet_event_times: tuple[int, ...] = (0, 1, 2)
    non_monetised: Mapping[str, int | tuple[int, str]] | Iterable[NonMonetised] = field(
        default_factory=dict
    )
    horizon: int | None = None
    description: str = ""
    yearly_costs: Mapping[str, tuple[float, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if int(self.participants) != self.participants or self.participants <= 0:
            raise ParameterError(
                f"Programme {self.name!r}: participants={self.participants!r} must be a "
                "positive whole number."
            )
        if int(self.age) != self.age or not 10 <= self.age <= 66:
            raise ParameterError(
                f"Programme {self.name!r}: age={self.age!r} must be a whole age between 10 and 66."
            )
        if self.price_year is None:
            object.__setattr__(self, "price_year", int(self.start_year))
        unknown = [o for o in self.outcomes if o not in OUTCOMES]
        if unknown or not self.outcomes:
            raise ParameterError(
                f"Programme {self.name!r}: outcomes {list(self.outcomes)} must be a non-empty "
                f"subset of {OUTCOMES}."
            )
        object.__setattr__(self, "outcomes", tuple(self.outcomes))
        if not self.neet_event_times or any(int(k) != k or k < 0 for k in self.neet_event_times):
            raise ParameterError(
                f"Programme {self.name!r}: neet_event_times {self.neet_event_times!r} must be "
                "non-negative whole years after the start."
            )
        object.__setattr__(
            self, "neet_event_times", tuple(sorted({int(k) for k in self.neet_event_times}))
        )
        yearly = MappingProxyType(self._normalise_costs())
        object.__setattr__(self, "costs", yearly)
        object.__setattr__(self, "yearly_costs", yearly)
        object.__setattr__(self, "non_monetised", tuple(self._normalise_non_monetised()))
        if self.horizon is not None and (int(self.horizon) != self.horizon or self.horizon < 1):
            raise ParameterError(
                f"Programme {self.name!r}: horizon={self.horizon!r} must be a positive whole "
                "number of years."
            )

    def _normalise_costs(self) -> dict[str, tuple[float, ...]]:
        out: dict[str, tuple[float, ...]] = {}
        for payer, amounts in self.costs.items():
            if payer not in PAYERS:
                raise ParameterError(
                    f"Programme {self.name!r}: unknown payer {payer!r} in costs; use one of "
                    f"{PAYERS} (foundations and other private funders: 'private')."
                )
            arr = np.atleast_1d(np.asarray(amounts, dtype=float))
            if arr.ndim != 1 or not np.all(np.isfinite(arr)):
                raise ParameterError(
                    f"Programme {self.name!r}: costs for {payer!r} must be a number or a list "
                    f"of finite yearly amounts, got {amounts!r}."
                )
            if np.any(arr < 0):
                year = int(np.flatnonzero(arr < 0)[0])
                raise ParameterError(
                    f"Programme {self.name!r}: cost for {payer!r} in year {year} is "
                    f"{arr[year]:g} (negative). Enter costs as positive amounts; savings are "
                    "outcomes, not negative costs."
                )
            out[payer] = tuple(float(x) for x in arr)
        return out

    def _normalise_non_monetised(self) -> list[NonMonetised]:
        items = self.non_monetised
        if isinstance(items, Mapping):
            out = []
            for name, spec in items.items():
                if isinstance(spec, tuple):
                    out.append(NonMonetised(str(name), int(spec[0]), str(spec[1])))
                else:
                    out.append(NonMonetised(str(name), spec))
            return out
        out = list(items)
        if not all(isinstance(x, NonMonetised) for x in out):
            raise ParameterError(
                "non_monetised must map names to scores or be a list of NonMonetised items."
            )
        return out

    @classmethod
    def from_cost_table(
        cls,
        name: str,
        table: pd.DataFrame,
        *,
        participants: int,
        age: int,
        start_year: int,
        year: str = "year",
        payer: str = "payer",
        cost: str = "cost_per_participant",
        **kwargs: Any,
    ) -> Programme:
        """Build a programme from a tidy cost table (one row per calendar year and payer).

        ``table[year]`` holds calendar years (from ``start_year``), ``table[payer]`` one of
        :data:`PAYERS` and ``table[cost]`` the cost per participant in the price year; rows
        for the same year and payer are added. The table is not modified. Other keyword
        arguments go to :class:`Programme`.
        """
        missing = [c for c in (year, payer, cost) if c not in table.columns]
        if missing:
            raise ParameterError(
                f"Cost table lacks column(s) {missing}; it has {list(table.columns)}. Name the "
                "columns with year=, payer=, cost=."
            )
        years = pd.to_numeric(table[year], errors="coerce")
        if years.isna().any() or (years < start_year).any():
            bad = table.loc[years.isna() | (years < start_year), year].iloc[0]
            raise ParameterError(
                f"Cost table column {year!r} has value {bad}; use calendar years from "
                f"start_year={start_year} on."
            )
        amounts = pd.to_numeric(table[cost], errors="coerce")
        if amounts.isna().any():
            bad = table.loc[amounts.isna(), cost].iloc[0]
            raise ParameterError(f"Cost table column {cost!r} has non-numeric value {bad}.")
        offsets = (years - start_year).astype(int).to_numpy()
        costs: dict[str, list[float]] = {}
        for who, offset, amount in zip(table[payer].astype(str), offsets, amounts.to_numpy()):
            flow = costs.setdefault(who, [0.0] * (int(offsets.max()) + 1))
            flow[offset] += float(amount)
        return cls(name, participants, age, start_year, costs, **kwargs)

    @property
    def cost_per_participant(self) -> float:
        """Undiscounted programme cost per participant, all payers and years."""
        return float(sum(sum(v) for v in self.yearly_costs.values()))

    def horizon_years(self, retirement_age: int, max_period: int) -> int:
        """Number of years counted (see ``horizon``)."""
        if self.horizon is not None:
            return int(self.horizon)
        return int(max(1, min(retirement_age - self.age, max_period)))

    def cost_flows(self, n_years: int) -> dict[str, np.ndarray]:
        """Cost per participant by payer as arrays over years ``0 .. n_years - 1``."""
        out = {}
        for payer, amounts in self.yearly_costs.items():
            arr = np.zeros(n_years)
            k = min(len(amounts), n_years)
            arr[:k] = amounts[:k]
            out[payer] = arr
        return out

    def plus_minus(self) -> pd.DataFrame:
        """The DFØ plus–minus table of the non-monetised effects."""
        return pd.DataFrame(
            {
                "effect": [x.name for x in self.non_monetised],  # type: ignore[union-attr]
                "score": [int(x.score) for x in self.non_monetised],  # type: ignore[union-attr]
                "assessment": [x.symbol for x in self.non_monetised],  # type: ignore[union-attr]
                "description": [x.description for x in self.non_monetised],  # type: ignore[union-attr]
            }
        )


__all__ = ["OUTCOMES", "PAYERS", "NonMonetised", "Programme"]
