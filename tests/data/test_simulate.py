"""The generator hits its calibration targets, and its truth is what it does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from impact.data import simulate, validate
from impact.errors import DataError


def test_flyt_calibration_targets(flyt_full):
    persons = flyt_full.persons
    # ~60,000 pupils per cohort, 356 municipalities in 15 counties
    assert 55_000 < len(persons) / 10 < 65_000
    assert persons["municipality"].nunique() == 356
    assert persons["county"].nunique() == 15
    # completion within five years about 80 % (SSB: ~80 % for recent cohorts)
    assert persons["completed_vgs"].mean() == pytest.approx(0.80, abs=0.01)
    # strongly graded by grade points and by parents' education
    by_band = persons.groupby("grade_band")["completed_vgs"].mean()
    assert by_band["low"] < 0.6 < 0.9 < by_band["high"]
    by_edu = persons.groupby("parents_education")["completed_vgs"].mean()
    assert by_edu["grunnskole"] + 0.2 < by_edu["hoyere"]
    # grunnskolepoeng: mean about 41.5
    assert persons["grade_points"].mean() == pytest.approx(41.5, abs=1.5)
    # skewed municipality sizes: largest far above the median
    sizes = persons.groupby("municipality").size()
    assert sizes.max() > 50 * sizes.median()
    # ~20 adopting municipalities, 25-30 pupil groups: cohorts of 20-80 pupils
    adopters = flyt_full.municipalities.query("adoption_year > 0")
    assert len(adopters) == 20
    assert adopters["cohort_size"].between(20, 80).all()


def test_flyt_adoption_is_selected_on_observables(flyt_full):
    """Adopters have lower baseline completion, so a naive post comparison is biased."""
    panel = flyt_full.panel
    pre = panel[panel["year"] < 2019]
    adopters = pre[pre["adoption_year"] > 0]["completion_rate"].mean()
    others = pre[pre["adoption_year"] == 0]["completion_rate"].mean()
    assert adopters < others - 0.02


def test_unginvest_calibration_targets(unginvest_full):
    panel = unginvest_full.panel
    # NEET among 16-29-year-olds about 9.5 % (SSB register count 2022)
    assert panel["neet"].mean() == pytest.approx(0.095, abs=0.005)
    assert panel["age"].between(16, 29).all()
    # rises with age (15-19 low, 25-29 highest)
    by_age = panel.groupby(pd.cut(panel["age"], [15, 19, 24, 29]), observed=True)["neet"].mean()
    assert by_age.iloc[0] < by_age.iloc[1] < by_age.iloc[2]
    # about 950 participants enrolled at ages 16-24, selected on NEET risk
    first = panel.groupby("person_id").first()
    enrolled = first[first["enrol_year"] > 0]
    assert len(enrolled) == 950
    assert ((enrolled["enrol_year"] - enrolled["birth_year"]).between(16, 24)).all()
    pre = panel[(panel["year"] == 2018)]
    assert (
        pre[pre["enrol_year"] > 0]["neet"].mean() > 1.5 * pre[pre["enrol_year"] == 0]["neet"].mean()
    )


@pytest.mark.parametrize("scenario", ["flyt", "unginvest"])
def test_truth_is_computed_from_potential_outcomes(scenario, flyt_small, unginvest_full):
    sim = flyt_small if scenario == "flyt" else unginvest_full
    rows = sim.persons[sim.persons["treated"] == 1]
    effect = rows["p1"] - rows["p0"]
    assert sim.true_value("simple", weighting="person") == pytest.approx(effect.mean(), rel=1e-12)
    if scenario == "flyt":
        # realised potential outcomes agree with the probabilities (within 4 standard errors)
        diff = rows["y1"] - rows["y0"]
        assert (diff >= 0).all()  # one uniform per pupil: the programme never hurts anyone
        assert diff.mean() == pytest.approx(effect.mean(), abs=4 * diff.std() / np.sqrt(len(diff)))
    # untreated rows have p1 == p0: no effect where there is no programme
    untreated = sim.persons[sim.persons["treated"] == 0]
    assert np.array_equal(untreated["p1"].to_numpy(), untreated["p0"].to_numpy())
    # dynamic truth is the size-weighted mean of the att_gt truth
    if scenario == "unginvest":
        gt = sim.truth[sim.truth["estimand"] == "att_gt"]
        sizes = rows.groupby(["enrol_year", "year"]).size().to_numpy()
        e0 = gt["event_time"].to_numpy() == 0
        assert sim.true_value("dynamic", event_time=0) == pytest.approx(
            np.average(gt["value"].to_numpy()[e0], weights=sizes[e0])
        )


def test_flyt_effects_have_the_documented_shape(flyt_full):
    truth = flyt_full.truth
    dyn = truth[(truth["estimand"] == "dynamic") & (truth["weighting"] == "unit")]
    # positive, and the programme matures: effect at e=2 above e=0
    assert (dyn["value"] > 0).all()
    assert dyn.set_index("event_time").loc[2, "value"] > dyn.set_index("event_time").loc[0, "value"]
    # larger for pupils with low grade points (for whom)
    t = flyt_full.persons.query("treated == 1")
    by_band = (t["p1"] - t["p0"]).groupby(t["grade_band"]).mean()
    assert by_band["low"] > by_band["high"]
    # parallel trends in probabilities hold to within 0.2 percentage points
    gap = truth[truth["estimand"] == "pt_gap"]["value"]
    assert gap.abs().max() < 0.002


def test_same_seed_same_data_and_different_seed_different_data():
    a = simulate("flyt", seed=5, scale=0.1)
    b = simulate("flyt", seed=5, scale=0.1)
    c = simulate("flyt", seed=6, scale=0.1)
    pd.testing.assert_frame_equal(a.persons, b.persons)
    pd.testing.assert_frame_equal(a.truth, b.truth)
    assert not a.panel["completion_rate"].equals(c.panel["completion_rate"])


def test_outputs_match_their_schemas(flyt_small, unginvest_full):
    validate(flyt_small.persons, "persons")
    validate(flyt_small.panel, "municipality_panel")
    validate(flyt_small.cells, "cells")
    validate(unginvest_full.panel, "person_year_panel")
    validate(unginvest_full.cells, "cells")
    # the panel is balanced: every municipality in every year
    counts = flyt_small.panel.groupby("municipality").size()
    assert (counts == 10).all()


def test_cells_are_sufficient_statistics(flyt_small):
    cells, persons = flyt_small.cells, flyt_small.persons
    assert cells["n"].sum() == len(persons)
    assert cells["successes"].sum() == persons["completed_vgs"].sum()


def test_unknown_scenario_and_bad_scale_are_clear_errors():
    with pytest.raises(DataError, match="Unknown scenario 'flyyt'.*flyt"):
        simulate("flyyt")
    with pytest.raises(DataError, match="scale=0"):
        simulate("flyt", scale=0)


def test_committed_samples_match_the_generator():
    """data/synthetic/ holds what `impact simulate` writes for the default seed."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2] / "data" / "synthetic"
    committed = pd.read_csv(root / "flyt_truth.csv")
    fresh = simulate("flyt").truth
    assert np.allclose(
        committed["value"].to_numpy(), fresh["value"].to_numpy(), rtol=1e-5, atol=1e-9
    )
