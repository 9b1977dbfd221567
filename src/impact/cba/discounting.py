"""Discounting: the R-109 declining schedule, the UK Green Book, flat rates and custom factors.

Year ``t`` counts whole years after the start of the programme; year 0 is not discounted.
"""

from __future__ import annotations

import numbers
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TypeAlias

import numpy as np
from numpy.typing import ArrayLike

from impact.checks import check_count
from impact.errors import ParameterError


def _is_whole(value: object) -> bool:
    """A whole number (an int, or a float without a fraction), not a bool."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        return False
    return bool(np.isfinite(float(value)) and float(value).is_integer())


def _first_bad(arr: np.ndarray) -> tuple[tuple[int, ...], float] | None:
    """Index and value of the first non-finite entry of ``arr`` (``None`` if all finite)."""
    bad = np.argwhere(~np.isfinite(arr))
    if bad.size == 0:
        return None
    index = tuple(int(i) for i in bad[0])
    return index, float(arr[index])


def _as_float_array(values: ArrayLike, what: str) -> np.ndarray:
    try:
        return np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(
            f"{what} must be numbers (real NOK by year); got {values!r}. Convert the amounts "
            "to floats first (e.g. pandas.to_numeric)."
        ) from None


@dataclass(frozen=True)
class DiscountSchedule:
    """A piecewise-constant real discount rate.

    ``rates[i]`` applies to the years after ``breaks[i]`` (``breaks[0] == 0``), so the
    discount factor of year ``t`` is ``prod_i (1 + rates[i]) ** -clip(t - breaks[i], 0,
    breaks[i+1] - breaks[i])``.

    Parameters
    ----------
    name
        Label used in tables (``"r109"``, ``"green_book"``, ``"flat 4 %"``).
    rates
        Real rates per segment, each in [0, 1).
    breaks
        Year at which each segment starts; strictly increasing, starting at 0.
    """

    name: str
    rates: tuple[float, ...]
    breaks: tuple[int, ...] = (0,)

    def __post_init__(self) -> None:
        try:
            rates = tuple(float(r) for r in self.rates)
        except (TypeError, ValueError):
            raise ParameterError(
                f"Discount schedule {self.name!r}: rates {self.rates!r} must be numbers, "
                "e.g. rates=(0.04, 0.03)."
            ) from None
        if not all(_is_whole(b) for b in self.breaks):
            raise ParameterError(
                f"Discount schedule {self.name!r}: breaks {self.breaks!r} must be whole years "
                "(integers), e.g. breaks=(0, 40)."
            )
        breaks = tuple(int(b) for b in self.breaks)
        if len(rates) != len(breaks) or not rates:
            raise ParameterError(
                f"Discount schedule {self.name!r}: {len(rates)} rates but {len(breaks)} breaks; "
                "give one start year per rate."
            )
        if breaks[0] != 0 or any(b1 <= b0 for b0, b1 in zip(breaks, breaks[1:])):
            raise ParameterError(
                f"Discount schedule {self.name!r}: breaks {breaks} must start at 0 and increase."
            )
        if any(not np.isfinite(r) or r < 0 or r >= 1 for r in rates):
            raise ParameterError(
                f"Discount schedule {self.name!r}: rates {rates} must lie in [0, 1); a negative "
                "rate makes the discount factors rise (not monotone)."
            )
        object.__setattr__(self, "rates", rates)
        object.__setattr__(self, "breaks", breaks)

    def factors(self, n_years: int) -> np.ndarray:
        """Discount factors for years ``0 .. n_years - 1``."""
        t = np.arange(n_years, dtype=float)
        log_factor = np.zeros(n_years)
        ends = (*self.breaks[1:], np.inf)
        for rate, start, end in zip(self.rates, self.breaks, ends):
            years_in_segment = np.clip(t - start, 0.0, end - start)
            log_factor -= years_in_segment * np.log1p(rate)
        return np.exp(log_factor)


def _shipped_schedules() -> dict[str, DiscountSchedule]:
    """Named schedules from the package's parameter file (``[schedules.<name>]``)."""
    text = (resources.files("impact.cba") / "parameters" / "norway.toml").read_text(
        encoding="utf-8"
    )
    tables = tomllib.loads(text).get("schedules", {})
    return {
        name: DiscountSchedule(name, tuple(spec["rates"]), tuple(spec["breaks"]))
        for name, spec in tables.items()
    }


_NAMED = _shipped_schedules()
#: Finansdepartementet R-109/2021: 4 % for years 0-40, 3 % for 40-75, 2 % after 75.
R109 = _NAMED["r109"]
#: HM Treasury Green Book: 3.5 % for years 0-30, 3.0 % for 31-75, 2.5 % for 76-125, then 2 %.
GREEN_BOOK = _NAMED["green_book"]

ScheduleLike: TypeAlias = str | float | DiscountSchedule | Sequence[float] | np.ndarray


def flat(rate: float) -> DiscountSchedule:
    """A constant real discount rate, e.g. ``flat(0.04)``."""
    return DiscountSchedule(f"flat {rate * 100:g} %", (rate,), (0,))


