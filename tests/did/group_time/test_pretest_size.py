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


def test_hotelling_holds_its_size_where_the_chi_square_over_rejects() -> None:
    rng = np.random.default_rng(13)
    reject = {"hotelling": 0, "chi2": 0}
    reps = 60
    for _ in range(reps):
        hot = _fit(_clustered(rng)).pretest  # the chi-square p-value from the same W
        assert hot.df == 15
        reject["hotelling"] += hot.p_value < 0.05
        reject["chi2"] += chdtrc(hot.df, hot.statistic) < 0.05
    assert reject["chi2"] / reps > 0.25  # the size-distorting design (about 45 % at 500 draws)
    assert reject["hotelling"] / reps <= 0.12  # about 7 % at 500 draws


def test_method_is_reported_and_q_at_least_g_is_explained() -> None:
    df = _clustered(np.random.default_rng(1))
    res = _fit(df)
    test = res.pretest
    assert test.method == "hotelling" and test.n_clusters == 40 and test.df_denominator == 25
    assert "Hotelling" in test.summary()
    frame = test.to_frame()
    assert {"statistic", "df", "p_value", "note", "method", "df_denominator"} <= set(frame)
    chi = _fit(df, pretest_method="chi2").pretest
    assert chi.method == "chi2" and chi.statistic == test.statistic
    assert chi.p_value == chdtrc(test.df, test.statistic) < test.p_value
    small = df[df["c"] < 12]  # 12 clusters, 15 restrictions
    few = _fit(small).pretest
    assert np.isnan(few.p_value) and "15 restrictions but 12 clusters" in few.note
    with pytest.raises(OptionError, match="pretest_method"):
        _fit(df, pretest_method="wald")
