"""Wild cluster bootstrap for few-cluster inference.

Two entry points:

- :func:`wild_cluster_bootstrap` -- the wild cluster *restricted* (WCR) bootstrap-t of
  Cameron, Gelbach & Miller (2008) for one coefficient of a linear regression (with
  optional unit and time fixed effects, partialled out), with Rademacher or Webb (2023)
  weights, the null imposed, p-values and a confidence interval by test inversion.
  :meth:`impact.did.TWFEResult.wild_bootstrap` calls it for TWFE.
- :func:`wild_bootstrap_scores` -- for any estimator that is (asymptotically) linear in
  the data, ``thetahat - theta ~ sum_c s_c`` with per-cluster scores ``s_c`` (e.g. the
  imputation estimator's ``v_it eps_it`` summed by cluster, or aggregated influence
  functions of ``att_gt``): wild (multiplier) bootstrap draws ``sum_c w_c s_c``.

The WCR computations follow the closed forms of Roodman, MacKinnon, Nielsen & Webb
(2019, "Fast and wild"): every bootstrap statistic is a function of a few G x G
matrices, so thousands of draws and the test inversion are cheap.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd

from impact.checks import check_alpha, check_column, check_columns, check_count, check_seed
from impact.did.inference.inversion import WCRInversion
from impact.did.inference.results import WildBootstrapResult
from impact.did.inputs import check_clusters, check_request, numeric, require_finite
from impact.errors import DataError, DesignError, OptionError

if TYPE_CHECKING:
    from impact.did.panel import PanelData

WeightsKind = Literal["rademacher", "webb"]
_WEBB = np.array([-np.sqrt(1.5), -1.0, -np.sqrt(0.5), np.sqrt(0.5), 1.0, np.sqrt(1.5)])


def bootstrap_weights(
    n_clusters: int, n_boot: int, kind: str, rng: np.random.Generator
) -> np.ndarray:
    """``n_clusters x n_boot`` wild weights: Rademacher (+-1) or Webb's six-point distribution."""
    if kind == "rademacher":
        return rng.choice(np.array([-1.0, 1.0]), size=(n_clusters, n_boot))
    if kind == "webb":
        return rng.choice(_WEBB, size=(n_clusters, n_boot))
    raise DataError(f"weights={kind!r} is not 'rademacher' or 'webb'.")


def check_bootstrap(
    *, n_boot: object, alpha: object, seed: object, weights: object
) -> tuple[int, float, int | np.random.Generator | None]:
    """The wild bootstrap's options, checked before any work starts."""
    if weights not in ("rademacher", "webb"):
        raise OptionError(f"weights={weights!r} is not 'rademacher' or 'webb'.")
    n = int(check_count(n_boot, argument="n_boot", minimum=1) or 0)
    return n, check_alpha(alpha), check_seed(seed)


def _finite_null(null: object) -> float:
    if (
        isinstance(null, bool)
        or not isinstance(null, numbers.Real)
        or not math.isfinite(float(null))
    ):
        raise OptionError(f"null={null!r} must be a finite number (the value under H0).")
    return float(null)


def _orthonormal(x: np.ndarray) -> np.ndarray:
    q, r = np.linalg.qr(x)
    keep = np.abs(np.diag(r)) > 1e-10 * max(1.0, float(np.abs(np.diag(r)).max()))
    return q[:, keep]


