"""Wald pre-test of parallel trends from the pre-treatment group-time ATTs.

Under parallel trends (and no anticipation), every pre-treatment ATT(g, t) is zero. The
joint Wald statistic ``W = att_pre' V_pre^{-1} att_pre`` (with ``V_pre`` the estimated
covariance of the ``q`` pre-treatment estimates) is compared with one of two references:

- ``method="hotelling"`` (default): ``V_pre = sum_c s_c s_c'`` is a sum over the ``G``
  clusters (units without clustering) of their influence-function scores, so ``W`` is
  Hotelling's ``T^2`` of ``G`` score vectors and ``F = W (G - q) / (q (G - 1))`` is referred
  to ``F(q, G - q)`` (exact for normal cluster scores; needs ``q < G``). Chosen by
  measurement (``benchmarks/did_pretest_size.py``, 500 seeded draws each): a 5 % test
  rejects a true null in 6.8 % of draws with 40 clusters and 15 restrictions (chi-square:
  46 %), 5.8 % with 40 and 10, 7.2 % with 20 and 15 (chi-square: 90 %), 7.4 % with 20
  and 10 (chi-square: 57 %).
- ``method="chi2"``: ``W`` against chi-square(q), asymptotic in ``G``. This is the test R
  ``did`` prints under ``att_gt`` ("P-value for pre-test of parallel trends assumption");
  use it to reproduce R.

Neither reference accounts for a *cohort* whose covariance block rests on few treated
units when the clusters are many (municipal roll-outs with a handful of municipalities per
cohort, unclustered): such tests still over-reject and are flagged (``SMALL_COHORT``).

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

import numpy as np
import pandas as pd
from scipy.special import chdtrc  # = scipy.stats.chi2.sf for w > 0, without scipy.stats
from scipy.special import fdtrc  # = scipy.stats.f.sf, without scipy.stats

from impact.did.inputs import SE_FLOOR
from impact.errors import OptionError
from impact.results import Diagnostic

__all__ = ["PRETEST_METHODS", "SMALL_COHORT", "WaldPretest", "wald_pretest"]

#: Below this many treated units in a tested cohort the pre-test's p-value is flagged.
#: Measured with both references on the unclustered design of
#: ``benchmarks/did_pretest_size.py`` (four cohorts, 14 restrictions, 200 comparison units):
#: the Hotelling reference counts all units, not the cohort's, and rejects a true null at 5 %
#: in 55 % of 500 draws with 10 treated units per cohort, 8.6 % with 30 and 5.4 % with 100
#: (chi-square: 59, 12, 6.6 %).
SMALL_COHORT = 30

#: References of the Wald statistic (see the module docstring).
PRETEST_METHODS = ("hotelling", "chi2")


@dataclass(frozen=True)
class WaldPretest(Diagnostic):
    """Result of the Wald pre-test: statistic, degrees of freedom, p-value, reference.

    ``statistic`` is the Wald statistic ``W`` whatever the reference; ``df`` the number of
    restrictions ``q``; ``method`` the reference of the p-value (``"hotelling"``:
    ``W (G - q) / (q (G - 1))`` against ``F(df, df_denominator)`` with ``df_denominator =
    G - q``; ``"chi2"``: ``W`` against chi-square(``df``), R ``did``'s test, where
    ``df_denominator`` is NaN); ``n_clusters`` is ``G``, the clusters (units without
    clustering) that estimate the covariance. ``p_value`` is NaN and ``note`` says why when
    there are no pre-treatment cells, their covariance is singular or ``q >= G``.
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
    method: str = "hotelling",
    n_clusters: int | None = None,
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
        Cohort and number of treated units of each cell (optional): a cohort with fewer
        treated units than pre-treatment cells has a singular covariance block, filled
        only by the comparison group's (much smaller) noise, and makes ``W`` explode.
    method
        ``"hotelling"`` (default; needs ``n_clusters``) or ``"chi2"`` (R ``did``); see the
        module docstring.
    n_clusters
        ``G``, the number of clusters (units without clustering) whose influence-function
        scores ``cov`` sums.

    Returns
    -------
    WaldPretest
        NaN with a note when the covariance is rank-deficient (rank measured on the
        correlation matrix, so the verdict does not depend on the outcome's units).
    """
    if method not in PRETEST_METHODS:
        raise OptionError(f"method={method!r} is not one of {PRETEST_METHODS}.")
    if method == "hotelling" and n_clusters is None:
        raise OptionError("method='hotelling' needs n_clusters (the clusters behind cov).")
    g_cl = int(n_clusters) if n_clusters is not None else 0

    def result(w: float, q: int, p: float, note: str, d: float = float("nan")) -> WaldPretest:
        return WaldPretest(w, q, p, note, method, d, g_cl)

    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    keep = np.asarray(pre, dtype=bool) & np.isfinite(att) & (sd > se_floor)
    q = int(keep.sum())
    if q == 0:
        return result(float("nan"), 0, float("nan"), "no pre-treatment group-time cells")
    if cohort is not None and n_treated is not None:
        cells = pd.Series(np.asarray(cohort)[keep]).value_counts()
        units = pd.Series(np.asarray(n_treated)[keep], index=np.asarray(cohort)[keep])
        units = units.groupby(level=0).max()
        short = [g for g in cells.index if units[g] <= cells[g]]
        if short:
            g = sorted(short)[0]
            return result(
                float("nan"),
                q,
                float("nan"),
                f"covariance not estimable: cohort {g:g} has {int(units[g])} treated units for "
                f"{int(cells[g])} pre-treatment cells ({len(short)} cohort(s) like it), so its "
                "covariance block is singular and W would be dominated by the comparison "
                "group's noise; read the pre-period intervals or use .honest()",
            )
    if method == "hotelling" and q >= g_cl:
        return result(
            float("nan"),
            q,
            float("nan"),
            f"{q} restrictions but {g_cl} clusters: a covariance estimated from {g_cl} "
            "clusters has rank below the number of restrictions, so no Wald test of all of "
            "them exists (Hotelling's F needs fewer restrictions than clusters); test fewer "
            "pre-periods (e.g. aggregate('dynamic', min_e=...)) or read the intervals",
        )
    a = att[keep]
    v = cov[np.ix_(keep, keep)]
    s = sd[keep]
    corr = v / np.outer(s, s)
    eig = np.linalg.eigvalsh(corr)
    tol = q * np.finfo(float).eps * 1e3 * max(float(eig[-1]), 1.0)
    rank = int(np.sum(eig > tol))
    if rank < q or 1.0 / np.linalg.cond(v, 1) <= np.finfo(float).eps:
        return result(
            float("nan"),
            q,
            float("nan"),
            f"singular covariance matrix (rank {rank} of {q} pre-treatment cells)",
        )
    w = float(a @ np.linalg.solve(v, a))
    d = float("nan")
    if method == "hotelling":
        d = float(g_cl - q)
        f = w * d / (q * (g_cl - 1))
        pvalue = float(fdtrc(q, d, f)) if f > 0 else 1.0 if f <= 0 else float("nan")
    else:
        # scipy.stats.chi2.sf(w, q) bit for bit: 1 at or below the support's edge, NaN for NaN
        pvalue = float(chdtrc(q, w)) if w > 0 else 1.0 if w <= 0 else float("nan")
    note = ""
    if n_treated is not None and cohort is not None:
        smallest = int(np.min(np.asarray(n_treated)[keep]))
        if smallest < SMALL_COHORT:
            note = (
                f"unreliable: the smallest tested cohort has {smallest} treated units; the "
                "reference ignores that each cohort's covariance is estimated from its own "
                "units and over-rejects (simulated size of a 5 % test with 10, 30, 100 units "
                "per cohort: 55, 9, 5 % Hotelling; 59, 12, 7 % chi-square; "
                "benchmarks/did_pretest_size.py)"
            )
    if not np.isfinite(pvalue) and not note:
        note = f"the p-value is not finite (W = {w})"
    return result(w, q, pvalue, note, d)
