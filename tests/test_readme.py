"""The README's tour is code an evaluator will paste: it must run as written."""

from __future__ import annotations

import re
from pathlib import Path

import matplotlib.pyplot as plt

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_tour_runs():
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), flags=re.S)
    assert blocks, "README has no python block"
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README.md", "exec"), namespace)
    effect = namespace["effect"]
    assert effect.outcome == "completed_vgs"  # type: ignore[attr-defined]
    assert 0.0 < effect.point < 0.1  # type: ignore[attr-defined]
    plt.close("all")
