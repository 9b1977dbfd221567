"""Sensitivity of event-study conclusions to violations of parallel trends (Rambachan & Roth 2023).

Write the event-study coefficients as ``beta = tau + delta``: true effects ``tau``
(zero before adoption) plus a bias ``delta`` from non-parallel trends, with the reference
period normalised to ``delta_0 = 0``. The target is ``theta = l' tau_post``. Instead of
assuming ``delta_post = 0``, restrict ``delta`` to a set informed by the pre-period:

- **Smoothness** ``Delta^SD(M)``: the slope of ``delta`` changes by at most ``M`` between
  consecutive periods, ``|(delta_{t+1} - delta_t) - (delta_t - delta_{t-1})| <= M``.
  ``M = 0`` allows exactly linear trends (linear extrapolation of the pre-trend).
  Confidence interval: the optimal fixed-length CI (FLCI) of Rambachan & Roth, Section 4.1
  (Armstrong & Kolesar 2018): the affine estimator ``v' betahat`` with the smallest
  half-length ``sd * cv_alpha(max_bias / sd)``, where ``cv_alpha(b)`` is the ``1 - alpha``
  quantile of ``|N(b, 1)|``. The worst-case bias has the closed form
  ``M * ||B_D' v||_1`` once ``v`` is unbiased for linear trends (see Notes of
  :func:`honest_did`); the optimum over ``v`` is found numerically.
- **Relative magnitudes** ``Delta^RM(Mbar)``: each post-period change
  ``|delta_{t+1} - delta_t|`` is at most ``Mbar`` times the largest pre-period change.
  Given ``delta_pre = beta_pre`` the identified set is ``l' beta_post -+ Mbar * c_l * m``,
  with ``m`` the largest pre-period change and ``c_l = sum_k |sum_{t >= k} l_t|``
  (a closed form of the linear programmes, checked against
  :func:`scipy.optimize.linprog` in the tests). The CI is a Bonferroni construction
  (valid, more conservative than Rambachan & Roth's conditional-least-favourable
  hybrid): a ``1 - alpha_1`` interval for ``l' beta_post`` widened by ``Mbar * c_l``
  times a ``1 - alpha_2`` upper bound for ``m``, ``alpha_1 + alpha_2 = alpha``. At
  ``Mbar = 0`` it is exactly the original CI.

The breakdown value is the smallest ``M`` (``Mbar``) at which the CI includes zero.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import ndtr, ndtri

from impact.errors import DataError, DesignError

if TYPE_CHECKING:
    from matplotlib.axes import Axes

Restriction = Literal["smoothness", "relative_magnitude"]


@dataclass(frozen=True)
class HonestResult:
    """Robust confidence intervals over a grid of ``M`` (or ``Mbar``) and the breakdown value."""

    table: pd.DataFrame
    original: tuple[float, float]
    estimate: float
    breakdown: float | None
    restriction: str
    method: str
    alpha: float

    def to_frame(self) -> pd.DataFrame:
        """``m, ci_lower, ci_upper, restriction, method`` with the original CI first (m = NaN)."""
        orig = pd.DataFrame(
            {
                "m": [np.nan],
                "ci_lower": [self.original[0]],
                "ci_upper": [self.original[1]],
                "restriction": ["parallel trends"],
                "method": ["original"],
            }
        )
        return pd.concat([orig, self.table], ignore_index=True)

    def summary(self) -> str:
        name = "M" if self.restriction == "smoothness" else "Mbar"
        bd = (
            "not significant even under exact parallel trends"
            if self.breakdown is None
            else f"{name} = {self.breakdown:.4g}"
        )
        return (
            f"Honest DiD sensitivity ({self.restriction}, {self.method}); estimate "
            f"{self.estimate:.4g}, original CI [{self.original[0]:.4g}, {self.original[1]:.4g}]; "
            f"breakdown: {bd}\n"
            + self.table.to_string(index=False, float_format=lambda x: f"{x:.4g}")
        )

    def plot(self, ax: Axes | None = None) -> Axes:
        """Robust CIs against ``M`` beside the original CI; zero line."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 4))
        t = self.table
        m = t["m"].to_numpy()
        step = float(np.min(np.diff(m))) if len(m) > 1 else 1.0
        x0 = m.min() - step
        ax.vlines([x0], [self.original[0]], [self.original[1]], color="k", lw=3, label="original")
        ax.vlines(m, t["ci_lower"], t["ci_upper"], lw=3, label=self.method)
        ax.axhline(0, color="grey", lw=0.8)
        ax.set_xlabel("M" if self.restriction == "smoothness" else "Mbar")
        ax.set_ylabel("Confidence interval")
        ax.legend(fontsize="small")
        return ax


