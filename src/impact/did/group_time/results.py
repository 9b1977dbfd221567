"""Result objects of :func:`impact.did.att_gt` and its aggregations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from impact.did.group_time.aggregation import aggregate
from impact.did.group_time.influence import (
    CohortLinearInfluence,
    DenseInfluence,
    SparseInfluence,
    single_threaded_blas,
)
from impact.did.group_time.pretest import WaldPretest
from impact.effect import Effect
from impact.errors import DataError, DesignError

if TYPE_CHECKING:
    from matplotlib.figure import Figure

    from impact.did.honest.results import HonestResult

__all__ = ["AggregateResult", "GroupTimeResult", "InferenceSettings"]

_LEVEL = {"dynamic": "event_time", "group": "cohort", "calendar": "time", "simple": "level"}


@dataclass(frozen=True)
class InferenceSettings:
    """How the group-time effects were estimated (recorded for summaries and effects)."""

    method: str
    control_group: str
    base_period: str
    anticipation: int
    alpha: float
    n_boot: int | None
    seed: (
        int | np.random.Generator | None
    )  # a Generator is shared: aggregations continue its stream
    boot_weights: str
    clustered: bool
    structure: str = "panel"  # or "unbalanced_panel", "repeated_cross_section"

    def describe(self) -> str:
        se = f"multiplier bootstrap ({self.n_boot} draws)" if self.n_boot else "analytic"
        data = "" if self.structure == "panel" else f"{self.structure.replace('_', ' ')}, "
        return (
            f"{data}method={self.method}, control_group={self.control_group}, "
            f"base_period={self.base_period}, anticipation={self.anticipation}; SEs: {se}"
            + (", clustered" if self.clustered else "")
        )


@dataclass(frozen=True, eq=False)
class GroupTimeResult:
    """Group-time average treatment effects ATT(g, t) (Callaway & Sant'Anna 2021).

    Attributes
    ----------
    table
        One row per (cohort, time): ``cohort, time, event_time, att, se, ci_lower,
        ci_upper`` (+ ``cband_lower, cband_upper`` with the bootstrap), ``base_time``,
        ``post``, ``n_treated``, ``n_control``.
    influence
        Influence functions of the cells (units x cells, explicit or as cohort loadings),
        scaled so that the estimation error is their mean over units.
    pretest
        Wald pre-test of parallel trends on the pre-treatment cells.
    """

    table: pd.DataFrame
    influence: DenseInfluence | SparseInfluence | CohortLinearInfluence = field(repr=False)
    settings: InferenceSettings
    outcome: str
    pretest: WaldPretest
    crit: float = float("nan")
    notes: tuple[str, ...] = ()

    @property
    def n_units(self) -> int:
        return self.influence.units.n_units

    def summary(self) -> str:
        """Plain-text table of ATT(g, t) with the settings and the pre-test."""
        what = "observations" if self.settings.structure == "repeated_cross_section" else "units"
        head = (
            f"Group-time ATTs for {self.outcome!r} ({self.n_units} {what}; "
            f"{self.settings.describe()})"
        )
        lines = [head, self.table.to_string(index=False, float_format=lambda v: f"{v:.4f}")]
        lines.append(self.pretest.summary())
        lines.extend(self.notes)
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """The tidy group-time table (a copy)."""
        return self.table.copy()

    def aggregate(
        self,
        kind: str = "dynamic",
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
        n_boot: int | None = None,
        seed: int | np.random.Generator | None = None,
    ) -> AggregateResult:
        """Aggregate ATT(g, t) into ``"simple"``, ``"dynamic"``, ``"group"`` or ``"calendar"``.

        See :func:`impact.did.group_time.aggregation.aggregate`.
        """
        with single_threaded_blas():
            fields = aggregate(
                self, kind, min_e=min_e, max_e=max_e, balance_e=balance_e, n_boot=n_boot, seed=seed
            )
        return AggregateResult(**fields)

    def plot(self, *, ax: Any = None) -> Figure:
        """One panel per cohort: ATT(g, t) over time with intervals, pre- and post-periods."""
        import matplotlib.pyplot as plt

        cohorts = self.table["cohort"].unique()
        fig, axes = plt.subplots(
            len(cohorts), 1, figsize=(7, 2.2 * len(cohorts)), sharex=True, squeeze=False
        )
        for a, g in zip(axes[:, 0], cohorts):
            d = self.table[self.table["cohort"] == g]
            for post, colour in ((False, "tab:grey"), (True, "tab:blue")):
                s = d[d["post"] == post]
                a.errorbar(
                    s["time"],
                    s["att"],
                    yerr=[s["att"] - s["ci_lower"], s["ci_upper"] - s["att"]],
                    fmt="o",
                    color=colour,
                    capsize=3,
                    label="post" if post else "pre",
                )
            a.axhline(0.0, color="black", linewidth=0.8)
            a.set_ylabel(f"cohort {g:g}")
        axes[0, 0].legend(loc="best", fontsize="small")
        axes[-1, 0].set_xlabel("period")
        fig.suptitle(f"ATT(g, t) for {self.outcome}")
        fig.tight_layout()
        return fig


@dataclass(frozen=True, eq=False)
class AggregateResult:
    """An aggregation of group-time ATTs (R ``did``'s ``aggte``).

    Attributes
    ----------
    kind
        ``"simple"``, ``"dynamic"``, ``"group"`` or ``"calendar"``.
    att, se, ci
        The overall summary: for ``simple`` the weighted average of post-treatment
        ATT(g, t); ``dynamic`` the average over post-treatment event times; ``group`` the
        cohort-size weighted average of cohort effects; ``calendar`` the average over periods.
    table
        One row per level (``event_time``, ``cohort`` or ``time``) with ``att, se,
        ci_lower, ci_upper`` (and ``cband_lower, cband_upper`` when bootstrapped).
    draws
        Bootstrap draws of (level estimates, overall) minus the estimates, or ``None``.
    """

    kind: str
    att: float
    se: float
    ci: tuple[float, float]
    table: pd.DataFrame
    influence: DenseInfluence | SparseInfluence | CohortLinearInfluence = field(repr=False)
    level_cov: np.ndarray = field(repr=False)
    draws: np.ndarray | None = field(repr=False)
    crit: float
    settings: InferenceSettings
    outcome: str

    @property
    def level_name(self) -> str:
        return _LEVEL[self.kind]

    @property
    def uncertainty(self) -> str:
        return "bootstrap" if self.draws is not None else "analytic"

    def cluster_scores(self) -> np.ndarray:
        """Per-cluster contributions ``s_c = sum_{i in c} psi_i / n`` (so ``theta_hat - theta
        ~ sum_c s_c``), one row per cluster of ``att_gt``'s ``cluster`` (per unit without
        clustering), one column per level and the overall effect last.

        Hand the last column to :func:`impact.did.wild_bootstrap_scores` for few-cluster
        inference on the overall effect.
        """
        return self.influence.cluster_scores()

    def summary(self) -> str:
        """Plain-text summary: overall effect, then one row per level."""
        lo, hi = self.ci
        level = 100 * (1 - self.settings.alpha)
        text = (
            f"Aggregated ATT ({self.kind}) for {self.outcome!r}: {self.att:.4f} "
            f"(SE {self.se:.4f}; {level:g} % CI {lo:.4f} to {hi:.4f}; {self.uncertainty} SEs)\n"
            f"  {self.settings.describe()}"
        )
        if self.kind != "simple":
            text += "\n" + self.table.to_string(index=False, float_format=lambda v: f"{v:.4f}")
            if np.isfinite(self.crit):
                text += f"\n  simultaneous band critical value: {self.crit:.3f}"
        return text

    def to_frame(self) -> pd.DataFrame:
        """Tidy frame: one row per level plus an ``overall`` row (``level`` NaN)."""
        levels = self.table.rename(columns={self.level_name: "level"}).assign(is_overall=False)
        overall = pd.DataFrame(
            {
                "level": [np.nan],
                "att": [self.att],
                "se": [self.se],
                "ci_lower": [self.ci[0]],
                "ci_upper": [self.ci[1]],
                "is_overall": [True],
            }
        )
        out = pd.concat([levels, overall], ignore_index=True) if len(levels) else overall
        return out.assign(kind=self.kind, outcome=self.outcome)

    def plot(self, *, ax: Any = None) -> Any:
        """Point estimates with pointwise intervals (and the uniform band when bootstrapped).

        For ``dynamic`` an event-study plot with a reference line at event time -1.
        Returns the matplotlib Axes.
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        if self.kind == "simple":
            ax.errorbar(
                [0], [self.att], yerr=[[self.att - self.ci[0]], [self.ci[1] - self.att]], fmt="o"
            )
            ax.set_xticks([0], ["simple ATT"])
        else:
            t = self.table
            x = t[self.level_name].to_numpy(dtype=float)
            if "cband_lower" in t:
                ax.fill_between(
                    x,
                    t["cband_lower"],
                    t["cband_upper"],
                    color="tab:blue",
                    alpha=0.15,
                    step=None,
                    label=f"{100 * (1 - self.settings.alpha):g} % uniform band",
                )
            pre = x < 0 if self.kind == "dynamic" else np.zeros(len(x), dtype=bool)
            for mask, colour, lab in ((pre, "tab:grey", "pre"), (~pre, "tab:blue", "post")):
                if mask.any():
                    ax.errorbar(
                        x[mask],
                        t["att"].to_numpy()[mask],
                        yerr=[
                            (t["att"] - t["ci_lower"]).to_numpy()[mask],
                            (t["ci_upper"] - t["att"]).to_numpy()[mask],
                        ],
                        fmt="o",
                        color=colour,
                        capsize=3,
                        label=f"{lab} (pointwise CI)" if self.kind == "dynamic" else None,
                    )
            if self.kind == "dynamic":
                ax.axvline(-1, color="grey", linestyle="--", linewidth=0.8)
            ax.set_xlabel(self.level_name.replace("_", " "))
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="best", fontsize="small")
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_ylabel(f"ATT on {self.outcome}")
        ax.set_title(f"Aggregated ATT ({self.kind})")
        return ax

    def honest(self, **kwargs: Any) -> HonestResult:
        """Rambachan-Roth sensitivity of this event study (see :func:`impact.did.honest_did`).

        Needs ``kind="dynamic"`` from :func:`att_gt` with ``base_period="universal"``, so that
        every coefficient is measured against the reference period ``-1 - anticipation``
        (which is left out). Unless ``l_vec`` is given, the target is this aggregation's
        overall effect: the average over event times ``>= 0``.
        """
        from impact.did.honest.sensitivity import honest_did

        if self.kind != "dynamic" or self.settings.base_period != "universal":
            raise DesignError(
                f"honest() needs an event study against one reference period; this is a "
                f"{self.kind!r} aggregation with base_period={self.settings.base_period!r}. "
                "Use att_gt(..., base_period='universal').aggregate('dynamic')."
            )
        event = self.table["event_time"].to_numpy()
        reference = -1 - self.settings.anticipation
        keep = np.flatnonzero(event != reference)
        post = event[keep] > reference
        if "l_vec" not in kwargs:
            target = (event[keep][post] >= 0).astype(float)
            kwargs["l_vec"] = target / target.sum()
        return honest_did(
            self.table["att"].to_numpy()[keep],
            self.level_cov[np.ix_(keep, keep)],
            num_pre=int((~post).sum()),
            num_post=int(post.sum()),
            **kwargs,
        )

    def effect(
        self,
        *,
        outcome: str | None = None,
        unit: str = "probability",
        n_draws: int = 4000,
        seed: int | np.random.Generator | None = None,
        population: str = "",
    ) -> Effect:
        """The aggregated effect as an :class:`impact.Effect` for the cost-benefit module.

        Draws are the multiplier-bootstrap draws when the bootstrap ran (``draws_kind=
        "bootstrap"``, ``n_draws`` ignored), else from the normal approximation with the
        analytic covariance (``"normal_approximation"``). For ``dynamic`` the Effect holds
        one column per post-treatment event time (jointly drawn) and ``point`` is the
        overall post-treatment average.
        """
        name = outcome or self.outcome
        estimator = f"att_gt({self.settings.method}, {self.settings.control_group}) {self.kind}"
        meta = {"se": self.se, "uncertainty": self.uncertainty, "kind": self.kind}
        if self.kind == "dynamic":
            e = self.table["event_time"].to_numpy()
            post = e >= 0
            if not post.any():
                raise DataError(
                    "No post-treatment event times in this aggregation; nothing to hand over."
                )
            est = self.table["att"].to_numpy()[post]
            if self.draws is not None:
                draws = est + self.draws[:, : len(e)][:, post]
                kind = "bootstrap"
            else:
                rng = np.random.default_rng(seed)
                cov = self.level_cov[np.ix_(post, post)]
                draws = rng.multivariate_normal(est, cov, size=n_draws, method="eigh")
                kind = "normal_approximation"
            return Effect(
                outcome=name,
                unit=unit,
                point=self.att,
                draws=draws,
                draws_kind=kind,  # type: ignore[arg-type]
                population=population,
                estimator=estimator,
                event_time=tuple(int(v) for v in e[post]),
                metadata=meta,
            )
        if self.draws is not None:
            return Effect(
                outcome=name,
                unit=unit,
                point=self.att,
                draws=self.att + self.draws[:, -1],
                draws_kind="bootstrap",
                population=population,
                estimator=estimator,
                metadata=meta,
            )
        return Effect.from_normal(
            self.att,
            self.se,
            outcome=name,
            unit=unit,
            n_draws=n_draws,
            seed=seed,
            population=population,
            estimator=estimator,
            metadata=meta,
        )
