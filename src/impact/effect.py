"""The `Effect`: the one seam between estimation and economics.

Every estimator result offers ``.effect(...)`` returning an :class:`Effect`; the
cost-benefit module (:mod:`impact.cba`) accepts nothing else. Uncertainty travels as
draws, so posterior draws, bootstrap draws and a normal approximation all look alike
downstream.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from impact.checks import check_count, check_seed
from impact.errors import DataError, OptionError

#: A risk difference (``unit="probability"``) lies in [-1, 1]; allow for rounding.
_PROBABILITY_BOUND = 1.0 + 1e-9


def _is_number(value: Any) -> bool:
    """A real number (Python, numpy scalar or 0-d array), not a bool."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _finite_number(value: Any, argument: str) -> float:
    """``value`` as a finite float, or an :class:`OptionError` naming ``argument``."""
    if not _is_number(value):
        raise OptionError(
            f"{argument}={value!r} must be a number (a {type(value).__name__} was given); "
            f"pass e.g. {argument}=0.04."
        )
    if not np.isfinite(value):
        raise DataError(f"{argument}={value!r} is not a finite number; check the estimate.")
    return float(value)


def _check_probability_scale(outcome: str, point: float, draws: np.ndarray) -> None:
    """Refuse a risk difference outside [-1, 1]: a percentage or a broken estimate."""
    if abs(point) > _PROBABILITY_BOUND:
        percent = (
            f" If you meant {point:g} percentage points, pass {point / 100:g} (and divide the "
            "standard error or draws by 100 too)."
            if abs(point) <= 100
            else ""
        )
        raise DataError(
            f"Effect on {outcome!r} has unit='probability' but point={point:g}: a risk "
            f"difference lies between -1 and 1 ({point * 100:g} percentage points is impossible). "
            "If the outcome is not a probability (a score, "
            f"an amount), say what it is with unit=, e.g. result.effect(unit='NOK')." + percent
        )
    outside = np.abs(draws) > _PROBABILITY_BOUND
    if outside.any():
        raise DataError(
            f"Effect on {outcome!r} has unit='probability' but {int(outside.sum())} of "
            f"{outside.size} draws lie outside [-1, 1] (from {draws.min():g} to "
            f"{draws.max():g}); a risk difference cannot. If the draws are in percentage points, "
            "divide them by 100; if the outcome is not a probability, pass its unit with unit=; "
            "if the uncertainty is that large, a normal approximation is not usable here (use "
            "bootstrap or posterior draws)."
        )


DrawsKind = Literal["posterior", "bootstrap", "normal_approximation", "point_mass"]
_DRAWS_KINDS: tuple[str, ...] = ("posterior", "bootstrap", "normal_approximation", "point_mass")


