"""C-LF confidence interval for ``theta = l' tau_post`` under ``Delta^RM(Mbar)``.

``Delta^RM(Mbar)`` is the union over the ``2 * num_pre`` pre-period changes ``k`` and signs
``sign`` of the polyhedra

    |delta_t - delta_{t-1}| <= Mbar * sign * (delta_k - delta_{k-1})   for every post period t

(with ``delta_0 = 0``); the pre-period restrictions that make change ``k`` the largest are
dropped, as in R's ``HonestDiD`` (``postPeriodMomentsOnly = TRUE``), which leaves the union
unchanged. For one polyhedron, with ``u = D (betahat_post - tau_post)`` (``D`` the
first-difference matrix) and ``m = sign * (betahat_k - betahat_{k-1})``, the ``2 T`` moments are
``+u_t - Mbar m <= 0`` and ``-u_t - Mbar m <= 0``. Writing ``tau_post = theta tau_0 + N nu`` with
``l' tau_0 = 1`` and ``N`` a basis of ``{l' x = 0}``, the nuisance ``nu`` moves ``u`` within
the hyperplane ``c' u = c' u_theta``, ``c = D^{-T} l``. Box-and-hyperplane feasibility then gives
the LP value of the ARP test as the largest of ``T + 2`` affine functions of the moments, so the
dual polytope has (at most) these vertices:

- for each post period ``t``: ``(e_t^+ + e_t^-) / (sd_t^+ + sd_t^-)``;
- ``(c^+ on the + rows, c^- on the - rows)`` and its mirror image, each scaled to ``sd' gamma = 1``
  (``c^+ = max(c, 0)``, ``c^- = max(-c, 0)``).

:mod:`impact.did.honest.conditional_test` turns the vertices into the hybrid test; no LP is solved (the tests check
the vertex formula against :func:`scipy.optimize.linprog`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from impact.did.honest.conditional_test import hybrid_accept, least_favourable_cv

#: Monte Carlo draws for the least-favourable critical value. HonestDiD uses 1,000, whose
#: simulation error (about 0.14 on a critical value near 2.8) moves CI endpoints by a grid step;
#: 100,000 draws pin it to about 0.015 at a few milliseconds per polyhedron.
LF_SIMS = 100_000


@dataclass(frozen=True)
class _Piece:
    y0: np.ndarray
    a: np.ndarray
    sigma_y: np.ndarray
    vertices: np.ndarray
    lf_cv: float


def _first_differences(t: int) -> np.ndarray:
    return np.eye(t) - np.eye(t, k=-1)


def _pre_change(num_pre: int, k: int, size: int) -> np.ndarray:
    """Row vector of the ``k``-th pre-period change (the last one ends at ``delta_0 = 0``)."""
    v = np.zeros(size)
    v[k] = -1.0
    if k + 1 < num_pre:
        v[k + 1] = 1.0
    return v


def rm_vertices(sd: np.ndarray, l_vec: np.ndarray) -> np.ndarray:
    """Vertices of the dual polytope for one ``Delta^RM`` polyhedron (columns; see module doc)."""
    t = len(l_vec)
    c = np.linalg.solve(_first_differences(t).T, l_vec)
    cp, cm = np.clip(c, 0.0, None), np.clip(-c, 0.0, None)
    cols = []
    for i in range(t):
        g = np.zeros(2 * t)
        g[[i, t + i]] = 1.0
        cols.append(g)
    cols += [np.r_[cp, cm], np.r_[cm, cp]]
    out = np.array(cols).T
    return out / (sd @ out)[None, :]


def rm_moments(num_pre: int, num_post: int, k: int, sign: float, mbar: float) -> np.ndarray:
    """``A`` (``2 T x (num_pre + T)``): rows ``+-(first difference t) - Mbar * sign * change k``."""
    size = num_pre + num_post
    d = _first_differences(num_post)
    a = np.zeros((2 * num_post, size))
    a[:num_post, num_pre:] = d
    a[num_post:, num_pre:] = -d
    return a - mbar * sign * _pre_change(num_pre, k, size)[None, :]


def lf_normals(num_post: int, seed: int, n_sims: int = LF_SIMS) -> np.ndarray:
    """Standard normal draws shared by every polyhedron (as HonestDiD re-seeds per polyhedron)."""
    return np.random.default_rng(seed).standard_normal((2 * num_post, n_sims))


def rm_pieces(
    betahat: np.ndarray,
    sigma: np.ndarray,
    num_pre: int,
    l_vec: np.ndarray,
    mbar: float,
    *,
    kappa: float,
    normals: np.ndarray,
) -> list[_Piece]:
    """Moments, covariance, dual vertices and LF critical value of each polyhedron."""
    num_post = len(l_vec)
    tau0 = l_vec / float(l_vec @ l_vec)
    ks = range(num_pre) if mbar > 0 else range(1)  # Mbar = 0: all polyhedra coincide
    pieces = []
    for k in ks:
        for sign in (1.0, -1.0) if mbar > 0 else (1.0,):
            a_mat = rm_moments(num_pre, num_post, k, sign, mbar)
            sigma_y = a_mat @ sigma @ a_mat.T
            sd = np.sqrt(np.clip(np.diag(sigma_y), 0.0, None))
            g = rm_vertices(sd, l_vec)
            pieces.append(
                _Piece(
                    y0=a_mat @ betahat,
                    a=a_mat[:, num_pre:] @ tau0,
                    sigma_y=sigma_y,
                    vertices=g,
                    lf_cv=least_favourable_cv(sigma_y, g, kappa, normals),
                )
            )
    return pieces


def rm_accept(pieces: list[_Piece], theta: np.ndarray, *, alpha: float, kappa: float) -> np.ndarray:
    """``theta`` values accepted for at least one polyhedron."""
    theta = np.atleast_1d(np.asarray(theta, dtype=float))
    acc = np.zeros(len(theta), dtype=bool)
    for p in pieces:
        acc |= hybrid_accept(
            p.y0, p.a, p.sigma_y, p.vertices, theta, alpha=alpha, kappa=kappa, lf_cv=p.lf_cv
        )
    return acc


def theta_grid(
    betahat: np.ndarray,
    sigma: np.ndarray,
    num_pre: int,
    l_vec: np.ndarray,
    mbar: float,
    grid_points: int,
    widen: float = 1.0,
) -> np.ndarray:
    """HonestDiD's grid ``seq(-20 sd, 20 sd, length.out = grid_points)``, extended if needed.

    ``sd`` is the standard error of ``l' betahat_post``. The grid is extended with the same step
    to cover the identified set at ``betahat`` widened by ``20 * widen * sd`` on each side
    (HonestDiD centres it on zero only), and coarsened if that would take more than
    ``50 * grid_points`` points.
    """
    sd = float(np.sqrt(l_vec @ sigma[num_pre:, num_pre:] @ l_vec))
    pre = np.r_[betahat[:num_pre], 0.0]
    c_l = float(np.abs(np.cumsum(l_vec[::-1])[::-1]).sum())
    half = mbar * c_l * float(np.abs(np.diff(pre)).max())
    est = float(l_vec @ betahat[num_pre:])
    lo, hi = est - half - 20 * widen * sd, est + half + 20 * widen * sd
    base, step = -20 * sd, 40 * sd / (grid_points - 1)
    k_lo = min(0, math.floor((lo - base) / step))
    k_hi = max(grid_points - 1, math.ceil((hi - base) / step))
    if k_hi - k_lo + 1 > 50 * grid_points:
        return np.linspace(min(lo, base), max(hi, -base), 50 * grid_points)
    return base + step * np.arange(k_lo, k_hi + 1)


def rm_clf_ci(
    betahat: np.ndarray,
    sigma: np.ndarray,
    num_pre: int,
    l_vec: np.ndarray,
    mbar: float,
    *,
    alpha: float,
    grid_points: int,
    normals: np.ndarray,
) -> tuple[float, float, bool]:
    """``(lower, upper, open)``: extreme accepted grid points; ``open`` if an end stays accepted.

    When an end of the grid is accepted the margin around the identified set is doubled (up to
    ``2^6`` times 20 standard errors) before giving up and reporting that end as infinite.
    """
    kappa = alpha / 10
    pieces = rm_pieces(betahat, sigma, num_pre, l_vec, mbar, kappa=kappa, normals=normals)
    for i in range(7):
        grid = theta_grid(betahat, sigma, num_pre, l_vec, mbar, grid_points, widen=2.0**i)
        acc = rm_accept(pieces, grid, alpha=alpha, kappa=kappa)
        if not (acc[0] or acc[-1]):
            break
    if not acc.any():
        return np.nan, np.nan, False
    lo = -np.inf if acc[0] else float(grid[acc][0])
    hi = np.inf if acc[-1] else float(grid[acc][-1])
    return lo, hi, bool(acc[0] or acc[-1])


def rm_clf_breakdown(
    betahat: np.ndarray,
    sigma: np.ndarray,
    num_pre: int,
    l_vec: np.ndarray,
    *,
    alpha: float,
    normals: np.ndarray,
    threshold: float = 0.0,
    rel_tol: float = 1e-3,
) -> float | None:
    """Smallest ``Mbar`` at which the C-LF test accepts ``theta = threshold`` (bisection).

    ``None`` when the test accepts ``threshold`` already at ``Mbar = 0``; ``inf`` when it
    still rejects at ``Mbar = 2^40``. Assumes acceptance is monotone in ``Mbar`` (the sets
    ``Delta^RM(Mbar)`` are nested). The returned value is the upper end of the final bracket,
    so the test accepts ``threshold`` there and rejects it at ``(1 - rel_tol)`` times it.
    """
    kappa = alpha / 10
    point = np.array([float(threshold)])

    def accepts(m: float) -> bool:
        pieces = rm_pieces(betahat, sigma, num_pre, l_vec, m, kappa=kappa, normals=normals)
        return bool(rm_accept(pieces, point, alpha=alpha, kappa=kappa)[0])

    if accepts(0.0):
        return None
    lo, hi = 0.0, 1.0
    for _ in range(40):
        if accepts(hi):
            break
        lo, hi = hi, 2 * hi
    else:
        return float("inf")
    while hi - lo > rel_tol * hi:
        mid = 0.5 * (lo + hi)
        if accepts(mid):
            hi = mid
        else:
            lo = mid
    return hi


__all__ = [
    "LF_SIMS",
    "lf_normals",
    "rm_accept",
    "rm_clf_breakdown",
    "rm_clf_ci",
    "rm_moments",
    "rm_pieces",
    "rm_vertices",
    "theta_grid",
]
