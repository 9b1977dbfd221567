"""Group-time cells of :func:`impact.did.att_gt`: every ATT(g, t) and its influence function.

Follows R ``did``'s ``compute.att_gt`` for balanced panels: for each cohort ``g`` and
period ``t`` pick the base period and the comparison units, then run the 2x2 estimator
(:mod:`impact.did._drdid`). Without covariates the three estimators reduce to a difference
of weighted mean changes, computed in closed form from cohort sums with influence functions
kept as cohort loadings (:class:`impact.did._influence.CohortLinearInfluence`); with
covariates units are sorted by cohort so every comparison is a few contiguous row blocks.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from impact.did._drdid import (
    FROM_COMPARISON,
    Comparison,
    PropensityFit,
    SeparationError,
    fit_propensity,
)
from impact.did._influence import (
    CohortLinearInfluence,
    DenseInfluence,
    UnitIndex,
    cohort_moments,
)
from impact.did.design import StaggeredPanel
from impact.errors import DesignError, OverlapWarning

__all__ = ["compute_cells", "propensity_with_checks"]


def compute_cells(
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
    estimator = FROM_COMPARISON[method]
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
    comparisons: dict[tuple[float, float, int], Comparison] = {}
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
            key = (float(g), float(thr), xb)
            comp = comparisons.get(key)
            if comp is None:
                w = _gather(w_all, blocks)
                x = _gather(x_by_base[xb], blocks)
                d = (_gather(codes, blocks) == tc).astype(float)
                ps_fit = (
                    propensity_with_checks(
                        x, d, w / w.mean(), g, periods[cur], panel.covariate_names
                    )
                    if method != "reg"
                    else None
                )
                try:
                    comp = Comparison.build(d, x, w, ps_fit, propensity=method != "reg")
                except np.linalg.LinAlgError as exc:
                    raise DesignError(
                        f"Outcome regression for cohort {g:g}, period {periods[cur]:g} is "
                        f"singular: covariates {list(panel.covariate_names)} are collinear among "
                        "the comparison units. Drop or combine covariates."
                    ) from exc
                comparisons.clear()  # one comparison set at a time keeps memory flat
                comparisons[key] = comp
            dy = _gather(yf[:, cur], blocks) - _gather(yf[:, base], blocks)
            att, psi = estimator(dy, comp)
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


def propensity_with_checks(
    x: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    g: float,
    t: float,
    covariate_names: tuple[str, ...],
    stacklevel: int = 4,
) -> PropensityFit:
    """Fit the propensity score of one comparison; errors on separation, warns on weak overlap."""
    try:
        fit = fit_propensity(x, d, w)
    except SeparationError as exc:
        raise DesignError(
            f"The propensity score for cohort {g:g} (period {t:g}) cannot be estimated: "
            f"covariates {list(covariate_names)} (nearly) perfectly predict treatment, "
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
            stacklevel=stacklevel,
        )
    return fit
