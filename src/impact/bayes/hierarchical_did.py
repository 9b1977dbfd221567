"""Hierarchical difference-in-differences on binomial cells (logit or identity link).

The model behind :func:`hierarchical_did`; its results live in
:mod:`impact.bayes.results`.
"""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pymc as pm
import pytensor.tensor as pt
from scipy.special import expit, gammaln

from impact.bayes.cells import CellDesign, build_design, working_probabilities
from impact.bayes.diagnostics import check_diagnostics
from impact.bayes.enrolment import check_enrolment
from impact.bayes.results import HierarchicalDiDResult, effect_draws
from impact.bayes.sampling import check_sampler_options, sample_model
from impact.checks import as_dataframe, check_column, check_columns
from impact.errors import DataError, DesignError, ImpactWarning, OptionError

LINKS: tuple[str, ...] = ("logit", "identity")

#: Prior scales of the logit link (log-odds scale); the intercept is centred at 0.
DEFAULT_PRIORS: dict[str, float] = {
    "intercept_sd": 2.5,
    "site_sd_scale": 1.0,
    "time_sd": 1.5,
    "covariate_sd": 1.5,
    "effect_sd": 1.0,
    "effect_site_sd_scale": 0.5,
    "effect_event_sd_scale": 0.5,
}

#: Prior scales of the identity link (probability scale); the intercept is centred at 0.5.
IDENTITY_PRIORS: dict[str, float] = {
    "intercept_sd": 0.5,
    "site_sd_scale": 0.2,
    "time_sd": 0.2,
    "covariate_sd": 0.2,
    "effect_sd": 0.2,
    "effect_site_sd_scale": 0.1,
    "effect_event_sd_scale": 0.1,
}

#: Scale of the unit-year term of individual enrolment (prior key ``unit_time_sd_scale``),
#: per link: log-odds and probability scale.
UNIT_TIME_SD_SCALE: dict[str, float] = {"logit": 0.3, "identity": 0.03}

#: Cells with ``n p (1 - p)`` below this make the identity link's Gaussian approximation rough.
SMALL_CELL_NPQ = 5.0
#: Warn when more than this share of cells is small in that sense.
SMALL_CELL_SHARE = 0.25


def default_priors(link: str) -> dict[str, float]:
    """A copy of the default prior scales of ``link`` (``"logit"`` or ``"identity"``)."""
    check_link(link)
    return dict(DEFAULT_PRIORS if link == "logit" else IDENTITY_PRIORS)


def check_priors(priors: object, *, link: str, enrolment: str = "site") -> dict[str, float]:
    """The prior scales of ``link`` with the overrides in ``priors`` (a mapping or ``None``).

    Each override must be a known key and a positive finite number; otherwise an
    :class:`~impact.errors.OptionError` names the prior, the value and the valid keys.
    ``enrolment="individual"`` adds the key ``unit_time_sd_scale`` (scale of the unit-year
    term, :data:`UNIT_TIME_SD_SCALE`).
    """
    used = default_priors(link)
    if check_enrolment(enrolment) == "individual":
        used["unit_time_sd_scale"] = UNIT_TIME_SD_SCALE[link]
    keys = sorted(used)
    if priors is None:
        return used
    if not isinstance(priors, Mapping):
        raise OptionError(
            f"priors={priors!r} must be a mapping of prior scales, e.g. "
            f"priors={{'effect_sd': 0.5}}; valid keys: {keys}."
        )
    for key, value in priors.items():
        if key not in used:
            raise OptionError(f"unknown prior {key!r}; use one of {keys}.")
        if isinstance(value, np.ndarray) and value.ndim == 0:
            value = value[()]
        if (
            isinstance(value, bool | np.bool_)
            or not isinstance(value, numbers.Real)
            or not (math.isfinite(float(value)) and float(value) > 0)
        ):
            raise OptionError(
                f"prior {key}={value!r} must be one positive number (a scale on the "
                f"{link} link's scale, e.g. {key}={used[key]:g}); valid keys: {keys}."
            )
        used[key] = float(value)
    return used


def check_link(link: object) -> str:
    """Return ``link`` if it is a supported link, else raise :class:`DataError`."""
    if link not in LINKS:
        raise DataError(
            f"link={link!r} is not one of {LINKS}: use 'logit' (parallel trends in log-odds) "
            "or 'identity' (parallel trends in probabilities, as linear DiD)."
        )
    return str(link)