def schedule_name(schedule: ScheduleLike) -> str:
    """A short label for a schedule argument."""
    if isinstance(schedule, DiscountSchedule):
        return schedule.name
    if isinstance(schedule, str):
        return schedule
    if isinstance(schedule, int | float):
        return flat(float(schedule)).name
    return "custom factors"


def discount_factors(n_years: int, schedule: ScheduleLike = "r109") -> np.ndarray:
    """Discount factors for years ``0 .. n_years - 1`` under ``schedule``.

    Parameters
    ----------
    n_years
        Number of years (the length of the flows' last axis).
    schedule
        ``"r109"`` (default), ``"green_book"``, a number (flat real rate, e.g. ``0.04``), a
        :class:`DiscountSchedule`, or explicit discount factors (``factors[0] == 1``,
        positive, finite and non-increasing; at least ``n_years`` of them).
    """
    n_years = int(check_count(n_years, argument="n_years", minimum=0))  # type: ignore[arg-type]
    if isinstance(schedule, bool):
        raise ParameterError(
            f"schedule={schedule!r} is not a discount schedule; use 'r109', 'green_book', a "
            "flat rate such as 0.04, a DiscountSchedule or an array of discount factors."
        )
    if isinstance(schedule, str):
        try:
            return _NAMED[schedule].factors(n_years)
        except KeyError:
            raise ParameterError(
                f"Unknown discount schedule {schedule!r}; use one of {sorted(_NAMED)}, a flat "
                "rate such as 0.04, a DiscountSchedule or an array of discount factors."
            ) from None
    if isinstance(schedule, DiscountSchedule):
        return schedule.factors(n_years)
    if isinstance(schedule, int | float):
        return flat(float(schedule)).factors(n_years)
    factors = _as_float_array(schedule, "Custom discount factors")
    if factors.ndim != 1 or factors.shape[0] < n_years:
        raise ParameterError(
            f"Custom discount factors have shape {factors.shape}; need a 1-D array with at "
            f"least {n_years} values (one per year)."
        )
    factors = factors[:n_years]
    bad = _first_bad(factors)
    if bad is not None:
        raise ParameterError(
            f"Custom discount factor of year t={bad[0][0]} is {bad[1]}; every factor must be a "
            "finite number (year 0: 1, then positive and non-increasing). Fix that year's factor."
        )
    if n_years and (not np.isclose(factors[0], 1.0) or np.any(factors <= 0)):
        raise ParameterError(
            f"Custom discount factors must start at 1 (year 0 undiscounted) and stay positive; "
            f"got first value {factors[0]} and minimum {factors.min()}."
        )
    rising = np.flatnonzero(np.diff(factors) > 0)
    if rising.size:
        t = int(rising[0]) + 1
        raise ParameterError(
            f"Discount schedule is not monotone: the factor rises from {factors[t - 1]:.6g} in "
            f"year {t - 1} to {factors[t]:.6g} in year {t}. Discount factors must not increase."
        )
    return factors


def present_value(flows: ArrayLike, *, schedule: ScheduleLike = "r109") -> float | np.ndarray:
    """Present value of yearly real flows.

    Parameters
    ----------
    flows
        Real amounts by year; ``flows[..., t]`` is the amount in year ``t`` after the start
        (``t = 0`` undiscounted). Leading axes (e.g. Monte Carlo draws) are kept.
    schedule
        ``"r109"`` (default): ``1.04**-min(t, 40) * 1.03**-clip(t - 40, 0, 35) *
        1.02**-max(t - 75, 0)`` (Finansdepartementet R-109/2021); ``"green_book"`` (HM
        Treasury: 3.5 % to year 30, 3 % to 75, 2.5 % to 125); a number for a flat real rate;
        a :class:`DiscountSchedule`; or explicit discount factors.

    Returns
    -------
    float or numpy.ndarray
        A float for 1-D flows, else an array with the leading shape of ``flows``.

    Examples
    --------
    >>> round(present_value([100.0, 104.0]), 10)
    200.0
    >>> round(present_value([0.0, 103.0], schedule=0.03), 10)
    100.0
    """
    arr = _as_float_array(flows, "flows")
    if arr.ndim == 0:
        raise ParameterError("flows must have at least one year (a 1-D array of yearly amounts).")
    bad = _first_bad(arr)
    if bad is not None:
        where = f"year t={bad[0][-1]}" + (f" of row {bad[0][:-1]}" if arr.ndim > 1 else "")
        raise ParameterError(
            f"flows has a non-finite amount {bad[1]} in {where}; every yearly amount must be a "
            "finite number (use 0 for a year without a flow, and fix or drop the missing one)."
        )
    pv = np.einsum("...t,t->...", arr, discount_factors(arr.shape[-1], schedule))
    return float(pv) if arr.ndim == 1 else pv


__all__ = [
    "GREEN_BOOK",
    "R109",
    "DiscountSchedule",
    "ScheduleLike",
    "discount_factors",
    "flat",
    "present_value",
]
