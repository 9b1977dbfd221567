"""Two-group, two-period DiD estimators for panel data with their influence functions.

Private building blocks of :func:`impact.did.att_gt`. They follow Sant'Anna & Zhao
(2020) and reproduce R's ``DRDID`` functions that R ``did`` (2.5.0) calls for panel data:
``drdid_panel`` (traditional doubly robust, ``method="dr"``), ``std_ipw_did_panel``
(normalised inverse probability weighting, ``method="ipw"``) and ``reg_did_panel``
(outcome regression, ``method="reg"``).

All functions take the outcome change ``dy = Y_t - Y_base`` for the units in the 2x2
comparison, the treatment indicator ``d`` (1 = cohort g, 0 = comparison units), the
covariate matrix ``x`` *including* an intercept column, and sampling weights ``w``
(normalised to mean one inside). They return the ATT and its influence function
``psi`` (length n1, mean zero) such that ``att - ATT ~ mean(psi)``.

Propensity scores are clipped at ``1 - 1e-6`` and comparison units with a score of
0.995 or more get zero weight (``DRDID``'s ``trim.level``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

PS_MAX = 1.0 - 1e-6
TRIM_LEVEL = 0.995


class SeparationError(ArithmeticError):
    """The propensity-score logit does not converge (covariates separate the groups)."""


@dataclass(frozen=True)
class PropensityFit:
    """A fitted logit P(D = 1 | x): clipped scores and the scaled inverse Hessian."""

    ps: np.ndarray
    hessian: np.ndarray  # n * (X' W X)^{-1}, as DRDID's vcov(glm) * n
    trim: np.ndarray  # False for comparison units with ps >= TRIM_LEVEL
    n_trimmed: int
    odds: np.ndarray  # trim * ps / (1 - ps) for comparison units, 0 for the treated
    resid: np.ndarray  # d - ps


def fit_propensity(x: np.ndarray, d: np.ndarray, w: np.ndarray) -> PropensityFit:
    """Weighted logit of ``d`` on ``x`` by Newton-Raphson (closed form for intercept only)."""
    n, k = x.shape
    wd = w * d
    if k == 1:
        p = float(wd.sum() / w.sum())
        beta = np.array([np.log(p / (1.0 - p))])
        eta = np.full(n, beta[0])
        ps = np.full(n, p)
    else:
        p0 = float(wd.sum() / w.sum())
        beta = np.zeros(k)
        beta[0] = np.log(p0 / (1.0 - p0))
        converged = False
        for _ in range(50):
            eta = x @ beta
            ps = expit(eta)
            wv = w * ps * (1.0 - ps)
            hess = (x * wv[:, None]).T @ x
            grad = x.T @ (wd - w * ps)
            try:
                step = np.linalg.solve(hess, grad)
            except np.linalg.LinAlgError as exc:
                raise SeparationError("singular information matrix") from exc
            beta = beta + step
            if np.max(np.abs(step)) < 1e-11 * (1.0 + np.max(np.abs(beta))):
                converged = True
                break
        if not converged or np.max(np.abs(beta)) > 1e3:
            raise SeparationError("logit did not converge")
        eta = x @ beta
        ps = expit(eta)
    ps = np.minimum(ps, PS_MAX)
    wv = w * ps * (1.0 - ps)
    info = (x * wv[:, None]).T @ x
    hessian = np.linalg.inv(info) * n
    trim = np.ones(n, dtype=bool)
    ctrl = d == 0
    trim[ctrl] = ps[ctrl] < TRIM_LEVEL
    odds = np.where(ctrl & trim, ps / (1.0 - ps), 0.0)
    return PropensityFit(
        ps=ps,
        hessian=hessian,
        trim=trim,
        n_trimmed=int((~trim).sum()),
        odds=odds,
        resid=d - ps,
    )


def ps_effect(w_resid: np.ndarray, x: np.ndarray, hessian: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Influence of the logit coefficients on a parameter whose derivative in them is ``v``.

    ``w (d - ps) x' H v`` with ``w_resid = w (d - ps)`` and ``H`` the scaled inverse
    information (:attr:`PropensityFit.hessian`).
    """
    return w_resid * (x @ (hessian @ v))


