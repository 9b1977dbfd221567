"""Test inversion of the wild cluster restricted (WCR) bootstrap-t.

The WCR bootstrap statistic for any null ``beta_k = b0`` is a closed-form function of a
few vectors over the bootstrap draws (Roodman, MacKinnon, Nielsen & Webb 2019, "Fast and
wild"), computed once by :func:`impact.did.wild_cluster_bootstrap`. :class:`WCRInversion`
keeps them, so a p-value for another null or a confidence interval at another level needs
no new draws: :meth:`WildBootstrapResult.to_frame(level=...)
<impact.did.WildBootstrapResult.to_frame>` inverts the same test.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

__all__ = ["WCRInversion"]


@dataclass(frozen=True, eq=False)
class WCRInversion:
    """The WCR bootstrap-t as a function of the null (same draws for every null).

    ``n1, n2`` and ``s11, s12, s22`` are the numerator and variance pieces of the
    bootstrap t statistics over the draws (``n_boot`` each): at null ``b0``, with
    ``c = estimate - b0``, ``t* = (n1 + c n2) / sqrt(ssc (s11 + 2 c s12 + c^2 s22))``.
    """

    estimate: float
    se: float
    ssc: float
    n1: np.ndarray = field(repr=False)
    n2: np.ndarray = field(repr=False)
    s11: np.ndarray = field(repr=False)
    s12: np.ndarray = field(repr=False)
    s22: np.ndarray = field(repr=False)

    def t_obs(self, b0: float) -> float:
        """Observed t statistic against the null ``b0``."""
        return (self.estimate - b0) / self.se

    def pvalue(self, b0: float) -> float:
        """Bootstrap p-value (two-sided, symmetric) of the null ``b0``."""
        c = self.estimate - b0
        num = self.n1 + c * self.n2
        den = np.sqrt(self.ssc * np.maximum(self.s11 + 2 * c * self.s12 + c * c * self.s22, 1e-300))
        return float(np.mean(np.abs(num / den) >= abs(self.t_obs(b0)) - 1e-12))

    def bound(self, direction: float, alpha: float) -> float:
        """The end of the ``1 - alpha`` interval on the side of ``direction`` (-1 or +1).

        Steps outwards (doubling) until the test rejects, then bisects to ``1e-7`` SE;
        infinite when it never rejects within 60 doublings.
        """
        bhat, se = self.estimate, self.se
        inner, step = bhat, se
        outer = bhat + direction * step
        for _ in range(60):
            if self.pvalue(outer) <= alpha:
                break
            inner, step = outer, step * 2
            outer = bhat + direction * step
        else:
            return float(direction * np.inf)
        for _ in range(60):
            mid = 0.5 * (inner + outer)
            if self.pvalue(mid) > alpha:
                inner = mid
            else:
                outer = mid
            if abs(outer - inner) < 1e-7 * se:
                break
        return 0.5 * (inner + outer)

    def interval(self, alpha: float) -> tuple[float, float]:
        """The ``1 - alpha`` confidence interval: the nulls the test does not reject."""
        return (self.bound(-1.0, alpha), self.bound(1.0, alpha))
