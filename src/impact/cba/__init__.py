"""impact.cba: societal cost-benefit appraisal by the Norwegian rules (R-109/2021, DFØ 2023).

An estimated :class:`impact.Effect` and a :class:`Programme` (participants, costs by payer)
become an :class:`Appraisal`: NPV, benefit-cost ratio, P(NPV > 0), break-even effect, a
ledger of who pays and who gains, tornado and scenarios, with Monte Carlo draws throughout.
"""

from impact.cba.appraisal import Appraisal
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
from impact.cba.programme import PAYERS, NonMonetised, Programme
from impact.cba.valuation import PARTIES

__all__ = [
    "GREEN_BOOK",
    "PARTIES",
    "PAYERS",
    "R109",
    "Appraisal",
    "DiscountSchedule",
    "NonMonetised",
    "Parameter",
    "Parameters",
    "Programme",
    "appraise",
    "discount_factors",
    "flat",
    "load_parameters",
    "present_value",
]
