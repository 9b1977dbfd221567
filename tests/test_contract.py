"""The results contract (impact.results), checked over every public class.

A roster of the public names of :mod:`impact`, :mod:`impact.did`, :mod:`impact.bayes` and
:mod:`impact.cba`: every class is a :class:`~impact.results.Result`, a
:class:`~impact.results.Diagnostic`, or named below as not a result (with the reason), so a
new class cannot skip the contract. Each results class is then built once (tests/contract/)
and its methods are called as a user would.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from contract import bayes as bayes_instances
from contract import cba as cba_instances
from contract import did as did_instances

import impact
import impact.bayes
import impact.cba
import impact.did
import impact.errors
from impact.results import (
    ESTIMATE_COLUMNS,
    HEADLINE_COLUMNS,
    Diagnostic,
    EstimateResult,
    Result,
    compare,
)

#: Public classes that are not results, and why.
NOT_RESULTS: dict[str, str] = {
    "impact.Effect": "the currency between estimation and economics (draws, not a fit)",
    "impact.did.StaggeredPanel": "validated input data, not an output",
    "impact.cba.Programme": "an input: who takes part and what it costs",
    "impact.cba.NonMonetised": "an input: an effect described but not valued",
    "impact.cba.Parameter": "one sourced input value of the economics",
    "impact.cba.DiscountSchedule": "an input: the discount-rate rule",
    "impact.cba.OutcomeRegistry": "an input: the outcomes a parameter set can value",
    "impact.cba.Persistence": "an input: the assumption how long an effect lasts",
}

PACKAGES = (impact, impact.did, impact.bayes, impact.cba)

INSTANCES: dict[type, Callable[[], Any]] = {
    **did_instances.INSTANCES,
    **bayes_instances.INSTANCES,
    **cba_instances.INSTANCES,
}


def public_classes() -> dict[str, type]:
    found: dict[str, type] = {}
    for package in PACKAGES:
        for name in package.__all__:
            obj = getattr(package, name)
            if inspect.isclass(obj) and not issubclass(obj, BaseException):
                found.setdefault(f"{package.__name__}.{name}", obj)
    return found


CLASSES = public_classes()
RESULTS = sorted((name for name, cls in CLASSES.items() if issubclass(cls, Result)), key=str.lower)
DIAGNOSTICS = sorted(
    (name for name, cls in CLASSES.items() if issubclass(cls, Diagnostic)), key=str.lower
)


@pytest.mark.parametrize("name", sorted(CLASSES))
def test_every_public_class_is_in_the_roster(name: str) -> None:
    cls = CLASSES[name]
    if name in NOT_RESULTS:
        assert not issubclass(cls, Result | Diagnostic), f"{name} is listed as not a result"
        return
    assert issubclass(cls, Result | Diagnostic), (
        f"{name} is public but neither an impact.results.Result nor a Diagnostic; make it one "
        "(see impact.results) or list it in NOT_RESULTS with the reason."
    )
    assert cls in INSTANCES, f"{name} has no factory in tests/contract/"


def test_not_results_are_still_public() -> None:
    assert set(NOT_RESULTS) <= set(CLASSES), set(NOT_RESULTS) - set(CLASSES)


def _keyword_only(func: Callable[..., Any], name: str, default: Any) -> None:
    parameter = inspect.signature(func).parameters.get(name)
    assert parameter is not None, f"{func.__qualname__} has no {name!r} parameter"
    assert parameter.kind is inspect.Parameter.KEYWORD_ONLY, (
        f"{func.__qualname__}: {name!r} must be keyword-only"
    )
    assert parameter.default == default, (
        f"{func.__qualname__}: {name!r} defaults to {parameter.default!r}, not {default!r}"
    )


@pytest.mark.parametrize("name", RESULTS)
def test_result_signatures(name: str) -> None:
    cls = CLASSES[name]
    _keyword_only(cls.to_frame, "level", 0.95)
    _keyword_only(cls.conf_int, "level", 0.95)
    _keyword_only(cls.plot, "ax", None)
    if issubclass(cls, EstimateResult):
        _keyword_only(cls.effect, "outcome", None)
        _keyword_only(cls.effect, "seed", None)
        assert "n_draws" in inspect.signature(cls.effect).parameters
        _keyword_only(cls.headline, "level", 0.95)


def _instance(name: str) -> Any:
    return INSTANCES[CLASSES[name]]()


@pytest.mark.parametrize("name", RESULTS + DIAGNOSTICS)
def test_summary_str_and_html(name: str) -> None:
    obj = _instance(name)
    text = obj.summary()
    assert isinstance(text, str) and text.strip()
    assert str(obj) == text
    page = obj._repr_html_()
    assert page.startswith("<div") and "<pre>" in page


@pytest.mark.parametrize("name", DIAGNOSTICS)
def test_diagnostic_to_frame(name: str) -> None:
    frame = _instance(name).to_frame()
    assert isinstance(frame, pd.DataFrame) and len(frame.columns)


@pytest.mark.parametrize("name", RESULTS)
def test_to_frame_vocabulary_and_level(name: str) -> None:
    obj = _instance(name)
    wide = obj.to_frame()
    assert isinstance(wide, pd.DataFrame) and len(wide) > 0
    missing = [c for c in ESTIMATE_COLUMNS if c not in wide.columns]
    assert not missing, f"{name}.to_frame() lacks {missing}; columns: {list(wide.columns)}"
    positions = [list(wide.columns).index(c) for c in ESTIMATE_COLUMNS]
    assert positions == sorted(positions), f"{name}: {ESTIMATE_COLUMNS} out of order"
    pd.testing.assert_frame_equal(obj.to_frame(level=0.95), wide)
    narrow = obj.to_frame(level=0.5)
    assert list(narrow.columns) == list(wide.columns)
    np.testing.assert_allclose(narrow["estimate"], wide["estimate"], equal_nan=True)
    finite = np.isfinite(wide[["ci_lower", "ci_upper"]].to_numpy(float)).all(axis=1)
    finite &= (wide["ci_upper"] - wide["ci_lower"]).to_numpy(float) > 0
    assert finite.any(), f"{name}: no finite, non-degenerate interval to compare"
    width_wide = (wide["ci_upper"] - wide["ci_lower"]).to_numpy(float)[finite]
    width_narrow = (narrow["ci_upper"] - narrow["ci_lower"]).to_numpy(float)[finite]
    assert np.all(width_narrow < width_wide), f"{name}: a 50 % interval is not narrower"
    inside = (narrow["ci_lower"] >= wide["ci_lower"] - 1e-12) & (
        narrow["ci_upper"] <= wide["ci_upper"] + 1e-12
    )
    assert inside[finite].all()
    ci = obj.conf_int(level=0.5)
    np.testing.assert_allclose(ci["ci_lower"], narrow["ci_lower"], equal_nan=True)
    with pytest.raises(impact.errors.ImpactError, match="level"):
        obj.to_frame(level=95)


@pytest.mark.parametrize("name", RESULTS)
def test_plot_draws_on_the_given_axes(name: str) -> None:
    obj = _instance(name)
    fig, ax = plt.subplots()
    try:
        returned = obj.plot(ax=ax)
        assert returned is ax, f"{name}.plot(ax=ax) did not draw on and return ax"
        assert ax.has_data()
        own = obj.plot()
        assert own is not ax and hasattr(own, "figure")
        plt.close(own.figure)
    finally:
        plt.close(fig)


ESTIMATES = [n for n in RESULTS if issubclass(CLASSES[n], EstimateResult)]


@pytest.mark.parametrize("name", ESTIMATES)
def test_effect_and_headline(name: str) -> None:
    obj = _instance(name)
    head = obj.headline()
    assert list(head.index) == list(HEADLINE_COLUMNS)
    assert head["ci_lower"] <= head["estimate"] <= head["ci_upper"]
    narrow = obj.headline(level=0.5)
    assert narrow["ci_upper"] - narrow["ci_lower"] < head["ci_upper"] - head["ci_lower"]
    effect = obj.effect(n_draws=500, seed=1)
    assert isinstance(effect, impact.Effect)
    assert effect.outcome == head["outcome"], "effect() without outcome= names another outcome"
    again = obj.effect(n_draws=500, seed=1)
    np.testing.assert_array_equal(again.draws, effect.draws)
    assert obj.effect(outcome="renamed", n_draws=500, seed=1).outcome == "renamed"


def test_compare_puts_every_estimate_side_by_side() -> None:
    objs = [_instance(n) for n in ESTIMATES]
    table = compare(*objs, level=0.9)
    assert list(table.columns) == list(HEADLINE_COLUMNS)
    assert len(table) == len(objs)
    assert (table["level"] == 0.9).all()
    with pytest.raises(impact.errors.ImpactError, match="compare"):
        compare(impact.Effect.point_mass(0.1, outcome="y"))
    with pytest.raises(impact.errors.ImpactError, match="labels"):
        compare(objs[0], labels=["a", "b"])
