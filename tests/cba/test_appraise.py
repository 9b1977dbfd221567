"""appraise(): hand-checkable flows, the ledger, tax financing cost, Monte Carlo properties."""

from __future__ import annotations

import numpy as np
import pytest

from impact import Effect
from impact.cba import Parameters, Programme, appraise
from impact.errors import DataError, OptionError, ParameterError

# Central values of the shipped file (2023 prices), restated here so the tests fail if the
# engine drifts from the documented formulas.
PROD, TRANSFERS, SERVICES = 350_000.0, 140_000.0, 60_000.0
TAU, LAM = 0.34, 0.20
SK, SF, TRK, SVK = 0.15, 0.035, 0.35, 0.5
NEET_YEAR = PROD + SERVICES + LAM * (TAU * PROD + TRANSFERS + SERVICES)  # societal value
ONES = np.ones(200)  # undiscounted


def neet(value: float, **kw: object) -> Effect:
    return Effect.point_mass(value, outcome="neet", **kw)  # type: ignore[arg-type]


def exact(params: Parameters) -> Parameters:
    """No parameter uncertainty and no persistence beyond the observed years."""
    return params.fixed().replace(neet_persistence=0.0)


def test_one_neet_year_by_hand(params: Parameters, one_neet_year: Programme) -> None:
    app = appraise(neet(-1.0), one_neet_year, exact(params), n_draws=3, seed=1)
    assert app.deterministic_npv == pytest.approx(NEET_YEAR, rel=1e-12)
    assert np.all(app.npv_draws == app.deterministic_npv)
    ledger = app.ledger(by="party").set_index("party")["pv"]
    budget = TAU * PROD + TRANSFERS + SERVICES
    assert ledger["participant"] == pytest.approx((1 - TAU) * PROD - TRANSFERS, rel=1e-12)
    assert ledger["kommune"] == pytest.approx(TAU * SK * PROD + TRK * TRANSFERS + SVK * SERVICES)
    assert ledger["fylkeskommune"] == pytest.approx(TAU * SF * PROD)
    assert ledger["stat"] == pytest.approx(
        TAU * (1 - SK - SF) * PROD + (1 - TRK) * TRANSFERS + (1 - SVK) * SERVICES
    )
    assert ledger["rest_of_society"] == pytest.approx(LAM * budget)


def test_tax_financing_cost_applies_to_public_flows_only(params: Parameters) -> None:
    def run(payer: str) -> tuple[float, dict[str, float]]:
        prog = Programme(
            "p", participants=10, age=20, start_year=2023, costs={payer: 100.0}, outcomes=("neet",)
        )
        app = appraise(neet(0.0), prog, params, n_draws=50, seed=1)
        return app.npv, app.ledger(by="party").set_index("party")["pv"].to_dict()

    npv, led = run("private")
    assert npv == pytest.approx(-1000.0, rel=1e-12)
    assert led["rest_of_society"] == pytest.approx(-1000.0)
    for payer in ("kommune", "fylkeskommune", "stat"):
        npv, led = run(payer)
        assert npv == pytest.approx(-1200.0, rel=1e-12)
        assert led[payer] == pytest.approx(-1000.0)
        assert led["rest_of_society"] == pytest.approx(-200.0)


def test_transfers_cancel_for_society(params: Parameters, one_neet_year: Programme) -> None:
    fixed = exact(params)
    base = appraise(neet(-1.0), one_neet_year, fixed, n_draws=1)
    more = appraise(neet(-1.0), one_neet_year, fixed.replace(neet_transfers=200_000), n_draws=1)
    # Only the tax financing cost of the budget change reaches society.
    assert more.npv - base.npv == pytest.approx(LAM * 60_000, rel=1e-9)
    lb = base.ledger(by="party").set_index("party")["pv"]
    lm = more.ledger(by="party").set_index("party")["pv"]
    assert lm["participant"] - lb["participant"] == pytest.approx(-60_000)
    public = ["kommune", "fylkeskommune", "stat"]
    assert (lm[public] - lb[public]).sum() == pytest.approx(60_000)


