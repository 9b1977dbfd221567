"""Random small panels through every DiD entry point (issue 10).

A valid panel estimates without a non-impact exception (an impact error for a design the
estimator cannot handle is allowed: it names what is wrong); a spoiled one raises an
impact error. Seeded numpy draws always run; the hypothesis version runs where hypothesis
is installed (``pip install -e .[dev]``).
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from impact.did import att_gt, event_study, imputation, randomization_test, twfe, twfe_weights
from impact.errors import ImpactError, ImpactWarning

KW = {"outcome": "y", "unit": "id", "time": "t", "cohort": "g"}


def random_panel(rng: np.random.Generator) -> pd.DataFrame:
    n = int(rng.integers(2, 13))
    n_t = int(rng.integers(2, 6))
    t0 = int(rng.integers(-3, 2020))
    choices = np.concatenate([[0.0], t0 + np.arange(-1, n_t + 2, dtype=float)])
    g = rng.choice(choices, size=n)
    df = pd.DataFrame({"id": np.repeat(np.arange(n), n_t), "t": np.tile(t0 + np.arange(n_t), n)})
    df["g"] = np.repeat(g, n_t)
    df["y"] = rng.normal(size=len(df)) * 10.0 ** float(rng.integers(-8, 8))
    df["cl"] = df["id"] % int(rng.integers(1, 4))
    if rng.random() < 0.3:  # unbalanced
        df = df.drop(index=rng.choice(df.index, size=max(1, len(df) // 5), replace=False))
    return df


def spoiled(df: pd.DataFrame, rng: np.random.Generator) -> tuple[pd.DataFrame, dict[str, Any]]:
    df = df.copy()
    i = df.index[int(rng.integers(len(df)))]
    how = int(rng.integers(6))
    if how == 0:
        df.loc[i, "y"] = np.nan
    elif how == 1:
        df["g"] = df["g"].where(df["id"] != df.loc[i, "id"], -2.0)
    elif how == 2:
        df["g"] = df["g"].where(df["id"] != df.loc[i, "id"], df.loc[i, "t"] + 0.5)
    elif how == 3:
        df["t"] = df["t"].astype(float)
        df.loc[i, "t"] = np.inf
    elif how == 4:
        return df, {"alpha": float(rng.choice([0.0, 1.0, 1.5, -0.1]))}
    else:
        return df, {"outcome": ["y"]}
    return df, {}


CALLS = {
    "att_gt": lambda df, **kw: att_gt(df, **{**KW, **kw}),
    "att_gt_unbalanced": lambda df, **kw: att_gt(df, **{**KW, **kw}, allow_unbalanced_panel=True),
    "twfe": lambda df, **kw: twfe(df, **{**KW, **kw}),
    "event_study": lambda df, **kw: event_study(df, **{**KW, **kw}),
    "imputation": lambda df, **kw: imputation(df, **{**KW, **kw}),
    "randomization_test": lambda df, **kw: randomization_test(
        df, **{**KW, **{k: v for k, v in kw.items() if k != "alpha"}}, n_perm=9, seed=1
    ),
    "twfe_weights": lambda df, **kw: twfe_weights(
        df, **{**KW, **{k: v for k, v in kw.items() if k != "alpha"}}
    ),
}


def run(name: str, df: pd.DataFrame, **kw: Any) -> str:
    """'ok', or 'impact' for an impact error; anything else propagates (and fails the test)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            CALLS[name](df, **kw)
        except ImpactError:
            return "impact"
    return "ok"


@pytest.mark.parametrize("seed", range(40))
def test_random_valid_panels_raise_only_impact_errors(seed: int) -> None:
    df = random_panel(np.random.default_rng(seed))
    for name in CALLS:
        run(name, df)


@pytest.mark.parametrize("seed", range(40))
def test_random_spoiled_panels_raise_impact_errors(seed: int) -> None:
    rng = np.random.default_rng(1000 + seed)
    df, kw = spoiled(random_panel(rng), rng)
    for name in CALLS:
        if name == "twfe_weights" and "y" in str(kw) + str(df["y"].isna().any()):
            continue  # twfe_weights does not read the outcome unless asked
        if name in ("randomization_test", "twfe_weights") and "alpha" in kw:
            continue
        assert run(name, df, **kw) == "impact", f"{name} accepted a spoiled panel ({kw})"


def test_hypothesis_random_panels() -> None:
    hypothesis = pytest.importorskip("hypothesis")
    st = pytest.importorskip("hypothesis.strategies")

    @hypothesis.settings(max_examples=60, deadline=None)
    @hypothesis.given(st.integers(0, 2**32 - 1), st.booleans())
    def check(seed: int, spoil: bool) -> None:
        rng = np.random.default_rng(seed)
        df = random_panel(rng)
        if not spoil:
            for name in CALLS:
                run(name, df)
            return
        df, kw = spoiled(df, rng)
        for name in ("att_gt", "twfe", "event_study", "imputation"):
            assert run(name, df, **kw) == "impact"

    check()
