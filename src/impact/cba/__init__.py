"""impact.cba: societal cost-benefit appraisal by the Norwegian rules (R-109/2021, DFØ 2023).

An estimated :class:`impact.Effect` and a :class:`Programme` (participants, costs by payer)
become an :class:`Appraisal`: NPV, benefit-cost ratio, P(NPV > 0), break-even effect, a
ledger of who pays and who gains, tornado and scenarios, with Monte Carlo draws throughout.

Example
-------
>>> from impact import Effect
>>> from impact.cba import Programme, appraise, load_parameters
>>> programme = Programme(
...     "UngInvest", participants=950, age=19, start_year=2024,
...     costs={"kommune": 180_000, "stat": 90_000, "private": 30_000},
...     neet_event_times=(0, 1, 2),
...     non_monetised={"wellbeing": (2, "participants report feeling less outside")},
... )
>>> effects = [
...     Effect.from_normal(0.10, 0.04, outcome="completed_vgs", seed=1, estimator="att_gt"),
...     Effect.from_normal(-0.08, 0.03, outcome="neet", seed=2, estimator="hierarchical_did"),
... ]
>>> app = appraise(effects, programme, load_parameters(), n_draws=2000, seed=3)
>>> sorted(app.ledger(by="party")["party"])
['fylkeskommune', 'kommune', 'participant', 'rest_of_society', 'stat']

Outcomes (``completed_vgs``, ``neet``, ``employed``, ``earnings`` shipped) and the streams
each moves are data: ``load_parameters().registry``; add one in your own TOML file. How an
effect lasts beyond its measured years is the ``persistence`` assumption of
:func:`appraise`, shown in the summary, the scenarios and ``Appraisal.persistence``.

Rules: discounting by R-109 (4 % / 3 % / 2 %), tax financing cost 20 % on the net change in
public budgets, real growth 0.9 % a year of income-linked values, prices converted with the
shipped SSB CPI. Parameter values, sources and ``verify`` flags: ``load_parameters().to_frame()``.
"""

from impact.cba.appraise import appraise
from impact.cba.discounting import (
    GREEN_BOOK,
    R109,
    DiscountSchedule,
    discount_factors,
    flat,
    present_value,
)
from impact.cba.parameters import Parameter, Parameters, load_parameters
from impact.cba.persistence import Persistence
from impact.cba.programme import PAYERS, NonMonetised, Programme
from impact.cba.registry import OutcomeRegistry
from impact.cba.results import Appraisal
from impact.cba.valuation import PARTIES

__all__ = [
    "GREEN_BOOK",
    "PARTIES",
    "PAYERS",
    "R109",
    "Appraisal",
    "DiscountSchedule",
    "NonMonetised",
    "OutcomeRegistry",
    "Parameter",
    "Parameters",
    "Persistence",
    "Programme",
    "appraise",
    "discount_factors",
    "flat",
    "load_parameters",
    "present_value",
]