# ---------------------------------------------------------------------------------------
def _cv_abs_normal(b: float, alpha: float) -> float:
    """``1 - alpha`` quantile of ``|N(b, 1)|``."""
    b = abs(b)
    z = float(ndtri(1 - alpha / 2))

    def f(c: float) -> float:
        return float(ndtr(c - b) - ndtr(-c - b) - (1 - alpha))

    return float(optimize.brentq(f, z - 1e-9, b + z + 10, xtol=1e-14))


def _sd_basis(num_pre: int, num_post: int) -> tuple[np.ndarray, np.ndarray]:
    """Columns of ``delta`` (pre then post) per unit slope and per unit second difference.

    Returns ``(trend, B_D)``: ``trend_t = t`` and ``B_D`` mapping the second differences at
    ``t = -num_pre+1, ..., num_post-1`` (with ``delta_0 = 0``) to ``delta``.
    """
    times = np.r_[np.arange(-num_pre, 0), np.arange(1, num_post + 1)]
    n = len(times)
    full = np.r_[np.arange(-num_pre, num_post + 1)]  # includes 0
    idx = {int(t): i for i, t in enumerate(full)}
    # map delta (without 0) -> (slope s = delta_1, second differences)
    tmat = np.zeros((n, n))
    col = {int(t): j for j, t in enumerate(times)}
    tmat[0, col[1]] = 1.0
    for r, t in enumerate(range(-num_pre + 1, num_post), start=1):
        for tt, c in ((t + 1, 1.0), (t, -2.0), (t - 1, 1.0)):
            if tt != 0 and tt in idx:
                tmat[r, col[tt]] += c
    b = np.linalg.inv(tmat)
    return b[:, 0], b[:, 1:]


def _flci(
    betahat: np.ndarray, sigma: np.ndarray, num_pre: int, l_vec: np.ndarray, m: float, alpha: float
) -> tuple[float, float, np.ndarray]:
    """Optimal FLCI for ``l' tau_post`` under ``Delta^SD(m)``: (lower, upper, weights v)."""
    num_post = len(l_vec)
    trend, bd = _sd_basis(num_pre, num_post)
    t_pre, t_post = trend[:num_pre], trend[num_pre:]
    target = -float(l_vec @ t_post)  # v_pre' t_pre must equal this
    # affine parameterisation of v_pre satisfying the trend constraint
    v0 = t_pre * target / float(t_pre @ t_pre)
    null = np.linalg.svd(t_pre[None, :])[2][1:].T  # num_pre x (num_pre - 1)

    def v_of(z: np.ndarray) -> np.ndarray:
        return np.r_[v0 + null @ z, l_vec]

    def half_length(z: np.ndarray) -> float:
        v = v_of(z)
        sd = float(np.sqrt(v @ sigma @ v))
        bias = m * float(np.abs(bd.T @ v).sum())
        return _cv_abs_normal(bias / sd, alpha) * sd if sd > 0 else np.inf

    k = null.shape[1]
    if k == 0:
        z_best = np.zeros(0)
    else:
        # start: minimum-variance weights unbiased for linear trends (the M = 0 optimum)
        s_pp = sigma[:num_pre, :num_pre]
        s_pq = sigma[:num_pre, num_pre:]
        z_gls = np.linalg.solve(null.T @ s_pp @ null, -(null.T @ (s_pp @ v0 + s_pq @ l_vec)))
        if m == 0:
            z_best = z_gls
        else:
            # smooth reformulation: variables (z, t) with t >= |B_D' v(z)|, bias = m * sum(t)
            a_z = bd[:num_pre].T @ null  # d(B_D' v)/dz
            c0 = bd.T @ np.r_[v0, l_vec]

            def objective(x: np.ndarray) -> float:
                z, t = x[:k], x[k:]
                v = v_of(z)
                sd = float(np.sqrt(v @ sigma @ v))
                return _cv_abs_normal(m * float(t.sum()) / sd, alpha) * sd

            cons = [
                {"type": "ineq", "fun": lambda x: x[k:] - (c0 + a_z @ x[:k])},
                {"type": "ineq", "fun": lambda x: x[k:] + (c0 + a_z @ x[:k])},
            ]
            best_z, best_f = z_gls, half_length(z_gls)
            for z0 in (z_gls, np.zeros(k)):
                x0 = np.r_[z0, np.abs(c0 + a_z @ z0) + 1e-12]
                res = optimize.minimize(
                    objective, x0, method="SLSQP", constraints=cons,
                    options={"ftol": 1e-15, "maxiter": 500},
                )  # fmt: skip
                f = half_length(res.x[:k])
                if f < best_f:
                    best_z, best_f = res.x[:k], f
            z_best = best_z
    v = v_of(z_best)
    center = float(v @ betahat)
    h = half_length(z_best)
    return center - h, center + h, v


