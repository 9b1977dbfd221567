"""Two-way fixed effects (TWFE) regression and its event-study form.

Both are estimated with :class:`linearmodels.panel.PanelOLS` (unit and time effects
absorbed) and cluster-robust standard errors by a named cluster column (default: the
unit). They are the *naive* benchmark: under staggered adoption with effects that vary
across cohorts or over time since adoption, the TWFE coefficient is a weighted average of
group-time effects with possibly negative weights (see :func:`impact.did.twfe_weights`),
and event-study leads and lags are contaminated by other periods' effects. Use
:func:`impact.did.att_gt` or :func:`impact.did.imputation` for heterogeneity-robust
estimates, and report TWFE beside them.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from impact.checks import check_alpha, check_count
from impact.did.panel import PanelData, fit_panel_ols, prepare_panel, warn_few_clusters
from impact.did.twoway.results import EventStudyResult, TWFEResult
from impact.errors import DesignError


def twfe(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    treatment: str | None = None,
    cohort: str | None = None,
    cluster: str | None = None,
    weights: str | None = None,
    covariates: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> TWFEResult:
    """Static two-way fixed effects DiD: ``y_it = a_i + b_t + beta * D_it + X_it'g + e_it``.

    Parameters
    ----------
    data
        Unit-by-period panel (balanced or not), one row per unit and period.
    outcome, unit, time
        Column names of the outcome, the unit identifier and the period (whole numbers).
    treatment
        0/1 column, absorbing (once treated, always treated). Give this or ``cohort``.
    cohort
        Adoption period of each unit (0 or missing = never treated); ``D_it = 1`` from the
        adoption period on. Cohorts after the last period count as never treated.
    cluster
        Column to cluster standard errors by (default: ``unit``), e.g. the county.
    weights
        Regression weights (e.g. the number of pupils behind a municipality-year mean).
    covariates
        Time-varying numeric controls.
    alpha
        1 - confidence level of the interval.

    Returns
    -------
    TWFEResult
        ``.estimate``, ``.se``, ``.ci``, ``.pvalue``; ``summary()``, ``to_frame()``,
        ``plot()``, ``effect()``, ``weights()`` (the implicit group-time weights) and
        ``wild_bootstrap()`` (few-cluster inference).

    Notes
    -----
    Estimand: ``beta`` equals the ATT only if effects are homogeneous (or adoption is not
    staggered) and parallel trends hold. Under staggered adoption with heterogeneous
    effects it is a weighted average of group-time effects whose weights can be negative
    (de Chaisemartin & D'Haultfoeuille 2020; Goodman-Bacon 2021). Standard errors are
    cluster-robust (CR1, see :func:`fit_panel_ols`) with ``t(G-1)`` inference; with fewer
    than 30 treated clusters a :class:`~impact.errors.FewClustersWarning` is issued.

    Examples
    --------
    >>> import pandas as pd
    >>> from impact.did import twfe
    >>> panel = pd.read_csv("data/synthetic/flyt_panel.csv")
    >>> res = twfe(panel, outcome="completion_rate", unit="municipality", time="year",
    ...            cohort="adoption_year", weights="n")
    >>> print(res.summary())
    TWFE (unit and time effects) on completion_rate
      treated: 0.03758 (cluster SE 0.008975), 95 % CI [0.01993, 0.05524], p = 3.56e-05
      3560 observations, 356 units, 356 clusters (20 treated)
    ...
    """
    alpha = check_alpha(alpha)
    panel = prepare_panel(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        treatment=treatment,
        cluster=cluster,
        weights=weights,
        covariates=covariates,
    )
    f = panel.frame
    if f["_d"].sum() == 0:
        raise DesignError("No unit is treated within the panel; there is nothing to estimate.")
    if f["_d"].min() == 1:
        raise DesignError("Every observation is treated; TWFE needs untreated observations.")
    regs = pd.DataFrame({"treated": f["_d"].to_numpy()})
    for c in panel.covariates:
        regs[c] = f[c].to_numpy()
    fit = fit_panel_ols(panel, regs)
    warn_few_clusters(panel, "twfe")
    return TWFEResult(
        params=fit.params,
        cov=fit.cov,
        df_resid=fit.df_resid,
        n_obs=fit.n_obs,
        n_units=int(f["_unit"].nunique()),
        n_clusters=panel.n_clusters,
        n_treated_clusters=panel.n_treated_clusters,
        outcome=outcome,
        alpha=alpha,
        panel=panel,
    )


def event_time_bins(
    panel: PanelData, *, leads: int | None, lags: int | None, bin_endpoints: bool
) -> tuple[pd.Series, int, int]:
    """Event time per row after binning or trimming; returns (binned event time, lo, hi)."""
    ev = panel.frame["_event"]
    if ev.isna().all():
        raise DesignError(
            "No unit is treated within the panel (every cohort is 0, missing or after the "
            "last period): an event study needs treated units. Check the cohort column."
        )
    lo = int(ev.min()) if leads is None else -int(leads)
    hi = int(ev.max()) if lags is None else int(lags)
    binned = ev.clip(lower=lo, upper=hi) if bin_endpoints else ev.where((ev >= lo) & (ev <= hi))
    return binned, lo, hi


def event_study(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    cluster: str | None = None,
    leads: int | None = None,
    lags: int | None = None,
    reference: int = -1,
    bin_endpoints: bool = True,
    weights: str | None = None,
    covariates: Sequence[str] | None = None,
    alpha: float = 0.05,
) -> EventStudyResult:
    """Dynamic TWFE event study: ``y_it = a_i + b_t + sum_k beta_k 1[t - G_i = k] + e_it``.

    Parameters
    ----------
    data, outcome, unit, time, cohort, cluster, weights, covariates, alpha
        As in :func:`twfe`.
    leads, lags
        Event times shown: ``-leads, ..., -1`` before and ``0, ..., lags`` after adoption
        (default: every event time in the data).
    reference
        Omitted event time (normalised to 0), default ``-1``.
    bin_endpoints
        If True, event times beyond the window are pooled into the end points
        (``-leads`` and ``lags``); if False, treated units' observations outside the
        window are dropped from the sample.

    Returns
    -------
    EventStudyResult
        ``.table`` (``event_time, estimate, se, ci_lower, ci_upper``; the reference row
        has estimate 0), ``.cov``; ``summary()``, ``to_frame()``, ``plot()``,
        ``effect()``, ``honest()`` (Rambachan-Roth sensitivity).

    Notes
    -----
    ``beta_k`` estimates the average effect ``k`` periods after adoption only when effects
    do not vary across cohorts (Sun & Abraham 2021); otherwise each ``beta_k`` mixes
    effects of other event times, and pre-period coefficients can be non-zero even under
    parallel trends. Never-treated units are the comparison; without any, the most
    distant lead is also omitted (the event-time and calendar-time trends are otherwise
    not separately identified).
    """
    alpha = check_alpha(alpha)
    leads = check_count(leads, argument="leads", minimum=1, optional=True)
    lags = check_count(lags, argument="lags", minimum=0, optional=True)
    reference = int(check_count(reference, argument="reference", minimum=-(10**9)) or 0)
    panel = prepare_panel(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        cluster=cluster,
        weights=weights,
        covariates=covariates,
    )
    binned, lo, hi = event_time_bins(panel, leads=leads, lags=lags, bin_endpoints=bin_endpoints)
    f = panel.frame
    keep = ~(f["_event"].notna() & binned.isna())
    if not keep.all():
        panel = PanelData(
            frame=f.loc[keep].reset_index(drop=True),
            outcome=panel.outcome,
            unit=panel.unit,
            time=panel.time,
            cluster=panel.cluster,
            covariates=panel.covariates,
            weighted=panel.weighted,
        )
        binned = binned.loc[keep].reset_index(drop=True)
        f = panel.frame
    present = sorted(int(k) for k in binned.dropna().unique())
    if reference not in present:
        raise DesignError(
            f"The reference event time {reference} is not observed in column {cohort!r}'s "
            f"treated units (event times {present[:3]}...{present[-3:]})."
        )
    omitted = [reference]
    if (f["_cohort"] == 0).sum() == 0 and present[0] != reference:
        omitted.append(present[0])
    est_times = [k for k in present if k not in omitted]
    regs = pd.DataFrame({f"e{k}": (binned == k).astype(float).to_numpy() for k in est_times})
    for c in panel.covariates:
        regs[c] = f[c].to_numpy()
    fit = fit_panel_ols(panel, regs)
    warn_few_clusters(panel, "event_study")
    names = [f"e{k}" for k in est_times]
    pooled = {
        k: bool(
            bin_endpoints
            and ((k == lo and f["_event"].min() < lo) or (k == hi and f["_event"].max() > hi))
        )
        for k in est_times
    }
    return EventStudyResult(
        event_times=tuple(est_times),
        coef=fit.params[names].to_numpy(),
        cov_matrix=fit.cov.loc[names, names].to_numpy(),
        omitted=tuple(omitted),
        binned=tuple(k for k, v in pooled.items() if v),
        df_resid=fit.df_resid,
        n_obs=fit.n_obs,
        n_units=int(f["_unit"].nunique()),
        n_clusters=panel.n_clusters,
        n_treated_clusters=panel.n_treated_clusters,
        outcome=outcome,
        alpha=alpha,
    )


__all__ = ["event_study", "twfe"]