def test_ledger_sums_to_npv_in_every_draw(params: Parameters, unginvest_like: Programme) -> None:
    effects = [
        Effect.from_normal(0.26, 0.06, outcome="completed_vgs", seed=1, n_draws=3000),
        Effect.from_normal(-0.21, 0.06, outcome="neet", seed=2, n_draws=3000),
    ]
    app = appraise(effects, unginvest_like, params, n_draws=3000, seed=5)
    total = sum(app.ledger_draws.values())
    np.testing.assert_allclose(total, app.npv_draws, rtol=1e-9, atol=1e-3)
    assert app.ledger()["pv"].sum() == pytest.approx(app.npv, rel=1e-9)
    np.testing.assert_allclose(
        app.benefits_draws - app.costs_draws, app.npv_draws, rtol=1e-9, atol=1e-3
    )


def test_break_even_effect_gives_zero_npv(params: Parameters) -> None:
    prog = Programme(
        "p",
        participants=100,
        age=16,
        start_year=2024,
        costs={"kommune": 60_000},
        outcomes=("completed_vgs",),
    )
    fixed = params.fixed()
    app = appraise(
        Effect.from_normal(0.05, 0.02, outcome="completed_vgs", seed=3),
        prog,
        fixed,
        n_draws=500,
        seed=1,
    )
    be = float(app.break_even()["break_even"].iloc[0])
    assert 0 < be < 0.05
    again = appraise(Effect.point_mass(be, outcome="completed_vgs"), prog, fixed, n_draws=10)
    assert abs(again.npv) < 1e-6 * prog.participants * 60_000


def test_point_mass_without_parameter_uncertainty_is_deterministic(
    params: Parameters, unginvest_like: Programme
) -> None:
    effects = [Effect.point_mass(0.26, outcome="completed_vgs", n_draws=7), neet(-0.21)]
    app = appraise(effects, unginvest_like, params.fixed(), n_draws=1000, seed=11)
    assert np.all(app.npv_draws == app.deterministic_npv)
    assert app.prob_positive in (0.0, 1.0)
    single = appraise(effects, unginvest_like, params.fixed(), n_draws=1)
    assert single.npv_draws[0] == app.npv_draws[0]


def test_same_seed_same_numbers(params: Parameters, unginvest_like: Programme) -> None:
    eff = Effect.from_normal(-0.1, 0.08, outcome="neet", seed=4, n_draws=2000)
    a = appraise(eff, unginvest_like, params, n_draws=2000, seed=42)
    b = appraise(eff, unginvest_like, params, n_draws=2000, seed=42)
    c = appraise(eff, unginvest_like, params, n_draws=2000, seed=43)
    assert np.array_equal(a.npv_draws, b.npv_draws)
    assert a.tornado().equals(b.tornado())
    assert not np.array_equal(a.npv_draws, c.npv_draws)


def test_monte_carlo_is_stable_across_seeds_at_10000_draws(params: Parameters) -> None:
    prog = Programme(
        "p",
        participants=200,
        age=19,
        start_year=2024,
        costs={"kommune": 100_000},
        outcomes=("neet",),
    )
    eff = Effect.from_normal(-0.06, 0.05, outcome="neet", seed=9, n_draws=4000)
    runs = [appraise(eff, prog, params, n_draws=10_000, seed=s) for s in (1, 2, 3)]
    p = [r.prob_positive for r in runs]
    assert 0.2 < p[0] < 0.95  # a case where the probability is not trivially 0 or 1
    assert max(p) - min(p) <= 0.01
    qs = np.quantile(runs[0].npv_draws, [0.05, 0.25, 0.5, 0.75, 0.95])
    for other in runs[1:]:
        # the other seed's CDF at seed 1's quantiles is within 0.01 of the nominal level
        cdf = np.mean(other.npv_draws[:, None] <= qs[None, :], axis=0)
        assert np.all(np.abs(cdf - [0.05, 0.25, 0.5, 0.75, 0.95]) <= 0.01)


