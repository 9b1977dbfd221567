"""Aggregation of group-time ATTs into summary parameters (R ``did``'s ``aggte``).

Each aggregate is ``theta = sum_k w_k ATT(g_k, t_k)`` with weights proportional to the
cohort shares ``P(G = g)`` among the cells that enter. Its influence function is the
weighted sum of the cells' influence functions plus, where the weights are estimated
cohort shares, the term for estimating them (Callaway & Sant'Anna 2021, Sec. 4; R's
``wif``). With weights ``pg_k / S`` (``S = sum pg_k``) that term reduces to
``w_i * sum_{k: g_k = G_i} (ATT_k - theta) / S`` for unit ``i``.

- ``simple``: all post-treatment cells (``g <= t <= g + max_e``), weighted by cohort size.
- ``dynamic``: per event time ``e = t - g`` (within ``[min_e, max_e]``, optionally only
  cohorts observed ``balance_e`` periods after adoption); overall = mean over ``e >= 0``.
- ``group``: per cohort, the mean of its post-treatment cells; overall weighted by size.
- ``calendar``: per period, post-treatment cells weighted by size; overall = mean over periods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import ndtri  # = scipy.stats.norm.ppf, bit for bit, without scipy.stats

from impact.did.group_time.multiplier import check_bootstrap_options
from impact.errors import DesignError

if TYPE_CHECKING:
    from impact.did.group_time.results import GroupTimeResult

__all__ = ["aggregate"]

KINDS = ("simple", "dynamic", "group", "calendar")


class _Combination:
    """Parameters built as linear combinations of the cells plus per-cohort weight terms.

    Column ``l`` of ``weights`` (cells x params) and row ``l`` of ``terms`` (params x cohort
    codes) define ``psi_l = psi_cells @ weights[:, l] + w_i * terms[l, code_i]``.
    """

    def __init__(self, n_cells: int, cohort_levels: np.ndarray) -> None:
        self.n_cells = n_cells
        self.levels = cohort_levels
        self.cols: list[np.ndarray] = []
        self.terms: list[np.ndarray] = []

    def weighted(
        self,
        att: np.ndarray,
        cells: np.ndarray,
        pg: np.ndarray,
        cell_cohort: np.ndarray,
        wif: bool = True,
    ) -> float:
        """Cohort-share weighted average of ``cells`` (R's wif term when ``wif``)."""
        p = pg[cells]
        s = p.sum()
        theta = float(p @ att[cells] / s)
        col = np.zeros(self.n_cells)
        col[cells] = p / s
        term = np.zeros(len(self.levels))
        if wif:
            np.add.at(
                term, np.searchsorted(self.levels, cell_cohort[cells]), (att[cells] - theta) / s
            )
        self.cols.append(col)
        self.terms.append(term)
        return theta

    def add(self, col: np.ndarray, term: np.ndarray) -> None:
        self.cols.append(col)
        self.terms.append(term)

    def matrices(self) -> tuple[np.ndarray, np.ndarray]:
        return np.column_stack(self.cols), np.vstack(self.terms)


def aggregate(
    result: GroupTimeResult,
    kind: str = "dynamic",
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
    n_boot: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> dict[str, Any]:
    """Aggregate group-time ATTs as R ``did::aggte`` does.

    This module computes; :meth:`GroupTimeResult.aggregate` wraps the fields returned here
    into an :class:`~impact.did.AggregateResult`, so the computation never imports the
    results it feeds (the layout's downward rule).

    Parameters
    ----------
    result
        Output of :func:`impact.did.att_gt`.
    kind
        ``"simple"``, ``"dynamic"``, ``"group"`` or ``"calendar"``.
    min_e, max_e
        Event-time window (``max_e`` also caps the cells entering the other kinds).
    balance_e
        Dynamic only: keep cohorts observed at least ``balance_e`` periods after adoption,
        so the composition of the event study does not change with ``e``.
    n_boot, seed
        Multiplier bootstrap draws and seed; default: those given to ``att_gt`` (pass
        ``n_boot=0`` for analytic SEs after a bootstrapped ``att_gt``). With the bootstrap,
        SEs come from it and levels get a simultaneous (uniform) band.

    Returns
    -------
    dict
        The fields of an :class:`~impact.did.AggregateResult`.
    """
    if kind not in KINDS:
        raise DesignError(f"kind={kind!r} is not one of {KINDS}.")
    tab = result.table
    cfg = result.settings
    n_boot = cfg.n_boot if n_boot is None else n_boot
    seed = cfg.seed if seed is None else seed
    g = tab["cohort"].to_numpy(dtype=float)
    t = tab["time"].to_numpy(dtype=float)
    e = t - g
    att = tab["att"].to_numpy(dtype=float)
    n_cells = len(att)
    infl = result.influence
    units = infl.units
    w_code = (
        np.bincount(units.codes, weights=units.weights, minlength=len(units.levels)) / units.n_units
    )
    cohorts = np.unique(g)
    pgg = w_code[np.searchsorted(units.levels, cohorts)]
    pg = pgg[np.searchsorted(cohorts, g)]
    post = (g <= t) & (t <= g + max_e)
    comb = _Combination(n_cells, units.levels)
    levels: list[float] = []
    level_att: list[float] = []
    if kind == "simple":
        cells = np.flatnonzero(post)
        if cells.size == 0:
            raise DesignError("No post-treatment group-time cells to aggregate.")
        theta = comb.weighted(att, cells, pg, g)
    else:
        if kind == "group":
            for c in cohorts:
                cells = np.flatnonzero(post & (g == c))
                if cells.size == 0:
                    continue
                levels.append(float(c))
                level_att.append(float(att[cells].mean()))
                col = np.zeros(n_cells)
                col[cells] = 1.0 / cells.size
                comb.add(col, np.zeros(len(units.levels)))
        elif kind == "dynamic":
            include = np.ones(len(g), dtype=bool)
            eseq = np.unique(e)
            if balance_e is not None:
                include = (t.max() - g) >= balance_e
                eseq = np.unique(e[include])
                eseq = eseq[(eseq <= balance_e) & (eseq >= balance_e - t.max() + t.min())]
            eseq = eseq[(eseq >= min_e) & (eseq <= max_e)]
            if eseq.size == 0:
                raise DesignError(
                    f"No event times within min_e={min_e}, max_e={max_e}, balance_e={balance_e}."
                )
            for ev in eseq:
                cells = np.flatnonzero((e == ev) & include)
                levels.append(float(ev))
                level_att.append(comb.weighted(att, cells, pg, g))
        else:  # calendar
            for tt in np.unique(t[t >= g.min()]):
                cells = np.flatnonzero(post & (t == tt))
                if cells.size == 0:
                    continue
                levels.append(float(tt))
                level_att.append(comb.weighted(att, cells, pg, g))
        if not levels:
            raise DesignError(f"No post-treatment group-time cells to aggregate by {kind!r}.")
        lw, lt = comb.matrices()
        lat_ = np.array(level_att)
        if kind == "group":
            p = pgg[np.searchsorted(cohorts, levels)] / pgg[np.searchsorted(cohorts, levels)].sum()
            theta = float(p @ lat_)
            term = np.zeros(len(units.levels))
            term[np.searchsorted(units.levels, levels)] = (lat_ - theta) / pgg[
                np.searchsorted(cohorts, levels)
            ].sum()
        else:
            use = np.array(levels) >= 0 if kind == "dynamic" else np.ones(len(levels), bool)
            p = use / max(int(use.sum()), 1)
            theta = float(p @ lat_) if use.any() else float("nan")
            term = np.zeros(len(units.levels))
        comb.add(lw @ p, lt.T @ p + term)

    weights_m, terms_m = comb.matrices()
    agg_infl = infl.transform(weights_m, terms_m)
    cov = agg_infl.cov()
    se_all = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    se_all = np.where(se_all > cfg.se_floor, se_all, np.nan)
    z = float(ndtri(1 - cfg.alpha / 2))
    draws = None
    crit = float("nan")
    if n_boot:
        check_bootstrap_options(n_boot, cfg.boot_weights)
        boot = agg_infl.bootstrap(
            n_boot=int(n_boot),
            weights=cfg.boot_weights,  # type: ignore[arg-type]
            alpha=cfg.alpha,
            seed=seed,
            se_floor=cfg.se_floor,
        )
        draws = boot.draws
        se_all = boot.se
        nl = len(levels)
        ok = np.isfinite(se_all[:nl])
        if nl and ok.any():
            t_max = np.max(np.abs(draws[:, :nl][:, ok]) / se_all[:nl][ok], axis=1)
            crit = float(np.quantile(t_max, 1 - cfg.alpha, method="inverted_cdf"))
    lat = np.array(level_att, dtype=float)
    lse = se_all[: len(levels)]
    table = pd.DataFrame(
        {
            _level(kind): levels,
            "att": lat,
            "se": lse,
            "ci_lower": lat - z * lse,
            "ci_upper": lat + z * lse,
        }
    )
    if np.isfinite(crit):
        table["cband_lower"] = lat - crit * lse
        table["cband_upper"] = lat + crit * lse
    if kind == "dynamic":
        table["event_time"] = table["event_time"].astype(int)
    se = float(se_all[-1])
    return dict(
        kind=kind,
        att=theta,
        se=se,
        ci=(theta - z * se, theta + z * se),
        table=table,
        influence=agg_infl,
        level_cov=cov[: len(levels), : len(levels)],
        draws=draws,
        crit=crit,
        settings=cfg,
        outcome=result.outcome,
    )


def _level(kind: str) -> str:
    return {"dynamic": "event_time", "group": "cohort", "calendar": "time"}.get(kind, "level")
