"""Group-time cells of :func:`impact.did.att_gt`: every ATT(g, t) and its influence function.

Follows R ``did``'s ``compute.att_gt`` for balanced panels: for each cohort ``g`` and
period ``t`` pick the base period and the comparison units, then run the 2x2 estimator
(:mod:`impact.did.group_time.drdid_panel`). Without covariates the three estimators reduce to a difference
of weighted mean changes, computed in closed form from cohort sums with influence functions
kept as cohort loadings (:class:`impact.did.group_time.influence.CohortLinearInfluence`); with
covariates units are sorted by cohort so every comparison is a few contiguous row blocks.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType

import numpy as np
import pandas as pd

from impact.did.group_time.drdid_panel import (
    FROM_COMPARISON,
    Comparison,
    PropensityFit,
    SeparationError,
    fit_propensity,
)
from impact.did.group_time.influence import (
    CohortLinearInfluence,
    DenseInfluence,
    UnitIndex,
    cohort_moments,
)
from impact.did.group_time.validation import StaggeredPanel
from impact.errors import DesignError, OverlapWarning

__all__ = ["Cell", "compute_cells", "group_time_cells", "propensity_with_checks"]


@dataclass(frozen=True)
class Cell:
    """One group-time cell ATT(g, t): what R ``did``'s ``compute.att_gt`` decides per cell.

    Attributes
    ----------
    g
        The cohort.
    code
        Index of ``g`` in the cohort levels ``[0, *cohorts]``.
    cur, base
        Indices into the periods of the period ``t`` and of the base period.
    post
        ``g <= t``.
    threshold
        Comparison cohorts must start after this period (``inf``: never-treated only).
    """

    g: float
    code: int
    cur: int
    base: int
    post: bool
    threshold: float

    @property
    def is_base(self) -> bool:
        """The base period is ``t`` itself (universal base): ATT is 0 by construction."""
        return self.base == self.cur

    def row(self, periods: np.ndarray) -> dict[str, object]:
        """The cell's identifying columns of the group-time table."""
        return {
            "cohort": self.g,
            "time": periods[self.cur],
            "event_time": periods[self.cur] - self.g,
            "base_time": periods[self.base],
            "post": self.post,
            "is_base": self.is_base,
        }

    def comparison_codes(self, levels: np.ndarray, control_group: str) -> list[int]:
        """Cohort codes of the comparison group (0 = never treated, then not-yet-treated)."""
        codes = [0]
        if control_group == "not_yet_treated":
            codes += [
                c for c in range(1, len(levels)) if levels[c] > self.threshold and c != self.code
            ]
        return codes


def group_time_cells(
    cohorts: np.ndarray,
    periods: np.ndarray,
    control_group: str,
    anticipation: int,
    base_period: str,
) -> list[Cell]:
    """The cells of :func:`impact.did.att_gt` in table order (cohort, then period).

    Post-treatment cells compare with the last period before ``g - anticipation``;
    pre-treatment cells with the previous period (``"varying"``) or that same base
    (``"universal"``, where the base cell itself is kept with ATT 0).
    """
    levels = np.concatenate([[0.0], cohorts])
    tfac = 0 if base_period == "universal" else 1
    cells: list[Cell] = []
    for g in cohorts:
        g_base = int(np.flatnonzero(periods + anticipation < g)[-1])
        for ti in range(len(periods) - tfac):
            cur = ti + tfac
            post = bool(g <= periods[cur])
            base = g_base if (post or base_period == "universal") else ti
            threshold = (
                np.inf
                if control_group == "never_treated"
                else periods[max(cur, base)] + anticipation
            )
            cells.append(Cell(g, int(np.searchsorted(levels, g)), cur, base, post, threshold))
    return cells


def _no_comparison_units(g: float, t: float, control_group: str) -> DesignError:
    return DesignError(
        f"No comparison units for cohort {g:g} in period {t:g} with "
        f"control_group={control_group!r}. Use the other control group, or drop "
        "periods after the last cohort adopts."
    )


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
    cohorts = panel.cohorts
    cells = group_time_cells(cohorts, periods, control_group, anticipation, base_period)
    n_cells = len(cells)
    rows: list[dict[str, object]] = []
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
    # cells with covariates run on a few threads; checks, fits and warnings stay here
    with _CellThreads(_n_threads() if x3 is not None else 1) as threads:
        for k, cell in enumerate(cells):
            g, cur, base, thr = cell.g, cell.cur, cell.base, cell.threshold
            row = cell.row(periods)
            rows.append(row)
            if cell.is_base:
                row.update(att=0.0, n_treated=int(n_code[cell.code]), n_control=0)
                continue
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
                    raise _no_comparison_units(g, periods[cur], control_group)
                row.update(att=att, n_treated=n_tr, n_control=n_c)
                continue
            tc = cell.code
            blocks = _row_blocks(
                sorted([tc, *cell.comparison_codes(levels, control_group)]), bounds
            )
            n_tr = int(bounds[tc + 1] - bounds[tc])
            n_c = sum(e - s_ for s_, e in blocks) - n_tr
            n_par = 1 + x3.shape[2]
            if n_c == 0:
                raise _no_comparison_units(g, periods[cur], control_group)
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
                ps_fit = propensity_with_checks(
                    method, x, d, w, g, periods[cur], panel.covariate_names
                )
                try:
                    comp = Comparison.build(d, x, w, ps_fit, propensity=method != "reg")
                except np.linalg.LinAlgError as exc:
                    raise DesignError(
                        f"Outcome regression for cohort {g:g}, period {periods[cur]:g} is "
                        f"singular: covariates {list(panel.covariate_names)} are collinear among "
                        "the comparison units. Drop or combine covariates."
                    ) from exc
                comparisons.clear()  # one comparison set at a time here, two in the threads
                comparisons[key] = comp
                threads.new_comparison()
            row.update(att=float("nan"), n_treated=n_tr, n_control=n_c)  # att filled in below
            threads.submit(
                row, _estimate_cell, estimator, comp, yf[:, cur], yf[:, base], blocks, inf[:, k]
            )
    influence: DenseInfluence | CohortLinearInfluence
    if x3 is None:
        influence = CohortLinearInfluence(load_a, load_b, units, moments)
    else:
        influence = DenseInfluence(inf, units)
    return pd.DataFrame(rows), influence


