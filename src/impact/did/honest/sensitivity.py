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
  :func:`scipy.optimize.linprog` in the tests). Default CI (``method="C-LF"``, as R's
  ``HonestDiD::createSensitivityResults_relativeMagnitudes``): the conditional-least-favourable
  hybrid test of Andrews, Roth & Pakes (2023) inverted over a grid of ``theta``, for each of
  the ``2 * num_pre`` polyhedra whose union is ``Delta^RM(Mbar)`` (which pre-period change is
  the largest, and its sign); the CI is the union. Alternative (``method="bonferroni"``): a
  ``1 - alpha_1`` interval for ``l' beta_post`` widened by ``Mbar * c_l`` times a
  ``1 - alpha_2`` upper bound for ``m``, ``alpha_1 + alpha_2 = alpha`` (valid, much wider).

The breakdown value is the smallest ``M`` (``Mbar``) at which the CI includes zero.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import ndtr, ndtri

from impact.did.honest.relative_magnitudes import lf_normals, rm_clf_breakdown, rm_clf_ci
from impact.did.honest.results import HonestResult
from impact.errors import DataError, DesignError, ImpactWarning

if TYPE_CHECKING:
    pass

Restriction = Literal["smoothness", "relative_magnitude"]
Method = Literal["FLCI", "C-LF", "bonferroni"]
_METHODS = {"smoothness": ("FLCI",), "relative_magnitude": ("C-LF", "bonferroni")}


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
    method: Method | None = None,
    m_grid: np.ndarray | list[float] | None = None,
    l_vec: np.ndarray | list[float] | None = None,
    alpha: float = 0.05,
    rm_alpha_share: float = 0.5,
    grid_points: int = 1000,
    seed: int = 0,
    breakdown: bool = True,
) -> HonestResult:
    """Rambachan-Roth robust confidence intervals for an event study and the breakdown value.

    The estimand is ``theta = l' tau_post``, a weighted sum of the post-period effects, where
    ``betahat = tau + delta + noise`` and ``delta`` (the violation of parallel trends, zero in
    the reference period) is only known to lie in ``Delta^SD(M)`` or ``Delta^RM(Mbar)``.

    Parameters
    ----------
    betahat
        Event-study coefficients, pre-periods first (earliest first), then post-periods,
        without the reference period (e.g. event times -5..-2 and 0..3 with reference -1).
        Periods must be consecutive on each side of the reference.
    sigma
        Their covariance matrix (symmetric, positive semi-definite).
    num_pre, num_post
        Number of pre- and post-period coefficients (``num_pre >= 1``).
    restriction
        ``"smoothness"`` (``Delta^SD(M)``) or ``"relative_magnitude"`` (``Delta^RM(Mbar)``).
    method
        Confidence interval. Smoothness: ``"FLCI"`` (the only choice). Relative magnitudes:
        ``"C-LF"`` (default; conditional-least-favourable hybrid, as R's ``HonestDiD``) or
        ``"bonferroni"`` (closed form, valid, much wider). Recorded in the result.
    m_grid
        Values of ``M`` / ``Mbar``. Defaults: ``Mbar`` in 0, 0.5, ..., 2; ``M`` in 10 steps
        from 0 to the largest pre-period second difference plus two standard errors.
    l_vec
        Weights defining ``theta = l' tau_post`` (default: the first post period).
    alpha
        1 - confidence level.
    rm_alpha_share
        Share of ``alpha`` spent on the upper bound of the largest pre-period change
        (``method="bonferroni"`` only).
    grid_points
        C-LF only: the test is inverted on HonestDiD's grid of ``grid_points`` values of
        ``theta`` from ``-20 sd`` to ``20 sd`` (``sd`` the standard error of
        ``l' betahat_post``), extended with the same step to the identified set ``+- 20 sd``.
        The endpoints are grid points, so they are exact to one step, ``40 sd / 999``.
    seed
        C-LF only: seed of the draws for the least-favourable critical value (results are
        deterministic for a seed).
    breakdown
        Compute the breakdown value (a bisection over ``M``; skip it to save time).

    Returns
    -------
    HonestResult
        ``.table`` (``m, ci_lower, ci_upper, restriction, method``), ``.original``,
        ``.breakdown``; ``summary()``, ``to_frame()``, ``plot()``.

    Raises
    ------
    DataError
        Wrong sizes, a non-symmetric or non-PSD ``sigma``, negative ``M``, ``alpha`` outside
        (0, 1), an all-zero ``l_vec``, or a method that does not fit the restriction.

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

    Relative magnitudes, C-LF: ``Delta^RM(Mbar)`` is the union of ``2 * num_pre`` polyhedra
    (one per pre-period change that attains the maximum, and its sign). For each, ``theta``
    is tested with the hybrid of Andrews, Roth & Pakes (2023, ARP): the statistic is the LP
    ``min_nu max_j (A (betahat - tau(theta, nu)))_j / sd_j`` over the post-period moments,
    with the other post-period effects ``nu`` as nuisance parameters; the test rejects if
    the statistic exceeds the least-favourable ``1 - kappa`` critical value
    (``kappa = alpha / 10``, simulated with 100,000 draws) or, failing that, the
    ``1 - (alpha - kappa) / (1 - kappa)`` quantile of its normal distribution truncated by
    the conditioning event (the LP's optimal vertex) and by the first stage. The CI is the
    set of grid values accepted for some polyhedron. Each test controls size uniformly
    over the null (ARP 2023; Rambachan & Roth 2023), so the union
    covers ``theta`` with probability at least ``1 - alpha`` asymptotically. At
    ``Mbar = 0`` it is the original CI up to the grid step and simulation error. With one
    post period HonestDiD skips the first-stage truncation of the second stage; this
    implementation applies it (ARP's hybrid) in every case.

    The breakdown value is the smallest ``M`` at which the CI includes zero (C-LF: at
    which the test accepts ``theta = 0``), by bisection assuming the CIs widen with ``M``.

    References
    ----------
    Rambachan, A. & Roth, J. (2023). A more credible approach to parallel trends. Review of
    Economic Studies 90(5), 2555-2591.
    Andrews, I., Roth, J. & Pakes, A. (2023). Inference for linear conditional moment
    inequalities. Review of Economic Studies 90(6), 2763-2791.
    Armstrong, T. & Kolesar, M. (2018). Optimal inference in a class of regression models.
    Econometrica 86(2), 655-683.

    Examples
    --------
    >>> import pandas as pd
    >>> from impact.did import event_study
    >>> panel = pd.read_csv("data/synthetic/flyt_panel.csv")
    >>> es = event_study(panel, outcome="completion_rate", unit="municipality",
    ...                  time="year", cohort="adoption_year")
    >>> print(es.honest(restriction="relative_magnitude", m_grid=[0, 1]).summary())
    Honest DiD sensitivity (relative_magnitude, C-LF); estimate 0.02526, ...
    """
    b = np.asarray(betahat, dtype=float).ravel()
    s = np.asarray(sigma, dtype=float)
    lv = _check_inputs(b, s, num_pre, num_post, l_vec, alpha)
    if not 0 < rm_alpha_share < 1:
        raise DataError(f"rm_alpha_share={rm_alpha_share} must lie strictly between 0 and 1.")
    if restriction not in _METHODS:
        raise DataError(f"restriction={restriction!r} is not 'smoothness' or 'relative_magnitude'.")
    chosen = _METHODS[restriction][0] if method is None else str(method)
    match = [m for m in _METHODS[restriction] if m.lower() == chosen.lower()]
    if not match:
        raise DataError(
            f"method={method!r} does not apply to restriction={restriction!r}; use one of "
            f"{list(_METHODS[restriction])}."
        )
    chosen = match[0]
    theta = float(lv @ b[num_pre:])
    sd_theta = float(np.sqrt(lv @ s[num_pre:, num_pre:] @ lv))
    original = _original_ci(b, s, num_pre, lv, alpha)

    if restriction == "smoothness" and m_grid is None:
        pre = np.r_[b[:num_pre], 0.0]
        d2 = np.abs(np.diff(pre, 2)) if num_pre >= 2 else np.abs(pre[:1])
        top = float(d2.max() + 2 * np.sqrt(np.max(np.diag(s)[:num_pre])))
        m_grid = np.linspace(0, top, 10)
    elif m_grid is None:
        m_grid = np.arange(0, 2.01, 0.5)
    ci, normals = _interval_function(
        b, s, num_pre, lv, restriction, chosen, alpha, rm_alpha_share, grid_points, seed
    )

    grid = np.asarray(m_grid, dtype=float).ravel()
    bad = grid[~(grid >= 0) | ~np.isfinite(grid)]
    if bad.size:
        name = "M" if restriction == "smoothness" else "Mbar"
        raise DataError(
            f"m_grid contains {name} = {bad[0]:g}; {name} must be finite and non-negative "
            "(0 imposes exact parallel trends / linear trends)."
        )
    label = {"bonferroni": "Bonferroni"}.get(chosen, chosen)
    table = _grid_table(ci, grid, restriction, label)
    if not breakdown:
        bd = None
    elif restriction == "relative_magnitude" and chosen == "C-LF":
        assert normals is not None
        bd = rm_clf_breakdown(b, s, num_pre, lv, alpha=alpha, normals=normals)
    else:
        bd = _breakdown(ci, sd_theta)
    return HonestResult(
        table=table,
        original=original,
        estimate=theta,
        breakdown=bd,
        restriction=restriction,
        method=label,
        alpha=alpha,
        breakdown_computed=breakdown,
        at_threshold=partial(
            _breakdown_at,
            b,
            s,
            num_pre,
            lv,
            restriction,
            chosen,
            alpha,
            rm_alpha_share,
            grid_points,
            seed,
        ),
        at_alpha=partial(
            _intervals_at_alpha,
            b,
            s,
            num_pre,
            lv,
            restriction,
            chosen,
            grid,
            rm_alpha_share,
            grid_points,
            seed,
            label,
        ),
    )


