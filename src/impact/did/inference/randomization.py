"""Randomization inference over adoption timing.

Under the sharp null that the programme changed no one's outcome by more than a constant
``null`` (``y_it(1) - y_it(0) = null`` for every treated observation), the outcomes net
of the effect do not depend on which clusters adopted when. Reassigning the observed
adoption dates at random across clusters and recomputing the estimator gives its exact
reference distribution under that null (Fisher 1935; for staggered DiD see Roth &
Sant'Anna 2023 and MacKinnon & Webb 2020 on few treated clusters). The test is exact if
adoption timing was as good as randomly assigned across clusters, and approximately valid
otherwise only to the extent the statistic is pivotal -- report it beside, not instead
of, the wild bootstrap.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from impact.checks import check_count, check_seed
from impact.did.inference.results import RandomizationResult
from impact.did.panel import PanelData, prepare_panel, residualize_two_way
from impact.errors import DataError, DesignError, FewClustersWarning, OptionError

if TYPE_CHECKING:
    pass

Statistic = Literal["twfe", "imputation"] | Callable[[pd.DataFrame], float]


def _permuted_cohorts(
    panel: PanelData, n_perm: int, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    """n_perm x n_rows array of cohorts after permuting cluster adoption dates."""
    f = panel.frame
    per_cluster = f.groupby("_cluster")["_cohort"].nunique()
    if (per_cluster > 1).any():
        bad = int(per_cluster.index[per_cluster > 1][0])
        raise DesignError(
            f"Adoption dates vary within cluster (column {panel.cluster!r}, cluster code {bad}); "
            "randomization over clusters needs one date per cluster. Use cluster=None to "
            "permute at the unit level."
        )
    cohort_of = f.groupby("_cluster")["_cohort"].first().sort_index().to_numpy()
    g = len(cohort_of)
    perms = np.stack([rng.permutation(g) for _ in range(n_perm)])
    return cohort_of[perms][:, f["_cluster"].to_numpy()], g


def _twfe_stats(panel: PanelData, y: np.ndarray, cohorts: np.ndarray) -> np.ndarray:
    """TWFE coefficients for many treatment assignments at once (rows of ``cohorts``)."""
    f = panel.frame
    uc = pd.factorize(f["_unit"].to_numpy())[0]
    tc = pd.factorize(f["_time"].to_numpy())[0]
    w = f["_w"].to_numpy()
    t = f["_time"].to_numpy()
    d = ((cohorts > 0) & (t[None, :] >= cohorts)).astype(float).T  # n x P
    dt = residualize_two_way(d, uc, tc, w)
    if panel.covariates:
        xc = residualize_two_way(f[list(panel.covariates)].to_numpy(), uc, tc, w)
        sw = np.sqrt(w)[:, None]
        q, _ = np.linalg.qr(xc * sw)
        dt = dt - (q @ (q.T @ (dt * sw))) / sw
    wy = w * y
    return (dt.T @ wy) / np.einsum("ij,ij,i->j", dt, d, w)


def randomization_test(
    data: pd.DataFrame,
    *,
    outcome: str,
    unit: str,
    time: str,
    cohort: str,
    cluster: str | None = None,
    statistic: Statistic = "twfe",
    weights: str | None = None,
    covariates: Sequence[str] | None = None,
    null: float = 0.0,
    n_perm: int = 999,
    seed: int | np.random.Generator | None = None,
) -> RandomizationResult:
    """Randomization (permutation) test of a sharp null by reassigning adoption dates.

    Parameters
    ----------
    data, outcome, unit, time, cohort, weights, covariates
        As in :func:`impact.did.twfe`.
    cluster
        Level at which adoption dates are permuted (default: the unit). Every unit of a
        cluster must share its adoption date.
    statistic
        ``"twfe"`` (the TWFE coefficient, computed for all permutations at once),
        ``"imputation"`` (the BJS overall ATT; one fit per permutation), or a callable
        taking the data with the cohort column replaced and returning a number.
    null
        Constant effect under the sharp null; ``null * D_it`` is subtracted from the
        outcome of treated observations before permuting.
    n_perm, seed
        Number of permutations; seed (same seed, same permutations).

    Returns
    -------
    RandomizationResult
        ``pvalue = (1 + #{|T_perm| >= |T_obs|}) / (1 + n_perm)`` (two-sided).
    """
    n_perm = int(check_count(n_perm, argument="n_perm", minimum=1) or 0)
    seed = check_seed(seed)
    if (
        isinstance(null, bool)
        or not isinstance(null, numbers.Real)
        or not math.isfinite(float(null))
    ):
        raise OptionError(f"null={null!r} must be a finite number (the constant effect under H0).")
    if not (callable(statistic) or statistic in ("twfe", "imputation")):
        raise OptionError(f"statistic={statistic!r} is not 'twfe', 'imputation' or a callable.")
    panel = prepare_panel(
        data, outcome=outcome, unit=unit, time=time, cohort=cohort, cluster=cluster,
        weights=weights, covariates=covariates,
    )  # fmt: skip
    f = panel.frame
    rng = np.random.default_rng(seed)
    perm_cohorts, n_cl = _permuted_cohorts(panel, n_perm, rng)
    y_adj = f["_y"].to_numpy() - null * f["_d"].to_numpy()
    observed = f["_cohort"].to_numpy()[None, :]
    if isinstance(statistic, str) and statistic == "twfe":
        obs = float(_twfe_stats(panel, y_adj, observed)[0])
        draws = _twfe_stats(panel, y_adj, perm_cohorts)
        name = "twfe"
    else:
        fn: Callable[[pd.DataFrame], float]
        if isinstance(statistic, str) and statistic == "imputation":
            from impact.did.imputation.estimator import imputation

            def imputation_att(df: pd.DataFrame) -> float:
                return imputation(
                    df, outcome=outcome, unit=unit, time=time, cohort=cohort,
                    weights=weights, covariates=covariates,
                ).att  # fmt: skip

            fn = imputation_att
            name = "imputation"
        elif callable(statistic):
            fn = statistic
            name = getattr(statistic, "__name__", "custom")
        else:
            raise DataError(f"statistic={statistic!r} is not 'twfe', 'imputation' or a callable.")
        base = data.assign(**{outcome: y_adj})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FewClustersWarning)
            obs = float(fn(base))
            draws = np.array([fn(base.assign(**{cohort: c})) for c in perm_cohorts])
    pvalue = (1 + np.sum(np.abs(draws) >= abs(obs) - 1e-12)) / (1 + n_perm)
    return RandomizationResult(
        estimate=obs + null,
        null=null,
        pvalue=float(pvalue),
        draws=draws,
        n_perm=n_perm,
        statistic=name,
        n_clusters=n_cl,
    )


__all__ = ["RandomizationResult", "randomization_test"]