def choose_site_parameterization(design: CellDesign) -> str:
    """``"centered"`` when the typical unit has >= 100 persons (data dominate), else non-centred.

    With many persons per site the likelihood pins each site intercept and the centred form
    samples better; with few, the non-centred form avoids the funnel (Betancourt & Girolami
    2015).
    """
    per_unit = np.bincount(design.unit_idx, weights=design.trials)
    return "centered" if float(np.median(per_unit)) >= 100 else "noncentered"


def build_model(
    design: CellDesign,
    priors: dict[str, float],
    *,
    site_parameterization: str = "auto",
    effect_covariates: Sequence[str] = (),
    link: str = "logit",
    working_p: np.ndarray | None = None,
    site_pooling: str = "cohort",
) -> pm.Model:
    """The PyMC model for a cell design (exposed for tests and power users).

    Linear predictor of cell ``c`` (site ``s``, time ``t``, covariates ``x``), on the
    log-odds scale (``link="logit"``) or the probability scale (``link="identity"``)::

        eta_c = alpha + a_s + b_t + sum_j beta_j[x_cj] [+ sum_k c_k[t, x_ck]] [+ e_st]
                + D_c * (delta + u_s [+ v_e])
        a_s   = m_g(s) + Normal(0, sigma_site)  (site intercepts, partially pooled within
                                                 their adoption cohort g(s), never-adopters
                                                 one cohort; m = 0 for the first cohort,
                                                 else ~ Normal(0, intercept_sd); deviations
                                                 centred within cohort;
                                                 centred or non-centred; ``site_pooling="all"``
                                                 pools all sites: a ~ ZeroSumNormal(sigma_site))
        b     ~ ZeroSumNormal(time_sd)          (year effects)
        beta_j ~ ZeroSumNormal(covariate_sd)    (one vector per categorical covariate)
        c_k   ~ ZeroSumNormal(time_sd) over (time, level), zero-sum on both axes
                                                (year effects by level of each trend
                                                 covariate: parallel trends within levels)
        e_st  = sigma_ut * z_st, z ~ Normal(0, 1), sigma_ut ~ HalfNormal(unit_time_sd_scale)
                                                (individual enrolment: one term per unit and
                                                 year, shared by the unit's cells that year)
        u_s   = tau_site * w_s, w_s ~ Normal(0, 1)   (site deviation of the effect)
        v     = tau_event * r, r ~ ZeroSumNormal(1)  (event-time deviation of the effect)
        a_sg  ~ ZeroSumNormal(intercept_sd)     (``enrolment="individual"``: instead of a_s,
                                                 one free intercept per enrolment cohort g
                                                 within site s, not pooled)
        g_j   = tau_j * q_j, q_j ~ ZeroSumNormal(1)  (effect deviation by level of each
                                                      covariate in ``effect_covariates``)

    With the logit link, ``successes_c ~ Binomial(n_c, logit^-1(eta_c))`` (Bernoulli for
    person rows, n = 1), written out as ``log C(n, k) + k eta - n log(1 + e^eta)``. With the
    identity link, ``successes_c ~ Normal(n_c eta_c, sqrt(n_c w_c (1 - w_c)))`` with the
    fixed working probabilities ``w_c = working_p`` (see :func:`hierarchical_did`), and
    ``alpha`` is centred at 0.5 instead of 0.
    """
    coords: dict[str, Any] = {
        "unit": list(design.unit_labels),
        "time": list(design.time_labels),
        "cell": np.arange(design.n_cells),
    }
    for col, levels in zip(design.covariate_columns, design.covariate_levels):
        coords[f"{col}_level"] = list(levels)
    if design.effect_sites:
        coords["effect_site"] = list(design.effect_sites)
    if design.event_times is not None:
        coords["event_time"] = list(design.event_times)
    if design.unit_time_idx is not None:
        coords["unit_time"] = np.arange(design.n_unit_time)
    if site_pooling not in ("cohort", "all"):
        raise DataError(f"site_pooling={site_pooling!r} is not 'cohort' or 'all'.")
    groups = design.unit_group_idx if site_pooling == "cohort" else None
    if groups is not None and design.enrolment != "individual":
        coords["site_group_offset"] = list(design.unit_group_labels[1:])
    if design.enrolment == "individual":
        site_parameterization = "unpooled"  # free unit intercepts: nothing to parameterise
    elif site_parameterization == "auto":
        site_parameterization = choose_site_parameterization(design)
    if site_parameterization not in ("centered", "noncentered", "unpooled"):
        raise DataError(
            f"site_parameterization={site_parameterization!r} is not 'auto', 'centered' "
            "or 'noncentered'."
        )
    check_link(link)
    if link == "identity" and working_p is None:
        working_p = working_probabilities(design, effect_covariates)[0]
    # Indexing instead of dense design matrices (no BLAS needed, cost linear in cells);
    # zero-sum effects keep alpha nearly orthogonal to the site, year and covariate effects.
    with pm.Model(coords=coords) as model:
        alpha = pm.Normal("alpha", 0.5 if link == "identity" else 0.0, priors["intercept_sd"])
        individual = design.enrolment == "individual"
        if not individual:
            sigma_site = pm.HalfNormal("sigma_site", priors["site_sd_scale"])
        group_mean: Any = 0.0
        if groups is not None and not individual:
            # Correlated random effects (Mundlak 1978; Wooldridge 2021): sites are pooled
            # towards their own adoption cohort's level. Pooled towards everyone's, the
            # intercepts of adopters chosen for a low baseline are pulled up, the pre-period
            # misfit is left in place and the post-period one is absorbed by the effect,
            # which biased Flyt's ATT by about -0.014 (benchmarks/bayes_recovery.py).
            # Offsets from the first cohort (the never-adopters when there are any), whose
            # level alpha carries: a zero-sum over cohorts would tie alpha to the few-site
            # cohorts' uncertain levels and ride a ridge with the dominant cohort's.
            offset = pm.Normal(
                "cohort_offset", 0.0, priors["intercept_sd"], dims="site_group_offset"
            )
            group_mean = pt.concatenate([pt.zeros(1), offset])[groups]
        if design.enrolment == "individual":
            # Individual enrolment: one free intercept per enrolment cohort within a site
            # (zero-sum; alpha carries the mean), not pooled. Enrollee units are small (a
            # site's few enrollees of one year) and selected; pooled towards their cohort's or
            # site's level they were shrunk hard, the comparison became partly one between
            # groups' levels, and the error across seeds was 1.3 pp against a posterior sd of
            # 0.9 pp (90 % coverage 0.75 on benchmarks/bayes_individual.py). Free intercepts
            # make it a difference in differences within each unit.
            a_site = pm.ZeroSumNormal("a_site", sigma=priors["intercept_sd"], dims="unit")
        elif site_parameterization == "centered" and link == "identity":
            # Unit levels as the coordinates: a dominant unit (UngInvest's never-enrolled)
            # pins its own level instead of a combination of alpha and every zero-sum
            # deviation, which a diagonal mass matrix cannot follow (bulk ESS of the ATT
            # 150 -> 870 per 1,200 draws on UngInvest).
            level = pm.Normal("unit_level", mu=alpha + group_mean, sigma=sigma_site, dims="unit")
            a_site = pm.Deterministic("a_site", level - alpha, dims="unit")
        elif site_parameterization == "centered" and groups is not None:
            a_dev = pm.Normal("a_dev", 0.0, sigma_site, dims="unit")
            a_site = pm.Deterministic(
                "a_site", group_mean + _centre_within(a_dev, groups), dims="unit"
            )
        elif site_parameterization == "centered":
            a_site = pm.ZeroSumNormal("a_site", sigma=sigma_site, dims="unit")
        elif groups is not None:
            z_site = pm.Normal("z_site", 0.0, 1.0, dims="unit")
            a_site = pm.Deterministic(
                "a_site", group_mean + sigma_site * _centre_within(z_site, groups), dims="unit"
            )
        else:
            z_site = pm.ZeroSumNormal("z_site", sigma=1.0, dims="unit")
            a_site = pm.Deterministic("a_site", sigma_site * z_site, dims="unit")
        # Year and covariate effects are summed into one small table (years x levels ...)
        # and gathered once per cell: one gather (and one scatter in the gradient) instead
        # of one per factor.
        n_time = len(design.time_labels)
        table = (
            pm.ZeroSumNormal("b_time", sigma=priors["time_sd"], dims="time")
            if n_time > 1
            else pt.zeros(1)
        )
        factors, shape = [design.time_idx], [n_time]
        for j, (col, levels) in enumerate(zip(design.covariate_columns, design.covariate_levels)):
            if len(levels) > 1:
                beta = pm.ZeroSumNormal(
                    f"beta_{col}", sigma=priors["covariate_sd"], dims=f"{col}_level"
                )
                table = pt.shape_padright(table) + beta
                factors.append(design.covariate_codes[:, j])
                shape.append(len(levels))
        pattern = np.ravel_multi_index(tuple(factors), tuple(shape))
        eta = alpha + a_site[design.unit_idx] + pt.flatten(table)[pattern]
        for col in design.trend_covariates:
            # Year effects by level: parallel trends conditional on the covariate.
            j = design.covariate_columns.index(col)
            if n_time > 1 and len(design.covariate_levels[j]) > 1:
                trend = pm.ZeroSumNormal(
                    f"b_time_{col}",
                    sigma=priors["time_sd"],
                    dims=("time", f"{col}_level"),
                    n_zerosum_axes=2,
                )
                eta = eta + trend[design.time_idx, design.covariate_codes[:, j]]
        if design.unit_time_idx is not None:
            # A person's years share the person: the unit's cells of one year move together
            # beyond the binomial noise (shocks to a cohort of a site, serial dependence
            # within persons), so the effect's uncertainty counts unit-years, not only
            # person-years. Non-centred: the data rarely pin sigma_unit_time far from 0.
            sigma_ut = pm.HalfNormal("sigma_unit_time", priors["unit_time_sd_scale"])
            z_ut = pm.Normal("z_unit_time", 0.0, 1.0, dims="unit_time")
            eta = eta + (sigma_ut * z_ut)[design.unit_time_idx]
        delta = pm.Normal("delta", 0.0, priors["effect_sd"])
        # The effect only touches treated cells.
        t = np.flatnonzero(design.treated == 1)
        effect = delta * pt.ones(t.size)
        if design.effect_sites:
            tau_site = pm.HalfNormal("tau_site", priors["effect_site_sd_scale"])
            w_site = pm.Normal("w_site", 0.0, 1.0, dims="effect_site")
            effect = effect + (tau_site * w_site)[design.effect_site_idx[t]]
        if design.event_idx is not None:
            tau_event = pm.HalfNormal("tau_event", priors["effect_event_sd_scale"])
            r_event = pm.ZeroSumNormal("r_event", sigma=1.0, dims="event_time")
            effect = effect + (tau_event * r_event)[design.event_idx[t]]
        for col in effect_covariates:
            j = design.covariate_columns.index(col)
            tau_cov = pm.HalfNormal(f"tau_effect_{col}", priors["effect_event_sd_scale"])
            g = pm.ZeroSumNormal(f"g_effect_{col}", sigma=1.0, dims=f"{col}_level")
            effect = effect + (tau_cov * g)[design.covariate_codes[t, j]]
        eta = pt.inc_subtensor(eta[t], effect)
        if link == "identity":
            assert working_p is not None
            n = design.trials.astype(float)
            pm.Normal(
                "y",
                mu=n * eta,
                sigma=np.sqrt(n * working_p * (1 - working_p)),
                observed=design.successes,
                dims="cell",
            )
            return model
        log_choose = _log_binomial_coefficient(design.trials, design.successes)
        pm.CustomDist(
            "y",
            design.trials,
            eta,
            log_choose,
            logp=_binomial_logit_logp,
            random=_binomial_logit_random,
            observed=design.successes,
            dims="cell",
        )
    return model


