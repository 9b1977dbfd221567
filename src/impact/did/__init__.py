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

from impact.did.group_time import (
    AggregateResult,
    GroupTimeResult,
    StaggeredPanel,
    WaldPretest,
    att_gt,
    cohort_from_treatment,
    validate_staggered_panel,
)
from impact.did.honest import HonestResult, honest_did
from impact.did.imputation import ImputationResult, imputation
from impact.did.inference import (
    RandomizationResult,
    WildBootstrapResult,
    randomization_test,
    wild_bootstrap_scores,
    wild_cluster_bootstrap,
)
from impact.did.twoway import (
    EventStudyResult,
    TWFEResult,
    TWFEWeights,
    event_study,
    twfe,
    twfe_weights,
)

__all__ = [
    "AggregateResult",
    "EventStudyResult",
    "GroupTimeResult",
    "HonestResult",
    "ImputationResult",
    "RandomizationResult",
    "StaggeredPanel",
    "TWFEResult",
    "TWFEWeights",
    "WaldPretest",
    "WildBootstrapResult",
    "att_gt",
    "cohort_from_treatment",
    "event_study",
    "honest_did",
    "imputation",
    "randomization_test",
    "twfe",
    "twfe_weights",
    "validate_staggered_panel",
    "wild_bootstrap_scores",
    "wild_cluster_bootstrap",
]
