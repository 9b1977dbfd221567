"""Intervals of impact.did results at a requested coverage ``level``.

Every results class of :mod:`impact.did` was fitted with an ``alpha`` and stores its
intervals at ``1 - alpha``; ``to_frame(level=...)``, ``conf_int`` and ``headline`` may ask for
another coverage. :func:`alpha_at` says which ``alpha`` to compute with: the fitted one when
``level`` is ``1 - alpha`` (so the stored numbers come back bit for bit), else ``1 - level``.
"""

from __future__ import annotations

import math

from impact.results import check_level

__all__ = ["alpha_at", "is_fitted_level", "normal_crit", "t_crit"]


def is_fitted_level(level: float, alpha: float) -> bool:
    """Whether ``level`` is the coverage ``1 - alpha`` the result was fitted at."""
    return math.isclose(check_level(level), 1.0 - alpha, rel_tol=0.0, abs_tol=1e-12)


def alpha_at(level: float, alpha: float) -> float:
    """The ``alpha`` of intervals at ``level``: the fitted ``alpha`` at ``1 - alpha``, else
    ``1 - level`` (raises :class:`impact.errors.DesignError` for a ``level`` outside (0, 1))."""
    return alpha if is_fitted_level(level, alpha) else 1.0 - check_level(level)


def normal_crit(alpha: float) -> float:
    """Two-sided normal critical value ``z_{1 - alpha/2}`` (as the estimators compute it)."""
    from scipy import stats

    return float(stats.norm.ppf(1 - alpha / 2))


def t_crit(alpha: float, df: int) -> float:
    """Two-sided t critical value ``t_{df, 1 - alpha/2}``."""
    from scipy import stats

    return float(stats.t.ppf(1 - alpha / 2, df))
