"""Group-time cells of :func:`impact.did.att_gt` for repeated cross-sections and unbalanced panels.

Follows R ``did``'s ``compute.att_gt`` when ``panel = FALSE`` or the panel is unbalanced:
for each cohort ``g`` and period ``t`` take the observations of the current and the base
period that belong to cohort ``g`` or to the comparison group, run the repeated
cross-section 2x2 estimator (:mod:`impact.did.group_time.drdid_rc`) on them, scale its influence
function by ``n / n_gt`` (``n`` sampling units in all, ``n_gt`` observations in the cell)
and sum it within sampling units: per row for repeated cross-sections, per unit for an
unbalanced panel (a unit observed in both periods contributes two terms).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from impact.did.group_time.drdid_rc import RC_ESTIMATORS
from impact.did.group_time.estimates_panel import group_time_cells, propensity_with_checks
from impact.did.group_time.influence import DenseInfluence, SparseInfluence, UnitIndex
from impact.did.group_time.validation import (
    last_cohort_as_comparison,
    too_few_periods_before_last_cohort,
)
from impact.did.group_time.validation_rc import RepeatedSample
from impact.errors import DesignError

__all__ = ["compute_rc_cells", "last_cohort_as_control_rc"]


def compute_rc_cells(
    sample: RepeatedSample,
    control_group: str,
    method: str,
    anticipation: int,
    base_period: str,
) -> tuple[pd.DataFrame, DenseInfluence | SparseInfluence]:
    """Every ATT(g, t) and its influence function per sampling unit.

    Repeated cross-sections keep the influence functions sparse (a cell only involves the
    observations of two periods); for an unbalanced panel most units enter every cell, so
    they are dense.
    """
    periods = sample.periods
    n_t = len(periods)
    cohorts = sample.cohorts
    levels = np.concatenate([[0.0], cohorts])
    code = np.searchsorted(levels, sample.cohort)
    n = sample.n_units
    estimator = RC_ESTIMATORS[method]
    # rows sorted by (period, cohort code): every (period, cohort) block is contiguous
    order = np.lexsort((code, sample.period_index))
    block_key = sample.period_index[order] * len(levels) + code[order]
    bounds = np.searchsorted(block_key, np.arange(n_t * len(levels) + 1))
    y = sample.y[order]
    w_all = sample.weights[order] if sample.weights is not None else np.ones(len(y))
    x_all = (
        np.column_stack([np.ones(len(y)), sample.x[order]])
        if sample.x is not None
        else np.ones((len(y), 1))
    )
    su = sample.sampling_unit[order]
    code_sorted = code[order]
    period_sorted = sample.period_index[order]
    n_par = x_all.shape[1]

    cells = group_time_cells(cohorts, periods, control_group, anticipation, base_period)
    n_cells = len(cells)
    rc = sample.structure == "repeated_cross_section"
    inf = np.zeros((0, n_cells) if rc else (n_cells, n)).T
    sp_rows: list[np.ndarray] = []
    sp_vals: list[np.ndarray] = []
    sp_cols: list[np.ndarray] = []
    rows_out: list[dict[str, object]] = []
    for k, cell in enumerate(cells):
        g, tc, cur, base = cell.g, cell.code, cell.cur, cell.base
        row = cell.row(periods)
        rows_out.append(row)
        if cell.is_base:
            row.update(att=0.0, n_treated=_n_distinct(su[code_sorted == tc], n), n_control=0)
            continue
        idx = np.concatenate(
            [
                np.arange(bounds[p * len(levels) + c], bounds[p * len(levels) + c + 1])
                for p in (base, cur)
                for c in sorted([tc, *cell.comparison_codes(levels, control_group)])
            ]
        )
        d = (code_sorted[idx] == tc).astype(float)
        is_post = (period_sorted[idx] == cur).astype(float)
        _check_cell(
            d, is_post, n_par, method, g, periods[cur], periods[base], control_group, sample
        )
        x = x_all[idx]
        w = w_all[idx]
        ps_fit = propensity_with_checks(method, x, d, w, g, periods[cur], sample.covariate_names)
        try:
            att, psi = estimator(y[idx], is_post, d, x, w, ps_fit)
        except np.linalg.LinAlgError as exc:
            raise DesignError(
                f"An outcome regression for cohort {g:g}, period {periods[cur]:g} is "
                f"singular: covariates {list(sample.covariate_names)} are collinear within "
                "a group-period of the comparison. Drop or combine covariates."
            ) from exc
        if rc:  # one row per sampling unit: no sums needed
            sp_rows.append(su[idx])
            sp_vals.append(psi * (n / len(idx)))
            sp_cols.append(np.full(len(idx), k))
        else:
            inf[:, k] = np.bincount(su[idx], weights=psi * (n / len(idx)), minlength=n)
        row.update(
            att=att,
            n_treated=_n_distinct(su[idx][d == 1], n),
            n_control=_n_distinct(su[idx][d == 0], n),
        )
    units = UnitIndex(
        codes=np.searchsorted(levels, sample.unit_cohort),
        levels=levels,
        weights=sample.unit_weights,
        cluster=sample.unit_cluster,
    )
    if rc:
        psi_sp = sparse.csc_matrix(
            (np.concatenate(sp_vals), (np.concatenate(sp_rows), np.concatenate(sp_cols))),
            shape=(n, n_cells),
        )
        return pd.DataFrame(rows_out), SparseInfluence(psi_sp, units)
    return pd.DataFrame(rows_out), DenseInfluence(inf, units)


def _n_distinct(codes: np.ndarray, n: int) -> int:
    """Number of distinct sampling units among ``codes`` (all < ``n``), without sorting."""
    return int(np.count_nonzero(np.bincount(codes, minlength=n)))


def _check_cell(
    d: np.ndarray,
    post: np.ndarray,
    n_par: int,
    method: str,
    g: float,
    t: float,
    base: float,
    control_group: str,
    sample: RepeatedSample,
) -> None:
    """Each of the four group-period blocks needs observations, and enough of them for the
    outcome regressions fitted in it (all four for ``dr``, the comparison blocks for ``reg``)."""
    blocks = {
        f"cohort {g:g} in period {t:g}": d * post,
        f"cohort {g:g} in the base period {base:g}": d * (1 - post),
        f"the comparison group in period {t:g}": (1 - d) * post,
        f"the comparison group in the base period {base:g}": (1 - d) * (1 - post),
    }
    for what, mask in blocks.items():
        m = int(mask.sum())
        if m == 0:
            raise DesignError(
                f"No observations of {what} (ATT({g:g}, {t:g}) with control_group="
                f"{control_group!r}). Use the other control group, drop periods after the "
                "last cohort adopts, or merge cohorts."
            )
        regression = method == "dr" or (method == "reg" and "comparison" in what)
        if regression and n_par > 1 and m < n_par:
            raise DesignError(
                f"Only {m} observations of {what}, too few for a regression with {n_par} "
                f"parameters (intercept + covariates {list(sample.covariate_names)}). Drop "
                "covariates or merge small cohorts."
            )


def last_cohort_as_control_rc(
    sample: RepeatedSample, anticipation: int
) -> tuple[RepeatedSample, str]:
    """No never-treated units: keep periods before the last cohort; it becomes the control."""
    g_max, cohort, note = last_cohort_as_comparison(sample, anticipation)
    keep = sample.periods[sample.period_index] < g_max - anticipation
    if not keep.any() or len(np.unique(sample.period_index[keep])) < 2:
        raise too_few_periods_before_last_cohort(g_max)
    new = sample.subset(keep, cohort=cohort)
    if not np.any(new.unit_cohort > 0):
        raise DesignError(
            "control_group='not_yet_treated' without never-treated units leaves no treated "
            f"cohort before the last one ({g_max:g})."
        )
    return new, note