def _centre_within(x: Any, groups: np.ndarray) -> Any:
    """``x`` minus its mean within each group (zero-sum deviations per adoption cohort).

    The cohort level then alone carries each cohort's mean, instead of trading it off
    against the mean of a few sites' deviations, a ridge a diagonal mass matrix follows
    badly (R-hat 1.03-1.05 on Flyt without this). The removed group means only see their
    prior, as in :class:`pymc.ZeroSumNormal`.
    """
    counts = np.bincount(groups).astype(float)
    sums = pt.inc_subtensor(pt.zeros(counts.size)[groups], x)
    return x - (sums / counts)[groups]


def _log_binomial_coefficient(n: np.ndarray, k: np.ndarray) -> np.ndarray:
    return np.asarray(gammaln(n + 1) - gammaln(k + 1) - gammaln(n - k + 1), dtype=float)


def _binomial_logit_logp(value: Any, n: Any, eta: Any, log_choose: Any) -> Any:
    """Binomial log-pmf with logit link: ``log C(n, k) + k * eta - n * log(1 + e^eta)``.

    The same as ``pm.Binomial(n, logit_p=eta)`` for valid data (checked up front in
    :func:`impact.bayes.cells.build_design`) but without per-call bound checks, which
    halves the cost of a gradient on large cell tables. With ``n = 1`` it is the Bernoulli
    log-pmf.
    """
    return log_choose + value * eta - n * pt.softplus(eta)