def _rm_ci(
    betahat: np.ndarray,
    sigma: np.ndarray,
    num_pre: int,
    l_vec: np.ndarray,
    mbar: float,
    alpha: float,
    alpha_share: float,
) -> tuple[float, float]:
    """Bonferroni CI under ``Delta^RM(mbar)`` (see module docstring)."""
    num_post = len(l_vec)
    theta = float(l_vec @ betahat[num_pre:])
    sd_theta = float(np.sqrt(l_vec @ sigma[num_pre:, num_pre:] @ l_vec))
    if mbar == 0:
        h = float(stats.norm.ppf(1 - alpha / 2)) * sd_theta
        return theta - h, theta + h
    a1 = alpha * (1 - alpha_share)
    a2 = alpha * alpha_share
    # pre-period changes delta_{s+1} - delta_s for s = -num_pre..-1 (delta_0 = 0)
    diffs = np.zeros((num_pre, len(betahat)))
    for j in range(num_pre):
        diffs[j, j] = -1.0
        if j + 1 < num_pre:
            diffs[j, j + 1] = 1.0
    d_hat = diffs @ betahat
    d_sd = np.sqrt(np.einsum("ij,jk,ik->i", diffs, sigma, diffs))
    m_upper = float(np.max(np.abs(d_hat) + stats.norm.ppf(1 - a2 / (2 * num_pre)) * d_sd))
    c_l = float(np.abs(np.cumsum(l_vec[::-1])[::-1]).sum())
    h = float(stats.norm.ppf(1 - a1 / 2)) * sd_theta + mbar * c_l * m_upper
    del num_post
    return theta - h, theta + h


def rm_identified_set(
    betahat: np.ndarray, *, num_pre: int, l_vec: np.ndarray, mbar: float
) -> tuple[float, float]:
    """Identified set of ``l' tau_post`` under ``Delta^RM(mbar)`` when ``beta`` is known exactly."""
    pre = np.r_[np.asarray(betahat, float)[:num_pre], 0.0]
    m = float(np.max(np.abs(np.diff(pre))))
    c_l = float(np.abs(np.cumsum(l_vec[::-1])[::-1]).sum())
    theta = float(l_vec @ np.asarray(betahat, float)[num_pre:])
    return theta - mbar * c_l * m, theta + mbar * c_l * m


