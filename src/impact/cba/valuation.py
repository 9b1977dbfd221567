"""Valuation of outcomes as yearly real streams, split by who pays and who gains.

Everything here is vectorised over draws x years: each stream is an ``(n_draws, n_years)``
array per participant, in NOK of the programme's price year.

Which streams an outcome moves is data: the outcome registry of the parameter file
(:mod:`impact.cba.registry`) declares, per outcome, streams of the form
``sign * effect * prod(per_unit parameters)`` in one of four flows, between two ages.
The flows, per participant (positive = gain to the party):

* ``earnings``: labour cost gained (production);
* ``transfers``: transfers no longer paid (income lost to the participant, a saving to
  kommune and stat by ``neet_transfers_share_kommune``; they cancel for society);
* ``services``: public services no longer used (real resources; kommune and stat by
  ``neet_public_costs_share_kommune``);
* ``school``: extra upper-secondary school cost (paid by the fylkeskommune).

A state outcome's effect arrives here by year, persistence applied
(:mod:`impact.cba.persistence`); an event outcome's effect is one number per draw.
* Earnings are labour cost; ``tax_share_of_labour_cost`` of it goes to the budgets (kommune,
  fylkeskommune and stat by ``tax_share_*``), the rest to the participant.
* Tax financing cost: ``tax_financing_cost`` times the net change of the public budgets
  (kommune + fylkeskommune + stat), borne by the rest of society (R-109).

Monetary values are converted from their price year to the programme's with the CPI, and
income-linked values grow with ``real_income_growth`` from their price year to the calendar
year (capped at ``real_income_growth_until``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from impact.cba.combine import Planned
from impact.cba.parameters import Parameters
from impact.cba.programme import Programme
from impact.cba.registry import FLOWS, Age, Stream

PARTIES: tuple[str, ...] = ("kommune", "fylkeskommune", "stat", "participant", "rest_of_society")
BUDGETS: tuple[str, ...] = ("kommune", "fylkeskommune", "stat")


Combo = dict[str, np.ndarray]


@dataclass(frozen=True)
class Streams:
    """Yearly flows per participant as linear combinations of a few base streams.

    ``base`` maps a stream name to an ``(n_draws, n_years)`` (or ``(1, n_years)``) array:
    ``earnings`` (labour cost gained), ``transfers`` (transfers no longer paid),
    ``services`` (public services no longer used), ``school`` (extra school cost) and
    ``cost_<payer>`` (programme cost). ``items`` maps (party, item) to a combination
    ``{base name: coefficient (n_draws, 1)}``: the party's flow is the sum of coefficient
    times base stream. ``society`` is the societal flow written directly from real resources
    plus the tax financing cost (not by summing the ledger); ``costs`` is the programme
    cost to society (resources plus tax financing cost of the public share) and
    ``benefits = society + costs``. Present values follow by linearity:
    ``PV(item) = sum(coef * PV(base))``.
    """

    base: dict[str, np.ndarray]
    items: dict[tuple[str, str], Combo]
    society: Combo
    costs: Combo
    benefits: Combo

    def present_values(self, factors: np.ndarray) -> dict[str, np.ndarray]:
        """PV of each base stream under discount ``factors``, shape (n_draws, 1)."""
        # einsum, not BLAS: a matrix-vector product this small is faster without threads
        return {k: np.einsum("it,t->i", v, factors)[:, None] for k, v in self.base.items()}

    @staticmethod
    def combine(combo: Combo, pv: Mapping[str, np.ndarray]) -> np.ndarray:
        """Per-draw value of a combination given the base streams' present values."""
        n = max(len(v) for v in pv.values())
        total = np.zeros((n, 1))
        for name, coef in combo.items():
            total = total + coef * pv[name]
        return total[:, 0]

    def mean_flow(self, combo: Combo) -> np.ndarray:
        """Expected (mean over draws) yearly flow of a combination, shape (n_years,)."""
        out = 0.0
        for name, coef in combo.items():
            base = self.base[name]
            c = np.broadcast_to(coef, (max(base.shape[0], coef.shape[0]), 1))[:, 0]
            b = np.broadcast_to(base, (c.shape[0], base.shape[1]))
            out = out + np.einsum("i,it->t", c, b) / c.shape[0]
        return np.asarray(out)


