"""Read Quarto ``.qmd`` documents without Quarto, and check they stay portable.

jupytext's own Quarto reader (``fmt="qmd"``) shells out to the ``quarto`` binary, which is
not available here. A ``.qmd`` file whose code chunks are ```` ```{python} ```` blocks has
the same chunk structure as R Markdown, so jupytext's R Markdown reader (``fmt="Rmd"``)
parses it; the only normalisation needed is to read Quarto's ``#|`` chunk options
(YAML) into cell metadata (``tags`` for papermill's ``parameters`` cell) and the YAML
front matter into notebook metadata.

Both engines must render the same document, so the reports use only what the built-in
engine understands: Markdown text, Python chunks with the options in
:data:`SUPPORTED_CHUNK_OPTIONS`, and front matter keys in :data:`SUPPORTED_FRONT_MATTER`.
:func:`unsupported_features` lists everything else (callouts and other fenced divs,
shortcodes, cross-references, inline code, other languages).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml

from impact.errors import DataError

#: Chunk options both engines honour (``echo``/``warning`` are moot: code and stderr are
#: always hidden from readers; ``output: false`` and ``include: false`` drop the output).
SUPPORTED_CHUNK_OPTIONS = frozenset({"tags", "echo", "output", "warning", "include", "label"})
#: Front matter keys both engines honour.
SUPPORTED_FRONT_MATTER = frozenset({"title", "lang", "format", "jupyter", "execute"})

_OPTION_LINE = re.compile(r"^#\|\s?(.*)$")
_CHECKS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("fenced div or callout (':::')", re.compile(r"^\s*:::", re.M)),
    ("shortcode ('{{< ... >}}')", re.compile(r"\{\{<")),
    ("cross-reference ('@fig-', '@tbl-', '@sec-', '@eq-')", re.compile(r"@(fig|tbl|sec|eq)-")),
    ("inline code ('`{python} ...`')", re.compile(r"(?<!`)`\{[a-z]+\}[^`]*`")),
    (
        "attribute block on a heading or span ('{#...}' / '{.…}')",
        re.compile(r"\]\{[#.]|^#+ .*\{[#.]", re.M),
    ),
    ("raw block ('```{=format}')", re.compile(r"^```\{=", re.M)),
    ("non-Python code chunk", re.compile(r"^```\{(?!python\})[a-zA-Z]+", re.M)),
)


def _front_matter(text: str) -> tuple[dict[str, Any], str]:
    match = re.match(r"^---\s*\n(.*?)\n---\s*\n", text, re.S)
    if not match:
        return {}, text
    meta = yaml.safe_load(match.group(1)) or {}
    if not isinstance(meta, dict):
        raise DataError("The .qmd front matter must be a YAML mapping (key: value lines).")
    return meta, text[match.end() :]


def chunk_options(source: str) -> dict[str, Any]:
    """The ``#|`` options at the top of a code chunk, parsed as YAML."""
    lines = []
    for line in source.splitlines():
        match = _OPTION_LINE.match(line)
        if not match:
            break
        lines.append(match.group(1))
    if not lines:
        return {}
    options = yaml.safe_load("\n".join(lines)) or {}
    if not isinstance(options, dict):
        raise DataError(f"Chunk options {lines!r} are not 'key: value' YAML lines.")
    return options


_FENCE = re.compile(r"^```([^\n]*)\n(.*?)^```[ \t]*$", re.S | re.M)


def unsupported_features(text: str) -> list[str]:
    """Quarto features in ``text`` that the built-in engine would drop or mangle.

    Returns a list of human-readable problems; an empty list means the document renders
    the same with ``quarto render`` and with the built-in engine.
    """
    meta, body = _front_matter(text)
    problems = [f"front matter key {k!r}" for k in sorted(set(meta) - SUPPORTED_FRONT_MATTER)]
    # Prose checks run on the text outside fenced blocks (blanked, so line numbers hold).
    prose = _FENCE.sub(lambda m: "\n" * m.group(0).count("\n"), body)
    for name, pattern in _CHECKS:
        searched = body if pattern.pattern.startswith("^```") else prose
        for match in pattern.finditer(searched):
            line = searched[: match.start()].count("\n") + 1
            problems.append(f"{name} at body line {line}")
    for chunk in _FENCE.finditer(body):
        if chunk.group(1).strip() != "{python}":
            continue
        for key in sorted(set(chunk_options(chunk.group(2))) - SUPPORTED_CHUNK_OPTIONS):
            line = body[: chunk.start()].count("\n") + 1
            problems.append(f"chunk option {key!r} at body line {line}")
    return problems


def read_qmd(source: str | Path) -> Any:
    """Read a ``.qmd`` file (path) or text into an ``nbformat`` notebook (v4).

    Chunk options become cell metadata (``tags`` as a list; the others under ``quarto``);
    the front matter goes to ``notebook.metadata["quarto"]``. Raises :class:`DataError`
    when the document uses features the built-in engine does not support.
    """
    import jupytext
    import nbformat

    text = Path(source).read_text(encoding="utf-8") if isinstance(source, Path) else source
    problems = unsupported_features(text)
    if problems:
        raise DataError(
            "The report uses Quarto features the built-in engine cannot render: "
            + "; ".join(problems)
            + ". Use plain Markdown and Python chunks (see impact.report.qmd)."
        )
    meta, body = _front_matter(text)
    notebook = jupytext.reads(body, fmt="Rmd")
    for cell in notebook.cells:
        if cell.cell_type != "code":
            continue
        options = chunk_options(cell.source)
        tags = options.pop("tags", [])
        if isinstance(tags, str):
            tags = [tags]
        if tags:
            cell.metadata["tags"] = list(tags)
        if options:
            cell.metadata["quarto"] = options
    notebook.metadata["quarto"] = meta
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    return notebook
