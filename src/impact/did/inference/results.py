"""Results of the few-cluster inference: the wild cluster bootstrap and randomization inference."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from impact.effect import Effect

if TYPE_CHECKING:
    from matplotlib.axes import Axes


@dataclass(frozen=True)
class WildBootstrapResult:
    """Wild cluster bootstrap inference for one parameter.

    Attributes
    ----------
    estimate, se
        Point estimate and its analytic cluster-robust standard error.
    null, statistic, pvalue
        Tested value, observed t statistic and bootstrap p-value (two-sided, symmetric).
    ci
        Confidence interval: by inverting the bootstrap test (WCR) or from the bootstrap
        distribution of ``|theta* - thetahat|`` (scores).
    draws
        Bootstrap draws of the estimator (``thetahat + sum_c w_c s_c``; for WCR the
        unrestricted draws at the estimate).
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
    alpha: float = 0.05

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "estimate": [self.estimate],
                "se": [self.se],
                "null": [self.null],
                "statistic": [self.statistic],
                "pvalue": [self.pvalue],
                "ci_lower": [self.ci[0]],
                "ci_upper": [self.ci[1]],
                "method": [self.method],
                "weights": [self.weights],
                "n_boot": [self.n_boot],
                "n_clusters": [self.n_clusters],
            }
        )

    def summary(self) -> str:
        level = round(100 * (1 - self.alpha))
        return (
            f"Wild cluster bootstrap ({self.method}, {self.weights} weights, {self.n_boot} draws, "
            f"{self.n_clusters} clusters)\n  estimate {self.estimate:.4g}; H0: {self.null:.4g}, "
            f"t = {self.statistic:.3g}, p = {self.pvalue:.3g}; {level} % CI "
            f"[{self.ci[0]:.4g}, {self.ci[1]:.4g}]"
        )

    def plot(self, ax: Axes | None = None) -> Axes:
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
        outcome: str,
        *,
        unit: str = "probability",
        population: str = "",
        estimator: str = "",
    ) -> Effect:
        """The bootstrap draws as an :class:`impact.Effect` (``draws_kind="bootstrap"``)."""
        return Effect(
            outcome=outcome,
            unit=unit,
            point=self.estimate,
            draws=self.draws,
            draws_kind="bootstrap",
            population=population,
            estimator=estimator or f"wild cluster bootstrap ({self.method}, {self.weights})",
            metadata={"pvalue": self.pvalue, "ci": self.ci},
        )


@dataclass(frozen=True)
class RandomizationResult:
    """Permutation distribution of a DiD statistic over reassigned adoption dates."""

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

    def plot(self, ax: Axes | None = None) -> Axes:
        """Histogram of the permutation distribution with the observed statistic."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(6, 3.5))
        ax.hist(self.draws, bins=40, color="0.7")
        ax.axvline(self.estimate - self.null, color="k")
        ax.set_xlabel(f"{self.statistic} under reassigned adoption dates")
        return ax
