"""Run a PyMC model the same way for every model in :mod:`impact.bayes`.

One entry point, :func:`sample_model`, draws the posterior (PyMC's NUTS by default, nutpie
when asked for and installed), then adds the groups a trustworthy workflow needs: prior and
prior predictive draws, posterior predictive draws, pointwise log-likelihood (for PSIS-LOO)
and the log prior (for power-scaling prior sensitivity). Seeds for each step are spawned from
one :class:`numpy.random.SeedSequence`, so the same ``seed`` gives the same numbers.
"""

from __future__ import annotations

import importlib.util
import time
from dataclasses import dataclass, field
from typing import Any, Literal

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm

from impact.checks import check_fraction, check_seed
from impact.errors import DesignError, OptionError, SamplingError
from impact.results import Diagnostic

Sampler = Literal["pymc", "nutpie", "auto"]
_SAMPLERS: tuple[str, ...] = ("pymc", "nutpie", "auto")


@dataclass(frozen=True)
class SamplerInfo(Diagnostic):
    """How a posterior was drawn; stored on every Bayesian result (a :class:`~impact.results.Diagnostic`).

    Attributes
    ----------
    sampler
        The NUTS implementation actually used: ``"pymc"`` or ``"nutpie"``.
    draws, tune, chains
        Kept draws per chain, tuning steps per chain, number of chains.
    seed
        The seed the caller passed (``None`` if none was given: results are then not
        reproducible, and the diagnostics say so nowhere else).
    target_accept
        NUTS target acceptance rate (step-size adaptation).
    seconds
        Wall time of the posterior sampling step, including compilation.
    options
        Further options passed to the sampler.
    """

    sampler: str
    draws: int
    tune: int
    chains: int
    seed: int | None
    target_accept: float
    seconds: float
    options: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: sampler, chains x draws (after tuning), target acceptance, seed, time."""
        seed = "no seed (not reproducible)" if self.seed is None else f"seed {self.seed}"
        return (
            f"Sampler {self.sampler}: {self.chains} chains x {self.draws} draws after "
            f"{self.tune} tuning steps, target_accept {self.target_accept:g}, {seed}, "
            f"{self.seconds:.1f} s"
        )

    def to_frame(self) -> pd.DataFrame:
        """One row with the columns of :meth:`to_dict` (options as their ``repr``)."""
        return pd.DataFrame([self.to_dict()])

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (for metadata files)."""
        return {
            "sampler": self.sampler,
            "draws": self.draws,
            "tune": self.tune,
            "chains": self.chains,
            "seed": self.seed,
            "target_accept": self.target_accept,
            "seconds": round(self.seconds, 3),
            "options": {k: repr(v) for k, v in self.options.items()},
        }


def nutpie_available() -> bool:
    """Whether the optional nutpie sampler is installed (``pip install impact[nutpie]``)."""
    return importlib.util.find_spec("nutpie") is not None


def resolve_sampler(sampler: str) -> str:
    """Turn ``"auto"`` into a concrete sampler and check the request can be met."""
    if sampler not in _SAMPLERS:
        raise DesignError(
            f"sampler={sampler!r} is not one of {_SAMPLERS}; use 'pymc' (default) or 'nutpie'."
        )
    if sampler == "auto":
        return "nutpie" if nutpie_available() else "pymc"
    if sampler == "nutpie" and not nutpie_available():
        raise DesignError(
            "sampler='nutpie' was requested but nutpie is not installed; "
            "install the optional extra (pip install 'impact[nutpie]') or use sampler='pymc'."
        )
    return sampler


def check_sampling_sizes(*, draws: int, tune: int, chains: int) -> None:
    """Reject sampler sizes that cannot give a posterior (an :class:`OptionError`)."""
    for name, value, minimum in (("draws", draws, 1), ("tune", tune, 0), ("chains", chains, 1)):
        if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < minimum:
            example = {"draws": 1000, "tune": 1000, "chains": 4}[name]
            raise OptionError(
                f"{name}={value!r} must be a whole number >= {minimum} (an int), e.g. "
                f"{name}={example}."
            )


def check_sampler_options(
    *, draws: Any, tune: Any, chains: Any, seed: Any, sampler: Any, target_accept: Any
) -> None:
    """Every sampler option of a Bayesian fit, checked before any work starts.

    ``draws >= 1``, ``tune >= 0`` and ``chains >= 1`` integers, ``target_accept`` strictly
    between 0 and 1, ``seed`` a non-negative integer or ``None`` and a known ``sampler``.
    """
    check_sampling_sizes(draws=draws, tune=tune, chains=chains)
    check_fraction(target_accept, argument="target_accept")
    check_seed(seed, generator=False)
    resolve_sampler(sampler)


