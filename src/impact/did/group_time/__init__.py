"""Callaway & Sant'Anna (2021) group-time average treatment effects and their aggregations.

Down the family: :mod:`.estimator` (``att_gt``: options, then one pass over the cells) →
:mod:`.validation` / :mod:`.validation_rc` (check and encode the data) →
:mod:`.estimates_panel` / :mod:`.estimates_rc` (the ATT(g, t) of each cell) →
:mod:`.drdid_panel` / :mod:`.drdid_rc` (the 2x2 DR, IPW and outcome-regression estimators) →
:mod:`.influence` and :mod:`.multiplier` (influence functions, clustering, multiplier
bootstrap). :mod:`.results` holds what the user gets back; it calls down into
:mod:`.aggregation`, :mod:`.sites` and :mod:`.pretest` and never up into the estimator.
"""

from impact.did.group_time.estimator import att_gt
from impact.did.group_time.pretest import WaldPretest
from impact.did.group_time.results import AggregateResult, GroupTimeResult, InferenceSettings
from impact.did.group_time.site_results import SiteEffectsResult
from impact.did.group_time.validation import (
    StaggeredPanel,
    cohort_from_treatment,
    validate_staggered_panel,
)

__all__ = [
    "AggregateResult",
    "GroupTimeResult",
    "InferenceSettings",
    "SiteEffectsResult",
    "StaggeredPanel",
    "WaldPretest",
    "att_gt",
    "cohort_from_treatment",
    "validate_staggered_panel",
]
