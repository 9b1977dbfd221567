"""Wild cluster bootstrap: equals a brute-force loop, covers in repeated samples, is seeded."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from impact import Effect
from impact.did import twfe
from impact.did.imputation.estimator import imputation
from impact.did.inference.wild_bootstrap import (
    bootstrap_weights,
    wild_bootstrap_scores,
    wild_cluster_bootstrap,
)

pytestmark = pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")


def brute_force_p(y, x, cl, k, null, w) -> float:
    """WCR by explicit re-estimation with statsmodels for every bootstrap draw."""
    xr = np.delete(x, k, axis=1)
    gam = np.linalg.lstsq(xr, y - null * x[:, k], rcond=None)[0]
    fitted = xr @ gam + null * x[:, k]
    ur = y - fitted
    fit = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": cl})
    t = (fit.params[k] - null) / fit.bse[k]
    ts = []
    for b in range(w.shape[1]):
        ys = fitted + ur * w[cl, b]
        fb = sm.OLS(ys, x).fit(cov_type="cluster", cov_kwds={"groups": cl})
        ts.append((fb.params[k] - null) / fb.bse[k])
    return float(np.mean(np.abs(np.array(ts)) >= abs(t) - 1e-12))


def clustered_data(n_clusters: int = 12, seed: int = 0, beta: float = 0.3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    sizes = rng.integers(5, 40, n_clusters)
    cl = np.repeat(np.arange(n_clusters), sizes)
    x = rng.normal(size=len(cl)) + rng.normal(size=n_clusters)[cl]
    z = rng.normal(size=len(cl))
    u = rng.normal(size=len(cl)) * (1 + 0.5 * np.abs(x)) + rng.normal(size=n_clusters)[cl]
    return pd.DataFrame({"y": 1 + beta * x + 0.5 * z + u, "x": x, "z": z, "g": cl})


@pytest.mark.parametrize("kind", ["rademacher", "webb"])
@pytest.mark.parametrize("null", [0.0, 0.3])
def test_ols_wcr_equals_brute_force(kind: str, null: float) -> None:
    df = clustered_data()
    res = wild_cluster_bootstrap(
        df, outcome="y", regressors=["x", "z"], cluster="g", null=null, weights=kind,
        n_boot=199, seed=11,
    )  # fmt: skip
    w = bootstrap_weights(12, 199, kind, np.random.default_rng(11))
    x = np.column_stack([df["x"], df["z"], np.ones(len(df))])
    p = brute_force_p(df["y"].to_numpy(), x, df["g"].to_numpy(), 0, null, w)
    assert res.pvalue == pytest.approx(p, abs=1e-12)
    fit = sm.OLS(df["y"], x).fit(cov_type="cluster", cov_kwds={"groups": df["g"]})
    assert res.estimate == pytest.approx(fit.params.iloc[0], abs=1e-10)
    assert res.se == pytest.approx(fit.bse.iloc[0], rel=1e-8)  # both CR1


def panel(n_units: int = 24, seed: int = 0, effect: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(2015, 2023)
    g = np.where(np.arange(n_units) % 3 == 0, 0, np.where(np.arange(n_units) % 3 == 1, 2018, 2020))
    df = pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_units), len(years)),
            "year": np.tile(years, n_units),
            "cohort": np.repeat(g, len(years)),
        }
    )
    d = (df["cohort"] > 0) & (df["year"] >= df["cohort"])
    ar = np.zeros(len(df))
    e = rng.normal(size=len(df))
    for i in range(1, len(df)):  # serially correlated errors within unit
        ar[i] = e[i] + (0.6 * ar[i - 1] if df["unit"].iat[i] == df["unit"].iat[i - 1] else 0)
    df["y"] = np.repeat(rng.normal(size=n_units), len(years)) + 0.1 * df["year"] + effect * d + ar
    df["d"] = d.astype(float)
    df["n"] = rng.integers(10, 30, len(df)).astype(float)
    return df


@pytest.mark.parametrize("weighted", [False, True])
def test_twfe_wcr_equals_brute_force_with_dummies(weighted: bool) -> None:
    df = panel()
    res = twfe(
        df,
        outcome="y",
        unit="unit",
        time="year",
        cohort="cohort",
        weights="n" if weighted else None,
    )
    wb = res.wild_bootstrap(n_boot=99, weights="rademacher", seed=5, null=0.2)
    dummies = pd.get_dummies(df[["unit", "year"]].astype(str), drop_first=True, dtype=float)
    x = np.column_stack([df["d"], dummies, np.ones(len(df))])
    y = df["y"].to_numpy()
    if weighted:
        sw = np.sqrt(df["n"].to_numpy())
        x, y = x * sw[:, None], y * sw
    w = bootstrap_weights(24, 99, "rademacher", np.random.default_rng(5))
    p = brute_force_p(y, x, df["unit"].to_numpy(), 0, 0.2, w)
    assert wb.pvalue == pytest.approx(p, abs=1e-12)
    assert wb.estimate == pytest.approx(res.estimate, abs=1e-10)
    assert wb.se == pytest.approx(res.se, rel=1e-8)


def test_ci_inverts_the_test_and_is_seeded() -> None:
    df = panel(seed=3, effect=0.5)
    res = twfe(df, outcome="y", unit="unit", time="year", cohort="cohort")
    a = res.wild_bootstrap(n_boot=999, seed=1)
    b = res.wild_bootstrap(n_boot=999, seed=1)
    assert a.ci == b.ci and a.pvalue == b.pvalue
    lo, hi = a.ci
    assert lo < a.estimate < hi
    inside = res.wild_bootstrap(n_boot=999, seed=1, null=lo + 0.02 * (hi - lo))
    outside = res.wild_bootstrap(n_boot=999, seed=1, null=lo - 0.02 * (hi - lo))
    assert inside.pvalue > 0.05 >= outside.pvalue
    assert "WCR" in a.summary()
    assert a.plot() is not None
    assert isinstance(a.effect(unit="y units"), Effect)


def test_wcr_coverage_with_few_clusters() -> None:
    hits = []
    for s in range(40):
        df = panel(n_units=18, seed=200 + s, effect=0.5)
        res = twfe(df, outcome="y", unit="unit", time="year", cohort="cohort")
        lo, hi = res.wild_bootstrap(n_boot=199, seed=s).ci
        hits.append(lo <= 0.5 <= hi)
    assert np.mean(hits) >= 0.85


def test_scores_bootstrap_for_imputation() -> None:
    df = panel(n_units=60, seed=9, effect=0.5)
    imp = imputation(df, outcome="y", unit="unit", time="year", cohort="cohort")
    wb = wild_bootstrap_scores(imp.att, imp.cluster_scores[:, 0], outcome="y", n_boot=4999, seed=2)
    assert wb.se == pytest.approx(imp.se)
    assert np.std(wb.draws) == pytest.approx(imp.se, rel=0.05)  # Rademacher: same variance
    lo, hi = wb.ci
    assert lo < imp.att < hi
    assert hi - lo == pytest.approx(2 * 1.96 * imp.se, rel=0.1)
    assert wb.effect(unit="y units").draws_kind == "bootstrap"
    again = wild_bootstrap_scores(
        imp.att, imp.cluster_scores[:, 0], outcome="y", n_boot=4999, seed=2
    )
    assert np.array_equal(again.draws, wb.draws)
    via_method = imp.wild_bootstrap(n_boot=4999, weights="rademacher", seed=2)
    assert np.array_equal(via_method.draws, wb.draws)
