"""Callaway & Sant'Anna (2021) group-time average treatment effects: :func:`att_gt`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Literal, TypeVar

import numpy as np
import pandas as pd
from scipy.special import ndtri  # = scipy.stats.norm.ppf, bit for bit, without scipy.stats

from impact.checks import as_dataframe, check_alpha, check_count, check_seed
from impact.did.group_time.drdid_panel import ESTIMATORS
from impact.did.group_time.estimates_panel import compute_cells
from impact.did.group_time.estimates_rc import compute_rc_cells, last_cohort_as_control_rc
from impact.did.group_time.influence import (
    CohortLinearInfluence,
    DenseInfluence,
    SparseInfluence,
    UnitIndex,
    single_threaded_blas,
)
from impact.did.group_time.multiplier import check_bootstrap_options
from impact.did.group_time.pretest import PRETEST_METHODS, cell_pretest
from impact.did.group_time.results import GroupTimeResult, InferenceSettings
from impact.did.group_time.validation import (
    StaggeredPanel,
    check_control_group,
    last_cohort_as_comparison,
    too_few_periods_before_last_cohort,
    validate_staggered_panel,
)
from impact.did.group_time.validation_rc import RepeatedSample, validate_repeated_sample
from impact.did.inputs import FEW_TREATED_CLUSTERS, se_floor, warn_few_clusters
from impact.errors import DataError, DesignError, OptionError

__all__ = ["att_gt", "FEW_TREATED_CLUSTERS"]


def att_gt(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str | None = None,
    time: str,
    cohort: str,
    covariates: str | Sequence[str] | None = None,
    control_group: Literal["never_treated", "not_yet_treated"] = "never_treated",
    method: Literal["dr", "ipw", "reg"] = "dr",
    anticipation: int = 0,
    base_period: Literal["varying", "universal"] = "varying",
    weights: str | None = None,
    cluster: str | None = None,
    n_boot: int | None = None,
    alpha: float = 0.05,
    seed: int | np.random.Generator | None = None,
    boot_weights: Literal["rademacher", "mammen"] = "rademacher",
    balance_panel: bool = False,
    panel: bool = True,
    allow_unbalanced_panel: bool = False,
    pretest_method: Literal["cohort_hotelling", "hotelling", "chi2"] = "cohort_hotelling",
) -> GroupTimeResult:
    """Group-time average treatment effects ATT(g, t) for staggered adoption.

    Estimand: for each cohort ``g`` (units first treated in period ``g``) and period ``t``,
    ``ATT(g, t) = E[Y_t(g) - Y_t(0) | G = g]``, the average effect in period ``t`` on the
    units that adopted in ``g`` (Callaway & Sant'Anna 2021). Each is a 2x2 DiD of cohort
    ``g`` against a comparison group between ``t`` and a base period: for post-treatment
    cells the last period before ``g - anticipation``; for pre-treatment cells the period
    before ``t`` (``base_period="varying"``) or the same base as post-treatment cells
    (``"universal"``, which normalises ATT(g, g - 1 - anticipation) to zero).

    Three data structures (R ``did``'s ``panel`` and ``allow_unbalanced_panel``):

    - *balanced panel* (default): the same units in every period; each 2x2 DiD uses the
      units' outcome changes (``drdid_panel`` & co.).
    - *repeated cross-sections* (``panel=False``): every row is an independent observation
      (e.g. a survey sampling different people each year; ``unit`` may be ``None``). The
      cohort of a row is the adoption date of the group it belongs to. ATT(g, t) is the
      same estimand as above for the population of cohort ``g``; each 2x2 DiD uses the
      observations of periods ``t`` and base (``drdid_rc``, the locally efficient doubly
      robust estimator; ``std_ipw_did_rc``; ``reg_did_rc``). Identification additionally
      needs a *stable composition* of each cohort across the cross-sections (no
      compositional change), and covariates are taken as observed in each cross-section,
      i.e. their distribution within a cohort is assumed not to change over time.
    - *unbalanced panel* (``allow_unbalanced_panel=True``): units observed in some periods
      only. Every observation is used with the repeated cross-section estimators; the
      unit stays the sampling unit (its influence-function terms are summed, so
      within-unit correlation enters the SEs). Valid if attrition is unrelated to outcome
      trends (missing at random given cohort and covariates). On a balanced panel this
      option changes nothing: the panel estimators are used (R ``did`` also resets it:
      "You have a balanced panel. Setting allow_unbalanced_panel = FALSE.").

    Parameters
    ----------
    data
        Long data, one row per unit and period (panel) or per observation (``panel=False``).
        Not modified.
    outcome, unit, time, cohort
        Column names (R ``did``: ``yname``, ``idname``, ``tname``, ``gname``). ``cohort``
        is the first treated period, 0 or missing for never-treated units. ``unit`` is
        required for panels and optional for repeated cross-sections.
    covariates
        Covariate column(s). Panel: taken at the base period of each comparison (normally
        time-invariant). Repeated cross-sections / unbalanced panel: as observed in each
        row. Used in the propensity score and/or the outcome regression.
    control_group
        ``"never_treated"`` or ``"not_yet_treated"`` (never-treated plus units not yet
        treated by ``max(t, base) + anticipation``).
    method
        ``"dr"`` doubly robust (Sant'Anna & Zhao 2020), ``"ipw"`` normalised inverse
        probability weighting, ``"reg"`` outcome regression.
    anticipation
        Periods before ``g`` in which units may already react.
    base_period
        ``"varying"`` (R default) or ``"universal"``.
    weights
        Column of sampling weights, constant within unit.
    cluster
        Column to cluster standard errors on (the unit or a coarser level such as
        municipality or county; must be constant within unit).
    n_boot
        Draws of the multiplier bootstrap; ``None`` gives analytic (influence-function)
        standard errors and pointwise normal intervals.
    alpha
        1 - confidence level.
    seed
        Seed or generator for the bootstrap.
    boot_weights
        Multiplier distribution, ``"rademacher"`` or ``"mammen"``.
    balance_panel
        Drop units not observed in every period (with a warning, as R ``did`` does)
        instead of raising an error for an unbalanced panel. The estimands then refer to
        the units observed throughout; valid if attrition is unrelated to outcome trends.
    panel
        ``False`` for repeated cross-sections (see above).
    allow_unbalanced_panel
        Keep every observation of an unbalanced panel (see above) instead of raising an
        error. Exclusive with ``balance_panel``.
    pretest_method
        Reference distribution of the Wald pre-test (``.pretest``), see
        :mod:`impact.did.group_time.pretest`: ``"cohort_hotelling"`` (default) tests each
        cohort's pre-treatment cells with Hotelling's F on the clusters (units) holding its
        treated units and combines the cohorts by Bonferroni, and holds its size with few
        clusters and with small cohorts; ``"hotelling"`` refers the joint ``W (G - q) / (q
        (G - 1))`` to ``F(q, G - q)`` (``G`` clusters, ``q`` cells); ``"chi2"`` refers ``W``
        to chi-square(q), R ``did``'s test, which over-rejects when ``q`` is not small
        relative to ``G`` (46 % at 5 % with 40 clusters and 15 cells).

    Returns
    -------
    GroupTimeResult
        ``.table`` has ``cohort, time, att, se, ci_lower, ci_upper`` plus ``event_time,
        base_time, post, n_treated, n_control`` (and ``cband_lower/cband_upper`` with the
        bootstrap); ``.pretest`` the Wald pre-test; ``.aggregate(kind)`` the summaries.

    Raises
    ------
    DataError
        Missing columns, missing outcome values (never dropped silently), duplicate
        unit-period rows, a cohort varying within a unit (or missing in some of its rows
        only), an unbalanced panel (unless ``balance_panel=True`` or
        ``allow_unbalanced_panel=True``), a repeated ``unit`` with ``panel=False``.
    DesignError
        No never-treated units with ``control_group="never_treated"``; no comparison units
        at all; a constant covariate; covariates that perfectly predict treatment; too few
        treated or comparison units for the covariate model; with repeated cross-sections
        or an unbalanced panel, a treated cohort or the comparison group without
        observations in a period that a group-time cell needs.

    Warns
    -----
    ImpactWarning
        Units treated in or before the first period are dropped; cohorts after the last
        period are used as never-treated (both as R ``did``); a cohort with a single unit
        is kept but flagged (its effects rest on one unit).
    OverlapWarning
        Propensity scores of comparison units reach 0.99 (those at 0.995 or more get zero
        weight, as R ``DRDID``).
    FewClustersWarning
        Fewer than 30 treated clusters (or treated units) with analytic standard errors.

    Notes
    -----
    Assumptions: staggered (absorbing) adoption, parallel trends conditional on the
    covariates for the chosen comparison group, limited anticipation, overlap (for
    ``"dr"``/``"ipw"``). Standard errors use the influence function of each 2x2
    estimator, scaled as in R ``did`` (``n / n_gt``), summed within clusters when
    ``cluster`` is given: ``Var = sum_c (sum_{i in c} psi_i)^2 / n^2``. Reproduces R
    ``did`` 2.5.0 (``att_gt`` with ``bstrap=FALSE``) on ``mpdta``.

    Repeated cross-sections and unbalanced panels: ``n`` is the number of sampling units
    (rows, respectively units); the influence function of cell (g, t) is the 2x2
    estimator's per-observation influence function scaled by ``n / n_gt`` (``n_gt``
    observations in the cell) and summed within sampling units, then
    ``Var = sum_i psi_i^2 / n^2`` (or summed within clusters first). Aggregation weights
    are the cohort shares among sampling units, as R ``did``. This matches the Python port
    ``csdid`` (0.4.3) to 1e-10; R ``DRDID``'s ``drdid_rc`` adds, rather than subtracts,
    the base-period outcome-regression estimation effect (see
    :mod:`impact.did.group_time.drdid_rc`), so R's ``dr`` standard errors with covariates differ
    slightly in finite samples.

    Examples
    --------
    >>> import pandas as pd
    >>> from impact.did import att_gt
    >>> panel = pd.read_csv("data/synthetic/flyt_panel.csv")
    >>> res = att_gt(panel, outcome="completion_rate", unit="municipality", time="year",
    ...              cohort="adoption_year")
    >>> res.aggregate("dynamic").table[["event_time", "att", "se"]].tail(3).round(3)
        event_time    att     se
    10           3  0.046  0.027
    11           4  0.081  0.019
    12           5  0.048  0.015
    """
    # options first: a bad option never costs a validation of a million rows
    if method not in ESTIMATORS:
        raise DesignError(f"method={method!r} is not one of 'dr', 'ipw', 'reg'.")
    if base_period not in ("varying", "universal"):
        raise DesignError(f"base_period={base_period!r} is not one of 'varying', 'universal'.")
    alpha = check_alpha(alpha)
    check_seed(seed)
    anticipation = int(check_count(anticipation, argument="anticipation", minimum=0) or 0)
    if n_boot is not None:
        check_bootstrap_options(n_boot, boot_weights)
    if pretest_method not in PRETEST_METHODS:
        raise OptionError(f"pretest_method={pretest_method!r} is not one of {PRETEST_METHODS}.")
    data = as_dataframe(data)
    structure = _structure(data, unit, time, panel, allow_unbalanced_panel, balance_panel)
    settings = InferenceSettings(
        method=method,
        control_group=control_group,
        base_period=base_period,
        anticipation=anticipation,
        alpha=alpha,
        n_boot=n_boot,
        seed=seed,
        boot_weights=boot_weights,
        clustered=cluster is not None,
        structure=structure,
    )
    if structure != "panel":
        sample = validate_repeated_sample(
            data,
            outcome=outcome,
            unit=unit,
            time=time,
            cohort=cohort,
            structure=structure,  # type: ignore[arg-type]
            covariates=covariates,
            weights=weights,
            cluster=cluster,
            anticipation=anticipation,
        )
        settings = replace(settings, se_floor=se_floor(sample.y))
        sample, notes = _comparison_group(
            sample, control_group, anticipation, last_cohort_as_control_rc
        )
        notes.append(ESTIMAND_NOTES[structure])
        with single_threaded_blas():
            rc_table, rc_influence = compute_rc_cells(
                sample, control_group, method, anticipation, base_period
            )
            return _finish(rc_table, rc_influence, outcome, settings, notes, pretest_method)

    if unit is None:
        raise DataError(
            "unit= is required for panel data (the unit identifier); for repeated "
            "cross-sections pass panel=False."
        )
    balanced = validate_staggered_panel(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        covariates=covariates,
        weights=weights,
        cluster=cluster,
        anticipation=anticipation,
        balance_panel=balance_panel,
    )
    settings = replace(settings, se_floor=se_floor(balanced.y))
    balanced, notes = _comparison_group(
        balanced, control_group, anticipation, _last_cohort_as_control
    )
    if allow_unbalanced_panel:
        notes.append(
            "allow_unbalanced_panel=True but the panel is balanced: the panel estimators are "
            "used (as R did)."
        )
    with single_threaded_blas():
        table, influence = compute_cells(balanced, control_group, method, anticipation, base_period)
        res = _finish(table, influence, outcome, settings, notes, pretest_method)
    # the rows of the influence functions: units sorted by cohort when there are covariates
    ids = balanced.unit_ids
    if balanced.x is not None:
        codes = np.searchsorted(influence.units.levels, balanced.cohort)
        ids = ids[np.argsort(codes, kind="stable")]
    return replace(res, unit_ids=np.asarray(ids), unit=unit)


ESTIMAND_NOTES = {
    "repeated_cross_section": (
        "Repeated cross-sections: each row is an independent observation (n = rows). "
        "ATT(g, t) assumes a stable composition of every cohort across the cross-sections "
        "(no compositional change) and takes covariates as observed in each cross-section "
        "(their distribution within a cohort must not change over time)."
    ),
    "unbalanced_panel": (
        "Unbalanced panel: every observation is used (repeated cross-section estimators), "
        "influence functions are summed within units and n = units. ATT(g, t) assumes "
        "attrition unrelated to outcome trends (missing at random given cohort and "
        "covariates)."
    ),
}


_Design = TypeVar("_Design", StaggeredPanel, RepeatedSample)


def _comparison_group(
    design: _Design,
    control_group: str,
    anticipation: int,
    last_cohort_as_control: Callable[[_Design, int], tuple[_Design, str]],
) -> tuple[_Design, list[str]]:
    """Check the comparison group exists and return the design with the notes it needs.

    Without never-treated units and with ``control_group="not_yet_treated"`` the last
    cohort becomes the comparison group (as R did), which the notes say.
    """
    check_control_group(design, control_group)
    if control_group == "not_yet_treated" and not np.any(design.cohort == 0):
        design, note = last_cohort_as_control(design, anticipation)
        return design, [note]
    return design, []


def _structure(
    data: pd.DataFrame,
    unit: str | None,
    time: str,
    panel: bool,
    allow_unbalanced_panel: bool,
    balance_panel: bool,
) -> str:
    """``"panel"``, ``"unbalanced_panel"`` or ``"repeated_cross_section"`` (as R did decides)."""
    if not panel:
        if balance_panel or allow_unbalanced_panel:
            raise DesignError(
                "balance_panel and allow_unbalanced_panel apply to panel data; with "
                "panel=False (repeated cross-sections) leave them False."
            )
        return "repeated_cross_section"
    if allow_unbalanced_panel and balance_panel:
        raise DesignError(
            "Choose one of balance_panel=True (drop units not observed in every period) and "
            "allow_unbalanced_panel=True (keep every observation)."
        )
    if not allow_unbalanced_panel:
        return "panel"
    if unit is None or unit not in data.columns or time not in data.columns:
        return "unbalanced_panel"  # validation names the missing column
    n_units, n_periods = data[unit].nunique(), data[time].nunique()
    return "panel" if len(data) == n_units * n_periods else "unbalanced_panel"


def _finish(
    table: pd.DataFrame,
    influence: DenseInfluence | SparseInfluence | CohortLinearInfluence,
    outcome: str,
    settings: InferenceSettings,
    notes: list[str],
    pretest_method: str = "hotelling",
) -> GroupTimeResult:
    """Standard errors, intervals, bootstrap bands and the pre-test from the cells."""
    n_boot, alpha = settings.n_boot, settings.alpha
    _warn_few_clusters(influence.units, n_boot, settings.structure)

    att = table["att"].to_numpy()
    se = np.sqrt(np.clip(influence.variances(), 0.0, None))
    pre = ~table["post"].to_numpy() & ~table["is_base"].to_numpy()
    pre_cov = influence.subset(np.flatnonzero(pre)).cov()
    floor = settings.se_floor
    se = np.where(se > floor, se, np.nan)
    z = float(ndtri(1 - alpha / 2))
    boot = None
    if n_boot is not None:
        check_bootstrap_options(n_boot, settings.boot_weights)
        boot = influence.bootstrap(
            n_boot=n_boot,
            weights=settings.boot_weights,  # type: ignore[arg-type]
            alpha=alpha,
            seed=settings.seed,
            se_floor=floor,
        )
        se = boot.se
    table["se"] = se
    table["ci_lower"] = att - z * se
    table["ci_upper"] = att + z * se
    if boot is not None:
        table["cband_lower"] = att - boot.crit * se
        table["cband_upper"] = att + boot.crit * se
    pretest = cell_pretest(
        att[pre],
        pre_cov,
        influence.units,
        cohort=table["cohort"].to_numpy()[pre],
        n_treated=table["n_treated"].to_numpy()[pre],
        se_floor=floor,
        method=pretest_method,
    )
    cols = ["cohort", "time", "event_time", "att", "se", "ci_lower", "ci_upper"]
    cols += [c for c in ("cband_lower", "cband_upper") if c in table]
    cols += ["base_time", "post", "n_treated", "n_control"]
    for col in ("cohort", "time", "event_time", "base_time"):
        # periods are validated as floats; show them as the integers they almost always are
        values = table[col].to_numpy()
        if np.all(np.isfinite(values)) and np.all(values == np.round(values)):
            table[col] = values.astype(np.int64)
    return GroupTimeResult(
        table=table[cols].reset_index(drop=True),
        influence=influence,
        settings=settings,
        outcome=outcome,
        pretest=pretest,
        crit=boot.crit if boot is not None else float("nan"),
        notes=tuple(notes),
    )


def _last_cohort_as_control(panel: StaggeredPanel, anticipation: int) -> tuple[StaggeredPanel, str]:
    """No never-treated units: keep periods before the last cohort; it becomes the control."""
    g_max, cohort, note = last_cohort_as_comparison(panel, anticipation)
    keep_t = panel.periods < g_max - anticipation
    x = panel.x[:, keep_t] if panel.x is not None else None
    new = StaggeredPanel(
        unit_ids=panel.unit_ids,
        periods=panel.periods[keep_t],
        y=panel.y[:, keep_t],
        cohort=cohort,
        x=x,
        weights=panel.weights,
        cluster=panel.cluster,
        covariate_names=panel.covariate_names,
        outcome=panel.outcome,
        unit=panel.unit,
        time=panel.time,
        cohort_column=panel.cohort_column,
    )
    if new.n_periods < 2 or not np.any(new.cohort > 0):
        raise too_few_periods_before_last_cohort(g_max)
    return new, note


def _warn_few_clusters(units: UnitIndex, n_boot: int | None, structure: str) -> None:
    treated = units.codes > 0
    if units.cluster is not None:
        n_tc = int(np.unique(units.cluster[treated]).size)
        what = "treated clusters"
    else:
        n_tc = int(treated.sum())
        what = "treated observations" if structure == "repeated_cross_section" else "treated units"
    if n_boot is None:
        warn_few_clusters(
            n_tc, what=what, column=None, estimator="att_gt (analytic standard errors)",
            stacklevel=4,
        )  # fmt: skip
