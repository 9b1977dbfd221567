"""Validate DiD data and compress it into binomial cells: the design of :func:`hierarchical_did`.

A logistic model whose linear predictor depends on a row only through its covariate
pattern (site, time, covariate levels, treatment, event time) has a likelihood that
depends on the data only through, per pattern, the number of rows ``n`` and the number of
successes ``k``: the product of ``n`` Bernoulli terms equals the binomial probability
divided by the constant ``C(n, k)``. Compressing persons into cells therefore leaves the
posterior unchanged and cuts the cost of every gradient by the compression factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import sparse

from impact.bayes.enrolment import (
    check_enrolment,
    check_individual,
    check_site_rollout,
    unit_labels,
)
from impact.checks import as_dataframe
from impact.errors import DataError, DesignError


@dataclass(frozen=True, eq=False)
class CellDesign:
    """Arrays that define the hierarchical DiD likelihood (one entry per cell).

    Attributes
    ----------
    cells
        The (compressed) cells: the key columns plus ``n`` and ``successes``.
    successes, trials
        Outcome counts per cell.
    unit_idx, unit_labels
        Index of each cell's unit (site, or cohort when no site column is used) and labels.
    time_idx, time_labels
        Index of each cell's time period and labels.
    covariate_columns, covariate_codes, covariate_levels
        Categorical covariate columns, each cell's level code per column (cells x columns)
        and the levels of each column.
    treated
        1 for treated (post-adoption) cells, else 0.
    effect_site_idx, effect_sites
        For treated cells: index into ``effect_sites`` (the sites with treated cells); 0
        elsewhere. Empty ``effect_sites`` when the model has no site-varying effect.
    event_idx, event_times
        For treated cells: index into ``event_times`` (years since adoption); ``None`` when
        effects do not vary by event time.
    bernoulli
        ``True`` when the rows are persons kept uncompressed (Bernoulli likelihood).
    n_rows
        Number of input rows before compression.
    unit_group_idx, unit_group_labels
        Each unit's adoption cohort (index into the labels, 0 = never adopted first), or
        ``None`` when units are not sites with a cohort column.
    enrolment
        ``"site"`` (units are sites, or cohorts without a site column) or ``"individual"``
        (units are enrolment cohorts within sites, labelled ``"<site> / <cohort>"``).
    unit_time_idx, n_unit_time
        Individual enrolment: each cell's unit x time index (for the unit-year term that
        carries the dependence between a person's years); ``None`` and 0 otherwise.
    trend_covariates
        Covariates whose levels have their own year effects (columns of
        ``covariate_columns``).
    """

    cells: pd.DataFrame
    successes: np.ndarray
    trials: np.ndarray
    unit_idx: np.ndarray
    unit_labels: tuple[object, ...]
    time_idx: np.ndarray
    time_labels: tuple[object, ...]
    covariate_columns: tuple[str, ...]
    covariate_codes: np.ndarray
    covariate_levels: tuple[tuple[object, ...], ...]
    treated: np.ndarray
    effect_site_idx: np.ndarray
    effect_sites: tuple[object, ...]
    event_idx: np.ndarray | None
    event_times: tuple[int, ...] | None
    bernoulli: bool
    n_rows: int
    unit_group_idx: np.ndarray | None = None
    unit_group_labels: tuple[object, ...] = ()
    enrolment: str = "site"
    unit_time_idx: np.ndarray | None = None
    n_unit_time: int = 0
    trend_covariates: tuple[str, ...] = ()

    @property
    def n_cells(self) -> int:
        return int(self.trials.shape[0])

    @property
    def n_persons(self) -> int:
        return int(self.trials.sum())


def _require_columns(data: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataError(
            f"column(s) {missing} not found in the data (columns: {list(data.columns)}); "
            "pass the right names with the keyword arguments."
        )


def _integer_column(data: pd.DataFrame, column: str) -> np.ndarray:
    values = pd.to_numeric(data[column], errors="coerce")
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(arr) | (arr != np.round(arr)) | (arr < 0)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"column {column!r} must hold non-negative whole numbers; row {data.index[i]} has "
            f"{data[column].iloc[i]}."
        )
    return arr.astype(np.int64)


def build_design(
    data: pd.DataFrame,
    *,
    outcome: str,
    trials: str | None,
    site: str | None,
    time: str,
    treated: str,
    cohort: str | None,
    event_time: str | None,
    covariates: Sequence[str],
    site_effects: bool,
    dynamic: bool,
    compress: bool,
    enrolment: str = "site",
    person: str | None = None,
    trend_covariates: Sequence[str] = (),
) -> CellDesign:
    """Validate ``data`` and build the cell design (see :func:`hierarchical_did`)."""
    data = as_dataframe(data)
    enrolment = check_enrolment(enrolment)
    individual = enrolment == "individual"
    if individual and cohort is None:
        check_individual(data, site=site, cohort=cohort, time=time, treated=treated, person=None)
    trend_covariates = list(trend_covariates)
    stray = [c for c in trend_covariates if c not in list(covariates)]
    if stray:
        raise DesignError(
            f"trend_covariates {stray} are not among covariates {list(covariates)}; "
            "add them to covariates."
        )
    if site is None and cohort is None:
        raise DesignError("give a site column or a cohort column; the model needs unit effects.")
    if dynamic and event_time is None:
        raise DesignError("dynamic=True needs the event_time column (years since adoption).")
    if site_effects and site is None:
        raise DesignError("site-varying effects need a site column; set site_effects=False.")
    covariates = list(covariates)
    keys: list[str] = list(
        dict.fromkeys(k for k in (site, cohort, time, treated, *covariates) if k is not None)
    )
    needed = [*keys, outcome]
    if trials is not None:
        needed.append(trials)
    if dynamic and event_time is not None:
        needed.append(event_time)
    if person is not None:
        needed.append(person)
    _require_columns(data, list(dict.fromkeys(needed)))
    if len(data) == 0:
        raise DataError("data has no rows.")
    for col in keys:
        if data[col].isna().any():
            i = int(np.flatnonzero(data[col].isna().to_numpy())[0])
            raise DataError(
                f"column {col!r} has a missing value in row {data.index[i]}; fill or drop it."
            )
    k = _integer_column(data, outcome)
    if trials is None:
        if (k > 1).any():
            i = int(np.flatnonzero(k > 1)[0])
            raise DataError(
                f"column {outcome!r} must be 0/1 for person rows (trials=None); row "
                f"{data.index[i]} has {k[i]}. For counts, pass the trials column."
            )
        n = np.ones_like(k)
    else:
        n = _integer_column(data, trials)
        if (n == 0).any():
            i = int(np.flatnonzero(n == 0)[0])
            raise DataError(
                f"column {trials!r} is 0 in row {data.index[i]}: a cell with n = 0 carries no "
                "information; drop empty cells before fitting."
            )
        if (k > n).any():
            i = int(np.flatnonzero(k > n)[0])
            raise DataError(
                f"column {outcome!r} = {k[i]} exceeds {trials!r} = {n[i]} in row "
                f"{data.index[i]}; successes cannot exceed the cell size."
            )
    tr = _integer_column(data, treated)
    if (tr > 1).any():
        raise DataError(f"column {treated!r} must be 0/1; found {sorted(set(tr.tolist()))}.")
    if tr.sum() == 0:
        raise DesignError(f"no treated rows ({treated!r} is 0 everywhere); nothing to estimate.")
    if tr.sum() == len(tr):
        raise DesignError(f"every row is treated ({treated!r} is 1 everywhere); no comparison.")

    if cohort is not None:
        check_treated_against_cohort(
            data, site=site, time=time, treated=treated, cohort=cohort, one_per_site=not individual
        )
    if individual:
        check_individual(data, site=site, cohort=cohort, time=time, treated=treated, person=person)
    else:
        check_site_rollout(data, site=site, cohort=cohort, time=time, treated=treated)
    frame = pd.DataFrame({c: data[c].to_numpy() for c in keys})
    frame["__k"], frame["__n"] = k, n
    if dynamic:
        assert event_time is not None
        et = pd.to_numeric(data[event_time], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        bad = (tr == 1) & (~np.isfinite(et) | (et < 0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataError(
                f"column {event_time!r} must be >= 0 on treated rows; row {data.index[i]} has "
                f"{data[event_time].iloc[i]}. Check the adoption year."
            )
        frame["__e"] = np.where(tr == 1, np.nan_to_num(et, nan=-1.0), -1.0).astype(np.int64)
        keys_all = [*keys, "__e"]
    else:
        keys_all = keys
    if site is not None and cohort is not None:
        adopters = frame.loc[pd.to_numeric(frame[cohort], errors="coerce").fillna(0) > 0, site]
        treated_sites = set(frame.loc[tr == 1, site])
        lost = sorted(set(adopters) - treated_sites, key=str)
        if lost:
            raise DesignError(
                f"site(s) {lost[:5]} in column {site!r} have a {cohort!r} > 0 but no treated "
                f"rows ({treated!r} = 1); check the adoption years against the data window, "
                "or drop those sites."
            )
    bernoulli = trials is None and not compress
    if compress:
        frame = (
            frame.groupby(keys_all, sort=True, observed=True)[["__k", "__n"]].sum().reset_index()
        )
    if individual:
        assert cohort is not None
        units = unit_labels(frame, site=site, cohort=cohort)
    else:
        unit_col = site if site is not None else cohort
        assert unit_col is not None
        units = frame[unit_col]
    unit_idx, unit_names = pd.factorize(units, sort=True)
    time_idx, time_labels = pd.factorize(frame[time], sort=True)
    codes = np.zeros((len(frame), len(covariates)), dtype=np.int64)
    levels: list[tuple[object, ...]] = []
    for j, col in enumerate(covariates):
        c, lv = pd.factorize(frame[col], sort=True)
        codes[:, j] = c
        levels.append(tuple(lv.tolist()))
    tr_c = frame[treated].to_numpy(dtype=np.int64)
    if site_effects:
        assert site is not None
        eff_sites = tuple(sorted(frame.loc[tr_c == 1, site].unique().tolist(), key=_sort_key))
        lookup = {s: i for i, s in enumerate(eff_sites)}
        eff_idx = np.array([lookup.get(s, 0) for s in frame[site]], dtype=np.int64)
        eff_idx = np.where(tr_c == 1, eff_idx, 0)
    else:
        eff_sites, eff_idx = (), np.zeros(len(frame), dtype=np.int64)
    if dynamic:
        e = frame["__e"].to_numpy(dtype=np.int64)
        ev = tuple(int(v) for v in np.unique(e[tr_c == 1]))
        event_idx: np.ndarray | None = np.where(tr_c == 1, np.searchsorted(ev, e), 0)
        event_times: tuple[int, ...] | None = ev
    else:
        event_idx, event_times = None, None
    cells = frame.rename(columns={"__k": "successes", "__n": "n", "__e": "event_time"})
    # each site's adoption cohort (0 = never), for pooling site intercepts within cohorts
    group_idx: np.ndarray | None = None
    group_labels: tuple[object, ...] = ()
    if cohort is not None and (site is not None or individual):
        unit_cohort = frame.groupby(unit_idx, sort=True)[cohort].first().to_numpy()
        g_idx, g_labels = pd.factorize(unit_cohort, sort=True)
        if len(g_labels) > 1:
            group_idx = np.asarray(g_idx, dtype=np.int64)
            group_labels = tuple(g_labels.tolist())
    unit_time: np.ndarray | None = None
    n_unit_time = 0
    if individual:
        pairs = np.asarray(unit_idx, dtype=np.int64) * len(time_labels) + time_idx
        ut, unit_time = np.unique(pairs, return_inverse=True)
        unit_time, n_unit_time = unit_time.astype(np.int64), int(ut.size)
    return CellDesign(
        cells=cells,
        successes=frame["__k"].to_numpy(dtype=np.int64),
        trials=frame["__n"].to_numpy(dtype=np.int64),
        unit_idx=np.asarray(unit_idx, dtype=np.int64),
        unit_labels=tuple(unit_names.tolist()),
        time_idx=np.asarray(time_idx, dtype=np.int64),
        time_labels=tuple(time_labels.tolist()),
        covariate_columns=tuple(covariates),
        covariate_codes=codes,
        covariate_levels=tuple(levels),
        treated=tr_c,
        effect_site_idx=eff_idx,
        effect_sites=eff_sites,
        event_idx=event_idx,
        event_times=event_times,
        bernoulli=bernoulli,
        n_rows=len(data),
        unit_group_idx=group_idx,
        unit_group_labels=group_labels,
        enrolment=enrolment,
        unit_time_idx=unit_time,
        n_unit_time=n_unit_time,
        trend_covariates=tuple(trend_covariates),
    )


def check_treated_against_cohort(
    data: pd.DataFrame,
    *,
    site: str | None,
    time: str,
    treated: str,
    cohort: str,
    one_per_site: bool = True,
) -> None:
    """Refuse a treated indicator that contradicts the adoption years.

    ``cohort`` holds each row's adoption year (0 = never adopts), whole and non-negative,
    and constant within a site (unless ``one_per_site=False``: individual enrolment);
    ``treated`` may be 1 only from the adoption year on, and
    never in a site that never adopts. A contradiction is a :class:`DataError` naming the
    site, the year and the values: fitting on it would estimate the wrong contrast.
    """
    g = pd.to_numeric(data[cohort], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = ~np.isfinite(g) | (g < 0) | (g != np.round(g))
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataError(
            f"column {cohort!r} must hold adoption years (whole numbers, 0 = never adopts); row "
            f"{data.index[i]} has {_plain(data[cohort].iloc[i])!r}. Recode it (e.g. never-adopters 0)."
        )
    unit = site if site is not None else cohort
    if site is not None and one_per_site:
        per_site = pd.Series(g).groupby(data[site].to_numpy(), sort=True).nunique()
        varying = per_site[per_site > 1]
        if len(varying):
            where = varying.index[0]
            values = sorted({int(v) for v in g[(data[site] == where).to_numpy()]})
            raise DataError(
                f"site {_plain(where)!r} (column {site!r}) has several adoption years in column "
                f"{cohort!r}: {values}; in a municipal roll-out (enrolment='site') a site "
                "adopts once. If persons enrol individually in their own years, pass "
                f"enrolment='individual' (units: enrolment cohorts within sites); if the site "
                f"adopted once, give every row of the site that year in {cohort!r}."
            )
    tr = pd.to_numeric(data[treated], errors="coerce").to_numpy(dtype=float, na_value=np.nan) == 1
    never = tr & (g == 0)
    if never.any():
        i = int(np.flatnonzero(never)[0])
        raise DataError(
            f"site {_plain(data[unit].iloc[i])!r} (column {unit!r}) never adopts ({cohort!r} = 0) but has {treated!r} = 1 "
            f"in {time} {_plain(data[time].iloc[i])!r} (row {data.index[i]}); {treated!r} must be 0 in "
            f"never-adopting sites. Fix {treated!r} or give the site its adoption year."
        )
    t = pd.to_numeric(data[time], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    early = tr & np.isfinite(t) & (t < g)
    if early.any():
        i = int(np.flatnonzero(early)[0])
        raise DataError(
            f"site {_plain(data[unit].iloc[i])!r} (column {unit!r}) has {treated!r} = 1 in {time} {_plain(data[time].iloc[i])!r} "
            f"(row {data.index[i]}) but adopts in {cohort!r} = {_plain(data[cohort].iloc[i])!r}; a site "
            f"is treated only from its adoption year on ({treated} = {time} >= {cohort} > 0). "
            f"Fix {treated!r} or {cohort!r}."
        )


def _plain(value: object) -> object:
    """A numpy scalar as the Python value (so messages show 2017, not np.int64(2017))."""
    return value.item() if isinstance(value, np.generic) else value


def _sort_key(value: object) -> tuple[int, str]:
    return (0, f"{value:020d}") if isinstance(value, int | np.integer) else (1, str(value))


#: Floor and ceiling of the working probabilities behind the identity link's variances.
WORKING_P_BOUND = 0.01


def linear_design_matrix(
    design: CellDesign, effect_covariates: Sequence[str] = ()
) -> sparse.csr_matrix:
    """Sparse 0/1 matrix of the linear predictor's terms, one row per cell (fixed effects).

    Columns: intercept, unit, time and covariate-level dummies (all levels; the matrix is
    rank deficient, which least squares handles), time x level dummies of the trend
    covariates, the treated indicator, and treated x
    effect site, treated x event time and treated x effect-covariate level dummies. Every
    term of :func:`impact.bayes.hierarchical_did.build_model` has a column here but the
    unit-year term of individual enrolment (a random term, left out of the working fit:
    with it the fit would reproduce each cell's own proportion, whose noise biases small
    cells).
    """
    rows = np.arange(design.n_cells)
    t = design.treated == 1
    blocks: list[tuple[np.ndarray, np.ndarray, np.ndarray, int]] = [
        (rows, np.zeros(design.n_cells, dtype=np.int64), np.ones(design.n_cells), 1),
        (rows, design.unit_idx, np.ones(design.n_cells), len(design.unit_labels)),
        (rows, design.time_idx, np.ones(design.n_cells), len(design.time_labels)),
    ]
    for j, levels in enumerate(design.covariate_levels):
        blocks.append((rows, design.covariate_codes[:, j], np.ones(design.n_cells), len(levels)))
    n_time = len(design.time_labels)
    for col in design.trend_covariates:
        j = design.covariate_columns.index(col)
        width = n_time * len(design.covariate_levels[j])
        code = design.time_idx * len(design.covariate_levels[j]) + design.covariate_codes[:, j]
        blocks.append((rows, code, np.ones(design.n_cells), width))
    treated_rows = rows[t]
    ones = np.ones(treated_rows.size)
    blocks.append((treated_rows, np.zeros(treated_rows.size, dtype=np.int64), ones, 1))
    if design.effect_sites:
        blocks.append((treated_rows, design.effect_site_idx[t], ones, len(design.effect_sites)))
    if design.event_idx is not None and design.event_times is not None:
        blocks.append((treated_rows, design.event_idx[t], ones, len(design.event_times)))
    for col in effect_covariates:
        j = design.covariate_columns.index(col)
        blocks.append(
            (treated_rows, design.covariate_codes[t, j], ones, len(design.covariate_levels[j]))
        )
    r, c, v, offset = [], [], [], 0
    for rr, cc, vv, width in blocks:
        r.append(rr)
        c.append(cc + offset)
        v.append(vv)
        offset += width
    return sparse.csr_matrix(
        (np.concatenate(v), (np.concatenate(r), np.concatenate(c))),
        shape=(design.n_cells, offset),
    )


def working_probabilities(
    design: CellDesign, effect_covariates: Sequence[str] = (), *, iterations: int = 3
) -> tuple[np.ndarray, np.ndarray]:
    """Fitted cell probabilities of the linear probability model by iterated weighted LS.

    Fisher scoring for the binomial model with identity link: start from least squares
    weighted by cell size, then reweight by ``n_c / (p_c (1 - p_c))`` with the fitted
    ``p_c`` (bounded to ``[0.01, 0.99]``), ``iterations`` times. At convergence this is
    the binomial maximum-likelihood fit of the fixed-effects version of the model.

    Returns
    -------
    (bounded fitted probabilities, unbounded fitted values)
    """
    x = linear_design_matrix(design, effect_covariates)
    n = design.trials.astype(float)
    ybar = design.successes / n
    weights = n.copy()
    fitted = np.full(design.n_cells, float(design.successes.sum() / n.sum()))
    for _ in range(iterations + 1):
        xw = x.multiply(weights[:, None]).tocsr()
        normal = (x.T @ xw).toarray()
        rhs = xw.T @ ybar
        coef = np.linalg.lstsq(normal, rhs, rcond=None)[0]
        fitted = np.asarray(x @ coef, dtype=float)
        bounded = np.clip(fitted, WORKING_P_BOUND, 1 - WORKING_P_BOUND)
        weights = n / (bounded * (1 - bounded))
    return bounded, fitted
