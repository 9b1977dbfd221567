"""Partial pooling of site-level estimates: the hierarchical (random-effects) model.

The eight-schools model (Rubin 1981; Gelman et al., *Bayesian Data Analysis*, ch. 5) for
combining site-level effect estimates (e.g. one DiD estimate per municipality) or published
study results (meta-analysis).
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
from matplotlib.axes import Axes
from scipy import stats

from impact.bayes.diagnostics import Diagnostics, check_diagnostics
from impact.bayes.plots import forest_plot, posterior_plot
from impact.bayes.sampling import SamplerInfo, check_sampler_options, sample_model
from impact.bayes.summaries import subsample, summarise_draws
from impact.effect import Effect
from impact.errors import DataError, DesignError, FewParticipantsWarning, OptionError
from impact.results import EstimateResult, check_level, headline_row

Parameterization = Literal["noncentered", "centered"]

#: A site with fewer participants than this is flagged (as
#: :data:`impact.did.group_time.sites.MIN_SITE_PARTICIPANTS`: for a binary outcome at
#: 15-20 % a site's standard error needs about 30 persons before it means anything).
MIN_PARTICIPANTS = 30

#: A standard error below this fraction of the median site's is implausibly small when the
#: participants are not known: the site would need 100 times the median site's participants.
SMALL_SE_FRACTION = 0.1

#: With participants known, ``se * sqrt(n)`` (the spread per participant the SE implies)
#: below this fraction of the median site's is implausible: a DiD on the same outcome in
#: another site cannot be four times less noisy per person (the SE of a proportion from
#: ``n`` persons is ``sqrt(p (1 - p) / n)``; one or two persons with no change give ~0).
SMALL_SPREAD_FRACTION = 0.25


def flag_site_inputs(
    std_errors: np.ndarray, labels: Sequence[str], n_participants: np.ndarray | None = None
) -> dict[str, str]:
    """Sites whose inputs cannot be pooled as they stand, each with the reason.

    Flags a site with fewer than :data:`MIN_PARTICIPANTS` participants (when
    ``n_participants`` is given) and one whose standard error is implausibly small: below
    :data:`SMALL_SE_FRACTION` of the median standard error, or, with participants known,
    whose implied spread per participant ``se * sqrt(n)`` is below
    :data:`SMALL_SPREAD_FRACTION` of the median site's.
    """
    flags: dict[str, str] = {}
    se = np.asarray(std_errors, dtype=float)
    med = float(np.median(se))
    if n_participants is not None:
        n = np.asarray(n_participants, dtype=float)
        spread = se * np.sqrt(n)
        med_spread = float(np.median(spread))
    for j, label in enumerate(labels):
        why = []
        if n_participants is not None and n[j] < MIN_PARTICIPANTS:
            why.append(f"{int(n[j])} participants (< {MIN_PARTICIPANTS})")
        if se[j] < SMALL_SE_FRACTION * med:
            why.append(f"SE {se[j]:.3g} < {SMALL_SE_FRACTION:g} x the median SE {med:.3g}")
        elif n_participants is not None and spread[j] < SMALL_SPREAD_FRACTION * med_spread:
            why.append(
                f"SE x sqrt(n) = {spread[j]:.3g} < {SMALL_SPREAD_FRACTION:g} x the median "
                f"{med_spread:.3g}"
            )
        if why:
            flags[label] = "; ".join(why)
    return flags


@dataclass(frozen=True, eq=False)
class PartialPoolingResult(EstimateResult):
    """Posterior of the hierarchical model for site-level estimates.

    Keeps the results contract (:mod:`impact.results`): ``to_frame`` gives the posterior
    mean as ``estimate``, the posterior sd as ``se`` and equal-tailed intervals.

    Attributes
    ----------
    idata
        ArviZ InferenceData: ``posterior`` (``mu``, ``tau``, ``theta`` per site, ``theta_new``
        for a new site, and ``z`` in the non-centred form), ``prior``, ``prior_predictive``,
        ``posterior_predictive``, ``observed_data``, ``sample_stats``, ``log_likelihood``,
        ``log_prior``.
    sites
        Site labels in input order.
    estimates, std_errors
        The input estimates and their standard errors.
    priors
        The prior scales actually used: ``mu_sd`` and ``tau_scale``.
    parameterization
        ``"noncentered"`` or ``"centered"``.
    sampler
        How the posterior was drawn (sampler, draws, seed, wall time).
    diagnostics
        The diagnostics gate (R-hat, ESS, divergences, E-BFMI) for ``mu``, ``tau``, ``theta``.
    outcome
        The outcome the site estimates measure, as the caller named it in
        :func:`partial_pooling` (``None``: not named; :meth:`effect` then needs
        ``outcome=``).
    """

    idata: az.InferenceData
    sites: tuple[str, ...]
    estimates: np.ndarray
    std_errors: np.ndarray
    priors: dict[str, float]
    parameterization: str
    sampler: SamplerInfo
    diagnostics: Diagnostics
    outcome: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    # -- draws ---------------------------------------------------------------------------
    def draws(self, parameter: str = "mu") -> np.ndarray:
        """Posterior draws flattened over chains: ``(n_draws,)`` or ``(n_draws, n_sites)``.

        ``parameter`` is ``"mu"``, ``"tau"``, ``"theta_new"``, ``"theta"`` or a site label.
        """
        post = self.idata["posterior"]
        if parameter in ("mu", "tau", "theta_new"):
            return np.asarray(post[parameter].values, dtype=float).reshape(-1)
        theta = np.asarray(post["theta"].values, dtype=float).reshape(-1, len(self.sites))
        if parameter == "theta":
            return theta
        if parameter in self.sites:
            return theta[:, self.sites.index(parameter)]
        raise DataError(
            f"parameter={parameter!r} is neither 'mu', 'tau', 'theta', 'theta_new' nor one of "
            f"the sites {list(self.sites)}."
        )

    @property
    def pooled_effect(self) -> float:
        """Posterior mean of the pooled (average) effect ``mu``."""
        return float(self.draws("mu").mean())

    @property
    def between_site_sd(self) -> float:
        """Posterior mean of the between-site standard deviation ``tau``."""
        return float(self.draws("tau").mean())

    def prob_greater(self, threshold: float = 0.0, *, parameter: str = "mu") -> float:
        """Posterior probability that ``parameter`` exceeds ``threshold``."""
        return float(np.mean(self.draws(parameter) > threshold, axis=0).mean())

    def pooling_factors(self) -> np.ndarray:
        """Per-site pooling factor E[se_j^2 / (se_j^2 + tau^2)] in [0, 1].

        0 means the site keeps its own estimate, 1 means it is pulled fully to the pooled
        mean; large standard errors (small sites) pool more (Gelman & Pardoe 2006).
        """
        tau2 = self.draws("tau")[:, None] ** 2
        se2 = self.std_errors[None, :] ** 2
        return np.asarray((se2 / (se2 + tau2)).mean(axis=0))

    # -- tables --------------------------------------------------------------------------
    def to_frame(self, *, level: float = 0.95, threshold: float | None = None) -> pd.DataFrame:
        """Tidy table: one row for ``mu``, ``tau``, ``theta_new`` and each site's ``theta``.

        Columns: ``parameter, site``, then ``estimate`` (posterior mean), ``se`` (posterior
        sd), ``ci_lower, ci_upper`` (equal-tailed ``level`` interval, not an HDI), then
        ``median, p_positive``, ``p_above_threshold`` (if ``threshold`` given),
        ``unpooled_estimate, unpooled_se`` (the site's input estimate and standard error)
        and ``pooling`` (sites only), ``ess_bulk, ess_tail, r_hat``.
        """
        level = check_level(level)
        summ = pd.DataFrame(
            az.summary(
                self.idata, var_names=["mu", "tau", "theta"], kind="diagnostics", round_to="none"
            )
        )
        rows: list[dict[str, Any]] = []
        pooling = self.pooling_factors()
        labels: list[tuple[str, str | None, np.ndarray, str | None]] = [
            ("mu", None, self.draws("mu"), "mu"),
            ("tau", None, self.draws("tau"), "tau"),
            ("theta_new", None, self.draws("theta_new"), None),
        ]
        theta = self.draws("theta")
        labels += [("theta", s, theta[:, j], summ.index[2 + j]) for j, s in enumerate(self.sites)]
        for j, (name, site, d, key) in enumerate(labels):
            row: dict[str, Any] = {"parameter": name, "site": site}
            row |= summarise_draws(d, level=level, threshold=threshold)
            site_j = j - 3
            row["unpooled_estimate"] = float(self.estimates[site_j]) if site is not None else np.nan
            row["unpooled_se"] = float(self.std_errors[site_j]) if site is not None else np.nan
            row["pooling"] = float(pooling[site_j]) if site is not None else np.nan
            for col in ("ess_bulk", "ess_tail", "r_hat"):
                row[col] = float(summ.loc[key, col]) if key is not None else np.nan
            rows.append(row)
        return pd.DataFrame(rows)

    def summary(self, *, level: float = 0.95, threshold: float = 0.0) -> str:
        """Plain-text summary: pooled effect, between-site sd, new-site prediction, sites.

        Intervals are equal-tailed posterior intervals at ``level``.
        """
        table = self.to_frame(level=level, threshold=threshold)
        pct = f"{level:.0%}"
        mu, tau, new = (table.iloc[i] for i in range(3))
        outcome = f" on {self.outcome}" if self.outcome else ""
        lines = [
            f"Partial pooling of {len(self.sites)} sites{outcome} ({self.parameterization}; "
            f"mu ~ Normal(0, {self.priors['mu_sd']:.4g}), "
            f"tau ~ HalfCauchy({self.priors['tau_scale']:.4g}))",
            f"  pooled effect mu: {mu['estimate']:.4g} (sd {mu['se']:.4g}; {pct} interval "
            f"{mu['ci_lower']:.4g} to {mu['ci_upper']:.4g})",
            f"  P(mu > 0) = {mu['p_positive']:.3f}; P(mu > {threshold:g}) = "
            f"{mu['p_above_threshold']:.3f}",
            f"  between-site sd tau: {tau['estimate']:.4g} ({pct} interval "
            f"{tau['ci_lower']:.4g} to {tau['ci_upper']:.4g})",
            f"  effect in a new site: {new['estimate']:.4g} ({pct} interval {new['ci_lower']:.4g} "
            f"to {new['ci_upper']:.4g}); P(> 0) = {new['p_positive']:.3f}",
            self.diagnostics.summary(),
            "",
            table.loc[
                table["parameter"] == "theta",
                [
                    "site",
                    "unpooled_estimate",
                    "unpooled_se",
                    "estimate",
                    "se",
                    "ci_lower",
                    "ci_upper",
                    "pooling",
                ],
            ].to_string(index=False, float_format=lambda x: f"{x:.4g}"),
        ]
        return "\n".join(lines)

    def headline(self, *, level: float = 0.95) -> pd.Series:
        """The pooled effect ``mu``: posterior mean, sd and equal-tailed ``level`` interval."""
        row = summarise_draws(self.draws("mu"), level=level)
        return headline_row(
            estimator=f"bayes.partial_pooling({self.parameterization})",
            outcome=self.outcome or "",
            estimand="mu (population-average effect over sites)",
            estimate=row["estimate"],
            se=row["se"],
            interval=(row["ci_lower"], row["ci_upper"]),
            level=level,
            uncertainty="posterior (equal-tailed interval)",
        )

    # -- figures and effect ----------------------------------------------------------------
    def plot(
        self,
        *,
        kind: Literal["forest", "pooled"] = "forest",
        level: float = 0.95,
        practical_zero: float | None = None,
        ax: Axes | None = None,
    ) -> Axes:
        """Forest plot of the site effects (``"forest"``) or the pooled posterior (``"pooled"``).

        Draws on ``ax`` (a new figure when ``None``) and returns the Axes. ``practical_zero``
        draws the band of effects too small to matter (pooled plot); ``level`` is the
        coverage of the forest plot's intervals (equal-tailed posterior, and the unpooled
        estimates' normal intervals).
        """
        if kind == "pooled":
            return posterior_plot(
                self.draws("mu"),
                practical_zero=practical_zero,
                title="Pooled effect (mu)",
                xlabel="effect",
                ax=ax,
            )
        if kind != "forest":
            raise DataError(f"kind={kind!r} is not 'forest' or 'pooled'.")
        table = self.to_frame(level=level)
        sites = table[table["parameter"] == "theta"].copy()
        z = stats.norm.ppf((1 + level) / 2)
        sites["unpooled_lower"] = sites["unpooled_estimate"] - z * sites["unpooled_se"]
        sites["unpooled_upper"] = sites["unpooled_estimate"] + z * sites["unpooled_se"]
        return forest_plot(
            sites,
            pooled_mean=self.pooled_effect,
            title=f"Site effects, {level:.0%} intervals",
            xlabel="effect",
            ax=ax,
        )

    def effect(
        self,
        *,
        outcome: str | None = None,
        n_draws: int | None = None,
        seed: int | np.random.Generator | None = None,
        unit: str = "probability",
        kind: Literal["pooled", "predictive"] = "pooled",
        site: str | None = None,
        population: str = "",
    ) -> Effect:
        """The pooled effect (``mu``), the predictive effect for a new site, or one site's.

        Draws are posterior draws (``draws_kind="posterior"``); the point is their mean.
        ``outcome=None`` names the effect after the outcome given to
        :func:`partial_pooling` (a :class:`~impact.errors.DesignError` when none was
        given). ``n_draws=None`` keeps every posterior draw; a number picks that many at
        random (seeded by ``seed``).
        """
        name = outcome if outcome is not None else self.outcome
        if name is None:
            raise DesignError(
                "this partial pooling result has no outcome name, so its Effect cannot say "
                "what it moves; pass partial_pooling(..., outcome='completed_vgs') (the outcome "
                "the site estimates measure) or effect(outcome='completed_vgs')."
            )
        if site is not None:
            d, what = self.draws(site), f"theta[{site}]"
        elif kind == "pooled":
            d, what = self.draws("mu"), "mu"
        elif kind == "predictive":
            d, what = self.draws("theta_new"), "theta_new"
        else:
            raise DataError(f"kind={kind!r} is not 'pooled' or 'predictive'.")
        d = subsample(d, n_draws, seed)
        return Effect(
            outcome=name,
            unit=unit,
            point=float(d.mean()),
            draws=d,
            draws_kind="posterior",
            population=population,
            estimator=f"bayes.partial_pooling({self.parameterization}) {what}",
            metadata={
                "diagnostics": self.diagnostics.to_dict(),
                "sampler": self.sampler.to_dict(),
                "priors": dict(self.priors),
            },
        )


def _as_vector(values: Any, name: str, sites: Sequence[Any] | None = None) -> np.ndarray:
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name} must be numbers; got {values!r}.") from exc
    if arr.ndim != 1:
        raise DataError(f"{name} must be one-dimensional (one value per site); shape {arr.shape}.")
    bad = ~np.isfinite(arr)
    if bad.any():
        j = int(np.flatnonzero(bad)[0])
        where = (
            f"site {list(sites)[j]!r}"
            if sites is not None and len(list(sites)) == arr.size
            else f"position {j}"
        )
        raise DataError(
            f"{name} has non-finite value {float(arr[j])} at {where} (position {j}); "
            "drop or fix that site."
        )
    return arr


def _align_labelled(
    estimates: Any, std_errors: Any, sites: Sequence[Any] | None
) -> tuple[Any, Any, Sequence[Any] | None]:
    """Pair labelled inputs by label, never by position.

    Two pandas Series are aligned on their index (the standard errors reordered to the
    estimates' order); different labels are a :class:`DataError` listing them. A Series
    with ``sites`` must carry the same labels (its default 0..J-1 index is positional, so
    ``sites`` then names the sites). Returns plain arrays and the site labels.
    """
    est_s = isinstance(estimates, pd.Series)
    se_s = isinstance(std_errors, pd.Series)
    for name, series in (("estimates", estimates), ("std_errors", std_errors)):
        if isinstance(series, pd.Series) and not series.index.is_unique:
            dup = sorted({str(v) for v in series.index[series.index.duplicated()]})
            raise DataError(
                f"{name} has duplicate site labels {dup} in its index; give each site one row."
            )
    labelled = [
        s for s in (estimates, std_errors) if isinstance(s, pd.Series) and not _positional(s)
    ]
    if est_s and se_s and not (_positional(estimates) and _positional(std_errors)):
        only_est = [v for v in estimates.index if v not in std_errors.index]
        only_se = [v for v in std_errors.index if v not in estimates.index]
        if only_est or only_se:
            raise DataError(
                "estimates and std_errors are labelled by different sites: only in estimates "
                f"{only_est[:5]}, only in std_errors {only_se[:5]}. Pass one standard error per "
                "site with the same index labels (they are paired by label, not by position)."
            )
        std_errors = std_errors.reindex(estimates.index)
    if sites is not None and labelled:
        index = list(labelled[0].index)
        if [str(s) for s in sites] != [str(s) for s in index]:
            raise DataError(
                f"sites={list(sites)[:5]} does not match the site labels of the Series' index "
                f"{index[:5]}; pass sites=None to use the index, or drop the index "
                "(.reset_index(drop=True)) to label by sites."
            )
    if sites is None and labelled:
        sites = list(labelled[0].index)
    elif sites is None and est_s:
        sites = list(estimates.index)
    estimates = estimates.to_numpy() if est_s else estimates
    std_errors = std_errors.to_numpy() if se_s else std_errors
    return estimates, std_errors, sites


def _positional(series: pd.Series) -> bool:
    """A Series whose index is the default 0..n-1 (labels carry no site names)."""
    return isinstance(series.index, pd.RangeIndex) and series.index.equals(
        pd.RangeIndex(len(series))
    )


def _default_scales(std_errors: np.ndarray) -> tuple[float, float]:
    rms = float(np.sqrt(np.mean(std_errors**2)))
    return 10.0 * rms, rms


def partial_pooling(
    estimates: Sequence[float] | np.ndarray | pd.Series,
    std_errors: Sequence[float] | np.ndarray | pd.Series,
    *,
    sites: Sequence[Any] | None = None,
    outcome: str | None = None,
    mu_sd: float | None = None,
    tau_scale: float | None = None,
    parameterization: Parameterization = "noncentered",
    draws: int = 1000,
    tune: int = 1000,
    chains: int = 4,
    seed: int | None = None,
    sampler: str = "pymc",
    target_accept: float = 0.95,
    n_participants: Sequence[float] | np.ndarray | pd.Series | None = None,
    **sampler_options: Any,
) -> PartialPoolingResult:
    """Partially pool site-level estimates with the hierarchical normal model.

    Estimand: the population-average effect ``mu`` over sites, the between-site standard
    deviation ``tau``, each site's effect ``theta_j`` (shrunk towards ``mu``) and the effect
    ``theta_new`` in a new site drawn from the same population of sites.

    Model::

        estimate_j ~ Normal(theta_j, std_error_j)   (std errors treated as known)
        theta_j    ~ Normal(mu, tau)                (non-centred: theta_j = mu + tau * z_j)
        mu         ~ Normal(0, mu_sd)
        tau        ~ HalfCauchy(tau_scale)

    Parameters
    ----------
    estimates
        One effect estimate per site (e.g. municipality-level DiD estimates or published
        study results). A pandas Series gives the site labels through its index.
    std_errors
        Their standard errors, all strictly positive.
    sites
        Site labels (default: the Series index or ``site_1..site_J``).
    outcome
        Name of the outcome the estimates measure (e.g. ``"completed_vgs"``), carried into
        :meth:`PartialPoolingResult.effect`. No default: the model sees only numbers, so
        only the caller knows; without it ``effect()`` asks for ``outcome=``.
    mu_sd
        Prior sd of ``mu``. Default ``10 * s`` where ``s`` is the root-mean-square standard
        error: weakly informative, on the scale of the data.
    tau_scale
        Scale of the half-Cauchy prior on ``tau``. Default ``s``: a between-site sd of the
        order of the sampling noise, with heavy tails allowing much larger heterogeneity.
    parameterization
        ``"noncentered"`` (default; no funnel, works with few or noisy sites) or
        ``"centered"`` (the textbook form; its funnel is flagged by the diagnostics).
    draws, tune, chains
        Posterior draws and tuning steps per chain; number of chains (>= 4 for the gate).
    seed
        Seed for sampling, predictive draws and the new-site draws.
    sampler
        ``"pymc"`` (default), ``"nutpie"`` (optional extra) or ``"auto"``.
    target_accept
        NUTS target acceptance (0.95 default: no divergences on eight schools).
    n_participants
        Participants (persons) behind each site's estimate, e.g. ``n_participants`` of
        :meth:`impact.did.GroupTimeResult.aggregate` ``("site")``. Optional; used to flag
        sites (see Warns).
    **sampler_options
        Passed to :func:`pymc.sample` (e.g. ``cores=1``).

    Returns
    -------
    PartialPoolingResult
        ``metadata["flagged_sites"]`` maps each flagged site to the reason (empty if none):
        count "sites with a favourable effect" only among sites not flagged.

    Warns
    -----
    FewParticipantsWarning
        Before sampling, for inputs that should not be pooled as they stand
        (:func:`flag_site_inputs`): a site with fewer than 30 participants, or an
        implausibly small standard error (below a tenth of the median site's; with
        ``n_participants``, a spread per participant ``se * sqrt(n)`` below a quarter of
        the median site's). Such SEs (e.g. ``att_gt`` run within a municipality whose
        enrolment cohorts have one or two persons: SE near 0.002) make the model treat the
        site's estimate as known and drag ``mu`` towards it. Estimate site effects from the
        pooled fit instead (``att_gt(...).aggregate("site", ...)``) and leave flagged
        sites out, or pool them knowingly.

    Notes
    -----
    Assumes the site estimates are independent and approximately normal with known
    standard errors, and that sites are exchangeable (no site-level covariates). With few
    sites the posterior of ``tau`` is dominated by its prior; check
    :func:`impact.bayes.prior_sensitivity`.

    Examples
    --------
    >>> from impact.bayes import partial_pooling
    >>> y = [28, 8, -3, 7, -1, 1, 18, 12]
    >>> sigma = [15, 10, 16, 11, 9, 11, 10, 18]
    >>> # Not run as a doctest: real MCMC sampling (PyMC compiles and samples, about 30 s).
    >>> res = partial_pooling(y, sigma, outcome="test_score", mu_sd=5, tau_scale=5,
    ...                       seed=1)  # doctest: +SKIP
    >>> round(res.pooled_effect, 1)  # doctest: +SKIP
    4.4
    """
    check_sampler_options(
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        sampler=sampler,
        target_accept=target_accept,
    )
    if parameterization not in ("noncentered", "centered"):
        raise DataError(
            f"parameterization={parameterization!r} is not 'noncentered' or 'centered'."
        )
    if outcome is not None and not isinstance(outcome, str):
        raise OptionError(
            f"outcome={outcome!r} must be the outcome's name (a string), e.g. "
            "outcome='completed_vgs'."
        )
    if sites is not None and (isinstance(sites, str) or not isinstance(sites, Iterable)):
        raise OptionError(
            f"sites={sites!r} must be a list of site labels, one per estimate "
            "(e.g. sites=['Oslo', 'Bergen'])."
        )
    estimates, std_errors, sites = _align_labelled(estimates, std_errors, sites)
    y = _as_vector(estimates, "estimates", sites)
    se = _as_vector(std_errors, "std_errors", sites)
    if y.shape != se.shape:
        raise DataError(
            f"estimates has {y.size} values but std_errors has {se.size}; pass one standard "
            "error per estimate."
        )
    if y.size < 2:
        raise DesignError(f"partial pooling needs at least 2 sites; got {y.size}.")
    if (se <= 0).any():
        j = int(np.flatnonzero(se <= 0)[0])
        raise DataError(
            f"std_errors[{j}] = {float(se[j])} is not positive; every site needs a standard error "
            "> 0 (drop sites without one or compute it)."
        )
    labels = (
        tuple(str(s) for s in sites)
        if sites is not None
        else tuple(f"site_{j + 1}" for j in range(y.size))
    )
    if len(labels) != y.size:
        raise DataError(f"sites has {len(labels)} labels for {y.size} estimates.")
    if len(set(labels)) != len(labels):
        raise DataError(f"sites must be unique; got {list(labels)}.")
    n_part = None
    if n_participants is not None:
        n_part = _as_vector(n_participants, "n_participants", sites)
        if n_part.shape != y.shape or (n_part < 0).any():
            raise DataError(
                f"n_participants has {n_part.size} values for {y.size} estimates (or a negative "
                "count); pass one count of participants per site."
            )
    flagged = flag_site_inputs(se, labels, n_part)
    if flagged:
        listed = "; ".join(f"{k}: {v}" for k, v in flagged.items())
        warnings.warn(
            f"{len(flagged)} of {y.size} site inputs are implausible or too small to pool as "
            f"they stand ({listed}). Small SEs from tiny sites dominate the pooled mean; "
            "estimate site effects with att_gt(...).aggregate('site', ...) and leave flagged "
            "sites out, and never count favourable sites among them.",
            FewParticipantsWarning,
            stacklevel=2,
        )
    d_mu, d_tau = _default_scales(se)
    for name, value in (("mu_sd", mu_sd), ("tau_scale", tau_scale)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise OptionError(f"{name}={value!r} must be a positive number (or None: default).")
    mu_sd = d_mu if mu_sd is None else float(mu_sd)
    tau_scale = d_tau if tau_scale is None else float(tau_scale)
    for name, value in (("mu_sd", mu_sd), ("tau_scale", tau_scale)):
        if not (np.isfinite(value) and value > 0):
            raise DataError(f"{name}={value!r} must be a positive number.")

    with pm.Model(coords={"site": list(labels)}) as model:
        mu = pm.Normal("mu", 0.0, mu_sd)
        tau = pm.HalfCauchy("tau", tau_scale)
        if parameterization == "noncentered":
            z = pm.Normal("z", 0.0, 1.0, dims="site")
            theta = pm.Deterministic("theta", mu + tau * z, dims="site")
        else:
            theta = pm.Normal("theta", mu, tau, dims="site")
        pm.Normal("y", theta, sigma=se, observed=y, dims="site")

    idata, info = sample_model(
        model,
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        sampler=sampler,
        target_accept=target_accept,
        **sampler_options,
    )
    post = idata["posterior"]
    new_rng = np.random.default_rng(np.random.SeedSequence(seed).spawn(4)[3])
    z_new = new_rng.standard_normal(post["mu"].shape)
    idata["posterior"] = post.assign(theta_new=post["mu"] + post["tau"] * z_new)
    diagnostics = check_diagnostics(idata, var_names=["mu", "tau", "theta"], warn=True)
    return PartialPoolingResult(
        idata=idata,
        sites=labels,
        estimates=y,
        std_errors=se,
        priors={"mu_sd": mu_sd, "tau_scale": tau_scale},
        parameterization=parameterization,
        sampler=info,
        diagnostics=diagnostics,
        outcome=outcome,
        metadata={"flagged_sites": flagged},
    )
