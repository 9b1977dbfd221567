"""The programme being appraised: who takes part, what it costs and who pays."""

from __future__ import annotations

import numbers
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import numpy as np
import pandas as pd

from impact.errors import ParameterError

#: Who can pay for the programme. "private" covers foundations and other private funders.
PAYERS: tuple[str, ...] = ("kommune", "fylkeskommune", "stat", "private")
#: Ages participants may have in year 0 (an early-life programme starts at 0).
AGES = (0, 100)
#: Calendar years a programme may start in (a guard against typos such as 224 or 20240).
START_YEARS = (1950, 2100)


def _whole(value: object) -> bool:
    """A whole number (int, numpy integer, or a float without a fraction), not a bool."""
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return False
    return bool(np.isfinite(float(value)) and float(value).is_integer())


def _example(value: object) -> str:
    """A fix for a number given as a string: ``'2024'`` -> ``2024``."""
    if isinstance(value, str):
        try:
            return f" (the number {float(value):g}, not the string {value!r})"
        except ValueError:
            return ""
    return ""


def _amounts(amounts: object) -> np.ndarray:
    """Yearly amounts as a 1-D float array; NaN (refused by the caller) if not numbers."""
    obj = None if isinstance(amounts, str) else np.asarray(amounts, dtype=object)
    if (
        obj is None
        or obj.ndim > 1
        or not all(
            isinstance(x, numbers.Real) and not isinstance(x, bool | np.bool_) for x in obj.ravel()
        )
    ):
        return np.array([np.nan])
    return obj.astype(float).ravel()


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
        if not _whole(self.score) or not -4 <= self.score <= 4:  # type: ignore[operator]
            raise ParameterError(
                f"Non-monetised effect {self.name!r}: score {self.score!r} must be a whole "
                "number from -4 (very large negative) to +4 (very large positive)."
            )
        object.__setattr__(self, "score", int(self.score))

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
        Outcomes the appraisal may value, names from the outcome registry of the parameter
        set (shipped: ``"completed_vgs"``, ``"neet"``, ``"employed"``, ``"earnings"``;
        checked by :func:`appraise`). ``None`` (default): every registered outcome an effect
        is given for.
    summary_years
        Outcome -> the years after the start over which a *summary* effect (one number, no
        event times) on that state outcome was measured and applies; beyond the last of
        them the persistence assumption of :func:`appraise` continues it. Default: the
        registry's ``summary_years`` (shipped: years 0, 1, 2).
    neet_event_times
        The same as ``summary_years={"neet": ...}`` (the older spelling).
    non_monetised
        Effects not valued in money for the DFØ plus–minus table: name -> score (−4..+4) or
        name -> (score, description).
    horizon
        Years counted (year 0 .. horizon - 1). Default: until the last valued stream ends
        (the outcome registry's ages, e.g. retirement), at least the years with costs, at
        most the maximum analysis period (parameter ``max_analysis_period``).
    description
        Free text for reports.
    """

    name: str
    participants: int
    age: int
    start_year: int
    costs: Mapping[str, float | Sequence[float]]
    price_year: int | None = None
    outcomes: tuple[str, ...] | None = None
    neet_event_times: tuple[int, ...] | None = None
    non_monetised: Mapping[str, int | tuple[int, str]] | Iterable[NonMonetised] = field(
        default_factory=dict
    )
    horizon: int | None = None
    description: str = ""
    summary_years: Mapping[str, Sequence[int]] = field(default_factory=dict)
    yearly_costs: Mapping[str, tuple[float, ...]] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise ParameterError(
                f"Programme name={self.name!r} must be a non-empty string, e.g. name='Flyt'."
            )
        if not _whole(self.participants) or self.participants <= 0:  # type: ignore[operator]
            raise ParameterError(
                f"Programme {self.name!r}: participants={self.participants!r} must be a "
                f"positive whole number{_example(self.participants)}, e.g. participants=500."
            )
        if not _whole(self.age) or not AGES[0] <= self.age <= AGES[1]:  # type: ignore[operator]
            raise ParameterError(
                f"Programme {self.name!r}: age={self.age!r} must be a whole age between "
                f"{AGES[0]} and {AGES[1]}{_example(self.age)}: the participants' age in year "
                "0, e.g. age=15 (age=0 for a programme from birth)."
            )
        lo, hi = START_YEARS
        for field_name in ("start_year", "price_year"):
            year = getattr(self, field_name)
            if field_name == "price_year" and year is None:
                continue
            if not _whole(year) or not lo <= year <= hi:
                raise ParameterError(
                    f"Programme {self.name!r}: {field_name}={year!r} must be a calendar year "
                    f"between {lo} and {hi} given as a whole number{_example(year)}, e.g. "
                    f"{field_name}=2024."
                )
            object.__setattr__(self, field_name, int(year))
        object.__setattr__(self, "participants", int(self.participants))
        object.__setattr__(self, "age", int(self.age))
        if self.price_year is None:
            object.__setattr__(self, "price_year", int(self.start_year))
        self._normalise_outcomes()
        self._normalise_summary_years()
        yearly = MappingProxyType(self._normalise_costs())
        object.__setattr__(self, "costs", yearly)
        object.__setattr__(self, "yearly_costs", yearly)
        object.__setattr__(self, "non_monetised", tuple(self._normalise_non_monetised()))
        if self.horizon is not None and (not _whole(self.horizon) or self.horizon < 1):
            raise ParameterError(
                f"Programme {self.name!r}: horizon={self.horizon!r} must be a positive whole "
                "number of years."
            )

    def _normalise_outcomes(self) -> None:
        if self.outcomes is None:
            return
        items = self.outcomes
        if (
            isinstance(items, str)
            or not isinstance(items, Iterable)
            or not list(items)
            or not all(isinstance(o, str) and o for o in items)
        ):
            example = (items,) if isinstance(items, str) else ("employed",)
            raise ParameterError(
                f"Programme {self.name!r}: outcomes={items!r} must be a non-empty list of "
                f"outcome names from the outcome registry, e.g. outcomes={example!r}, or None "
                "for every outcome an effect is given for."
            )
        object.__setattr__(self, "outcomes", tuple(dict.fromkeys(items)))

    def _years(self, key: str, times: object) -> tuple[int, ...]:
        if (
            isinstance(times, str)
            or not isinstance(times, Iterable)
            or not list(times)
            or any(not _whole(k) or k < 0 for k in times)  # type: ignore[operator]
        ):
            raise ParameterError(
                f"Programme {self.name!r}: {key}={times!r} must be a non-empty list of "
                f"non-negative whole years after the start, e.g. {key}=(0, 1, 2)."
            )
        return tuple(sorted({int(k) for k in times}))  # type: ignore[arg-type]

    def _normalise_summary_years(self) -> None:
        years = self.summary_years
        if not isinstance(years, Mapping):
            raise ParameterError(
                f"Programme {self.name!r}: summary_years={years!r} must map an outcome to "
                "years after the start, e.g. summary_years={'employed': (0, 1, 2)}."
            )
        out = {str(k): self._years(f"summary_years[{k!r}]", v) for k, v in years.items()}
        if self.neet_event_times is not None:
            neet = self._years("neet_event_times", self.neet_event_times)
            if out.setdefault("neet", neet) != neet:
                raise ParameterError(
                    f"Programme {self.name!r}: neet_event_times={neet} and "
                    f"summary_years['neet']={out['neet']} disagree; give one of them."
                )
            object.__setattr__(self, "neet_event_times", neet)
        object.__setattr__(self, "summary_years", MappingProxyType(out))

    def summary_years_for(
        self, outcome: str, default: Sequence[int]
    ) -> tuple[tuple[int, ...], str]:
        """Years a summary effect on ``outcome`` applies to, and where they come from."""
        if outcome in self.summary_years:
            return tuple(self.summary_years[outcome]), "programme"
        return tuple(default), "registry default"

    def _normalise_costs(self) -> dict[str, tuple[float, ...]]:
        out: dict[str, tuple[float, ...]] = {}
        if not isinstance(self.costs, Mapping):
            raise ParameterError(
                f"Programme {self.name!r}: costs={self.costs!r} must map each payer to its cost "
                f"per participant, e.g. costs={{'kommune': 25_000}}; payers: {PAYERS}."
            )
        for payer, amounts in self.costs.items():
            if payer not in PAYERS:
                raise ParameterError(
                    f"Programme {self.name!r}: unknown payer {payer!r} in costs; use one of "
                    f"{PAYERS} (foundations and other private funders: 'private')."
                )
            arr = _amounts(amounts)
            if arr.ndim != 1 or arr.size == 0 or not np.all(np.isfinite(arr)):
                raise ParameterError(
                    f"Programme {self.name!r}: costs for {payer!r} must be a number or a list "
                    f"of finite yearly amounts (NOK per participant), got {amounts!r}; e.g. "
                    f"{{{payer!r}: [60_000, 20_000]}}."
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
                if isinstance(spec, tuple) and len(spec) == 2:
                    out.append(NonMonetised(str(name), spec[0], str(spec[1])))
                elif isinstance(spec, tuple | list | str | Mapping) or spec is None:
                    raise ParameterError(
                        f"Programme {self.name!r}: non_monetised[{name!r}]={spec!r} must be a "
                        "score from -4 to +4 or a (score, description) pair, e.g. "
                        f"{{{name!r}: (2, 'better well-being')}}."
                    )
                else:
                    out.append(NonMonetised(str(name), spec))
            return out
        if isinstance(items, str) or not isinstance(items, Iterable):
            raise ParameterError(
                f"Programme {self.name!r}: non_monetised={items!r} must map names to scores "
                "(-4..+4) or be a list of NonMonetised items."
            )
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
        """Years to the retirement age (or ``horizon``), at most ``max_period``.

        The horizon before outcomes had registered streams; :func:`impact.cba.appraise` now
        counts until the last valued stream ends (``Appraisal.n_years``), which is the same
        for streams that end at the retirement age.
        """
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


__all__ = ["AGES", "PAYERS", "NonMonetised", "Programme"]
