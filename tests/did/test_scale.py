"""Scale-free numerics (issue 10): multiplying the outcome by c multiplies every estimate and SE by c.

Before, an absolute cut-off ``se > 10 sqrt(eps)`` in att_gt (cells and aggregations) turned
SEs of an outcome measured in small units into NaN, silently.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from impact.did import att_gt, event_study, imputation, twfe
from impact.errors import ImpactWarning

KW = {"outcome": "y", "unit": "id", "time": "t", "cohort": "g"}
FACTORS = [1e-6, 1e6]


def scale_panel(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    n, n_t = 120, 7
    g = np.array([0.0, 4.0, 5.0, 6.0])[np.arange(n) % 4]
    df = pd.DataFrame({"id": np.repeat(np.arange(n), n_t), "t": np.tile(np.arange(1, n_t + 1), n)})
    df["g"] = np.repeat(g, n_t)
    d = (df["g"] > 0) & (df["t"] >= df["g"])
    df["y"] = np.repeat(rng.normal(size=n), n_t) + 0.2 * df["t"] + 0.3 * d
    df["y"] += rng.normal(scale=0.5, size=len(df))
    df["cl"] = df["id"] % 40
    return df


def numbers_of(fn: Callable[[pd.DataFrame], Any], df: pd.DataFrame) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactWarning)
        return np.asarray(fn(df), dtype=float)


def _att_gt(df: pd.DataFrame, **kw: Any) -> np.ndarray:
    res = att_gt(df, **KW, **kw)
    parts = [res.table["att"], res.table["se"]]
    for kind in ("simple", "dynamic", "group", "calendar"):
        agg = res.aggregate(kind)
        parts += [[agg.att, agg.se], agg.table["att"], agg.table["se"]]
    return np.concatenate([np.asarray(p, dtype=float) for p in parts])


def _att_gt_boot(df: pd.DataFrame) -> np.ndarray:
    res = att_gt(df, **KW, n_boot=199, seed=4)
    agg = res.aggregate("dynamic")
    return np.concatenate([res.table["se"], agg.table["se"], [agg.se]])


def _twfe(df: pd.DataFrame) -> np.ndarray:
    r = twfe(df, **KW, cluster="cl")
    return np.array([r.estimate, r.se, *r.ci])


def _event_study(df: pd.DataFrame) -> np.ndarray:
    t = event_study(df, **KW, cluster="cl").table
    return np.concatenate([t["estimate"], t["se"]])


def _imputation(df: pd.DataFrame) -> np.ndarray:
    r = imputation(df, **KW, pretrends=2)
    assert r.pretrend is not None
    return np.concatenate(
        [[r.att, r.se], r.table["estimate"], r.table["se"], r.pretrend.table["se"]]
    )


def _wild(df: pd.DataFrame) -> np.ndarray:
    r = twfe(df, **KW, cluster="cl").wild_bootstrap(n_boot=199, seed=5)
    return np.array([r.estimate, r.se, *r.ci])


CASES = {
    "att_gt": _att_gt,
    "att_gt universal": lambda df: _att_gt(df, base_period="universal"),
    "att_gt not_yet_treated": lambda df: _att_gt(df, control_group="not_yet_treated"),
    "att_gt repeated cross-sections": lambda df: _att_gt(
        df.assign(id=np.arange(len(df))), panel=False
    ),
    "att_gt bootstrap": _att_gt_boot,
    "twfe": _twfe,
    "event_study": _event_study,
    "imputation": _imputation,
    "twfe wild bootstrap": _wild,
}


@pytest.mark.parametrize("factor", FACTORS)
@pytest.mark.parametrize("name", list(CASES))
def test_estimates_and_ses_scale_with_the_outcome(name: str, factor: float) -> None:
    df = scale_panel()
    base = numbers_of(CASES[name], df)
    scaled = numbers_of(CASES[name], df.assign(y=df["y"] * factor))
    assert np.array_equal(np.isnan(base), np.isnan(scaled)), "NaN pattern changed with the scale"
    ok = ~np.isnan(base)
    np.testing.assert_allclose(scaled[ok], factor * base[ok], rtol=1e-6, atol=0)


def test_pretest_scales() -> None:
    df = scale_panel()
    p = [att_gt(df.assign(y=df["y"] * c), **KW).pretest for c in (1.0, 1e-6, 1e6)]
    assert np.isfinite(p[0].statistic)
    for q in p[1:]:
        assert q.df == p[0].df
        assert q.statistic == pytest.approx(p[0].statistic, rel=1e-6)
