"""Validation and normalisation of a staggered-adoption panel.

Every staggered difference-in-differences estimator in :mod:`impact.did` starts here:
:func:`validate_staggered_panel` checks a long DataFrame (one row per unit and period)
and turns it into a :class:`StaggeredPanel` of numpy arrays (units x periods outcome
matrix, one cohort per unit, covariates, weights, cluster codes). Errors name the
column, the offending value and the fix; nothing is dropped silently.

Conventions (as R's ``did``):

- the cohort (group) of a unit is the first period in which it is treated; never-treated
  units have cohort ``0`` or a missing value;
- units treated in the first period (or earlier, allowing for anticipation) have no
  untreated pre-period and are dropped with a warning;
- units whose cohort lies after the last period are never observed treated and are
  recoded as never-treated, with a warning.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd

from impact.checks import check_count
from impact.did.inputs import (
    check_clusters,
    check_cohorts,
    check_periods,
    check_request,
    numeric,
    positive_weights,
    recode_late,
    require_finite,
    show,
    treated_too_early,
)
from impact.errors import DataError, DesignError, ImpactWarning

__all__ = [
    "StaggeredPanel",
    "check_control_group",
    "cohort_from_treatment",
    "last_cohort_as_comparison",
    "too_few_periods_before_last_cohort",
    "validate_staggered_panel",
]


@dataclass(frozen=True, eq=False)
class StaggeredPanel:
    """A validated balanced panel in array form.

    Attributes
    ----------
    unit_ids
        Unit labels, one per row of ``y`` (order of first appearance in the data).
    periods
        Sorted period values (columns of ``y``).
    y
        Outcome matrix, units x periods (float64).
    cohort
        Cohort per unit (float64; ``0`` = never treated).
    x
        Covariates, units x periods x covariates (float64), or ``None``.
    weights
        Sampling weight per unit (taken from the first period), or ``None``.
    cluster
        Integer cluster code per unit (``0..n_clusters-1``), or ``None``.
    covariate_names, outcome, unit, time, cohort_column
        Names from the input, for messages and tables.
    n_dropped_early
        Units dropped because they were treated in (or before) the first period.
    n_recoded_late
        Units recoded to never-treated because their cohort is after the last period.
    """

    unit_ids: np.ndarray
    periods: np.ndarray
    y: np.ndarray
    cohort: np.ndarray
    x: np.ndarray | None
    weights: np.ndarray | None
    cluster: np.ndarray | None
    covariate_names: tuple[str, ...]
    outcome: str
    unit: str
    time: str
    cohort_column: str
    n_dropped_early: int = 0
    n_recoded_late: int = 0

    @property
    def n_units(self) -> int:
        return int(self.y.shape[0])

    @property
    def n_periods(self) -> int:
        return int(self.y.shape[1])

    @property
    def cohorts(self) -> np.ndarray:
        """Sorted treated cohorts (excluding never-treated)."""
        return np.unique(self.cohort[self.cohort > 0])

    def to_long(self) -> pd.DataFrame:
        """Back to a tidy long frame (``unit, time, cohort, outcome`` and covariates)."""
        n, t = self.y.shape
        out = {
            self.unit: np.repeat(self.unit_ids, t),
            self.time: np.tile(self.periods, n),
            self.cohort_column: np.repeat(self.cohort, t),
            self.outcome: self.y.ravel(),
        }
        if self.x is not None:
            for j, name in enumerate(self.covariate_names):
                out[name] = self.x[:, :, j].ravel()
        return pd.DataFrame(out)


def _sorted_balanced_units(
    units: pd.Series, t_long: np.ndarray, periods: np.ndarray
) -> tuple[np.ndarray, bool]:
    """Unit ids and True if rows are sorted by unit then period, balanced, without duplicates.

    A cheap check for the common layout that lets validation reshape instead of hashing.
    """
    n_t = len(periods)
    if len(t_long) % n_t:
        return np.empty(0), False
    n = len(t_long) // n_t
    if not (t_long.reshape(n, n_t) == periods[None, :]).all():
        return np.empty(0), False
    u = units.to_numpy().reshape(n, n_t)
    first = u[:, 0]
    if not (u == first[:, None]).all():
        return np.empty(0), False
    # ids in increasing order (the usual layout) are unique without hashing them
    increasing = first.dtype.kind in "iuf" and bool(np.all(first[1:] > first[:-1]))
    if not increasing and not pd.Index(first).is_unique:
        return np.empty(0), False
    return first, True


def _unit_period_counts(
    units: pd.Series, t: np.ndarray, periods: np.ndarray
) -> tuple[np.ndarray, pd.Index, np.ndarray, np.ndarray]:
    """Rows per unit-period pair, for duplicate and balance checks.

    Returns
    -------
    tuple
        Unit code per row, unit labels (order of first appearance), the row's unit-period
        key ``code * n_periods + period index`` and the number of rows per key.
    """
    codes_, unit_ids = pd.factorize(units, sort=False)
    codes = np.asarray(codes_, dtype=np.int64)
    key = codes * len(periods) + np.searchsorted(periods, t)
    counts = np.bincount(key, minlength=len(unit_ids) * len(periods))
    return codes, unit_ids, key, counts


def _as_list(cols: str | Sequence[str] | None) -> list[str]:
    if cols is None:
        return []
    if isinstance(cols, str):
        return [cols]
    return list(cols)


def _numpy_integers(data: pd.DataFrame, column: str) -> bool:
    """True if the column is a numpy integer (or bool) column: no missing values, no fractions."""
    dtype = data[column].dtype
    return isinstance(dtype, np.dtype) and dtype.kind in "iub"


def _distinct_periods(data: pd.DataFrame, time: str, t: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``t`` (the ``time`` column as float64).

    Integer periods over a short range (years, months) are counted rather than hashed.
    """
    if _numpy_integers(data, time):
        ti = data[time].to_numpy()
        lo, hi = int(ti.min()), int(ti.max())
        if hi - lo < len(ti):
            present = np.bincount(ti - lo, minlength=hi - lo + 1) > 0
            return (lo + np.flatnonzero(present)).astype(float)
    return np.sort(pd.unique(t))


