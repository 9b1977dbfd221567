"""Difference-in-differences: TWFE and event studies, staggered adoption, few-cluster inference.

- :func:`att_gt` (Callaway & Sant'Anna group-time ATTs) and ``.aggregate(kind)``;
- :func:`imputation` (Borusyak, Jaravel & Spiess), a second heterogeneity-robust estimator;
- :func:`twfe`, :func:`event_study` (the naive comparison) and :func:`twfe_weights`
  (the weights TWFE puts on each group-time effect, negative ones flagged);
- inference with few clusters: :func:`wild_cluster_bootstrap`, :func:`wild_bootstrap_scores`,
  :func:`randomization_test`; sensitivity to parallel trends: :func:`honest_did`.

One folder per family (:mod:`.group_time`, :mod:`.twoway`, :mod:`.imputation`,
:mod:`.inference`, :mod:`.honest`) plus :mod:`.panel`, the two-way panel the last four share.
Calls go down only: an estimator calls its validation, its cells and its influence functions;
a results class calls down into aggregation, few-cluster inference or HonestDiD (which know
no estimator), never back up into the estimator that made it. This module only re-exports.
"""

import lazy_loader

# Public names load on first use: listed once in __init__.pyi (why: see impact/__init__.py).
__getattr__, __dir__, __all__ = lazy_loader.attach_stub(__name__, __file__)
