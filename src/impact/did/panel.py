"""The two-way panel shared by the TWFE, event-study, imputation and few-cluster estimators.

:func:`prepare_panel` validates a unit x period panel (balanced or not) and encodes it into
standard internal columns (:class:`PanelData`); :func:`fit_panel_ols` is the one regression
with unit and time effects and fixest-style CR1 cluster-robust covariance;
:func:`residualize_two_way` partials unit and time effects out of any columns. The
Callaway-Sant'Anna family has its own, stricter validation in
:mod:`impact.did.group_time.validation`.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from impact.errors import DataError, DesignError, FewClustersWarning

#: Fewer treated clusters than this and analytic cluster-robust inference is unreliable.
FEW_TREATED_CLUSTERS = 30


@dataclass(frozen=True)
class PanelData:
    """A validated copy of the user's panel with standardised internal columns.

    Columns of ``frame``: ``_y`` (outcome, float), ``_unit``, ``_time`` (int), ``_cohort``
    (int, 0 = never treated within the panel), ``_d`` (0/1 treated), ``_event`` (time -
    cohort, NaN for never treated), ``_cluster`` (int codes), ``_w`` (weights, 1 if none)
    and the covariates under their own names.
    """

    frame: pd.DataFrame
    outcome: str
    unit: str
    time: str
    cluster: str
    covariates: tuple[str, ...]
    weighted: bool

    @property
    def n_clusters(self) -> int:
        return int(self.frame["_cluster"].nunique())

    @property
    def n_treated_clusters(self) -> int:
        f = self.frame
        return int(f.loc[f["_cohort"] > 0, "_cluster"].nunique())

    @property
    def units_nested_in_clusters(self) -> bool:
        return bool((self.frame.groupby("_unit")["_cluster"].nunique() == 1).all())

    def n_parameters(self, n_regressors: int) -> int:
        """``K`` of the CR1 factor ``(N-1)/(N-K)``, counted as R ``fixest`` does by default.

        The regressors, the time effects less one, and the unit effects: all of them when
        units are not nested in the clusters, one when they are (``fixef.K = "nested"``
        still counts the level the nested effects absorb; the HonestDiD README's numbers,
        computed from a fixest covariance, pin this down in tests/did/honest/test_honest.py).
        """
        k = n_regressors + self.frame["_time"].nunique() - 1
        return k + (1 if self.units_nested_in_clusters else self.frame["_unit"].nunique())


def _require_columns(data: pd.DataFrame, columns: dict[str, str | None]) -> None:
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"data must be a pandas DataFrame, got {type(data).__name__}.")
    missing = [
        f"{arg}={col!r}" for arg, col in columns.items() if col is not None and col not in data
    ]
    if missing:
        raise DataError(
            f"Column(s) {', '.join(missing)} not found in data; available columns: "
            f"{list(data.columns)}. Pass the right column name."
        )


def _numeric(data: pd.DataFrame, col: str, role: str) -> pd.Series:
    s = data[col]
    if pd.api.types.is_bool_dtype(s):
        s = s.astype(float)
    if not pd.api.types.is_numeric_dtype(s):
        raise DataError(
            f"The {role} column {col!r} has dtype {s.dtype} (e.g. value {s.iloc[0]!r}); it must "
            "be numeric. Convert it (e.g. with pd.to_numeric) or pass another column."
        )
    s = s.astype(float)
    n_bad = int((~np.isfinite(s.to_numpy())).sum())
    if n_bad:
        raise DataError(
            f"The {role} column {col!r} has {n_bad} missing or infinite value(s); drop or "
            "impute those rows before estimating."
        )
    return s


def prepare_panel(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str | None = None,
    treatment: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    covariates: Sequence[str] | None = None,
) -> PanelData:
    """Validate a unit-by-period panel and return a standardised copy (input is not mutated).

    Raises :class:`~impact.errors.DataError` for missing columns, a non-numeric outcome,
    duplicate unit-period rows, a unit with two adoption dates, treatment that switches
    off, and negative or missing weights.
    """
    covs = tuple(covariates or ())
    if isinstance(covariates, str):
        covs = (covariates,)
    roles: dict[str, str | None] = {
        "outcome": outcome,
        "unit": unit,
        "time": time,
        "cohort": cohort,
        "treatment": treatment,
        "cluster": cluster,
        "weights": weights,
    }
    roles.update({f"covariates[{i}]": c for i, c in enumerate(covs)})
    _require_columns(data, roles)
    if cohort is None and treatment is None:
        raise DesignError(
            "Neither cohort= nor treatment= was given; pass the adoption-date column "
            "(cohort, 0 or missing = never treated) or a 0/1 treatment column."
        )
    if data[unit].isna().any() or data[time].isna().any():
        raise DataError(f"The unit column {unit!r} or time column {time!r} has missing values.")
    y = _numeric(data, outcome, "outcome")
    t = _numeric(data, time, "time")
    if not np.allclose(t, np.round(t)):
        raise DataError(f"The time column {time!r} must hold whole periods (e.g. years).")
    frame = pd.DataFrame(
        {"_y": y.to_numpy(), "_unit": data[unit].to_numpy(), "_time": t.to_numpy().astype(int)},
        index=pd.RangeIndex(len(data)),
    )
    dup = frame.duplicated(["_unit", "_time"], keep=False)
    if dup.any():
        first = frame.loc[dup].iloc[0]
        raise DataError(
            f"{int(dup.sum())} rows share a ({unit}, {time}) pair, e.g. {unit}={first['_unit']!r}, "
            f"{time}={first['_time']!r}; the panel must have one row per unit and period. "
            "Aggregate the rows (e.g. to cell means) first."
        )
    if cohort is not None:
        g = pd.to_numeric(data[cohort], errors="coerce")
        if g.isna().sum() > data[cohort].isna().sum():
            raise DataError(
                f"The cohort column {cohort!r} must hold adoption periods (0 or missing = never "
                "treated)."
            )
        frame["_cohort"] = g.fillna(0).to_numpy()
        n_dates = frame.groupby("_unit")["_cohort"].nunique()
        if (n_dates > 1).any():
            bad = n_dates.index[n_dates > 1][0]
            vals = sorted(frame.loc[frame["_unit"] == bad, "_cohort"].unique().tolist())
            raise DataError(
                f"Unit {bad!r} has cohort values {vals} in column {cohort!r}: a unit can adopt "
                "at one date only. Fix the adoption date so it is constant within each unit."
            )
    if treatment is not None:
        d = _numeric(data, treatment, "treatment")
        if not d.isin([0.0, 1.0]).all():
            raise DataError(
                f"The treatment column {treatment!r} must be 0/1; found values "
                f"{sorted(d.unique().tolist())[:5]}."
            )
        frame["_dobs"] = d.to_numpy()
        srt = frame.sort_values(["_unit", "_time"])
        switches = srt.groupby("_unit")["_dobs"].diff().fillna(0)
        if (switches < 0).any():
            bad = srt.loc[switches < 0, "_unit"].iloc[0]
            raise DataError(
                f"Treatment in column {treatment!r} switches off for unit {bad!r} (it is treated "
                "at two separate dates or stops); only absorbing (staggered) adoption is supported."
            )
        first = srt.loc[srt["_dobs"] == 1].groupby("_unit")["_time"].min()
        derived = frame["_unit"].map(first).fillna(0).to_numpy()
        if cohort is not None and not np.array_equal(derived, _effective_cohort(frame)):
            raise DataError(
                f"Columns {treatment!r} and {cohort!r} disagree on when units are treated; "
                "pass only one of treatment= and cohort=."
            )
        frame["_cohort"] = derived
        frame = frame.drop(columns="_dobs")
    frame["_cohort"] = _effective_cohort(frame).astype(int)
    treated_unit = frame["_cohort"] > 0
    frame["_d"] = (treated_unit & (frame["_time"] >= frame["_cohort"])).astype(float)
    frame["_event"] = np.where(treated_unit, frame["_time"] - frame["_cohort"], np.nan)
    cl = cluster or unit
    if data[cl].isna().any():
        raise DataError(f"The cluster column {cl!r} has missing values.")
    frame["_cluster"] = pd.factorize(data[cl].to_numpy())[0]
    if weights is not None:
        w = _numeric(data, weights, "weights")
        if (w <= 0).any():
            raise DataError(f"The weights column {weights!r} must be positive; found {w.min()}.")
        frame["_w"] = w.to_numpy()
    else:
        frame["_w"] = 1.0
    for c in covs:
        frame[c] = _numeric(data, c, "covariate").to_numpy()
    return PanelData(
        frame=frame,
        outcome=outcome,
        unit=unit,
        time=time,
        cluster=cl,
        covariates=covs,
        weighted=weights is not None,
    )


def _effective_cohort(frame: pd.DataFrame) -> np.ndarray:
    """Cohorts after the last period are never treated within the panel (set to 0)."""
    g = frame["_cohort"].to_numpy(dtype=float)
    return np.where(g > frame["_time"].max(), 0.0, g)


def warn_few_clusters(panel: PanelData, what: str) -> None:
    """Warn when analytic cluster-robust inference rests on too few treated clusters."""
    n_tc = panel.n_treated_clusters
    if n_tc < FEW_TREATED_CLUSTERS:
        warnings.warn(
            f"{what}: only {n_tc} treated clusters (column {panel.cluster!r}); analytic "
            "cluster-robust standard errors are unreliable below about "
            f"{FEW_TREATED_CLUSTERS}. Prefer wild cluster bootstrap inference "
            "(twfe(...).wild_bootstrap(), impact.did.wild_bootstrap_scores) or "
            "impact.did.randomization_test().",
            FewClustersWarning,
            stacklevel=3,
        )


@dataclass(frozen=True)
class _Fit:
    params: pd.Series
    cov: pd.DataFrame
    df_resid: int
    n_obs: int


def fit_panel_ols(panel: PanelData, regressors: pd.DataFrame) -> _Fit:
    """PanelOLS with unit and time effects and cluster-robust covariance (fixest-style CR1).

    The covariance is the cluster sandwich times ``G/(G-1) * (N-1)/(N-K)`` where ``K``
    counts the regressors, the time effects (less one) and the unit effects: all of them
    when units are not nested in clusters, one when they are (R ``fixest``'s default
    ``ssc(adj=TRUE, fixef.K="nested", cluster.adj=TRUE)``; with this count the HonestDiD
    README's C-LF intervals, computed from a fixest covariance, are reproduced to the
    printed digits in tests/did/honest/test_honest.py). Inference uses a t distribution with ``G-1`` degrees of freedom.
    """
    # linearmodels (and the statsmodels it imports) takes about a second to load: only here
    from linearmodels.panel import PanelOLS
    from linearmodels.panel.utility import AbsorbingEffectError

    f = panel.frame
    index = pd.MultiIndex.from_arrays(
        [pd.factorize(f["_unit"].to_numpy())[0], f["_time"].to_numpy()], names=["unit", "time"]
    )
    exog = regressors.set_axis(index)
    dep = pd.Series(f["_y"].to_numpy(), index=index, name=panel.outcome)
    clusters = pd.DataFrame({"cluster": f["_cluster"].to_numpy()}, index=index)
    model = PanelOLS(
        dep,
        exog,
        entity_effects=True,
        time_effects=True,
        weights=pd.Series(f["_w"].to_numpy(), index=index) if panel.weighted else None,
        drop_absorbed=False,
    )
    try:
        res = model.fit(
            cov_type="clustered",
            clusters=clusters,
            debiased=False,
            auto_df=False,
            count_effects=False,
        )
    except AbsorbingEffectError as err:
        raise DesignError(
            f"Regressors {list(exog.columns)} are collinear with the unit and time effects "
            "(e.g. an event study without never-treated units and too few cohorts); add "
            "never-treated units, bin or trim event times (leads=, lags=), or use att_gt."
        ) from err
    n = int(res.nobs)
    g = panel.n_clusters
    k = panel.n_parameters(exog.shape[1])
    if g < 2 or n <= k:
        raise DesignError(
            f"Too few clusters ({g}) or observations ({n}) for cluster-robust inference with "
            f"{k} parameters."
        )
    factor = g / (g - 1) * (n - 1) / (n - k)
    return _Fit(params=res.params, cov=res.cov * factor, df_resid=g - 1, n_obs=n)


def residualize_two_way(
    values: np.ndarray,
    unit_codes: np.ndarray,
    time_codes: np.ndarray,
    weights: np.ndarray,
    *,
    tol: float = 1e-13,
    max_iter: int = 10_000,
) -> np.ndarray:
    """Residuals of ``values`` (n or n x k) on unit and time effects, weighted least squares.

    Alternating weighted demeaning, vectorised over columns (exact after one sweep in
    balanced unweighted panels).
    """
    v = np.array(values, dtype=float, copy=True)
    squeeze = v.ndim == 1
    if squeeze:
        v = v[:, None]
    n = v.shape[0]
    rows = np.arange(n)
    ui = sp.csr_matrix((weights, (unit_codes, rows)), shape=(int(unit_codes.max()) + 1, n))
    ti = sp.csr_matrix((weights, (time_codes, rows)), shape=(int(time_codes.max()) + 1, n))
    wu = np.asarray(ui.sum(axis=1))
    wt = np.asarray(ti.sum(axis=1))
    for _ in range(max_iter):
        v -= (ui @ v / wu)[unit_codes]
        mt = ti @ v / wt
        v -= mt[time_codes]
        if np.max(np.abs(mt)) < tol * max(1.0, float(np.max(np.abs(v)))):
            break
    return v[:, 0] if squeeze else v