def _wcr(
    y: np.ndarray,
    x: np.ndarray,
    clusters: np.ndarray,
    *,
    coef: int,
    null: float,
    weights: str,
    n_boot: int,
    seed: int | np.random.Generator | None,
    alpha: float,
    outcome: str,
    parameter: str,
    annihilate_fe: object = None,
    ssc: float = 1.0,
) -> WildBootstrapResult:
    """WCR bootstrap-t on data already transformed (sqrt-weighted, fixed effects partialled out).

    ``annihilate_fe`` (callable n x m -> n x m) removes the fixed effects from arbitrary
    vectors, so bootstrap residuals are orthogonal to them as in the full regression.
    """
    fe = annihilate_fe if callable(annihilate_fe) else (lambda v: v)
    codes, clusters = np.unique(clusters, return_inverse=True)
    g = len(codes)
    if g < 2:
        raise DesignError(
            "The wild cluster bootstrap needs at least two clusters; cluster at a finer level."
        )
    beta, *_ = np.linalg.lstsq(x, y, rcond=None)
    uhat = y - x @ beta
    others = np.delete(x, coef, axis=1)
    if others.shape[1]:
        qo = _orthonormal(others)
        xt = x[:, coef] - qo @ (qo.T @ x[:, coef])
    else:
        xt = x[:, coef].copy()
    xx = float(xt @ xt)
    if xx <= 1e-12:
        raise DesignError("The tested regressor is collinear with the fixed effects and controls.")
    q = _orthonormal(x)
    n = len(y)
    onehot = np.zeros((n, g))
    onehot[np.arange(n), clusters] = 1.0

    def h_and_a(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        z = fe(v[:, None] * onehot)
        r = z - q @ (q.T @ z)
        h = onehot.T @ (xt[:, None] * r)
        a = onehot.T @ (xt * v)
        return h, a

    h_u, a_u = h_and_a(uhat)
    h_x, a_x = h_and_a(xt)
    rng = np.random.default_rng(seed)
    w = bootstrap_weights(g, n_boot, weights, rng)
    p1, p2 = h_u @ w, h_x @ w
    s11, s12, s22 = (p1 * p1).sum(0), (p1 * p2).sum(0), (p2 * p2).sum(0)
    n1, n2 = a_u @ w, a_x @ w
    se = float(np.sqrt(ssc * np.sum(a_u**2)) / xx)
    bhat = float(beta[coef])
    test = WCRInversion(estimate=bhat, se=se, ssc=ssc, n1=n1, n2=n2, s11=s11, s12=s12, s22=s22)
    return WildBootstrapResult(
        estimate=bhat,
        se=se,
        null=null,
        statistic=test.t_obs(null),
        pvalue=test.pvalue(null),
        ci=test.interval(alpha),
        n_boot=n_boot,
        weights=weights,
        n_clusters=g,
        method="WCR",
        draws=bhat + n1 / xx,
        outcome=outcome,
        alpha=alpha,
        parameter=parameter,
        inversion=test,
    )


def wild_cluster_bootstrap(
    data: pd.DataFrame,
    *,
    outcome: str,
    regressors: Sequence[str],
    cluster: str,
    coef: str | None = None,
    null: float = 0.0,
    weights: WeightsKind = "webb",
    n_boot: int = 9999,
    seed: int | np.random.Generator | None = None,
    alpha: float = 0.05,
    intercept: bool = True,
) -> WildBootstrapResult:
    """WCR wild cluster bootstrap-t for one coefficient of an OLS regression.

    Parameters
    ----------
    data
        One row per observation.
    outcome, regressors
        Column names: ``outcome ~ regressors`` (plus an intercept unless ``intercept=False``).
        Include fixed-effect dummies as columns if needed (or use ``TWFEResult.wild_bootstrap``).
    cluster
        Cluster column.
    coef
        Regressor tested (default: the first).
    null
        Value of the coefficient under the null hypothesis (imposed in the bootstrap DGP).
    weights
        ``"webb"`` (six-point; recommended with fewer than about 12 clusters, where
        Rademacher has too few distinct draws) or ``"rademacher"``.
    n_boot, seed, alpha
        Bootstrap draws, random seed (same seed, same numbers), 1 - confidence level.

    Returns
    -------
    WildBootstrapResult
        Knows ``outcome`` (its :meth:`~WildBootstrapResult.effect` default) and keeps the
        bootstrap pieces, so ``to_frame(level=...)`` inverts the same test at any level.

    Notes
    -----
    The bootstrap DGP is the restricted model: ``y* = X b_r + u_r * w_c`` with ``b_r``
    the least-squares fit under ``beta_k = null`` and one weight per cluster. The statistic
    is the CR1 cluster-robust t; the p-value is the share of ``|t*|`` at least ``|t|``;
    the CI collects the nulls not rejected (bisection, the same draws for every null).
    Assumptions: clusters independent; errors may be heteroskedastic and correlated
    within cluster; works with as few as ~6-10 clusters (MacKinnon & Webb 2018), but is
    unreliable when very few clusters are treated.
    """
    n_boot, alpha, seed = check_bootstrap(n_boot=n_boot, alpha=alpha, seed=seed, weights=weights)
    null = _finite_null(null)
    cols = list(check_columns(regressors, argument="regressors"))
    if not cols:
        raise OptionError("regressors must name at least one column (the tested one first).")
    check_column(coef, argument="coef", optional=True)
    data, _ = check_request(data, {"outcome": outcome, "cluster": cluster})
    missing = [f"regressors={c!r}" for c in cols if c not in data.columns]
    if missing:
        raise DataError(
            f"Column(s) {', '.join(missing)} not found in data; available columns: "
            f"{list(data.columns)}. Pass the right column name(s)."
        )
    if coef is not None and coef not in cols:
        raise OptionError(f"coef={coef!r} is not one of regressors {cols}; name one of them.")
    k = 0 if coef is None else cols.index(coef)
    tested = cols[k]
    y = numeric(data, outcome, "outcome")
    require_finite(y, outcome, "outcome", "impute them or drop those rows first")
    xs = []
    for c in cols:
        xc = numeric(data, c, "regressor")
        require_finite(xc, c, "regressor", "impute them or drop those rows first")
        xs.append(xc)
    x = np.column_stack(xs)
    if intercept:
        x = np.column_stack([x, np.ones(len(data))])
    if data[cluster].isna().any():
        raise DataError(
            f"Column {cluster!r} (cluster) has {int(data[cluster].isna().sum())} missing "
            "values; fill them (every observation needs its cluster) or drop those rows."
        )
    cl = pd.factorize(data[cluster].to_numpy())[0]
    g, n = cl.max() + 1, len(y)
    check_clusters(int(g), cluster)
    if n <= x.shape[1]:
        raise DesignError(
            f"Zero residual degrees of freedom: {n} observations for {x.shape[1]} "
            "coefficients; the regression fits exactly and the bootstrap has no residuals."
        )
    ssc = g / (g - 1) * (n - 1) / (n - x.shape[1])
    return _wcr(
        y, x, cl, coef=k, null=null, weights=weights, n_boot=n_boot, seed=seed, alpha=alpha,
        ssc=ssc, outcome=outcome, parameter=f"coefficient on {tested}",
    )  # fmt: skip


def wild_bootstrap_twfe(
    panel: PanelData,
    *,
    n_boot: int = 9999,
    weights: str = "webb",
    seed: int | np.random.Generator | None = None,
    null: float = 0.0,
    alpha: float = 0.05,
) -> WildBootstrapResult:
    """WCR bootstrap for the TWFE treatment coefficient of a validated panel.

    Unit and time effects are partialled out (Frisch-Waugh-Lovell, weighted if the panel
    has weights); bootstrap residuals are re-projected off them.
    """
    from impact.did.panel import residualize_two_way

    n_boot, alpha, seed = check_bootstrap(n_boot=n_boot, alpha=alpha, seed=seed, weights=weights)
    null = _finite_null(null)
    f = panel.frame
    uc = pd.factorize(f["_unit"].to_numpy())[0]
    tc = pd.factorize(f["_time"].to_numpy())[0]
    w = f["_w"].to_numpy()
    sw = np.sqrt(w)
    cols = np.column_stack(
        [f["_y"].to_numpy(), f["_d"].to_numpy()] + [f[c].to_numpy() for c in panel.covariates]
    )
    res = residualize_two_way(cols, uc, tc, w) * sw[:, None]

    def annihilate(v: np.ndarray) -> np.ndarray:
        return residualize_two_way(v / sw[:, None], uc, tc, w) * sw[:, None]

    g = panel.n_clusters
    n = len(f)
    ssc = g / (g - 1) * (n - 1) / (n - panel.n_parameters(res.shape[1] - 1))
    return _wcr(
        res[:, 0],
        res[:, 1:],
        f["_cluster"].to_numpy(),
        coef=0,
        null=null,
        weights=weights,
        n_boot=n_boot,
        seed=seed,
        alpha=alpha,
        outcome=panel.outcome,
        parameter="TWFE coefficient on the treatment indicator",
        annihilate_fe=annihilate,
        ssc=ssc,
    )


def wild_bootstrap_scores(
    estimate: float,
    cluster_scores: np.ndarray,
    *,
    outcome: str,
    parameter: str = "estimate bootstrapped from its cluster scores",
    null: float = 0.0,
    weights: WeightsKind = "rademacher",
    n_boot: int = 9999,
    seed: int | np.random.Generator | None = None,
    alpha: float = 0.05,
) -> WildBootstrapResult:
    """Wild (multiplier) cluster bootstrap for an estimator linear in the data.

    Parameters
    ----------
    estimate
        The point estimate ``thetahat``.
    cluster_scores
        Per-cluster contributions ``s_c`` with ``thetahat - theta ~ sum_c s_c`` (e.g.
        ``ImputationResult.cluster_scores[:, 0]``, or an influence function summed by
        cluster and divided by n).
    outcome
        Name of the outcome the estimate is about (required: bare scores do not know it,
        and the result hands it to :meth:`~WildBootstrapResult.effect`), e.g.
        ``outcome=simple.outcome`` for an :class:`~impact.did.AggregateResult`.
    parameter
        Words for what ``estimate`` is (shown by ``headline()`` and ``compare()``), e.g.
        ``"att_gt simple ATT"``.
    null, weights, n_boot, seed, alpha
        As in :func:`wild_cluster_bootstrap`.

    Notes
    -----
    Draws ``theta* = thetahat + sum_c w_c s_c``. The null is not imposed (there is no
    model to re-estimate), so this is the unrestricted wild bootstrap: the CI is
    ``thetahat -+ q`` with ``q`` the ``1 - alpha`` quantile of ``|theta* - thetahat|`` and
    the p-value is the share of ``|theta* - thetahat| >= |thetahat - null|``. With
    Rademacher weights its variance equals the analytic ``sum_c s_c^2``; what it adds is a
    reference distribution that reflects few, unequal clusters.
    """
    n_boot, alpha, seed = check_bootstrap(n_boot=n_boot, alpha=alpha, seed=seed, weights=weights)
    null = _finite_null(null)
    check_column(outcome, argument="outcome")
    if isinstance(estimate, bool) or not isinstance(estimate, numbers.Real):
        raise OptionError(f"estimate={estimate!r} must be a number (the point estimate).")
    if not np.isfinite(float(estimate)):
        raise DataError(f"estimate={estimate!r} is not finite; there is nothing to bootstrap.")
    try:
        s = np.asarray(cluster_scores, dtype=float).ravel()
    except (TypeError, ValueError) as err:
        raise OptionError(
            f"cluster_scores must be numbers, one per cluster; got {type(cluster_scores).__name__}."
        ) from err
    if not np.all(np.isfinite(s)):
        raise DataError(
            f"cluster_scores has {int((~np.isfinite(s)).sum())} missing or infinite entries; "
            "every cluster's score must be finite."
        )
    if s.size < 2:
        raise DesignError(
            f"cluster_scores has {s.size} entry: the wild bootstrap needs at least two "
            "clusters (one score per cluster)."
        )
    if not np.any(s != 0):
        raise DesignError(
            "cluster_scores are all zero: the estimate has no estimated sampling variation "
            "and its bootstrap is degenerate."
        )
    rng = np.random.default_rng(seed)
    w = bootstrap_weights(s.size, n_boot, weights, rng)
    dev = s @ w
    q = float(np.quantile(np.abs(dev), 1 - alpha))
    se = float(np.sqrt(np.sum(s**2)))
    return WildBootstrapResult(
        estimate=float(estimate),
        se=se,
        null=null,
        statistic=(estimate - null) / se,
        pvalue=float(np.mean(np.abs(dev) >= abs(estimate - null))),
        ci=(estimate - q, estimate + q),
        n_boot=n_boot,
        weights=weights,
        n_clusters=s.size,
        method="scores",
        draws=estimate + dev,
        outcome=outcome,
        alpha=alpha,
        parameter=parameter,
    )


__all__ = [
    "WildBootstrapResult",
    "bootstrap_weights",
    "wild_bootstrap_scores",
    "wild_bootstrap_twfe",
    "wild_cluster_bootstrap",
]
