"""Bad inputs over every public DiD entry point (issue 10): impact's own errors, naming the key.

Each case builds a small valid panel, spoils one thing and asserts the exception class (from
:mod:`impact.errors`) and that the message names the column or option (and the value where
one is shown). The same spoiled panel must get the same verdict from every estimator that
reads the spoiled column.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from impact.did import (
    att_gt,
    event_study,
    imputation,
    randomization_test,
    twfe,
    twfe_weights,
    wild_bootstrap_scores,
    wild_cluster_bootstrap,
)
from impact.errors import DataError, DesignError, ImpactError, ImpactWarning, OptionError

KW = {"outcome": "y", "unit": "id", "time": "t", "cohort": "g"}


def panel(n_units: int = 80, n_t: int = 6, seed: int = 0, cohorts=(0, 3, 4)) -> pd.DataFrame:
    """Balanced panel: y = a_i + b_t + 0.5 D + noise; cohorts drawn from ``cohorts``; 16 clusters."""
    rng = np.random.default_rng(seed)
    g = np.asarray(cohorts, dtype=float)[np.arange(n_units) % len(cohorts)]
    t = np.arange(1, n_t + 1)
    df = pd.DataFrame(
        {
            "id": np.repeat(np.arange(n_units), n_t),
            "t": np.tile(t, n_units),
            "g": np.repeat(g, n_t),
            "cl": np.repeat(np.arange(n_units) % 16, n_t),
        }
    )
    d = (df["g"] > 0) & (df["t"] >= df["g"])
    a = np.repeat(rng.normal(size=n_units), n_t)
    df["y"] = a + 0.1 * df["t"] + 0.5 * d + rng.normal(size=len(df))
    df["w"] = 1.0 + np.repeat(rng.uniform(size=n_units), n_t)
    df["x"] = rng.normal(size=len(df))
    df["d"] = d.astype(float)
    return df


def _att_gt(df: pd.DataFrame, **kw: Any) -> Any:
    return att_gt(df, **{**KW, **kw})


def _twfe(df: pd.DataFrame, **kw: Any) -> Any:
    return twfe(df, **{**KW, **kw})


def _event_study(df: pd.DataFrame, **kw: Any) -> Any:
    return event_study(df, **{**KW, **kw})


def _imputation(df: pd.DataFrame, **kw: Any) -> Any:
    return imputation(df, **{**KW, **kw})


def _randomization(df: pd.DataFrame, **kw: Any) -> Any:
    return randomization_test(df, **{**KW, "n_perm": 19, "seed": 1, **kw})


def _twfe_weights(df: pd.DataFrame, **kw: Any) -> Any:
    kw = {**KW, **kw}
    for k in ("n_boot", "seed", "alpha"):
        kw.pop(k, None)
    return twfe_weights(df, **kw)


def _twfe_wild(df: pd.DataFrame, **kw: Any) -> Any:
    opts = {k: kw.pop(k) for k in ("n_boot", "seed", "alpha") if k in kw}
    opts.setdefault("n_boot", 99)
    return twfe(df, **{**KW, **kw}).wild_bootstrap(**opts)


ESTIMATORS: dict[str, Callable[..., Any]] = {
    "att_gt": _att_gt,
    "twfe": _twfe,
    "event_study": _event_study,
    "imputation": _imputation,
    "randomization_test": _randomization,
    "twfe_weights": _twfe_weights,
    "twfe.wild_bootstrap": _twfe_wild,
}
WITH_ALPHA = ["att_gt", "twfe", "event_study", "imputation", "twfe.wild_bootstrap"]
WITH_SEED = ["att_gt", "randomization_test", "twfe.wild_bootstrap"]


def spoil_cohort(value: float) -> Callable[[pd.DataFrame], pd.DataFrame]:
    def f(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df.loc[df["id"] == 1, "g"] = value
        return df

    return f


def spoil(column: str, value: Any, rows: slice | None = None) -> Callable[[pd.DataFrame], Any]:
    def f(df: pd.DataFrame) -> pd.DataFrame:
        df = df.copy()
        df[column] = df[column].astype(object if isinstance(value, str) else float)
        df.loc[df.index[3 if rows is None else rows], column] = value
        return df

    return f


# (case id, how to spoil the panel, extra keyword arguments, error class, words the message names)
DATA_CASES: list[tuple[str, Callable[[pd.DataFrame], Any], dict[str, Any], type, list[str]]] = [
    ("negative cohort", spoil_cohort(-1), {}, DataError, ["'g'", "negative", "-1"]),
    ("fractional cohort", spoil_cohort(3.5), {}, DataError, ["'g'", "fractional", "3.5"]),
    ("infinite cohort", spoil_cohort(np.inf), {}, DataError, ["'g'", "infinite"]),
    ("nan outcome", spoil("y", np.nan), {}, DataError, ["'y'", "missing or infinite"]),
    ("inf outcome", spoil("y", np.inf), {}, DataError, ["'y'", "missing or infinite"]),
    ("text outcome", spoil("y", "abc"), {}, DataError, ["'y'", "dtype"]),
    ("nan time", spoil("t", np.nan), {}, DataError, ["'t'", "missing"]),
    ("fractional time", spoil("t", 2.5), {}, DataError, ["'t'", "integer periods"]),
    ("nan unit", spoil("id", np.nan), {}, DataError, ["'id'", "missing"]),
    ("nan weights", spoil("w", np.nan), {"weights": "w"}, DataError, ["'w'", "weights"]),
    ("negative weights", spoil("w", -1.0), {"weights": "w"}, DataError, ["'w'", "positive"]),
    ("nan cluster", spoil("cl", np.nan), {"cluster": "cl"}, DataError, ["'cl'", "missing"]),
    ("nan covariate", spoil("x", np.nan), {"covariates": ["x"]}, DataError, ["'x'", "missing"]),
    ("single cluster", lambda df: df.assign(cl=1), {"cluster": "cl"}, DesignError,
     ["'cl'", "single cluster"]),
    ("missing column", lambda df: df, {"outcome": "nope"}, DataError, ["outcome='nope'"]),
    ("list as outcome", lambda df: df, {"outcome": ["y"]}, OptionError, ["outcome", "'y'"]),
    ("number as unit", lambda df: df, {"unit": 3}, OptionError, ["unit", "3"]),
    ("duplicate column names", lambda df: pd.concat([df, df[["y"]]], axis=1), {}, OptionError,
     ["duplicate column names", "'y'"]),
    ("not a frame", lambda df: df.to_numpy(), {}, OptionError, ["data", "ndarray"]),
    ("empty frame", lambda df: df.iloc[:0], {}, DataError, ["no rows"]),
    ("duplicate unit-period rows", lambda df: pd.concat([df, df.iloc[:1]]), {}, DataError,
     ["id", "t"]),
    ("cohort varies within unit", spoil("g", 5.0), {}, DataError, ["'g'"]),
]  # fmt: skip

# estimators that do not read a column are not asked about it
SKIP = {
    ("twfe_weights", "nan outcome"),
    ("twfe_weights", "inf outcome"),
    ("twfe_weights", "text outcome"),
    ("twfe_weights", "nan cluster"),
    ("twfe_weights", "nan covariate"),
    ("twfe_weights", "single cluster"),
}


def _kwargs_for(name: str, extra: dict[str, Any]) -> dict[str, Any]:
    if name == "twfe_weights":
        extra = {k: v for k, v in extra.items() if k not in ("cluster", "covariates")}
    return extra


@pytest.mark.parametrize("name", list(ESTIMATORS))
@pytest.mark.parametrize(
    ("case", "make", "extra", "error", "words"), DATA_CASES, ids=[c[0] for c in DATA_CASES]
)
def test_bad_data_same_verdict_everywhere(
    name: str,
    case: str,
    make: Callable[[pd.DataFrame], Any],
    extra: dict[str, Any],
    error: type,
    words: list[str],
) -> None:
    if (name, case) in SKIP:
        pytest.skip(f"{name} does not read the column spoiled by {case!r}")
    data = make(panel())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactWarning)
        with pytest.raises(error) as err:
            ESTIMATORS[name](data, **_kwargs_for(name, extra))
    assert isinstance(err.value, ImpactError)
    for w in words:
        assert w in str(err.value), f"{name}: {w!r} not in {err.value}"


OPTION_CASES: list[tuple[str, dict[str, Any], list[str], list[str]]] = [
    ("alpha 1.5", {"alpha": 1.5}, ["alpha=1.5"], WITH_ALPHA),
    ("alpha 2", {"alpha": 2}, ["alpha=2"], WITH_ALPHA),
    ("alpha -0.1", {"alpha": -0.1}, ["alpha=-0.1"], WITH_ALPHA),
    ("alpha text", {"alpha": "0.05"}, ["alpha='0.05'"], WITH_ALPHA),
    ("seed text", {"seed": "abc"}, ["seed='abc'"], WITH_SEED),
    ("seed negative", {"seed": -3}, ["seed=-3"], WITH_SEED),
    ("n_boot 0", {"n_boot": 0}, ["n_boot=0"], ["att_gt", "twfe.wild_bootstrap"]),
    ("n_boot fraction", {"n_boot": 9.5}, ["n_boot=9.5"], ["att_gt", "twfe.wild_bootstrap"]),
    ("anticipation -1", {"anticipation": -1}, ["anticipation=-1"], ["att_gt"]),
    ("pretrends -1", {"pretrends": -1}, ["pretrends=-1"], ["imputation"]),
    ("horizons -1", {"horizons": [-1]}, ["horizons"], ["imputation"]),
    ("leads 0", {"leads": 0}, ["leads=0"], ["event_study"]),
    ("lags -1", {"lags": -1}, ["lags=-1"], ["event_study"]),
    ("n_perm 0", {"n_perm": 0}, ["n_perm=0"], ["randomization_test"]),
    ("null nan", {"null": float("nan")}, ["null=nan"], ["randomization_test"]),
    ("statistic", {"statistic": "median"}, ["statistic='median'"], ["randomization_test"]),
    ("covariates twice", {"covariates": ["x", "x"]}, ["covariates", "twice"],
     ["att_gt", "twfe", "event_study", "imputation", "randomization_test"]),
]  # fmt: skip


@pytest.mark.parametrize(
    ("case", "extra", "words", "names"), OPTION_CASES, ids=[c[0] for c in OPTION_CASES]
)
def test_bad_options_raise_option_error(
    case: str, extra: dict[str, Any], words: list[str], names: list[str]
) -> None:
    data = panel()
    for name in names:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ImpactWarning)
            with pytest.raises(OptionError) as err:
                ESTIMATORS[name](data, **extra)
        for w in words:
            assert w in str(err.value), f"{name}: {w!r} not in {err.value}"


def test_options_are_checked_before_the_data() -> None:
    """A bad option is reported even when the data are bad too (no work is done first)."""
    bad = panel().assign(y=np.nan)
    for name in ["att_gt", "twfe", "event_study", "imputation"]:
        with pytest.raises(OptionError, match="alpha"):
            ESTIMATORS[name](bad, alpha=3)


# -- cohorts outside the panel: one policy -------------------------------------------------
@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_cohort_after_last_period_is_never_treated_with_a_warning(name: str) -> None:
    df = spoil_cohort(99)(panel())
    with pytest.warns(ImpactWarning, match=r"after the last period 6.*never-treated"):
        ESTIMATORS[name](df)


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_cohort_in_first_period_is_dropped_with_a_warning(name: str) -> None:
    df = spoil_cohort(1)(panel())
    with pytest.warns(ImpactWarning, match=r"treated in or before the first period 1"):
        ESTIMATORS[name](df)


def test_fractional_cohort_is_not_truncated() -> None:
    """twfe truncated 3.5 to 3 (a silent wrong answer); att_gt built a cohort 3.5."""
    df = panel().assign(g=lambda d: d["g"].where(d["g"] != 3, 3.5))
    for name in ESTIMATORS:
        with pytest.raises(DataError, match="fractional"):
            ESTIMATORS[name](df)


def test_treatment_disagreeing_with_cohort_names_a_unit() -> None:
    df = panel()
    df.loc[(df["id"] == 1) & (df["t"] == 2), "d"] = 1.0  # unit 1 (cohort 3) treated at 2
    with pytest.raises(DataError, match=r"'d' and 'g' disagree.*id=1"):
        twfe(df, **KW, treatment="d")


def test_nan_treatment_is_refused() -> None:
    df = panel()
    df.loc[3, "d"] = np.nan
    with pytest.raises(DataError, match=r"'d' \(treatment\)"):
        twfe(df, outcome="y", unit="id", time="t", treatment="d")


# -- specific entry points ---------------------------------------------------------------------
def test_single_cluster_is_a_design_error_not_a_tiny_se() -> None:
    """imputation returned SE 6.7e-17 and att_gt NaN SEs with a single cluster."""
    df = panel().assign(cl=1)
    for fn in (imputation, att_gt, twfe, event_study):
        with pytest.raises(DesignError, match="single cluster"):
            fn(df, **KW, cluster="cl")


def test_event_study_without_treated_units() -> None:
    with pytest.raises(DesignError, match="No unit is treated"):
        event_study(panel().assign(g=0.0), **KW)


def test_wild_cluster_bootstrap_bad_inputs() -> None:
    df = panel()
    kw = {"outcome": "y", "regressors": ["d", "x"], "cluster": "cl", "n_boot": 99, "seed": 1}
    nan_y = df.assign(y=df["y"].where(df.index != 5))
    with pytest.raises(DataError, match=r"'y' \(outcome\) has 1 missing"):  # was p = 0.0
        wild_cluster_bootstrap(nan_y, **kw)
    with pytest.raises(DataError, match=r"'x' \(regressor\)"):
        wild_cluster_bootstrap(df.assign(x=np.inf), **kw)
    for bad, word in (
        ({"n_boot": 0}, "n_boot=0"),  # was p NaN, CI (-inf, inf)
        ({"alpha": 1.5}, "alpha=1.5"),
        ({"seed": "abc"}, "seed='abc'"),
        ({"weights": "normal"}, "weights='normal'"),
        ({"coef": "z"}, "coef='z'"),
        ({"regressors": "d"}, None),  # one name is fine
        ({"outcome": ["y"]}, "outcome"),
        ({"null": float("inf")}, "null=inf"),
    ):
        if word is None:
            wild_cluster_bootstrap(df, **{**kw, **bad})
            continue
        with pytest.raises(OptionError, match=word):
            wild_cluster_bootstrap(df, **{**kw, **bad})
    with pytest.raises(DesignError, match="single cluster"):
        wild_cluster_bootstrap(df.assign(cl=0), **kw)
    with pytest.raises(DataError, match="regressors='zz'"):
        wild_cluster_bootstrap(df, **{**kw, "regressors": ["zz"]})


def test_wild_bootstrap_scores_bad_inputs() -> None:
    s = np.array([0.1, -0.2, 0.05, 0.3])
    with pytest.raises(OptionError, match="n_boot=0"):
        wild_bootstrap_scores(0.5, s, outcome="y", n_boot=0)
    with pytest.raises(OptionError, match="alpha=2"):
        wild_bootstrap_scores(0.5, s, outcome="y", alpha=2)
    with pytest.raises(OptionError, match="seed='abc'"):
        wild_bootstrap_scores(0.5, s, outcome="y", seed="abc")
    with pytest.raises(DataError, match="estimate=nan"):
        wild_bootstrap_scores(float("nan"), s, outcome="y")
    with pytest.raises(DataError, match="cluster_scores has 1 missing"):
        wild_bootstrap_scores(0.5, np.array([0.1, np.nan, 0.2]), outcome="y")
    with pytest.raises(DesignError, match="at least two"):
        wild_bootstrap_scores(0.5, np.array([0.1]), outcome="y")
    with pytest.raises(DesignError, match="all zero"):
        wild_bootstrap_scores(0.5, np.zeros(5), outcome="y")


def saturated() -> pd.DataFrame:
    """Two units, two periods, one treated in period 2: every parameter fits one cell."""
    return pd.DataFrame(
        {"id": [1, 1, 2, 2], "t": [1, 2, 1, 2], "g": [0, 0, 2, 2], "y": [1.0, 1.3, 0.2, 1.9]}
    )


@pytest.mark.parametrize("fn", [twfe, event_study])
def test_zero_residual_degrees_of_freedom_is_refused(fn: Callable[..., Any]) -> None:
    """The saturated 2 x 2 panel reported SEs of about 1e-15 without a word."""
    df = pd.concat([saturated(), saturated().assign(id=lambda d: d["id"] + 2)])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactWarning)
        with pytest.raises(DesignError, match="(Zero residual degrees of freedom|fitted exactly)"):
            fn(df, **KW)


def test_imputation_unestimable_se_is_nan_with_a_warning() -> None:
    """A noiseless panel: imputation's SE was ~1e-17; now NaN, naming what is not estimable."""
    df = panel(n_units=40)
    d = (df["g"] > 0) & (df["t"] >= df["g"])
    df["y"] = df["id"] * 0.1 + 0.2 * df["t"] + 0.5 * d  # no noise, homogeneous effect
    with pytest.warns(ImpactWarning, match="overall ATT.*cannot be estimated"):
        res = imputation(df, **KW)
    assert res.att == pytest.approx(0.5, abs=1e-10)
    assert np.isnan(res.se)
    assert res.table["se"].isna().all()


def test_att_gt_cohort_from_table_types() -> None:
    """Column arguments and data checks apply to the repeated cross-section path too."""
    df = panel()
    with pytest.raises(DataError, match="fractional"):
        att_gt(spoil_cohort(3.5)(df), **{**KW, "unit": None}, panel=False)
    with pytest.raises(DesignError, match="single cluster"):
        att_gt(df.assign(cl=1), **{**KW, "unit": None}, panel=False, cluster="cl")
    with pytest.raises(OptionError, match="outcome"):
        att_gt(df, **{**KW, "outcome": ["y"]}, allow_unbalanced_panel=True)
