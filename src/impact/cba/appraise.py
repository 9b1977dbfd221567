"""`appraise`: from estimated effects and programme costs to a societal appraisal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from impact.cba.alignment import Pairing, as_effect_dict, draw_effects, state_profile
from impact.cba.combine import Combine, plan_frame, plan_streams
from impact.cba.discounting import ScheduleLike, discount_factors, schedule_name
from impact.cba.parameters import Parameters, load_parameters
from impact.cba.persistence import Persistence, as_persistence, factors, registry_default
from impact.cba.programme import Programme
from impact.cba.results import Appraisal
from impact.cba.sensitivity import break_even, persistence_table, pv, scenarios, tornado
from impact.cba.valuation import PARTIES, Streams, stream_years, streams
from impact.checks import check_choice, check_count, check_seed
from impact.effect import Effect
from impact.errors import DataError, OptionError, ParameterError

PersistenceSpec = Persistence | str | float | Sequence[float]


class Setup:
    """Validated inputs shared by the Monte Carlo, the deterministic run and the sensitivity."""

    def __init__(
        self,
        effects: dict[str, Effect],
        programme: Programme,
        params: Parameters,
        combine: Combine | None,
        persistence: PersistenceSpec | Mapping[str, PersistenceSpec] | None,
    ) -> None:
        registry = params.registry
        self.effects = effects
        self.programme = programme
        self.plan = plan_streams(registry, list(effects), combine)
        self.persistence, self.params = _persistence(persistence, effects, params)
        self.used: set[str] = registry.parameters_used(list(effects))
        self.used |= {
            str(p.parameter_name(o)) for o, p in self.persistence.items() if p.kind == "decay"
        }
        referenced = registry.parameters_used(list(registry))
        self.used |= {n for n in self.params.entries if n not in referenced}
        self.n_years = _horizon(programme, self.params, stream_years(self.plan, params, programme))
        self.windows: dict[str, tuple[tuple[int, ...], str]] = {}
        for outcome in self.persistence:
            eff = effects[outcome]
            if eff.event_time is None:
                default = registry[outcome].summary_years
                self.windows[outcome] = programme.summary_years_for(outcome, default)
            else:
                times = tuple(int(k) for k in eff.event_time if k >= 0) or (0,)
                self.windows[outcome] = ((min(times), max(times)), "event times of the effect")

    def run(
        self,
        values: Mapping[str, np.ndarray],
        effect_draws: Mapping[str, np.ndarray],
        *,
        persistence: Mapping[str, Persistence] | None = None,
    ) -> Streams:
        """The streams for parameter ``values`` and effect draws (persistence overridable)."""
        t = np.arange(self.n_years)
        by_outcome: dict[str, np.ndarray] = {}
        for outcome, eff in self.effects.items():
            draws = np.asarray(effect_draws[outcome])
            if outcome not in self.persistence:  # an event outcome: one change per draw
                by_outcome[outcome] = draws.reshape(-1, 1)
                continue
            years = self.windows[outcome][0] if eff.event_time is None else (0,)
            inside, last, last_year = state_profile(eff, draws, self.n_years, years)
            after = np.clip(t - last_year, 0, None)[None, :]
            assumption = (persistence or {}).get(outcome, self.persistence[outcome])
            kept = factors(assumption, values, outcome, after)
            by_outcome[outcome] = inside + last.reshape(-1, 1) * kept
        return streams(
            values, self.params, self.programme, self.n_years, plan=self.plan, effects=by_outcome
        )

    def point_effects(self, n: int, scale: float = 1.0) -> dict[str, np.ndarray]:
        """Point estimates (dynamic: mean per event time) repeated ``n`` times, times ``scale``."""
        out = {}
        for key, eff in self.effects.items():
            point = np.asarray(eff.point if eff.event_time is None else eff.draws.mean(axis=0))
            out[key] = np.broadcast_to(scale * point, (n, *point.shape)).copy()
        return out

    def describe_persistence(self, override: Mapping[str, Persistence] | None = None) -> str:
        """Each state outcome's persistence assumption in words (``""`` without one)."""
        chosen = {**self.persistence, **(override or {})}
        return "; ".join(f"{o}: {p.describe(self.params)}" for o, p in chosen.items())


