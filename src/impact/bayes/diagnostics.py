"""The diagnostics gate every Bayesian result passes through, plus LOO and prior sensitivity.

A posterior is only reported as trustworthy when, for every reported parameter,

* split R-hat <= 1.01 computed from at least four chains,
* bulk and tail effective sample sizes are at least 400,
* the sampler reported zero divergent transitions,
* the energy Bayesian fraction of missing information (E-BFMI) is at least 0.3 in
  every chain.

The thresholds follow Vehtari et al. (2021, "Rank-normalization, folding, and localization:
an improved R-hat") and Betancourt (2016) for E-BFMI. A result that misses any target keeps
its :class:`Diagnostics` with ``passed=False`` and the reasons, and a
:class:`~impact.errors.DiagnosticsWarning` is raised; it is never silent. All statistics come
from ArviZ.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import arviz as az
import numpy as np
import pandas as pd

from impact.errors import DataError, DiagnosticsWarning
from impact.results import Diagnostic

RHAT_MAX = 1.01
ESS_MIN = 400.0
BFMI_MIN = 0.3
MIN_CHAINS = 4
PARETO_K_MAX = 0.7
PSENS_THRESHOLD = 0.05


@dataclass(frozen=True)
class Diagnostics(Diagnostic):
    """Outcome of the diagnostics gate (a :class:`~impact.results.Diagnostic`).

    Attributes
    ----------
    passed
        ``True`` only if every check passed.
    reasons
        One sentence per failed check (empty when ``passed``).
    chains, draws
        Number of chains and kept draws per chain.
    max_rhat, min_ess_bulk, min_ess_tail
        Worst values over the checked parameters (NaN if not computable).
    divergences
        Number of divergent transitions after tuning (-1 if the sampler did not report them).
    min_bfmi
        Lowest per-chain E-BFMI (NaN if the sampler did not report energies).
    """

    passed: bool
    reasons: tuple[str, ...]
    chains: int
    draws: int
    max_rhat: float
    min_ess_bulk: float
    min_ess_tail: float
    divergences: int
    min_bfmi: float

    def summary(self) -> str:
        """One line per check, starting with PASSED or FAILED."""
        head = "Diagnostics PASSED" if self.passed else "Diagnostics FAILED"
        lines = [
            f"{head} ({self.chains} chains x {self.draws} draws)",
            f"  max R-hat {self.max_rhat:.4f} (target <= {RHAT_MAX})",
            f"  min bulk ESS {self.min_ess_bulk:.0f}, min tail ESS {self.min_ess_tail:.0f} "
            f"(target >= {ESS_MIN:.0f})",
            f"  divergences {self.divergences if self.divergences >= 0 else 'not reported'} "
            "(target 0)",
            f"  min E-BFMI {self.min_bfmi:.3f} (target >= {BFMI_MIN})",
        ]
        lines += [f"  - {r}" for r in self.reasons]
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One row per check: ``check, value, target, passed``."""
        checks = [
            ("chains", float(self.chains), f">= {MIN_CHAINS}", self.chains >= MIN_CHAINS),
            ("max_rhat", self.max_rhat, f"<= {RHAT_MAX}", bool(self.max_rhat <= RHAT_MAX)),
            (
                "min_ess_bulk",
                self.min_ess_bulk,
                f">= {ESS_MIN:.0f}",
                bool(self.min_ess_bulk >= ESS_MIN),
            ),
            (
                "min_ess_tail",
                self.min_ess_tail,
                f">= {ESS_MIN:.0f}",
                bool(self.min_ess_tail >= ESS_MIN),
            ),
            ("divergences", float(self.divergences), "0", self.divergences == 0),
            ("min_bfmi", self.min_bfmi, f">= {BFMI_MIN}", bool(self.min_bfmi >= BFMI_MIN)),
        ]
        return pd.DataFrame(checks, columns=["check", "value", "target", "passed"])

    def to_dict(self) -> dict[str, Any]:
        """Plain dictionary (for the results bundle's metadata)."""
        return {
            "passed": self.passed,
            "reasons": list(self.reasons),
            "chains": self.chains,
            "draws": self.draws,
            "max_rhat": _finite_or_none(self.max_rhat),
            "min_ess_bulk": _finite_or_none(self.min_ess_bulk),
            "min_ess_tail": _finite_or_none(self.min_ess_tail),
            "divergences": self.divergences,
            "min_bfmi": _finite_or_none(self.min_bfmi),
        }


def _finite_or_none(x: float) -> float | None:
    return float(x) if np.isfinite(x) else None


