# Type stub: the public names of this package, for mypy and IDEs. At run time
# __init__.py hands this file to lazy_loader.attach_stub, so each name is imported
# from its submodule on first use. Add a public name here (import and __all__).

from .checks import (
    PredictiveCheck,
    predictive_check,
)
from .diagnostics import (
    Diagnostics,
    LooCheck,
    check_diagnostics,
    loo_check,
    prior_sensitivity,
)
from .hierarchical_did import (
    DEFAULT_PRIORS,
    hierarchical_did,
)
from .lean import (
    PREDICTIVE_DRAWS,
    lean_idata,
)
from .pooling import (
    PartialPoolingResult,
    partial_pooling,
)
from .results import HierarchicalDiDResult
from .sampling import (
    SamplerInfo,
    nutpie_available,
)

__all__ = [
    "DEFAULT_PRIORS",
    "PREDICTIVE_DRAWS",
    "Diagnostics",
    "HierarchicalDiDResult",
    "LooCheck",
    "PartialPoolingResult",
    "PredictiveCheck",
    "SamplerInfo",
    "check_diagnostics",
    "hierarchical_did",
    "lean_idata",
    "loo_check",
    "nutpie_available",
    "partial_pooling",
    "predictive_check",
    "prior_sensitivity",
]
