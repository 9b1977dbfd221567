"""Randomization inference over adoption timing: fast path equals refits, size, power."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from impact.did import twfe
from impact.did.inference.randomization import randomization_test
from impact.errors import DesignError

pytestmark = pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")


def panel(n_units: int = 30, seed: int = 0, effect: float = 0.0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    years = np.arange(2015, 2023)
    g = rng.permutation(np.resize([0, 0, 2018, 2020], n_units))
    df = pd.DataFrame(
        {
            "unit": np.repeat([f"m{i}" for i in range(n_units)], len(years)),
            "year": np.tile(years, n_units),
            "cohort": np.repeat(g, len(years)),
            "county": np.repeat(np.arange(n_units) // 2, len(years)),
        }
    )
    d = (df["cohort"] > 0) & (df["year"] >= df["cohort"])
    df["x"] = rng.normal(size=len(df))
    df["n"] = rng.integers(5, 30, len(df)).astype(float)
    df["y"] = (
        np.repeat(rng.normal(size=n_units), len(years))
        + 0.05 * df["year"]
        + effect * d
        + 0.3 * df["x"]
        + rng.normal(size=len(df))
    )
    return df


def _twfe_coef(df: pd.DataFrame) -> float:
    return twfe(
        df, outcome="y", unit="unit", time="year", cohort="cohort", covariates=["x"], weights="n"
    ).estimate


def test_vectorised_twfe_equals_refitting() -> None:
    df = panel(effect=0.4)
    kw = dict(outcome="y", unit="unit", time="year", cohort="cohort", covariates=["x"], weights="n")
    fast = randomization_test(df, **kw, n_perm=10, seed=3, null=0.1)
    slow = randomization_test(df, **kw, n_perm=10, seed=3, null=0.1, statistic=_twfe_coef)
    np.testing.assert_allclose(fast.draws, slow.draws, atol=1e-10)
    assert fast.pvalue == slow.pvalue
    assert fast.estimate == pytest.approx(_twfe_coef(df), abs=1e-10)


def test_size_and_power() -> None:
    p_null = [
        randomization_test(
            panel(seed=s), outcome="y", unit="unit", time="year", cohort="cohort",
            n_perm=199, seed=s,
        ).pvalue
        for s in range(60)
    ]  # fmt: skip
    assert np.mean(np.array(p_null) <= 0.05) <= 0.12
    assert 0.35 < np.mean(p_null) < 0.65  # roughly uniform under the null
    strong = randomization_test(
        panel(seed=1, effect=2.0), outcome="y", unit="unit", time="year", cohort="cohort",
        n_perm=199, seed=1,
    )  # fmt: skip
    assert strong.pvalue == pytest.approx(1 / 200)
    # the sharp null at the true effect is not rejected
    at_truth = randomization_test(
        panel(seed=1, effect=2.0), outcome="y", unit="unit", time="year", cohort="cohort",
        n_perm=199, seed=1, null=2.0,
    )  # fmt: skip
    assert at_truth.pvalue > 0.05


def test_cluster_level_permutation_and_errors() -> None:
    df = panel()
    with pytest.raises(DesignError, match="vary within cluster"):
        randomization_test(
            df, outcome="y", unit="unit", time="year", cohort="cohort", cluster="county"
        )
    first = df.groupby("county")["cohort"].transform("first")
    same = df.assign(cohort=first)
    before = same.copy(deep=True)
    res = randomization_test(
        same, outcome="y", unit="unit", time="year", cohort="cohort", cluster="county",
        n_perm=20, seed=0, statistic="imputation",
    )  # fmt: skip
    pd.testing.assert_frame_equal(same, before)
    assert res.n_clusters == 15
    assert res.statistic == "imputation"
    assert "permutations" in res.summary()
    assert res.plot() is not None
    again = randomization_test(
        same, outcome="y", unit="unit", time="year", cohort="cohort", cluster="county",
        n_perm=20, seed=0, statistic="imputation",
    )  # fmt: skip
    assert np.array_equal(res.draws, again.draws)
