"""Validation of repeated cross-sections and unbalanced panels for :func:`impact.did.att_gt`.

The counterpart of :func:`impact.did.validate_staggered_panel` when the data are not
a balanced panel. Observations stay in long form (one row per observation) and carry the
code of their *sampling unit*: the row itself for repeated cross-sections (``panel=False``),
the panel unit for an unbalanced panel (``allow_unbalanced_panel=True``), so influence
functions can be summed within sampling units as R ``did`` does. Errors name the column,
the offending value and the fix; nothing is dropped silently.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from impact.did.group_time.validation import (
    _check_request,
    _cluster_codes,
    _covariate,
    _outcome_time_cohort,
    _require_varying,
    _treated_too_early,
    _unit_period_counts,
)
from impact.did.inputs import numeric, positive_weights, recode_late, show
from impact.errors import DataError, DesignError, ImpactWarning

__all__ = ["RepeatedSample", "validate_repeated_sample"]

Structure = Literal["repeated_cross_section", "unbalanced_panel"]


@dataclass(frozen=True, eq=False)
class RepeatedSample:
    """Validated observations in long form.

    Attributes
    ----------
    structure
        ``"repeated_cross_section"`` (every row is its own sampling unit) or
        ``"unbalanced_panel"`` (rows of a unit share its sampling unit).
    periods
        Sorted period values.
    y, period_index, cohort
        Per observation: outcome, index into ``periods``, cohort (0 = never treated).
    x
        Covariates per observation (as observed in that period), or ``None``.
    weights
        Sampling weight per observation, or ``None``.
    sampling_unit
        Code ``0..n_units-1`` of each observation's sampling unit.
    unit_cohort, unit_weights, unit_cluster
        Per sampling unit: cohort, weight (ones if unweighted) and cluster code (or None).
    """

    structure: Structure
    periods: np.ndarray
    y: np.ndarray
    period_index: np.ndarray
    cohort: np.ndarray
    x: np.ndarray | None
    weights: np.ndarray | None
    sampling_unit: np.ndarray
    unit_cohort: np.ndarray
    unit_weights: np.ndarray
    unit_cluster: np.ndarray | None
    covariate_names: tuple[str, ...]
    outcome: str
    cohort_column: str

    @property
    def n_units(self) -> int:
        """Number of sampling units (rows for repeated cross-sections)."""
        return len(self.unit_cohort)

    @property
    def n_obs(self) -> int:
        return len(self.y)

    @property
    def cohorts(self) -> np.ndarray:
        return np.unique(self.unit_cohort[self.unit_cohort > 0])

    def subset(self, keep: np.ndarray, cohort: np.ndarray | None = None) -> RepeatedSample:
        """Keep the observations ``keep`` (optionally recoding cohorts); re-code units."""
        _, first, su = np.unique(self.sampling_unit[keep], return_index=True, return_inverse=True)
        g = (cohort if cohort is not None else self.cohort)[keep]
        rows = np.flatnonzero(keep)[first]
        unit_w = self.weights[rows] if self.weights is not None else np.ones(len(rows), dtype=float)
        cl = None
        if self.unit_cluster is not None:
            cl = np.unique(self.unit_cluster[self.sampling_unit[rows]], return_inverse=True)[1]
        periods_kept = np.unique(self.period_index[keep])
        return RepeatedSample(
            structure=self.structure,
            periods=self.periods[periods_kept],
            y=self.y[keep],
            period_index=np.searchsorted(periods_kept, self.period_index[keep]),
            cohort=g,
            x=self.x[keep] if self.x is not None else None,
            weights=self.weights[keep] if self.weights is not None else None,
            sampling_unit=su,
            unit_cohort=g[first],
            unit_weights=unit_w,
            unit_cluster=cl,
            covariate_names=self.covariate_names,
            outcome=self.outcome,
            cohort_column=self.cohort_column,
        )


def validate_repeated_sample(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str | None,
    time: str,
    cohort: str,
    structure: Structure,
    covariates: str | Sequence[str] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    anticipation: int = 0,
) -> RepeatedSample:
    """Validate long data for the repeated cross-section / unbalanced panel estimators.

    Raises
    ------
    DataError
        Missing columns or values (outcome, time, covariates, cluster), non-integer
        periods, negative cohorts, bad weights; for an unbalanced panel duplicate
        unit-period rows and a cohort, weight or cluster that varies within a unit (a
        unit whose cohort is missing in some rows only is reported as such); for
        repeated cross-sections a ``unit`` that repeats (the data are a panel).
    DesignError
        A single period; a constant covariate; no treated cohort left; a treated cohort
        without observations in some period (its ATT(g, t) would be undefined).
    """
    panel_like = structure == "unbalanced_panel"
    if panel_like and unit is None:
        raise DataError(
            "allow_unbalanced_panel=True needs unit= (the panel identifier); for repeated "
            "cross-sections without one pass panel=False."
        )
    data, covs = _check_request(
        data,
        {"outcome": outcome, "time": time, "cohort": cohort, "unit": unit, "weights": weights,
         "cluster": cluster},
        covariates,
        anticipation,
        optional=("unit", "weights", "cluster"),
    )  # fmt: skip
    y, t, g, periods = _outcome_time_cohort(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        drop_fix="drop those rows first",
        never_treated="observations",
    )
    ti = np.searchsorted(periods, t)

    if panel_like:
        assert unit is not None
        su, unit_ids, _, counts = _unit_period_counts(data[unit], t, periods)
        n_u = len(unit_ids)
        if counts.max() > 1:
            k = int(np.argmax(counts > 1))
            raise DataError(
                f"Duplicate rows for {unit}={show(unit_ids[k // len(periods)])}, "
                f"{time}={periods[k % len(periods)]:g}; keep one row per unit and period."
            )
    else:
        if unit is not None and data[unit].duplicated().any():
            dup = data[unit][data[unit].duplicated()].iloc[0]
            raise DataError(
                f"panel=False treats every row as its own observation, but {unit}="
                f"{show(dup)} appears in several rows: these are panel data. Use "
                "allow_unbalanced_panel=True (or a balanced panel), or pass unit=None if the "
                "labels do not identify the same unit over time."
            )
        su = np.arange(len(y), dtype=np.int64)
        n_u = len(y)
        unit_ids = None

    def per_unit(values: np.ndarray, column: str, what: str) -> np.ndarray:
        out = np.empty(n_u)
        out[su] = values
        differs = out[su] != values
        if differs.any():
            u = int(su[int(np.argmax(differs))])
            assert unit_ids is not None
            vals = np.unique(values[su == u])
            hint = "."
            if what == "cohort":
                g_u = numeric(data, cohort, "cohort")[su == u]  # as given: missing = NaN
                if np.isnan(g_u).any() and not np.isnan(g_u).all():
                    raise DataError(
                        f"Column {cohort!r} (cohort) is missing in some rows of "
                        f"{unit}={show(unit_ids[u])} but not in others (values "
                        f"{np.unique(g_u[~np.isnan(g_u)]).tolist()}); a "
                        "missing cohort means never treated, so fill the unit's cohort in "
                        "every row."
                    )
                hint = (
                    " (a unit is treated from one date on: use its first treated period in "
                    "every row)."
                )
            raise DataError(
                f"Column {column!r} ({what}) varies within {unit}={show(unit_ids[u])}: "
                f"values {vals.tolist()}. It must be constant within a unit" + hint
            )
        return out

    if panel_like:
        per_unit(g, cohort, "cohort")
    w = None
    if weights is not None:
        w = positive_weights(data, weights)
        if panel_like:
            per_unit(w, weights, "weights")
    unit_cl = None
    if cluster is not None:
        cl_rows = _cluster_codes(data, cluster)
        unit_cl = per_unit(cl_rows, cluster, "cluster") if panel_like else cl_rows
    x = None
    if covs:
        x = np.empty((len(y), len(covs)))
        for j, c in enumerate(covs):
            x[:, j] = _covariate(data, c)

    # cohorts outside the observed periods, as R's did does
    t_min, t_max = periods[0], periods[-1]
    g, _ = recode_late(g, t_max, cohort, what="observations", stacklevel=3)
    early = _treated_too_early(g, t_min, anticipation, cohort, what="observations", stacklevel=3)
    keep = ~early
    if not np.any(g[keep] > 0):
        raise DesignError(
            f"No treated cohort left in {cohort!r} (all observations are never-treated, or "
            "were treated before the first period); nothing to estimate."
        )
    sample = RepeatedSample(
        structure=structure,
        periods=periods,
        y=y,
        period_index=ti,
        cohort=g,
        x=x,
        weights=w,
        sampling_unit=su,
        unit_cohort=np.zeros(n_u),  # filled by subset()
        unit_weights=np.ones(n_u),
        unit_cluster=unit_cl.astype(np.int64) if unit_cl is not None else None,
        covariate_names=tuple(covs),
        outcome=outcome,
        cohort_column=cohort,
    ).subset(keep)
    if sample.x is not None:
        _require_varying(sample.x, covs)
    _check_cohort_coverage(sample, time)
    sizes = pd.Series(sample.unit_cohort[sample.unit_cohort > 0]).value_counts()
    single = sizes[sizes == 1]
    if len(single):
        warnings.warn(
            f"Cohort(s) {[float(v) for v in single.index]} of {cohort!r} have a single "
            "sampling unit: their group-time effects rest on it and their standard errors "
            "are unreliable. Consider merging adjacent cohorts.",
            ImpactWarning,
            stacklevel=3,
        )
    return sample


def _check_cohort_coverage(sample: RepeatedSample, time: str) -> None:
    """Every treated cohort needs observations in every period (each period enters a cell)."""
    cohorts = sample.cohorts
    code = np.searchsorted(cohorts, sample.cohort)
    treated = sample.cohort > 0
    counts = np.zeros((len(cohorts), len(sample.periods)), dtype=np.int64)
    np.add.at(counts, (code[treated], sample.period_index[treated]), 1)
    empty = np.argwhere(counts == 0)
    if len(empty):
        pairs = [
            f"{sample.cohort_column}={cohorts[i]:g} in {time}={sample.periods[j]:g}"
            for i, j in empty[:6]
        ]
        raise DesignError(
            f"No observations of {len(empty)} cohort-period pair(s) ({'; '.join(pairs)}"
            + ("; ..." if len(empty) > 6 else "")
            + "): the group-time ATTs that compare those cohorts in those periods are "
            "undefined. Drop those periods, merge the cohort with an adjacent one, or drop "
            "the cohort."
        )
