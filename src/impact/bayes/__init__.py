"""impact.bayes: Bayesian hierarchical models (PyMC + ArviZ) with the workflow built in.

- :func:`partial_pooling`: pool site-level estimates (eight-schools / random-effects model).
- :func:`hierarchical_did`: hierarchical DiD on binomial cells (logit link, or identity link
  for parallel trends in probabilities), site intercepts pooled within adoption cohorts,
  effects on the probability scale overall, by site and by event time.
- :func:`predictive_check`: prior and posterior predictive checks (table and plot).
- :func:`check_diagnostics`, :func:`loo_check`, :func:`prior_sensitivity`: the diagnostics
  gate every result passes, PSIS-LOO with Pareto k, power-scaling prior sensitivity.
- :func:`lean_idata`: the InferenceData a results bundle keeps (posterior untouched, LOO
  summary instead of the pointwise log-likelihood, a seeded subset of predictive draws).
"""

import lazy_loader

# Public names load on first use: listed once in __init__.pyi (why: see impact/__init__.py).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
