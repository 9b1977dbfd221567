"""The result of ``att_gt(...).aggregate("site", by=..., data=...)``: one effect per site."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from impact.did.intervals import is_fitted_level, normal_crit
from impact.effect import Effect
from impact.errors import DataError
from impact.results import EstimateResult, check_level, headline_row

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from impact.did.group_time.results import InferenceSettings

__all__ = ["SiteEffectsResult"]


@dataclass(frozen=True, eq=False)
class SiteEffectsResult(EstimateResult):
    """Effects per site among its participants, from the pooled group-time estimation.

    See :meth:`impact.did.GroupTimeResult.aggregate` (``kind="site"``) for the estimand.

    Attributes
    ----------
    by
        The site column.
    table
        One row per site with participants: ``site, n_participants`` (persons, i.e. treated
        units), ``weight`` (the site's share of participant-periods, the weights under which
        the site effects average to the ``"simple"`` aggregate), ``att, se, ci_lower,
        ci_upper`` (at the fitted ``1 - alpha``), ``reliable`` and ``note`` (why not).
    att, se, ci
        The pooled ``"simple"`` aggregate (all sites).
    influence
        Units x sites influence functions of the site effects (``theta_hat_s - theta_s ~
        mean_i psi_is``).
    clustering
        How the site SEs were clustered.
    """

    by: str
    table: pd.DataFrame
    att: float
    se: float
    ci: tuple[float, float]
    influence: np.ndarray = field(repr=False)
    clustering: str
    settings: InferenceSettings
    outcome: str

    @property
    def unreliable(self) -> tuple[Any, ...]:
        """Sites flagged ``reliable=False`` (too few participants or no standard error)."""
        t = self.table
        return tuple(t.loc[~t["reliable"], "site"])

    def summary(self) -> str:
        lo, hi = self.ci
        level = 100 * (1 - self.settings.alpha)
        t = self.table
        lines = [
            f"Site effects ({self.by}) for {self.outcome!r}: ATT among each site's participants, "
            "pooled comparison group",
            f"  pooled (simple): {self.att:.4f} (SE {self.se:.4f}; {level:g} % CI {lo:.4f} to "
            f"{hi:.4f}); {len(t)} sites, {int(t['n_participants'].sum())} participants; "
            f"SEs: analytic, {self.clustering}",
            t.to_string(index=False, float_format=lambda v: f"{v:.4f}"),
        ]
        if self.unreliable:
            lines.append(
                f"  {len(self.unreliable)} site(s) flagged unreliable (see note): do not count "
                "or rank them, and do not pool them without their flags"
            )
        return "\n".join(lines)

    def interval(self, *, level: float = 0.95) -> tuple[float, float]:
        if is_fitted_level(level, self.settings.alpha):
            return self.ci
        z = normal_crit(1.0 - level)
        return (self.att - z * self.se, self.att + z * self.se)

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """One row per site, then the pooled effect (``is_overall``).

        Columns: ``outcome, kind, site, estimate, se, ci_lower, ci_upper, att,
        n_participants, weight, reliable, note, is_overall`` (normal intervals at ``level``).
        """
        level = check_level(level)
        t = self.table
        z = normal_crit(1.0 - level)
        est = np.r_[t["att"].to_numpy(dtype=float), self.att]
        se = np.r_[t["se"].to_numpy(dtype=float), self.se]
        lo, hi = self.interval(level=level)
        out = pd.DataFrame({"outcome": self.outcome, "kind": "site"}, index=range(len(est)))
        out["site"] = list(t["site"]) + [None]
        out["estimate"] = est
        out["se"] = se
        out["ci_lower"] = np.r_[est[:-1] - z * se[:-1], lo]
        out["ci_upper"] = np.r_[est[:-1] + z * se[:-1], hi]
        out["att"] = est
        out["n_participants"] = np.r_[t["n_participants"].to_numpy(), t["n_participants"].sum()]
        out["weight"] = np.r_[t["weight"].to_numpy(dtype=float), 1.0]
        out["reliable"] = np.r_[t["reliable"].to_numpy(dtype=bool), True]
        out["note"] = list(t["note"]) + [""]
        out["is_overall"] = np.r_[np.zeros(len(t), dtype=bool), True]
        return out

    def headline(self, *, level: float = 0.95) -> pd.Series:
        s = self.settings
        return headline_row(
            estimator=f"att_gt site ({s.method}, {s.control_group})",
            outcome=self.outcome,
            estimand="ATT averaged over post-treatment group-time cells, weighted by cohort size",
            estimate=self.att,
            se=self.se,
            interval=self.interval(level=level),
            level=check_level(level),
            uncertainty="analytic",
        )

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Forest plot: one row per site (open markers: flagged unreliable), pooled line."""
        import matplotlib.pyplot as plt

        t = self.table
        if ax is None:
            _, ax = plt.subplots(figsize=(6, max(2.5, 0.25 * len(t) + 1)))
        y = np.arange(len(t))[::-1]
        for ok in (True, False):
            m = t["reliable"].to_numpy(dtype=bool) == ok
            if m.any():
                ax.errorbar(
                    t["att"][m],
                    y[m],
                    xerr=[(t["att"] - t["ci_lower"])[m], (t["ci_upper"] - t["att"])[m]],
                    fmt="o",
                    color="tab:blue" if ok else "tab:grey",
                    mfc="tab:blue" if ok else "white",
                    capsize=2,
                    label="site" if ok else "site (unreliable)",
                )
        ax.axvline(self.att, color="tab:red", linewidth=1, label="pooled (simple)")
        ax.axvline(0.0, color="black", linewidth=0.8)
        ax.set_yticks(y, [str(s) for s in t["site"]])
        ax.set_xlabel(f"ATT on {self.outcome}")
        ax.set_title(f"Effect among participants by {self.by}")
        ax.legend(loc="best", fontsize="small")
        return ax

    def effect(
        self,
        *,
        outcome: str | None = None,
        unit: str = "probability",
        n_draws: int = 4000,
        seed: int | np.random.Generator | None = None,
        population: str = "",
        site: Any = None,
    ) -> Effect:
        """The pooled effect (or ``site``'s) as an :class:`impact.Effect` (normal draws)."""
        name = outcome or self.outcome
        point, se = self.att, self.se
        if site is not None:
            row = self.table.loc[self.table["site"] == site]
            if row.empty:
                raise DataError(f"site={site!r} is not one of the sites of {self.by!r}.")
            if not bool(row["reliable"].iloc[0]):
                raise DataError(
                    f"site={site!r} is flagged unreliable ({row['note'].iloc[0]}); its effect "
                    "is not handed to the economics."
                )
            point, se = float(row["att"].iloc[0]), float(row["se"].iloc[0])
        return Effect.from_normal(
            point,
            se,
            outcome=name,
            unit=unit,
            n_draws=n_draws,
            seed=seed,
            population=population,
            estimator=f"att_gt({self.settings.method}) site {self.by}",
            metadata={"se": se, "uncertainty": "analytic", "kind": "site", "site": site},
        )
