"""Bringing effects onto the appraisal's draws and years.

Rule for draws (documented in :func:`impact.cba.appraise`):

1. An effect whose draws are all equal (a point mass) is broadcast to every draw.
2. Effects with the same number of draws are *joint*: row ``i`` of one goes with row ``i``
   of the other (e.g. two quantities from one posterior). They share one resampling index.
3. Effects with different numbers of draws are *independent* estimates. With
   ``pairing="auto"`` this is assumed only when each names a different ``estimator``;
   otherwise the pairing is ambiguous and a :class:`~impact.errors.DataError` is raised.
   ``pairing="independent"`` forces rule 3, ``pairing="joint"`` forbids it.
4. A group of ``m`` draws is mapped to the ``n_draws`` of the appraisal by identity when
   ``m == n_draws``, by sampling without replacement when ``m > n_draws`` and with
   replacement when ``m < n_draws``; all sampling uses the appraisal's seeded generator.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np

from impact.effect import Effect
from impact.errors import DataError, ParameterError

Pairing = Literal["auto", "joint", "independent"]


def as_effect_dict(effects: Effect | Sequence[Effect] | Mapping[str, Effect]) -> dict[str, Effect]:
    """Normalise the ``effects`` argument of :func:`appraise` to outcome -> Effect.

    The unit of each effect is checked against the outcome registry by ``appraise``.
    """
    if isinstance(effects, Effect):
        items = [effects]
    elif isinstance(effects, Mapping):
        items = list(effects.values())
    elif isinstance(effects, Sequence) and not isinstance(effects, str):
        items = list(effects)
    else:
        items = [effects]
    out: dict[str, Effect] = {}
    for eff in items:
        if not isinstance(eff, Effect):
            raise DataError(
                f"appraise() takes impact.Effect objects, got {type(eff).__name__}; call the "
                "estimator result's .effect() first."
            )
        if eff.outcome in out:
            raise DataError(f"Two effects on outcome {eff.outcome!r}; pass one effect per outcome.")
        out[eff.outcome] = eff
    if not out:
        raise DataError("appraise() needs at least one Effect.")
    return out


def _is_constant(eff: Effect) -> bool:
    d = eff.draws.reshape(eff.n_draws, -1)
    return bool(np.all(d == d[0]))


def _index(m: int, n: int, rng: np.random.Generator) -> np.ndarray:
    if m == n:
        return np.arange(n)
    if m > n:
        return np.sort(rng.choice(m, size=n, replace=False))
    return rng.integers(0, m, size=n)


def draw_effects(
    effects: Mapping[str, Effect], n: int, rng: np.random.Generator, *, pairing: Pairing = "auto"
) -> dict[str, np.ndarray]:
    """Each effect's draws mapped to ``n`` rows (see the module docstring for the rule)."""
    if pairing not in ("auto", "joint", "independent"):
        raise ParameterError(f"pairing={pairing!r} must be 'auto', 'joint' or 'independent'.")
    varying = {k: e for k, e in effects.items() if not _is_constant(e)}
    lengths = {e.n_draws for e in varying.values()}
    if len(lengths) > 1 and pairing != "independent":
        described = ", ".join(
            f"{k}: {e.n_draws} draws from {e.estimator or 'an unnamed estimator'}"
            for k, e in varying.items()
        )
        estimators = [e.estimator for e in varying.values()]
        distinct = all(estimators) and len(set(estimators)) == len(estimators)
        if pairing == "joint" or not distinct:
            raise DataError(
                f"Effects have draws of mismatched length ({described}), so it is ambiguous "
                "whether they are joint draws. Thin them to the same number of draws if they "
                "come from one model, or pass pairing='independent' if they are independent "
                "estimates."
            )
    out: dict[str, np.ndarray] = {}
    shared: dict[int, np.ndarray] = {}
    for key in sorted(effects):
        eff = effects[key]
        if key not in varying:
            row = eff.draws[0]
            out[key] = np.broadcast_to(row, (n, *np.shape(row))).copy()
            continue
        if pairing == "independent":
            idx = _index(eff.n_draws, n, rng)
        else:
            if eff.n_draws not in shared:
                shared[eff.n_draws] = _index(eff.n_draws, n, rng)
            idx = shared[eff.n_draws]
        out[key] = eff.draws[idx]
    return out


def state_profile(
    eff: Effect, draws: np.ndarray, n_years: int, summary_years: Sequence[int]
) -> tuple[np.ndarray, np.ndarray, int]:
    """A state outcome's effect by year inside the measured window, its last value and year.

    A dynamic effect (``event_time``) gives the effect ``k`` years after the start; negative
    event times (pre-periods) are dropped, gaps between event times are interpolated linearly,
    years before the first event time get no effect. A summary effect applies to every year
    from the first to the last of ``summary_years``.
    """
    n = draws.shape[0]
    if eff.event_time is None:
        first, last = min(summary_years), max(summary_years)
        cols = np.arange(first, last + 1)
        values = np.repeat(draws.reshape(n, 1), cols.size, axis=1)
    else:
        times = np.asarray(eff.event_time, dtype=int)
        keep = times >= 0
        if not keep.any():
            raise DataError(
                f"Effect on {eff.outcome!r} has event times {eff.event_time} but none >= 0; pass post-start "
                "event times (0 = the year of enrolment)."
            )
        order = np.argsort(times[keep])
        times, vals = times[keep][order], draws[:, keep][:, order]
        if np.any(np.diff(times) == 0):
            raise DataError(f"Effect on {eff.outcome!r} has repeated event times {eff.event_time}.")
        first, last = int(times[0]), int(times[-1])
        cols = np.arange(first, last + 1)
        # linear interpolation as a matrix: (n, K) @ (K, len(cols))
        weights = np.zeros((times.size, cols.size))
        pos = np.searchsorted(times, cols, side="right") - 1
        pos = np.clip(pos, 0, times.size - 2) if times.size > 1 else np.zeros_like(pos)
        if times.size == 1:
            weights[0, :] = 1.0
        else:
            frac = (cols - times[pos]) / (times[pos + 1] - times[pos])
            weights[pos, np.arange(cols.size)] = 1 - frac
            weights[pos + 1, np.arange(cols.size)] += frac
        values = vals @ weights
    if first >= n_years:
        raise DataError(
            f"Effect on {eff.outcome!r} starts in year {first}, beyond the horizon of "
            f"{n_years} years."
        )
    profile = np.zeros((n, n_years))
    stop = min(last + 1, n_years)
    profile[:, first:stop] = values[:, : stop - first]
    return profile, values[:, -1].copy(), last


__all__ = ["Pairing", "as_effect_dict", "draw_effects", "state_profile"]
