"""Summaries of posterior draws shared by the results of :mod:`impact.bayes`."""

from __future__ import annotations

from typing import Any

import numpy as np


def summarise_draws(
    draws: Any, *, level: float = 0.9, threshold: float | None = None
) -> dict[str, float]:
    """Mean, sd, median, equal-tailed ``level`` interval and P(> 0) of a set of draws.

    With ``threshold``, also ``p_above_threshold`` = P(draw > threshold).
    """
    d = np.asarray(draws, dtype=float).reshape(-1)
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    row = {
        "mean": float(d.mean()),
        "sd": float(d.std(ddof=1)),
        "median": float(np.median(d)),
        "ci_lower": float(np.quantile(d, lo_q)),
        "ci_upper": float(np.quantile(d, hi_q)),
        "p_positive": float(np.mean(d > 0)),
    }
    if threshold is not None:
        row["p_above_threshold"] = float(np.mean(d > threshold))
    return row