@dataclass(frozen=True, eq=False)
class Comparison:
    """What a 2x2 comparison needs that does not depend on the outcome.

    Built once per comparison set (cohort, comparison units, covariates) and reused for
    every period compared, so each ATT(g, t) costs a handful of passes over the units.
    """

    d: np.ndarray
    x: np.ndarray
    w: np.ndarray  # normalised to mean one
    wc: np.ndarray  # w (1 - d): outcome-regression weights
    w_treat: np.ndarray
    xtwx: np.ndarray
    v_treat: np.ndarray  # xpx_inv @ mean(w_treat x)
    ps: PropensityFit | None
    w_cont: np.ndarray | None  # w * odds (propensity weights of comparison units)
    v_cont: np.ndarray | None  # xpx_inv @ mean(w_cont x)
    w_ps_resid: np.ndarray | None  # w (d - ps)
    # the same for every outcome compared, so computed once here rather than once per cell
    m_treat: float  # mean(w_treat)
    m_cont: float | None  # mean(w_cont)
    xv_treat: np.ndarray  # x @ v_treat
    xv_cont: np.ndarray | None  # x @ v_cont

    @classmethod
    def build(
        cls,
        d: np.ndarray,
        x: np.ndarray,
        w: np.ndarray,
        ps_fit: PropensityFit | None = None,
        *,
        propensity: bool = True,
    ) -> Comparison:
        n = len(d)
        w = w / w.mean()
        wc = w * (1.0 - d)
        xtwx = (x * wc[:, None]).T @ x
        xpx_inv = np.linalg.inv(xtwx / n)
        pf = None
        w_cont = v_cont = w_ps_resid = None
        w_treat = w * d
        if propensity:
            pf = ps_fit if ps_fit is not None else fit_propensity(x, d, w)
            if pf.n_trimmed:
                w_treat = pf.trim * w_treat
            w_cont = w * pf.odds
            v_cont = xpx_inv @ (w_cont @ x / n)
            w_ps_resid = w * pf.resid
        v_treat = xpx_inv @ (w_treat @ x / n)
        return cls(
            d,
            x,
            w,
            wc,
            w_treat,
            xtwx,
            v_treat,
            pf,
            w_cont,
            v_cont,
            w_ps_resid,
            m_treat=w_treat.mean(),
            m_cont=w_cont.mean() if w_cont is not None else None,
            xv_treat=x @ v_treat,
            xv_cont=x @ v_cont if v_cont is not None else None,
        )

    def ols_fitted(self, dy: np.ndarray) -> np.ndarray:
        """Fitted values of the weighted OLS of ``dy`` on ``x`` among comparison units."""
        return self.x @ np.linalg.solve(self.xtwx, self.x.T @ (self.wc * dy))


def dr_from(dy: np.ndarray, c: Comparison) -> tuple[float, np.ndarray]:
    """Traditional doubly robust DiD on a prepared comparison."""
    assert c.ps is not None and c.w_cont is not None and c.xv_cont is not None
    assert c.w_ps_resid is not None and c.m_cont is not None
    n = len(dy)
    resid = dy - c.ols_fitted(dy)
    score = c.wc * resid  # OLS score: its influence on beta is score * x @ xpx_inv
    att_treat = c.w_treat * resid
    att_cont = c.w_cont * resid
    m_treat, m_cont = c.m_treat, c.m_cont
    eta_treat = att_treat.mean() / m_treat
    eta_cont = att_cont.mean() / m_cont
    inf_treat = (att_treat - c.w_treat * eta_treat - score * c.xv_treat) / m_treat
    cont_1 = att_cont - c.w_cont * eta_cont
    alr_ps = ps_effect(c.w_ps_resid, c.x, c.ps.hessian, cont_1 @ c.x / n)
    inf_cont = (cont_1 + alr_ps - score * c.xv_cont) / m_cont
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def ipw_from(dy: np.ndarray, c: Comparison) -> tuple[float, np.ndarray]:
    """Normalised inverse-probability-weighted DiD on a prepared comparison."""
    assert c.ps is not None and c.w_cont is not None and c.w_ps_resid is not None
    assert c.m_cont is not None
    n = len(dy)
    att_treat = c.w_treat * dy
    att_cont = c.w_cont * dy
    m_treat, m_cont = c.m_treat, c.m_cont
    eta_treat = att_treat.mean() / m_treat
    eta_cont = att_cont.mean() / m_cont
    inf_treat = (att_treat - c.w_treat * eta_treat) / m_treat
    cont_1 = att_cont - c.w_cont * eta_cont
    alr_ps = ps_effect(c.w_ps_resid, c.x, c.ps.hessian, cont_1 @ c.x / n)
    return float(eta_treat - eta_cont), inf_treat - (cont_1 + alr_ps) / m_cont


def reg_from(dy: np.ndarray, c: Comparison) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD on a prepared comparison."""
    fitted = c.ols_fitted(dy)
    score = c.wc * (dy - fitted)
    att_treat = c.w_treat * dy
    att_cont = c.w_treat * fitted
    m_treat = c.m_treat
    eta_treat = att_treat.mean() / m_treat
    eta_cont = att_cont.mean() / m_treat
    inf_treat = (att_treat - c.w_treat * eta_treat) / m_treat
    inf_cont = (att_cont - c.w_treat * eta_cont + score * c.xv_treat) / m_treat
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def drdid_panel(
    dy: np.ndarray,
    d: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    ps_fit: PropensityFit | None = None,
) -> tuple[float, np.ndarray]:
    """Traditional doubly robust DiD (Sant'Anna & Zhao 2020, eq. 3.1), panel data."""
    return dr_from(dy, Comparison.build(d, x, w, ps_fit))


def std_ipw_did_panel(
    dy: np.ndarray,
    d: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    ps_fit: PropensityFit | None = None,
) -> tuple[float, np.ndarray]:
    """Normalised (Hajek) inverse-probability-weighted DiD (Abadie 2005), panel data."""
    return ipw_from(dy, Comparison.build(d, x, w, ps_fit))


def reg_did_panel(
    dy: np.ndarray,
    d: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    ps_fit: PropensityFit | None = None,
) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD (Heckman, Ichimura & Todd 1997), panel data."""
    del ps_fit  # no propensity score in outcome regression
    return reg_from(dy, Comparison.build(d, x, w, propensity=False))


ESTIMATORS = {"dr": drdid_panel, "ipw": std_ipw_did_panel, "reg": reg_did_panel}
FROM_COMPARISON = {"dr": dr_from, "ipw": ipw_from, "reg": reg_from}
