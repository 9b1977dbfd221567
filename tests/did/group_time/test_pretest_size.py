"""The default pre-test holds its size with few clusters (issue 13 part 3).

The full benchmark (500 draws per design) is ``benchmarks/did_pretest_size.py``; this is a
small seeded version of its worst design: 40 clusters, 15 restrictions.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.special import chdtrc

from impact.did import att_gt
from impact.errors import OptionError


def _clustered(rng: np.random.Generator, n_clusters: int = 40, per: int = 30, k: int = 5):  # type: ignore[no-untyped-def]
    """Persons in clusters, half never treated, the rest enrolling in k cohorts; no effect."""
    n, n_t = n_clusters * per, k + 3
    cluster = np.repeat(np.arange(n_clusters), per)
    g = rng.choice(np.r_[0, np.arange(3, 3 + k)], size=n, p=np.r_[0.5, np.full(k, 0.5 / k)])
    y = (
        rng.normal(size=(n, 1))
        + 0.5 * rng.normal(size=(n_clusters, n_t))[cluster]
        + rng.normal(size=(n, n_t))
    )
    return pd.DataFrame(
        {"id": np.repeat(np.arange(n), n_t), "t": np.tile(np.arange(1, n_t + 1), n),
         "g": np.repeat(g, n_t), "c": np.repeat(cluster, n_t), "y": y.ravel()}
    )  # fmt: skip


def _fit(df: pd.DataFrame, **kw: object):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return att_gt(df, outcome="y", unit="id", time="t", cohort="g", cluster="c", **kw)  # type: ignore[arg-type]


def test_the_default_holds_its_size_where_the_chi_square_over_rejects() -> None:
    rng = np.random.default_rng(13)
    reject = {"default": 0, "chi2": 0}
    reps = 60
    for _ in range(reps):
        test = _fit(_clustered(rng)).pretest  # the chi-square p-value from the same W
        assert test.df == 15 and test.method == "cohort_hotelling"
        reject["default"] += test.p_value < 0.05
        reject["chi2"] += chdtrc(test.df, test.statistic) < 0.05
    assert reject["chi2"] / reps > 0.25  # the size-distorting design (46 % at 500 draws)
    assert reject["default"] / reps <= 0.12  # 5.6 % in 500 draws (benchmarks/)


def test_method_is_reported_and_q_at_least_g_is_explained() -> None:
    df = _clustered(np.random.default_rng(1))
    res = _fit(df)
    assert res.pretest.method == "cohort_hotelling" and "Bonferroni" in res.pretest.summary()
    test = res.pretest_with("hotelling")
    assert test.method == "hotelling" and test.n_clusters == 40 and test.df_denominator == 25
    assert "Hotelling" in test.summary()
    frame = test.to_frame()
    assert {"statistic", "df", "p_value", "note", "method", "df_denominator"} <= set(frame)
    chi = _fit(df, pretest_method="chi2").pretest
    assert chi.method == "chi2" and chi.statistic == test.statistic
    assert chi.p_value == chdtrc(test.df, test.statistic) < test.p_value
    small = _fit(df[df["c"] < 12])  # 12 clusters, 15 restrictions
    few = small.pretest_with("hotelling")
    assert np.isnan(few.p_value) and "15 restrictions but 12 clusters" in few.note
    assert np.isfinite(small.pretest.p_value)  # per cohort: at most 5 cells on 12 clusters


def test_a_cohort_in_a_few_clusters_is_not_tested_on_all_of_them() -> None:
    """Sites adopt, persons are observed: each cohort's block rests on its own clusters.

    40 clusters, four cohorts of 5 clusters each: the joint Hotelling (F on 40 clusters)
    rejects a true null in 41 % of 500 draws and is flagged; the per-cohort default uses
    each cohort's 5 clusters (conservative there: 0.8 %). With 2 clusters per cohort and 2
    cells the covariance block is singular and every method refuses, saying why.
    """
    df = _clustered(np.random.default_rng(2), k=4)
    df["g"] = np.r_[np.zeros(20), 3 + np.arange(20) % 4][df["c"].to_numpy()]
    res = _fit(df)
    assert np.isfinite(res.pretest.p_value) and res.pretest.note == ""
    assert 4 < res.pretest.df_denominator + 4 <= 5  # G_g - q_g with G_g <= 5 clusters
    joint = res.pretest_with("hotelling")
    assert "unreliable" in joint.note and "treated clusters" in joint.note
    df["g"] = np.r_[np.zeros(30), 3 + np.arange(10) % 4][df["c"].to_numpy()]
    for method in ("cohort_hotelling", "hotelling", "chi2"):
        refused = _fit(df, pretest_method=method).pretest
        assert np.isnan(refused.p_value) and "treated clusters" in refused.note
    with pytest.raises(OptionError, match="pretest_method"):
        _fit(df, pretest_method="wald")
