"""Appraisal outputs: tables, payback, tornado, scenarios, headline and plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.axes import Axes

from impact import Effect
from impact.cba import Appraisal, Parameters, Programme, appraise
from impact.plain_language import NBSP, PAYS_OFF_AT


@pytest.fixture
def app(params: Parameters, unginvest_like: Programme) -> Appraisal:
    effects = [
        Effect.from_normal(0.26, 0.06, outcome="completed_vgs", seed=1, n_draws=2000),
        Effect.from_normal(-0.21, 0.06, outcome="neet", seed=2, n_draws=2000),
    ]
    return appraise(effects, unginvest_like, params, n_draws=2000, seed=3)


def test_summary_tables_are_tidy(app: Appraisal) -> None:
    frame = app.to_frame()
    assert list(frame.columns) == [
        "programme",
        "quantity",
        "outcome",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
        "unit",
        "price_year",
        "schedule",
    ]
    row = frame[frame["outcome"] == ""].set_index("quantity")
    assert row.loc["npv", "estimate"] == pytest.approx(app.npv)
    assert row.loc["npv", "se"] == pytest.approx(app.npv_draws.std(ddof=1))
    assert row.loc["npv", "ci_lower"] < app.npv < row.loc["npv", "ci_upper"]
    assert row.loc["p_npv_positive", "estimate"] == app.prob_positive
    assert np.isnan(row.loc["p_npv_positive", "se"])
    assert row.loc["benefit_cost_ratio", "estimate"] == pytest.approx(
        app.benefits_draws.mean() / app.costs_draws.mean()
    )
    assert app.net_benefit_per_participant == pytest.approx(app.npv / 950)
    text = app.summary()
    assert isinstance(text, str) and "UngInvest-like" in text and "P(NPV > 0)" in text
    ledger = app.ledger()
    assert set(ledger["party"]) == {
        "kommune",
        "fylkeskommune",
        "stat",
        "participant",
        "rest_of_society",
    }
    assert {"party", "item", "pv", "ci_lower", "ci_upper", "pv_per_participant"} <= set(
        ledger.columns
    )
    draws = app.draws()
    assert len(draws) == 2000
    np.testing.assert_allclose(
        draws[
            [
                c
                for c in draws.columns
                if c.startswith("pv_") and c not in ("pv_benefits", "pv_costs")
            ]
        ].sum(axis=1),
        draws["npv"],
        rtol=1e-9,
    )
    assert list(app.plus_minus()["assessment"]) == ["+ +", "+"]


def test_tornado_is_one_way_sensitivity(
    app: Appraisal, params: Parameters, unginvest_like: Programme
) -> None:
    table = app.tornado()
    # the uncertain parameters of the appraised outcomes (completion, NEET) and the rules;
    # the employment and earnings values are not used and not shown
    employment = {"employment_labour_cost", "employment_transfers_saved"}
    employment |= {"employed_persistence", "earnings_persistence"}
    uncertain = {n for n in params if params[n].uncertain}
    assert set(table["parameter"]) == uncertain - employment
    assert table["swing"].is_monotonic_decreasing
    row = table.set_index("parameter").loc["neet_production_loss"]
    low = params.fixed().replace(neet_production_loss=params["neet_production_loss"].low)
    effects = [Effect.point_mass(e.point, outcome=e.outcome) for e in app.effects]
    check = appraise(effects, unginvest_like, low, n_draws=1)
    assert row["low_npv"] == pytest.approx(check.npv, rel=1e-10)
    assert row["central_npv"] == pytest.approx(app.deterministic_npv)


def test_scenarios_cover_discounting_and_persistence(app: Appraisal) -> None:
    scen = app.scenarios()
    assert set(scen["scenario"]) == {"base", "discount schedule", "NEET persistence"}
    s = scen.set_index("setting")
    # a lower discount rate raises the value of benefits that come late
    assert s.loc["flat 2.5 %", "npv"] > s.loc["flat 4 %", "npv"]
    assert s.loc["r109", "npv"] == pytest.approx(app.npv)


def test_payback_years_by_budget(params: Parameters) -> None:
    p = params.fixed().replace(real_income_growth=0.0, neet_persistence=0.0)
    prog = Programme(
        "p",
        participants=1,
        age=20,
        start_year=2023,
        costs={"kommune": 500_000},
        outcomes=("neet",),
        neet_event_times=tuple(range(10)),
    )
    app = appraise(
        Effect.point_mass(-1.0, outcome="neet"), prog, p, n_draws=1, schedule=np.ones(47)
    )
    pay = app.payback().set_index("party")
    # kommune gains 0.34*0.15*350k + 0.35*140k + 0.5*60k = 96,850 a year: -500k is repaid in year 5
    assert pay.loc["kommune", "payback_year"] == 5
    assert pay.loc["kommune", "payback_calendar_year"] == 2028
    assert pay.loc["stat", "payback_year"] == 0
    # society: -600k (cost and tax financing) + 473,800 a year -> year 1
    assert pay.loc["society", "payback_year"] == 1
    never = Programme(
        "p",
        participants=1,
        age=20,
        start_year=2023,
        costs={"kommune": 5e6},
        outcomes=("neet",),
        neet_event_times=(0,),
    )
    pay2 = appraise(Effect.point_mass(-1.0, outcome="neet"), never, p, n_draws=1).payback()
    assert pd.isna(pay2.set_index("party").loc["kommune", "payback_year"])


def test_headline_is_the_plain_language_verdict(app: Appraisal) -> None:
    nb = app.headline()
    assert "netto nåverdi" in nb
    assert (f"mill.{NBSP}kr" in nb) or (f"mrd.{NBSP}kr" in nb)
    assert nb == app.verdict(lang="nb").text
    en = app.headline(lang="en")
    assert "net present value" in en and "NOK" in en
    verdict = app.verdict(lang="en")
    expected = "pays_off" if app.prob_positive >= PAYS_OFF_AT else "uncertain"
    assert verdict.verdict == expected
    row = verdict.row()
    assert row["npv"] == app.npv and row["p_npv_positive"] == app.prob_positive
    assert row["benefit_cost_ratio"] == pytest.approx(app.bcr)
    assert f"verdict: {verdict.label}" in app.summary()


@pytest.mark.parametrize("kind", ["npv", "ledger", "tornado"])
def test_plots_draw_on_and_return_axes(app: Appraisal, kind: str) -> None:
    ax = app.plot(kind=kind)  # type: ignore[arg-type]
    assert isinstance(ax, Axes) and ax.has_data()
    plt.close(ax.figure)
    fig, given = plt.subplots()
    assert app.plot(kind=kind, ax=given) is given  # type: ignore[arg-type]
    plt.close(fig)
    with pytest.raises(ValueError, match="kind"):
        app.plot(kind="pie")  # type: ignore[arg-type]


def test_to_frame_recomputes_every_interval_at_the_level(app: Appraisal) -> None:
    wide, narrow = app.to_frame(), app.to_frame(level=0.5)
    pd.testing.assert_series_equal(wide["estimate"], narrow["estimate"])
    effect = wide["quantity"] == "effect_estimate"
    table = app.break_even().set_index("outcome")
    outcomes = wide.loc[effect, "outcome"]
    np.testing.assert_array_equal(
        wide.loc[effect, "ci_lower"], table.loc[outcomes, "ci_lower"].to_numpy()
    )
    assert (narrow.loc[effect, "ci_upper"] - narrow.loc[effect, "ci_lower"] <
            wide.loc[effect, "ci_upper"] - wide.loc[effect, "ci_lower"]).all()  # fmt: skip


def test_bundle_tables_use_the_report_vocabulary(app: Appraisal) -> None:
    tables = app.bundle_tables()
    assert {"appraisal_summary", "ledger", "tornado", "scenarios", "payback", "plus_minus"} <= set(
        tables
    )
    ledger = tables["ledger"]
    assert list(ledger.columns[:3]) == ["payer", "present_value_nok", "per_participant_nok"]
    assert ledger["present_value_nok"].sum() == pytest.approx(app.npv, rel=1e-9)
    assert {"parameter", "low_npv", "high_npv"} <= set(tables["tornado"].columns)
    summary = tables["appraisal_summary"]
    assert {
        "npv",
        "benefit_cost_ratio",
        "p_npv_positive",
        "break_even_effect",
        "cost_per_participant",
    } <= set(summary["quantity"])
    assert "UngInvest-like" in repr(app) and str(app) == app.summary()


def test_headline_verdict_follows_the_probability() -> None:
    from impact.plain_language import payoff_summary

    kw = {"programme": "Flyt", "npv": 1e6, "ci_lower": -1e6, "ci_upper": 3e6, "bcr": 1.5}
    assert payoff_summary(prob_positive=0.9, **kw).text.startswith(
        "Flyt er med stor sannsynlighet samfunnsøkonomisk lønnsom"
    )
    assert payoff_summary(prob_positive=0.1, **kw).text.startswith(
        "Flyt er med stor sannsynlighet ikke"
    )
    assert payoff_summary(prob_positive=0.6, **kw).text.startswith("Det er usikkert om Flyt")
