"""The one input layer of :mod:`impact.did`: checks every DiD entry point shares.

:func:`impact.did.group_time.validation.validate_staggered_panel` (balanced panels),
:func:`impact.did.group_time.validation_rc.validate_repeated_sample` (unbalanced panels,
repeated cross-sections) and :func:`impact.did.panel.prepare_panel` (the two-way panel of
twfe, event_study, imputation, randomization_test, twfe_weights and the wild bootstrap)
all use these functions, so the same input gets the same verdict from every estimator:

- the data and column arguments (:func:`check_request`): a DataFrame (or a polars/pyarrow
  table), column names that are strings and exist, no duplicated column names, rows;
- values (:func:`numeric`, :func:`require_finite`, :func:`check_periods`,
  :func:`check_cohorts`, :func:`positive_weights`): numbers, no NaN/inf where an estimator
  reads, whole periods, cohorts that are whole, non-negative periods;
- one warning policy for cohorts outside the panel: after the last period they are used as
  never treated (:func:`recode_late`), in or before the first period they have no untreated
  pre-period and are dropped (:func:`treated_too_early`); both with an
  :class:`~impact.errors.ImpactWarning`;
- one few-clusters rule (:func:`check_clusters`, :func:`warn_few_clusters`): a single
  cluster is a :class:`~impact.errors.DesignError`, fewer than
  :data:`FEW_TREATED_CLUSTERS` treated clusters with analytic inference a
  :class:`~impact.errors.FewClustersWarning`;
- scale-free numerics (:func:`se_floor`): a standard error below ``10 sqrt(eps)`` times the
  outcome's scale is not estimable (NaN with a note), whatever the outcome's units.

Every check raises an :mod:`impact.errors` exception whose message names the column or
option, the value and the fix. Checks are vectorised (no per-unit Python loops).
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from impact.checks import as_dataframe, check_column, check_columns
from impact.errors import DataError, DesignError, FewClustersWarning, ImpactWarning

__all__ = [
    "FEW_TREATED_CLUSTERS",
    "SE_FLOOR",
    "check_clusters",
    "check_cohorts",
    "check_periods",
    "check_request",
    "numeric",
    "positive_weights",
    "recode_late",
    "require_finite",
    "se_floor",
    "show",
    "treated_too_early",
    "warn_few_clusters",
]

#: Fewer treated clusters than this and analytic cluster-robust inference is unreliable.
FEW_TREATED_CLUSTERS = 30

#: Relative cut-off: an SE below ``SE_FLOOR * scale of the outcome`` is numerically zero.
SE_FLOOR = 10.0 * float(np.sqrt(np.finfo(float).eps))


def show(value: object) -> str:
    """repr of a label without numpy's type wrapper (np.int64(3) -> 3)."""
    return repr(value.item() if isinstance(value, np.generic) else value)


def check_request(
    data: Any,
    columns: Mapping[str, Any],
    *,
    optional: Sequence[str] = (),
    covariates: Any = None,
) -> tuple[pd.DataFrame, tuple[str, ...]]:
    """The data frame and its column arguments, checked before any work starts.

    Parameters
    ----------
    data
        A pandas DataFrame (or polars/pyarrow table, converted once).
    columns
        Argument name -> column name (e.g. ``{"outcome": "y", "unit": "id"}``).
    optional
        Arguments that may be ``None``.
    covariates
        The ``covariates=`` argument (``None``, a name or a list of names).

    Returns
    -------
    tuple
        The DataFrame and the covariates as a tuple of names.

    Raises
    ------
    OptionError
        ``data`` is not a table, has duplicate column names, a column argument is not a
        string (e.g. ``outcome=["y"]``), covariates are named twice.
    DataError
        A named column is not in ``data``, or ``data`` has no rows.
    """
    frame = as_dataframe(data)
    for arg, col in columns.items():
        check_column(col, argument=arg, optional=arg in optional)
    covs = check_columns(covariates, argument="covariates")
    named = [(arg, col) for arg, col in columns.items() if col is not None]
    named += [(f"covariates[{i}]", c) for i, c in enumerate(covs)]
    missing = [f"{arg}={col!r}" for arg, col in named if col not in frame.columns]
    if missing:
        raise DataError(
            f"Column(s) {', '.join(missing)} not found in data; available columns: "
            f"{list(frame.columns)}. Pass the right column name(s)."
        )
    if len(frame) == 0:
        raise DataError("data has no rows.")
    return frame, covs


