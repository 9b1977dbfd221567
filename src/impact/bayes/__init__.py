"""impact.bayes: Bayesian hierarchical models (PyMC + ArviZ) with the workflow built in.

- :func:`partial_pooling`: pool site-level estimates (eight-schools / random-effects model).
- :func:`hierarchical_did`: hierarchical DiD on binomial cells (logit link, or identity link
  for parallel trends in probabilities), site intercepts pooled within adoption cohorts,
  effects on the probability scale overall, by site and by event time.
- :func:`predictive_check`: prior and posterior predictive checks (table and plot).
- :func:`check_diagnostics`, :func:`loo_check`, :func:`prior_sensitivity`: the diagnostics
  gate every result passes, PSIS-LOO with Pareto k, power-scaling prior sensitivity.
"""

from impact.bayes.checks import PredictiveCheck, predictive_check
from impact.bayes.diagnostics import (
    Diagnostics,
    LooCheck,
    check_diagnostics,
    loo_check,
    prior_sensitivity,
)
from impact.bayes.hierarchical_did import DEFAULT_PRIORS, hierarchical_did
from impact.bayes.pooling import PartialPoolingResult, partial_pooling
from impact.bayes.results import HierarchicalDiDResult
from impact.bayes.sampling import SamplerInfo, nutpie_available

__all__ = [
    "DEFAULT_PRIORS",
    "HierarchicalDiDResult",
    "Diagnostics",
    "LooCheck",
    "PartialPoolingResult",
    "PredictiveCheck",
    "SamplerInfo",
    "check_diagnostics",
    "hierarchical_did",
    "loo_check",
    "nutpie_available",
    "partial_pooling",
    "predictive_check",
    "prior_sensitivity",
]
