"""Multiplier bootstrap for estimators with an influence-function representation.

If ``theta_hat - theta ~ (1/n) sum_i psi_i`` (one column of ``psi`` per parameter), the
multiplier bootstrap draws ``(1/n) sum_i v_i psi_i`` with i.i.d. mean-zero, unit-variance
multipliers ``v_i`` (Rademacher or Mammen); with clusters, one multiplier per cluster
multiplies the cluster sum of ``psi``. As in R ``did``'s ``mboot``, standard errors come
from the bootstrap interquartile range and the simultaneous (uniform) band uses the
``1 - alpha`` quantile of ``max_k |draw_k| / se_k``.

Work is chunked over units so memory stays bounded (about 32 MB of multipliers at a
time); randomness only through the ``seed`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np
from scipy import sparse
from scipy.special import ndtri  # = scipy.stats.norm.ppf, bit for bit, without scipy.stats

from impact.checks import check_count
from impact.did.inputs import SE_FLOOR
from impact.errors import DataError

__all__ = [
    "BootWeights",
    "BootstrapDraws",
    "accumulate_draws",
    "check_bootstrap_options",
    "cluster_indicator",
    "draw_multipliers",
    "multiply_accumulate",
    "multiplier_bootstrap",
    "sum_by_cluster",
    "summarise_draws",
]

BootWeights = Literal["rademacher", "mammen"]
_IQR_NORMAL = float(ndtri(0.75) - ndtri(0.25))
_SQ5 = float(np.sqrt(5.0))


@dataclass(frozen=True, eq=False)
class BootstrapDraws:
    """Bootstrap draws of ``theta_hat* - theta_hat`` and the statistics made from them.

    Attributes
    ----------
    draws
        ``n_boot x k`` array of centred bootstrap draws.
    se
        Bootstrap standard errors (IQR / 1.349); NaN where a column has no variation.
    crit
        Critical value of the simultaneous band (``nan`` when no column varies).
    weights
        The multiplier distribution used.
    """

    draws: np.ndarray
    se: np.ndarray
    crit: float
    weights: str


def cluster_indicator(cluster: np.ndarray) -> sparse.csr_matrix:
    """Sparse G x n matrix with a one where unit ``i`` is in cluster ``g`` (codes ``0..G-1``)."""
    return sparse.csr_matrix(
        (np.ones(len(cluster)), (cluster, np.arange(len(cluster)))),
        shape=(int(cluster.max()) + 1, len(cluster)),
    )


def sum_by_cluster(psi: np.ndarray, cluster: np.ndarray) -> np.ndarray:
    """Sum the rows of ``psi`` (n x k) within clusters coded ``0..G-1``."""
    psi2 = psi.reshape(psi.shape[0], -1)
    return np.asarray(cluster_indicator(cluster) @ psi2)


def draw_multipliers(
    rng: np.random.Generator, rows: int, n_boot: int, weights: BootWeights
) -> np.ndarray:
    """A rows x n_boot float32 matrix of i.i.d. multipliers (mean 0, variance 1).

    Single precision halves the memory traffic of the bootstrap's dominant products; the
    products are accumulated in double precision by the callers. Rademacher signs come
    from random bits (one byte of entropy per eight draws).
    """
    if weights == "rademacher":
        nbytes = (rows * n_boot + 7) // 8
        bits = np.unpackbits(np.frombuffer(rng.bytes(nbytes), dtype=np.uint8))
        # bits - 0.5 in one pass, doubled in place: +-1 without a second temporary
        v = np.subtract(bits[: rows * n_boot], np.float32(0.5), dtype=np.float32)
        v *= np.float32(2.0)
        return v.reshape(rows, n_boot)
    p = (_SQ5 + 1.0) / (2.0 * _SQ5)
    u = rng.random((rows, n_boot), dtype=np.float32) < p
    return np.where(u, np.float32((1.0 - _SQ5) / 2.0), np.float32((1.0 + _SQ5) / 2.0))


def multiply_accumulate(v: np.ndarray, block: np.ndarray) -> np.ndarray:
    """``v.T @ block`` in single precision, returned in double precision."""
    return (v.T @ block.astype(np.float32)).astype(np.float64)


def accumulate_draws(
    rng: np.random.Generator,
    rows: np.ndarray | sparse.csr_matrix,
    n_boot: int,
    weights: BootWeights,
    chunk_elements: int = 4_000_000,
) -> np.ndarray:
    """``sum_i v_ib rows_i`` for every draw ``b``: an ``n_boot x k`` array.

    One multiplier per row of ``rows`` (units, or cluster sums), drawn in chunks of rows
    so that about ``chunk_elements`` multipliers exist at a time. Dense rows are multiplied
    in single precision (:func:`multiply_accumulate`), sparse (CSR) rows in double.
    """
    acc = np.zeros((n_boot, rows.shape[1]))
    step = max(1, chunk_elements // n_boot)
    for start in range(0, rows.shape[0], step):
        block = rows[start : start + step]
        v = draw_multipliers(rng, block.shape[0], n_boot, weights)
        if sparse.issparse(block):
            acc += np.asarray(block.T @ v.astype(np.float64)).T
        else:
            acc += multiply_accumulate(v, block)
    return acc


def multiplier_bootstrap(
    psi: np.ndarray,
    *,
    n_boot: int,
    cluster: np.ndarray | None = None,
    weights: BootWeights = "rademacher",
    alpha: float = 0.05,
    seed: int | np.random.Generator | None = None,
    chunk_elements: int = 4_000_000,
    se_floor: float = SE_FLOOR,
) -> BootstrapDraws:
    """Multiplier bootstrap of the mean of influence functions.

    Parameters
    ----------
    psi
        ``n x k`` influence functions (one row per unit), scaled so that the estimator
        error is ``psi.mean(axis=0)``.
    n_boot
        Number of bootstrap draws.
    cluster
        Integer cluster code per unit (``0..G-1``); one multiplier per cluster.
    weights
        ``"rademacher"`` (+1/-1 with probability 1/2) or ``"mammen"`` (Mammen 1993 two-point).
    alpha
        1 - coverage of the simultaneous band.
    seed
        Seed or generator; same seed, same draws.

    Returns
    -------
    BootstrapDraws
    """
    check_bootstrap_options(n_boot, weights)
    n_boot = int(n_boot)
    rng = np.random.default_rng(seed)
    psi2 = np.asarray(psi, dtype=float).reshape(psi.shape[0], -1)
    n = psi2.shape[0]
    rows = sum_by_cluster(psi2, cluster) if cluster is not None else psi2
    acc = accumulate_draws(rng, rows, n_boot, weights, chunk_elements)
    return summarise_draws(acc / n, alpha=alpha, weights=weights, se_floor=se_floor)


def check_bootstrap_options(n_boot: object, weights: str) -> None:
    """Raise :class:`DataError` for an invalid number of draws or multiplier distribution."""
    if weights not in ("rademacher", "mammen"):
        raise DataError(f"bootstrap weights {weights!r} must be 'rademacher' or 'mammen'.")
    # two draws at least: the bootstrap SE is an interquartile range
    check_count(n_boot, argument="n_boot", minimum=2)


def summarise_draws(
    draws: np.ndarray, *, alpha: float, weights: str, se_floor: float = SE_FLOOR
) -> BootstrapDraws:
    """Bootstrap SEs (IQR / 1.349, as R did) and the simultaneous-band critical value.

    SEs at or below ``se_floor`` (relative to the outcome's scale, see
    :func:`impact.did.inputs.se_floor`) are numerically zero and reported as NaN.
    """
    q75, q25 = np.quantile(draws, [0.75, 0.25], axis=0, method="inverted_cdf")
    se = (q75 - q25) / _IQR_NORMAL
    se = np.where(se > se_floor, se, np.nan)
    ok = np.isfinite(se)
    if ok.any():
        t_max = np.max(np.abs(draws[:, ok]) / se[ok], axis=1)
        crit = float(np.quantile(t_max, 1.0 - alpha, method="inverted_cdf"))
    else:
        crit = float("nan")
    return BootstrapDraws(draws=draws, se=se, crit=crit, weights=weights)
