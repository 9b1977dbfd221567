"""Start-up cost, checked by behaviour (timings live in benchmarks/import_time.py).

Importing the packages must not load the heavy stack, which loads on first use; the lazy
public names must be the ones the stubs declare, resolve, and work with ``import *``.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("linearmodels", "statsmodels", "scipy.stats", "pymc", "pytensor", "arviz", "matplotlib")
LAZY = ("impact", "impact.did", "impact.bayes", "impact.report")


def _run(code: str, *argv: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(SRC), MPLBACKEND="Agg")
    env.pop("EAGER_IMPORT", None)
    proc = subprocess.run(
        [sys.executable, "-c", code, *argv], env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip().splitlines()[-1]


def test_importing_the_packages_loads_no_heavy_library():
    code = (
        "import impact, impact.did, impact.cba, impact.bayes, impact.report; import sys; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert _run(code) == "[]"


def test_att_gt_loads_neither_linearmodels_nor_statsmodels_nor_scipy_stats():
    code = (
        "from impact.did import att_gt; import sys; "
        f"print(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    )
    assert _run(code) == "[]"


def test_cli_help_loads_neither_pandas_nor_the_heavy_stack():
    code = (
        "import atexit, sys; "
        "atexit.register(lambda: print(sorted(m for m in ('pandas', *"
        f"{HEAVY!r}) if m in sys.modules))); "
        "sys.argv[0] = 'impact'; from impact.cli import app; app()"
    )
    assert _run(code, "--help") == "[]"


def _stub_all(package: str) -> list[str]:
    stub = SRC.joinpath(*package.split("."), "__init__.pyi")
    for node in ast.parse(stub.read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "__all__":
            return list(ast.literal_eval(node.value))
    raise AssertionError(f"{stub} has no __all__")


@pytest.mark.parametrize("package", LAZY)
def test_lazy_names_are_the_stubs_names_and_resolve(package):
    module = importlib.import_module(package)
    assert sorted(module.__all__) == sorted(_stub_all(package))
    assert set(module.__all__) <= set(dir(module))
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    with pytest.raises(AttributeError):
        module.no_such_name  # noqa: B018


@pytest.mark.parametrize("package", LAZY)
def test_star_import_gives_every_public_name(package):
    code = (
        f"from {package} import *; import {package} as p; "
        "print(json.dumps(sorted(n for n in p.__all__ if n not in globals())))"
    )
    assert json.loads(_run(f"import json; {code}")) == []


def test_a_function_named_like_its_submodule_stays_the_function():
    code = (
        "import impact.did.imputation.estimator, impact.did, inspect; "
        "print(inspect.isfunction(impact.did.imputation))"
    )
    assert _run(code) == "True"
