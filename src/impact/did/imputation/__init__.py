"""The imputation estimator of Borusyak, Jaravel & Spiess (2024).

Down the family: :mod:`.estimator` (``imputation``) → :mod:`impact.did.panel`.
:mod:`.results` calls down into :mod:`impact.did.inference` for the wild bootstrap.
"""

from impact.did.imputation.estimator import imputation
from impact.did.imputation.results import ImputationResult, PretrendTest

__all__ = ["ImputationResult", "PretrendTest", "imputation"]