def _original_ci(
    b: np.ndarray, s: np.ndarray, num_pre: int, lv: np.ndarray, alpha: float
) -> tuple[float, float]:
    """The ``1 - alpha`` normal interval of ``l' beta_post`` under exact parallel trends."""
    theta = float(lv @ b[num_pre:])
    sd_theta = float(np.sqrt(lv @ s[num_pre:, num_pre:] @ lv))
    z = float(stats.norm.ppf(1 - alpha / 2))
    return (theta - z * sd_theta, theta + z * sd_theta)


def _interval_function(
    b: np.ndarray,
    s: np.ndarray,
    num_pre: int,
    lv: np.ndarray,
    restriction: str,
    chosen: str,
    alpha: float,
    rm_alpha_share: float,
    grid_points: int,
    seed: int,
) -> tuple[Callable[[float], tuple[float, float]], np.ndarray | None]:
    """The robust ``1 - alpha`` CI as a function of ``M`` (and C-LF's least-favourable draws)."""
    num_post = len(lv)
    if restriction == "smoothness":

        def flci(m: float) -> tuple[float, float]:
            lo, hi, _ = _flci(b, s, num_pre, lv, m, alpha)
            return lo, hi

        return flci, None
    if chosen == "bonferroni":

        def bonferroni(m: float) -> tuple[float, float]:
            return _rm_ci(b, s, num_pre, lv, m, alpha, rm_alpha_share)

        return bonferroni, None
    if grid_points < 10:
        raise DataError(f"grid_points={grid_points}; use at least 10 (default 1000).")
    normals = lf_normals(num_post, seed)

    def clf(m: float) -> tuple[float, float]:
        lo, hi, is_open = rm_clf_ci(
            b, s, num_pre, lv, m, alpha=alpha, grid_points=grid_points, normals=normals
        )
        if np.isnan(lo):
            warnings.warn(
                f"The C-LF test rejects every theta at Mbar={m:g}: the data reject "
                "Delta^RM at this Mbar; the CI is reported as NaN. Try larger Mbar.",
                ImpactWarning,
                stacklevel=4,
            )
        if is_open:
            warnings.warn(
                f"The C-LF confidence set at Mbar={m:g} reaches the end of the theta "
                "grid (identified set +- 20 standard errors); the open end is reported "
                "as infinite.",
                ImpactWarning,
                stacklevel=4,
            )
        return lo, hi

    return clf, normals


