"""TWFE weights: the coefficient is the weighted sum of group-time effects; negative weights."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from impact.did import twfe, twfe_weights
from impact.errors import DataError

pytestmark = pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")


def staggered(noise: float = 0.0, seed: int = 0, never: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    cohorts = [2012, 2014, 2017] + ([0] if never else [])
    n_units, years = 80, np.arange(2010, 2020)
    g = np.array([cohorts[i % len(cohorts)] for i in range(n_units)])
    df = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_units), len(years)),
            "year": np.tile(years, n_units),
            "cohort": np.repeat(g, len(years)),
        }
    )
    e = df["year"] - df["cohort"]
    d = (df["cohort"] > 0) & (e >= 0)
    # heterogeneous, dynamic effects: bigger for early cohorts, growing with time
    tau = np.where(d, (2020 - df["cohort"]) * 0.1 + 0.3 * e, 0.0)
    df["tau"] = tau
    df["n"] = np.repeat(rng.integers(5, 50, n_units), len(years)).astype(float)
    df["y"] = (
        np.repeat(rng.normal(size=n_units), len(years))
        + 0.2 * (df["year"] - 2010)
        + tau
        + noise * rng.normal(size=len(df))
    )
    return df


@pytest.mark.parametrize("weighted", [False, True])
def test_twfe_equals_weighted_sum_of_group_time_effects(weighted: bool) -> None:
    df = staggered()
    w = "n" if weighted else None
    res = twfe(df, outcome="y", unit="unit", time="year", cohort="cohort", weights=w)
    dec = twfe_weights(df, outcome="y", unit="unit", time="year", cohort="cohort", weights=w)
    truth = (
        df.loc[df["tau"] != 0]
        .groupby(["cohort", "year"], as_index=False)["tau"]
        .mean()
        .rename(columns={"year": "time", "tau": "att"})
    )
    assert dec.table["weight"].sum() == pytest.approx(1.0, abs=1e-12)
    assert dec.implied(truth) == pytest.approx(res.estimate, abs=1e-10)
    assert dec.beta == pytest.approx(res.estimate, abs=1e-10)
    assert res.weights().implied(truth) == pytest.approx(res.estimate, abs=1e-10)


def test_weights_match_closed_form_in_balanced_panel() -> None:
    df = staggered()
    d = ((df["cohort"] > 0) & (df["year"] >= df["cohort"])).astype(float)
    e = (
        d
        - d.groupby(df["unit"]).transform("mean")
        - d.groupby(df["year"]).transform("mean")
        + d.mean()
    )
    omega = e / (e * d).sum()
    hand = omega[d == 1].groupby([df["cohort"], df["year"]]).sum()
    dec = twfe_weights(df, unit="unit", time="year", cohort="cohort")
    got = dec.table.set_index(["cohort", "time"])["weight"]
    np.testing.assert_allclose(got.to_numpy(), hand.to_numpy(), atol=1e-12)
    assert np.isnan(dec.beta)


def test_negative_weights_flagged_for_early_cohorts_late() -> None:
    df = staggered(never=False)
    dec = twfe_weights(df, outcome="y", unit="unit", time="year", cohort="cohort")
    neg = dec.table.query("negative")
    assert dec.n_negative > 0
    assert set(neg["cohort"]) <= {2012, 2014}  # early cohorts ...
    assert 2012 in set(neg["cohort"])
    assert neg["time"].min() >= 2017  # ... once the last cohort is treated
    assert dec.negative_weight_sum < 0
    assert dec.sigma_fe > 0
    assert "negative" in dec.summary()
    assert dec.plot() is not None


def test_implied_needs_every_cell_and_input_not_mutated() -> None:
    df = staggered()
    before = df.copy(deep=True)
    dec = twfe_weights(df, unit="unit", time="year", cohort="cohort")
    pd.testing.assert_frame_equal(df, before)
    with pytest.raises(DataError, match="treated cell"):
        dec.implied(pd.DataFrame({"cohort": [2012], "time": [2012], "att": [1.0]}))


def test_flyt_twfe_estimand_misses_the_true_att() -> None:
    simulate = pytest.importorskip("impact.data").simulate
    sd = simulate("flyt", seed=1, scale=0.2)
    dec = twfe_weights(sd.panel, unit="municipality", time="year", cohort="adoption_year")
    truth = sd.truth
    att = (
        truth.query("estimand == 'att_gt' and weighting == 'unit'")
        .rename(columns={"value": "att"})
        .astype({"cohort": int, "time": int})
    )
    simple = truth.query("estimand == 'simple' and weighting == 'unit'")["value"].iloc[0]
    # what TWFE estimates in expectation: its weights applied to the true ATT(g, t)
    implied = dec.implied(att)
    assert implied < simple - 0.001  # about 7 % too small: late event times get too little weight
    late = dec.table.groupby("event_time")["weight"].sum()
    share = dec.table.groupby("event_time")["n_obs"].sum() / dec.table["n_obs"].sum()
    assert late.iloc[-1] < share.iloc[-1]