def test_neet_effect_persists_geometrically(params: Parameters) -> None:
    prog = Programme("p", participants=1, age=20, start_year=2023, costs={}, outcomes=("neet",))
    p = params.fixed().replace(real_income_growth=0.0, neet_persistence=0.5)
    eff = Effect(
        outcome="neet",
        unit="probability",
        point=-0.1,
        draws=np.full((4, 3), -0.1),
        draws_kind="posterior",
        event_time=(0, 1, 2),
    )
    app = appraise(eff, prog, p, n_draws=4, schedule=ONES)
    years = 0.3 + 0.1 * sum(0.5**k for k in range(1, 45))  # t = 3..46 (age 66)
    assert app.npv == pytest.approx(NEET_YEAR * years, rel=1e-12)
    scen = app.scenarios().set_index("setting")
    assert scen.loc["none (0)", "npv_deterministic"] == pytest.approx(NEET_YEAR * 0.3, rel=1e-12)
    assert scen.loc["permanent (1)", "npv_deterministic"] == pytest.approx(
        NEET_YEAR * 0.1 * 47, rel=1e-12
    )


def test_dynamic_effect_gaps_are_interpolated(params: Parameters) -> None:
    prog = Programme("p", participants=1, age=20, start_year=2023, costs={}, outcomes=("neet",))
    p = params.fixed().replace(real_income_growth=0.0, neet_persistence=0.0)
    eff = Effect(
        outcome="neet",
        unit="probability",
        point=-0.1,
        draws=np.array([[0.5, -0.1, -0.3]]),
        draws_kind="posterior",
        event_time=(-1, 1, 3),
    )
    app = appraise(eff, prog, p, n_draws=1, schedule=ONES)
    # pre-period dropped; year 0 none; years 1, 2, 3: 0.1, 0.2, 0.3
    assert app.npv == pytest.approx(NEET_YEAR * 0.6, rel=1e-12)


def test_completion_streams_by_hand(params: Parameters) -> None:
    p = params.fixed().replace(real_income_growth=0.0)
    prog = Programme(
        "p", participants=1, age=16, start_year=2023, costs={}, outcomes=("completed_vgs", "neet")
    )
    app = appraise(
        Effect.point_mass(1.0, outcome="completed_vgs"), prog, p, n_draws=1, schedule=ONES
    )
    school = 200_000.0 * (1 + LAM)  # one extra pupil-year at age 18, paid by the fylkeskommune
    wage = 46 * 50_000.0 * (1 + LAM * TAU)  # ages 21..66
    employment = 46 * 0.10 * NEET_YEAR
    assert app.npv == pytest.approx(-school + wage + employment, rel=1e-12)
    assert app.n_years == 51
    # With a NEET effect appraised, the employment channel is not counted twice.
    both = appraise(
        [Effect.point_mass(1.0, outcome="completed_vgs"), neet(0.0)],
        prog,
        p,
        n_draws=1,
        schedule=ONES,
    )
    assert both.npv == pytest.approx(-school + wage, rel=1e-12)


