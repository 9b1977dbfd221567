"""Wald pre-test of parallel trends from the pre-treatment group-time ATTs.

Under parallel trends (and no anticipation), every pre-treatment ATT(g, t) is zero. The
joint Wald statistic ``W = att_pre' V_pre^{-1} att_pre`` (with ``V_pre`` the estimated
covariance of the pre-treatment estimates) is asymptotically chi-squared with as many
degrees of freedom as pre-treatment cells. This is the test R ``did`` prints under
``att_gt`` ("P-value for pre-test of parallel trends assumption").

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

from impact.did.inputs import SE_FLOOR
from impact.results import Diagnostic

__all__ = ["SMALL_COHORT", "WaldPretest", "wald_pretest"]

#: Below this many treated units in a tested cohort the pre-test's p-value is flagged.
SMALL_COHORT = 30


@dataclass(frozen=True)
class WaldPretest(Diagnostic):
    """Result of the Wald pre-test: statistic, degrees of freedom, p-value.

    ``statistic`` and ``p_value`` are NaN (with ``note`` saying why) when there are no
    pre-treatment cells or their covariance is singular.
    """

    statistic: float
    df: int
    p_value: float
    note: str = ""

    def to_frame(self) -> pd.DataFrame:
        """One row: ``statistic, df, p_value, note``."""
        return pd.DataFrame(
            {
                "statistic": [self.statistic],
                "df": [self.df],
                "p_value": [self.p_value],
                "note": [self.note],
            }
        )

    def summary(self) -> str:
        if not np.isfinite(self.statistic):
            return f"Wald pre-test of parallel trends: not available ({self.note})."
        return (
            f"Wald pre-test of parallel trends: W = {self.statistic:.4f}, "
            f"df = {self.df}, p = {self.p_value:.4f}" + (f" ({self.note})" if self.note else "")
        )


def wald_pretest(
    att: np.ndarray,
    cov: np.ndarray,
    pre: np.ndarray,
    *,
    se_floor: float = SE_FLOOR,
    cohort: np.ndarray | None = None,
    n_treated: np.ndarray | None = None,
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

    Returns
    -------
    WaldPretest
        NaN with a note when the covariance is rank-deficient (rank measured on the
        correlation matrix, so the verdict does not depend on the outcome's units).
    """
    sd = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    keep = np.asarray(pre, dtype=bool) & np.isfinite(att) & (sd > se_floor)
    q = int(keep.sum())
    if q == 0:
        return WaldPretest(float("nan"), 0, float("nan"), "no pre-treatment group-time cells")
    if cohort is not None and n_treated is not None:
        cells = pd.Series(np.asarray(cohort)[keep]).value_counts()
        units = pd.Series(np.asarray(n_treated)[keep], index=np.asarray(cohort)[keep])
        units = units.groupby(level=0).max()
        short = [g for g in cells.index if units[g] <= cells[g]]
        if short:
            g = sorted(short)[0]
            return WaldPretest(
                float("nan"),
                q,
                float("nan"),
                f"covariance not estimable: cohort {g:g} has {int(units[g])} treated units for "
                f"{int(cells[g])} pre-treatment cells ({len(short)} cohort(s) like it), so its "
                "covariance block is singular and W would be dominated by the comparison "
                "group's noise; read the pre-period intervals or use .honest()",
            )
    a = att[keep]
    v = cov[np.ix_(keep, keep)]
    s = sd[keep]
    corr = v / np.outer(s, s)
    eig = np.linalg.eigvalsh(corr)
    tol = q * np.finfo(float).eps * 1e3 * max(float(eig[-1]), 1.0)
    rank = int(np.sum(eig > tol))
    if rank < q or 1.0 / np.linalg.cond(v, 1) <= np.finfo(float).eps:
        return WaldPretest(
            float("nan"),
            q,
            float("nan"),
            f"singular covariance matrix (rank {rank} of {q} pre-treatment cells)",
        )
    w = float(a @ np.linalg.solve(v, a))
    # scipy.stats.chi2.sf(w, q) bit for bit: 1 at or below the support's edge, NaN for NaN
    pvalue = float(chdtrc(q, w)) if w > 0 else 1.0 if w <= 0 else float("nan")
    note = ""
    if n_treated is not None and cohort is not None:
        smallest = int(np.min(np.asarray(n_treated)[keep]))
        if smallest < SMALL_COHORT:
            note = (
                f"unreliable: the smallest tested cohort has {smallest} treated units; the "
                "chi-square reference ignores that each cohort's covariance is estimated from "
                "its own units and over-rejects (simulated size of a 5 % test: 59 % with 10, "
                "13 % with 30, 8 % with 100 units per cohort; benchmarks/did_pretest_size.py)"
            )
    return WaldPretest(w, q, pvalue, note)
