"""Every example in a docstring of src/impact runs and shows what it says (``doctest``).

One test per module that has examples, found by walking the installed package, so a new or
moved module is picked up without editing this file. Examples run from the repository root
(they read ``data/synthetic/``) with a fixed pandas display width and the Agg backend;
examples that draw random numbers pass their seed explicitly, as the package asks. Only
examples that need real MCMC sampling or a rendered report are ``+SKIP``, each with a
comment saying why.
"""

from __future__ import annotations

import doctest
import importlib
import importlib.util
import pkgutil
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import impact

ROOT = Path(__file__).resolve().parents[1]
FLAGS = doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE


def _modules_with_examples() -> list[str]:
    names = []
    for info in pkgutil.walk_packages(impact.__path__, prefix="impact."):
        spec = importlib.util.find_spec(info.name)
        origin = spec.origin if spec else None
        if origin and origin.endswith(".py") and ">>>" in Path(origin).read_text("utf-8"):
            names.append(info.name)
    return sorted(names)


MODULES = _modules_with_examples()


def test_examples_were_found() -> None:
    assert len(MODULES) >= 10, MODULES


# The examples run on data/synthetic/ with its 20 adopting municipalities: the warning is
# expected there and says nothing about the examples.
@pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")
@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    module = importlib.import_module(name)
    with pd.option_context("display.width", 80, "display.max_columns", 20):
        result = doctest.testmod(module, optionflags=FLAGS, report=True)
    plt.close("all")
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples failed in {name}"
