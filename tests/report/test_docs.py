"""The examples in impact.report's docstrings run and give what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = ["formatting", "disclosure", "rendering", "tables", "text", "qmd", "figures"]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str) -> None:
    module = importlib.import_module(f"impact.report.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


def test_public_names_are_documented() -> None:
    import impact.report as report

    for name in report.__all__:
        obj = getattr(report, name)
        assert obj.__doc__ and len(obj.__doc__.strip()) > 20, name
