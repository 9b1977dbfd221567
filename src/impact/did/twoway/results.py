"""Results of :func:`impact.did.twfe` and :func:`impact.did.event_study`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy import stats

from impact.did.intervals import alpha_at, t_crit
from impact.effect import Effect
from impact.errors import DataError, DesignError
from impact.results import EstimateResult, check_level, headline_row

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from impact.did.honest.results import HonestResult
    from impact.did.inference.results import WildBootstrapResult
    from impact.did.panel import PanelData
    from impact.did.twoway.weights import TWFEWeights


@dataclass(frozen=True)
class TWFEResult(EstimateResult):
    """Static TWFE estimate of the treatment coefficient (see :func:`impact.did.twfe`).

    Attributes
    ----------
    params, cov
        All slope coefficients (``treated`` first, then covariates) and their
        cluster-robust covariance.
    df_resid
        Degrees of freedom of the t reference distribution (clusters - 1).
    """

    params: pd.Series
    cov: pd.DataFrame
    df_resid: int
    n_obs: int
    n_units: int
    n_clusters: int
    n_treated_clusters: int
    outcome: str
    alpha: float = 0.05
    panel: PanelData | None = field(default=None, repr=False, compare=False)

    @property
    def estimate(self) -> float:
        """The TWFE coefficient on the treatment indicator."""
        return float(self.params["treated"])

    @property
    def se(self) -> float:
        return float(np.sqrt(self.cov.loc["treated", "treated"]))

    @property
    def ci(self) -> tuple[float, float]:
        """Interval for the treatment coefficient at the fitted ``1 - alpha`` (t critical value)."""
        return self.interval(level=1 - self.alpha)

    def interval(self, *, level: float = 0.95) -> tuple[float, float]:
        """Interval for the treatment coefficient at ``level`` (t with ``df_resid`` df)."""
        h = t_crit(alpha_at(level, self.alpha), self.df_resid) * self.se
        return (self.estimate - h, self.estimate + h)

    @property
    def pvalue(self) -> float:
        return float(2 * stats.t.sf(abs(self.estimate / self.se), self.df_resid))

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """Tidy table: one row per coefficient (``term, estimate, se, ci_lower, ci_upper,
        pvalue``), intervals at ``level`` with the t critical value (``df_resid`` df)."""
        se = np.sqrt(np.diag(self.cov.to_numpy()))
        h = t_crit(alpha_at(level, self.alpha), self.df_resid) * se
        est = self.params.to_numpy()
        return pd.DataFrame(
            {
                "term": list(self.params.index),
                "estimate": est,
                "se": se,
                "ci_lower": est - h,
                "ci_upper": est + h,
                "pvalue": 2 * stats.t.sf(np.abs(est / se), self.df_resid),
            }
        )

    def summary(self) -> str:
        lo, hi = self.ci
        level = round(100 * (1 - self.alpha))
        return (
            f"TWFE (unit and time effects) on {self.outcome}\n"
            f"  treated: {self.estimate:.4g} (cluster SE {self.se:.4g}), {level} % CI "
            f"[{lo:.4g}, {hi:.4g}], p = {self.pvalue:.3g}\n"
            f"  {self.n_obs} observations, {self.n_units} units, {self.n_clusters} clusters "
            f"({self.n_treated_clusters} treated)\n"
            "  Naive under staggered adoption with heterogeneous effects: see .weights()."
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Point estimate with its confidence interval (fitted level) and a zero line."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(5, 2))
        lo, hi = self.ci
        ax.errorbar(
            [self.estimate], [0], xerr=[[self.estimate - lo], [hi - self.estimate]], fmt="o"
        )
        ax.axvline(0, color="grey", lw=0.8)
        ax.set_yticks([0], ["TWFE"])
        ax.set_xlabel(f"Effect on {self.outcome}")
        return ax

    def effect(
        self,
        *,
        outcome: str | None = None,
        unit: str = "probability",
        n_draws: int = 4000,
        seed: int | np.random.Generator | None = None,
        population: str = "",
    ) -> Effect:
        """The TWFE coefficient as an :class:`impact.Effect` (normal approximation draws).

        ``outcome=None``: the outcome the regression was fitted on.
        """
        return Effect.from_normal(
            self.estimate,
            self.se,
            outcome=outcome or self.outcome,
            unit=unit,
            n_draws=n_draws,
            seed=seed,
            population=population,
            estimator="twfe (unit and time effects, cluster-robust SE)",
            metadata={"n_clusters": self.n_clusters, "n_treated_clusters": self.n_treated_clusters},
        )

    def headline(self, *, level: float = 0.95) -> pd.Series:
        """The treatment coefficient at ``level`` as one row (see :func:`impact.compare`)."""
        return headline_row(
            estimator="twfe (unit and time effects)",
            outcome=self.outcome,
            estimand="coefficient on the treatment indicator in a two-way fixed-effects "
            "regression (a weighted average of cell effects; weights can be negative)",
            estimate=self.estimate,
            se=self.se,
            interval=self.interval(level=level),
            level=check_level(level),
            uncertainty=f"analytic (cluster-robust, t with {self.df_resid} df)",
        )

    def weights(self) -> TWFEWeights:
        """Weights TWFE puts on each treated (cohort, time) cell; negative ones flagged."""
        from impact.did.twoway.weights import twfe_weights_from_panel

        if self.panel is None:
            raise DesignError(
                "This result does not carry its data; call impact.did.twfe_weights()."
            )
        return twfe_weights_from_panel(self.panel)

    def wild_bootstrap(
        self,
        *,
        n_boot: int = 9999,
        weights: str = "webb",
        seed: int | np.random.Generator | None = None,
        null: float = 0.0,
        alpha: float | None = None,
    ) -> WildBootstrapResult:
        """Wild cluster restricted (WCR) bootstrap p-value and CI for the treatment coefficient."""
        from impact.did.inference.wild_bootstrap import wild_bootstrap_twfe

        if self.panel is None:
            raise DesignError("This result does not carry its data; refit with impact.did.twfe().")
        return wild_bootstrap_twfe(
            self.panel,
            n_boot=n_boot,
            weights=weights,
            seed=seed,
            null=null,
            alpha=self.alpha if alpha is None else alpha,
        )


@dataclass(frozen=True)
class EventStudyResult(EstimateResult):
    """TWFE event-study coefficients by event time (see :func:`impact.did.event_study`)."""

    event_times: tuple[int, ...]
    coef: np.ndarray
    cov_matrix: np.ndarray
    omitted: tuple[int, ...]
    binned: tuple[int, ...]
    df_resid: int
    n_obs: int
    n_units: int
    n_clusters: int
    n_treated_clusters: int
    outcome: str
    alpha: float = 0.05
    estimator: str = "event_study (TWFE)"

    @property
    def reference(self) -> int:
        return self.omitted[0]

    @property
    def se(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov_matrix))

    @property
    def cov(self) -> pd.DataFrame:
        """Covariance of the estimated coefficients, indexed by event time."""
        return pd.DataFrame(self.cov_matrix, index=self.event_times, columns=self.event_times)

    @property
    def table(self) -> pd.DataFrame:
        """``event_time, estimate, se, ci_lower, ci_upper, pvalue, binned`` with omitted rows at 0.

        Intervals at the fitted ``1 - alpha``; :meth:`to_frame` gives them at any level.
        """
        return self._table(self.alpha)

    def _table(self, alpha: float) -> pd.DataFrame:
        h = t_crit(alpha, self.df_resid) * self.se
        est = pd.DataFrame(
            {
                "event_time": list(self.event_times),
                "estimate": self.coef,
                "se": self.se,
                "ci_lower": self.coef - h,
                "ci_upper": self.coef + h,
                "pvalue": 2 * stats.t.sf(np.abs(self.coef / self.se), self.df_resid),
            }
        )
        ref = pd.DataFrame(
            {
                "event_time": list(self.omitted),
                "estimate": 0.0,
                "se": 0.0,
                "ci_lower": 0.0,
                "ci_upper": 0.0,
                "pvalue": np.nan,
            }
        )
        out = pd.concat([est, ref], ignore_index=True).sort_values("event_time")
        out["binned"] = out["event_time"].isin(self.binned)
        out["event_time"] = out["event_time"].astype(int)
        return out.reset_index(drop=True)

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """The tidy event-study table with intervals at ``level`` (t with ``df_resid`` df).

        Same columns as :attr:`table` (which is this at the fitted level); the omitted
        reference rows have estimate, SE and interval 0.
        """
        return self._table(alpha_at(level, self.alpha))

    def _post(self) -> tuple[list[int], np.ndarray]:
        """Indices and averaging weights of the post-adoption event times (``k >= 0``)."""
        idx = [i for i, k in enumerate(self.event_times) if k >= 0]
        return idx, np.full(len(idx), 1.0 / max(len(idx), 1))

    def headline(self, *, level: float = 0.95) -> pd.Series:
        """The mean post-adoption coefficient at ``level`` (the point of :meth:`effect`)."""
        idx, w = self._post()
        if not idx:
            raise DataError("No post-adoption event times (k >= 0) in this event study.")
        est = float(w @ self.coef[idx])
        se = float(np.sqrt(w @ self.cov_matrix[np.ix_(idx, idx)] @ w))
        h = t_crit(alpha_at(level, self.alpha), self.df_resid) * se
        return headline_row(
            estimator=self.estimator,
            outcome=self.outcome,
            estimand="mean of the event-study coefficients over post-adoption event times "
            "(k >= 0), each against the reference period",
            estimate=est,
            se=se,
            interval=(est - h, est + h),
            level=check_level(level),
            uncertainty=f"analytic (cluster-robust, t with {self.df_resid} df)",
        )

    def summary(self) -> str:
        level = round(100 * (1 - self.alpha))
        head = (
            f"{self.estimator} on {self.outcome}: {self.n_obs} obs, {self.n_units} units, "
            f"{self.n_clusters} clusters ({self.n_treated_clusters} treated); reference event "
            f"time {self.reference}; {level} % CIs (t, {self.df_resid} df)"
        )
        return head + "\n" + self.table.to_string(index=False, float_format=lambda x: f"{x:.4g}")

    def plot(self, *, ax: Axes | None = None, label: str | None = None) -> Axes:
        """Point estimates with CIs, a dashed line at the reference period and a zero line."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        t = self.table
        ax.axhline(0, color="grey", lw=0.8)
        ax.axvline(self.reference, color="grey", lw=0.8, ls="--")
        ax.errorbar(
            t["event_time"],
            t["estimate"],
            yerr=[t["estimate"] - t["ci_lower"], t["ci_upper"] - t["estimate"]],
            fmt="o",
            capsize=3,
            label=label or self.estimator,
        )
        ax.set_xlabel("Years since adoption")
        ax.set_ylabel(f"Effect on {self.outcome}")
        return ax

    def effect(
        self,
        *,
        outcome: str | None = None,
        unit: str = "probability",
        event_times: tuple[int, ...] | None = None,
        n_draws: int = 4000,
        seed: int | np.random.Generator | None = None,
        population: str = "",
    ) -> Effect:
        """Dynamic :class:`impact.Effect` for the post-adoption event times.

        Draws come from the multivariate normal approximation with the cluster-robust
        covariance (columns = event times, default all estimated ``k >= 0``);
        ``outcome=None``: the outcome the regression was fitted on.
        """
        ks = event_times or tuple(k for k in self.event_times if k >= 0)
        idx = [self.event_times.index(k) for k in ks]
        rng = np.random.default_rng(seed)
        draws = rng.multivariate_normal(
            self.coef[idx], self.cov_matrix[np.ix_(idx, idx)], size=n_draws, method="eigh"
        )
        return Effect(
            outcome=outcome or self.outcome,
            unit=unit,
            point=float(np.mean(self.coef[idx])),
            draws=draws,
            draws_kind="normal_approximation",
            population=population,
            estimator=self.estimator,
            event_time=tuple(int(k) for k in ks),
            metadata={
                "point_by_event_time": self.coef[idx].tolist(),
                "point": "mean over event times",
            },
        )

    def honest(self, **kwargs: Any) -> HonestResult:
        """Rambachan-Roth sensitivity of the post-period effects (see :func:`impact.did.honest_did`).

        Uses the single-period coefficients (pooled end-point bins are left out) on each
        side of the reference period.
        """
        from impact.did.honest.sensitivity import honest_did

        keep = [
            i
            for i, k in enumerate(self.event_times)
            if k not in self.binned and k not in self.omitted
        ]
        ks = [self.event_times[i] for i in keep]
        pre = [k for k in ks if k < self.reference]
        post = [k for k in ks if k > self.reference]
        return honest_did(
            self.coef[keep],
            self.cov_matrix[np.ix_(keep, keep)],
            num_pre=len(pre),
            num_post=len(post),
            **kwargs,
        )