def _horizon(programme: Programme, params: Parameters, needed: int) -> int:
    """Years counted: the programme's horizon, else what streams and costs need, capped."""
    if programme.horizon is not None:
        return int(programme.horizon)
    cost_years = max((len(v) for v in programme.yearly_costs.values()), default=1)
    return int(min(max(needed, cost_years, 1), params.value("max_analysis_period")))


def _persistence(
    spec: PersistenceSpec | Mapping[str, PersistenceSpec] | None,
    effects: Mapping[str, Effect],
    params: Parameters,
) -> tuple[dict[str, Persistence], Parameters]:
    """The persistence assumption of each state outcome, and the parameters it needs."""
    registry = params.registry
    state = [o for o in registry if o in effects and registry[o].kind == "state"]
    if spec is None:
        chosen: dict[str, object] = {}
    elif isinstance(spec, Mapping):
        chosen = dict(spec)
        for outcome in chosen:
            if outcome not in state:
                raise OptionError(
                    f"persistence names {outcome!r}, but persistence applies to effects on "
                    f"yearly states, here {state}; an event outcome (such as completion) has "
                    "no persistence. Drop the entry."
                )
    else:
        chosen = {o: spec for o in state}
    out: dict[str, Persistence] = {}
    added = []
    for outcome in state:
        if outcome in chosen:
            p = as_persistence(chosen[outcome], outcome=outcome)
        else:
            p = registry_default(registry[outcome].persistence)
        name = p.parameter_name(outcome)
        extra = p.as_parameter(outcome)
        if extra is not None:
            added.append(extra)
        elif name is not None and (
            name not in params
            or not 0 <= float(params[name].low or 0) <= float(params[name].high or 0) <= 1
        ):
            raise ParameterError(
                f"persistence for {outcome!r} names parameter {name!r}, which is not a share "
                "kept per year in [0, 1] in the parameter set; name such a parameter or give "
                "the rate, e.g. Persistence.decay(0.85, low=0.6, high=0.95)."
            )
        out[outcome] = p
    return out, (params.with_parameters(*added) if added else params)


def _validate(effects: dict[str, Effect], programme: Programme, params: Parameters) -> None:
    registry = params.registry
    if programme.outcomes is not None:
        registry.require(programme.outcomes, where=f"Programme {programme.name!r}")
    registry.require(list(effects), where="appraise")
    for outcome, eff in effects.items():
        if programme.outcomes is not None and outcome not in programme.outcomes:
            raise ParameterError(
                f"Effect on outcome {outcome!r} but programme {programme.name!r} values only "
                f"{list(programme.outcomes)}; add {outcome!r} to Programme(outcomes=...) or "
                "drop the effect."
            )
        entry = registry[outcome]
        if eff.unit != entry.unit:
            need = (
                "a risk difference with unit='probability' (0.05 = 5 percentage points)"
                if entry.unit == "probability"
                else f"an effect with unit={entry.unit!r}"
            )
            raise DataError(
                f"Effect on {outcome!r} has unit {eff.unit!r}; the valuation needs {need}."
            )
        if entry.kind == "event" and eff.event_time is not None:
            raise DataError(
                f"The effect on {outcome!r} must be a summary effect ({entry.description}: a "
                "one-off change), not a dynamic one with event_time; aggregate it first."
            )
    params.cpi_value(int(programme.price_year), what="programme price_year")  # type: ignore[arg-type]


def _check_costs(programme: Programme, n_years: int) -> None:
    for payer, amounts in programme.yearly_costs.items():
        if len(amounts) > n_years:
            raise ParameterError(
                f"Programme {programme.name!r}: costs for {payer!r} run for {len(amounts)} "
                f"years but the horizon is {n_years}; shorten the cost list or raise horizon."
            )


