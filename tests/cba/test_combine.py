"""No double counting (issue 12): two effects moving one stream are refused unless combined."""

from __future__ import annotations

import pytest

from impact import Effect
from impact.cba import Parameters, Programme, appraise
from impact.errors import ParameterError


def prog(**kw: object) -> Programme:
    return Programme("p", participants=1, age=20, start_year=2023, costs={}, **kw)  # type: ignore[arg-type]


EMPLOYED = Effect.point_mass(0.1, outcome="employed")
NEET = Effect.point_mass(-0.1, outcome="neet")


def npv(effects: list[Effect], params: Parameters, **kw: object) -> float:
    return appraise(effects, prog(), params.fixed(), n_draws=1, **kw).deterministic_npv  # type: ignore[arg-type]


def test_employment_and_neet_both_move_earnings_and_are_refused(params: Parameters) -> None:
    with pytest.raises(ParameterError) as info:
        appraise([EMPLOYED, NEET], prog(), params, n_draws=1)
    msg = str(info.value)
    assert "'neet' and 'employed' both move" in msg
    assert "'benefit_transfers', 'employment_earnings'" in msg
    assert "combine=" in msg and "counts them twice" in msg


def test_a_stated_combination_values_each_stream_once(params: Parameters) -> None:
    """Employment's labour-market streams + NEET's public services = the parts added up."""
    combine = {
        "employed": ["employment_earnings", "benefit_transfers"],
        "neet": ["public_services"],
    }
    both = appraise([EMPLOYED, NEET], prog(), params.fixed(), n_draws=1, combine=combine)
    alone = npv([EMPLOYED], params)
    services_only = npv([NEET], params, combine={"neet": ["public_services"]})
    assert both.deterministic_npv == pytest.approx(alone + services_only, rel=1e-12)
    assert 0 < services_only < npv([NEET], params)
    table = both.streams().set_index(["outcome", "moves"])
    assert not table.loc[("neet", "employment_earnings"), "valued"]
    assert table.loc[("neet", "public_services"), "reason"] == "chosen in combine"


def test_combine_errors_name_the_stream(params: Parameters) -> None:
    with pytest.raises(ParameterError, match=r"does not move; its streams are"):
        appraise([NEET], prog(), params, n_draws=1, combine={"neet": ["wage_premium"]})
    with pytest.raises(ParameterError, match="name only appraised outcomes"):
        appraise([NEET], prog(), params, n_draws=1, combine={"employed": ["benefit_transfers"]})
    earnings = Effect.point_mass(1000.0, outcome="earnings", unit="NOK")
    with pytest.raises(ParameterError, match="choose all of them or none"):
        appraise([earnings], prog(), params, n_draws=1, combine={"earnings": ["wage_premium"]})


def test_completion_yields_its_employment_gain_to_a_measured_neet_effect(
    params: Parameters,
) -> None:
    """The registry's stated rule (yields_to): completion + NEET is not double counting."""
    completion = Effect.point_mass(0.1, outcome="completed_vgs")
    both = appraise([completion, NEET], prog(), params.fixed(), n_draws=1)
    wage_and_school = npv(
        [completion], params, combine={"completed_vgs": ["wage_premium", "schooling"]}
    )
    assert both.deterministic_npv == pytest.approx(wage_and_school + npv([NEET], params))
    reasons = both.streams().query("outcome == 'completed_vgs' and not valued")["reason"]
    assert set(reasons) == {"yields to the effect on 'neet'"}


def test_completion_and_earnings_both_move_the_wage_premium(params: Parameters) -> None:
    completion = Effect.point_mass(0.1, outcome="completed_vgs")
    earnings = Effect.point_mass(5000.0, outcome="earnings", unit="NOK")
    with pytest.raises(ParameterError, match="'wage_premium'"):
        appraise([completion, earnings], prog(), params, n_draws=1)
