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


@dataclass(frozen=True)
class _OlsFit:
    """Weighted OLS among comparison units: fitted values and its linear representation."""

    fitted: np.ndarray
    score: np.ndarray  # w_i (1 - d_i) (dy_i - x_i beta)
    xpx_inv: np.ndarray  # (X' W X / n)^{-1}

    def alr_dot(self, x: np.ndarray, m: np.ndarray) -> np.ndarray:
        """``(score_i x_i) @ xpx_inv @ m`` for every unit, without an n x k temporary."""
        return self.score * (x @ (self.xpx_inv @ m))


def _ols_control(dy: np.ndarray, d: np.ndarray, x: np.ndarray, w: np.ndarray) -> _OlsFit:
    n = x.shape[0]
    wc = w * (1.0 - d)
    xtwx = (x * wc[:, None]).T @ x
    beta = np.linalg.solve(xtwx, x.T @ (wc * dy))
    fitted = x @ beta
    return _OlsFit(fitted=fitted, score=wc * (dy - fitted), xpx_inv=np.linalg.inv(xtwx / n))


def drdid_panel(
    dy: np.ndarray,
    d: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    ps_fit: PropensityFit | None = None,
) -> tuple[float, np.ndarray]:
    """Traditional doubly robust DiD (Sant'Anna & Zhao 2020, eq. 3.1), panel data."""
    n = len(d)
    w = w / w.mean()
    pf = ps_fit if ps_fit is not None else fit_propensity(x, d, w)
    ols = _ols_control(dy, d, x, w)
    w_treat = w * d if not pf.n_trimmed else pf.trim * w * d
    w_cont = w * pf.odds
    resid = dy - ols.fitted
    att_treat = w_treat * resid
    att_cont = w_cont * resid
    m_treat, m_cont = w_treat.mean(), w_cont.mean()
    eta_treat = att_treat.mean() / m_treat
    eta_cont = att_cont.mean() / m_cont
    inf_treat = (att_treat - w_treat * eta_treat - ols.alr_dot(x, w_treat @ x / n)) / m_treat
    cont_1 = att_cont - w_cont * eta_cont
    m2 = cont_1 @ x / n
    m3 = w_cont @ x / n
    alr_ps = (w * pf.resid) * (x @ (pf.hessian @ m2))
    inf_cont = (cont_1 + alr_ps - ols.alr_dot(x, m3)) / m_cont
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def std_ipw_did_panel(
    dy: np.ndarray,
    d: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    ps_fit: PropensityFit | None = None,
) -> tuple[float, np.ndarray]:
    """Normalised (Hajek) inverse-probability-weighted DiD (Abadie 2005), panel data."""
    n = len(d)
    w = w / w.mean()
    pf = ps_fit if ps_fit is not None else fit_propensity(x, d, w)
    w_treat = w * d if not pf.n_trimmed else pf.trim * w * d
    w_cont = w * pf.odds
    att_treat = w_treat * dy
    att_cont = w_cont * dy
    m_treat, m_cont = w_treat.mean(), w_cont.mean()
    eta_treat = att_treat.mean() / m_treat
    eta_cont = att_cont.mean() / m_cont
    inf_treat = (att_treat - w_treat * eta_treat) / m_treat
    cont_1 = att_cont - w_cont * eta_cont
    m2 = cont_1 @ x / n
    alr_ps = (w * pf.resid) * (x @ (pf.hessian @ m2))
    inf_cont = (cont_1 + alr_ps) / m_cont
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def reg_did_panel(
    dy: np.ndarray,
    d: np.ndarray,
    x: np.ndarray,
    w: np.ndarray,
    ps_fit: PropensityFit | None = None,
) -> tuple[float, np.ndarray]:
    """Outcome-regression DiD (Heckman, Ichimura & Todd 1997), panel data."""
    del ps_fit  # no propensity score in outcome regression
    w = w / w.mean()
    ols = _ols_control(dy, d, x, w)
    w_treat = w * d
    att_treat = w_treat * dy
    att_cont = w_treat * ols.fitted
    m_treat = w_treat.mean()
    eta_treat = att_treat.mean() / m_treat
    eta_cont = att_cont.mean() / m_treat
    inf_treat = (att_treat - w_treat * eta_treat) / m_treat
    m1 = w_treat @ x / len(d)
    inf_cont = (att_cont - w_treat * eta_cont + ols.alr_dot(x, m1)) / m_treat
    return float(eta_treat - eta_cont), inf_treat - inf_cont


ESTIMATORS = {"dr": drdid_panel, "ipw": std_ipw_did_panel, "reg": reg_did_panel}
