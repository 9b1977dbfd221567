"""Callaway & Sant'Anna (2021) group-time average treatment effects: :func:`att_gt`."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from typing import Literal

import numpy as np
import pandas as pd
from scipy import stats

from impact.did._drdid import ESTIMATORS, PropensityFit, SeparationError, fit_propensity
from impact.did._influence import (
    CohortLinearInfluence,
    DenseInfluence,
    UnitIndex,
    cohort_moments,
    single_threaded_blas,
)
from impact.did.design import StaggeredPanel, check_control_group, validate_staggered_panel
from impact.did.gt_results import GroupTimeResult, InferenceSettings
from impact.did.multiplier import BootWeights, check_bootstrap_options
from impact.did.pretest import wald_pretest
from impact.errors import DesignError, FewClustersWarning, OverlapWarning

__all__ = ["att_gt"]

FEW_TREATED_CLUSTERS = 30


def att_gt(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
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
) -> GroupTimeResult:
    """Group-time average treatment effects ATT(g, t) for staggered adoption.

    Estimand: for each cohort ``g`` (units first treated in period ``g``) and period ``t``,
    ``ATT(g, t) = E[Y_t(g) - Y_t(0) | G = g]``, the average effect in period ``t`` on the
    units that adopted in ``g`` (Callaway & Sant'Anna 2021). Each is a 2x2 DiD of cohort
    ``g`` against a comparison group between ``t`` and a base period: for post-treatment
    cells the last period before ``g - anticipation``; for pre-treatment cells the period
    before ``t`` (``base_period="varying"``) or the same base as post-treatment cells
    (``"universal"``, which normalises ATT(g, g - 1 - anticipation) to zero).

    Parameters
    ----------
    data
        Balanced long panel, one row per unit and period. Not modified.
    outcome, unit, time, cohort
        Column names (R ``did``: ``yname``, ``idname``, ``tname``, ``gname``). ``cohort``
        is the first treated period, 0 or missing for never-treated units.
    covariates
        Covariate column(s), taken at the base period of each comparison (normally
        time-invariant). Used in the propensity score and/or the outcome regression.
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

    Returns
    -------
    GroupTimeResult
        ``.table`` has ``cohort, time, att, se, ci_lower, ci_upper`` plus ``event_time,
        base_time, post, n_treated, n_control`` (and ``cband_lower/cband_upper`` with the
        bootstrap); ``.pretest`` the Wald pre-test; ``.aggregate(kind)`` the summaries.

    Notes
    -----
    Assumptions: staggered (absorbing) adoption, parallel trends conditional on the
    covariates for the chosen comparison group, limited anticipation, overlap (for
    ``"dr"``/``"ipw"``). Standard errors use the influence function of each 2x2
    estimator, scaled as in R ``did`` (``n / n_gt``), summed within clusters when
    ``cluster`` is given: ``Var = sum_c (sum_{i in c} psi_i)^2 / n^2``. Reproduces R
    ``did`` 2.5.0 (``att_gt`` with ``bstrap=FALSE``) on ``mpdta``.

    Examples
    --------
    >>> import pandas as pd
    >>> panel = pd.read_csv("data/synthetic/flyt_panel.csv")  # doctest: +SKIP
    >>> res = att_gt(panel, outcome="completion_rate", unit="municipality", time="year",
    ...              cohort="adoption_year")  # doctest: +SKIP
    >>> res.aggregate("dynamic").table  # doctest: +SKIP
    """
    if method not in ESTIMATORS:
        raise DesignError(f"method={method!r} is not one of 'dr', 'ipw', 'reg'.")
    if base_period not in ("varying", "universal"):
        raise DesignError(f"base_period={base_period!r} is not one of 'varying', 'universal'.")
    if not 0 < alpha < 1:
        raise DesignError(f"alpha={alpha!r} must lie strictly between 0 and 1 (e.g. 0.05).")
    panel = validate_staggered_panel(
        data,
        outcome=outcome,
        unit=unit,
        time=time,
        cohort=cohort,
        covariates=covariates,
        weights=weights,
        cluster=cluster,
        anticipation=anticipation,
    )
    check_control_group(panel, control_group)
    notes: list[str] = []
    if control_group == "not_yet_treated" and not np.any(panel.cohort == 0):
        panel, note = _last_cohort_as_control(panel, anticipation)
        notes.append(note)

    with single_threaded_blas():
        return _estimate(
            panel,
            outcome,
            control_group,
            method,
            anticipation,
            base_period,
            alpha,
            n_boot,
            seed,
            boot_weights,
            cluster is not None,
            notes,
        )


def _estimate(
    panel: StaggeredPanel,
    outcome: str,
    control_group: str,
    method: str,
    anticipation: int,
    base_period: str,
    alpha: float,
    n_boot: int | None,
    seed: int | np.random.Generator | None,
    boot_weights: BootWeights,
    clustered: bool,
    notes: list[str],
) -> GroupTimeResult:
    table, influence = _compute_cells(panel, control_group, method, anticipation, base_period)
    _warn_few_clusters(panel, n_boot)

    att = table["att"].to_numpy()
    se = np.sqrt(np.clip(influence.variances(), 0.0, None))
    pre = ~table["post"].to_numpy() & ~table["is_base"].to_numpy()
    pre_cov = influence.subset(np.flatnonzero(pre)).cov()
    se = np.where(se > np.sqrt(np.finfo(float).eps) * 10, se, np.nan)
    z = float(stats.norm.ppf(1 - alpha / 2))
    boot = None
    if n_boot is not None:
        check_bootstrap_options(n_boot, boot_weights)
        boot = influence.bootstrap(n_boot=n_boot, weights=boot_weights, alpha=alpha, seed=seed)
        se = boot.se
    table["se"] = se
    table["ci_lower"] = att - z * se
    table["ci_upper"] = att + z * se
    if boot is not None:
        table["cband_lower"] = att - boot.crit * se
        table["cband_upper"] = att + boot.crit * se
    pretest = wald_pretest(att[pre], pre_cov, np.ones(int(pre.sum()), dtype=bool))
    settings = InferenceSettings(
        method=method,
        control_group=control_group,
        base_period=base_period,
        anticipation=anticipation,
        alpha=alpha,
        n_boot=n_boot,
        seed=seed,
        boot_weights=boot_weights,
        clustered=clustered,
    )
    cols = ["cohort", "time", "event_time", "att", "se", "ci_lower", "ci_upper"]
    cols += [c for c in ("cband_lower", "cband_upper") if c in table]
    cols += ["base_time", "post", "n_treated", "n_control"]
    return GroupTimeResult(
        table=table[cols].reset_index(drop=True),
        influence=influence,
        settings=settings,
        outcome=outcome,
        pretest=pretest,
        crit=boot.crit if boot is not None else float("nan"),
        notes=tuple(notes),
    )


def _last_cohort_as_control(panel: StaggeredPanel, anticipation: int):
    """No never-treated units: keep periods before the last cohort; it becomes the control."""
    g_max = panel.cohorts.max()
    keep_t = panel.periods < g_max - anticipation
    cohort = np.where(panel.cohort == g_max, 0.0, panel.cohort)
    x = panel.x[:, keep_t] if panel.x is not None else None
    note = (
        f"No never-treated units: periods from {g_max - anticipation:g} on are dropped and "
        f"cohort {g_max:g} serves as the not-yet-treated comparison group (as R did)."
    )
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
        raise DesignError(
            "control_group='not_yet_treated' without never-treated units leaves too few periods "
            f"before the last cohort ({g_max:g}) to estimate anything."
        )
    return new, note


def _warn_few_clusters(panel: StaggeredPanel, n_boot: int | None) -> None:
    treated = panel.cohort > 0
    if panel.cluster is not None:
        n_tc = int(np.unique(panel.cluster[treated]).size)
        what = "treated clusters"
    else:
        n_tc = int(treated.sum())
        what = "treated units"
    if n_tc < FEW_TREATED_CLUSTERS and n_boot is None:
        warnings.warn(
            f"Only {n_tc} {what}: analytic (influence-function) standard errors are "
            "unreliable with fewer than ~30 treated clusters. Use the wild cluster bootstrap "
            "or randomization inference for the aggregated effects.",
            FewClustersWarning,
            stacklevel=4,
        )


def _compute_cells(
    panel: StaggeredPanel,
    control_group: str,
    method: str,
    anticipation: int,
    base_period: str,
) -> tuple[pd.DataFrame, DenseInfluence | CohortLinearInfluence]:
    """Every ATT(g, t) and its (n/n_gt-scaled) influence function, as R did's compute.att_gt."""
    periods = panel.periods
    n_t = len(periods)
    g_all = panel.cohort
    n = panel.n_units
    y = panel.y
    w_all = panel.weights if panel.weights is not None else np.ones(n)
    x3 = panel.x
    x_varies = x3 is not None and bool(np.any(x3 != x3[:, :1, :]))
    estimator = ESTIMATORS[method]
    tfac = 0 if base_period == "universal" else 1
    t_range = range(n_t - tfac)
    rows: list[dict[str, object]] = []
    cohorts = panel.cohorts
    n_cells = len(cohorts) * len(t_range)
    levels = np.concatenate([[0.0], cohorts])
    codes = np.searchsorted(levels, g_all)
    cluster = panel.cluster
    if x3 is not None:
        # units sorted by cohort: every comparison is a union of a few contiguous row blocks
        order = np.argsort(codes, kind="stable")
        codes, g_all, w_all, y, x3 = codes[order], g_all[order], w_all[order], y[order], x3[order]
        cluster = cluster[order] if cluster is not None else None
        bounds = np.searchsorted(codes, np.arange(len(levels) + 1))
        x_by_base: dict[int, np.ndarray] = {}
    units = UnitIndex(codes=codes, levels=levels, weights=w_all, cluster=cluster)
    if x3 is None:
        # no covariates: closed forms on cohort sums, influence functions as cohort loadings
        load_a = np.zeros((n_cells, len(levels), n_t))
        load_b = np.zeros((n_cells, len(levels)))
    else:
        # cells are columns; Fortran order keeps each cell's influence function contiguous
        inf = np.zeros((n_cells, n)).T
    w_code = np.bincount(codes, weights=w_all, minlength=len(cohorts) + 1)
    n_code = np.bincount(codes, minlength=len(cohorts) + 1)
    if x3 is None:
        moments = cohort_moments(y, units)
        s_code = moments.ybar * w_code[:, None]
    else:
        yf = np.asfortranarray(y)
    ps_cache: dict[tuple[float, float, int], PropensityFit] = {}
    k = 0
    for g in cohorts:
        pre_idx = np.flatnonzero(periods + anticipation < g)
        g_base = int(pre_idx[-1])
        n_cohort = int(n_code[np.searchsorted(levels, g)])
        for ti in t_range:
            cur = ti + tfac
            base = ti if base_period == "varying" else g_base
            post = bool(g <= periods[cur])
            if post:
                base = g_base
            row: dict[str, object] = {
                "cohort": g,
                "time": periods[cur],
                "event_time": periods[cur] - g,
                "base_time": periods[base],
                "post": post,
                "is_base": base == cur,
            }
            if base == cur:
                row.update(att=0.0, n_treated=n_cohort, n_control=0)
                rows.append(row)
                k += 1
                continue
            thr = (
                np.inf
                if control_group == "never_treated"
                else periods[max(cur, base)] + anticipation
            )
            if x3 is None:
                att, n_tr, n_c = _closed_form_cell(
                    load_a[k],
                    load_b[k],
                    codes,
                    s_code,
                    w_code,
                    n_code,
                    cohorts,
                    g,
                    cur,
                    base,
                    thr,
                    control_group,
                )
                if n_c == 0:
                    raise DesignError(
                        f"No comparison units for cohort {g:g} in period {periods[cur]:g} with "
                        f"control_group={control_group!r}. Use the other control group, or drop "
                        "periods after the last cohort adopts."
                    )
                row.update(att=att, n_treated=n_tr, n_control=n_c)
                rows.append(row)
                k += 1
                continue
            tc = int(np.searchsorted(levels, g))
            ctrl_codes = [0]
            if control_group == "not_yet_treated":
                ctrl_codes += [c for c in range(1, len(levels)) if levels[c] > thr and c != tc]
            blocks = _row_blocks(sorted([tc, *ctrl_codes]), bounds)
            n_tr = int(bounds[tc + 1] - bounds[tc])
            n_c = sum(e - s_ for s_, e in blocks) - n_tr
            n_par = 1 + x3.shape[2]
            if n_c == 0:
                raise DesignError(
                    f"No comparison units for cohort {g:g} in period {periods[cur]:g} with "
                    f"control_group={control_group!r}. Use the other control group, or drop "
                    "periods after the last cohort adopts."
                )
            if n_tr < n_par or n_c < n_par or (n_par > 1 and min(n_tr, n_c) <= n_par):
                raise DesignError(
                    f"Cohort {g:g} in period {periods[cur]:g} has {n_tr} treated and {n_c} "
                    f"comparison units, too few for a model with {n_par} parameters "
                    f"(intercept + covariates {list(panel.covariate_names)}). Drop covariates "
                    "or merge small cohorts."
                )
            xb = base if x_varies else 0
            if xb not in x_by_base:
                x_by_base[xb] = np.column_stack([np.ones(n), x3[:, xb, :]])
            dy = _gather(yf[:, cur], blocks) - _gather(yf[:, base], blocks)
            w = _gather(w_all, blocks)
            x = _gather(x_by_base[xb], blocks)
            d = (_gather(codes, blocks) == tc).astype(float)
            ps_fit = None
            if method != "reg":
                key = (float(g), float(thr), base if x_varies else -1)
                ps_fit = ps_cache.get(key)
                if ps_fit is None:
                    ps_fit = _propensity(x, d, w / w.mean(), g, periods[cur], panel)
                    ps_cache[key] = ps_fit
            try:
                att, psi = estimator(dy, d, x, w, ps_fit)
            except np.linalg.LinAlgError as exc:
                raise DesignError(
                    f"Outcome regression for cohort {g:g}, period {periods[cur]:g} is singular: "
                    f"covariates {list(panel.covariate_names)} are collinear among the "
                    "comparison units. Drop or combine covariates."
                ) from exc
            _scatter(inf[:, k], blocks, psi * (n / len(psi)))
            row.update(att=att, n_treated=n_tr, n_control=n_c)
            rows.append(row)
            k += 1
    influence: DenseInfluence | CohortLinearInfluence
    if x3 is None:
        influence = CohortLinearInfluence(load_a, load_b, units, moments)
    else:
        influence = DenseInfluence(inf, units)
    return pd.DataFrame(rows), influence


def _row_blocks(codes: list[int], bounds: np.ndarray) -> list[tuple[int, int]]:
    """Contiguous row ranges covering the given (sorted) cohort codes."""
    blocks: list[tuple[int, int]] = []
    for c in codes:
        start, end = int(bounds[c]), int(bounds[c + 1])
        if blocks and blocks[-1][1] == start:
            blocks[-1] = (blocks[-1][0], end)
        elif end > start:
            blocks.append((start, end))
    return blocks


def _gather(arr: np.ndarray, blocks: list[tuple[int, int]]) -> np.ndarray:
    if len(blocks) == 1:
        return arr[blocks[0][0] : blocks[0][1]]
    return np.concatenate([arr[s:e] for s, e in blocks])


def _scatter(out: np.ndarray, blocks: list[tuple[int, int]], values: np.ndarray) -> None:
    pos = 0
    for s, e in blocks:
        out[s:e] = values[pos : pos + e - s]
        pos += e - s


def _closed_form_cell(
    load_a: np.ndarray,
    load_b: np.ndarray,
    codes: np.ndarray,
    s_code: np.ndarray,
    w_code: np.ndarray,
    n_code: np.ndarray,
    cohorts: np.ndarray,
    g: float,
    cur: int,
    base: int,
    thr: float,
    control_group: str,
) -> tuple[float, int, int]:
    """ATT(g, t) without covariates from weighted cohort sums; fills its cohort loadings.

    The 2x2 DR, IPW and REG estimators all reduce to the difference of weighted mean
    changes, with influence function ``n w_i (dy_i - mu_T) / W_T`` for the cohort and
    ``-n w_i (dy_i - mu_C) / W_C`` for comparison units (zero elsewhere), i.e. loadings
    ``A[c] = +-n / W (e_t - e_base)`` and ``b[c] = -+n mu / W`` on ``w_i Y_i`` and ``w_i``.
    """
    levels = np.concatenate([[0.0], cohorts])
    treated = levels == g
    control = levels == 0
    if control_group == "not_yet_treated":
        control = control | ((levels > thr) & ~treated)
    n_tr, n_c = int(n_code[treated].sum()), int(n_code[control].sum())
    if n_c == 0:
        return float("nan"), n_tr, n_c
    dsum = s_code[:, cur] - s_code[:, base]
    w_t, w_c = w_code[treated].sum(), w_code[control].sum()
    mu_t = dsum[treated].sum() / w_t
    mu_c = dsum[control].sum() / w_c
    n = len(codes)
    for mask, scale, mu in ((treated, n / w_t, mu_t), (control, -n / w_c, mu_c)):
        load_a[mask, cur] = scale
        load_a[mask, base] = -scale
        load_b[mask] = -scale * mu
    return float(mu_t - mu_c), n_tr, n_c


def _propensity(
    x: np.ndarray, d: np.ndarray, w: np.ndarray, g: float, t: float, panel: StaggeredPanel
) -> PropensityFit:
    try:
        fit = fit_propensity(x, d, w)
    except SeparationError as exc:
        raise DesignError(
            f"The propensity score for cohort {g:g} (period {t:g}) cannot be estimated: "
            f"covariates {list(panel.covariate_names)} (nearly) perfectly predict treatment, "
            "so there is no overlap with the comparison group. Drop or coarsen those "
            "covariates, or use method='reg'."
        ) from exc
    ctrl_ps = fit.ps[d == 0]
    if fit.n_trimmed or (ctrl_ps.size and ctrl_ps.max() > 0.99) or fit.ps[d == 1].min() < 1e-4:
        warnings.warn(
            f"Weak overlap for cohort {g:g} (period {t:g}): propensity scores reach "
            f"{fit.ps.max():.4f}; {fit.n_trimmed} comparison units with scores >= 0.995 get "
            "zero weight (as R DRDID). Results lean on few comparison units; consider "
            "method='reg' or fewer covariates.",
            OverlapWarning,
            stacklevel=5,
        )
    return fit