def _grid_table(
    ci: Callable[[float], tuple[float, float]], grid: np.ndarray, restriction: str, label: str
) -> pd.DataFrame:
    """``m, ci_lower, ci_upper, restriction, method``: one robust CI per value of the grid."""
    rows = [ci(float(m)) for m in grid]
    return pd.DataFrame(
        {
            "m": grid,
            "ci_lower": [r[0] for r in rows],
            "ci_upper": [r[1] for r in rows],
            "restriction": restriction,
            "method": label,
        }
    )


def _intervals_at_alpha(
    b: np.ndarray,
    s: np.ndarray,
    num_pre: int,
    lv: np.ndarray,
    restriction: str,
    chosen: str,
    grid: np.ndarray,
    rm_alpha_share: float,
    grid_points: int,
    seed: int,
    label: str,
    alpha: float,
) -> tuple[pd.DataFrame, tuple[float, float]]:
    """The grid table and the original CI recomputed at ``1 - alpha`` (same inputs, same seed).

    Kept (as a :func:`functools.partial`, so results still pickle) in
    :attr:`HonestResult.at_alpha`, which ``to_frame(level=...)`` calls for another level.
    """
    ci, _ = _interval_function(
        b, s, num_pre, lv, restriction, chosen, alpha, rm_alpha_share, grid_points, seed
    )
    return _grid_table(ci, grid, restriction, label), _original_ci(b, s, num_pre, lv, alpha)