def _yearly(mc: Streams, programme: Programme, df: np.ndarray) -> pd.DataFrame:
    """Expected yearly flows by party for all participants, undiscounted and discounted."""
    years = np.arange(df.size)
    frames = []
    for party in PARTIES:
        flow = np.zeros(df.size)
        for key, combo in mc.items.items():
            if key[0] == party:
                flow = flow + mc.mean_flow(combo)
        flow = flow * programme.participants
        frames.append(
            pd.DataFrame(
                {
                    "year": years,
                    "calendar_year": programme.start_year + years,
                    "party": party,
                    "flow": flow,
                    "discounted_flow": flow * df,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def appraise(
    effects: Effect | Sequence[Effect] | Mapping[str, Effect],
    programme: Programme,
    parameters: Parameters | None = None,
    *,
    n_draws: int = 10_000,
    seed: int | np.random.Generator | None = None,
    schedule: ScheduleLike = "r109",
    pairing: Pairing = "auto",
    persistence: PersistenceSpec | Mapping[str, PersistenceSpec] | None = None,
    combine: Combine | None = None,
) -> Appraisal:
    """Societal cost-benefit appraisal of a programme by the Norwegian rules (R-109, DFØ).

    Parameters
    ----------
    effects
        One :class:`impact.Effect` or several (a list, or a mapping outcome -> Effect), per
        participant, each on an outcome of the parameter set's outcome registry and in its
        unit (shipped: ``"completed_vgs"``, a summary risk difference; ``"neet"`` and
        ``"employed"``, risk differences of a yearly status, summary or dynamic with
        ``event_time`` = years after the start; ``"earnings"``, NOK of wage income a year).
    programme
        Participants, age, start and price year, costs per participant by year and payer,
        the outcomes valued and the non-monetised effects (:class:`Programme`).
    parameters
        Parameter set; default :func:`load_parameters` (the shipped Norwegian values).
    n_draws
        Monte Carlo draws: parameters are drawn independently from their distributions,
        effects are aligned to ``n_draws`` rows (see below).
    seed
        Seed or generator; the same seed gives the same numbers.
    schedule
        Discount schedule of the base case (default ``"r109"``), see :func:`present_value`.
    pairing
        How effects with draws are paired. Effects with equal numbers of draws are joint
        (row ``i`` with row ``i``); a point mass is broadcast; effects with different
        numbers of draws are treated as independent only when each names a different
        ``estimator`` (else a :class:`~impact.errors.DataError`: ambiguous), or always with
        ``pairing="independent"``. ``m`` draws map to ``n_draws`` by identity (``m ==
        n_draws``), subsampling without replacement (``m > n_draws``) or resampling with
        replacement (``m < n_draws``), with the seeded generator.
    persistence
        How each effect on a yearly status continues beyond its measured years (the event
        times of a dynamic effect, or ``Programme.summary_years`` / the registry's
        ``summary_years`` for a summary effect): ``"none"``, ``"permanent"``, a yearly decay
        factor, a profile list, or a :class:`~impact.cba.Persistence` (with uncertainty:
        ``Persistence.decay(0.85, low=0.6, high=0.95)``); one for all such effects or a
        mapping outcome -> assumption. Default: the registry's (shipped: decay at the
        uncertain parameters ``neet_persistence``, ``employed_persistence``,
        ``earnings_persistence``). Recorded in :attr:`Appraisal.persistence`, varied in the
        scenarios (none, permanent); a :class:`~impact.errors.PersistenceWarning` says when
        the sign of the NPV, or P(NPV > 0) against 0.5, changes with it.
    combine
        Which streams each effect values when two effects move the same stream (e.g.
        ``{"employed": ["employment_earnings", "benefit_transfers"], "neet":
        ["public_services"]}``). Without it such effects are refused: the same participants'
        earnings would be counted twice (rule: :mod:`impact.cba.combine`).

    Returns
    -------
    Appraisal
        NPV, benefit-cost ratio, P(NPV > 0), break-even effect, ledger by party, payback
        years, tornado, scenarios and the DFØ plus-minus table, with joint draws.

    Notes
    -----
    The estimand is the societal net present value of running the programme for
    ``participants`` people versus not running it (the zero alternative), in real NOK of the
    programme's price year discounted to its start year: real resource effects (production,
    public services, programme and schooling costs) plus the tax financing cost of 20 % on
    the net change in public budgets. Transfers and taxes move money between parties and
    cancel for society; the ledger shows each party's own share and sums to the NPV.
    Assumes the effects apply to every participant, the parameters are independent, and
    each effect on a yearly status continues beyond its measured years as ``persistence``
    says. The horizon follows the valued streams (their last age), at most
    ``max_analysis_period`` years, discounted by ``schedule``.

    Examples
    --------
    >>> from impact import Effect
    >>> from impact.cba import Programme, appraise
    >>> prog = Programme("Flyt", participants=500, age=15, start_year=2024,
    ...                  costs={"kommune": 25_000}, outcomes=("completed_vgs",))
    >>> eff = Effect.from_normal(0.04, 0.015, outcome="completed_vgs", seed=1)
    >>> app = appraise(eff, prog, n_draws=2000, seed=2)
    >>> app.npv > 0
    True
    """
    n = int(check_count(n_draws, argument="n_draws"))  # type: ignore[arg-type]
    seed = check_seed(seed)
    check_choice(pairing, argument="pairing", choices=("auto", "joint", "independent"))
    if parameters is not None and not isinstance(parameters, Parameters):
        raise OptionError(
            f"parameters must be an impact.cba.Parameters (or None for the shipped Norwegian "
            f"values), got {type(parameters).__name__} {parameters!r:.60}; load a set with "
            "impact.cba.load_parameters(...)."
        )
    params = parameters if parameters is not None else load_parameters()
    if not isinstance(programme, Programme):
        raise ParameterError(
            f"programme must be an impact.cba.Programme, got {type(programme).__name__}."
        )
    eff = as_effect_dict(effects)
    _validate(eff, programme, params)
    setup = Setup(eff, programme, params, combine, persistence)
    _check_costs(programme, setup.n_years)
    params = setup.params
    df = discount_factors(setup.n_years, schedule)
    participants = programme.participants
    rng = np.random.default_rng(seed)
    effect_draws = draw_effects(eff, n, rng, pairing=pairing)
    values = params.sample(n, rng)

    mc = setup.run(values, effect_draws)
    pvs = mc.present_values(df)
    npv_draws = Streams.combine(mc.society, pvs) * participants
    ledger = {key: Streams.combine(combo, pvs) * participants for key, combo in mc.items.items()}
    central = params.central()
    det = setup.run(central, setup.point_effects(1))
    npv_det = float(pv(det, "society", df)[0] * participants)
    scenario_table = scenarios(setup, (mc, det), (values, central), effect_draws, df, schedule)

    return Appraisal(
        programme=programme,
        parameters=params,
        effects=tuple(eff.values()),
        schedule=schedule_name(schedule),
        n_draws=n,
        seed=seed if isinstance(seed, int) else None,
        n_years=setup.n_years,
        npv_draws=npv_draws,
        benefits_draws=Streams.combine(mc.benefits, pvs) * participants,
        costs_draws=Streams.combine(mc.costs, pvs) * participants,
        ledger_draws=ledger,
        yearly=_yearly(mc, programme, df),
        deterministic_npv=npv_det,
        break_even_table=break_even(setup, central, df, npv_det),
        tornado_table=tornado(setup, df, npv_det),
        scenario_table=scenario_table,
        persistence=setup.persistence,
        persistence_table=persistence_table(setup, scenario_table),
        streams_table=plan_frame(setup.plan),
    )


__all__ = ["PersistenceSpec", "Setup", "appraise"]
