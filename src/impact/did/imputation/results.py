"""Results of :func:`impact.did.imputation` (Borusyak, Jaravel & Spiess 2024) and its pre-trend test."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from scipy import stats

from impact.did.intervals import alpha_at, is_fitted_level, normal_crit
from impact.effect import Effect
from impact.results import Diagnostic, EstimateResult, check_level, headline_row

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from impact.did.inference.results import WildBootstrapResult


@dataclass(frozen=True)
class PretrendTest(Diagnostic):
    """BJS pre-trend test: leads estimated on untreated observations, joint Wald test.

    ``table``: ``event_time, estimate, se, ci_lower, ci_upper, pvalue`` per lead (intervals
    at the imputation's ``1 - alpha``); ``statistic, df, pvalue``: the joint Wald test.
    """

    table: pd.DataFrame
    statistic: float
    df: int
    pvalue: float

    def to_frame(self) -> pd.DataFrame:
        """The lead coefficients (a copy of :attr:`table`); the joint test is in ``summary()``."""
        return self.table.copy()

    def summary(self) -> str:
        return (
            f"Pre-trend test (BJS, {self.df} leads on untreated observations): "
            f"Wald chi2 = {self.statistic:.4g}, p = {self.pvalue:.3g}"
        )


@dataclass(frozen=True)
class ImputationResult(EstimateResult):
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
        """Normal interval for the overall ATT at the fitted ``1 - alpha``."""
        return self.interval(level=1 - self.alpha)

    def interval(self, *, level: float = 0.95) -> tuple[float, float]:
        """Normal interval for the overall ATT at ``level``."""
        z = normal_crit(alpha_at(level, self.alpha))
        return (self.att - z * self.se, self.att + z * self.se)

    @property
    def pvalue(self) -> float:
        return float(2 * stats.norm.sf(abs(self.att / self.se)))

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """Event-time table, with the pre-trend coefficients first when they were tested.

        Columns ``kind`` (``"pretrend"`` or ``"effect"``), ``event_time, estimate, se,
        ci_lower, ci_upper, pvalue, n_obs`` (``n_obs`` NaN on pre-trend rows); normal
        intervals at ``level`` (the stored ones at the fitted ``1 - alpha``).
        """
        parts = [] if self.pretrend is None else [self.pretrend.table.assign(kind="pretrend")]
        parts.append(self.table.assign(kind="effect"))
        out = pd.concat(parts, ignore_index=True) if len(parts) > 1 else parts[0]
        if not is_fitted_level(level, self.alpha):
            z = normal_crit(1.0 - level)
            out["ci_lower"] = out["estimate"] - z * out["se"]
            out["ci_upper"] = out["estimate"] + z * out["se"]
        return out[["kind", *[c for c in out.columns if c != "kind"]]]

    def headline(self, *, level: float = 0.95) -> pd.Series:
        """The overall ATT at ``level`` as one row (see :func:`impact.compare`)."""
        return headline_row(
            estimator="imputation (BJS)",
            outcome=self.outcome,
            estimand="ATT averaged over treated observations in the horizons (imputed "
            "untreated outcomes from unit and time effects fitted on untreated observations)",
            estimate=self.att,
            se=self.se,
            interval=self.interval(level=level),
            level=check_level(level),
            uncertainty="analytic (conservative cluster-robust, normal)",
        )

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

    def plot(self, *, ax: Axes | None = None, label: str = "imputation (BJS)") -> Axes:
        """Effects by event time (and pre-trend coefficients) with CIs; zero line and line at -1."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        t = self.to_frame(level=1 - self.alpha)
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
            self.att, self.cluster_scores[:, 0], outcome=self.outcome,
            parameter="imputation (BJS) overall ATT", null=null, weights=weights, n_boot=n_boot,
            seed=seed, alpha=self.alpha,
        )  # fmt: skip

    def effect(
        self,
        *,
        outcome: str | None = None,
        kind: Literal["simple", "dynamic"] = "simple",
        unit: str = "probability",
        n_draws: int = 4000,
        seed: int | np.random.Generator | None = None,
        population: str = "",
    ) -> Effect:
        """Overall (``kind="simple"``) or by-event-time (``"dynamic"``) effect, normal approximation.

        ``outcome=None``: the outcome the imputation was fitted on.
        """
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
