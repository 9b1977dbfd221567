"""Persistence: how an effect on a yearly status continues beyond the years it was measured.

A named assumption of the appraisal (``appraise(persistence=...)``), never a silent default:

* ``"none"`` — the effect stops after the last measured year;
* ``"permanent"`` — the last measured effect holds until the stream's last age;
* ``Persistence.decay(rate)`` — the last measured effect times ``rate ** k`` in the ``k``-th
  year after the last measured one; ``rate`` is a number, a number with an uncertainty range
  (drawn in the Monte Carlo and shown in the tornado) or the name of a parameter;
* ``Persistence.profile(shares)`` — the last measured effect times ``shares[k - 1]``, zero
  after the profile ends (no uncertainty: vary it in scenarios).

The default for each outcome is the registry's ``persistence`` entry (the shipped NEET
default: decay at ``neet_persistence``, triangular 0.6–0.95 around 0.85).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

from impact.cba.parameters import Parameter, Parameters
from impact.errors import ParameterError

Kind = Literal["none", "permanent", "decay", "profile"]


@dataclass(frozen=True)
class Persistence:
    """How an effect continues beyond the measured years (see the module docstring).

    Parameters
    ----------
    kind
        ``"none"``, ``"permanent"``, ``"decay"`` or ``"profile"``.
    rate
        Decay: the share of the effect kept per year (0..1), or a parameter name.
    low, high, distribution
        Decay with a number: its uncertainty range and distribution (``"triangular"``,
        ``"uniform"``, ``"normal"``); without them the rate is fixed.
    shares
        Profile: the share of the last measured effect kept 1, 2, ... years after it.
    origin
        Where the assumption comes from (``"registry default"`` or ``"appraise(persistence=...)"``).

    Examples
    --------
    >>> Persistence.decay(0.8, low=0.6, high=0.9).describe()
    'decays by a yearly factor 0.8 (triangular 0.6-0.9)'
    >>> Persistence.permanent().describe()
    'permanent (the last measured effect holds)'
    """

    kind: Kind
    rate: float | str | None = None
    low: float | None = None
    high: float | None = None
    distribution: str = "triangular"
    shares: tuple[float, ...] = ()
    origin: str = "appraise(persistence=...)"

    def __post_init__(self) -> None:
        if self.kind not in ("none", "permanent", "decay", "profile"):
            raise ParameterError(
                f"Persistence kind {self.kind!r} is not one of 'none', 'permanent', 'decay', "
                "'profile'; e.g. Persistence.decay(0.85)."
            )
        if self.kind == "decay" and not isinstance(self.rate, str):
            rate = float(self.rate) if self.rate is not None else float("nan")
            if not 0.0 <= rate <= 1.0:
                raise ParameterError(
                    f"Persistence.decay rate={self.rate!r} must be a share kept per year in "
                    "[0, 1] (1 = permanent, 0 = none), or a parameter name."
                )
            if (self.low is None) != (self.high is None) or (
                self.low is not None and not 0.0 <= self.low <= rate <= self.high <= 1.0  # type: ignore[operator]
            ):
                raise ParameterError(
                    f"Persistence.decay({rate}, low={self.low}, high={self.high}): give both "
                    "low and high with 0 <= low <= rate <= high <= 1, or neither."
                )
        if self.kind == "profile":
            shares = tuple(float(x) for x in self.shares)
            if not shares or not all(0.0 <= x <= 1.0 for x in shares):
                raise ParameterError(
                    f"Persistence.profile({self.shares!r}) needs shares in [0, 1] for years "
                    "1, 2, ... after the last measured year, e.g. Persistence.profile([0.9, 0.7, 0.5])."
                )
            object.__setattr__(self, "shares", shares)

    @classmethod
    def none(cls) -> Persistence:
        """The effect stops after the last measured year."""
        return cls("none")

    @classmethod
    def permanent(cls) -> Persistence:
        """The last measured effect holds until the stream ends."""
        return cls("permanent")

    @classmethod
    def decay(
        cls,
        rate: float | str,
        *,
        low: float | None = None,
        high: float | None = None,
        distribution: str = "triangular",
    ) -> Persistence:
        """The effect is multiplied by ``rate`` in each year after the last measured one."""
        return cls("decay", rate=rate, low=low, high=high, distribution=distribution)

    @classmethod
    def profile(cls, shares: Sequence[float]) -> Persistence:
        """The share of the last measured effect kept in years 1, 2, ... after it."""
        return cls("profile", shares=tuple(shares))

    def parameter_name(self, outcome: str) -> str | None:
        """The parameter that carries a decay rate (``None`` for the other kinds)."""
        if self.kind != "decay":
            return None
        return self.rate if isinstance(self.rate, str) else f"persistence_{outcome}"

    def as_parameter(self, outcome: str) -> Parameter | None:
        """A decay given as a number, as a parameter (drawn and in the tornado when uncertain)."""
        if self.kind != "decay" or isinstance(self.rate, str):
            return None
        uncertain = self.low is not None and self.high is not None and self.low < self.high
        return Parameter(
            name=f"persistence_{outcome}",
            value=float(self.rate),  # type: ignore[arg-type]
            distribution=self.distribution if uncertain else "fixed",  # type: ignore[arg-type]
            low=self.low if uncertain else None,
            high=self.high if uncertain else None,
            unit="share kept per year",
            source=self.origin,
            description=f"Yearly persistence of the effect on {outcome!r} (appraisal assumption)",
        )

    def describe(self, params: Parameters | None = None) -> str:
        """The assumption in plain words."""
        if self.kind == "none":
            return "none (the effect stops after the last measured year)"
        if self.kind == "permanent":
            return "permanent (the last measured effect holds)"
        if self.kind == "profile":
            shown = ", ".join(f"{x:g}" for x in self.shares[:6])
            more = ", ..." if len(self.shares) > 6 else ""
            return f"profile of shares kept {shown}{more} (then none)"
        if isinstance(self.rate, str):
            if params is None or self.rate not in params:
                return f"decays by the yearly factor {self.rate}"
            p = params[self.rate]
            spread = f" ({p.distribution} {p.low:g}-{p.high:g})" if p.uncertain else ""
            return f"decays by a yearly factor {p.value:g}{spread} ({self.rate})"
        spread = (
            f" ({self.distribution} {self.low:g}-{self.high:g})" if self.low is not None else ""
        )
        return f"decays by a yearly factor {float(self.rate):g}{spread}"  # type: ignore[arg-type]


def as_persistence(spec: object, *, outcome: str) -> Persistence:
    """``"none"``, ``"permanent"``, a decay rate, a profile list or a :class:`Persistence`."""
    if isinstance(spec, Persistence):
        return spec
    if spec in ("none", "permanent"):
        return Persistence(spec)  # type: ignore[arg-type]
    if isinstance(spec, int | float) and not isinstance(spec, bool):
        return Persistence.decay(float(spec))
    if isinstance(spec, Sequence) and not isinstance(spec, str):
        return Persistence.profile([float(x) for x in spec])
    raise ParameterError(
        f"persistence for {outcome!r} is {spec!r}; use 'none', 'permanent', a yearly decay "
        "factor such as 0.85, a profile list such as [0.9, 0.7, 0.5], or an "
        "impact.cba.Persistence (e.g. Persistence.decay(0.85, low=0.6, high=0.95))."
    )


def registry_default(name: str) -> Persistence:
    """The registry's ``persistence`` entry as an assumption (a parameter name means decay)."""
    if name in ("none", "permanent"):
        return Persistence(name, origin="registry default")  # type: ignore[arg-type]
    return Persistence("decay", rate=name, origin="registry default")


def factors(
    p: Persistence, values: Mapping[str, np.ndarray], outcome: str, after: np.ndarray
) -> np.ndarray:
    """Share of the last measured effect kept ``after`` years after it (0 where ``after`` = 0).

    Shape (n_draws or 1, n_years); ``after`` is (1, n_years) of whole years.
    """
    if p.kind == "profile":
        table = np.concatenate([[0.0], p.shares, [0.0]])
        return table[np.clip(after, 0, len(p.shares) + 1)]
    if p.kind == "none":
        rho = np.zeros((1, 1))
    elif p.kind == "permanent":
        rho = np.ones((1, 1))
    else:
        name = str(p.parameter_name(outcome))
        rho = np.asarray(values[name], dtype=np.float64).reshape(-1, 1)
    return np.where(after > 0, rho**after, 0.0)


__all__ = ["Persistence", "as_persistence", "factors", "registry_default"]
