"""Imputation estimator (BJS 2024): independent computation, closed form, truth, coverage."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf

from impact import Effect
from impact.did import twfe
from impact.did.imputation.estimator import imputation
from impact.errors import DesignError

pytestmark = pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")


def panel(
    *,
    n_units: int = 90,
    cohorts=(0, 2013, 2015, 2017),
    years=(2010, 2019),
    effect=lambda g, e: (2018 - g) * 0.2 + 0.3 * e,
    pretrend: float = 0.0,
    noise: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    yrs = np.arange(years[0], years[1] + 1)
    g = np.array([cohorts[i % len(cohorts)] for i in range(n_units)])
    df = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_units), len(yrs)),
            "year": np.tile(yrs, n_units),
            "cohort": np.repeat(g, len(yrs)),
        }
    )
    e = (df["year"] - df["cohort"]).to_numpy()
    treated_unit = df["cohort"].to_numpy() > 0
    d = treated_unit & (e >= 0)
    tau = np.where(d, effect(df["cohort"].to_numpy(), e), 0.0)
    df["x"] = rng.normal(size=len(df))
    df["n"] = rng.integers(10, 40, len(df)).astype(float)
    df["y"] = (
        np.repeat(rng.normal(size=n_units), len(yrs))
        + 0.1 * (df["year"] - 2010) ** 1.5
        + tau
        + 0.5 * df["x"]
        + pretrend * np.where(treated_unit & (e < 0), e, 0.0)
        + noise * rng.normal(size=len(df))
    )
    df["tau"] = tau
    df["d"] = d.astype(int)
    df["event_time"] = np.where(treated_unit, e, -999)
    return df


@pytest.mark.parametrize("weighted", [False, True])
def test_matches_statsmodels_regression_on_untreated(weighted: bool) -> None:
    df = panel()
    w = "n" if weighted else None
    res = imputation(
        df, outcome="y", unit="unit", time="year", cohort="cohort", covariates=["x"], weights=w
    )
    untreated = df[df["d"] == 0]
    formula = "y ~ C(unit) + C(year) + x"
    fs = (
        smf.wls(formula, untreated, weights=untreated["n"])
        if weighted
        else smf.ols(formula, untreated)
    ).fit()
    treated = df[df["d"] == 1].copy()
    treated["tau_hat"] = treated["y"] - fs.predict(treated)
    wt = treated["n"] if weighted else pd.Series(1.0, index=treated.index)
    overall = np.average(treated["tau_hat"], weights=wt)
    assert res.att == pytest.approx(overall, abs=1e-8)
    by_k = treated.groupby("event_time").apply(
        lambda s: np.average(s["tau_hat"], weights=wt.loc[s.index]), include_groups=False
    )
    np.testing.assert_allclose(res.table["estimate"], by_k.to_numpy(), atol=1e-8)
    np.testing.assert_allclose(np.sort(res.tau["tau"]), np.sort(treated["tau_hat"]), atol=1e-8)


def test_single_adoption_date_equals_did_on_pre_period_means() -> None:
    df = panel(cohorts=(0, 2015), seed=2)
    res = imputation(df, outcome="y", unit="unit", time="year", cohort="cohort")
    tr, co = df[df["cohort"] == 2015], df[df["cohort"] == 0]
    pre_t = tr[tr["year"] < 2015]["y"].mean()
    pre_c = co[co["year"] < 2015]["y"].mean()
    for k, row in res.table.set_index("event_time").iterrows():
        yr = 2015 + k
        did = (tr[tr["year"] == yr]["y"].mean() - pre_t) - (
            co[co["year"] == yr]["y"].mean() - pre_c
        )
        assert row["estimate"] == pytest.approx(did, abs=1e-10)


def test_recovers_truth_where_twfe_is_biased() -> None:
    df = panel(n_units=400, cohorts=(0, 2012, 2014, 2016), noise=0.5, seed=5)
    res = imputation(df, outcome="y", unit="unit", time="year", cohort="cohort", covariates=["x"])
    true_att = df.loc[df["d"] == 1, "tau"].mean()
    assert abs(res.att - true_att) < 4 * res.se
    true_k = df[df["d"] == 1].groupby("event_time")["tau"].mean()
    z = (res.table.set_index("event_time")["estimate"] - true_k) / res.table.set_index(
        "event_time"
    )["se"]
    assert np.all(np.abs(z) < 4.5)
    tw = twfe(df, outcome="y", unit="unit", time="year", cohort="cohort", covariates=["x"])
    assert abs(tw.estimate - true_att) > 5 * tw.se  # the naive estimator misses


def test_conservative_se_covers_in_repeated_samples() -> None:
    hits, true = [], []
    for s in range(60):
        df = panel(n_units=60, noise=1.0, seed=100 + s)
        res = imputation(df, outcome="y", unit="unit", time="year", cohort="cohort")
        t = df.loc[df["d"] == 1, "tau"].mean()
        lo, hi = res.ci
        hits.append(lo <= t <= hi)
        true.append(t)
    assert np.mean(hits) >= 0.88


def test_pretrend_test_detects_violation() -> None:
    ok = imputation(
        panel(seed=7), outcome="y", unit="unit", time="year", cohort="cohort", pretrends=3
    )
    bad = imputation(
        panel(seed=7, pretrend=0.8),
        outcome="y",
        unit="unit",
        time="year",
        cohort="cohort",
        pretrends=3,
    )
    assert ok.pretrend is not None and bad.pretrend is not None
    assert ok.pretrend.pvalue > 0.01
    assert bad.pretrend.pvalue < 1e-4
    assert list(bad.to_frame().query("kind == 'pretrend'")["event_time"]) == [-3, -2, -1]


def test_interface_and_no_mutation() -> None:
    df = panel()
    before = df.copy(deep=True)
    res = imputation(df, outcome="y", unit="unit", time="year", cohort="cohort", horizons=[0, 1, 2])
    pd.testing.assert_frame_equal(df, before)
    assert list(res.table["event_time"]) == [0, 1, 2]
    sub = df[(df["d"] == 1) & df["event_time"].isin([0, 1, 2])]
    assert res.table["n_obs"].sum() == len(sub)
    assert res.cluster_scores.shape == (df["unit"].nunique(), 4)
    assert np.sqrt((res.cluster_scores[:, 0] ** 2).sum()) == pytest.approx(res.se)
    e = res.effect(outcome="y", unit="y units", n_draws=200, seed=3)
    assert isinstance(e, Effect) and e.point == res.att
    dyn = res.effect(outcome="y", unit="y units", kind="dynamic", n_draws=200, seed=3)
    assert dyn.event_time == (0, 1, 2)
    assert res.plot() is not None
    assert "Imputation" in res.summary()
    with pytest.raises(DesignError, match="event time"):
        imputation(df, outcome="y", unit="unit", time="year", cohort="cohort", horizons=[40])


def test_flyt_truth_within_interval() -> None:
    simulate = pytest.importorskip("impact.data").simulate
    sd = simulate("flyt", seed=2, scale=0.5)
    truth = sd.truth.query("estimand == 'simple'").set_index("weighting")["value"]
    kw = dict(outcome="completion_rate", unit="municipality", time="year", cohort="adoption_year")
    unit_w = imputation(sd.panel, **kw)
    person_w = imputation(sd.panel, **kw, weights="n")
    assert abs(unit_w.att - truth["unit"]) < 3 * unit_w.se
    assert abs(person_w.att - truth["person"]) < 3 * person_w.se
    dyn = sd.truth.query("estimand == 'dynamic' and weighting == 'unit'").set_index("event_time")
    tab = unit_w.table.set_index("event_time")
    z = (tab["estimate"] - dyn["value"].reindex(tab.index).astype(float)) / tab["se"]
    assert np.all(np.abs(z) < 4)


def test_leave_out_variance_is_larger_in_small_cohorts() -> None:
    # three treated units per cohort: the plain taubar absorbs a third of each unit's noise
    df = panel(n_units=24, cohorts=(0, 0, 0, 0, 0, 2013, 2015, 2017), seed=11)
    kw = dict(outcome="y", unit="unit", time="year", cohort="cohort")
    lo = imputation(df, **kw, leave_out=True)
    plain = imputation(df, **kw, leave_out=False)
    assert lo.att == plain.att
    assert lo.se > 1.05 * plain.se
    assert np.all(lo.table["se"].to_numpy() >= plain.table["se"].to_numpy() - 1e-12)
