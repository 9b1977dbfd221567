"""Prior and posterior predictive checks for the results of :mod:`impact.bayes`.

A predictive check compares test statistics of the observed data with their distribution
under data simulated from the prior (is the prior sensible before seeing the data?) or the
posterior (does the fitted model reproduce the data?). The posterior predictive p-value
``P(T(y_rep) >= T(y))`` near 0 or 1 flags a feature of the data the model misses
(Gelman et al., *Bayesian Data Analysis*, ch. 6).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

import arviz as az
import numpy as np
import pandas as pd
from matplotlib.axes import Axes

from impact.bayes.plots import new_axes
from impact.errors import DataError, DesignError
from impact.results import Diagnostic, check_level

Statistic = Callable[[np.ndarray], np.ndarray]


class _HasIData(Protocol):
    idata: az.InferenceData


@dataclass(frozen=True, eq=False)
class PredictiveCheck(Diagnostic):
    """Observed test statistics against their prior or posterior predictive distribution.

    A :class:`~impact.results.Diagnostic` with a picture (:meth:`plot`).

    Attributes
    ----------
    kind
        ``"prior"`` or ``"posterior"``.
    observed
        Observed value of each statistic.
    replicated
        Draws of each statistic under the predictive distribution (draws x statistics).
    names
        Statistic names.
    """

    kind: str
    names: tuple[str, ...]
    observed: np.ndarray
    replicated: np.ndarray

    def to_frame(self, *, level: float = 0.95) -> pd.DataFrame:
        """One row per statistic: observed, predictive mean, interval and p-value.

        Columns ``kind, statistic, observed, predictive_mean, ci_lower, ci_upper`` (the
        equal-tailed ``level`` interval of the predictive distribution) and ``p_value`` =
        P(T(y_rep) >= T(y)).
        """
        level = check_level(level)
        lo, hi = np.quantile(self.replicated, [(1 - level) / 2, (1 + level) / 2], axis=0)
        return pd.DataFrame(
            {
                "kind": self.kind,
                "statistic": list(self.names),
                "observed": self.observed,
                "predictive_mean": self.replicated.mean(axis=0),
                "ci_lower": lo,
                "ci_upper": hi,
                "p_value": (self.replicated >= self.observed[None, :]).mean(axis=0),
            }
        )

    def summary(self) -> str:
        """Plain text: the table plus a flag for extreme p-values (< 0.05 or > 0.95)."""
        table = self.to_frame()
        bad = table.loc[(table["p_value"] < 0.05) | (table["p_value"] > 0.95), "statistic"]
        verdict = (
            "no statistic in the tails"
            if bad.empty
            else "statistic(s) in the tails: " + ", ".join(bad)
        )
        return f"{self.kind.capitalize()} predictive check: {verdict}\n" + table.to_string(
            index=False, float_format=lambda x: f"{x:.4g}"
        )

    def plot(self, *, statistic: str | None = None, ax: Axes | None = None) -> Axes:
        """The check on one Axes (``ax``, or a new figure when ``None``), returned.

        ``statistic=None``: every statistic in one panel, standardised by its predictive
        distribution (``(T - mean) / sd``): a bar for the central 95 % of the replicated
        values and a dot for the observed value. ``statistic="name"``: that statistic's
        predictive histogram with the observed value marked.
        """
        if statistic is not None:
            if statistic not in self.names:
                raise DesignError(
                    f"statistic={statistic!r} is not in this check; use one of {list(self.names)}."
                )
            j = self.names.index(statistic)
            ax = new_axes(ax, height=3.0)
            ax.hist(self.replicated[:, j], bins=40, color="C0", alpha=0.7)
            ax.axvline(self.observed[j], color="C3", label="observed")
            ax.set_title(f"{self.kind.capitalize()} predictive check: {statistic}")
            ax.set_yticks([])
            ax.legend(fontsize="small")
            return ax
        ax = new_axes(ax, height=max(2.5, 0.5 * len(self.names) + 1.5))
        mean = self.replicated.mean(axis=0)
        sd = self.replicated.std(axis=0)
        sd = np.where(sd > 0, sd, 1.0)
        z = (self.replicated - mean) / sd
        lo, hi = np.quantile(z, [0.025, 0.975], axis=0)
        y = np.arange(len(self.names))[::-1].astype(float)
        ax.hlines(y, lo, hi, color="C0", linewidth=4, alpha=0.6, label="central 95 % predicted")
        ax.plot((self.observed - mean) / sd, y, "o", color="C3", label="observed")
        ax.axvline(0.0, color="0.3", linewidth=0.8)
        ax.set_yticks(y, list(self.names))
        ax.set_xlabel("standardised statistic ((T - predictive mean) / predictive sd)")
        ax.set_title(f"{self.kind.capitalize()} predictive check")
        ax.legend(loc="best", fontsize="small")
        return ax


def _statistics(result: _HasIData) -> tuple[dict[str, Statistic], np.ndarray]:
    """Default statistics and the observations for a result type."""
    y_obs = np.asarray(result.idata["observed_data"]["y"].values, dtype=float)
    design = getattr(result, "design", None)
    if design is None:  # partial pooling: the site estimates
        stats: dict[str, Statistic] = {
            "mean": lambda y: y.mean(axis=-1),
            "sd": lambda y: y.std(axis=-1),
            "min": lambda y: y.min(axis=-1),
            "max": lambda y: y.max(axis=-1),
        }
        return stats, y_obs
    n = design.trials.astype(float)
    t = design.treated == 1

    def rate(mask: np.ndarray) -> Statistic:
        return lambda y: y[..., mask].sum(axis=-1) / n[mask].sum()

    def spread(y: np.ndarray) -> np.ndarray:
        r = y / n
        m = (r * n).sum(axis=-1, keepdims=True) / n.sum()
        return np.sqrt((((r - m) ** 2) * n).sum(axis=-1) / n.sum())

    stats = {
        "rate (all cells)": rate(np.ones_like(t)),
        "rate (treated cells)": rate(t),
        "rate (untreated cells)": rate(~t),
        "sd of cell rates": spread,
    }
    return stats, y_obs


def predictive_check(
    result: _HasIData,
    *,
    kind: Literal["prior", "posterior"] = "posterior",
    statistics: dict[str, Statistic] | None = None,
) -> PredictiveCheck:
    """Prior or posterior predictive check of a result from :mod:`impact.bayes`.

    Parameters
    ----------
    result
        A :class:`~impact.bayes.PartialPoolingResult` or
        :class:`~impact.bayes.HierarchicalDiDResult` fitted with ``predictive=True`` (the
        default).
    kind
        ``"prior"`` uses the prior predictive draws, ``"posterior"`` the posterior
        predictive ones.
    statistics
        Test statistics ``name -> function(y) -> value`` applied along the last axis of
        the replicated data (draws x observations). Defaults: mean, sd, min and max of the
        site estimates (partial pooling); outcome rates in all, treated and untreated cells
        and the person-weighted sd of cell rates (hierarchical DiD).

    Returns
    -------
    PredictiveCheck
    """
    group = f"{kind}_predictive"
    if kind not in ("prior", "posterior"):
        raise DataError(f"kind={kind!r} is not 'prior' or 'posterior'.")
    if group not in result.idata.groups():
        raise DataError(
            f"the result has no {group!r} group; refit with predictive=True (and prior draws)."
        )
    defaults, y_obs = _statistics(result)
    stats = statistics if statistics is not None else defaults
    rep = np.asarray(result.idata[group]["y"].values, dtype=float)
    rep = rep.reshape(-1, rep.shape[-1])
    names = tuple(stats)
    observed = np.array([float(stats[s](y_obs[None, :])[0]) for s in names])
    replicated = np.column_stack([stats[s](rep) for s in names])
    return PredictiveCheck(kind=kind, names=names, observed=observed, replicated=replicated)