@dataclass(frozen=True, eq=False)
class Effect:
    """An estimated causal effect with its uncertainty, ready for a cost-benefit appraisal.

    Parameters
    ----------
    outcome
        Name of the outcome the effect moves, e.g. ``"completed_vgs"`` (completion of upper
        secondary within five years) or ``"neet"`` (NEET status in a year).
    unit
        Unit of the effect. For binary outcomes use ``"probability"``: a risk difference
        on the 0-1 scale per participant (0.05 = 5 percentage points).
    point
        Point estimate on the scale of ``unit``.
    draws
        One-dimensional array of draws representing the uncertainty about the effect.
    draws_kind
        How the draws were made: ``"posterior"``, ``"bootstrap"``,
        ``"normal_approximation"`` or ``"point_mass"``.
    population
        Whom the effect applies to, in words (e.g. "Flyt participants, 10th grade, 2019-2024").
    estimator
        Which estimator produced it (e.g. ``"att_gt(dr, not_yet_treated) simple"``).
    event_time
        For dynamic effects (e.g. NEET status ``k`` years after enrolment): the event times
        the draws' columns refer to. ``None`` for a single summary effect.
    metadata
        Anything else worth carrying (sample sizes, diagnostics, seed).

    Notes
    -----
    An effect is immutable; its draws array is copied and made read-only.
    """

    outcome: str
    unit: str
    point: float
    draws: np.ndarray
    draws_kind: DrawsKind
    population: str = ""
    estimator: str = ""
    event_time: tuple[int, ...] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name in ("outcome", "unit"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise OptionError(
                    f"Effect {name}={value!r} must be a non-empty string, e.g. "
                    + ("outcome='completed_vgs'." if name == "outcome" else "unit='probability'.")
                )
        try:
            draws = np.array(self.draws, dtype=float, copy=True)
        except (TypeError, ValueError):
            raise DataError(
                f"Effect draws for outcome {self.outcome!r} must be numbers; got "
                f"{type(self.draws).__name__} {self.draws!r:.80}."
            ) from None
        if not isinstance(self.draws_kind, str) or self.draws_kind not in _DRAWS_KINDS:
            raise DataError(
                f"Effect draws_kind={self.draws_kind!r} is not one of {_DRAWS_KINDS}; "
                "say how the draws were made."
            )
        expected_ndim = 1 if self.event_time is None else 2
        if draws.ndim != expected_ndim or draws.shape[0] == 0:
            raise DataError(
                f"Effect draws for outcome {self.outcome!r} have shape {draws.shape}; expected "
                + (
                    "a non-empty 1-D array of draws."
                    if self.event_time is None
                    else f"a 2-D array (draws x {len(self.event_time)} event times)."
                )
            )
        if self.event_time is not None and draws.shape[1] != len(self.event_time):
            raise DataError(
                f"Effect draws have {draws.shape[1]} columns but event_time lists "
                f"{len(self.event_time)} event times; pass one column per event time."
            )
        if not np.all(np.isfinite(draws)):
            bad = np.argwhere(~np.isfinite(draws))[0]
            raise DataError(
                f"Effect draws for outcome {self.outcome!r} contain NaN or infinite values "
                f"(first: draw {tuple(int(i) for i in bad)} = {draws[tuple(bad)]}); "
                "check the estimator's output before building an Effect."
            )
        if not _is_number(self.point):
            raise OptionError(
                f"Effect point={self.point!r} must be a number (a {type(self.point).__name__} "
                "was given), e.g. point=0.04."
            )
        if not np.isfinite(self.point):
            raise DataError(f"Effect point estimate {self.point!r} is not a finite number.")
        if self.unit == "probability":
            _check_probability_scale(self.outcome, float(self.point), draws)
        draws.setflags(write=False)
        object.__setattr__(self, "draws", draws)
        object.__setattr__(self, "point", float(self.point))

    # -- constructors -------------------------------------------------------------------
    @classmethod
    def from_normal(
        cls,
        point: float,
        se: float,
        *,
        outcome: str,
        unit: str = "probability",
        n_draws: int = 4000,
        seed: int | np.random.Generator | None = None,
        **kwargs: Any,
    ) -> Effect:
        """Build an effect whose draws come from the normal approximation N(point, se^2).

        With ``unit="probability"`` the point and every draw must lie in [-1, 1] (a risk
        difference); a :class:`~impact.errors.DataError` says so otherwise.
        """
        point = _finite_number(point, "point")
        se = _finite_number(se, "se")
        if se < 0:
            raise DataError(f"Standard error {se!r} must be a finite, non-negative number.")
        n_draws = int(check_count(n_draws, argument="n_draws"))  # type: ignore[arg-type]
        seed = check_seed(seed)
        if unit == "probability":
            _check_probability_scale(outcome, point, np.empty(0))
        rng = np.random.default_rng(seed)
        draws = point + se * rng.standard_normal(n_draws)
        return cls(
            outcome=outcome,
            unit=unit,
            point=point,
            draws=draws,
            draws_kind="normal_approximation",
            **kwargs,
        )

    @classmethod
    def point_mass(
        cls,
        value: float,
        *,
        outcome: str,
        unit: str = "probability",
        n_draws: int = 1,
        **kwargs: Any,
    ) -> Effect:
        """An effect known exactly (for deterministic appraisals and tests)."""
        value = _finite_number(value, "value")
        n_draws = int(check_count(n_draws, argument="n_draws"))  # type: ignore[arg-type]
        return cls(
            outcome=outcome,
            unit=unit,
            point=value,
            draws=np.full(n_draws, value),
            draws_kind="point_mass",
            **kwargs,
        )

    # -- summaries ----------------------------------------------------------------------
    @property
    def n_draws(self) -> int:
        return int(self.draws.shape[0])

    @property
    def mean(self) -> float | np.ndarray:
        m = self.draws.mean(axis=0)
        return float(m) if self.event_time is None else m

    @property
    def sd(self) -> float | np.ndarray:
        s = self.draws.std(axis=0, ddof=1) if self.n_draws > 1 else np.zeros(self.draws.shape[1:])
        return float(s) if self.event_time is None else s

    def interval(self, level: float = 0.95) -> tuple[float, float]:
        """Equal-tailed interval of the draws (for a summary effect)."""
        if self.event_time is not None:
            raise DataError("interval() is defined for a summary effect; select an event time.")
        lo, hi = np.quantile(self.draws, [(1 - level) / 2, (1 + level) / 2])
        return float(lo), float(hi)

    def prob_greater(self, threshold: float = 0.0) -> float:
        """Share of draws above ``threshold``: P(effect > threshold)."""
        return float(np.mean(self.draws > threshold))

    def scaled(self, factor: float, *, unit: str | None = None) -> Effect:
        """The same effect multiplied by ``factor`` (e.g. to convert units)."""
        return Effect(
            outcome=self.outcome,
            unit=unit or self.unit,
            point=self.point * factor,
            draws=self.draws * factor,
            draws_kind=self.draws_kind,
            population=self.population,
            estimator=self.estimator,
            event_time=self.event_time,
            metadata=dict(self.metadata),
        )

    def up_to(self, last: int) -> Effect:
        """A dynamic effect kept for event times ``<= last`` only (the later ones dropped).

        For an appraisal whose last measured years rest on one or two start cohorts: the
        appraisal's persistence then carries the effect on from ``last``, the last year many
        cohorts inform, instead of from the noisiest one. ``point`` becomes the mean of the
        kept years' estimates (the mean of their draws' means).

        >>> import numpy as np
        >>> e = Effect("neet", "probability", -0.05, np.full((4, 3), [-0.04, -0.05, -0.09]),
        ...            "bootstrap", event_time=(0, 1, 2))
        >>> e.up_to(1).event_time, float(e.up_to(1).point)
        ((0, 1), -0.045)
        """
        if self.event_time is None:
            raise OptionError("up_to() needs a dynamic effect (one with event times).")
        keep = [i for i, e in enumerate(self.event_time) if e <= last]
        if not keep:
            raise OptionError(
                f"up_to({last}) keeps no event time of {self.event_time}; use a last event "
                f"time of at least {min(self.event_time)}."
            )
        draws = self.draws[:, keep]
        return Effect(
            outcome=self.outcome,
            unit=self.unit,
            point=float(draws.mean(axis=0).mean()),
            draws=draws,
            draws_kind=self.draws_kind,
            population=self.population,
            estimator=f"{self.estimator}, event times <= {last}".lstrip(", "),
            event_time=tuple(self.event_time[i] for i in keep),
            metadata={**self.metadata, "last_event_time": int(last)},
        )

    def to_frame(self) -> pd.DataFrame:
        """One tidy row per summary (or per event time) with point, mean, sd and 95 % interval."""
        times = [None] if self.event_time is None else list(self.event_time)
        draws2d = self.draws.reshape(self.n_draws, -1)
        lo, hi = np.quantile(draws2d, [0.025, 0.975], axis=0)
        points = (
            [self.point] if self.event_time is None else list(draws2d.mean(axis=0))
        )  # dynamic effects: point = mean of draws per event time
        return pd.DataFrame(
            {
                "outcome": self.outcome,
                "unit": self.unit,
                "event_time": times,
                "point": points,
                "mean": draws2d.mean(axis=0),
                "sd": draws2d.std(axis=0, ddof=1) if self.n_draws > 1 else 0.0,
                "ci_lower": lo,
                "ci_upper": hi,
                "p_positive": (draws2d > 0).mean(axis=0),
                "draws_kind": self.draws_kind,
                "n_draws": self.n_draws,
                "estimator": self.estimator,
                "population": self.population,
            }
        )

    def summary(self) -> str:
        """A short plain-text description."""
        if self.event_time is not None:
            return self.to_frame().to_string(index=False)
        lo, hi = self.interval()
        return (
            f"Effect on {self.outcome} ({self.unit}): {self.point:.4g} "
            f"[95 % interval {lo:.4g} to {hi:.4g}; {self.n_draws} {self.draws_kind} draws]"
            + (f"\n  population: {self.population}" if self.population else "")
            + (f"\n  estimator:  {self.estimator}" if self.estimator else "")
        )

    def __repr__(self) -> str:
        return f"Effect(outcome={self.outcome!r}, unit={self.unit!r}, point={self.point:.4g}, draws={self.n_draws} {self.draws_kind})"