def numeric(data: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """The column as float64 (NaN for missing values); raise if it does not hold numbers."""
    s = data[column]
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=float, na_value=np.nan)
    if not pd.api.types.is_numeric_dtype(s.dtype):
        example = s.dropna().iloc[0] if s.notna().any() else None
        raise DataError(
            f"Column {column!r} ({what}) has dtype {s.dtype} (e.g. value {example!r}), expected "
            "numbers; convert it (e.g. pd.to_numeric or dummy columns for categories)."
        )
    return s.to_numpy(dtype=float, na_value=np.nan)


def require_finite(values: np.ndarray, column: str, what: str, fix: str) -> None:
    """Raise :class:`DataError` if ``values`` has NaN or infinite entries (``fix`` says what to do)."""
    bad = ~np.isfinite(values)
    if bad.any():
        raise DataError(
            f"Column {column!r} ({what}) has {int(bad.sum())} missing or infinite values "
            f"(of {len(values)} rows, e.g. row {int(np.argmax(bad))}); rows are never dropped "
            f"silently: {fix}."
        )


def check_periods(t: np.ndarray, time: str) -> None:
    """Periods must be finite whole numbers (years, months, quarters as integers)."""
    require_finite(t, time, "time", "drop or fill those rows first")
    frac = t != np.round(t)
    if frac.any():
        raise DataError(
            f"Column {time!r} (time) must hold integer periods, e.g. years; found "
            f"{t[frac][0]:g}. Code periods as whole numbers (e.g. 2017, or months as 1..12)."
        )


def check_cohorts(g: np.ndarray, cohort: str, *, never_treated: str = "units") -> None:
    """Cohorts (NaN already read as 0 = never treated) must be finite, whole and >= 0."""
    if g.dtype.kind in "iub":
        bad_neg = g < 0
        if bad_neg.any():
            _negative(g, bad_neg, cohort, never_treated)
        return
    if np.isinf(g).any():
        raise DataError(
            f"Column {cohort!r} (cohort) has infinite values; use the first treated period, "
            f"or 0 / missing for never-treated {never_treated}."
        )
    bad_neg = g < 0
    if bad_neg.any():
        _negative(g, bad_neg, cohort, never_treated)
    frac = g != np.floor(g)
    if frac.any():
        raise DataError(
            f"Column {cohort!r} (cohort) has fractional values (e.g. {g[frac][0]:g}, "
            f"{int(frac.sum())} rows); a cohort is the first treated period, a whole period "
            "on the same scale as the time column. Fix the adoption dates (e.g. round them "
            "to the period in which treatment starts)."
        )


def _negative(g: np.ndarray, bad: np.ndarray, cohort: str, never_treated: str) -> None:
    raise DataError(
        f"Column {cohort!r} (cohort) has negative values (e.g. {float(g[bad][0]):g}); "
        f"use the first treated period, or 0 / missing for never-treated {never_treated}."
    )


def recode_late(
    g: np.ndarray, t_max: float, cohort: str, *, what: str, stacklevel: int
) -> tuple[np.ndarray, int]:
    """Cohorts after the last period ``t_max`` are never treated within the data: recode to 0.

    Warns (one policy for every estimator) and returns the recoded cohorts and how many
    entries were recoded; ``what`` names the entries (``"units"``, ``"observations"``).
    """
    late = g > t_max
    n_late = int(late.sum())
    if n_late:
        cohorts = np.unique(g[late]).astype(float)
        warnings.warn(
            f"{n_late} {what} in {cohorts.size} cohort(s) of {cohort!r} (e.g. "
            f"{cohorts[0]:g}) are first treated after the last period {t_max:g}; they are "
            f"used as never-treated {what}.",
            ImpactWarning,
            stacklevel=stacklevel + 1,
        )
        g = np.where(late, 0, g)
    return g, n_late


