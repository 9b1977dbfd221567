"""Difference-in-differences: TWFE and event studies, staggered adoption, few-cluster inference.

- :func:`att_gt` (Callaway & Sant'Anna group-time ATTs) and ``.aggregate(kind)``;
- :func:`imputation` (Borusyak, Jaravel & Spiess), a second heterogeneity-robust estimator;
- :func:`twfe`, :func:`event_study` (the naive comparison) and :func:`twfe_weights`
  (the weights TWFE puts on each group-time effect, negative ones flagged);
- inference with few clusters: :func:`wild_cluster_bootstrap`, :func:`wild_bootstrap_scores`,
  :func:`randomization_test`; sensitivity to parallel trends: :func:`honest_did`.
"""

from impact.did.decomposition import TWFEWeights, twfe_weights
from impact.did.design import StaggeredPanel, cohort_from_treatment, validate_staggered_panel
from impact.did.group_time import att_gt
from impact.did.gt_results import AggregateResult, GroupTimeResult
from impact.did.honest import HonestResult, honest_did
from impact.did.imputation import ImputationResult, imputation
from impact.did.pretest import WaldPretest
from impact.did.randomization import RandomizationResult, randomization_test
from impact.did.twfe import event_study, twfe
from impact.did.twfe_results import EventStudyResult, TWFEResult
from impact.did.wild_bootstrap import (
    WildBootstrapResult,
    wild_bootstrap_scores,
    wild_cluster_bootstrap,
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
