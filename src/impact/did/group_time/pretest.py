"""Wald pre-test of parallel trends from the pre-treatment group-time ATTs.

Under parallel trends (and no anticipation), every pre-treatment ATT(g, t) is zero. The
joint Wald statistic ``W = att_pre' V_pre^{-1} att_pre`` (with ``V_pre`` the estimated
covariance of the ``q`` pre-treatment estimates) is what R ``did`` reports. ``V_pre =
sum_c s_c s_c'`` sums the influence-function scores ``s_c`` of ``G`` clusters (units without
clustering), so a chi-square reference, which treats ``V_pre`` as known, over-rejects when
``q`` is not small relative to the clusters behind it. Three references (``method``):

- ``"cohort_hotelling"`` (default): one Hotelling test per cohort. Cohort ``g``'s ``q_g``
  cells have a covariance block estimated from the ``G_g`` clusters (units) holding its
  treated units, so ``F_g = W_g (G_g - q_g) / (q_g (G_g - 1))`` with ``W_g = att_g'
  V_gg^{-1} att_g`` is referred to ``F(q_g, G_g - q_g)``; the p-value is the Bonferroni
  combination ``min(1, K min_g p_g)`` over the ``K`` tested cohorts (valid however the
  cohorts' estimates are correlated). It adapts to both designs below.
- ``"hotelling"``: Hotelling's ``T^2`` of all ``q`` cells, ``F = W (G - q) / (q (G - 1))``
  against ``F(q, G - q)``; right when every cohort's treated units spread over all ``G``
  clusters (individual enrolment), wrong when each cohort rests on a few of them.
- ``"chi2"``: ``W`` against chi-square(q), asymptotic in ``G``. This is the test R ``did``
  prints under ``att_gt`` ("P-value for pre-test of parallel trends assumption"); use it
  to reproduce R.

Chosen by measurement (``benchmarks/did_pretest_size.py``, 500 seeded draws per design,
``benchmarks/results/did_pretest_size.json``). Rejection of a true null at 5 %,
``cohort_hotelling`` / ``hotelling`` / ``chi2``:

- individual enrolment, clustered: 40 clusters and 15 restrictions 5.6 / 6.8 / 46 %; 40
  and 10: 4.2 / 5.8 / 24 %; 20 and 15: 4.8 / 7.2 / 90 %; 20 and 10: 6.8 / 7.4 / 57 %;
- sites adopt, persons clustered on sites (40 clusters, 5 per cohort, 10 restrictions):
  0.8 / 41 / 64 % (no reference reaches 2-8 %; the default errs on the safe side);
- unclustered roll-out, cohorts of 10, 20, 30, 50, 100 units (14 restrictions): 1.8, 3.2,
  2.8, 3.4, 4.0 % / 55, 18, 8.6, 6.6, 5.4 % / 59, 22, 12, 9.0, 6.6 %.

``V_pre`` is always the analytic influence-function covariance (clustered when ``cluster``
is given), also when standard errors come from the multiplier bootstrap: R ``did`` does
the same (its ``att_gt`` builds ``W`` from ``V_analytical`` whatever ``bstrap`` is, and
skips it only when clustering beyond the unit with the bootstrap, where its analytic ``V``
would ignore the clusters; ours is clustered, so the test is kept). The same holds for
repeated cross-sections and unbalanced panels, whose influence functions are per sampling
unit.

A non-rejection is not evidence of parallel trends (low power; see Roth 2022); use the
HonestDiD sensitivity analysis for a sturdier statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy.special import (
    chdtrc,  # = scipy.stats.chi2.sf for w > 0, without scipy.stats
    fdtrc,  # = scipy.stats.f.sf, without scipy.stats
)

from impact.did.inputs import SE_FLOOR
from impact.errors import OptionError
from impact.results import Diagnostic

if TYPE_CHECKING:
    from impact.did.group_time.influence import UnitIndex

__all__ = ["PRETEST_METHODS", "SMALL_COHORT", "WaldPretest", "cell_pretest", "wald_pretest"]

#: With ``method="hotelling"`` or ``"chi2"``, a tested cohort with fewer treated units
#: (clusters, when clustered) than this is flagged: its covariance block rests on them, not
#: on all ``G``. Measured on the unclustered design of ``benchmarks/did_pretest_size.py``
#: (four cohorts, 14 restrictions, 500 draws): the joint Hotelling rejects a true null at
#: 5 % in 55 % of draws with 10 units per cohort, 18 % with 20, 8.6 % with 30, 6.6 % with 50
#: (chi-square: 59, 22, 12, 9.0 %); the per-cohort default needs no flag (1.8-3.4 %).
SMALL_COHORT = 50

#: References of the Wald statistic (see the module docstring); the first is the default.
PRETEST_METHODS = ("cohort_hotelling", "hotelling", "chi2")


@dataclass(frozen=True)
class WaldPretest(Diagnostic):
    """Result of the Wald pre-test: statistic, degrees of freedom, p-value, reference.

    ``statistic`` is the joint Wald statistic ``W`` (R ``did``'s) whatever the reference;
    ``df`` the number of restrictions ``q``; ``method`` the reference of ``p_value``:
    ``"cohort_hotelling"`` (per-cohort Hotelling F tests, Bonferroni-combined;
    ``df_denominator`` is the smallest cohort's ``G_g - q_g``), ``"hotelling"`` (``W (G - q)
    / (q (G - 1))`` against ``F(df, df_denominator)``, ``df_denominator = G - q``) or
    ``"chi2"`` (``W`` against chi-square(``df``), R ``did``'s test; ``df_denominator`` NaN).
    ``n_clusters`` is ``G``, the clusters (units without clustering) behind the covariance.
    ``p_value`` is NaN and ``note`` says why when there are no pre-treatment cells, a
    covariance block is singular or there are too few clusters for the restrictions.
    """

    statistic: float
    df: int
    p_value: float
    note: str = ""
    method: str = "chi2"
    df_denominator: float = float("nan")
    n_clusters: int = 0

    def to_frame(self) -> pd.DataFrame:
        """One row: ``statistic, df, p_value, note, method, df_denominator, n_clusters``."""
        return pd.DataFrame(
            {
                "statistic": [self.statistic],
                "df": [self.df],
                "p_value": [self.p_value],
                "note": [self.note],
                "method": [self.method],
                "df_denominator": [self.df_denominator],
                "n_clusters": [self.n_clusters],
            }
        )

    def summary(self) -> str:
        if not np.isfinite(self.p_value):
            return f"Wald pre-test of parallel trends: not available ({self.note})."
        if self.method == "hotelling":
            q, d = self.df, self.df_denominator
            f = self.statistic * d / (q * (self.n_clusters - 1))
            ref = f"F = {f:.4f} on ({q}, {d:g}) df (Hotelling, {self.n_clusters} clusters)"
        elif self.method == "cohort_hotelling":
            ref = "per-cohort Hotelling F tests, Bonferroni-combined"
        else:
            ref = "chi-square reference (R did)"
        return (
            f"Wald pre-test of parallel trends: W = {self.statistic:.4f}, "
            f"df = {self.df}, {ref}, p = {self.p_value:.4f}"
            + (f" ({self.note})" if self.note else "")
        )


def wald_pretest(
    att: np.ndarray,
    cov: np.ndarray,
    pre: np.ndarray,
    *,
    se_floor: float = SE_FLOOR,
    cohort: np.ndarray | None = None,
    n_treated: np.ndarray | None = None,
    method: str = "cohort_hotelling",
    n_clusters: int | None = None,
    independent: str = "treated units",
    effective: np.ndarray | None = None,
) -> WaldPretest:
    """Wald test that the pre-treatment ATTs are jointly zero.

    Parameters
    ----------
    att
        Group-time ATTs (length k).
    cov
        Their estimated covariance matrix (k x k), i.e. ``V / n`` in R's notation.
    pre
        Boolean mask of the pre-treatment cells to test.
    se_floor
        Cells whose SE is at or below this (relative to the outcome's scale, see
        :func:`impact.did.inputs.se_floor`) have no variance and are left out.
    cohort, n_treated
        Cohort of each cell and the number of independent treated units behind it (treated
        units, or the clusters holding them when clustered; ``independent`` names which). A
        cohort with no more of them than pre-treatment cells has a singular covariance
        block, filled only by the comparison group's (much smaller) noise, and makes ``W``
        explode: the test is refused. Needed by ``"cohort_hotelling"``.
    method
        ``"cohort_hotelling"`` (default), ``"hotelling"`` (both need ``n_clusters``) or
        ``"chi2"`` (R ``did``); see the module docstring.
    n_clusters
        ``G``, the number of clusters (units without clustering) whose influence-function
        scores ``cov`` sums.
    independent
        What ``n_treated`` counts, for the notes.
    effective
        Effective number of independent treated units per cell (default ``n_treated``):
        with clusters of unequal size, the Kish number ``(sum_c n_c)^2 / sum_c n_c^2`` of
        the cohort's treated units over clusters, used as ``G_g`` by the per-cohort test
        and for the small-cohort note.

    Returns
    -------
    WaldPretest
        NaN with a note when the covariance is rank-deficient (rank measured on the
        correlation matrix, so the verdict does not depend on the outcome's units).
    """
    if method not in PRETEST_METHODS:
        raise OptionError(f"method={method!r} is not one of {PRETEST_METHODS}.")
    if method != "chi2" and n_clusters is None:
        raise OptionError(f"method={method!r} needs n_clusters (the clusters behind cov).")
    if method == "cohort_hotelling" and (cohort is None or n_treated is None):
        raise OptionError("method='cohort_hotelling' needs cohort and n_treated per cell.")
    g_cl = int(n_clusters) if n_clusters is not None else 0

    def result(w: float, q: int, p: float, note: str, d: float = float("nan")) -> WaldPretest:
        return WaldPretest(w, q, p, note, method, d, g_cl)

    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    keep = np.asarray(pre, dtype=bool) & np.isfinite(att) & (sd > se_floor)
    q = int(keep.sum())
    if q == 0:
        return result(float("nan"), 0, float("nan"), "no pre-treatment group-time cells")
    blocks: pd.DataFrame | None = None
    if cohort is not None and n_treated is not None:
        eff = np.asarray(n_treated if effective is None else effective, dtype=float)
        cells = pd.DataFrame(
            {"cohort": np.asarray(cohort)[keep], "m": np.asarray(n_treated)[keep], "eff": eff[keep]}
        )
        blocks = cells.groupby("cohort").agg(
            size=("m", "size"), max=("m", "max"), min=("eff", "min")
        )
        short = blocks.index[blocks["max"] <= blocks["size"]]
        if len(short):
            g = sorted(short)[0]
            return result(
                float("nan"),
                q,
                float("nan"),
                f"covariance not estimable: cohort {g:g} has {int(blocks.loc[g, 'max'])} "
                f"{independent} for {int(blocks.loc[g, 'size'])} pre-treatment cells "
                f"({len(short)} cohort(s) like it), so its covariance block is singular and W "
                "would be dominated by the comparison group's noise; read the pre-period "
                "intervals or use .honest()",
            )
    if method == "hotelling" and q >= g_cl:
        return result(
            float("nan"),
            q,
            float("nan"),
            f"{q} restrictions but {g_cl} clusters: a covariance estimated from {g_cl} "
            "clusters has rank below the number of restrictions, so Hotelling's F (which "
            "needs fewer restrictions than clusters) does not exist; use "
            "pretest_method='cohort_hotelling', or read the pre-period intervals",
        )
    a = att[keep]
    v = cov[np.ix_(keep, keep)]
    rank = _rank(v)
    if rank < q and method != "cohort_hotelling":
        return result(
            float("nan"),
            q,
            float("nan"),
            f"singular covariance matrix (rank {rank} of {q} pre-treatment cells)",
        )
    # the joint W (R did's statistic) even when the per-cohort test does not need it
    w = float(a @ np.linalg.solve(v, a)) if rank == q else float("nan")
    d = float("nan")
    if method == "cohort_hotelling":
        assert cohort is not None and blocks is not None
        pvalue, d, why = _by_cohort(a, v, np.asarray(cohort)[keep], blocks, g_cl, independent)
        if why:
            return result(w, q, float("nan"), why)
        if rank < q:
            return result(
                w,
                q,
                pvalue,
                f"the joint covariance is singular (rank {rank} of {q} cells, {g_cl} "
                "clusters), so W is not available; the p-value is the per-cohort tests'",
                d,
            )
    elif method == "hotelling":
        d = float(g_cl - q)
        pvalue = _f_sf(w, q, g_cl)
    else:
        # scipy.stats.chi2.sf(w, q) bit for bit: 1 at or below the support's edge, NaN for NaN
        pvalue = float(chdtrc(q, w)) if w > 0 else 1.0 if w <= 0 else float("nan")
    note = ""
    if method != "cohort_hotelling" and blocks is not None:
        smallest = float(blocks["min"].min())
        if smallest < min(SMALL_COHORT, g_cl / 2 if method == "hotelling" else SMALL_COHORT):
            note = (
                f"unreliable: the smallest tested cohort has {smallest:.3g} {independent}, "
                "whose covariance block rests on them alone and over-rejects with this "
                "reference (5 % test with 10, 30, 50 units per cohort: 55, 9, 7 % Hotelling, "
                "59, 12, 9 % chi-square; benchmarks/did_pretest_size.py); the default "
                "pretest_method='cohort_hotelling' allows for it"
            )
    if method == "chi2" and g_cl and g_cl < 10 * q:
        note = (note + "; " if note else "") + (
            f"the chi-square reference over-rejects with {q} restrictions on {g_cl} clusters "
            "(simulated size of a 5 % test: 46 % with 15 on 40, 90 % with 15 on 20; "
            "benchmarks/did_pretest_size.py); the default pretest_method='cohort_hotelling' "
            "holds its size"
        )
    if not np.isfinite(pvalue) and not note:
        note = f"the p-value is not finite (W = {w})"
    return result(w, q, pvalue, note, d)


def _rank(v: np.ndarray) -> int:
    """Rank of a covariance matrix, measured on its correlation matrix (unit-free)."""
    q = v.shape[0]
    s = np.sqrt(np.diag(v))
    eig = np.linalg.eigvalsh(v / np.outer(s, s))
    tol = q * np.finfo(float).eps * 1e3 * max(float(eig[-1]), 1.0)
    rank = int(np.sum(eig > tol))
    if rank == q and 1.0 / np.linalg.cond(v, 1) <= np.finfo(float).eps:
        rank = q - 1
    return rank


def _f_sf(w: float, q: int, g: float) -> float:
    """P(F(q, g - q) > w (g - q) / (q (g - 1))): Hotelling's T^2 of g score vectors."""
    f = w * (g - q) / (q * (g - 1))
    return float(fdtrc(q, g - q, f)) if f > 0 else 1.0 if f <= 0 else float("nan")


def _by_cohort(
    a: np.ndarray,
    v: np.ndarray,
    cohort: np.ndarray,
    blocks: pd.DataFrame,
    g_cl: int,
    independent: str,
) -> tuple[float, float, str]:
    """Bonferroni combination of per-cohort Hotelling tests, the smallest denominator df
    and, when a cohort cannot be tested, why."""
    p_min, d_min = 1.0, float("inf")
    for g, row in blocks.iterrows():
        j = cohort == g
        q_g = int(row["size"])
        m_g = min(float(row["min"]), float(g_cl))
        if m_g <= q_g:  # some cell of the block has no more independent units than cells
            why = (
                f"cohort {g:g} rests on {m_g:.3g} {independent} (effective number) for its "
                f"{q_g} pre-treatment cells: its Hotelling test needs more than one per cell; "
                "read the pre-period intervals or use .honest()"
            )
            return float("nan"), float("nan"), why
        v_g = v[np.ix_(j, j)]
        if _rank(v_g) < q_g:
            return (
                float("nan"),
                float("nan"),
                (f"singular covariance block of cohort {g:g} ({q_g} pre-treatment cells)"),
            )
        w_g = float(a[j] @ np.linalg.solve(v_g, a[j]))
        p_min = min(p_min, _f_sf(w_g, q_g, m_g))
        d_min = min(d_min, float(m_g - q_g))
    return min(1.0, len(blocks) * p_min), d_min, ""


def cell_pretest(
    att: np.ndarray,
    cov: np.ndarray,
    units: UnitIndex,
    *,
    cohort: np.ndarray,
    n_treated: np.ndarray,
    se_floor: float = SE_FLOOR,
    method: str = "cohort_hotelling",
) -> WaldPretest:
    """:func:`wald_pretest` of pre-treatment cells, with the clusters read off ``units``.

    ``att``, ``cov``, ``cohort`` and ``n_treated`` (treated units per cell) describe the
    pre-treatment cells only. Unclustered, a cohort's covariance block rests on its treated
    units; clustered, on the clusters holding them, counted for the singularity check and,
    for the F references and the small-cohort note, as their effective (Kish) number
    ``(sum_c n_c)^2 / sum_c n_c^2`` (``n_c`` the cohort's weighted treated units in cluster
    ``c``): the cluster count when the clusters hold equal shares of the cohort, about 1 /
    share when one cluster holds most of it.
    """
    n_clusters = units.n_units if units.cluster is None else int(np.unique(units.cluster).size)
    independent, count, effective = "treated units", n_treated, None
    if units.cluster is not None:
        codes = np.searchsorted(units.levels, cohort)
        n_cl = int(units.cluster.max()) + 1
        per_count = np.zeros(len(units.levels))
        kish = np.zeros(len(units.levels))
        for c in np.unique(codes):
            mask = units.codes == c
            n_c = np.bincount(units.cluster[mask], weights=units.weights[mask], minlength=n_cl)
            per_count[c] = np.count_nonzero(n_c)
            kish[c] = n_c.sum() ** 2 / (n_c @ n_c) if per_count[c] else 0.0
        independent, count, effective = "treated clusters", per_count[codes], kish[codes]
    return wald_pretest(
        att,
        cov,
        np.ones(len(att), dtype=bool),
        se_floor=se_floor,
        cohort=cohort,
        n_treated=count,
        method=method,
        n_clusters=n_clusters,
        independent=independent,
        effective=effective,
    )