def _worst(dataset: Any, how: str) -> float:
    values = [np.asarray(dataset[v].values, dtype=float).ravel() for v in dataset.data_vars]
    flat = np.concatenate(values) if values else np.array([np.nan])
    flat = flat[np.isfinite(flat)]
    if flat.size == 0:
        return float("nan")
    return float(flat.max() if how == "max" else flat.min())


def check_diagnostics(
    idata: az.InferenceData,
    *,
    var_names: Sequence[str] | None = None,
    rhat_max: float = RHAT_MAX,
    ess_min: float = ESS_MIN,
    bfmi_min: float = BFMI_MIN,
    min_chains: int = MIN_CHAINS,
    warn: bool = True,
) -> Diagnostics:
    """Run the diagnostics gate on a posterior.

    Parameters
    ----------
    idata
        InferenceData with a ``posterior`` group (and ``sample_stats`` from NUTS).
    var_names
        Posterior variables to check; default all.
    rhat_max, ess_min, bfmi_min, min_chains
        Targets; the defaults are the house rules and should rarely change.
    warn
        Raise a :class:`~impact.errors.DiagnosticsWarning` listing the reasons on failure.

    Returns
    -------
    Diagnostics
    """
    if "posterior" not in idata.groups():
        raise DataError("The InferenceData has no 'posterior' group; sample the model first.")
    post = idata["posterior"] if var_names is None else idata["posterior"][list(var_names)]
    chains, draws = int(post.sizes["chain"]), int(post.sizes["draw"])
    reasons: list[str] = []
    if chains < min_chains:
        reasons.append(
            f"only {chains} chain(s); R-hat needs at least {min_chains} chains (set chains=4)."
        )
    max_rhat = _worst(az.rhat(post), "max") if chains >= 2 else float("nan")
    min_bulk = _worst(az.ess(post, method="bulk"), "min")
    min_tail = _worst(az.ess(post, method="tail"), "min")
    if not max_rhat <= rhat_max:
        reasons.append(
            f"max R-hat {max_rhat:.4f} exceeds {rhat_max}; run longer or reparameterise."
        )
    if not min_bulk >= ess_min:
        reasons.append(f"min bulk ESS {min_bulk:.0f} is below {ess_min:.0f}; draw more samples.")
    if not min_tail >= ess_min:
        reasons.append(f"min tail ESS {min_tail:.0f} is below {ess_min:.0f}; draw more samples.")
    stats = idata["sample_stats"] if "sample_stats" in idata.groups() else None
    if stats is not None and "diverging" in stats:
        divergences = int(np.asarray(stats["diverging"].values).sum())
        if divergences > 0:
            reasons.append(
                f"{divergences} divergent transitions; the posterior geometry is hard for NUTS "
                "(try parameterization='noncentered' or a higher target_accept)."
            )
    else:
        divergences = -1
        reasons.append("the sampler reported no divergence statistics; cannot check them.")
    if stats is not None and "energy" in stats:
        min_bfmi = float(np.min(az.bfmi(idata)))
        if not min_bfmi >= bfmi_min:
            reasons.append(
                f"E-BFMI {min_bfmi:.3f} is below {bfmi_min}; heavy tails or a poorly adapted "
                "momentum distribution."
            )
    else:
        min_bfmi = float("nan")
        reasons.append("the sampler reported no energy statistics; cannot check E-BFMI.")
    diag = Diagnostics(
        passed=not reasons,
        reasons=tuple(reasons),
        chains=chains,
        draws=draws,
        max_rhat=max_rhat,
        min_ess_bulk=min_bulk,
        min_ess_tail=min_tail,
        divergences=divergences,
        min_bfmi=min_bfmi,
    )
    if warn and not diag.passed:
        warnings.warn(
            "MCMC diagnostics failed; do not report this posterior as is: " + " ".join(reasons),
            DiagnosticsWarning,
            stacklevel=2,
        )
    return diag


