"""Results of the few-cluster inference: the wild cluster bootstrap and randomization inference."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from impact.did.intervals import is_fitted_level
from impact.effect import Effect
from impact.results import Diagnostic, EstimateResult, check_level, headline_row

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from impact.did.inference.inversion import WCRInversion

_UNCERTAINTY = {
    "WCR": "wild cluster bootstrap (WCR, test inversion)",
    "scores": "wild cluster bootstrap (scores, quantile of |theta* - theta|)",
}


@dataclass(frozen=True)
class WildBootstrapResult(EstimateResult):
    """Wild cluster bootstrap inference for one parameter.

    Attributes
    ----------
    estimate, se
        Point estimate and its analytic cluster-robust standard error.
    null, statistic, pvalue
        Tested value, observed t statistic and bootstrap p-value (two-sided, symmetric).
    ci
        Confidence interval at the fitted ``1 - alpha``: by inverting the bootstrap test
        (WCR) or from the bootstrap distribution of ``|theta* - thetahat|`` (scores).
    draws
        Bootstrap draws of the estimator (``thetahat + sum_c w_c s_c``; for WCR the
        unrestricted draws at the estimate).
    outcome
        The outcome the parameter is about (default of :meth:`effect`).
    parameter
        Words for the parameter tested (``"TWFE coefficient on the treatment indicator"``...).
    inversion
        WCR only: the bootstrap statistic as a function of the null, so that
        :meth:`to_frame` inverts the same test (same draws) at any level.
    """

    estimate: float
    se: float
    null: float
    statistic: float
    pvalue: float
    ci: tuple[float, float]
    n_boot: int
    weights: str
    n_clusters: int
    method: str
    draws: np.ndarray
    outcome: str
    alpha: float = 0.05
    parameter: str = ""
    inversion: WCRInversion | None = field(default=None, repr=False, compare=False)

    def interval(self, *, level: float = 0.95) -> tuple[float, float]:
        """The bootstrap interval at ``level`` (:attr:`ci` at the fitted level).

        WCR: the nulls not rejected at ``1 - level`` by the same bootstrap test (same
        draws). Scores: ``estimate -/+ q`` with ``q`` the ``level`` quantile of
        ``|draws - estimate|``.
        """
        if is_fitted_level(level, self.alpha):
            return self.ci
        if self.method == "WCR":
            if self.inversion is None:
                from impact.errors import DesignError

                raise DesignError(
                    f"This WCR result was built without its bootstrap pieces (inversion=None), "
                    f"so its interval exists only at the fitted level={1 - self.alpha:g}; "
                    f"rerun the bootstrap with alpha={1 - level:g} for level={level:g}."
                )
            return self.inversion.interval(1.0 - level)
        q = float(np.quantile(np.abs(self.draws - self.estimate), level))
        return (self.estimate - q, self.estimate + q)

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """One row: ``outcome, estimate, se, ci_lower, ci_upper`` (interval at ``level``, see
        :meth:`interval`), then ``null, statistic, pvalue, method, weights, n_boot, n_clusters``."""
        lo, hi = self.interval(level=level)
        return pd.DataFrame(
            {
                "outcome": [self.outcome],
                "estimate": [self.estimate],
                "se": [self.se],
                "ci_lower": [lo],
                "ci_upper": [hi],
                "null": [self.null],
                "statistic": [self.statistic],
                "pvalue": [self.pvalue],
                "method": [self.method],
                "weights": [self.weights],
                "n_boot": [self.n_boot],
                "n_clusters": [self.n_clusters],
            }
        )

    def headline(self, *, level: float = 0.95) -> pd.Series:
        """The estimate with its bootstrap interval at ``level`` (see :func:`impact.compare`)."""
        return headline_row(
            estimator=f"wild cluster bootstrap ({self.method}, {self.weights})",
            outcome=self.outcome,
            estimand=self.parameter or "the bootstrapped parameter",
            estimate=self.estimate,
            se=self.se,
            interval=self.interval(level=level),
            level=check_level(level),
            uncertainty=_UNCERTAINTY.get(self.method, "wild cluster bootstrap"),
        )

    def summary(self) -> str:
        level = round(100 * (1 - self.alpha))
        return (
            f"Wild cluster bootstrap ({self.method}, {self.weights} weights, {self.n_boot} draws, "
            f"{self.n_clusters} clusters)\n  estimate {self.estimate:.4g}; H0: {self.null:.4g}, "
            f"t = {self.statistic:.3g}, p = {self.pvalue:.3g}; {level} % CI "
            f"[{self.ci[0]:.4g}, {self.ci[1]:.4g}]"
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Histogram of the bootstrap draws with the estimate and the CI marked."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        ax.hist(self.draws, bins=50, color="0.7")
        ax.axvline(self.estimate, color="k")
        for b in self.ci:
            ax.axvline(b, color="k", ls="--")
        ax.set_xlabel("Bootstrap draws of the estimate")
        return ax

    def effect(
        self,
        *,
        outcome: str | None = None,
        unit: str = "probability",
        n_draws: int = 4000,
        seed: int | np.random.Generator | None = None,
        population: str = "",
        estimator: str = "",
    ) -> Effect:
        """The bootstrap draws as an :class:`impact.Effect` (``draws_kind="bootstrap"``).

        ``outcome=None``: :attr:`outcome`. The draws are the bootstrap's own, so ``n_draws``
        and ``seed`` are ignored (they are accepted for the common signature).
        """
        del n_draws, seed
        return Effect(
            outcome=outcome or self.outcome,
            unit=unit,
            point=self.estimate,
            draws=self.draws,
            draws_kind="bootstrap",
            population=population,
            estimator=estimator or f"wild cluster bootstrap ({self.method}, {self.weights})",
            metadata={"pvalue": self.pvalue, "ci": self.ci},
        )


@dataclass(frozen=True)
class RandomizationResult(Diagnostic):
    """Permutation distribution of a DiD statistic over reassigned adoption dates.

    A :class:`~impact.results.Diagnostic`, not an estimate with an interval: the test gives
    an exact p-value for one sharp null (``null``); an interval would need the test
    inverted over a grid of nulls, one full set of permutations each, which this result
    does not hold. Report it beside the wild bootstrap, whose result has the interval.
    """

    estimate: float
    null: float
    pvalue: float
    draws: np.ndarray
    n_perm: int
    statistic: str
    n_clusters: int

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "statistic": [self.statistic],
                "estimate": [self.estimate],
                "null": [self.null],
                "pvalue": [self.pvalue],
                "n_perm": [self.n_perm],
                "n_clusters": [self.n_clusters],
            }
        )

    def summary(self) -> str:
        return (
            f"Randomization inference over adoption timing ({self.statistic}, {self.n_perm} "
            f"permutations across {self.n_clusters} clusters)\n  estimate {self.estimate:.4g}; "
            f"sharp null effect = {self.null:.4g}: p = {self.pvalue:.3g}"
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Histogram of the permutation distribution with the observed statistic."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        ax.hist(self.draws, bins=40, color="0.7")
        ax.axvline(self.estimate - self.null, color="k")
        ax.set_xlabel(f"{self.statistic} under reassigned adoption dates")
        return ax
