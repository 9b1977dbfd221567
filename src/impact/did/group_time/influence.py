"""Influence functions of group-time ATTs and of their aggregates, in two representations.

Every parameter ``theta_l`` handled by :mod:`impact.did` is asymptotically linear,
``theta_hat_l - theta_l ~ (1/n) sum_i psi_il``. Two representations of ``psi``:

- :class:`DenseInfluence`: an explicit units x parameters matrix (needed with covariates,
  where ``psi`` depends on each unit's propensity score and covariates);
- :class:`SparseInfluence`: the same as a sparse matrix, for repeated cross-sections,
  where a cell's influence function is zero for every observation outside its two
  periods (a fifth of the rows with ten periods);
- :class:`CohortLinearInfluence`: without covariates every ``psi_il`` is
  ``w_i (A_l[c_i] . Y_i + b_l[c_i])`` with ``c_i`` the unit's cohort code and ``Y_i`` its
  outcome path. Loadings ``A`` (params x cohorts x periods) and ``b`` are all that is
  stored; covariances come from per-cohort second moments of ``Y`` and the multiplier
  bootstrap from per-cohort multiplier sums, so no units x cells matrix is ever built.

Both support the two operations aggregation needs (linear combinations of parameters and
adding a per-cohort term ``w_i * C_l[c_i]`` for estimated cohort-share weights), the
covariance (optionally clustered: ``sum_g (sum_{i in g} psi_i)(...)' / n^2``) and the
multiplier bootstrap.
"""

from __future__ import annotations

from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

from impact.did.group_time.multiplier import (
    BootstrapDraws,
    BootWeights,
    accumulate_draws,
    cluster_indicator,
    draw_multipliers,
    multiplier_bootstrap,
    multiply_accumulate,
    sum_by_cluster,
    summarise_draws,
)
from impact.did.inputs import SE_FLOOR

__all__ = [
    "CohortLinearInfluence",
    "DenseInfluence",
    "SparseInfluence",
    "UnitIndex",
    "single_threaded_blas",
]


