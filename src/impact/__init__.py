"""impact: did a youth-inclusion programme work, for whom, and does it pay?

Subpackages: :mod:`impact.data` (synthetic register-like data, schemas, cells),
:mod:`impact.did` (difference-in-differences), :mod:`impact.bayes` (hierarchical models),
:mod:`impact.cba` (Norwegian cost-benefit analysis), :mod:`impact.report` (reports).

Start-up cost: ``impact``, ``impact.did``, ``impact.bayes`` and ``impact.report`` load their
public names on first use (PEP 562 module ``__getattr__``), so ``import impact.did`` costs
about ``import pandas`` and linearmodels, statsmodels, scipy.stats, PyMC/PyTensor, ArviZ and
matplotlib load only when a function that needs them runs. Each such package lists its public
names once, in its ``__init__.pyi``: mypy and IDEs read the stub, and at run time
``lazy_loader.attach_stub`` (scientific-python's loader, used by scikit-image and networkx)
builds ``__getattr__``, ``__dir__`` and ``__all__`` from the same file. We chose the library
over a hand-written ``__getattr__`` because a hand-written one needs the names twice (a
name -> submodule map for run time and ``if TYPE_CHECKING:`` imports for mypy) and those two
lists drift; the library also guards the case where a public function shares its name with
the submodule that defines it (``impact.did.imputation``). ``EAGER_IMPORT=1`` loads
everything at import time, to find an import error early.
"""

import lazy_loader

__getattr__, _, __all__ = lazy_loader.attach_stub(__name__, __file__)
__version__ = "0.1.0"
__all__ = sorted([*__all__, "__version__"])


def __dir__() -> list[str]:
    return list(__all__)