def treated_too_early(
    g: np.ndarray, t_min: float, anticipation: int, cohort: str, *, what: str, stacklevel: int
) -> np.ndarray:
    """Mask of ``g`` treated in or before the first period ``t_min`` (allowing anticipation).

    They have no untreated pre-period and are dropped by the caller; warns if there are any,
    naming them ``what`` (``"units"``, ``"observations"``); ``stacklevel`` is the
    caller's own, as if it warned itself.
    """
    early = (g > 0) & (g - anticipation <= t_min)
    if early.any():
        warnings.warn(
            f"Dropped {int(early.sum())} {what} of {cohort!r} cohort(s) "
            f"{np.unique(g[early]).astype(float).tolist()}: treated in or before the first "
            f"period {t_min:g}"
            + (f" (allowing {anticipation} anticipation periods)" if anticipation else "")
            + ", so they have no untreated pre-period.",
            ImpactWarning,
            stacklevel=stacklevel + 1,
        )
    return early


def positive_weights(data: pd.DataFrame, weights: str) -> np.ndarray:
    """Per-row sampling weights; raise unless all are finite and positive."""
    w = numeric(data, weights, "weights")
    bad = ~np.isfinite(w) | (w <= 0)
    if bad.any():
        raise DataError(
            f"Column {weights!r} (weights) must be finite and positive; found "
            f"{int(bad.sum())} bad values (e.g. {w[bad][0]:g}). Drop those rows or fix "
            "the weights."
        )
    return w


def check_clusters(n_clusters: int, column: str) -> None:
    """A single cluster leaves no between-cluster variation to estimate uncertainty from."""
    if n_clusters < 2:
        raise DesignError(
            f"Column {column!r} (cluster) has a single cluster: cluster-robust standard "
            "errors, the bootstrap and randomization inference need at least two (and "
            "about 30 treated ones for analytic inference). Cluster at a finer level "
            "(e.g. cluster=None for the unit) or report the estimate without inference."
        )


def warn_few_clusters(
    n_treated: int, *, what: str, column: str | None, estimator: str, stacklevel: int
) -> None:
    """Warn when analytic inference rests on fewer than :data:`FEW_TREATED_CLUSTERS` treated clusters."""
    if n_treated < FEW_TREATED_CLUSTERS:
        where = f" (column {column!r})" if column is not None else ""
        warnings.warn(
            f"Only {n_treated} {what}{where} in {estimator}: analytic standard errors are "
            f"unreliable with fewer than about {FEW_TREATED_CLUSTERS} treated clusters. Prefer "
            "wild cluster bootstrap inference (twfe(...).wild_bootstrap(), impact.did.wild_bootstrap_scores) or "
            "impact.did.randomization_test().",
            FewClustersWarning,
            stacklevel=stacklevel + 1,
        )


def se_floor(y: np.ndarray) -> float:
    """Standard errors at or below this are numerically zero for outcome values ``y``.

    ``SE_FLOOR`` times the outcome's scale: its standard deviation, or for a units x periods
    matrix that of the changes from the first to the last period (which unit levels do not
    inflate; two columns suffice for an order of magnitude, all are read only if those do
    not change). Scale-free: multiplying the outcome by ``c`` multiplies the floor by ``c``.
    A constant outcome gives an infinite floor (no standard error is estimable).
    """
    if y.ndim == 2 and y.shape[1] > 1:
        s = float(np.std(y[:, -1] - y[:, 0]))
        if s == 0.0:
            s = float(np.std(y - y[:, :1])) or float(np.std(y))
    else:
        s = float(np.std(y))
    return SE_FLOOR * s if s > 0 else float("inf")
