"""Persistence as a named assumption, and any age / any horizon (issue 12)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from impact import Effect
from impact.cba import R109, Parameters, Persistence, Programme, appraise
from impact.errors import OptionError, ParameterError, PersistenceWarning


def dynamic(values: list[float], outcome: str = "neet") -> Effect:
    times = tuple(range(len(values)))
    draws = np.tile(np.asarray(values, dtype=float), (4, 1))
    return Effect(
        outcome=outcome,
        unit="probability",
        point=float(np.mean(values)),
        event_time=times,
        draws_kind="bootstrap",
        draws=draws,
    )


def prog(**kw: object) -> Programme:
    base: dict[str, object] = dict(participants=100, age=19, start_year=2024)
    base["costs"] = {"kommune": 150_000}
    return Programme("p", **{**base, **kw})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "assumption", ["none", "permanent", 0.7, Persistence.profile([0.9, 0.5, 0.2])]
)
def test_summary_and_year_by_year_agree_when_the_window_is_the_same(
    params: Parameters, assumption: object
) -> None:
    """-0.05 in each of years 0-5 as one summary number over those years, or year by year:
    the same appraisal under every persistence assumption."""
    fixed = params.fixed()
    summary = appraise(
        Effect.point_mass(-0.05, outcome="neet"),
        prog(summary_years={"neet": range(6)}),
        fixed,
        n_draws=1,
        persistence=assumption,  # type: ignore[arg-type]
    )
    by_year = appraise(dynamic([-0.05] * 6), prog(), fixed, n_draws=4, persistence=assumption)  # type: ignore[arg-type]
    assert summary.deterministic_npv == pytest.approx(by_year.deterministic_npv, rel=1e-12)


def test_a_permanent_summary_effect_does_not_depend_on_its_window(params: Parameters) -> None:
    fixed = params.fixed()
    short = appraise(Effect.point_mass(-0.05, outcome="neet"), prog(), fixed, n_draws=1,
                     persistence="permanent")  # fmt: skip
    by_year = appraise(dynamic([-0.05] * 9), prog(), fixed, n_draws=4, persistence="permanent")
    assert short.deterministic_npv == pytest.approx(by_year.deterministic_npv, rel=1e-12)


def test_the_evaluators_case_warns_that_persistence_decides_the_sign(params: Parameters) -> None:
    """The bug report: the same NEET estimate year by year (years 0-9) pays off, as one
    summary number over the default years 0-2 it does not; now the appraisal says why."""
    values = [-0.06] * 10
    prog_ = prog(costs={"kommune": 200_000})
    with warnings.catch_warnings():
        warnings.simplefilter("error", PersistenceWarning)
        by_year = appraise(dynamic(values), prog_, params, n_draws=2000, seed=1)
    assert by_year.npv > 0 and not by_year.sign_depends_on_persistence
    with pytest.warns(PersistenceWarning, match=r"effect stops after the measured years"):
        summary = appraise(
            Effect.point_mass(-0.06, outcome="neet"), prog_, params, n_draws=2000, seed=1
        )
    assert summary.npv < 0 < summary.persistence_assumptions()["npv_permanent"].iloc[0]
    assert summary.sign_depends_on_persistence
    row = summary.persistence_assumptions().iloc[0]
    assert (row["measured_from"], row["measured_to"]) == (0, 2)
    assert row["measured_source"] == "registry default" and row["parameter"] == "neet_persistence"
    assert "the sign depends on it" in summary.summary()
    assert "Persistence of the effect on neet after years 0-2" in summary.summary()
    assert summary.bundle_tables()["cba_persistence"]["sign_depends"].tolist() == [True]


def test_persistence_is_varied_in_the_scenarios_per_outcome(params: Parameters) -> None:
    app = appraise(
        [Effect.point_mass(0.05, outcome="employed")], prog(), params, n_draws=500, seed=1
    )
    scen = app.scenarios().set_index(["scenario", "setting"])
    none = scen.loc[("employment persistence", "none (0)")]
    permanent = scen.loc[("employment persistence", "permanent (1)")]
    base = scen.loc[("base", "r109")]
    assert none["npv"] < base["npv"] < permanent["npv"]
    assert "employed: none" in none["persistence"]
    assert "employed_persistence" in base["persistence"]


def test_an_uncertain_decay_is_drawn_and_in_the_tornado(params: Parameters) -> None:
    p = Persistence.decay(0.8, low=0.5, high=0.95)
    app = appraise(Effect.point_mass(-0.05, outcome="neet"), prog(), params, n_draws=500,
                   seed=1, persistence={"neet": p})  # fmt: skip
    assert "persistence_neet" in set(app.tornado()["parameter"])
    assert app.parameters["persistence_neet"].distribution == "triangular"
    assert app.persistence["neet"] == p
    low = appraise(Effect.point_mass(-0.05, outcome="neet"), prog(), params, n_draws=500,
                   seed=1, persistence=0.5)  # fmt: skip
    assert low.npv < app.npv


def test_bad_persistence_is_refused(params: Parameters) -> None:
    with pytest.raises(OptionError, match="no persistence"):
        appraise(Effect.point_mass(0.1, outcome="completed_vgs"), prog(), params, n_draws=1,
                 persistence={"completed_vgs": "none"})  # fmt: skip
    with pytest.raises(ParameterError, match=r"in \[0, 1\]"):
        Persistence.decay(1.5)
    with pytest.raises(ParameterError, match="use 'none', 'permanent'"):
        appraise(Effect.point_mass(-0.1, outcome="neet"), prog(), params, n_draws=1,
                 persistence="forever")  # fmt: skip


def test_an_early_life_programme_starts_at_age_0_and_reaches_the_3_percent_rate(
    params: Parameters,
) -> None:
    """From birth, employment valued from 16 to 67: 67 years, the later ones discounted at 3 %."""
    baby = Programme("0-3", participants=1, age=0, start_year=2023, costs={})
    effect = dynamic([0.0] * 20 + [0.1], "employed")  # measured at 20, permanent after
    app = appraise(effect, baby, params.fixed(), n_draws=4, persistence="permanent")
    assert app.n_years == 67
    flows = app.yearly.groupby("year")[["flow", "discounted_flow"]].sum()
    assert flows["flow"].iloc[:20].abs().max() == 0
    assert flows["flow"].iloc[60] > 0
    ratio = flows["discounted_flow"].iloc[60] / flows["flow"].iloc[60]
    assert ratio == pytest.approx(R109.factors(61)[60], rel=1e-12)
    assert ratio == pytest.approx(1.04**-40 * 1.03**-20, rel=1e-12)


def test_the_horizon_follows_the_streams_up_to_the_maximum(params: Parameters) -> None:
    employed = Effect.point_mass(0.1, outcome="employed")
    for age, years in ((19, 48), (60, 7)):
        app = appraise(employed, prog(age=age), params, n_draws=10)
        assert app.n_years == years
    longer = params.replace(retirement_age=100)
    assert appraise(employed, prog(age=0), longer, n_draws=10).n_years == 75


def test_a_profile_keeps_the_stated_shares_by_hand(params: Parameters) -> None:
    """Employment +1 measured in year 0, then half of it in year 1, none after."""
    one = Programme("one", participants=1, age=22, start_year=2023, costs={},
                    summary_years={"employed": (0,)})  # fmt: skip
    fixed = params.fixed().replace(real_income_growth=0.0)
    eff = Effect.point_mass(1.0, outcome="employed")
    kw: dict[str, object] = dict(n_draws=1)
    app = appraise(eff, one, fixed, persistence=Persistence.profile([0.5]), **kw)  # type: ignore[arg-type]
    year = appraise(eff, one, fixed, persistence="none", **kw).deterministic_npv  # type: ignore[arg-type]
    assert app.deterministic_npv == pytest.approx(year * (1 + 0.5 / 1.04), rel=1e-12)
    decay = appraise(eff, one, fixed, persistence=0.5, **kw).deterministic_npv  # type: ignore[arg-type]
    assert decay == pytest.approx(year * sum((0.5 / 1.04) ** k for k in range(45)), rel=1e-12)