def _check_inputs(
    b: np.ndarray,
    s: np.ndarray,
    num_pre: int,
    num_post: int,
    l_vec: np.ndarray | list[float] | None,
    alpha: float,
) -> np.ndarray:
    """Validate sizes and values; return ``l_vec`` as an array (default: first post period)."""
    if num_pre < 1 or num_post < 1:
        raise DesignError(
            f"num_pre={num_pre}, num_post={num_post}: the sensitivity analysis needs at least one "
            "pre-period and one post-period coefficient besides the reference period."
        )
    if b.size != num_pre + num_post:
        raise DataError(
            f"betahat has {b.size} entries but num_pre + num_post = {num_pre + num_post}; "
            "pass the pre- and post-period coefficients without the reference period."
        )
    if not np.all(np.isfinite(b)):
        raise DataError("betahat contains NaN or infinite values; drop or fix those coefficients.")
    if s.shape != (b.size, b.size) or not np.allclose(s, s.T):
        raise DataError(
            f"sigma must be a symmetric {b.size} x {b.size} matrix; got shape {s.shape}."
        )
    if not np.all(np.isfinite(s)):
        raise DataError("sigma contains NaN or infinite values.")
    eig = np.linalg.eigvalsh(s)
    if eig[0] < -1e-8 * max(float(eig[-1]), 1e-300):
        raise DataError(
            f"sigma is not positive semi-definite (smallest eigenvalue {eig[0]:.3g}); pass the "
            "covariance matrix of betahat (e.g. from the same regression), not a rounded copy."
        )
    if not 0 < alpha < 1:
        raise DataError(f"alpha={alpha} must lie strictly between 0 and 1 (e.g. 0.05).")
    lv = np.zeros(num_post) if l_vec is None else np.asarray(l_vec, dtype=float).ravel()
    if l_vec is None:
        lv[0] = 1.0
    if lv.size != num_post:
        raise DataError(f"l_vec has {lv.size} entries; expected num_post = {num_post}.")
    if not np.all(np.isfinite(lv)) or not np.any(lv != 0):
        raise DataError(f"l_vec={lv.tolist()} must be finite and not all zero.")
    return lv


def _breakdown(ci: object, scale: float, threshold: float = 0.0) -> float | None:
    """Smallest M with ``threshold`` inside the CI (bisection; CIs widen with M)."""
    assert callable(ci)

    def covers(m: float) -> bool:
        lo, hi = ci(m)
        return bool(lo <= threshold <= hi)

    if covers(0.0):
        return None
    hi = max(scale, 1e-12)
    for _ in range(60):
        if covers(hi):
            break
        hi *= 2
    else:
        return float("inf")
    lo = 0.0
    for _ in range(40):
        mid = 0.5 * (lo + hi)
        if covers(mid):
            hi = mid
        else:
            lo = mid
        if hi - lo < 1e-6 * max(hi, 1e-12):
            break
    return hi


def _breakdown_at(
    b: np.ndarray,
    s: np.ndarray,
    num_pre: int,
    lv: np.ndarray,
    restriction: str,
    chosen: str,
    alpha: float,
    rm_alpha_share: float,
    grid_points: int,
    seed: int,
    threshold: float,
) -> float | None:
    """Breakdown value for ``theta = threshold`` with the inputs of a fitted result.

    Kept (as a :func:`functools.partial`) in :attr:`HonestResult.at_threshold`.
    """
    ci, normals = _interval_function(
        b, s, num_pre, lv, restriction, chosen, alpha, rm_alpha_share, grid_points, seed
    )
    if restriction == "relative_magnitude" and chosen == "C-LF":
        assert normals is not None
        return rm_clf_breakdown(
            b, s, num_pre, lv, alpha=alpha, normals=normals, threshold=float(threshold)
        )
    sd_theta = float(np.sqrt(lv @ s[num_pre:, num_pre:] @ lv))
    return _breakdown(ci, sd_theta, float(threshold))


__all__ = ["HonestResult", "honest_did", "rm_identified_set"]