def sample_model(
    model: pm.Model,
    *,
    draws: int,
    tune: int,
    chains: int,
    seed: int | None,
    sampler: str = "pymc",
    target_accept: float = 0.9,
    cores: int | None = None,
    prior_draws: int = 500,
    predictive: bool = True,
    log_likelihood: bool = True,
    log_prior: bool = True,
    **sampler_options: Any,
) -> tuple[az.InferenceData, SamplerInfo]:
    """Draw the posterior of ``model`` and add the workflow groups.

    Parameters
    ----------
    model
        A PyMC model with observed variables.
    draws, tune, chains
        Kept draws per chain, tuning steps per chain and number of chains. Use at least
        four chains: the diagnostics gate needs them for R-hat.
    seed
        Seed for every random step (sampling, prior and posterior predictive).
    sampler
        ``"pymc"`` (PyMC's NUTS, default), ``"nutpie"`` (optional extra) or ``"auto"``
        (nutpie when installed).
    target_accept
        NUTS target acceptance rate; raise it (e.g. 0.95-0.99) if divergences appear.
    cores
        Parallel chains (PyMC sampler); ``None`` lets PyMC decide.
    prior_draws
        Number of prior (and prior predictive) draws; 0 skips the prior groups.
    predictive, log_likelihood, log_prior
        Whether to add posterior predictive draws, the pointwise log-likelihood (needed for
        PSIS-LOO) and the log prior (needed, with the log-likelihood, for power-scaling
        sensitivity; skipped without it).
    **sampler_options
        Passed to :func:`pymc.sample`.

    Returns
    -------
    (InferenceData, SamplerInfo)
    """
    check_sampler_options(
        draws=draws,
        tune=tune,
        chains=chains,
        seed=seed,
        sampler=sampler,
        target_accept=target_accept,
    )
    used = resolve_sampler(sampler)
    sample_seed, prior_seed, ppc_seed = (
        int(s.generate_state(1)[0]) for s in np.random.SeedSequence(seed).spawn(3)
    )
    kwargs: dict[str, Any] = dict(sampler_options)
    kwargs["target_accept"] = target_accept
    if used == "nutpie":
        kwargs["nuts_sampler"] = "nutpie"
    if cores is not None:
        kwargs["cores"] = cores
    kwargs.setdefault("progressbar", False)
    kwargs.setdefault("compute_convergence_checks", False)
    start = time.perf_counter()
    with model:
        # ``pm.sample`` is looked up at call time so pymc.testing.mock_sample can replace it.
        idata = pm.sample(draws=draws, tune=tune, chains=chains, random_seed=sample_seed, **kwargs)
    seconds = time.perf_counter() - start
    check_complete(idata, draws=draws, chains=chains, sampler=used)
    with model:
        if prior_draws > 0:
            idata.extend(pm.sample_prior_predictive(draws=prior_draws, random_seed=prior_seed))
        if predictive:
            pm.sample_posterior_predictive(
                idata, random_seed=ppc_seed, extend_inferencedata=True, progressbar=False
            )
        if log_likelihood:
            pm.compute_log_likelihood(idata, extend_inferencedata=True, progressbar=False)
        if log_prior and log_likelihood:
            pm.compute_log_prior(idata, extend_inferencedata=True, progressbar=False)
    info = SamplerInfo(
        sampler=used,
        draws=int(draws),
        tune=int(tune),
        chains=int(chains),
        seed=seed,
        target_accept=float(target_accept),
        seconds=seconds,
        options={k: v for k, v in sampler_options.items() if k != "progressbar"},
    )
    return idata, info


def check_complete(idata: az.InferenceData, *, draws: int, chains: int, sampler: str) -> None:
    """Refuse a posterior with fewer chains or draws than asked (a sampler interrupted with
    Ctrl-C may return what it has so far; nutpie does, and says it drew them all)."""
    sizes = idata["posterior"].sizes
    got_chains, got_draws = int(sizes.get("chain", 0)), int(sizes.get("draw", 0))
    if (got_chains, got_draws) != (chains, draws):
        raise SamplingError(
            f"The {sampler} sampler returned {got_chains} chains x {got_draws} draws; "
            f"{chains} x {draws} were asked. It was interrupted or stopped early, and a "
            "truncated posterior is not used: run the fit again to completion."
        )
