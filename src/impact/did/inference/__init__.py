"""Inference with few clusters: the wild cluster (restricted) bootstrap and randomization
inference over adoption dates.

Down the family: :mod:`.wild_bootstrap` → :mod:`impact.did.panel`.
:mod:`.randomization` re-estimates TWFE or the imputation estimator under permuted adoption
dates, so it sits above those two families and imports them when called.
"""

from impact.did.inference.randomization import randomization_test
from impact.did.inference.results import RandomizationResult, WildBootstrapResult
from impact.did.inference.wild_bootstrap import wild_bootstrap_scores, wild_cluster_bootstrap

__all__ = [
    "RandomizationResult",
    "WildBootstrapResult",
    "randomization_test",
    "wild_bootstrap_scores",
    "wild_cluster_bootstrap",
]
