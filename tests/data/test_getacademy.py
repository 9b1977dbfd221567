"""The getacademy scenario: its design, its truth, its determinism, and that DiD recovers it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.data import (
    DataDeclaration,
    OutcomeDeclaration,
    read_extract,
    simulate,
    validate_declared,
)
from impact.data.getacademy import COVARIATES

ROOT = Path(__file__).resolve().parents[2]
DECLARATION = DataDeclaration(
    unit="person_id",
    time="year",
    cohort="enrol_year",
    treated="treated",
    municipality="municipality",
    outcomes=(OutcomeDeclaration("employed", "binary"), OutcomeDeclaration("neet", "binary")),
    covariates=COVARIATES,
)


@pytest.fixture(scope="module")
def full():
    return simulate("getacademy", seed=20240601)


def test_design_matches_the_brief(full):
    panel = full.panel
    persons = panel.groupby("person_id").first()
    assert len(persons) == 20_000 and len(panel) == 20_000 * 9  # balanced, 2016-2024
    assert sorted(panel["year"].unique()) == list(range(2016, 2025))
    assert panel["age"].between(18, 29).all()
    # codes are text, with leading zeros where the code has one
    assert str(panel["municipality"].dtype) == "str" and str(panel["person_id"].dtype) == "str"
    assert panel["municipality"].nunique() == 40
    assert {"0301", "0101"} <= set(panel["municipality"]) and "000042" in set(panel["person_id"])
    assert panel["municipality"].str.len().eq(4).all()
    # 800 enrol individually, 160 a year in 2018-2022
    enrolled = persons[persons["enrol_year"] > 0]
    assert len(enrolled) == 800
    assert enrolled["enrol_year"].value_counts().sort_index().to_dict() == {
        y: 160 for y in range(2018, 2023)
    }
    # selection on stable observables: participants differ from the others before enrolment
    others = persons[persons["enrol_year"] == 0]
    assert enrolled["earlier_neet"].mean() > 2.5 * others["earlier_neet"].mean()
    assert enrolled["immigrant"].mean() > others["immigrant"].mean() + 0.05
    # calibration: employment about 62 %, NEET about 9.5 %
    assert panel["employed"].mean() == pytest.approx(0.62, abs=0.01)
    assert panel["neet"].mean() == pytest.approx(0.095, abs=0.005)
    assert not (panel["employed"] & panel["neet"]).any()  # NEET = neither work nor education
    # some persons move, once
    codes = panel.groupby("person_id")["municipality"].nunique()
    assert 0.04 < (codes > 1).mean() < 0.08 and codes.max() == 2


def test_truth_is_computed_from_potential_outcomes_and_grows_with_time(full):
    panel, truth = full.panel, full.truth
    treated = panel[panel["treated"] == 1]
    untreated = panel[panel["treated"] == 0]
    for outcome in ("employed", "neet"):
        effect = treated[f"p1_{outcome}"] - treated[f"p0_{outcome}"]
        simple = full.true_value("simple", outcome=outcome)
        assert simple == pytest.approx(effect.mean(), rel=1e-12)
        assert np.array_equal(untreated[f"p1_{outcome}"], untreated[f"p0_{outcome}"])
        dyn = truth.query("outcome == @outcome and estimand == 'dynamic'")["value"].to_numpy()
        assert len(dyn) == 7  # event times 0..6
        steps = np.diff(dyn) if outcome == "employed" else -np.diff(dyn)
        assert (steps[:4] > 0).all() and (steps > -1e-3).all()
    assert full.true_value("simple", outcome="employed") > 0.02
    assert full.true_value("simple", outcome="neet") < -0.02
    assert list(truth.columns) == [
        "outcome", "estimand", "cohort", "time", "event_time", "site", "weighting", "value",
    ]  # fmt: skip
    probs = panel[["p0_employed", "p1_employed", "p0_neet", "p1_neet"]]
    assert probs.min().min() > 0 and (panel["p1_employed"] + panel["p1_neet"] <= 1).all()


def test_parallel_trends_hold_only_conditionally_on_the_stable_covariates(full):
    p = full.panel
    wide = p.pivot(index="person_id", columns="year", values="p0_employed")
    change = (wide[2024] - wide[2016]).rename("change")
    x = p.groupby("person_id")[[*COVARIATES, "enrol_year"]].first().join(change)
    # within a covariate cell every person has the same untreated change: conditional PT exact
    spread = x.groupby(list(COVARIATES))["change"].agg(lambda c: c.max() - c.min())
    assert spread.max() < 1e-12
    # but participants' untreated trend differs from the others': unconditional PT fails
    gap = x.loc[x["enrol_year"] > 0, "change"].mean() - x.loc[x["enrol_year"] == 0, "change"].mean()
    assert gap > 0.01


def test_same_seed_same_bytes_and_different_seed_different_data():
    a = simulate("getacademy", seed=5, scale=0.1)
    b = simulate("getacademy", seed=5, scale=0.1)
    c = simulate("getacademy", seed=6, scale=0.1)
    for name in ("panel", "truth", "cells", "municipalities"):
        assert getattr(a, name).to_csv(index=False) == getattr(b, name).to_csv(index=False)
    assert a.card == b.card
    assert not a.panel["employed"].equals(c.panel["employed"])


def test_att_gt_with_the_stable_covariates_recovers_the_truth():
    """A small draw (5,000 persons, 200 participants): the 95 % interval covers the truth."""
    from impact.did import att_gt

    sim = simulate("getacademy", seed=3, scale=0.25)
    for outcome in ("employed", "neet"):
        result = att_gt(
            sim.panel, outcome=outcome, unit="person_id", time="year", cohort="enrol_year",
            covariates=list(COVARIATES),
        )  # fmt: skip
        row = result.aggregate("simple").to_frame().iloc[0]
        truth = sim.true_value("simple", outcome=outcome)
        assert row["ci_lower"] <= truth <= row["ci_upper"], (outcome, row, truth)
        assert abs(row["estimate"] - truth) < 2.5 * row["se"]


def test_the_scenario_passes_its_own_declaration(full):
    checked = validate_declared(full.panel, DECLARATION, movers="enrolment")
    assert checked.dropped_rows == 0 and len(checked.data) == len(full.panel)
    assert len(checked.movers) == full.card["n_movers"]


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".dta"])
def test_committed_sample_round_trips_through_every_format(tmp_path, suffix):
    sample = read_extract(ROOT / "data" / "synthetic" / "getacademy_panel.csv")
    assert sample["person_id"].iloc[0] == "000001"
    path = tmp_path / f"getacademy{suffix}"
    if suffix == ".parquet":
        sample.to_parquet(path, index=False)
    elif suffix == ".dta":
        sample.drop(columns="event_time").to_stata(path, write_index=False)
    else:
        sample.to_csv(path, index=False)
    back = read_extract(path)
    assert back["person_id"].tolist() == sample["person_id"].tolist()
    assert back["municipality"].tolist() == sample["municipality"].tolist()
    checked = validate_declared(back, DECLARATION, movers="first")
    assert len(checked.data) == len(sample)


def test_committed_samples_match_the_generator(full):
    root = ROOT / "data" / "synthetic"
    committed = pd.read_csv(root / "getacademy_truth.csv")
    assert np.allclose(committed["value"], full.truth["value"], rtol=1e-5, atol=1e-9)
    sample = read_extract(root / "getacademy_panel.csv")
    fresh = full.panel[full.panel["person_id"].isin(set(sample["person_id"]))]
    assert sample["municipality"].tolist() == fresh["municipality"].tolist()
    assert sample["employed"].tolist() == fresh["employed"].tolist()


@pytest.mark.slow
def test_coverage_and_the_bias_covariates_remove_over_40_draws():
    """40 draws at scale 1: with the stable covariates the 95 % interval covers the simple
    ATT in at least 34 draws and the mean error is small; without them employment is biased
    upwards (participants' untreated employment catches up faster)."""
    from impact.did import att_gt

    errors: dict[tuple[str, bool], list[float]] = {}
    covered = {"employed": 0, "neet": 0}
    for seed in range(40):
        sim = simulate("getacademy", seed=seed)
        for outcome, covs in (("employed", True), ("neet", True), ("employed", False)):
            result = att_gt(
                sim.panel, outcome=outcome, unit="person_id", time="year", cohort="enrol_year",
                covariates=list(COVARIATES) if covs else None,
            )  # fmt: skip
            row = result.aggregate("simple").to_frame().iloc[0]
            truth = sim.true_value("simple", outcome=outcome)
            errors.setdefault((outcome, covs), []).append(row["estimate"] - truth)
            if covs:
                covered[outcome] += int(row["ci_lower"] <= truth <= row["ci_upper"])
    assert min(covered.values()) >= 34, covered
    assert abs(np.mean(errors[("employed", True)])) < 0.006
    assert abs(np.mean(errors[("neet", True)])) < 0.006
    assert np.mean(errors[("employed", False)]) > 0.008
