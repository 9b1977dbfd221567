"""The outcome registry (issue 12): outcomes and their streams are data, not code."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from impact import Effect
from impact.cba import Parameters, Programme, appraise, load_parameters
from impact.errors import DataError, ParameterError

# Central values of the shipped file (2023 prices), restated so the tests fail on drift.
LABOUR, SAVED, TAU, LAM = 400_000.0, 100_000.0, 0.34, 0.20


def one_person(age: int = 22, **kw: object) -> Programme:
    """One participant, prices and start 2023 (the parameters' price year: no growth in year 0)."""
    return Programme("one", participants=1, age=age, start_year=2023, costs={}, **kw)  # type: ignore[arg-type]


def test_shipped_registry_has_the_four_outcomes(params: Parameters) -> None:
    registry = params.registry
    assert list(registry) == ["completed_vgs", "neet", "employed", "earnings"]
    assert registry["earnings"].unit == "NOK"
    assert registry["completed_vgs"].kind == "event"
    assert {registry[o].kind for o in ("neet", "employed", "earnings")} == {"state"}
    frame = registry.to_frame()
    assert set(frame["outcome"]) == set(registry)
    assert {"moves", "flow", "per_unit", "ages", "yields_to"} <= set(frame.columns)


def test_one_more_year_of_employment_by_hand(params: Parameters) -> None:
    """Employment +1 in year 0 only: production L plus the tax financing cost saved on the
    taxes tau*L and the transfers T no longer paid: L * (1 + lam * tau) + lam * T."""
    app = appraise(
        Effect.point_mass(1.0, outcome="employed"),
        one_person(summary_years={"employed": (0,)}),
        params.fixed(),
        persistence="none",
        n_draws=1,
    )
    expected = LABOUR * (1 + LAM * TAU) + LAM * SAVED
    assert app.deterministic_npv == pytest.approx(expected, rel=1e-12)
    ledger = app.ledger(by="party").set_index("party")["pv"]
    assert ledger.sum() == pytest.approx(app.npv, rel=1e-12)
    assert ledger["participant"] == pytest.approx(LABOUR * (1 - TAU) - SAVED, rel=1e-12)


def test_employment_is_valued_by_programme_and_appraise(params: Parameters) -> None:
    """The issue's GET Academy case: Programme(outcomes=("employed",)) and an appraisal."""
    prog = Programme(
        "GET Academy",
        participants=200,
        age=22,
        start_year=2024,
        costs={"stat": 120_000},
        outcomes=("employed",),
    )
    eff = Effect.from_normal(0.12, 0.04, outcome="employed", seed=1)
    app = appraise(eff, prog, params, n_draws=2000, seed=2)
    assert app.npv > 0
    total = app.ledger(by="party")["pv"].sum()
    assert total == pytest.approx(app.npv, rel=1e-9)
    assert set(app.persistence) == {"employed"}


def test_an_earnings_effect_in_nok(params: Parameters) -> None:
    """NOK 10,000 more wage income in year 0: labour cost 1.141 x that, taxes, no transfers."""
    app = appraise(
        Effect.point_mass(10_000.0, outcome="earnings", unit="NOK"),
        one_person(summary_years={"earnings": (0,)}),
        params.fixed(),
        persistence="none",
        n_draws=1,
    )
    assert app.deterministic_npv == pytest.approx(10_000 * 1.141 * (1 + LAM * TAU), rel=1e-12)
    assert set(app.to_frame().query("outcome == 'earnings'")["unit"]) == {"NOK"}
    with pytest.raises(DataError, match="unit 'probability'.*unit='NOK'"):
        appraise(Effect.point_mass(0.1, outcome="earnings"), one_person(), params, n_draws=1)


def test_programme_and_appraise_use_the_same_words(params: Parameters) -> None:
    """An unknown outcome gets one message, whether named in Programme or in an effect."""
    prog = one_person(outcomes=("wages",))
    with pytest.raises(ParameterError) as from_programme:
        appraise(Effect.point_mass(0.1, outcome="employed"), prog, params, n_draws=1)
    with pytest.raises(ParameterError) as from_effect:
        appraise(Effect.point_mass(0.1, outcome="wages"), one_person(), params, n_draws=1)
    a, b = str(from_programme.value), str(from_effect.value)
    assert "not in the outcome registry" in a and "[outcomes.wages]" in a
    assert a.split(": ", 1)[1] == b.split(": ", 1)[1]  # same words after the 'where'
    # a registered outcome the programme leaves out: the advice is one Programme accepts
    with pytest.raises(ParameterError, match=r"add 'employed' to Programme\(outcomes=...\)"):
        appraise(
            Effect.point_mass(0.1, outcome="employed"),
            one_person(outcomes=("neet",)),
            params,
            n_draws=1,
        )
    one_person(outcomes=("employed",))  # accepted, as that advice says


USER_OUTCOME = """
[reoffending_cost]
value = 250000
distribution = "triangular"
low = 150000
high = 400000
price_year = 2023
unit = "NOK per reoffence"
source = "Evaluator's own estimate (test)"

[neet_transfers]
value = 150000
low = 100000
high = 220000

[outcomes.reoffending]
unit = "probability"
kind = "state"
summary_years = [0, 1]
persistence = "none"
description = "Probability of a new conviction in a year"

[[outcomes.reoffending.streams]]
moves = ["justice_services"]
flow = "services"
per_unit = ["reoffending_cost"]
sign = -1
from_age = 15
to_age = 40
"""


def test_an_evaluator_adds_an_outcome_and_overrides_a_value(tmp_path: Path) -> None:
    path = tmp_path / "mine.toml"
    path.write_text(USER_OUTCOME, encoding="utf-8")
    params = load_parameters(path)
    assert "reoffending" in params.registry
    assert params["neet_transfers"].value == 150_000
    app = appraise(
        Effect.point_mass(-0.1, outcome="reoffending"),
        one_person(age=20),
        params.fixed(),
        n_draws=1,
    )
    # two years of 0.1 x 250,000 saved public services (+ tax financing cost), 4 % discounting
    expected = 0.1 * 250_000 * (1 + LAM) * (1 + 1 / 1.04)
    assert app.deterministic_npv == pytest.approx(expected, rel=1e-12)
    assert app.n_years == 20  # the stream ends at age 40
    assert app.persistence["reoffending"].kind == "none"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[outcomes.x]\nunit = "probability"\nkind = "state"\n', "[outcomes.x]: no streams"),
        (
            '[outcomes.x]\nunit = "percent"\nkind = "state"\n',
            "unit = 'percent'",
        ),
        (
            '[outcomes.x]\nunit = "probability"\nkind = "state"\n[[outcomes.x.streams]]\n'
            'moves = ["a"]\nflow = "earning"\nper_unit = ["neet_transfers"]\n',
            "flow = 'earning' is not a flow; use one of",
        ),
        (
            '[outcomes.x]\nunit = "probability"\nkind = "state"\n[[outcomes.x.streams]]\n'
            'moves = ["a"]\nflow = "earnings"\nper_unit = ["no_such_value"]\n',
            "per_unit names 'no_such_value', which is not a parameter; add [no_such_value]",
        ),
        (
            '[outcomes.x]\nunit = "probability"\nkind = "state"\n[[outcomes.x.streams]]\n'
            'moves = ["a"]\nflow = "earnings"\nper_unit = ["neet_transfers"]\nsigne = 1\n',
            "unknown field(s) ['signe']",
        ),
        (
            '[outcomes.x]\nunit = "probability"\nkind = "state"\npersistence = "neet_transfers"\n'
            '[[outcomes.x.streams]]\nmoves = ["a"]\nflow = "earnings"\nper_unit = ["neet_transfers"]\n',
            "persistence = 'neet_transfers' must name a parameter that is a share",
        ),
        ("[neet_transfer]\nvalue = 150000\n", "unknown parameter 'neet_transfer'"),
    ],
)
def test_a_malformed_entry_names_the_key_and_the_fix(
    tmp_path: Path, text: str, expected: str
) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ParameterError) as info:
        load_parameters(path)
    assert expected in str(info.value)


def test_adding_a_parameter_leaves_the_draws_of_the_others_unchanged(params: Parameters) -> None:
    from impact.cba import Parameter

    more = params.with_parameters(
        Parameter("aaa_new", 0.5, "uniform", 0.0, 1.0, source="test", unit="share")
    )
    a = params.sample(50, np.random.default_rng(1))
    b = more.sample(50, np.random.default_rng(1))
    assert set(b) - set(a) == {"aaa_new"}
    for name in a:  # every parameter drawn before it keeps its draws, sorted name or not
        np.testing.assert_array_equal(a[name], b[name])


def test_a_one_off_stream_before_the_start_age_falls_in_year_0(params: Parameters) -> None:
    """Completion's extra school year (at_age 18) for participants aged 19 is paid in year 0."""
    app = appraise(
        Effect.point_mass(0.1, outcome="completed_vgs"), one_person(age=19), params.fixed(),
        n_draws=1,
    )  # fmt: skip
    school = app.ledger().set_index(["party", "item"]).loc[("fylkeskommune", "extra school year")]
    assert school["pv"] == pytest.approx(-0.1 * 1.0 * 200_000, rel=1e-12)
