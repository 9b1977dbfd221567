"""TWFE and event study: parity with statsmodels OLS with dummies, recovery, bias, bad inputs."""

from __future__ import annotations

import warnings

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import statsmodels.formula.api as smf
from statsmodels.stats.sandwich_covariance import cov_cluster

from impact import Effect
from impact.did import event_study, twfe
from impact.errors import DataError, FewClustersWarning

pytestmark = pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")


def make_panel(
    *,
    n_units: int = 60,
    periods: tuple[int, int] = (2010, 2019),
    cohorts: dict[int, float] | None = None,
    effect=lambda g, e: 0.0 * e,
    noise: float = 1.0,
    seed: int = 0,
) -> pd.DataFrame:
    """Balanced panel: y = a_i + b_t + effect(cohort, event time) * D + noise."""
    rng = np.random.default_rng(seed)
    cohorts = cohorts or {0: 0.5, 2014: 0.5}
    years = np.arange(periods[0], periods[1] + 1)
    g = rng.choice(list(cohorts), size=n_units, p=list(cohorts.values()))
    a = rng.normal(0, 1, n_units) + 0.5 * (g > 0)
    b = np.linspace(0, 1, len(years)) ** 2
    df = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_units), len(years)),
            "year": np.tile(years, n_units),
            "cohort": np.repeat(g, len(years)),
            "county": np.repeat(np.arange(n_units) % 12, len(years)),
        }
    )
    df["unit"] = "k" + df["unit"].astype(str)
    ev = (df["year"] - df["cohort"]).to_numpy()
    d = (df["cohort"].to_numpy() > 0) & (ev >= 0)
    tau = np.where(d, [effect(gg, ee) for gg, ee in zip(df["cohort"], ev)], 0.0)
    df["x"] = rng.normal(size=len(df))
    df["n"] = rng.integers(5, 60, len(df)).astype(float)
    df["y"] = (
        np.repeat(a, len(years))
        + np.tile(b, n_units)
        + tau
        + 0.3 * df["x"]
        + rng.normal(0, noise, len(df))
    )
    df["tau"] = tau
    df["d"] = d.astype(int)
    return df


def _cr1(res, groups, n_slopes: int, n_time: int) -> np.ndarray:
    v = cov_cluster(res, groups, use_correction=False)
    g = len(np.unique(groups))
    n = int(res.nobs)
    k = n_slopes + n_time - 1 + 1  # unit effects nested in the county clusters count as one
    return v * g / (g - 1) * (n - 1) / (n - k)


@pytest.mark.parametrize("use_weights", [False, True])
def test_twfe_matches_statsmodels_dummies(use_weights: bool) -> None:
    df = make_panel(cohorts={0: 0.4, 2013: 0.3, 2016: 0.3}, effect=lambda g, e: 0.5 + 0.1 * e)
    res = twfe(
        df,
        outcome="y",
        unit="unit",
        time="year",
        cohort="cohort",
        cluster="county",
        covariates=["x"],
        weights="n" if use_weights else None,
    )
    formula = "y ~ d + x + C(unit) + C(year)"
    sm = (smf.wls(formula, df, weights=df["n"]) if use_weights else smf.ols(formula, df)).fit()
    v = _cr1(sm, df["county"].to_numpy(), n_slopes=2, n_time=df["year"].nunique())
    names = list(sm.params.index)
    i, j = names.index("d"), names.index("x")
    assert res.estimate == pytest.approx(sm.params["d"], abs=1e-8)
    assert res.params["x"] == pytest.approx(sm.params["x"], abs=1e-8)
    assert res.se == pytest.approx(np.sqrt(v[i, i]), rel=1e-8)
    assert np.sqrt(res.cov.loc["x", "x"]) == pytest.approx(np.sqrt(v[j, j]), rel=1e-8)
    assert res.df_resid == 11


def test_twfe_treatment_column_equals_cohort_column() -> None:
    df = make_panel(cohorts={0: 0.5, 2013: 0.25, 2016: 0.25})
    a = twfe(df, outcome="y", unit="unit", time="year", cohort="cohort")
    b = twfe(df, outcome="y", unit="unit", time="year", treatment="d")
    assert a.estimate == pytest.approx(b.estimate, abs=1e-12)
    assert a.se == pytest.approx(b.se, rel=1e-12)


