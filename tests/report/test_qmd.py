"""The .qmd reports use only features both engines render; the reader handles Quarto chunks."""

from __future__ import annotations

from pathlib import Path

import pytest

from impact.errors import DataError
from impact.report.qmd import read_qmd, unsupported_features

REPORTS = Path(__file__).resolve().parents[2] / "reports"
QMD_FILES = sorted(REPORTS.glob("*.qmd"))


def test_one_template_for_every_programme() -> None:
    # reports/<programme>.qmd is a hook for a programme that needs more than the template;
    # none does today
    assert [p.name for p in QMD_FILES] == ["study.qmd"]
    listed = (REPORTS / "_quarto.yml").read_text(encoding="utf-8")
    assert "- study.qmd" in listed


@pytest.mark.parametrize("path", QMD_FILES, ids=lambda p: p.name)
def test_reports_use_only_supported_features(path: Path) -> None:
    assert unsupported_features(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize("path", QMD_FILES, ids=lambda p: p.name)
def test_reports_have_the_parameters_cell(path: Path) -> None:
    notebook = read_qmd(path)
    tagged = [c for c in notebook.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1
    for name in ("programme", "lang", "results_dir"):
        assert f"{name} =" in tagged[0].source


QUARTO_ONLY = {
    "callout": "::: {.callout-note}\nRead this.\n:::\n",
    "shortcode": "{{< include _partial.qmd >}}\n",
    "cross-reference": "As @fig-event shows.\n",
    "inline code": "The effect is `{python} effect`.\n",
    "R chunk": "```{r}\n1 + 1\n```\n",
    "chunk option": "```{python}\n#| fig-cap: A caption\n1 + 1\n```\n",
    "front matter": "---\ntitle: x\ntoc: true\n---\n\nText.\n",
}


@pytest.mark.parametrize("name", sorted(QUARTO_ONLY))
def test_quarto_only_features_are_detected(name: str) -> None:
    text = QUARTO_ONLY[name]
    assert unsupported_features(text), name
    with pytest.raises(DataError, match="built-in engine"):
        read_qmd(text)


def test_read_qmd_parses_chunks_options_and_front_matter() -> None:
    text = (
        '---\ntitle: "T"\n---\n\n'
        '```{python}\n#| tags: [parameters]\nlang = "nb"\n```\n\n'
        "Some *text*.\n\n"
        "```{python}\n#| include: false\nx = 1\n```\n"
    )
    nb = read_qmd(text)
    kinds = [c.cell_type for c in nb.cells]
    assert kinds == ["code", "markdown", "code"]
    assert nb.cells[0].metadata["tags"] == ["parameters"]
    assert nb.cells[2].metadata["quarto"] == {"include": False}
    assert nb.metadata["quarto"] == {"title": "T"}