def _binomial_logit_random(
    n: np.ndarray,
    eta: np.ndarray,
    log_choose: np.ndarray,
    rng: np.random.Generator | None = None,
    size: Any = None,
) -> np.ndarray:
    gen = rng if rng is not None else np.random.default_rng()
    return gen.binomial(n, expit(eta), size=size)


def hierarchical_did(
    data: pd.DataFrame,
    *,
    outcome: str = "successes",
    trials: str | None = "n",
    site: str | None,
    time: str = "year",
    treated: str = "treated",
    cohort: str | None,
    event_time: str | None = "event_time",
    covariates: Sequence[str] = (),
    effect_covariates: Sequence[str] = (),
    site_effects: bool = True,
    dynamic: bool = False,
    outcome_name: str | None = None,
    compress: bool = True,
    priors: dict[str, float] | None = None,
    site_parameterization: str = "auto",
    site_pooling: str = "cohort",
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int | None = None,
    sampler: str = "pymc",
    target_accept: float = 0.9,
    predictive: bool = True,
    log_likelihood: bool = True,
    link: str = "logit",
    enrolment: str = "site",
    person: str | None = None,
    trend_covariates: Sequence[str] = (),
    **sampler_options: Any,
) -> HierarchicalDiDResult:
    """Hierarchical difference-in-differences for a binary outcome, on cell counts.

    Estimand: the average treatment effect on the treated on the probability scale,
    ``ATT = sum_c n_c [p_c(1) - p_c(0)] / sum_c n_c`` over treated cells ``c``, where
    ``p_c(1)`` is the modelled probability with the programme and ``p_c(0)`` the
    counterfactual without it (same site, year and covariates). It is computed per
    posterior draw, so its posterior is exact under the model, and likewise per site
    ("did it work here?") and, with ``dynamic=True``, per year since adoption. Both links
    report the same quantities on the same (probability) scale.

    Model: ``g(p_c) = alpha + a_unit + b_year + x' beta [+ c_year,x] [+ e_unit,year] +
    treated * (delta + u_site [+ v_event_time])`` per cell, with ``g = logit`` (``link="logit"``, default) or
    ``g = identity`` (``link="identity"``). The unit is the site in a municipal roll-out
    (``enrolment="site"``) and the enrolment cohort within the site when persons enrol
    individually (``enrolment="individual"``); unit intercepts ``a_unit`` are partially pooled
    (``sigma_site ~ HalfNormal(site_sd_scale)``), year and covariate effects have zero-sum
    Normal priors (zero-sum keeps the intercept identified), the mean effect ``delta ~
    Normal(0, effect_sd)``, its site deviations ``u_site = tau_site * w`` (non-centred,
    ``tau_site ~ HalfNormal(effect_site_sd_scale)``) and event-time deviations likewise.
    Default scales (override any with ``priors``):

    ========================  ==================  =======================
    key                       logit (log-odds)    identity (probability)
    ========================  ==================  =======================
    ``intercept_sd``          2.5 (mean 0)        0.5 (mean 0.5)
    ``site_sd_scale``         1.0                 0.2
    ``time_sd``               1.5                 0.2
    ``covariate_sd``          1.5                 0.2
    ``effect_sd``             1.0                 0.2
    ``effect_site_sd_scale``  0.5                 0.1
    ``effect_event_sd_scale`` 0.5                 0.1
    ========================  ==================  =======================

    Likelihood. Logit link: ``successes_c ~ Binomial(n_c, p_c)``, exact. Identity link
    (the linear probability model): the binomial with ``p = eta`` is undefined outside
    (0, 1), and clipping ``eta`` gives zero gradients, so the cell proportion gets the
    Gaussian approximation of the binomial, ``successes_c ~ Normal(n_c eta_c, sqrt(n_c w_c
    (1 - w_c)))``, with fixed working probabilities ``w_c``: the fitted values of the
    fixed-effects linear probability model by iterated weighted least squares (Fisher
    scoring for the binomial with identity link; bounded to [0.01, 0.99]). At ``eta_c =
    w_c`` this Gaussian has the binomial's score and Fisher information, so the posterior
    is a quadratic (Laplace-type) approximation of the exact binomial-identity posterior.
    Weights from the cell's own proportion, ``(k + 0.5) / (n + 1)``, were rejected: they
    correlate with the cell's noise and bias small cells by about ``-(1 - 2p) / n``
    (up to 1.5 pp per event time on the UngInvest cells); the pooled working fit
    reproduces the binomial maximum-likelihood estimates to 0.01 pp there. The approximation is rough
    when many cells have ``n w (1 - w) < 5`` (an :class:`ImpactWarning` says so when over a
    quarter do) and when fitted probabilities approach 0 or 1 (warned when the linear fit
    leaves [0, 1]). Its posterior predictive counts are Gaussian: continuous, and they may
    leave [0, n] in small cells.

    Parameters
    ----------
    data
        Cells (one row per site x time x covariate pattern with counts) or person rows
        (``trials=None``, outcome 0/1). Never modified.
    outcome, trials
        Successes and cell-size columns (``trials=None`` for 0/1 person rows).
    site
        Site column (e.g. ``"municipality"``); no default, as each study names its sites.
        ``None`` uses ``cohort`` as the unit (e.g. UngInvest cells, which have no
        municipality).
    time, treated
        Period column and the 0/1 treated indicator (1 = the site has adopted by then).
    cohort
        Adoption-year column (0 = never; e.g. ``"adoption_year"``, ``"enrol_year"``); no
        default. Used to check that every adopting site has treated cells, for the cohort
        pooling of site intercepts, and as unit when ``site`` is ``None``. ``None`` when the
        data have no cohort column (then all site intercepts are pooled together). With
        ``enrolment="individual"``: each person's enrolment year (needed).
    event_time
        Years since adoption (needed with ``dynamic=True``).
    covariates
        Categorical covariate columns of the cells (dummy-coded, first level dropped).
    effect_covariates
        Covariates (a subset of ``covariates``) by whose levels the effect (on the link's
        scale) may vary, e.g. ``["grade_band"]`` when the programme helps pupils at risk
        most. Deviations are zero-sum with scale ``tau ~ HalfNormal(effect_event_sd_scale)``.
    site_effects
        Let the effect vary by site (partial pooling). Needs ``site``.
    dynamic
        Let the effect vary by event time (years since adoption).
    outcome_name
        Name of the outcome, carried by :meth:`HierarchicalDiDResult.effect` into the
        cost-benefit analysis (e.g. ``"completed_vgs"``, ``"neet"``). ``None`` (default)
        uses the ``outcome`` column's name, which suits 0/1 person rows
        (``outcome="neet"``); on cells, whose count column (``"successes"``) names no
        outcome, pass it.
    compress
        Sum rows with identical covariate pattern into binomial cells (same posterior,
        much faster). ``False`` keeps person rows with a Bernoulli likelihood.
    priors
        Overrides of :data:`DEFAULT_PRIORS`.
    site_pooling
        ``"cohort"`` (default): site intercepts are pooled towards the level of their own
        adoption cohort (never-adopters form one cohort), a correlated-random-effects
        (Mundlak) prior that lets adopters differ systematically from the others, as they
        do when sites adopt because their baseline is low. ``"all"`` pools every site
        towards one mean (exchangeable sites), which biases the ATT under such selection.
        Needs ``site`` and ``cohort``; otherwise all units are pooled together.
    site_parameterization
        ``"centered"``, ``"noncentered"`` or ``"auto"`` (centred when the median site has
        at least 100 persons) for the site intercepts; recorded in the result. With the
        identity link the centred form samples the unit levels ``alpha + a_site ~
        Normal(alpha, sigma_site)`` rather than zero-sum deviations (``alpha`` is then their
        mean, not the grand mean), which mixes far better when one unit dominates.
    draws, tune, chains, seed, sampler, target_accept
        Sampler settings (see :func:`impact.bayes.sampling.sample_model`).
    predictive, log_likelihood
        Store posterior predictive draws and the pointwise log-likelihood (PSIS-LOO).
    link
        ``"logit"`` (default): parallel trends in log-odds. ``"identity"``: parallel trends
        in probabilities, the assumption of linear DiD (two-way fixed effects,
        Callaway-Sant'Anna on a 0/1 outcome). Needs cells (``compress=True``). Recorded in
        the result.
    enrolment
        Who enrols. ``"site"`` (default): a municipal roll-out, every person of a site is
        treated from the site's adoption year on; ``cohort`` must be constant within a site
        and ``treated`` within site x year, else the fit is refused (persons who enrol
        individually would share their site's intercept with the others, and the effect
        would absorb the difference in level). ``"individual"``: persons enrol in their
        own years; the units are the enrolment cohorts within sites (``cohort`` = the
        person's enrolment year; units labelled ``"<site> / <cohort>"``), each with a free
        intercept (zero-sum, scale ``intercept_sd``; not pooled, so ``site_pooling`` and
        ``site_parameterization`` do not apply and the result records ``"unpooled"``),
        plus a unit-year term ``e ~ Normal(0, sigma_unit_time)`` shared by a
        unit's cells in a year (``sigma_unit_time ~ HalfNormal(unit_time_sd_scale)``, 0.3
        on log-odds, 0.03 on probabilities), which carries the dependence between a
        person's years. ``treated`` must be ``1{year >= cohort > 0}`` and every enrolment
        cohort needs years before enrolment; site-varying effects stay per site.
    person
        Person identifier of person rows (optional; individual enrolment): checks that a
        person's ``cohort`` and ``site`` do not change (a person who moves would carry the
        trait into another unit).
    trend_covariates
        Covariates (a subset of ``covariates``) whose levels get their own year effects
        (zero-sum over years and levels, scale ``time_sd``): parallel trends conditional on
        them, where enrollees differ from others in a trait with a trend of its own.
    **sampler_options
        Passed to :func:`pymc.sample` (e.g. ``cores=2``).

    Returns
    -------
    HierarchicalDiDResult

    Notes
    -----
    Identification rests on parallel trends on the link's scale (log-odds or
    probabilities) conditional on the covariates, no anticipation and no spill-overs between
    sites. Where treated units' baseline risk differs much from the controls', the two
    scales are different assumptions and can give different ATTs (UngInvest: about -11 pp
    with the logit link against -7 pp with the identity link, whose parallel trends hold in
    that simulation). The pointwise log-likelihood is that of the link's likelihood
    (binomial pmf or Gaussian density of counts), so PSIS-LOO is not comparable across
    links. Site intercepts are pooled within adoption cohorts (``site_pooling="cohort"``):
    pooling them all towards one mean treats adopting and other sites as exchangeable, and
    where sites adopted because their baseline was low the adopters' intercepts are pulled
    up, the pre-period misfit stays and the effect absorbs the post-period one. On Flyt
    (benchmarks/bayes_recovery.py, full scale) that put the posterior mean 0.014 below a
    model-free person-weighted DiD in each of 4 seeds (90 % coverage 0/4); pooling within
    cohorts cuts the gap to about 0.007 (bias against the truth -0.002, 90 % coverage 3 of
    4; benchmarks/results/bayes_recovery*.json); what remains is the logit model's
    approximation of effects that vary by site, year and pupil.
    Rows are conditionally independent given the cell's terms. With
    ``enrolment="individual"`` a person's stable trait is in the unit's intercept (the
    persons of a unit are the same every year) and the unit-year term absorbs what the
    binomial misses beyond it; no person-level random effect is fitted (it would undo the
    cell compression). With ``enrolment="site"`` and person-years (e.g. UngInvest's cells,
    ``site=None``: the cohort is the unit) only the binomial noise is modelled, which
    understates the uncertainty when persons' years are dependent beyond the unit's level.
    Individual enrolment on the issue-13 data (40 sites, enrollees' baseline NEET 4 times
    the others', truth -8 pp): the site design reported +9 pp and is now refused;
    ``enrolment="individual"`` (identity link, site-varying effects) has bias +0.3 pp (se
    0.3) over 20 seeds, 90 % intervals cover in 17 of 20 (the imputation estimator's, too),
    0.67 times as wide as ``att_gt``'s (which uses one base year and never-enrolled
    controls only) and 0.93 times the imputation estimator's clustered on persons
    (benchmarks/results/bayes_individual.json).

    Examples
    --------
    >>> # Not run as a doctest: real MCMC sampling of thousands of cells (minutes).
    >>> from impact.data import simulate  # doctest: +SKIP
    >>> cells = simulate("flyt", seed=1).cells  # doctest: +SKIP
    >>> res = hierarchical_did(cells, site="municipality", cohort="adoption_year",
    ...                        outcome_name="completed_vgs",
    ...                        covariates=["parents_education", "grade_band"], seed=1)  # doctest: +SKIP
    >>> res.summary()  # doctest: +SKIP
    """
    outcome = str(check_column(outcome, argument="outcome"))
    trials = check_column(trials, argument="trials", optional=True)
    site = check_column(site, argument="site", optional=True)
    time = str(check_column(time, argument="time"))
    treated = str(check_column(treated, argument="treated"))
    cohort = check_column(cohort, argument="cohort", optional=True)
    event_time = check_column(event_time, argument="event_time", optional=True)
    covariates = check_columns(covariates, argument="covariates")
    effect_covariates = check_columns(effect_covariates, argument="effect_covariates")
    check_sampler_options(
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        sampler=sampler,
        target_accept=target_accept,
    )
    if site_pooling not in ("cohort", "all"):
        raise DataError(f"site_pooling={site_pooling!r} is not 'cohort' or 'all'.")
    if site_parameterization not in ("auto", "centered", "noncentered"):
        raise DataError(
            f"site_parameterization={site_parameterization!r} is not 'auto', 'centered' "
            "or 'noncentered'."
        )
    enrolment = check_enrolment(enrolment)
    person = check_column(person, argument="person", optional=True)
    trend_covariates = check_columns(trend_covariates, argument="trend_covariates")
    used_priors = check_priors(priors, link=check_link(link), enrolment=enrolment)
    data = as_dataframe(data)
    design = build_design(
        data,
        outcome=outcome,
        trials=trials,
        site=site,
        time=time,
        treated=treated,
        cohort=cohort,
        event_time=event_time,
        covariates=covariates,
        site_effects=site_effects,
        dynamic=dynamic,
        compress=compress,
        enrolment=enrolment,
        person=person,
        trend_covariates=trend_covariates,
    )
    if enrolment == "individual":
        site_parameterization = "unpooled"
    elif site_parameterization == "auto":
        site_parameterization = choose_site_parameterization(design)
    unknown = [c for c in effect_covariates if c not in list(covariates)]
    if unknown:
        raise DataError(
            f"effect_covariates {unknown} are not among covariates {list(covariates)}; "
            "add them to covariates."
        )
    working_p = _identity_working_p(design, effect_covariates) if link == "identity" else None
    model = build_model(
        design,
        used_priors,
        site_parameterization=site_parameterization,
        effect_covariates=list(effect_covariates),
        link=link,
        working_p=working_p,
        site_pooling=site_pooling,
    )
    idata, info = sample_model(
        model,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        sampler=sampler,
        target_accept=target_accept,
        predictive=predictive,
        log_likelihood=log_likelihood,
        **sampler_options,
    )
    post = idata["posterior"]
    idata["posterior"] = post.assign(effect_draws(post, design, link=link))
    diagnostics = check_diagnostics(idata, warn=True)
    return HierarchicalDiDResult(
        idata=idata,
        design=design,
        outcome_name=outcome if outcome_name is None else outcome_name,
        priors=used_priors,
        sampler=info,
        diagnostics=diagnostics,
        columns={"site": site, "time": time, "treated": treated, "cohort": cohort},
        site_parameterization=site_parameterization,
        link=link,
        working_p=working_p,
        enrolment=enrolment,
    )


