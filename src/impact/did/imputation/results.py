"""Results of :func:`impact.did.imputation` (Borusyak, Jaravel & Spiess 2024) and its pre-trend test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

from impact.effect import Effect

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from impact.did.inference.results import WildBootstrapResult


@dataclass(frozen=True)
class PretrendTest:
    """BJS pre-trend test: leads estimated on untreated observations, joint Wald test."""

    table: pd.DataFrame
    statistic: float
    df: int
    pvalue: float

    def summary(self) -> str:
        return (
            f"Pre-trend test (BJS, {self.df} leads on untreated observations): "
            f"Wald chi2 = {self.statistic:.4g}, p = {self.pvalue:.3g}"
        )


@dataclass(frozen=True)
class ImputationResult:
    """Result of :func:`imputation`.

    Attributes
    ----------
    att, se
        Overall ATT (weighted mean of ``tau_it`` over treated observations in the
        horizons) and its conservative cluster-robust standard error.
    table
        ``event_time, estimate, se, ci_lower, ci_upper, pvalue, n_obs`` per horizon.
    tau
        Observation-level imputed effects: ``unit, time, cohort, event_time, tau, weight``.
    cluster_scores
        Clusters x (1 + horizons) matrix ``sum_{it in c} v_it eps_it`` (overall first),
        the per-cluster contributions used by the variance and by
        :func:`impact.did.wild_bootstrap_scores`.
    pretrend
        :class:`PretrendTest` when ``pretrends > 0`` was asked for.
    """

    att: float
    se: float
    table: pd.DataFrame
    tau: pd.DataFrame
    cluster_scores: np.ndarray
    pretrend: PretrendTest | None
    n_obs: int
    n_clusters: int
    n_treated_clusters: int
    outcome: str
    alpha: float = 0.05

    @property
    def ci(self) -> tuple[float, float]:
        z = float(stats.norm.ppf(1 - self.alpha / 2))
        return (self.att - z * self.se, self.att + z * self.se)

    @property
    def pvalue(self) -> float:
        return float(2 * stats.norm.sf(abs(self.att / self.se)))

    def to_frame(self) -> pd.DataFrame:
        """Event-time table with pre-trend coefficients (``type`` = "pretrend") when tested."""
        post = self.table.assign(type="effect")
        if self.pretrend is None:
            return post
        pre = self.pretrend.table.assign(type="pretrend")
        return pd.concat([pre, post], ignore_index=True)

    def summary(self) -> str:
        lo, hi = self.ci
        level = round(100 * (1 - self.alpha))
        txt = (
            f"Imputation estimator (Borusyak, Jaravel & Spiess 2024) on {self.outcome}\n"
            f"  ATT {self.att:.4g} (SE {self.se:.4g}), {level} % CI [{lo:.4g}, {hi:.4g}]; "
            f"{self.n_obs} obs, {self.n_clusters} clusters ({self.n_treated_clusters} treated)\n"
            + self.table.to_string(index=False, float_format=lambda x: f"{x:.4g}")
        )
        if self.pretrend is not None:
            txt += "\n" + self.pretrend.summary()
        return txt

    def plot(self, ax: Axes | None = None, *, label: str = "imputation (BJS)") -> Axes:
        """Effects by event time (and pre-trend coefficients) with CIs; zero line and line at -1."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        t = self.to_frame()
        ax.axhline(0, color="grey", lw=0.8)
        ax.axvline(-1, color="grey", lw=0.8, ls="--")
        ax.errorbar(
            t["event_time"],
            t["estimate"],
            yerr=[t["estimate"] - t["ci_lower"], t["ci_upper"] - t["estimate"]],
            fmt="s",
            capsize=3,
            label=label,
        )
        ax.set_xlabel("Years since adoption")
        ax.set_ylabel(f"Effect on {self.outcome}")
        return ax

    def wild_bootstrap(
        self,
        *,
        n_boot: int = 9999,
        weights: Literal["rademacher", "webb"] = "webb",
        seed: int | np.random.Generator | None = None,
        null: float = 0.0,
    ) -> WildBootstrapResult:
        """Wild cluster (score) bootstrap of the overall ATT (see :func:`wild_bootstrap_scores`)."""
        from impact.did.inference.wild_bootstrap import wild_bootstrap_scores

        return wild_bootstrap_scores(
            self.att, self.cluster_scores[:, 0], null=null, weights=weights, n_boot=n_boot,
            seed=seed, alpha=self.alpha,
        )  # fmt: skip

    def effect(
        self,
        outcome: str | None = None,
        *,
        kind: Literal["simple", "dynamic"] = "simple",
        unit: str = "probability",
        n_draws: int = 4000,
        seed: int | np.random.Generator | None = None,
        population: str = "",
    ) -> Effect:
        """Overall (``kind="simple"``) or by-event-time (``"dynamic"``) effect, normal approximation."""
        name = outcome or self.outcome
        est = "imputation (Borusyak, Jaravel & Spiess 2024)"
        if kind == "simple":
            return Effect.from_normal(
                self.att, self.se, outcome=name, unit=unit, n_draws=n_draws, seed=seed,
                population=population, estimator=est,
            )  # fmt: skip
        s = self.cluster_scores[:, 1:]
        cov = s.T @ s
        rng = np.random.default_rng(seed)
        point = self.table["estimate"].to_numpy()
        draws = rng.multivariate_normal(point, cov, size=n_draws, method="eigh")
        return Effect(
            outcome=name,
            unit=unit,
            point=self.att,
            draws=draws,
            draws_kind="normal_approximation",
            population=population,
            estimator=est + " dynamic",
            event_time=tuple(int(k) for k in self.table["event_time"]),
        )