def test_price_year_and_real_growth(params: Parameters, one_neet_year: Programme) -> None:
    fixed = exact(params)
    base = appraise(neet(-1.0), one_neet_year, fixed, n_draws=1).npv
    prog_2015 = Programme(
        "p",
        participants=1,
        age=20,
        start_year=2023,
        price_year=2015,
        costs={},
        outcomes=("neet",),
        neet_event_times=(0,),
    )
    assert appraise(neet(-1.0), prog_2015, fixed, n_draws=1).npv == pytest.approx(
        base * 100.0 / 129.6, rel=1e-12
    )
    prog_2024 = Programme(
        "p",
        participants=1,
        age=20,
        start_year=2024,
        price_year=2023,
        costs={},
        outcomes=("neet",),
        neet_event_times=(0,),
    )
    assert appraise(neet(-1.0), prog_2024, fixed, n_draws=1).npv == pytest.approx(
        base * 1.009, rel=1e-12
    )
    late = [
        appraise(
            neet(-1.0),
            Programme(
                "p",
                participants=1,
                age=20,
                start_year=y,
                price_year=2023,
                costs={},
                outcomes=("neet",),
                neet_event_times=(0,),
            ),
            fixed,
            n_draws=1,
        ).npv
        for y in (2060, 2061)
    ]
    assert late[0] == pytest.approx(late[1], rel=1e-12)  # no real growth after 2060


def test_inputs_are_not_mutated(params: Parameters, unginvest_like: Programme) -> None:
    eff = Effect.from_normal(-0.2, 0.05, outcome="neet", seed=1, n_draws=500)
    before = eff.draws.copy()
    frame_before = params.to_frame()
    appraise(eff, unginvest_like, params, n_draws=800, seed=1)
    assert np.array_equal(eff.draws, before)
    assert params.to_frame().equals(frame_before)


def test_bad_input_raises_clear_errors(params: Parameters, unginvest_like: Programme) -> None:
    flyt = Programme(
        "Flyt",
        participants=10,
        age=15,
        start_year=2024,
        costs={"kommune": 1000},
        outcomes=("completed_vgs",),
    )
    with pytest.raises(ParameterError, match="values only \\['completed_vgs'\\]"):
        appraise(neet(-0.1), flyt, params, n_draws=10)
    a = Effect.from_normal(0.1, 0.05, outcome="completed_vgs", n_draws=100, seed=1)
    b = Effect.from_normal(-0.1, 0.05, outcome="neet", n_draws=150, seed=1)
    with pytest.raises(DataError, match="mismatched length"):
        appraise([a, b], unginvest_like, params, n_draws=10)
    old = Programme("p", participants=1, age=16, start_year=1985, costs={}, outcomes=("neet",))
    with pytest.raises(ParameterError, match="No CPI value for programme price_year 1985"):
        appraise(neet(-0.1), old, params, n_draws=10)
    with pytest.raises(ParameterError, match="not monotone"):
        appraise(
            neet(-0.1),
            unginvest_like,
            params,
            n_draws=10,
            schedule=np.r_[1.0, 0.9, 0.95, np.linspace(0.9, 0.1, 60)],
        )
    with pytest.raises(DataError, match="unit='probability'"):
        appraise(
            Effect.point_mass(3.0, outcome="neet", unit="years"), unginvest_like, params, n_draws=10
        )
    with pytest.raises(DataError, match="Two effects"):
        appraise([neet(-0.1), neet(-0.2)], unginvest_like, params, n_draws=10)
    with pytest.raises(OptionError, match="n_draws=0"):
        appraise(neet(-0.1), unginvest_like, params, n_draws=0)


def test_effects_argument_forms(params: Parameters, unginvest_like: Programme) -> None:
    eff = neet(-0.1)
    a = appraise(eff, unginvest_like, params.fixed(), n_draws=5)
    b = appraise({"neet": eff}, unginvest_like, params.fixed(), n_draws=5)
    assert a.npv == b.npv
    with pytest.raises(DataError, match="takes impact.Effect objects"):
        appraise([0.1], unginvest_like, params, n_draws=5)  # type: ignore[list-item]
    with pytest.raises(DataError, match="at least one Effect"):
        appraise([], unginvest_like, params, n_draws=5)
    with pytest.raises(ParameterError, match="costs for 'kommune' run for 3 years"):
        short = Programme(
            "p", participants=1, age=20, start_year=2023, costs={"kommune": [1, 1, 1]}, horizon=2
        )
        appraise(eff, short, params, n_draws=5)