def test_event_study_matches_statsmodels_dummies_with_binning() -> None:
    df = make_panel(cohorts={0: 0.4, 2013: 0.3, 2016: 0.3}, effect=lambda g, e: 0.2 * e)
    res = event_study(df, outcome="y", unit="unit", time="year", cohort="cohort", leads=3, lags=2)
    ev = (df["year"] - df["cohort"]).where(df["cohort"] > 0)
    binned = ev.clip(-3, 2)
    dd = df.copy()
    names = []
    for k in [-3, -2, 0, 1, 2]:
        name = f"e{k + 10}"
        dd[name] = (binned == k).astype(float)
        names.append(name)
    sm = smf.ols("y ~ " + " + ".join(names) + " + C(unit) + C(year)", dd).fit()
    v = _cr1(sm, dd["unit"].to_numpy(), n_slopes=5, n_time=dd["year"].nunique())
    idx = [list(sm.params.index).index(n) for n in names]
    tab = res.to_frame().set_index("event_time")
    np.testing.assert_allclose(tab.loc[[-3, -2, 0, 1, 2], "estimate"], sm.params[names], atol=1e-8)
    np.testing.assert_allclose(
        tab.loc[[-3, -2, 0, 1, 2], "se"], np.sqrt(np.diag(v)[idx]), rtol=1e-8
    )
    assert tab.loc[-1, "estimate"] == 0.0
    assert res.binned == (-3, 2)
    assert list(res.to_frame().columns[:5]) == [
        "event_time",
        "estimate",
        "se",
        "ci_lower",
        "ci_upper",
    ]


def test_event_study_recovers_truth_with_single_adoption_date() -> None:
    true = {0: 1.0, 1: 1.5, 2: 2.0, 3: 2.2, 4: 2.4, 5: 2.5}
    df = make_panel(
        n_units=400,
        cohorts={0: 0.5, 2014: 0.5},
        effect=lambda g, e: true.get(e, 0.0),
        noise=0.3,
        seed=3,
    )
    res = event_study(df, outcome="y", unit="unit", time="year", cohort="cohort")
    tab = res.to_frame().set_index("event_time")
    err = np.array([tab.loc[k, "estimate"] - v for k, v in true.items()])
    z = err / tab.loc[list(true), "se"].to_numpy()
    assert np.all(np.abs(z) < 4)
    assert np.max(np.abs(err)) < 0.25  # effects are 1.0-2.5
    pre = tab.loc[[-4, -3, -2]]
    assert np.all(np.abs(pre["estimate"] / pre["se"]) < 4)
    # static TWFE equals the average effect over treated observations when adoption is not staggered
    st = twfe(df, outcome="y", unit="unit", time="year", cohort="cohort")
    att = df.loc[df["d"] == 1, "tau"].mean()
    assert abs(st.estimate - att) < 4 * st.se


def test_twfe_is_biased_under_staggered_adoption_with_dynamic_effects() -> None:
    # effects grow quickly with time since adoption; early cohorts serve as controls for late ones
    df = make_panel(
        n_units=600,
        periods=(2010, 2019),
        cohorts={0: 0.1, 2012: 0.45, 2017: 0.45},
        effect=lambda g, e: (1.5 if g == 2012 else 0.3) * e,
        noise=0.5,
        seed=4,
    )
    res = twfe(df, outcome="y", unit="unit", time="year", cohort="cohort")
    att = df.loc[df["d"] == 1, "tau"].mean()
    assert att > 2
    assert res.estimate < att - 10 * res.se  # visibly biased downward
    es = event_study(df, outcome="y", unit="unit", time="year", cohort="cohort")
    # cohort-specific dynamics contaminate the event-study coefficients (Sun & Abraham 2021)
    tab = es.to_frame().query("event_time != -1").set_index("event_time")
    tr = df.loc[df["cohort"] > 0].assign(e=df["year"] - df["cohort"]).groupby("e")["tau"].mean()
    z = (tab["estimate"] - tr.reindex(tab.index)) / tab["se"]
    assert np.max(np.abs(z)) > 4


