"""MkDocs hook: typeset the pages' LaTeX as SVG at build time, so the site loads no script.

``pymdownx.arithmatex`` (generic mode) leaves ``<span class="arithmatex">\\(...\\)</span>`` and
``<div class="arithmatex">\\[...\\]</div>`` in the HTML; this hook replaces each with the SVG
that MathJax (shipped inside the ``quickjax`` wheel, run in-process by QuickJS) draws for it.
Nothing is fetched from the network, at build time or when a reader opens a page. A formula
MathJax cannot parse is an error, so ``mkdocs build --strict`` fails on it.
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

log = logging.getLogger("mkdocs.hooks.math")

_MATH = re.compile(
    r'<(?P<tag>span|div) class="arithmatex">\s*'
    r"(?:\\\((?P<inline>.*?)\\\)|\\\[(?P<display>.*?)\\\])\s*</(?P=tag)>",
    flags=re.S,
)
_renderer: Any = None


def _render(latex: str, *, display: bool) -> str:
    global _renderer
    if _renderer is None:
        from quickjax import MathJaxRenderer

        _renderer = MathJaxRenderer()
    return str(_renderer.render(latex, display=display))


def on_page_content(html_text: str, page: Any, **_: Any) -> str:
    """Replace every arithmatex placeholder of a page by its SVG."""

    def replace(match: re.Match[str]) -> str:
        display = match.group("display") is not None
        latex = html.unescape(match.group("display") if display else match.group("inline"))
        svg = _render(latex, display=display)
        if "data-mjx-error" in svg:
            error = re.search(r'data-mjx-error="([^"]*)"', svg)
            log.error(
                "%s: cannot typeset %r: %s", page.file.src_uri, latex, error and error.group(1)
            )
        if display:
            return f'<div class="math math-display">{svg}</div>'
        return f'<span class="math math-inline">{svg}</span>'

    return _MATH.sub(replace, html_text)
