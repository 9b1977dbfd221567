"""Two-way fixed effects: the static TWFE regression, its event-study form and the weights it
puts on each group-time effect (de Chaisemartin & D'Haultfoeuille 2020).

Down the family: :mod:`.twfe` (``twfe``, ``event_study``) and :mod:`.weights`
(``twfe_weights``) → :mod:`impact.did.panel` (the shared two-way panel and regression).
:mod:`.results` (what ``twfe`` and ``event_study`` return) calls down into :mod:`.weights`,
:mod:`impact.did.inference` (wild bootstrap) and :mod:`impact.did.honest`, never into
:mod:`.twfe`. :mod:`.weights` holds its own diagnostic (``TWFEWeights``) beside the
computation, so ``TWFEResult.weights()`` calls down into it without a cycle.
"""

from impact.did.twoway.results import EventStudyResult, TWFEResult
from impact.did.twoway.twfe import event_study, twfe
from impact.did.twoway.weights import TWFEWeights, twfe_weights

__all__ = ["EventStudyResult", "TWFEResult", "TWFEWeights", "event_study", "twfe", "twfe_weights"]