def test_flyt_event_study_biased_against_truth() -> None:
    simulate = pytest.importorskip("impact.data").simulate
    sd = simulate("flyt", seed=1)
    res = twfe(
        sd.panel,
        outcome="completion_rate",
        unit="municipality",
        time="year",
        cohort="adoption_year",
    )
    truth = sd.truth.query("estimand == 'simple' and weighting == 'unit'")["value"].iloc[0]
    assert abs(res.estimate - truth) < 5 * res.se  # same scale as the truth, noisy
    es = event_study(
        sd.panel,
        outcome="completion_rate",
        unit="municipality",
        time="year",
        cohort="adoption_year",
    )
    assert es.to_frame()["event_time"].min() < -1


def test_results_interface() -> None:
    df = make_panel(cohorts={0: 0.5, 2014: 0.5}, effect=lambda g, e: 1.0)
    res = twfe(df, outcome="y", unit="unit", time="year", cohort="cohort")
    assert "TWFE" in res.summary()
    fr = res.to_frame()
    assert fr.loc[0, "term"] == "treated"
    lo, hi = res.ci
    assert fr.loc[0, "ci_lower"] == pytest.approx(lo)
    eff = res.effect(outcome="y", unit="y units", n_draws=500, seed=1)
    assert isinstance(eff, Effect)
    assert eff.point == res.estimate
    assert eff.sd == pytest.approx(res.se, rel=0.1)
    assert np.array_equal(
        eff.draws, res.effect(outcome="y", unit="y units", n_draws=500, seed=1).draws
    )
    assert res.plot() is not None
    es = event_study(df, outcome="y", unit="unit", time="year", cohort="cohort", leads=3, lags=3)
    ax = es.plot()
    assert len(ax.lines) >= 2
    assert isinstance(es.summary(), str)
    de = es.effect(unit="y units", n_draws=300, seed=2)
    assert de.event_time == (0, 1, 2, 3)
    assert de.draws.shape == (300, 4)


def test_inputs_not_mutated() -> None:
    df = make_panel(cohorts={0: 0.5, 2014: 0.5})
    before = df.copy(deep=True)
    twfe(df, outcome="y", unit="unit", time="year", cohort="cohort", covariates=["x"])
    event_study(df, outcome="y", unit="unit", time="year", cohort="cohort", leads=2, lags=2)
    pd.testing.assert_frame_equal(df, before)


def test_few_clusters_warning() -> None:
    df = make_panel(n_units=40, cohorts={0: 0.5, 2014: 0.5})
    with pytest.warns(FewClustersWarning, match="treated clusters"):
        twfe(df, outcome="y", unit="unit", time="year", cohort="cohort")
    big = make_panel(n_units=200, cohorts={0: 0.5, 2014: 0.5})
    with warnings.catch_warnings():
        warnings.simplefilter("error", FewClustersWarning)
        twfe(big, outcome="y", unit="unit", time="year", cohort="cohort")


def test_bad_inputs_raise_clear_errors() -> None:
    df = make_panel(cohorts={0: 0.5, 2014: 0.5})
    kw = dict(outcome="y", unit="unit", time="year", cohort="cohort")
    with pytest.raises(DataError, match="'nope'"):
        twfe(df, **{**kw, "outcome": "nope"})
    bad = df.assign(y=df["y"].astype(str))
    with pytest.raises(DataError, match="numeric"):
        twfe(bad, **kw)
    two = df.copy()
    first_unit = two["unit"] == "k0"
    two.loc[first_unit, "cohort"] = np.where(two.loc[first_unit, "year"] < 2015, 2013, 2016)
    with pytest.raises(DataError, match="one date only"):
        event_study(two, **kw)
    dup = pd.concat([df, df.iloc[[3]]], ignore_index=True)
    with pytest.raises(DataError, match="one row per unit and period"):
        twfe(dup, **kw)
    off = df.copy()
    treated_row = off.index[off["d"] == 1][0]
    off.loc[treated_row + 1, "d"] = 0
    with pytest.raises(DataError, match="switches off"):
        twfe(off, outcome="y", unit="unit", time="year", treatment="d")
    miss = df.copy()
    miss.loc[5, "y"] = np.nan
    with pytest.raises(DataError, match="missing"):
        twfe(miss, **kw)
