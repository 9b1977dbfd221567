"""validate against a study's own declaration: real dtypes, never-enrolled, movers, counts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from impact.data import (
    DataDeclaration,
    OutcomeDeclaration,
    simulate,
    validate,
    validate_declared,
)
from impact.errors import DataChangeWarning, DataError, OptionError

GET = DataDeclaration(
    unit="person_id",
    time="year",
    cohort="enrol_year",
    treated="treated",
    municipality="municipality",
    outcomes=(OutcomeDeclaration("employed", "binary"), OutcomeDeclaration("neet", "binary")),
    covariates=("age_2016", "female", "immigrant", "earlier_neet"),
    name="GET Academy",
)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return simulate("getacademy", seed=7, scale=0.05).panel


def _movers(panel: pd.DataFrame) -> pd.Index:
    counts = panel.groupby("person_id")["municipality"].nunique()
    return counts.index[counts > 1]


def test_movers_must_be_resolved_explicitly_and_are_named_by_their_codes(panel):
    moving = _movers(panel)
    assert len(moving) > 0
    with pytest.raises(DataError) as info:
        validate(panel, GET)
    message = str(info.value)
    assert f"{len(moving)} person_id(s) of {panel['person_id'].nunique()}" in message
    assert "movers='first'" in message and "movers='enrolment'" in message
    assert "movers='drop'" in message
    # the example is named by its original codes and years, e.g. 0301 (2016-2018) -> 4601 (...)
    first = moving[0]
    rows = panel[panel["person_id"] == first].sort_values("year")
    assert f"person_id '{first}': {rows['municipality'].iloc[0]} (2016" in message
    with pytest.raises(OptionError, match="movers='frist' is not one of.*Did you mean 'first'"):
        validate(panel, GET, movers="frist")  # type: ignore[arg-type]


@pytest.mark.parametrize("rule", ["first", "enrolment", "drop"])
def test_each_mover_rule_does_what_it_says_and_reports_it(panel, rule):
    before = panel.copy()
    moving = _movers(panel)
    checked = validate_declared(panel, GET, movers=rule)
    pd.testing.assert_frame_equal(panel, before)  # the input is never modified
    out = checked.data
    assert len(checked.movers) == len(moving)
    assert checked.movers["codes"].str.contains(" -> ").all()
    assert (out.groupby("person_id")["municipality"].nunique() == 1).all()
    if rule == "drop":
        assert checked.dropped_units == len(moving)
        assert checked.dropped_rows == len(panel) - len(out) == 9 * len(moving)
        assert not out["person_id"].isin(moving).any()
    else:
        assert len(out) == len(panel) and checked.dropped_units == 0
        rows = panel[panel["person_id"].isin(moving)].sort_values(["person_id", "year"])
        if rule == "first":
            want = rows.groupby("person_id")["municipality"].first()
        else:
            at = rows[(rows["enrol_year"] > 0) & (rows["year"] == rows["enrol_year"])]
            want = rows.groupby("person_id")["municipality"].first()
            want.loc[at["person_id"].to_numpy()] = at["municipality"].to_numpy()
        got = out[out["person_id"].isin(moving)].groupby("person_id")["municipality"].first()
        pd.testing.assert_series_equal(got.sort_index(), want.sort_index(), check_names=False)
    # the same facts as a warning from validate
    with pytest.warns(DataChangeWarning, match=f"movers='{rule}'"):
        validate(panel, GET, movers=rule)


def test_missing_and_zero_enrolment_mean_never_enrolled(panel):
    stayers = panel[~panel["person_id"].isin(_movers(panel))]
    enrol = stayers["enrol_year"].astype(float)
    data = stayers.assign(enrol_year=enrol.where(enrol > 0))  # never enrolled: missing
    # half of the never enrolled say 0, half say missing: both mean never
    ids = data.loc[data["enrol_year"].isna(), "person_id"].unique()
    data.loc[data["person_id"].isin(ids[::2]), "enrol_year"] = 0.0
    checked = validate_declared(data, GET)
    assert checked.never_enrolled_missing == int(data["enrol_year"].isna().sum()) > 0
    assert checked.data["enrol_year"].dtype == np.int64
    assert checked.data["enrol_year"].tolist() == stayers["enrol_year"].tolist()
    assert len(checked.data) == len(data)
    assert "read as never enrolled" in checked.notes[0]


def test_outcome_types_are_checked_and_the_real_dtype_is_shown(panel):
    data = panel.assign(neet=panel["neet"].astype(float))
    validate_declared(data, GET, movers="first")  # a float column of 0/1 is binary
    bad = data.copy()
    bad.loc[bad.index[:2], "neet"] = np.nan
    with pytest.raises(DataError, match=r"outcome 'neet' \(dtype 'float64'\) has missing values"):
        validate_declared(bad, GET, movers="first")
    bad = data.copy()
    bad.loc[bad.index[3], "neet"] = 0.5
    with pytest.raises(DataError, match=r"declared binary .* dtype 'float64' with values \[0.5\]"):
        validate_declared(bad, GET, movers="first")
    text = data.assign(neet=data["neet"].map({0.0: "nei", 1.0: "ja"}))
    with pytest.raises(DataError, match=r"'neet' \(declared binary outcome\) has dtype 'str'"):
        validate_declared(text, GET, movers="first")


def test_cohort_constant_and_treated_consistent(panel):
    bad = panel.copy()
    enrolled = bad.index[bad["enrol_year"] > 0][0]
    bad.loc[enrolled, "enrol_year"] = 2016
    with pytest.raises(DataError, match="several 'enrol_year' values within one 'person_id'"):
        validate_declared(bad, GET, movers="first")
    bad = panel.copy()
    bad.loc[bad.index[bad["treated"] == 0][0], "treated"] = 1
    with pytest.raises(DataError, match="'treated' inconsistent with 'enrol_year'"):
        validate_declared(bad, GET, movers="first")
    flag = panel.assign(enrol_year=(panel["enrol_year"] > 0).astype(int))
    with pytest.raises(DataError, match="not an indicator"):
        validate_declared(flag, GET, movers="first")


def test_declared_columns_must_exist_with_close_matches_suggested(panel):
    with pytest.raises(DataError, match=r"'employed' \(did you mean 'employd'\?\)"):
        validate_declared(panel.rename(columns={"employed": "employd"}), GET)
    dup = pd.concat([panel, panel.iloc[[0]]])
    with pytest.raises(DataError, match=r"several rows for one \(person_id, year\)"):
        validate_declared(dup, GET, movers="first")


def test_rates_must_agree_with_their_counts():
    decl = DataDeclaration(
        unit="municipality",
        time="year",
        cohort="adoption_year",
        outcomes=(
            OutcomeDeclaration("completion_rate", "rate", numerator="completed", denominator="n"),
            OutcomeDeclaration("completed", "count", denominator="n"),
        ),
    )
    cells = pd.DataFrame(
        {
            "municipality": ["0301", "0301", "4601", "4601"],
            "year": [2019, 2020, 2019, 2020],
            "adoption_year": [2020, 2020, 0, 0],
            "n": [10, 10, 20, 20],
            "completed": [8, 9, 15, 16],
            "completion_rate": [0.8, 0.9, 0.75, 0.8],
        }
    )
    validate_declared(cells, decl)
    with pytest.raises(DataError, match=r"rate 'completion_rate' disagrees with 'completed' / 'n'"):
        validate_declared(cells.assign(completion_rate=[0.8, 0.9, 0.75, 0.6]), decl)
    counts_only = DataDeclaration(
        unit="municipality", time="year", cohort="adoption_year", outcomes=decl.outcomes[1:]
    )
    with pytest.raises(DataError, match="count 'completed' exceeds its denominator 'n'"):
        validate_declared(cells.assign(completed=[8, 11, 15, 16]), counts_only)


def test_declarations_refuse_impossible_combinations():
    with pytest.raises(OptionError, match="type of outcome 'y'='binry'.*Did you mean 'binary'"):
        OutcomeDeclaration("y", "binry")  # type: ignore[arg-type]
    with pytest.raises(OptionError, match="only a 'rate' has one"):
        OutcomeDeclaration("y", "binary", numerator="k")
    with pytest.raises(OptionError, match="at least one outcome"):
        DataDeclaration(unit="u", time="t", cohort="g", outcomes=())
    one = DataDeclaration(
        unit="u", time="t", cohort="g", outcomes=OutcomeDeclaration("y", "binary"), covariates="x"
    )  # type: ignore[arg-type]
    assert one.outcome_names == ("y",) and one.covariates == ("x",)


def test_fixed_schemas_show_the_real_dtype_and_do_not_advise_deleting_never_enrolled():
    sim = simulate("unginvest", seed=3, scale=0.05)
    bad = sim.panel.assign(neet=sim.panel["neet"].astype(float))
    bad.loc[bad.index[:2], "neet"] = np.nan
    with pytest.raises(DataError) as info:
        validate(bad, "person_year_panel")
    assert "dtype nan" not in str(info.value)
    assert "'neet' has dtype 'float64'" in str(info.value)
    never = sim.panel.assign(enrol_year=sim.panel["enrol_year"].astype(float))
    never.loc[never["enrol_year"] == 0, "enrol_year"] = np.nan
    with pytest.raises(DataError) as info:
        validate(never, "person_year_panel")
    message = str(info.value)
    assert "remove those rows" not in message and "missing means never" in message
    assert message.count("- column 'enrol_year'") == 1  # one line, not one per pandera check
    with pytest.raises(OptionError, match="movers='first' applies to a DataDeclaration"):
        validate(sim.panel, "person_year_panel", movers="first")
    with pytest.raises(OptionError, match="Did you mean 'person_year_panel'"):
        validate(sim.panel, "person_yr_panel")