def _n_threads() -> int:
    """Threads for the cells: the CPUs this process may use, at most four."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(4, cpus or 1))


class _CellThreads:
    """Runs the per-cell 2x2 estimates of the covariate path on a few threads.

    A cell is a handful of passes over ~n units in NumPy, which releases the GIL for them, so
    cells run side by side. Each cell writes only its own column of the influence matrix,
    and BLAS is single-threaded inside ``att_gt``, so every number is the same whichever
    thread computes it. The checks, propensity fits and warnings stay on the calling thread,
    in table order; at most two comparison sets are alive at a time. An error raised by a
    cell surfaces before any error of a later cell, as in a serial loop.
    """

    def __init__(self, n_threads: int) -> None:
        self._pool = ThreadPoolExecutor(n_threads) if n_threads > 1 else None
        self._groups: list[list[tuple[dict[str, object], Future[float]]]] = [[]]

    def new_comparison(self) -> None:
        """Start the cells of a new comparison set; wait for the one before the last."""
        self._groups.append([])
        while len(self._groups) > 2:
            self._collect(self._groups.pop(0))

    def submit(self, row: dict[str, object], fn: Callable[..., float], *args: object) -> None:
        """Compute ``row["att"] = fn(*args)``, now (one thread) or on a worker."""
        if self._pool is None:
            row["att"] = fn(*args)
        else:
            self._groups[-1].append((row, self._pool.submit(fn, *args)))

    @staticmethod
    def _collect(group: list[tuple[dict[str, object], Future[float]]]) -> None:
        for row, future in group:
            row["att"] = future.result()

    def __enter__(self) -> _CellThreads:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            for group in self._groups:  # on an error here, earlier cells' errors come first
                self._collect(group)
        finally:
            if self._pool is not None:
                self._pool.shutdown(wait=True, cancel_futures=True)


def _estimate_cell(
    estimator: Callable[[np.ndarray, Comparison], tuple[float, np.ndarray]],
    comp: Comparison,
    cur: np.ndarray,
    base: np.ndarray,
    blocks: list[tuple[int, int]],
    out: np.ndarray,
) -> float:
    """ATT(g, t) of one cell; its influence function, scaled by n / n_gt, goes into ``out``."""
    dy = _gather_change(cur, base, blocks)
    att, psi = estimator(dy, comp)
    _scatter_scaled(out, blocks, psi, len(out) / len(psi))
    return att


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


def _gather_change(cur: np.ndarray, base: np.ndarray, blocks: list[tuple[int, int]]) -> np.ndarray:
    """``cur - base`` over the blocks, in one pass (no gathered copies of either column)."""
    if len(blocks) == 1:
        return cur[blocks[0][0] : blocks[0][1]] - base[blocks[0][0] : blocks[0][1]]
    out = np.empty(sum(e - s for s, e in blocks))
    pos = 0
    for s, e in blocks:
        np.subtract(cur[s:e], base[s:e], out=out[pos : pos + e - s])
        pos += e - s
    return out


def _scatter_scaled(
    out: np.ndarray, blocks: list[tuple[int, int]], values: np.ndarray, scale: float
) -> None:
    """``out[blocks] = values * scale``, multiplying straight into ``out`` (no temporary)."""
    pos = 0
    for s, e in blocks:
        np.multiply(values[pos : pos + e - s], scale, out=out[s:e])
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
    method: str,
    x: np.ndarray,
    d: np.ndarray,
    w: np.ndarray,
    g: float,
    t: float,
    covariate_names: tuple[str, ...],
    stacklevel: int = 4,
) -> PropensityFit | None:
    """Fit the propensity score of one comparison; errors on separation, warns on weak overlap.

    ``None`` for ``method="reg"`` (no propensity score); the weights ``w`` are normalised
    to mean one for the fit.
    """
    if method == "reg":
        return None
    try:
        fit = fit_propensity(x, d, w / w.mean())
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
