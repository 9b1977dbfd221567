"""The two-way panel shared by the TWFE, event-study, imputation and few-cluster estimators.

:func:`prepare_panel` validates a unit x period panel (balanced or not) and encodes it into
standard internal columns (:class:`PanelData`); :func:`fit_panel_ols` is the one regression
with unit and time effects and fixest-style CR1 cluster-robust covariance;
:func:`residualize_two_way` partials unit and time effects out of any columns. The
Callaway-Sant'Anna family has its own, stricter validation in
:mod:`impact.did.group_time.validation`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.sparse as sp

from impact.did.inputs import (
    FEW_TREATED_CLUSTERS,
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
from impact.did.inputs import warn_few_clusters as _warn_few_clusters
from impact.errors import DataError, DesignError

__all__ = [
    "FEW_TREATED_CLUSTERS",
    "PanelData",
    "fit_panel_ols",
    "prepare_panel",
    "residualize_two_way",
    "warn_few_clusters",
]


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

    The checks are those of :mod:`impact.did.inputs`, shared with :func:`impact.did.att_gt`:
    the same input gets the same verdict from every DiD estimator.

    Raises :class:`~impact.errors.OptionError` for column arguments that are not strings
    or duplicate column names; :class:`~impact.errors.DataError` for missing columns,
    a non-numeric or non-finite outcome, time, treatment, weight or covariate, periods
    that are not whole, cohorts that are negative or fractional, duplicate unit-period
    rows, a unit with two adoption dates, treatment that switches off or disagrees with
    the cohort, and non-positive weights; :class:`~impact.errors.DesignError` for a single
    cluster. Warns (:class:`~impact.errors.ImpactWarning`) and recodes cohorts after the
    last period to never treated; warns and drops units treated in or before the first
    period (no untreated pre-period), as att_gt does.
    """
    data, covs = check_request(
        data,
        {"outcome": outcome, "unit": unit, "time": time, "cohort": cohort,
         "treatment": treatment, "cluster": cluster, "weights": weights},
        optional=("cohort", "treatment", "cluster", "weights"),
        covariates=covariates,
    )  # fmt: skip
    if cohort is None and treatment is None:
        raise DesignError(
            "Neither cohort= nor treatment= was given; pass the adoption-date column "
            "(cohort, 0 or missing = never treated) or a 0/1 treatment column."
        )
    for col, role in ((unit, "unit"), (time, "time")):
        n_na = int(data[col].isna().sum())
        if n_na:
            raise DataError(
                f"Column {col!r} ({role}) has {n_na} missing values; drop or fill those rows first."
            )
    y = numeric(data, outcome, "outcome")
    require_finite(y, outcome, "outcome", "impute them or drop those rows first")
    t = numeric(data, time, "time")
    check_periods(t, time)
    frame = pd.DataFrame(
        {"_y": y, "_unit": data[unit].to_numpy(), "_time": t.astype(int)},
        index=pd.RangeIndex(len(data)),
    )
    dup = frame.duplicated(["_unit", "_time"], keep=False)
    if dup.any():
        first = frame.loc[dup].iloc[0]
        raise DataError(
            f"{int(dup.sum())} rows share a ({unit}, {time}) pair, e.g. {unit}={show(first['_unit'])}, "
            f"{time}={show(first['_time'])}; the panel must have one row per unit and period. "
            "Aggregate the rows (e.g. to cell means) first."
        )
    t_min, t_max = int(frame["_time"].min()), int(frame["_time"].max())
    if cohort is not None:
        g = pd.to_numeric(data[cohort], errors="coerce")
        if g.isna().sum() > data[cohort].isna().sum():
            raise DataError(
                f"The cohort column {cohort!r} must hold adoption periods (0 or missing = never "
                f"treated); found non-numeric values such as "
                f"{data[cohort][g.isna() & data[cohort].notna()].iloc[0]!r}."
            )
        gv = g.fillna(0).to_numpy(dtype=float)
        check_cohorts(gv, cohort)
        frame["_cohort"] = gv
        n_dates = frame.groupby("_unit")["_cohort"].nunique()
        if (n_dates > 1).any():
            bad = n_dates.index[n_dates > 1][0]
            vals = sorted(frame.loc[frame["_unit"] == bad, "_cohort"].unique().tolist())
            raise DataError(
                f"Unit {show(bad)} has cohort values {vals} in column {cohort!r}: a unit can adopt "
                "at one date only. Fix the adoption date so it is constant within each unit."
            )
    if treatment is not None:
        d = numeric(data, treatment, "treatment")
        require_finite(d, treatment, "treatment", "fill them with 0 or 1 or drop those rows")
        if not np.isin(d, (0.0, 1.0)).all():
            raise DataError(
                f"The treatment column {treatment!r} must be 0/1; found values "
                f"{sorted(np.unique(d).tolist())[:5]}."
            )
        frame["_dobs"] = d
        srt = frame.sort_values(["_unit", "_time"])
        switches = srt.groupby("_unit")["_dobs"].diff().fillna(0)
        if (switches < 0).any():
            bad = srt.loc[switches < 0, "_unit"].iloc[0]
            raise DataError(
                f"Treatment in column {treatment!r} switches off for unit {show(bad)} (it is treated "
                "at two separate dates or stops); only absorbing (staggered) adoption is supported."
            )
        first = srt.loc[srt["_dobs"] == 1].groupby("_unit")["_time"].min()
        derived = frame["_unit"].map(first).fillna(0).to_numpy(dtype=float)
        if cohort is not None:
            given = np.where(frame["_cohort"].to_numpy() > t_max, 0.0, frame["_cohort"])
            differs = derived != given
            if differs.any():
                k = int(np.argmax(differs))
                raise DataError(
                    f"Columns {treatment!r} and {cohort!r} disagree on when units are treated "
                    f"(e.g. {unit}={show(frame['_unit'].iloc[k])}: first treated in "
                    f"{derived[k]:g} by {treatment!r} (0 = never), cohort {given[k]:g}); "
                    "pass only one of treatment= and cohort=, or fix the one that is wrong."
                )
        frame["_cohort"] = derived
        frame = frame.drop(columns="_dobs")
    g_all, _ = recode_late(
        frame["_cohort"].to_numpy(dtype=float), t_max, cohort or treatment or "cohort",
        what="observations", stacklevel=3,
    )  # fmt: skip
    early = treated_too_early(
        g_all, t_min, 0, cohort or treatment or "cohort", what="observations", stacklevel=3
    )
    frame["_cohort"] = g_all.astype(int)
    treated_unit = frame["_cohort"] > 0
    frame["_d"] = (treated_unit & (frame["_time"] >= frame["_cohort"])).astype(float)
    frame["_event"] = np.where(treated_unit, frame["_time"] - frame["_cohort"], np.nan)
    cl = cluster or unit
    if data[cl].isna().any():
        raise DataError(
            f"Column {cl!r} (cluster) has {int(data[cl].isna().sum())} missing values; fill "
            "them (every observation needs its cluster) or drop those rows."
        )
    frame["_cluster"] = pd.factorize(data[cl].to_numpy())[0]
    frame["_w"] = positive_weights(data, weights) if weights is not None else 1.0
    for c in covs:
        x = numeric(data, c, "covariate")
        require_finite(x, c, "covariate", "impute them or drop the covariate")
        frame[c] = x
    if early.any():
        frame = frame.loc[~early].reset_index(drop=True)
        frame["_cluster"] = pd.factorize(frame["_cluster"].to_numpy())[0]
    check_clusters(int(frame["_cluster"].nunique()), cl)
    return PanelData(
        frame=frame,
        outcome=outcome,
        unit=unit,
        time=time,
        cluster=cl,
        covariates=covs,
        weighted=weights is not None,
    )