def single_threaded_blas() -> AbstractContextManager[object]:
    """Limit BLAS to one thread while estimating.

    The products here are tall and skinny (n x a few columns); threaded BLAS gains little
    on them and, on a busy machine, oversubscribed threads slow them down by an order of
    magnitude. ``threadpoolctl`` (a dependency of PyMC) sets the limit; without it the
    default threading stays.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover
        return nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


@dataclass(frozen=True, eq=False)
class UnitIndex:
    """Per-unit data shared by all influence representations of one fit."""

    codes: np.ndarray  # cohort code per unit (index into levels)
    levels: np.ndarray  # sorted cohort values (0 = never treated)
    weights: np.ndarray  # sampling weight per unit (ones if unweighted)
    cluster: np.ndarray | None  # cluster code per unit

    @property
    def n_units(self) -> int:
        return len(self.codes)

    def cohort_column(self, terms: np.ndarray) -> np.ndarray:
        """``w_i * terms[:, c_i]`` as an n x L matrix."""
        if self.sorted_codes:  # blocks of equal codes: repeat rows instead of gathering
            counts = np.bincount(self.codes, minlength=len(self.levels))
            per_unit = np.repeat(terms.T, counts, axis=0)
        else:
            per_unit = terms.T[self.codes]
        per_unit *= self.weights[:, None]
        return per_unit

    @property
    def sorted_codes(self) -> bool:
        return bool(np.all(self.codes[1:] >= self.codes[:-1]))


@dataclass(frozen=True, eq=False)
class DenseInfluence:
    """Influence functions as an explicit n x L matrix (Fortran order)."""

    psi: np.ndarray = field(repr=False)
    units: UnitIndex = field(repr=False)

    @classmethod
    def with_terms(
        cls, psi: np.ndarray, units: UnitIndex, terms: np.ndarray | None
    ) -> DenseInfluence:
        """``psi`` plus per-cohort terms ``w_i * terms[l, c_i]`` (added in place), if any."""
        if terms is not None:
            psi += units.cohort_column(terms)
        return cls(psi, units)

    @property
    def n_params(self) -> int:
        return int(self.psi.shape[1])

    def transform(self, weights: np.ndarray, terms: np.ndarray | None = None) -> DenseInfluence:
        """Parameters ``sum_k weights[k, l] theta_k`` (+ per-cohort terms ``terms[l, c]``)."""
        new = (weights.T @ self.psi.T).T  # Fortran order without a copy
        return DenseInfluence.with_terms(new, self.units, terms)

    def subset(self, idx: np.ndarray) -> DenseInfluence:
        """The parameters ``idx`` only."""
        return DenseInfluence(np.asfortranarray(self.psi[:, idx]), self.units)

    def _sums(self) -> np.ndarray:
        cl = self.units.cluster
        return sum_by_cluster(self.psi, cl) if cl is not None else self.psi

    def cluster_scores(self) -> np.ndarray:
        """Clusters (units without clustering) x params: ``sum_{i in c} psi_i / n``."""
        return self._sums() / self.units.n_units

    def variances(self) -> np.ndarray:
        s = self._sums()
        return np.einsum("ij,ij->j", s, s) / self.units.n_units**2

    def cov(self) -> np.ndarray:
        s = self._sums()
        return s.T @ s / self.units.n_units**2

    def bootstrap(
        self,
        *,
        n_boot: int,
        weights: BootWeights,
        alpha: float,
        seed: int | np.random.Generator | None,
        se_floor: float = SE_FLOOR,
    ) -> BootstrapDraws:
        return multiplier_bootstrap(
            self.psi,
            n_boot=n_boot,
            cluster=self.units.cluster,
            weights=weights,
            alpha=alpha,
            seed=seed,
            se_floor=se_floor,
        )

    def dense(self) -> np.ndarray:
        return self.psi


@dataclass(frozen=True, eq=False)
class SparseInfluence:
    """Influence functions as a sparse n x L matrix (CSC: one column per parameter).

    Aggregations (linear combinations plus per-cohort terms) are dense in general and
    come back as :class:`DenseInfluence` with few columns.
    """

    psi: sparse.csc_matrix = field(repr=False)
    units: UnitIndex = field(repr=False)

    @property
    def n_params(self) -> int:
        return int(self.psi.shape[1])

    def transform(self, weights: np.ndarray, terms: np.ndarray | None = None) -> DenseInfluence:
        """Parameters ``sum_k weights[k, l] theta_k`` (+ per-cohort terms ``terms[l, c]``)."""
        return DenseInfluence.with_terms(np.asfortranarray(self.psi @ weights), self.units, terms)

    def subset(self, idx: np.ndarray) -> SparseInfluence:
        return SparseInfluence(sparse.csc_matrix(self.psi[:, idx]), self.units)

    def _sums(self) -> sparse.csc_matrix:
        cl = self.units.cluster
        if cl is None:
            return self.psi
        return sparse.csc_matrix(cluster_indicator(cl) @ self.psi)

    def cluster_scores(self) -> np.ndarray:
        return np.asarray(self._sums().toarray()) / self.units.n_units

    def variances(self) -> np.ndarray:
        s = self._sums()
        return np.asarray(s.multiply(s).sum(axis=0)).ravel() / self.units.n_units**2

    def cov(self) -> np.ndarray:
        s = self._sums()
        return np.asarray((s.T @ s).toarray()) / self.units.n_units**2

    def bootstrap(
        self,
        *,
        n_boot: int,
        weights: BootWeights,
        alpha: float,
        seed: int | np.random.Generator | None,
        chunk_elements: int = 4_000_000,
        se_floor: float = SE_FLOOR,
    ) -> BootstrapDraws:
        """Multiplier bootstrap (one multiplier per sampling unit, or per cluster)."""
        rng = np.random.default_rng(seed)
        rows = sparse.csr_matrix(self._sums())
        acc = accumulate_draws(rng, rows, n_boot, weights, chunk_elements)
        return summarise_draws(
            acc / self.units.n_units, alpha=alpha, weights=weights, se_floor=se_floor
        )

    def dense(self) -> np.ndarray:
        return np.asarray(self.psi.toarray())


@dataclass(frozen=True, eq=False)
class _Moments:
    """Per-cohort sufficient statistics of the outcome paths (computed once per fit).

    Outcomes are centred at their weighted cohort means ``ybar`` so second moments do not
    lose precision to cancellation when outcome levels are large relative to their spread.
    """

    ybar: np.ndarray  # (C, T) weighted cohort means
    wy: np.ndarray  # (n, T) w_i * (Y_i - ybar_{c_i}), Fortran order
    second: np.ndarray  # (C, T, T) sum w_i^2 (Y_i - ybar)(Y_i - ybar)'
    first: np.ndarray  # (C, T) sum w_i^2 (Y_i - ybar)
    zero: np.ndarray  # (C,) sum w_i^2


def cohort_moments(y: np.ndarray, units: UnitIndex) -> _Moments:
    w = units.weights
    n_codes = len(units.levels)
    t = y.shape[1]
    wsum = np.bincount(units.codes, weights=w, minlength=n_codes)
    ybar = (
        np.column_stack(
            [np.bincount(units.codes, weights=w * y[:, j], minlength=n_codes) for j in range(t)]
        )
        / np.where(wsum > 0, wsum, 1.0)[:, None]
    )
    wy = np.asfortranarray((y - ybar[units.codes]) * w[:, None])
    second = np.zeros((n_codes, t, t))
    first = np.zeros((n_codes, t))
    zero = np.bincount(units.codes, weights=w * w, minlength=n_codes)
    for c in range(n_codes):
        mask = units.codes == c
        rows = wy[mask]
        second[c] = rows.T @ rows
        first[c] = rows.T @ w[mask]
    return _Moments(ybar=ybar, wy=wy, second=second, first=first, zero=zero)


@dataclass(frozen=True, eq=False)
class CohortLinearInfluence:
    """``psi_il = w_i (A[l, c_i] . Y_i + b[l, c_i])`` (no covariates)."""

    a: np.ndarray  # (L, C, T)
    b: np.ndarray  # (L, C)
    units: UnitIndex = field(repr=False)
    moments: _Moments = field(repr=False)

    @property
    def n_params(self) -> int:
        return int(self.a.shape[0])

    def transform(
        self, weights: np.ndarray, terms: np.ndarray | None = None
    ) -> CohortLinearInfluence:
        a = np.einsum("kct,kl->lct", self.a, weights)
        b = weights.T @ self.b
        if terms is not None:
            b = b + terms
        return CohortLinearInfluence(a, b, self.units, self.moments)

    @property
    def _b_centred(self) -> np.ndarray:
        """Intercepts for the centred outcomes: ``b + A . ybar``."""
        return self.b + np.einsum("lct,ct->lc", self.a, self.moments.ybar)

    def subset(self, idx: np.ndarray) -> CohortLinearInfluence:
        """The parameters ``idx`` only."""
        return CohortLinearInfluence(self.a[idx], self.b[idx], self.units, self.moments)

    def _cluster_sums(self) -> np.ndarray:
        """G x L sums of psi within clusters."""
        u = self.units
        assert u.cluster is not None
        n_cl = int(u.cluster.max()) + 1
        n_codes = len(u.levels)
        cell = u.cluster * n_codes + u.codes
        t = self.moments.wy.shape[1]
        z = np.column_stack(
            [
                np.bincount(cell, weights=self.moments.wy[:, j], minlength=n_cl * n_codes)
                for j in range(t)
            ]
        ).reshape(n_cl, n_codes, t)
        wsum = np.bincount(cell, weights=u.weights, minlength=n_cl * n_codes).reshape(n_cl, n_codes)
        return np.einsum("gct,lct->gl", z, self.a) + wsum @ self._b_centred.T

    def cluster_scores(self) -> np.ndarray:
        """Clusters (units without clustering) x params: ``sum_{i in c} psi_i / n``."""
        sums = self._cluster_sums() if self.units.cluster is not None else self.dense()
        return sums / self.units.n_units

    def cov(self) -> np.ndarray:
        n = self.units.n_units
        if self.units.cluster is not None:
            s = self._cluster_sums()
            return s.T @ s / n**2
        m = self.moments
        b = self._b_centred
        am = np.einsum("lct,cts->lcs", self.a, m.second)
        cov = np.einsum("lcs,kcs->lk", am, self.a)
        cross = np.einsum("lct,ct,kc->lk", self.a, m.first, b)
        cov += cross + cross.T
        cov += np.einsum("lc,c,kc->lk", b, m.zero, b)
        return cov / n**2

    def variances(self) -> np.ndarray:
        return np.diag(self.cov()).copy()

    def bootstrap(
        self,
        *,
        n_boot: int,
        weights: BootWeights,
        alpha: float,
        seed: int | np.random.Generator | None,
        chunk_elements: int = 4_000_000,
        se_floor: float = SE_FLOOR,
    ) -> BootstrapDraws:
        rng = np.random.default_rng(seed)
        n = self.units.n_units
        if self.units.cluster is not None:
            acc = accumulate_draws(rng, self._cluster_sums(), n_boot, weights, chunk_elements)
            return summarise_draws(acc / n, alpha=alpha, weights=weights, se_floor=se_floor)
        u = self.units
        wy = self.moments.wy
        feats_w = u.weights
        order = np.argsort(u.codes, kind="stable")
        bounds = np.searchsorted(u.codes[order], np.arange(len(u.levels) + 1))
        t = wy.shape[1]
        sums = np.zeros((len(u.levels), n_boot, t + 1))
        step = max(1, chunk_elements // n_boot)
        for c in range(len(u.levels)):
            rows = order[bounds[c] : bounds[c + 1]]
            for start in range(0, len(rows), step):
                r = rows[start : start + step]
                v = draw_multipliers(rng, len(r), n_boot, weights)
                block = np.column_stack([wy[r], feats_w[r]])
                sums[c] += multiply_accumulate(v, block)
        draws = np.einsum("cbt,lct->bl", sums[:, :, :t], self.a)
        draws += np.einsum("cb,lc->bl", sums[:, :, t], self._b_centred)
        return summarise_draws(draws / n, alpha=alpha, weights=weights, se_floor=se_floor)

    def dense(self) -> np.ndarray:
        """Materialise the n x L matrix (for tests and small problems)."""
        u = self.units
        wy = self.moments.wy
        out = np.empty((u.n_units, self.n_params))
        for l_ in range(self.n_params):
            per_code = wy @ self.a[l_].T  # n x C
            out[:, l_] = np.take_along_axis(per_code, u.codes[:, None], axis=1)[:, 0]
            out[:, l_] += u.weights * self._b_centred[l_, u.codes]
        return out
