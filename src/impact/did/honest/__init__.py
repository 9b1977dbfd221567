"""Sensitivity of an event study to violations of parallel trends (Rambachan & Roth 2023).

Down the family: :mod:`.sensitivity` (``honest_did``: smoothness FLCI, relative magnitudes) →
:mod:`.relative_magnitudes` (the C-LF interval under Delta^RM) → :mod:`.conditional_test`
(the Andrews, Roth & Pakes conditional / hybrid test). It takes estimates and a covariance,
so it knows no estimator: the event-study results of the other families call down into it.
"""

from impact.did.honest.results import HonestResult
from impact.did.honest.sensitivity import honest_did

__all__ = ["HonestResult", "honest_did"]