def _col(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(x, dtype=float).reshape(-1, 1)


def _growth(
    values: Mapping[str, np.ndarray],
    params: Parameters,
    programme: Programme,
    n_years: int,
    price_year: int,
) -> np.ndarray:
    calendar = programme.start_year + np.arange(n_years)
    until = params.value("real_income_growth_until")
    g = np.asarray(values["real_income_growth"], dtype=float)
    if np.all(g == g[0]):
        g = g[:1]
    expo = (np.minimum(calendar, until) - price_year)[None, :]
    return np.exp(np.log1p(_col(g)) * expo)


def unit_values(
    values: Mapping[str, np.ndarray], params: Parameters, programme: Programme, n_years: int
) -> dict[str, np.ndarray]:
    """Monetary parameters as yearly streams in programme prices, with real income growth.

    Shapes are (n, 1) for values without growth and (n, T) or (1, T) with it.
    """
    out = {}
    growth: dict[int, np.ndarray] = {}
    for name, p in params.entries.items():
        if p.price_year is None:
            continue
        factor = params.price_factor(p.price_year, int(programme.price_year))  # type: ignore[arg-type]
        v = _col(values[name]) * factor
        if p.income_linked:
            if p.price_year not in growth:
                growth[p.price_year] = _growth(values, params, programme, n_years, p.price_year)
            v = v * growth[p.price_year]
        out[name] = v
    return out


def _age(age: Age, params: Parameters) -> float:
    return float(params.value(age)) if isinstance(age, str) else float(age)


def _mask(stream: Stream, params: Parameters, programme: Programme, n_years: int) -> np.ndarray:
    """(1, n_years) indicator of the years a stream runs in (by the participants' age)."""
    t = np.arange(n_years)
    if stream.at_age is not None:
        year = int(max(_age(stream.at_age, params) - programme.age, 0))
        return (t == year)[None, :].astype(float)
    age = programme.age + t
    lo, hi = _age(stream.from_age, params), _age(stream.to_age, params)
    return ((age >= lo) & (age < hi))[None, :].astype(float)


def stream_years(plan: Sequence[Planned], params: Parameters, programme: Programme) -> int:
    """Years until the last valued stream ends (at least 1): the horizon the streams need."""
    ends = [1]
    for p in (p for p in plan if p.valued):
        s = p.stream
        end = _age(s.at_age, params) + 1 if s.at_age is not None else _age(s.to_age, params)
        ends.append(int(np.ceil(end - programme.age)))
    return max(ends)


def streams(
    values: Mapping[str, np.ndarray],
    params: Parameters,
    programme: Programme,
    n_years: int,
    *,
    plan: Sequence[Planned],
    effects: Mapping[str, np.ndarray],
) -> Streams:
    """All flows of the appraisal per participant.

    Parameters
    ----------
    values
        Parameter draws, name -> (n,) array (central values for the deterministic case).
    plan
        The registered streams of the appraised outcomes and whether each is valued
        (:func:`impact.cba.combine.plan_streams`).
    effects
        Outcome -> effect per draw: (n, 1) for an event outcome (a one-off change), (n,
        n_years) by year for a state outcome, persistence beyond the measured years applied.
    """
    n = len(next(iter(values.values())))
    money = unit_values(values, params, programme, n_years)
    flows: dict[str, np.ndarray] = {f: np.zeros((1, n_years)) for f in FLOWS}
    flows["school"] = np.zeros((n, n_years))
    for p in plan:
        if not p.valued or p.outcome not in effects:
            continue
        # effect first, then the mask and the unit values, multiplied left to right
        amount = (p.stream.sign * effects[p.outcome]) * _mask(p.stream, params, programme, n_years)
        for name in p.stream.per_unit:
            amount = amount * (money[name] if name in money else _col(values[name]))
        flows[p.stream.flow] = flows[p.stream.flow] + amount

    base: dict[str, np.ndarray] = dict(flows)
    for payer, flow in programme.cost_flows(n_years).items():
        base[f"cost_{payer}"] = flow.reshape(1, -1)
    one = np.ones((1, 1))
    tau = _col(values["tax_share_of_labour_cost"])
    share_k = _col(values["tax_share_kommune"])
    share_f = _col(values["tax_share_fylkeskommune"])
    tr_k = _col(values["neet_transfers_share_kommune"])
    sv_k = _col(values["neet_public_costs_share_kommune"])
    lam = _col(values["tax_financing_cost"])

    items: dict[tuple[str, str], Combo] = {
        ("participant", "earnings after tax"): {"earnings": 1 - tau},
        ("participant", "transfers"): {"transfers": -one},
        ("kommune", "taxes"): {"earnings": tau * share_k},
        ("fylkeskommune", "taxes"): {"earnings": tau * share_f},
        ("stat", "taxes"): {"earnings": tau * (1 - share_k - share_f)},
        ("kommune", "transfers"): {"transfers": tr_k},
        ("stat", "transfers"): {"transfers": 1 - tr_k},
        ("kommune", "public services"): {"services": sv_k},
        ("stat", "public services"): {"services": 1 - sv_k},
        ("fylkeskommune", "extra school year"): {"school": -one},
    }
    for payer in BUDGETS:
        items[(payer, "programme cost")] = (
            {f"cost_{payer}": -one} if f"cost_{payer}" in base else {}
        )
    items[("rest_of_society", "programme cost (private)")] = (
        {"cost_private": -one} if "cost_private" in base else {}
    )
    budget: Combo = {}
    for (party, _), combo in items.items():
        if party in BUDGETS:
            for name, coef in combo.items():
                budget[name] = budget.get(name, 0.0) + coef
    items[("rest_of_society", "tax financing cost")] = {k: lam * v for k, v in budget.items()}

    # Society, from real resources directly: production + public services saved - school
    # - programme costs, plus the tax financing cost on the net budget change
    # (taxes + transfers + services - school - public programme costs).
    public_costs = [f"cost_{p}" for p in BUDGETS if f"cost_{p}" in base]
    society: Combo = {
        "earnings": 1 + lam * tau,
        "transfers": lam,
        "services": 1 + lam,
        "school": -(1 + lam),
    }
    costs: Combo = {name: 1 + lam for name in public_costs}
    if "cost_private" in base:
        costs["cost_private"] = one
    society.update({k: -v for k, v in costs.items()})
    benefits = {
        k: v for k, v in society.items() if k in ("earnings", "transfers", "services", "school")
    }
    return Streams(base=base, items=items, society=society, costs=costs, benefits=benefits)


__all__ = ["BUDGETS", "PARTIES", "Combo", "Streams", "stream_years", "streams", "unit_values"]