def _check_request(
    data: object,
    columns: dict[str, str | None],
    covariates: str | Sequence[str] | None,
    anticipation: object,
    *,
    optional: Sequence[str] = (),
) -> tuple[pd.DataFrame, list[str]]:
    """The data frame and covariates, after the input layer's checks of the request.

    Raises if ``data`` is not a table, a column argument is not a string or not in
    ``data``, ``data`` is empty or ``anticipation`` is not a whole number >= 0.
    """
    frame, covs = check_request(data, columns, optional=optional, covariates=covariates)
    check_count(anticipation, argument="anticipation", minimum=0)
    return frame, list(covs)


def _outcome_time_cohort(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str | None,
    time: str,
    cohort: str,
    drop_fix: str,
    never_treated: str,
    integer_views: bool = False,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Validated per-row outcome, period and cohort, and the sorted periods.

    Checks that ``unit`` (if given) and ``time`` have no missing values, the outcome is
    finite, periods are integers (two or more of them) and cohorts are non-negative
    (missing = never treated = 0).

    Parameters
    ----------
    drop_fix
        What the user may drop instead of imputing a missing outcome (the message ends
        "impute them or <drop_fix>.").
    never_treated
        What is never treated, in the negative-cohort message (``"units"``,
        ``"observations"``).
    integer_views
        Return numpy integer ``time`` and ``cohort`` columns as they are (views, same
        values) instead of float64 copies: for callers that only compare them.

    Returns
    -------
    tuple of numpy.ndarray
        Outcome, period and cohort per row (float64, or the integer columns themselves with
        ``integer_views``), and the sorted distinct periods (float64).
    """
    for col, what in ((unit, "unit"), (time, "time")):
        if col is None or _numpy_integers(data, col):
            continue
        n_na = int(data[col].isna().sum())
        if n_na:
            raise DataError(
                f"Column {col!r} ({what}) has {n_na} missing values; drop or fill those rows first."
            )
    y = numeric(data, outcome, "outcome")
    require_finite(y, outcome, "outcome", f"impute them or {drop_fix}")
    if _numpy_integers(data, time):
        t = data[time].to_numpy() if integer_views else numeric(data, time, "time")
    else:
        t = numeric(data, time, "time")
        check_periods(t, time)
    if _numpy_integers(data, cohort):
        g = data[cohort].to_numpy() if integer_views else numeric(data, cohort, "cohort")
    else:
        g = numeric(data, cohort, "cohort")
        g = np.where(np.isnan(g), 0.0, g)
    check_cohorts(g, cohort, never_treated=never_treated)
    periods = _distinct_periods(data, time, t)
    if len(periods) < 2:
        raise DesignError(
            f"Column {time!r} has a single period ({periods[0]:g}); DiD needs two or more."
        )
    return y, t, g, periods


def _cluster_codes(data: pd.DataFrame, cluster: str) -> np.ndarray:
    """Per-row cluster codes ``0..G-1`` (sorted labels, as float64); raise on missing values."""
    if data[cluster].isna().any():
        raise DataError(
            f"Column {cluster!r} (cluster) has {int(data[cluster].isna().sum())} missing "
            "values; fill them (every observation needs its cluster) or drop those rows."
        )
    codes = np.asarray(pd.factorize(data[cluster], sort=True)[0])
    check_clusters(int(codes.max()) + 1, cluster)
    return codes.astype(float)


def _covariate(data: pd.DataFrame, column: str) -> np.ndarray:
    """Per-row covariate values; raise if any is missing or the column is constant."""
    xv = numeric(data, column, "covariate")
    if not np.all(np.isfinite(xv)):
        raise DataError(
            f"Covariate {column!r} has {int((~np.isfinite(xv)).sum())} missing values; "
            "impute them or drop the covariate."
        )
    if np.ptp(xv) == 0:
        raise DesignError(
            f"Covariate {column!r} is constant (value {xv[0]:g}); it is collinear with the "
            "intercept: drop it from covariates."
        )
    return xv


def _require_varying(x: np.ndarray, covariates: Sequence[str]) -> None:
    """Raise if a covariate (last axis of ``x``) is constant among the rows kept."""
    for j, c in enumerate(covariates):
        if np.ptp(x[..., j]) == 0:
            raise DesignError(f"Covariate {c!r} is constant; drop it from covariates.")


def _treated_too_early(
    g: np.ndarray, t_min: float, anticipation: int, cohort: str, *, what: str, stacklevel: int
) -> np.ndarray:
    """See :func:`impact.did.inputs.treated_too_early` (the one policy of every estimator)."""
    return treated_too_early(g, t_min, anticipation, cohort, what=what, stacklevel=stacklevel + 1)


def validate_staggered_panel(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    covariates: str | Sequence[str] | None = None,
    weights: str | None = None,
    cluster: str | None = None,
    anticipation: int = 0,
    balance_panel: bool = False,
) -> StaggeredPanel:
    """Validate a long staggered-adoption panel and return it in array form.

    Parameters
    ----------
    data
        One row per unit and period. Not modified.
    outcome, unit, time, cohort
        Column names. ``cohort`` is the first treated period (0 or missing = never treated).
    covariates
        Numeric covariate columns (may vary over time; estimators pick the base period).
    weights
        Sampling-weight column; must be positive and constant within a unit.
    cluster
        Cluster column (e.g. municipality or county); must be constant within a unit.
    anticipation
        Number of periods before the cohort date in which units may already react.
    balance_panel
        If True, units not observed in every period are dropped with a warning (as R
        ``did`` does for panel data); if False (default) an unbalanced panel is an error.

    Returns
    -------
    StaggeredPanel

    Raises
    ------
    DataError
        Missing columns, missing values, duplicate unit-period rows, an unbalanced
        panel, a cohort, weight or cluster that varies within a unit.
    DesignError
        No treated cohort is left, or a covariate is constant.
    """
    data, covs = _check_request(
        data,
        {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort, "weights": weights,
         "cluster": cluster},
        covariates,
        anticipation,
        optional=("weights", "cluster"),
    )  # fmt: skip
    y_long, t_long, g_long, periods = _outcome_time_cohort(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        drop_fix="drop the affected units so the panel stays balanced",
        never_treated="units",
        integer_views=True,  # no float64 copies of 10M-row columns only compared here
    )
    n_t = len(periods)
    unit_ids, in_order = _sorted_balanced_units(data[unit], t_long, periods)
    ui = np.empty(0, dtype=np.intp)
    key = np.empty(0, dtype=np.int64)
    if not in_order:
        ui, unit_ids, key, counts = _unit_period_counts(data[unit], t_long, periods)
        n = len(unit_ids)
        if counts.max() > 1:
            k = int(np.argmax(counts > 1))
            raise DataError(
                f"Duplicate rows for {unit}={show(unit_ids[k // n_t])}, "
                f"{time}={periods[k % n_t]:g} ({int((counts > 1).sum())} unit-period pairs are "
                "duplicated); keep one row per unit and period (aggregate or deduplicate first)."
            )
        if counts.min() == 0:
            k = int(np.argmin(counts))
            n_missing = int((counts == 0).sum())
            complete = counts.reshape(n, n_t).min(axis=1) > 0
            if balance_panel:
                warnings.warn(
                    f"The panel is unbalanced: dropped {int((~complete).sum())} of {n} units "
                    f"({unit}) not observed in every period ({n_missing} unit-period rows "
                    "missing); estimates refer to the units observed throughout.",
                    ImpactWarning,
                    stacklevel=2,
                )
                kept = data[data[unit].isin(unit_ids[complete])]
                return validate_staggered_panel(
                    kept,
                    outcome=outcome,
                    unit=unit,
                    time=time,
                    cohort=cohort,
                    covariates=covariates,
                    weights=weights,
                    cluster=cluster,
                    anticipation=anticipation,
                )
            raise DataError(
                f"The panel is unbalanced: {n_missing} unit-period rows are missing (e.g. "
                f"{unit}={show(unit_ids[k // n_t])}, {time}={periods[k % n_t]:g}; "
                f"{int((~complete).sum())} of {n} units incomplete). Either pass "
                "balance_panel=True to drop the incomplete units, or "
                "allow_unbalanced_panel=True (att_gt) to keep every observation with the "
                "unbalanced-panel estimators."
            )
    n = len(unit_ids)
    y: np.ndarray
    if in_order:  # rows sorted by unit then period (the usual layout): reshape, no scatter
        y = y_long.reshape(n, n_t)
    else:
        y = np.empty(n * n_t)
        y[key] = y_long
        y = y.reshape(n, n_t)

    def per_unit(values: np.ndarray, column: str, what: str) -> np.ndarray:
        if in_order:
            v2 = values.reshape(n, n_t)
            out = v2[:, 0].copy()
            if not (v2 == out[:, None]).all():
                differs = (v2 != out[:, None]).ravel()
            else:
                return out
        else:
            out = np.empty(n)
            out[ui] = values
            differs = out[ui] != values
        if differs.any():
            pos = int(np.argmax(differs))
            u = pos // n_t if in_order else int(ui[pos])
            vals = np.unique(values[u * n_t : (u + 1) * n_t] if in_order else values[ui == u])
            vals = vals.astype(float)  # an integer cohort column is shown as floats, as always
            raise DataError(
                f"Column {column!r} ({what}) varies within {unit}={show(unit_ids[u])}: values "
                f"{vals.tolist()}. It must be constant within a unit"
                + (
                    " (a unit is treated from one date on; if treatment switches off or a unit "
                    "is treated twice, the staggered design does not apply: use the first "
                    "treated period, or drop such units)."
                    if what == "cohort"
                    else "."
                )
            )
        return out

    g = per_unit(g_long, cohort, "cohort").astype(float)
    w = None
    if weights is not None:
        w = per_unit(positive_weights(data, weights), weights, "weights")
    cl = None
    if cluster is not None:
        cl = per_unit(_cluster_codes(data, cluster), cluster, "cluster").astype(np.int64)
    x: np.ndarray | None = None
    if covs:
        x = np.empty((n * n_t, len(covs)))
        for j, c in enumerate(covs):
            if in_order:
                x[:, j] = _covariate(data, c)
            else:
                x[key, j] = _covariate(data, c)
        x = x.reshape(n, n_t, len(covs))

    # cohorts outside the panel, as R's did does
    t_min, t_max = periods[0], periods[-1]
    g, n_late = recode_late(g, t_max, cohort, what="units", stacklevel=2)
    early = _treated_too_early(g, t_min, anticipation, cohort, what="units", stacklevel=2)
    if early.any():
        keep = ~early
        y, g, unit_ids = y[keep], g[keep], unit_ids[keep]
        x = x[keep] if x is not None else None
        w = w[keep] if w is not None else None
        cl = cl[keep] if cl is not None else None
    if not np.any(g > 0):
        raise DesignError(
            f"No treated cohort left in {cohort!r} (all units are never-treated, or were "
            "treated before the first period); nothing to estimate."
        )
    if x is not None:
        _require_varying(x, covs)
    sizes = pd.Series(g[g > 0]).value_counts()
    single = sizes[sizes == 1]
    if len(single):
        warnings.warn(
            f"Cohort(s) {[float(v) for v in single.index]} of {cohort!r} have a single unit: "
            "their group-time effects rest on one unit and their standard errors are "
            "unreliable. Consider merging adjacent cohorts.",
            ImpactWarning,
            stacklevel=2,
        )
    return StaggeredPanel(
        unit_ids=np.asarray(unit_ids),
        periods=periods,
        y=y,
        cohort=g,
        x=x,
        weights=w,
        cluster=cl,
        covariate_names=tuple(covs),
        outcome=outcome,
        unit=unit,
        time=time,
        cohort_column=cohort,
        n_dropped_early=int(early.sum()),
        n_recoded_late=n_late,
    )


class _Cohorts(Protocol):
    """What :func:`check_control_group` reads: per-row/unit cohorts and their column name."""

    @property
    def cohort(self) -> np.ndarray: ...
    @property
    def cohort_column(self) -> str: ...
    @property
    def cohorts(self) -> np.ndarray: ...


def check_control_group(panel: _Cohorts, control_group: str) -> None:
    """Raise :class:`DesignError` if the panel has no units for the chosen comparison group."""
    if control_group not in ("never_treated", "not_yet_treated"):
        raise DesignError(
            f"control_group={control_group!r} is not one of 'never_treated', 'not_yet_treated'."
        )
    has_never = bool(np.any(panel.cohort == 0))
    if control_group == "never_treated" and not has_never:
        raise DesignError(
            f"control_group='never_treated' but no unit has {panel.cohort_column!r} = 0 or "
            "missing (every unit is eventually treated). Use control_group='not_yet_treated'."
        )
    if control_group == "not_yet_treated" and not has_never and panel.cohorts.size < 2:
        raise DesignError(
            "control_group='not_yet_treated' but there are no never-treated units and a single "
            f"cohort ({panel.cohorts[0]:g}): no unit is ever an untreated comparison. The design "
            "cannot identify an effect without a comparison group."
        )


def last_cohort_as_comparison(design: _Cohorts, anticipation: int) -> tuple[float, np.ndarray, str]:
    """Without never-treated units: the last cohort becomes the comparison group (as R did).

    The caller keeps only the periods before ``g_max - anticipation``; if fewer than two
    are left it raises :func:`too_few_periods_before_last_cohort`.

    Returns
    -------
    tuple
        The last cohort ``g_max``, the cohorts with ``g_max`` recoded to 0 (never treated)
        and a note for the results saying so.
    """
    g_max = design.cohorts.max()
    cohort = np.where(design.cohort == g_max, 0.0, design.cohort)
    note = (
        f"No never-treated units: periods from {g_max - anticipation:g} on are dropped and "
        f"cohort {g_max:g} serves as the not-yet-treated comparison group (as R did)."
    )
    return g_max, cohort, note


def too_few_periods_before_last_cohort(g_max: float) -> DesignError:
    """The error when the last cohort as comparison group leaves nothing to estimate."""
    return DesignError(
        "control_group='not_yet_treated' without never-treated units leaves too few periods "
        f"before the last cohort ({g_max:g}) to estimate anything."
    )


def cohort_from_treatment(
    data: pd.DataFrame, *, unit: str, time: str, treatment: str, name: str = "cohort"
) -> pd.DataFrame:
    """Return a copy of ``data`` with a cohort column derived from a 0/1 treatment indicator.

    The cohort is the first period with ``treatment == 1`` (0 if never treated).

    Raises
    ------
    DataError
        If the treatment switches off (1 followed by 0 for a unit): the staggered design
        assumes treatment is absorbing.
    """
    for c in (unit, time, treatment):
        if c not in data.columns:
            raise DataError(f"Column {c!r} not found in data; available: {list(data.columns)}.")
    d = data[[unit, time, treatment]].sort_values([unit, time])
    tr = d[treatment].to_numpy(dtype=float, na_value=np.nan)
    if np.isnan(tr).any() or not np.isin(tr, (0.0, 1.0)).all():
        raise DataError(f"Column {treatment!r} (treatment) must be 0/1 without missing values.")
    prev = d.groupby(unit, sort=False)[treatment].shift(1).to_numpy(dtype=float, na_value=0.0)
    off = (prev == 1) & (tr == 0)
    if off.any():
        row = d.iloc[int(np.argmax(off))]
        raise DataError(
            f"Treatment {treatment!r} switches off for {unit}={show(row[unit])} at "
            f"{time}={show(row[time])} (1 then 0). Staggered DiD assumes treatment stays on; "
            "drop such units or define the cohort as the first treated period yourself."
        )
    first = d[d[treatment] == 1].groupby(unit)[time].min()
    out = data.copy()
    out[name] = out[unit].map(first).fillna(0)
    return out
