"""Bad inputs to impact.bayes get impact's own error naming the key, before any sampling.

Every case raises in input checking, so no model is compiled or sampled (issue 10).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import polars as pl
import pytest

from impact.bayes import hierarchical_did, partial_pooling
from impact.bayes.cells import build_design
from impact.errors import DataError, ImpactError, OptionError

EST = pd.Series([1.0, 2.0, 3.0], index=["a", "b", "c"])
SE = pd.Series([0.3, 0.1, 0.2], index=["c", "a", "b"])
DESIGN: dict[str, Any] = dict(site="municipality", cohort="adoption_year", covariates=["group"])


def _early(c: pd.DataFrame) -> pd.DataFrame:
    c = c.copy()
    i = c.index[(c["adoption_year"] == 2019) & (c["year"] == 2017)][0]
    c.loc[i, "treated"] = 1
    return c


def _never(c: pd.DataFrame) -> pd.DataFrame:
    c = c.copy()
    c.loc[c.index[c["adoption_year"] == 0][0], "treated"] = 1
    return c


def _varying(c: pd.DataFrame) -> pd.DataFrame:
    c = c.copy()
    c.loc[c.index[c["municipality"] == "m00"][0], "adoption_year"] = 2019
    return c


def _negative(c: pd.DataFrame) -> pd.DataFrame:
    return c.assign(adoption_year=c["adoption_year"].replace(0, -1))


def _fractional(c: pd.DataFrame) -> pd.DataFrame:
    return c.assign(adoption_year=c["adoption_year"].replace(2018, 2018.5))


DATA_CASES: list[tuple[str, Callable[[pd.DataFrame], pd.DataFrame], tuple[str, ...]]] = [
    ("treated before adoption", _early, ("'m04'", "year 2017", "'adoption_year' = 2019")),
    ("treated in never-adopter", _never, ("'m07'", "never adopts", "year 2015")),
    ("adoption varies in site", _varying, ("'m00'", "[2018, 2019]", "adopts once")),
    ("negative cohort", _negative, ("'adoption_year'", "-1", "0 = never")),
    ("fractional cohort", _fractional, ("'adoption_year'", "2018.5")),
]


@pytest.mark.parametrize(
    ("mutate", "keys"), [c[1:] for c in DATA_CASES], ids=[c[0] for c in DATA_CASES]
)
def test_treated_is_checked_against_cohort(tiny_did, mutate, keys) -> None:
    _, cells, _ = tiny_did
    with pytest.raises(DataError) as info:
        hierarchical_did(mutate(cells), **DESIGN)
    for key in keys:
        assert key in str(info.value), str(info.value)


OPTION_CASES: list[tuple[str, dict[str, Any], tuple[str, ...]]] = [
    ("target_accept 1", {"target_accept": 1.0}, ("target_accept=1.0",)),
    ("target_accept 0", {"target_accept": 0}, ("target_accept=0",)),
    ("target_accept text", {"target_accept": "0.9"}, ("target_accept='0.9'",)),
    ("chains 0", {"chains": 0}, ("chains=0",)),
    ("tune -1", {"tune": -1}, ("tune=-1",)),
    ("draws 10.5", {"draws": 10.5}, ("draws=10.5",)),
    ("seed -1", {"seed": -1}, ("seed=-1",)),
    ("seed generator", {"seed": np.random.default_rng(1)}, ("seed=Generator",)),
    ("priors string", {"priors": "tight"}, ("priors='tight'", "effect_sd", "intercept_sd")),
    ("prior string", {"priors": {"effect_sd": "1"}}, ("effect_sd='1'", "time_sd")),
    ("prior vector", {"priors": {"effect_sd": [1, 2]}}, ("effect_sd=[1, 2]", "valid keys")),
    ("prior bool", {"priors": {"time_sd": True}}, ("time_sd=True",)),
    (
        "outcome list",
        {"outcome": ["successes"]},
        ("outcome", "['successes']", "outcome='successes'"),
    ),
    ("site int", {"site": 3}, ("site", "int 3")),
    ("time None", {"time": None}, ("time", "None")),
    ("effect_covariates ints", {"effect_covariates": [1]}, ("effect_covariates", "[1]")),
]


@pytest.mark.parametrize(
    ("options", "keys"), [c[1:] for c in OPTION_CASES], ids=[c[0] for c in OPTION_CASES]
)
def test_hierarchical_did_options_are_checked_first(tiny_did, options, keys) -> None:
    _, cells, _ = tiny_did
    with pytest.raises(OptionError) as info:
        hierarchical_did(cells, **{**DESIGN, **options})
    for key in keys:
        assert key in str(info.value), str(info.value)


def test_options_are_checked_before_the_data(tiny_did) -> None:
    """A bad option is reported even when the data are bad too: nothing is built first."""
    _, cells, _ = tiny_did
    with pytest.raises(OptionError, match="target_accept=1.5"):
        hierarchical_did(_never(cells), **DESIGN, target_accept=1.5)


def test_polars_cells_are_converted(tiny_did) -> None:
    _, cells, _ = tiny_did
    keys = dict(outcome="successes", trials="n", time="year", treated="treated", event_time=None)
    flags = dict(site_effects=True, dynamic=False, compress=True, covariates=["group"])
    pandas_design = build_design(
        cells, site="municipality", cohort="adoption_year", **keys, **flags
    )
    polars_design = build_design(
        pl.from_pandas(cells), site="municipality", cohort="adoption_year", **keys, **flags
    )
    np.testing.assert_array_equal(pandas_design.successes, polars_design.successes)
    assert pandas_design.unit_labels == polars_design.unit_labels


POOLING_CASES: list[tuple[str, Callable[[], object], type[ImpactError], tuple[str, ...]]] = [
    (
        "labels differ",
        lambda: partial_pooling(EST, SE.rename({"c": "d"})),
        DataError,
        ("only in estimates ['c']", "only in std_errors ['d']", "by label"),
    ),
    (
        "sites disagree with index",
        lambda: partial_pooling(EST, SE, sites=["x", "y", "z"]),
        DataError,
        ("sites=['x', 'y', 'z']", "['a', 'b', 'c']"),
    ),
    (
        "duplicate index",
        lambda: partial_pooling(pd.Series([1.0, 2.0], index=["a", "a"]), [1.0, 1.0]),
        DataError,
        ("duplicate site labels ['a']",),
    ),
    (
        "non-finite named by site",
        lambda: partial_pooling([1.0, np.inf], [1.0, 1.0], sites=["Oslo", "Bergen"]),
        DataError,
        ("inf", "site 'Bergen'"),
    ),
    (
        "sites a string",
        lambda: partial_pooling(EST, SE, sites="abc"),
        OptionError,
        ("sites='abc'",),
    ),
    (
        "target_accept",
        lambda: partial_pooling(EST, SE, target_accept=1.5),
        OptionError,
        ("target_accept=1.5",),
    ),
    ("draws", lambda: partial_pooling(EST, SE, draws=0), OptionError, ("draws=0",)),
    ("seed", lambda: partial_pooling(EST, SE, seed="abc"), OptionError, ("seed='abc'",)),  # type: ignore[arg-type]
    (
        "tau_scale text",
        lambda: partial_pooling(EST, SE, tau_scale="1"),
        OptionError,
        ("tau_scale='1'",),
    ),  # type: ignore[arg-type]
    (
        "outcome list",
        lambda: partial_pooling(EST, SE, outcome=["y"]),
        OptionError,
        ("outcome=['y']",),
    ),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(
    ("call", "error", "keys"), [c[1:] for c in POOLING_CASES], ids=[c[0] for c in POOLING_CASES]
)
def test_partial_pooling_bad_inputs(call, error, keys) -> None:
    with pytest.raises(error) as info:
        call()
    for key in keys:
        assert key in str(info.value), str(info.value)


def test_partial_pooling_pairs_series_by_label(mock_pymc_sample) -> None:
    """Standard errors in another order are matched to their site, not their position."""
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = partial_pooling(EST, SE, draws=10, tune=0, chains=1, seed=1)
    assert res.sites == ("a", "b", "c")
    np.testing.assert_array_equal(res.std_errors, [0.1, 0.2, 0.3])
