"""Summaries of posterior draws shared by the results of :mod:`impact.bayes`."""

from __future__ import annotations

from typing import Any

import numpy as np

from impact.errors import DesignError
from impact.results import check_level


def summarise_draws(
    draws: Any, *, level: float = 0.95, threshold: float | None = None
) -> dict[str, float]:
    """The contract's columns for a set of posterior draws, then median and P(> 0).

    ``estimate`` is the posterior mean, ``se`` the posterior sd and ``ci_lower, ci_upper``
    the equal-tailed ``level`` interval (quantiles ``(1 - level) / 2`` and ``(1 + level) /
    2``; not an HDI). With ``threshold``, also ``p_above_threshold`` = P(draw > threshold).
    """
    level = check_level(level)
    d = np.asarray(draws, dtype=float).reshape(-1)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    row = {
        "estimate": float(d.mean()),
        "se": float(d.std(ddof=1)),
        "ci_lower": float(np.quantile(d, lo_q)),
        "ci_upper": float(np.quantile(d, hi_q)),
        "median": float(np.median(d)),
        "p_positive": float(np.mean(d > 0)),
    }
    if threshold is not None:
        row["p_above_threshold"] = float(np.mean(d > threshold))
    return row


def subsample(
    draws: np.ndarray, n_draws: int | None, seed: int | np.random.Generator | None
) -> np.ndarray:
    """``n_draws`` posterior draws (rows) picked at random, or all of them when ``None``.

    Without replacement when the posterior has enough draws, with replacement otherwise;
    the same ``seed`` picks the same draws.
    """
    if n_draws is None:
        return draws
    if isinstance(n_draws, bool) or not isinstance(n_draws, int | np.integer) or n_draws < 1:
        raise DesignError(
            f"n_draws={n_draws!r} must be a positive integer, or None for every posterior draw."
        )
    rng = np.random.default_rng(seed)
    total = draws.shape[0]
    picked = rng.choice(total, size=int(n_draws), replace=int(n_draws) > total)
    return draws[picked]
