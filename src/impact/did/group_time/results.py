"""Result objects of :func:`impact.did.att_gt` and its aggregations."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, overload

import numpy as np
import pandas as pd

from impact.did.group_time.aggregation import aggregate
from impact.did.group_time.influence import (
    CohortLinearInfluence,
    DenseInfluence,
    SparseInfluence,
    single_threaded_blas,
)
from impact.did.group_time.pretest import WaldPretest, cell_pretest
from impact.did.group_time.site_results import SiteEffectsResult
from impact.did.group_time.sites import MIN_SITE_PARTICIPANTS, site_effects, site_labels
from impact.did.inputs import SE_FLOOR
from impact.did.intervals import is_fitted_level, normal_crit
from impact.effect import Effect
from impact.errors import DataError, DesignError
from impact.results import EstimateResult, Result, check_level, headline_row

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from impact.did.honest.results import HonestResult

__all__ = ["AggregateResult", "GroupTimeResult", "InferenceSettings"]

_LEVEL = {"dynamic": "event_time", "group": "cohort", "calendar": "time", "simple": "level"}

#: What each aggregation's overall number averages (for ``headline`` and ``compare``).
_ESTIMAND = {
    "simple": "ATT averaged over post-treatment group-time cells, weighted by cohort size",
    "dynamic": "ATT averaged over post-treatment event times (event-study aggregation)",
    "group": "ATT averaged over cohorts (each cohort's mean post-treatment ATT), weighted by "
    "cohort size",
    "calendar": "ATT averaged over post-treatment calendar periods",
}

#: Columns of the group-time ``.table`` that ``to_frame`` puts first, in this order.
_CELL_IDS = ("cohort", "time", "event_time")


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
    #: SEs at or below this are numerically zero (NaN): relative to the outcome's scale
    se_floor: float = SE_FLOOR

    def describe(self) -> str:
        se = f"multiplier bootstrap ({self.n_boot} draws)" if self.n_boot else "analytic"
        data = "" if self.structure == "panel" else f"{self.structure.replace('_', ' ')}, "
        return (
            f"{data}method={self.method}, control_group={self.control_group}, "
            f"base_period={self.base_period}, anticipation={self.anticipation}; SEs: {se}"
            + (", clustered" if self.clustered else "")
        )


@dataclass(frozen=True, eq=False)
class GroupTimeResult(Result):
    """Group-time average treatment effects ATT(g, t) (Callaway & Sant'Anna 2021).

    A :class:`~impact.results.Result`, not an effect estimate: there is one ATT per cell and
    no single programme effect; :meth:`aggregate` gives the summary parameters (as R
    ``did``'s ``aggte``), which hand an :class:`impact.Effect` to the economics.

    Attributes
    ----------
    table
        One row per (cohort, time): ``cohort, time, event_time, att, se, ci_lower,
        ci_upper`` (+ ``cband_lower, cband_upper`` with the bootstrap), ``base_time``,
        ``post``, ``n_treated``, ``n_control``; intervals at the fitted ``1 - alpha``.
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
    #: unit identifiers in the order of the influence-function rows (balanced panels)
    unit_ids: np.ndarray | None = field(default=None, repr=False)
    unit: str | None = None

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

    def pretest_with(self, method: str) -> WaldPretest:
        """The Wald pre-test with another reference: ``"cohort_hotelling"`` (``att_gt``'s
        default), ``"hotelling"`` or ``"chi2"`` (R ``did``'s); see
        :mod:`impact.did.group_time.pretest`. Same cells and covariance as :attr:`pretest`.
        """
        t = self.table
        pre = np.flatnonzero(~t["post"].to_numpy(dtype=bool))
        return cell_pretest(
            t["att"].to_numpy(dtype=float)[pre],
            self.influence.subset(pre).cov(),
            self.influence.units,
            cohort=t["cohort"].to_numpy()[pre],
            n_treated=t["n_treated"].to_numpy()[pre],
            se_floor=self.settings.se_floor,
            method=method,
        )

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """The tidy group-time table with pointwise intervals at ``level``.

        Columns: ``cohort, time, event_time, estimate, se, ci_lower, ci_upper, att`` (``att``
        equals ``estimate``, for readers of R ``did``), then the rest of :attr:`table`
        (``cband_lower, cband_upper`` with the bootstrap, ``base_time, post, n_treated,
        n_control``). Pointwise intervals are ``att -/+ z * se`` (normal critical value; the
        SEs are the bootstrap ones when ``n_boot`` was given). At the fitted level
        (``1 - alpha``) every number is the stored one. The uniform band needs the bootstrap
        draws, which ``att_gt`` does not keep: ``cband_lower, cband_upper`` are NaN at any
        other level (aggregate first, whose bands are recomputed at every level).
        """
        t = self.table
        fitted = is_fitted_level(level, self.settings.alpha)
        att, se = t["att"], t["se"]
        if fitted:
            lower, upper = t["ci_lower"], t["ci_upper"]
        else:
            z = normal_crit(1.0 - level)
            lower, upper = att - z * se, att + z * se
        out = t[[c for c in _CELL_IDS if c in t]].copy()
        out["estimate"] = att
        out["se"] = se
        out["ci_lower"] = lower
        out["ci_upper"] = upper
        out["att"] = att
        for c in t.columns:
            if c not in out:
                out[c] = t[c] if fitted or not c.startswith("cband_") else np.nan
        return out

    @overload
    def aggregate(
        self,
        kind: Literal["site"],
        *,
        by: str,
        data: pd.DataFrame,
        max_e: float = ...,
        min_participants: int = ...,
    ) -> SiteEffectsResult: ...

    @overload
    def aggregate(
        self,
        kind: Literal["simple", "dynamic", "group", "calendar"] = ...,
        *,
        min_e: float = ...,
        max_e: float = ...,
        balance_e: int | None = ...,
        n_boot: int | None = ...,
        seed: int | np.random.Generator | None = ...,
    ) -> AggregateResult: ...

    def aggregate(
        self,
        kind: str = "dynamic",
        *,
        min_e: float = -np.inf,
        max_e: float = np.inf,
        balance_e: int | None = None,
        n_boot: int | None = None,
        seed: int | np.random.Generator | None = None,
        by: str | None = None,
        data: pd.DataFrame | None = None,
        min_participants: int = MIN_SITE_PARTICIPANTS,
    ) -> AggregateResult | SiteEffectsResult:
        """Aggregate ATT(g, t) into ``"simple"``, ``"dynamic"``, ``"group"``, ``"calendar"``
        or ``"site"``.

        For the first four see :func:`impact.did.group_time.aggregation.aggregate`.

        ``kind="site"`` (with ``by``, the site column, and ``data``, the frame given to
        ``att_gt``; the fit keeps unit ids, not the data) gives one effect per site, e.g.
        per municipality when persons enrol individually and ``unit`` is the person.
        Estimand: the ATT among the participants of site ``s``,

        ``theta_s = sum_k N_{g_k s} ATT_s(g_k, t_k) / sum_k N_{g_k s}``

        over the post-treatment cells ``k`` (``t <= g + max_e``) of the ``"simple"``
        aggregation, where ``N_gs`` is the number of site-``s`` members of cohort ``g`` and
        ``ATT_s(g, t)`` is ATT(g, t) restricted to site ``s``'s treated units, so each
        participant-period counts once. **Comparison units:** every site's ``ATT_s`` uses
        the cell's *pooled* comparison group (the never-treated or not-yet-treated units of
        all sites), not only the site's own; the site effect is identified if parallel
        trends (given the covariates) hold between each site's participants and the pooled
        comparison group. It is computed from the pooled influence functions
        (:mod:`impact.did.group_time.sites`): exact without covariates and with
        ``method="reg"``; ``"dr"``/``"ipw"`` with covariates are refused. With covariates
        the comparison part of a site's SE uses the pooled treated covariate means.

        Standard errors come from the site effects' influence functions, clustered as the
        pooled fit, except that a site whose participants all sit in one cluster (the
        clusters are the sites) counts its participants as independent persons: the sum of
        their centred contributions over one cluster is zero by construction. They are
        analytic even after a bootstrapped ``att_gt``. The participant-period weights of
        ``table["weight"]`` average the site effects exactly to the ``"simple"`` aggregate.

        Sites with fewer than ``min_participants`` participants (persons; default
        :data:`~impact.did.group_time.sites.MIN_SITE_PARTICIPANTS` = 30) or without a
        standard error are flagged (``reliable=False``, ``note``) with a
        :class:`~impact.errors.FewParticipantsWarning`.

        Examples
        --------
        >>> import warnings
        >>> from impact.data import simulate
        >>> from impact.did import att_gt
        >>> panel = simulate("unginvest", seed=1, scale=0.3).panel
        >>> with warnings.catch_warnings():
        ...     warnings.simplefilter("ignore")
        ...     res = att_gt(panel, outcome="neet", unit="person_id", time="year",
        ...                  cohort="enrol_year", cluster="municipality")
        ...     sites = res.aggregate("site", by="municipality", data=panel)
        >>> int(sites.table["n_participants"].sum())
        285
        """
        if kind == "site":
            if by is None or data is None:
                raise DesignError(
                    "aggregate('site') needs by=<site column> and data=<the frame given to "
                    "att_gt>, e.g. res.aggregate('site', by='municipality', data=panel)."
                )
            fields = site_effects(
                self,
                site_labels(self, by, data),
                max_e=max_e,
                min_participants=min_participants,
            )
            pooled = aggregate(self, "simple", max_e=max_e, n_boot=0)
            result = SiteEffectsResult(
                by=by,
                att=pooled["att"],
                se=pooled["se"],
                ci=pooled["ci"],
                settings=self.settings,
                outcome=self.outcome,
                **fields,
            )
            _warn_unreliable(result)
            return result
        with single_threaded_blas():
            agg = aggregate(
                self, kind, min_e=min_e, max_e=max_e, balance_e=balance_e, n_boot=n_boot, seed=seed
            )
        return AggregateResult(**agg)

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Every cohort's ATT(g, t) over calendar time on one Axes, with pointwise intervals.

        One colour per cohort (labelled in the legend), cohorts offset a little within a
        period so that intervals do not overlap; filled markers are post-treatment cells,
        open markers pre-treatment (placebo) cells. Draws on ``ax`` when given, else on a new
        figure; returns the Axes. (Before the contract this drew one panel per cohort and
        returned the Figure; :func:`impact.report.figures.group_time_plot` draws those small
        multiples from the bundle's ``att_gt`` table.)
        """
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots(figsize=(7, 4))
        t = self.table
        cohorts = t["cohort"].unique()
        offsets = (np.arange(len(cohorts)) - (len(cohorts) - 1) / 2) * (0.6 / len(cohorts))
        for i, g in enumerate(cohorts):
            d = t[t["cohort"] == g]
            colour = f"C{i % 10}"
            label: str | None = f"cohort {g:g}"
            for post in (True, False):
                s = d[d["post"] == post]
                if s.empty:
                    continue
                ax.errorbar(
                    s["time"] + offsets[i],
                    s["att"],
                    yerr=[s["att"] - s["ci_lower"], s["ci_upper"] - s["att"]],
                    fmt="o",
                    color=colour,
                    mfc=colour if post else "white",
                    capsize=2,
                    label=label,
                )
                label = None
        ax.axhline(0.0, color="black", linewidth=0.8)
        ax.set_xlabel("period")
        ax.set_ylabel(f"ATT(g, t) on {self.outcome}")
        ax.set_title("ATT(g, t) by cohort (open markers: pre-treatment)")
        ax.legend(loc="best", fontsize="small")
        return ax


def _warn_unreliable(result: SiteEffectsResult) -> None:
    import warnings

    from impact.errors import FewParticipantsWarning

    t = result.table
    bad = t.loc[~t["reliable"]]
    if len(bad):
        listed = ", ".join(f"{s} ({n})" for s, n in zip(bad["site"], bad["n_participants"]))
        warnings.warn(
            f"{len(bad)} of {len(t)} sites of {result.by!r} have too few participants (or no "
            f"standard error) to estimate: {listed}. Their rows are flagged reliable=False; "
            "do not count, rank or pool them as if they were estimated.",
            FewParticipantsWarning,
            stacklevel=3,
        )


@dataclass(frozen=True, eq=False)
class AggregateResult(EstimateResult):
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
        ci_lower, ci_upper`` (and ``cband_lower, cband_upper`` when bootstrapped), at the
        fitted ``1 - alpha``; :meth:`to_frame` gives them at any level.
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

    def _band_crit(self, level: float) -> float:
        """Critical value of the uniform band at ``level`` (NaN without bootstrap draws)."""
        if is_fitted_level(level, self.settings.alpha) or self.draws is None:
            return self.crit
        n_levels = len(self.table)
        se = self.table["se"].to_numpy(dtype=float)
        ok = np.isfinite(se)
        if not n_levels or not ok.any():
            return float("nan")
        t_max = np.max(np.abs(self.draws[:, :n_levels][:, ok]) / se[ok], axis=1)
        return float(np.quantile(t_max, level, method="inverted_cdf"))

    def interval(self, *, level: float = 0.95) -> tuple[float, float]:
        """The overall effect's interval at ``level`` (:attr:`ci` at the fitted level)."""
        if is_fitted_level(level, self.settings.alpha):
            return self.ci
        z = normal_crit(1.0 - level)
        return (self.att - z * self.se, self.att + z * self.se)

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """Tidy frame: one row per level, then the overall effect (``is_overall``).

        Columns: ``outcome, kind``, the level's identifier (``event_time``, ``cohort`` or
        ``time``; none for ``simple``, NaN on the overall row), ``estimate, se, ci_lower,
        ci_upper``, ``att`` (equal to ``estimate``, for readers of R ``did``), ``cband_lower,
        cband_upper`` when bootstrapped (NaN on the overall row), ``is_overall``. Pointwise
        intervals are normal (``estimate -/+ z * se``); the uniform band's critical value is
        the ``level`` quantile of the bootstrap's ``max |t|``, recomputed from the stored
        draws. At the fitted level (``1 - alpha``) every number is the stored one.
        """
        fitted = is_fitted_level(level, self.settings.alpha)
        t = self.table
        est = np.r_[t["att"].to_numpy(dtype=float), self.att]
        se = np.r_[t["se"].to_numpy(dtype=float), self.se]
        lo, hi = self.interval(level=level)
        if fitted:
            lower = np.r_[t["ci_lower"].to_numpy(dtype=float), lo]
            upper = np.r_[t["ci_upper"].to_numpy(dtype=float), hi]
        else:
            z = normal_crit(1.0 - level)
            lower = np.r_[est[:-1] - z * se[:-1], lo]
            upper = np.r_[est[:-1] + z * se[:-1], hi]
        out = pd.DataFrame({"outcome": self.outcome, "kind": self.kind}, index=range(len(est)))
        if self.kind != "simple":
            out[self.level_name] = np.r_[t[self.level_name].to_numpy(dtype=float), np.nan]
        out["estimate"] = est
        out["se"] = se
        out["ci_lower"] = lower
        out["ci_upper"] = upper
        out["att"] = est
        if "cband_lower" in t:
            if fitted:
                band_lo, band_hi = t["cband_lower"].to_numpy(), t["cband_upper"].to_numpy()
            else:
                crit = self._band_crit(level)
                band_lo, band_hi = est[:-1] - crit * se[:-1], est[:-1] + crit * se[:-1]
            out["cband_lower"] = np.r_[band_lo, np.nan]
            out["cband_upper"] = np.r_[band_hi, np.nan]
        out["is_overall"] = np.r_[np.zeros(len(t), dtype=bool), True]
        return out

    def headline(self, *, level: float = 0.95) -> pd.Series:
        """The overall effect at ``level`` as one row (see :func:`impact.compare`)."""
        s = self.settings
        return headline_row(
            estimator=f"att_gt {self.kind} ({s.method}, {s.control_group})",
            outcome=self.outcome,
            estimand=_ESTIMAND[self.kind],
            estimate=self.att,
            se=self.se,
            interval=self.interval(level=level),
            level=check_level(level),
            uncertainty="multiplier bootstrap" if self.draws is not None else "analytic",
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
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
