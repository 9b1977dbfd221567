"""Site effects from the pooled group-time influence functions: ``aggregate("site", ...)``.

When persons enrol individually (``unit`` is the person) and sit in sites such as
municipalities, the effect among the participants of site ``s`` is

    theta_s = sum_k omega_sk ATT_s(k),    omega_sk = N_{g_k s} / sum_k' N_{g_k' s},

over the post-treatment cells ``k = (g_k, t_k)`` (those of the ``"simple"`` aggregation),
with ``N_gs`` the (weighted) number of site-``s`` members of cohort ``g`` and ``ATT_s(k)``
the cell's ATT restricted to site ``s``'s treated units. Every ``ATT_s(k)`` uses the
*pooled* comparison group of the cell (never-treated or not-yet-treated units of every
site), so a small site still has a comparison group; what the site contributes is its own
participants' outcome changes. It is read off the pooled influence function: the treated
part of cell ``k``'s influence function is ``n w_i (dY_i - m(X_i) - ATT(k)) / N_g``, so

    ATT_s(k) = ATT(k) + N_g / (n N_gs) * sum_{i in g and s} psi_ik,

exact without covariates (any ``method``; ``m`` is the comparison group's mean change) and
with ``method="reg"`` (``m`` the comparison group's outcome regression, so ``ATT_s`` is the
imputation estimate for site ``s``). With ``"dr"`` or ``"ipw"`` and covariates a treated
unit's influence function also carries the propensity score's estimation effect, whose
site means are not zero, so those fits are refused.

The influence function of ``theta_s`` replaces the treated part of each cell's by the
site's (rescaled to ``N_gs`` and centred at ``ATT_s(k)``), keeps the comparison part, and
adds the estimation effect of the weights ``omega`` (as R ``did``'s ``wif``). With
participant-period weights ``W_s = sum_k N_{g_k s}`` the site effects average exactly to the
``"simple"`` aggregate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from impact.did.group_time.influence import DenseInfluence
from impact.errors import DataError, DesignError, OptionError

if TYPE_CHECKING:
    from impact.did.group_time.results import GroupTimeResult

__all__ = ["MIN_SITE_PARTICIPANTS", "site_effects"]

#: Sites with fewer participants (persons) than this are flagged ``reliable=False``. A
#: site's SE rests on the spread of its own participants' outcome changes; for a binary
#: outcome such as NEET at 15-20 % that needs ``n p (1 - p) >= 5``, about 30 persons, and
#: with fewer the estimated SE is itself so noisy (and, with one or two participants,
#: near zero) that the normal interval is not to be trusted.
MIN_SITE_PARTICIPANTS = 30


def site_labels(result: GroupTimeResult, by: str, data: pd.DataFrame) -> pd.Series:
    """The site of every unit of the fit, in the order of the influence-function rows."""
    if not isinstance(by, str):
        raise OptionError(f"by={by!r} must be the name of the site column, e.g. by='municipality'.")
    if result.unit_ids is None or result.unit is None:
        raise DesignError(
            "Site effects need a balanced panel fitted with att_gt(..., unit=...); this "
            f"result is a {result.settings.structure.replace('_', ' ')} fit."
        )
    unit = result.unit
    for col in (unit, by):
        if col not in data.columns:
            raise DataError(f"Column {col!r} is not in data; pass the data given to att_gt.")
    if data[by].isna().any():
        bad = data.loc[data[by].isna(), unit].iloc[0]
        raise DataError(f"Column {by!r} is missing for {unit}={bad!r}; every unit needs a site.")
    per_unit = data.groupby(unit, sort=False)[by]
    moved = per_unit.nunique() > 1
    if moved.any():
        bad = moved.index[moved.to_numpy()][0]
        raise DataError(
            f"Column {by!r} changes within {unit}={bad!r} ({int(moved.sum())} units like it); "
            "a site effect needs one site per unit: use the site at enrolment (or at the "
            "first period) as a fixed column."
        )
    first = per_unit.first()
    missing = ~pd.Index(result.unit_ids).isin(first.index)
    if missing.any():
        bad = result.unit_ids[np.flatnonzero(missing)[0]]
        raise DataError(f"{unit}={bad!r} of the fit is not in data; pass the data given to att_gt.")
    return first.reindex(result.unit_ids)


def site_effects(
    result: GroupTimeResult,
    sites: pd.Series,
    *,
    max_e: float = np.inf,
    min_participants: int = MIN_SITE_PARTICIPANTS,
) -> dict[str, Any]:
    """Per-site ATTs among participants, their influence-function SEs and flags.

    Returns the table (one row per site with participants in a post-treatment cell) and
    the per-site influence functions; :meth:`GroupTimeResult.aggregate` wraps them.
    """
    infl = result.influence
    cfg = result.settings
    if isinstance(infl, DenseInfluence) and cfg.method != "reg":
        raise DesignError(
            f"aggregate('site') with covariates needs method='reg'; this fit used "
            f"method={cfg.method!r}, whose influence function carries the propensity score's "
            "estimation effect in every treated unit, so site means of it are not site effects. "
            "Refit with att_gt(..., method='reg') for site effects."
        )
    tab = result.table
    g = tab["cohort"].to_numpy(dtype=float)
    t = tab["time"].to_numpy(dtype=float)
    post = np.flatnonzero((g <= t) & (t <= g + max_e))
    if post.size == 0:
        raise DesignError("No post-treatment group-time cells to aggregate by site.")
    att = tab["att"].to_numpy(dtype=float)[post]
    units = infl.units
    n = units.n_units
    w = units.weights
    psi = np.asarray(infl.subset(post).dense(), dtype=float)  # n x K
    cell_code = np.searchsorted(units.levels, g[post])
    site_code, labels = pd.factorize(sites, sort=True)
    n_sites = len(labels)
    n_codes = len(units.levels)
    key = units.codes * n_sites + site_code
    wgs = np.bincount(key, weights=w, minlength=n_codes * n_sites).reshape(n_codes, n_sites)
    wg = wgs.sum(axis=1)
    treated = units.codes[:, None] == cell_code[None, :]  # n x K: unit in the cell's cohort
    # ATT_s(k) = ATT(k) + N_g / (n N_gs) sum_{i in g, s} psi_ik   (S x K)
    sums = np.zeros((n_sites, len(post)))
    np.add.at(sums, site_code, np.where(treated, psi, 0.0))
    n_gs = wgs[cell_code].T  # S x K
    with np.errstate(invalid="ignore", divide="ignore"):
        att_s = att[None, :] + wg[cell_code][None, :] / (n * n_gs) * sums
    att_s = np.where(n_gs > 0, att_s, 0.0)
    period_w = n_gs.sum(axis=1)  # participant-periods per site
    has = period_w > 0
    omega = np.where(has[:, None], n_gs / np.where(has, period_w, 1.0)[:, None], 0.0)
    theta = (omega * att_s).sum(axis=1)
    # influence functions of theta_s (n x S)
    control = np.where(treated, 0.0, psi) @ omega.T
    si = site_code
    # the treated part, rescaled to the site's N_gs and centred at ATT_s(k):
    # (N_g / N_gs) psi_ik - n w_i (ATT_s(k) - ATT(k)) / N_gs for i in g and s
    own_n = wgs[units.codes, si]
    own_n = np.where(own_n > 0, own_n, 1.0)
    ratio = wg[units.codes] / own_n
    shift = (att_s - att[None, :])[si] * (n * w / own_n)[:, None]
    own = (omega[si] * treated * (ratio[:, None] * psi - shift)).sum(axis=1)
    # estimated weights (R's wif): w_i sum_{k: g_k = G_i} (ATT_s(k) - theta_s) / S_s,
    # S_s = sum_k N_{g_k s} / n
    share = period_w[si] / n
    wif = (
        w
        * (treated * (att_s[si] - theta[si][:, None])).sum(axis=1)
        / np.where(share > 0, share, 1.0)
    )
    psi_site = control
    psi_site[np.arange(n), si] += own + wif
    participant = units.codes > 0
    var, how = _variances(psi_site, si, participant, units.cluster, n)
    se = np.sqrt(np.clip(var, 0.0, None))
    se = np.where(se > cfg.se_floor, se, np.nan)
    n_part = np.bincount(si[participant], minlength=n_sites)
    z = float(ndtri(1 - cfg.alpha / 2))
    notes = []
    for j in range(n_sites):
        if n_part[j] < min_participants:
            notes.append(f"{n_part[j]} participants (< {min_participants})")
        elif not np.isfinite(se[j]):
            notes.append("no standard error")
        else:
            notes.append("")
    table = pd.DataFrame(
        {
            "site": labels,
            "n_participants": n_part,
            "weight": period_w / period_w[has].sum(),
            "att": theta,
            "se": se,
            "ci_lower": theta - z * se,
            "ci_upper": theta + z * se,
            "reliable": [not s for s in notes],
            "note": notes,
        }
    )
    keep = has
    return dict(
        table=table.loc[keep].reset_index(drop=True),
        influence=psi_site[:, keep],
        clustering=how,
    )


def _variances(
    psi: np.ndarray,
    site: np.ndarray,
    participant: np.ndarray,
    cluster: np.ndarray | None,
    n: int,
) -> tuple[np.ndarray, str]:
    """``Var(theta_s)``: clustered as the pooled fit, except a site's own participants.

    When a site's participants all sit in one cluster (the clusters are the sites, or
    coarser), the cluster sum of their centred contributions is zero by construction and
    would leave only the comparison group's noise; they then count as independent persons
    (a site-level shock is part of that site's effect, not noise about it).
    """
    if cluster is None:
        return np.einsum("is,is->s", psi, psi) / n**2, "units"
    n_sites = psi.shape[1]
    var = np.zeros(n_sites)
    n_cl = int(cluster.max()) + 1
    single = []
    for s in range(n_sites):
        own = participant & (site == s)
        spans = np.unique(cluster[own]).size
        col = psi[:, s]
        if spans >= 2:
            sums = np.bincount(cluster, weights=col, minlength=n_cl)
            var[s] = sums @ sums
        else:
            sums = np.bincount(cluster[~own], weights=col[~own], minlength=n_cl)
            var[s] = sums @ sums + col[own] @ col[own]
            single.append(s)
    how = "clusters" if not single else "clusters; participants of one-cluster sites as persons"
    return var / n**2, how
