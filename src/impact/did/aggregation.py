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

import numpy as np
import pandas as pd
from scipy import stats

from impact.did.gt_results import AggregateResult, GroupTimeResult
from impact.did.multiplier import multiplier_bootstrap, sum_by_cluster
from impact.errors import DesignError

__all__ = ["aggregate"]

KINDS = ("simple", "dynamic", "group", "calendar")


def _weighted(
    inf: np.ndarray,
    att: np.ndarray,
    cells: np.ndarray,
    pg: np.ndarray,
    cell_cohort: np.ndarray,
    unit_cohort: _UnitCohorts,
    unit_w: np.ndarray,
    with_wif: bool = True,
) -> tuple[float, np.ndarray]:
    """Cohort-share weighted average of the cells and its influence function."""
    p = pg[cells]
    s = p.sum()
    theta = float(p @ att[cells] / s)
    psi = inf[:, cells] @ (p / s)
    if with_wif:
        dev = pd.Series(att[cells] - theta).groupby(cell_cohort[cells]).sum()
        psi += unit_w * _per_cohort(unit_cohort, dev.index.to_numpy(), dev.to_numpy()) / s
    return theta, psi


def aggregate(
    result: GroupTimeResult,
    kind: str = "dynamic",
    *,
    min_e: float = -np.inf,
    max_e: float = np.inf,
    balance_e: int | None = None,
    n_boot: int | None = None,
    seed: int | np.random.Generator | None = None,
) -> AggregateResult:
    """Aggregate group-time ATTs as R ``did::aggte`` does.

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
        Multiplier bootstrap draws and seed; default: those given to ``att_gt``. With the
        bootstrap, SEs come from it and levels get a simultaneous band.

    Returns
    -------
    AggregateResult
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
    inf = result.influence
    ucoh, uw = _UnitCohorts(result.unit_cohort), result.unit_weights
    cohorts = np.unique(g)
    w_code = np.bincount(ucoh.codes, weights=uw, minlength=len(ucoh.levels)) / len(uw)
    pgg = w_code[np.searchsorted(ucoh.levels, cohorts)]
    pg = pgg[np.searchsorted(cohorts, g)]
    post = (g <= t) & (t <= g + max_e)

    def agg(cells: np.ndarray, wif: bool = True) -> tuple[float, np.ndarray]:
        return _weighted(inf, att, cells, pg, g, ucoh, uw, wif)

    levels: list[float] = []
    level_att: list[float] = []
    level_psi: list[np.ndarray] = []
    if kind == "simple":
        cells = np.flatnonzero(post)
        if cells.size == 0:
            raise DesignError("No post-treatment group-time cells to aggregate.")
        theta, psi = agg(cells)
    elif kind == "group":
        for c in cohorts:
            cells = np.flatnonzero(post & (g == c))
            if cells.size == 0:
                continue
            levels.append(float(c))
            level_att.append(float(att[cells].mean()))
            level_psi.append(inf[:, cells].mean(axis=1))
        lat = np.array(level_att)
        p = pgg[np.searchsorted(cohorts, levels)]
        theta = float(p @ lat / p.sum())
        psi = np.sum([c * (pj / p.sum()) for c, pj in zip(level_psi, p)], axis=0)
        psi = psi + uw * _per_cohort(ucoh, np.array(levels), lat - theta) / p.sum()
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
            th, ps = agg(cells)
            levels.append(float(ev))
            level_att.append(th)
            level_psi.append(ps)
        epos = eseq >= 0
        if not epos.any():
            theta, psi = float("nan"), np.zeros(inf.shape[0])
        else:
            theta = float(np.mean(np.array(level_att)[epos]))
            psi = np.sum([level_psi[j] for j in np.flatnonzero(epos)], axis=0) / epos.sum()
    else:  # calendar
        for tt in np.unique(t[t >= g.min()]):
            cells = np.flatnonzero(post & (t == tt))
            if cells.size == 0:
                continue
            th, ps = agg(cells)
            levels.append(float(tt))
            level_att.append(th)
            level_psi.append(ps)
        theta = float(np.mean(level_att))
        psi = np.sum(level_psi, axis=0) / len(level_psi)

    n = inf.shape[0]
    all_psi = np.empty((len(level_psi) + 1, len(psi))).T  # Fortran order: contiguous columns
    for j, col in enumerate([*level_psi, psi]):
        all_psi[:, j] = col
    del level_psi
    sums = (
        sum_by_cluster(all_psi, result.unit_cluster) if result.unit_cluster is not None else all_psi
    )
    cov = sums.T @ sums / n**2
    se_all = np.sqrt(np.diag(cov))
    se_all = np.where(se_all > np.sqrt(np.finfo(float).eps) * 10, se_all, np.nan)
    z = float(stats.norm.ppf(1 - cfg.alpha / 2))
    draws = None
    crit = float("nan")
    if n_boot:
        boot = multiplier_bootstrap(
            all_psi,
            n_boot=n_boot,
            cluster=result.unit_cluster,
            weights=cfg.boot_weights,  # type: ignore[arg-type]
            alpha=cfg.alpha,
            seed=seed,
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
    return AggregateResult(
        kind=kind,
        att=theta,
        se=se,
        ci=(theta - z * se, theta + z * se),
        table=table,
        influence=all_psi,
        level_cov=cov[: len(levels), : len(levels)],
        draws=draws,
        crit=crit,
        settings=cfg,
        outcome=result.outcome,
    )


class _UnitCohorts:
    """Unit cohorts as integer codes, for fast per-cohort lookups (code 0 = not a cohort)."""

    def __init__(self, unit_cohort: np.ndarray) -> None:
        self.levels, self.codes = np.unique(unit_cohort, return_inverse=True)

    def lookup(self, cohorts: np.ndarray, values: np.ndarray) -> np.ndarray:
        table = np.zeros(len(self.levels))
        pos = np.searchsorted(self.levels, cohorts)
        table[pos] = values
        return table[self.codes]


def _per_cohort(unit_cohort: _UnitCohorts, cohorts: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Map a value per cohort onto units (0 for units in other cohorts or never treated)."""
    return unit_cohort.lookup(np.asarray(cohorts, dtype=float), np.asarray(values, dtype=float))


def _level(kind: str) -> str:
    return {"dynamic": "event_time", "group": "cohort", "calendar": "time"}.get(kind, "level")
