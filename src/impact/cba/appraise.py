"""`appraise`: from estimated effects and programme costs to a societal appraisal."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from impact.cba.alignment import Pairing, as_effect_dict, draw_effects, neet_profile
from impact.cba.discounting import ScheduleLike, discount_factors, flat, schedule_name
from impact.cba.parameters import Parameters, load_parameters
from impact.cba.programme import Programme
from impact.cba.results import Appraisal
from impact.cba.valuation import PARTIES, Streams, streams
from impact.checks import check_choice, check_count, check_seed
from impact.effect import Effect
from impact.errors import DataError, OptionError, ParameterError

#: Scenario analysis: alternative discount schedules (R-109 is the base case).
SCENARIO_SCHEDULES: tuple[tuple[str, ScheduleLike], ...] = (
    ("flat 4 %", flat(0.04)),
    ("flat 2.5 %", flat(0.025)),
    ("green_book", "green_book"),
)
#: Scenario analysis: persistence of the NEET effect beyond the observed years.
SCENARIO_PERSISTENCE: tuple[tuple[str, float], ...] = (("none", 0.0), ("permanent", 1.0))


class _Setup:
    """Validated inputs shared by the Monte Carlo, the deterministic run and the tornado."""

    def __init__(
        self, effects: dict[str, Effect], programme: Programme, params: Parameters
    ) -> None:
        self.effects = effects
        self.programme = programme
        self.params = params
        self.n_years = programme.horizon_years(
            int(params.value("retirement_age")), int(params.value("max_analysis_period"))
        )

    def run(
        self,
        values: Mapping[str, np.ndarray],
        effect_draws: Mapping[str, np.ndarray],
        *,
        persistence: float | None = None,
    ) -> Streams:
        neet = neet_last = None
        last_year = 0
        if "neet" in effect_draws:
            neet, neet_last, last_year = neet_profile(
                self.effects["neet"],
                np.asarray(effect_draws["neet"]),
                self.n_years,
                self.programme.neet_event_times,
            )
        return streams(
            values,
            self.params,
            self.programme,
            self.n_years,
            completion=effect_draws.get("completed_vgs"),
            neet=neet,
            neet_last=neet_last,
            neet_last_year=last_year,
            persistence=persistence,
        )

    def point_effects(self, n: int, scale: float = 1.0) -> dict[str, np.ndarray]:
        """Point estimates (dynamic: mean per event time) repeated ``n`` times, times ``scale``."""
        out = {}
        for key, eff in self.effects.items():
            point = np.asarray(eff.point if eff.event_time is None else eff.draws.mean(axis=0))
            out[key] = np.broadcast_to(scale * point, (n, *point.shape)).copy()
        return out


def _validate(effects: dict[str, Effect], programme: Programme, params: Parameters) -> None:
    for outcome, eff in effects.items():
        if outcome not in programme.outcomes:
            raise ParameterError(
                f"Effect on outcome {outcome!r} but programme {programme.name!r} values only "
                f"{list(programme.outcomes)}; add {outcome!r} to Programme(outcomes=...) or "
                "drop the effect."
            )
        if outcome == "completed_vgs" and eff.event_time is not None:
            raise DataError(
                "The effect on 'completed_vgs' must be a summary effect (completion within "
                "five years), not a dynamic one with event_time; aggregate it first."
            )
    params.cpi_value(int(programme.price_year), what="programme price_year")  # type: ignore[arg-type]
    n_years = programme.horizon_years(
        int(params.value("retirement_age")), int(params.value("max_analysis_period"))
    )
    for payer, amounts in programme.yearly_costs.items():
        if len(amounts) > n_years:
            raise ParameterError(
                f"Programme {programme.name!r}: costs for {payer!r} run for {len(amounts)} "
                f"years but the horizon is {n_years}; shorten the cost list or raise horizon."
            )


def _pv(s: Streams, which: str, df: np.ndarray) -> np.ndarray:
    """Per-draw present value of ``s.society``, ``s.costs`` or ``s.benefits``."""
    return Streams.combine(getattr(s, which), s.present_values(df))


def _tornado(setup: _Setup, df: np.ndarray, npv_central: float) -> pd.DataFrame:
    params = setup.params
    varying = [p for p in params.entries.values() if p.uncertain]
    n = 1 + 2 * len(varying)
    values = {name: np.full(n, p.value) for name, p in params.entries.items()}
    for i, p in enumerate(varying):
        values[p.name][1 + 2 * i] = p.low
        values[p.name][2 + 2 * i] = p.high
    npv = (
        _pv(setup.run(values, setup.point_effects(n)), "society", df) * setup.programme.participants
    )
    table = pd.DataFrame(
        {
            "parameter": [p.name for p in varying],
            "low": [p.low for p in varying],
            "high": [p.high for p in varying],
            "low_npv": npv[1::2],
            "high_npv": npv[2::2],
            "central_npv": npv_central,
            "unit": [p.unit for p in varying],
            "verify": [p.verify for p in varying],
        }
    )
    table["swing"] = (table["high_npv"] - table["low_npv"]).abs()
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


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


def _break_even(
    setup: _Setup, central: Mapping[str, np.ndarray], df: np.ndarray, npv_det: float
) -> pd.DataFrame:
    """Effect at which the deterministic NPV is zero: NPV is affine in a common effect scale."""
    participants = setup.programme.participants
    npv_zero = float(
        _pv(setup.run(central, setup.point_effects(1, 0.0)), "society", df)[0] * participants
    )
    slope = npv_det - npv_zero
    scale = -npv_zero / slope if slope != 0 else float("nan")
    rows = []
    for outcome, e in setup.effects.items():
        est = float(e.point if e.event_time is None else np.mean(e.draws.mean(axis=0)))
        summary_draws = e.draws if e.event_time is None else e.draws.mean(axis=1)
        lo, hi = np.quantile(summary_draws, [0.025, 0.975])
        rows.append(
            {
                "outcome": outcome,
                "estimate": est,
                "ci_lower": float(lo),
                "ci_upper": float(hi),
                "break_even": scale * est,
                "scale": scale,
            }
        )
    return pd.DataFrame(rows)


def _scenario_row(
    scenario: str, setting: str, mc: Streams, det: Streams, df: np.ndarray, participants: int
) -> dict[str, object]:
    pv = mc.present_values(df)
    npv = Streams.combine(mc.society, pv) * participants
    benefits = Streams.combine(mc.benefits, pv).mean()
    costs = Streams.combine(mc.costs, pv).mean()
    return {
        "scenario": scenario,
        "setting": setting,
        "npv_deterministic": float(_pv(det, "society", df)[0] * participants),
        "npv": float(npv.mean()),
        "prob_npv_positive": float(np.mean(npv > 0)),
        "bcr": float(benefits / costs) if costs > 0 else float("nan"),
    }


def _scenarios(
    setup: _Setup,
    runs: tuple[Streams, Streams],
    values: tuple[Mapping[str, np.ndarray], Mapping[str, np.ndarray]],
    effect_draws: Mapping[str, np.ndarray],
    df: np.ndarray,
    schedule: ScheduleLike,
) -> pd.DataFrame:
    """Base case, other discount schedules and (with a NEET effect) NEET persistence 0 or 1."""
    mc, det = runs
    people = setup.programme.participants
    rows = [_scenario_row("base", schedule_name(schedule), mc, det, df, people)]
    for label, alt in SCENARIO_SCHEDULES:
        alt_df = discount_factors(setup.n_years, alt)
        rows.append(_scenario_row("discount schedule", label, mc, det, alt_df, people))
    if "neet" in setup.effects:
        for label, rho in SCENARIO_PERSISTENCE:
            alt_mc = setup.run(values[0], effect_draws, persistence=rho)
            alt_det = setup.run(values[1], setup.point_effects(1), persistence=rho)
            setting = f"{label} ({rho:g})"
            rows.append(_scenario_row("NEET persistence", setting, alt_mc, alt_det, df, people))
    return pd.DataFrame(rows)


def appraise(
    effects: Effect | Sequence[Effect] | Mapping[str, Effect],
    programme: Programme,
    parameters: Parameters | None = None,
    *,
    n_draws: int = 10_000,
    seed: int | np.random.Generator | None = None,
    schedule: ScheduleLike = "r109",
    pairing: Pairing = "auto",
) -> Appraisal:
    """Societal cost-benefit appraisal of a programme by the Norwegian rules (R-109, DFØ).

    Parameters
    ----------
    effects
        One :class:`impact.Effect` or several (a list, or a mapping outcome -> Effect), each a
        risk difference per participant (``unit="probability"``) on ``"completed_vgs"``
        (summary effect) or ``"neet"`` (summary, or dynamic with ``event_time`` = years after
        enrolment).
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
    Assumes the effects apply to every participant, the parameters are independent, and the
    NEET effect decays with ``neet_persistence`` beyond the observed years.

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
    setup = _Setup(eff, programme, params)
    df = discount_factors(setup.n_years, schedule)
    participants = programme.participants
    rng = np.random.default_rng(seed)
    effect_draws = draw_effects(eff, n, rng, pairing=pairing)
    values = params.sample(n, rng)

    mc = setup.run(values, effect_draws)
    pv = mc.present_values(df)
    npv_draws = Streams.combine(mc.society, pv) * participants
    ledger = {key: Streams.combine(combo, pv) * participants for key, combo in mc.items.items()}
    central = params.central()
    det = setup.run(central, setup.point_effects(1))
    npv_det = float(_pv(det, "society", df)[0] * participants)

    return Appraisal(
        programme=programme,
        parameters=params,
        effects=tuple(eff.values()),
        schedule=schedule_name(schedule),
        n_draws=n,
        seed=seed if isinstance(seed, int) else None,
        n_years=setup.n_years,
        npv_draws=npv_draws,
        benefits_draws=Streams.combine(mc.benefits, pv) * participants,
        costs_draws=Streams.combine(mc.costs, pv) * participants,
        ledger_draws=ledger,
        yearly=_yearly(mc, programme, df),
        deterministic_npv=npv_det,
        break_even_table=_break_even(setup, central, df, npv_det),
        tornado_table=_tornado(setup, df, npv_det),
        scenario_table=_scenarios(setup, (mc, det), (values, central), effect_draws, df, schedule),
    )


__all__ = ["appraise"]