def warn_few_clusters(panel: PanelData, what: str) -> None:
    """Warn when analytic cluster-robust inference rests on too few treated clusters."""
    _warn_few_clusters(
        panel.n_treated_clusters,
        what="treated clusters",
        column=panel.cluster,
        estimator=what,
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
    n_fe = int(f["_unit"].nunique()) + int(f["_time"].nunique()) - 1
    dof = len(f) - n_fe - regressors.shape[1]
    if dof <= 0:
        raise DesignError(
            f"Zero residual degrees of freedom: {len(f)} observations for {n_fe} unit and "
            f"time effects and {regressors.shape[1]} regressor(s) {list(regressors.columns)}; "
            "the model fits the outcome exactly and its standard errors cannot be estimated. "
            "Add units or periods, or use fewer event-time dummies (leads=, lags=)."
        )
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
    resid = np.asarray(res.resids, dtype=float)
    y = f["_y"].to_numpy()
    if not np.max(np.abs(resid)) > 1e3 * np.finfo(float).eps * max(
        float(np.max(np.abs(y))), 1e-300
    ):
        raise DesignError(
            f"The residuals of {panel.outcome!r} on the unit and time effects and "
            f"{list(exog.columns)} are zero (the outcome is fitted exactly, a saturated or "
            "noiseless panel): its standard errors cannot be estimated. Add units or periods, "
            "or check the outcome column."
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