@dataclass(frozen=True)
class LooCheck(Diagnostic):
    """PSIS-LOO estimate with the Pareto-k reliability check (a :class:`~impact.results.Diagnostic`).

    Attributes
    ----------
    elpd_loo, se, p_loo
        Expected log pointwise predictive density, its standard error and the effective
        number of parameters.
    max_pareto_k
        Largest Pareto-k shape estimate over observations.
    n_high_k
        Observations with k above ``k_threshold`` (their LOO estimate is unreliable).
    passed
        ``True`` when no observation exceeds the threshold.
    pareto_k
        Pointwise Pareto-k values.
    """

    elpd_loo: float
    se: float
    p_loo: float
    max_pareto_k: float
    n_high_k: int
    k_threshold: float
    passed: bool
    pareto_k: np.ndarray

    def to_frame(self) -> pd.DataFrame:
        """One row: ``elpd_loo, se, p_loo, max_pareto_k, n_high_k, k_threshold, passed``."""
        return pd.DataFrame(
            [
                {
                    "elpd_loo": self.elpd_loo,
                    "se": self.se,
                    "p_loo": self.p_loo,
                    "max_pareto_k": self.max_pareto_k,
                    "n_high_k": self.n_high_k,
                    "k_threshold": self.k_threshold,
                    "passed": self.passed,
                }
            ]
        )

    def summary(self) -> str:
        """One line: elpd, p_loo and the Pareto-k verdict."""
        state = "ok" if self.passed else f"{self.n_high_k} observation(s) with high Pareto k"
        return (
            f"PSIS-LOO elpd {self.elpd_loo:.2f} (se {self.se:.2f}), p_loo {self.p_loo:.2f}; "
            f"max Pareto k {self.max_pareto_k:.2f} (threshold {self.k_threshold}): {state}"
        )


def loo_check(
    idata: az.InferenceData, *, k_threshold: float = PARETO_K_MAX, warn: bool = True
) -> LooCheck:
    """PSIS-LOO (ArviZ) with the Pareto-k check.

    Observations with Pareto k above ``k_threshold`` (0.7 by default, Vehtari et al. 2024)
    make the LOO estimate unreliable; a :class:`~impact.errors.DiagnosticsWarning` says so.
    Needs the ``log_likelihood`` group (results store it by default) or, in an
    InferenceData made lean by :func:`impact.bayes.lean_idata`, the ``loo`` group that
    replaced it (the same numbers, computed there).
    """
    groups = idata.groups()
    if "log_likelihood" in groups:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # ArviZ's own k warning; we raise ours
            loo = az.loo(idata, pointwise=True)
        totals = (float(loo.elpd_loo), float(loo.se), float(loo.p_loo))
        k = np.asarray(loo.pareto_k.values, dtype=float).ravel()
    elif "loo" in groups:
        stored = idata["loo"]
        attrs = stored.attrs
        totals = (float(attrs["elpd_loo"]), float(attrs["se"]), float(attrs["p_loo"]))
        k = np.asarray(stored["pareto_k"].values, dtype=float).ravel()
    else:
        raise DataError(
            "The InferenceData has no 'log_likelihood' group (nor the 'loo' summary of a lean "
            "copy); fit with log_likelihood=True."
        )
    n_high = int((k > k_threshold).sum())
    check = LooCheck(
        elpd_loo=totals[0],
        se=totals[1],
        p_loo=totals[2],
        max_pareto_k=float(k.max()),
        n_high_k=n_high,
        k_threshold=k_threshold,
        passed=n_high == 0,
        pareto_k=k,
    )
    if warn and n_high:
        warnings.warn(
            f"PSIS-LOO: {n_high} observation(s) have Pareto k > {k_threshold}; the LOO "
            "estimate is unreliable for them (influential sites or cells).",
            DiagnosticsWarning,
            stacklevel=2,
        )
    return check


def prior_sensitivity(
    idata: az.InferenceData,
    *,
    var_names: Sequence[str] | None = None,
    component: str = "prior",
    threshold: float = PSENS_THRESHOLD,
) -> pd.DataFrame:
    """Power-scaling sensitivity (ArviZ ``psens``, Kallioinen et al. 2023).

    Returns one tidy row per scalar parameter with the cumulative Jensen-Shannon
    sensitivity to power-scaling the prior (or likelihood) and a ``flagged`` column:
    sensitivity above ``threshold`` (0.05 by default) signals that the prior matters for
    that parameter (prior-data conflict or weak likelihood) and deserves a sentence in the
    report. Needs ``log_prior`` and ``log_likelihood`` groups.
    """
    for group in ("log_prior", "log_likelihood"):
        if group not in idata.groups():
            raise DataError(f"The InferenceData has no {group!r} group; fit with {group}=True.")
    sens = az.psens(idata, component=component, var_names=list(var_names) if var_names else None)
    rows: list[dict[str, Any]] = []
    for name in sens.data_vars:
        values = np.asarray(sens[name].values, dtype=float)
        for index, value in np.ndenumerate(values):
            rows.append(
                {
                    "parameter": str(name),
                    "index": ",".join(map(str, index)),
                    "component": component,
                    "sensitivity": float(value),
                    "flagged": bool(value > threshold),
                }
            )
    return pd.DataFrame(rows)