def _identity_working_p(design: CellDesign, effect_covariates: Sequence[str]) -> np.ndarray:
    """Working probabilities of the identity link, with the warnings its use needs."""
    if design.bernoulli:
        raise DesignError(
            "link='identity' needs cells (its Gaussian approximation is per cell); "
            "set compress=True (the default) or use link='logit' for person rows."
        )
    bounded, fitted = working_probabilities(design, list(effect_covariates))
    outside = int(np.sum((fitted < 0) | (fitted > 1)))
    if outside:
        warnings.warn(
            f"the linear probability model fits probabilities outside [0, 1] in {outside} of "
            f"{design.n_cells} cells (range {fitted.min():.3f} to {fitted.max():.3f}); "
            "the identity link is strained there: compare with link='logit'.",
            ImpactWarning,
            stacklevel=3,
        )
    npq = design.trials * bounded * (1 - bounded)
    share = float(np.mean(npq < SMALL_CELL_NPQ))
    if share > SMALL_CELL_SHARE:
        warnings.warn(
            f"{share:.0%} of the {design.n_cells} cells have n p (1 - p) < {SMALL_CELL_NPQ:g} "
            "(p: working probability); the identity link's Gaussian approximation of the "
            "binomial is rough in such cells. Use fewer covariate levels to get larger cells, "
            "or compare with link='logit'.",
            ImpactWarning,
            stacklevel=3,
        )
    return bounded