def honest_did(
    betahat: np.ndarray,
    sigma: np.ndarray,
    *,
    num_pre: int,
    num_post: int,
    restriction: Restriction = "smoothness",
    m_grid: np.ndarray | list[float] | None = None,
    l_vec: np.ndarray | list[float] | None = None,
    alpha: float = 0.05,
    rm_alpha_share: float = 0.5,
    breakdown: bool = True,
) -> HonestResult:
    """Rambachan-Roth robust confidence intervals for an event study and the breakdown value.

    Parameters
    ----------
    betahat
        Event-study coefficients, pre-periods first (earliest first), then post-periods,
        without the reference period (e.g. event times -5..-2 and 0..3 with reference -1).
        Periods must be consecutive on each side of the reference.
    sigma
        Their covariance matrix.
    num_pre, num_post
        Number of pre- and post-period coefficients (``num_pre >= 1``).
    restriction
        ``"smoothness"`` (``Delta^SD(M)``, FLCI) or ``"relative_magnitude"``
        (``Delta^RM(Mbar)``, Bonferroni CI).
    m_grid
        Values of ``M`` / ``Mbar``. Defaults: ``Mbar`` in 0, 0.5, ..., 2; ``M`` in 10 steps
        from 0 to the largest pre-period second difference plus two standard errors.
    l_vec
        Weights defining ``theta = l' tau_post`` (default: the first post period).
    alpha
        1 - confidence level.
    rm_alpha_share
        Share of ``alpha`` spent on the upper bound of the largest pre-period change
        (relative magnitudes only).
    breakdown
        Compute the breakdown value (a bisection over ``M``; skip it to save time).

    Returns
    -------
    HonestResult
        ``.table`` (``m, ci_lower, ci_upper, restriction, method``), ``.original``,
        ``.breakdown``; ``summary()``, ``to_frame()``, ``plot()``.

    Notes
    -----
    Assumptions: ``betahat`` is approximately normal with covariance ``sigma``; the
    violation of parallel trends lies in the chosen set. The FLCI under smoothness is
    the estimator ``v' betahat`` with ``v_post = l`` and ``v_pre`` chosen so that it is
    unbiased under any linear trend through the reference period; its worst-case bias over
    ``Delta^SD(M)`` is then ``M * ||B_D' v||_1``, where ``B_D`` maps second differences to
    ``delta``. With ``M = 0`` the FLCI is the minimum-variance linear-extrapolation
    estimator with a plain normal interval. Reproduces the FLCIs printed in the HonestDiD
    README (Medicaid example) to the printed precision (see tests).

    Examples
    --------
    >>> es = event_study(panel, outcome="completion_rate", unit="municipality",
    ...                  time="year", cohort="adoption_year")  # doctest: +SKIP
    >>> es.honest(restriction="relative_magnitude").summary()  # doctest: +SKIP
    """
    b = np.asarray(betahat, dtype=float).ravel()
    s = np.asarray(sigma, dtype=float)
    if b.size != num_pre + num_post:
        raise DataError(
            f"betahat has {b.size} entries but num_pre + num_post = {num_pre + num_post}."
        )
    if s.shape != (b.size, b.size) or not np.allclose(s, s.T):
        raise DataError(
            f"sigma must be a symmetric {b.size} x {b.size} matrix; got shape {s.shape}."
        )
    if num_pre < 1 or num_post < 1:
        raise DesignError(
            f"num_pre={num_pre}, num_post={num_post}: the sensitivity analysis needs at least one "
            "pre-period and one post-period coefficient besides the reference period."
        )
    lv = np.zeros(num_post) if l_vec is None else np.asarray(l_vec, dtype=float).ravel()
    if l_vec is None:
        lv[0] = 1.0
    if lv.size != num_post:
        raise DataError(f"l_vec has {lv.size} entries; expected num_post = {num_post}.")
    if not 0 < rm_alpha_share < 1:
        raise DataError(f"rm_alpha_share={rm_alpha_share} must lie strictly between 0 and 1.")
    theta = float(lv @ b[num_pre:])
    sd_theta = float(np.sqrt(lv @ s[num_pre:, num_pre:] @ lv))
    z = float(stats.norm.ppf(1 - alpha / 2))
    original = (theta - z * sd_theta, theta + z * sd_theta)

    if restriction == "smoothness":
        if num_pre < 1:
            raise DesignError("Smoothness restrictions need at least one pre-period.")

        def ci(m: float) -> tuple[float, float]:
            lo, hi, _ = _flci(b, s, num_pre, lv, m, alpha)
            return lo, hi

        method = "FLCI"
        if m_grid is None:
            pre = np.r_[b[:num_pre], 0.0]
            d2 = np.abs(np.diff(pre, 2)) if num_pre >= 2 else np.abs(pre[:1])
            top = float(d2.max() + 2 * np.sqrt(np.max(np.diag(s)[:num_pre])))
            m_grid = np.linspace(0, top, 10)
    elif restriction == "relative_magnitude":

        def ci(m: float) -> tuple[float, float]:
            return _rm_ci(b, s, num_pre, lv, m, alpha, rm_alpha_share)

        method = "Bonferroni"
        if m_grid is None:
            m_grid = np.arange(0, 2.01, 0.5)
    else:
        raise DataError(f"restriction={restriction!r} is not 'smoothness' or 'relative_magnitude'.")
    grid = np.asarray(m_grid, dtype=float)
    if np.any(grid < 0):
        raise DataError("m_grid values must be non-negative.")
    rows = [ci(float(m)) for m in grid]
    table = pd.DataFrame(
        {
            "m": grid,
            "ci_lower": [r[0] for r in rows],
            "ci_upper": [r[1] for r in rows],
            "restriction": restriction,
            "method": method,
        }
    )
    return HonestResult(
        table=table,
        original=original,
        estimate=theta,
        breakdown=_breakdown(ci, sd_theta) if breakdown else None,
        restriction=restriction,
        method=method,
        alpha=alpha,
    )


def _breakdown(ci: object, scale: float) -> float | None:
    """Smallest M with 0 inside the CI (bisection; CIs widen with M)."""
    assert callable(ci)

    def covers_zero(m: float) -> bool:
        lo, hi = ci(m)
        return bool(lo <= 0 <= hi)

    if covers_zero(0.0):
        return None
    hi = max(scale, 1e-12)
    for _ in range(60):
        if covers_zero(hi):
            break
        hi *= 2
    else:
        return float("inf")
    lo = 0.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if covers_zero(mid):
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-6 * max(hi, 1e-12):
            break
    return hi


__all__ = ["HonestResult", "honest_did", "rm_identified_set"]
