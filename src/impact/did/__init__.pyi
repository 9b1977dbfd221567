# Type stub: the public names of this package, for mypy and IDEs. At run time
# __init__.py hands this file to lazy_loader.attach_stub, so each name is imported
# from its submodule on first use. Add a public name here (import and __all__).

from .group_time import (
    AggregateResult,
    GroupTimeResult,
    SiteEffectsResult,
    StaggeredPanel,
    WaldPretest,
    att_gt,
    cohort_from_treatment,
    validate_staggered_panel,
)
from .honest import (
    HonestResult,
    honest_did,
)
from .imputation import (
    ImputationResult,
    imputation,
)
from .inference import (
    RandomizationResult,
    WildBootstrapResult,
    randomization_test,
    wild_bootstrap_scores,
    wild_cluster_bootstrap,
)
from .twoway import (
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
    "SiteEffectsResult",
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
