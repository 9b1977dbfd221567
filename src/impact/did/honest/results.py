"""Result of :func:`impact.did.honest_did`: robust confidence sets over a grid of restrictions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from impact.did.intervals import is_fitted_level
from impact.errors import DesignError
from impact.results import Result

if TYPE_CHECKING:
    from matplotlib.axes import Axes

#: Recomputes ``(table, original)`` at another ``alpha`` with the same inputs and seed.
Recompute = Callable[[float], tuple[pd.DataFrame, tuple[float, float]]]
#: Breakdown value for another threshold than zero, same inputs, level and seed.
Threshold = Callable[[float], float | None]


@dataclass(frozen=True)
class HonestResult(Result):
    """Robust confidence intervals over a grid of ``M`` (or ``Mbar``) and the breakdown value.

    Attributes
    ----------
    table
        ``m, ci_lower, ci_upper, restriction, method`` at the fitted ``1 - alpha``.
    original
        The ``1 - alpha`` interval under exact parallel trends.
    estimate
        The point estimate ``l' betahat_post`` of the target.
    breakdown
        Smallest ``M`` (``Mbar``) at which the ``1 - alpha`` interval includes zero.
    at_alpha
        Recomputes the intervals at another ``alpha`` (same inputs, same seed); set by
        :func:`impact.did.honest_did`. ``None`` for a result built by hand, which then has
        intervals only at the fitted level.
    at_threshold
        Computes the breakdown value for another threshold (see :meth:`breakdown_at`); set by
        :func:`impact.did.honest_did`.

    A robust confidence set is not ``estimate -/+ z * se`` (the FLCI is centred on another
    affine estimator; the C-LF set inverts a test): :meth:`to_frame` reports ``se`` as NaN.
    """

    table: pd.DataFrame
    original: tuple[float, float]
    estimate: float
    breakdown: float | None
    restriction: str
    method: str
    alpha: float
    breakdown_computed: bool = True
    at_alpha: Recompute | None = field(default=None, repr=False, compare=False)
    at_threshold: Threshold | None = field(default=None, repr=False, compare=False)

    def breakdown_at(self, threshold: float) -> float | None:
        """Smallest ``M`` (``Mbar``) at which the robust ``1 - alpha`` set reaches ``threshold``.

        The estimand: for the target ``theta = l' tau_post`` of this result,
        ``inf {M >= 0 : threshold in CI_{1-alpha}(M)}``, where ``CI(M)`` is the robust
        confidence set under ``Delta^SD(M)`` / ``Delta^RM(Mbar)`` (C-LF: the set of ``theta``
        the hybrid test accepts, so the search tests ``threshold`` itself, without the
        ``theta`` grid). ``threshold = 0`` gives :attr:`breakdown`. For a threshold below
        the original interval it is the ``M`` at which the lower end falls to the threshold;
        above it, the ``M`` at which the upper end rises to it. ``None`` when the threshold is
        inside the interval already at ``M = 0``; ``inf`` when no ``M`` up to ``2^40`` (C-LF)
        reaches it. Found by bisection to a relative ``1e-3`` (C-LF) or ``1e-6``, assuming
        the sets grow with ``M``. Same level and (C-LF) seed as the fitted result.

        Use: with ``threshold`` the break-even effect of a cost-benefit appraisal, this is
        the largest violation of parallel trends under which the programme still pays for
        itself at the ``1 - alpha`` level.
        """
        if self.at_threshold is None:
            raise DesignError(
                "This HonestResult was built without its inputs; call honest_did(...) and "
                "use its breakdown_at(threshold)."
            )
        if not np.isfinite(threshold):
            raise DesignError(f"threshold={threshold} must be a finite number.")
        return self.at_threshold(float(threshold))

    def _at_level(self, level: float) -> tuple[pd.DataFrame, tuple[float, float]]:
        if is_fitted_level(level, self.alpha):
            return self.table, self.original
        if self.at_alpha is None:
            raise DesignError(
                f"This HonestResult holds intervals at level={1 - self.alpha:g} only (it was "
                f"built without its inputs); call honest_did(..., alpha={1 - level:g}) for "
                f"level={level:g}."
            )
        return self.at_alpha(1.0 - level)

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """``m, estimate, se, ci_lower, ci_upper, restriction, method`` at ``level``.

        The first row is the original interval under parallel trends (``m`` NaN, ``method``
        ``"original"``), then one robust interval per ``M``. ``estimate`` is the point
        estimate of the target on every row; ``se`` is NaN (a robust confidence set has no
        standard error). At another level than the fitted ``1 - alpha`` the intervals are
        recomputed from the stored inputs (same grid, same seed for C-LF): for C-LF that is
        a new test inversion per ``M`` and takes as long as the first call. The breakdown
        value stays the fitted level's. FLCIs at two levels need not nest: the optimal
        affine estimator, hence the centre, depends on the level.
        """
        table, original = self._at_level(level)
        orig = pd.DataFrame(
            {
                "m": [np.nan],
                "ci_lower": [original[0]],
                "ci_upper": [original[1]],
                "restriction": ["parallel trends"],
                "method": ["original"],
            }
        )
        out = pd.concat([orig, table], ignore_index=True)
        out.insert(1, "estimate", self.estimate)
        out.insert(2, "se", np.nan)
        return out

    def summary(self) -> str:
        name = "M" if self.restriction == "smoothness" else "Mbar"
        if not self.breakdown_computed:
            bd = "not computed"
        elif self.breakdown is None:
            bd = (
                "not significant even at M = 0 (differences in trends that are exactly linear)"
                if self.restriction == "smoothness"
                else "not significant even at Mbar = 0 (no change in trends after adoption)"
            )
        else:
            bd = f"{name} = {self.breakdown:.4g}"
        return (
            f"Honest DiD sensitivity ({self.restriction}, {self.method}); estimate "
            f"{self.estimate:.4g}, original CI [{self.original[0]:.4g}, {self.original[1]:.4g}]; "
            f"breakdown: {bd}\n"
            + self.table.to_string(index=False, float_format=lambda x: f"{x:.4g}")
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Robust CIs against ``M`` beside the original CI (fitted level); zero line."""
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
