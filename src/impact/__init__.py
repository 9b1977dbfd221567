"""impact: did a youth-inclusion programme work, for whom, and does it pay?

Subpackages: :mod:`impact.data` (synthetic register-like data, schemas, cells),
:mod:`impact.did` (difference-in-differences), :mod:`impact.bayes` (hierarchical models),
:mod:`impact.cba` (Norwegian cost-benefit analysis), :mod:`impact.report` (reports).
"""

from impact.effect import Effect
from impact.results import compare

__version__ = "0.1.0"

__all__ = ["Effect", "__version__", "compare"]
