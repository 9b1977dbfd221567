"""Conditional-least-favourable hybrid test of Andrews, Roth & Pakes (2023) for moment inequalities.

The null is ``E[y(theta)] - X nu <= 0`` for some nuisance ``nu``, with ``y(theta) = y0 - a theta``
normal with known covariance ``Sigma``. The test statistic is the linear programme

    eta(theta) = min_{eta, nu} eta  s.t.  y(theta) - X nu <= eta * sd,   sd = sqrt(diag(Sigma)),

whose dual is ``max_{gamma in P} gamma' y(theta)`` over the polytope
``P = {gamma >= 0, sd' gamma = 1, X' gamma = 0}``. Callers pass the vertices of ``P`` (columns of
``vertices``); the LP value is then the largest vertex value, and everything the conditional
test needs has a closed form:

- the optimal vertex ``gamma*`` and ``sigma_B = sqrt(gamma*' Sigma gamma*)``;
- conditioning on ``gamma*`` being optimal and on ``s = y - b gamma*' y``
  (``b = Sigma gamma* / sigma_B^2``), the statistic ``gamma*' y`` is normal truncated to
  ``[v_lo, v_up]``, where vertex ``i`` with slope ``r_i = gamma_i' b`` and intercept
  ``gamma_i' s`` bounds it below if ``r_i < 1`` and above if ``r_i > 1``
  (``v = gamma_i' s / (1 - r_i)``; the dual approach of ARP 2023);
- least-favourable hybrid: reject outright when ``eta`` exceeds the ``1 - kappa`` quantile of
  ``max_i gamma_i' xi``, ``xi ~ N(0, Sigma)`` (the LP value at the least-favourable mean zero);
  otherwise also truncate at that value and use the truncated-normal critical value of size
  ``(alpha - kappa) / (1 - kappa)``, floored at zero (the least-favourable hybrid of ARP 2023).

The hybrid test controls size ``alpha`` uniformly over the null, asymptotically (ARP 2023).
"""

from __future__ import annotations

import numpy as np
from scipy.special import log_ndtr, ndtri_exp

_TOL = 1e-10


def sqrt_psd(sigma: np.ndarray) -> np.ndarray:
    """Symmetric square root of a positive semi-definite matrix (negative eigenvalues -> 0)."""
    w, v = np.linalg.eigh(sigma)
    return (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T


def least_favourable_cv(
    sigma_y: np.ndarray, vertices: np.ndarray, kappa: float, normals: np.ndarray
) -> float:
    """``1 - kappa`` quantile of the LP value at mean zero, ``max_i gamma_i' xi``.

    ``normals`` are standard normal draws stored as ``m x n_sims`` (one draw per column);
    ``xi = Sigma^(1/2) normals``. The quantile is R's default (type 7).
    """
    w = sqrt_psd(sigma_y) @ vertices  # m x nv: gamma_i' xi = w_i' normals
    # einsum, not BLAS: the inner dimension is tiny and threaded BLAS only adds overhead
    eta = np.einsum("mk,mn->kn", w, normals).max(axis=0)
    pos = (len(eta) - 1) * (1.0 - kappa)
    k = int(np.floor(pos))
    kth = [k, k + 1] if k + 1 < len(eta) else [k]
    part = np.partition(eta, kth)
    upper = part[kth[-1]]
    return float(part[k] + (pos - k) * (upper - part[k]))


def truncnorm_ppf(p: float, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Quantile ``p`` of the standard normal truncated to ``[lo, hi]`` (stable in both tails)."""
    lo = np.asarray(lo, dtype=float)
    hi = np.asarray(hi, dtype=float)
    out = np.empty(np.broadcast(lo, hi).shape)
    lo, hi = np.broadcast_arrays(lo, hi)
    upper = lo >= 0  # both bounds in the upper tail: work with survival functions
    with np.errstate(divide="ignore", invalid="ignore"):
        ls = np.logaddexp(np.log(p) + log_ndtr(-hi[upper]), np.log1p(-p) + log_ndtr(-lo[upper]))
        out[upper] = -ndtri_exp(ls)
        low = ~upper
        lc = np.logaddexp(np.log1p(-p) + log_ndtr(lo[low]), np.log(p) + log_ndtr(hi[low]))
        out[low] = ndtri_exp(lc)
    return np.clip(out, lo, hi)


def hybrid_accept(
    y0: np.ndarray,
    a: np.ndarray,
    sigma_y: np.ndarray,
    vertices: np.ndarray,
    theta: np.ndarray,
    *,
    alpha: float,
    kappa: float,
    lf_cv: float,
) -> np.ndarray:
    """Whether the C-LF hybrid test accepts ``theta`` (vectorised over ``theta``).

    Parameters
    ----------
    y0, a
        Moments at ``theta = 0`` and their slope: ``y(theta) = y0 - a * theta`` (length ``m``).
        ``y0`` may also be ``n x m`` (one row per ``theta``, e.g. simulated estimates).
    sigma_y
        Covariance of ``y0`` (``m x m``).
    vertices
        Vertices of the dual polytope, one per column (``m x n_vertices``).
    theta
        Values to test.
    alpha, kappa
        Size of the test and of its least-favourable first stage.
    lf_cv
        Least-favourable critical value (:func:`least_favourable_cv`).
    """
    g = vertices
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    vals = np.atleast_2d(y0) @ g - theta[:, None] * (g.T @ a)[None, :]  # (n, nv)
    n = vals.shape[0]
    rows = np.arange(n)
    j = np.argmax(vals, axis=1)
    eta = vals[rows, j]
    cov = g.T @ sigma_y @ g
    var = np.diag(cov).copy()
    degenerate = var[j] < _TOL**2
    safe_var = np.where(var > _TOL**2, var, 1.0)
    slope = (cov / safe_var[None, :])[:, j].T  # slope[n, i] = gamma_i' Sigma gamma_j / var_j
    intercept = vals - slope * eta[:, None]
    den = 1.0 - slope
    not_self = np.ones_like(vals, dtype=bool)
    not_self[rows, j] = False
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = intercept / den
    vlo = np.max(np.where(not_self & (den > _TOL), ratio, -np.inf), axis=1)
    vup = np.min(np.where(not_self & (den < -_TOL), ratio, np.inf), axis=1)
    sigma_b = np.sqrt(np.where(degenerate, 1.0, var[j]))
    stat = eta / sigma_b
    zlo = vlo / sigma_b
    zup = np.minimum(vup, lf_cv) / sigma_b
    inside = (zlo <= stat) & (stat <= zup)
    size = (alpha - kappa) / (1.0 - kappa)
    cv = np.full(n, np.inf)
    if inside.any():
        cv[inside] = np.maximum(0.0, truncnorm_ppf(1.0 - size, zlo[inside], zup[inside]))
    # a zero-variance optimal vertex: its value is known, reject iff it is positive
    reject = (eta > lf_cv) | np.where(degenerate, eta > _TOL, inside & (stat > cv))
    return ~reject


__all__ = ["hybrid_accept", "least_favourable_cv", "sqrt_psd", "truncnorm_ppf"]
