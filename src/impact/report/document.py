"""What a report document (``reports/*.qmd``) uses: the bundle, the language, display helpers.

A ``.qmd`` file starts with::

    ctx = ReportContext.open(results_dir, programme, lang=lang)

and then shows text with ``display(ctx.md(ctx.t("norsk tekst", "English text")))``,
figures with ``display(ctx.figure(fig))`` and tables with ``display(table)``. Every
displayed object carries both an HTML/PNG and a Markdown form, so the same document
renders with Quarto and with the built-in engine, to HTML and to PDF.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from impact.bundle import Bundle
from impact.errors import DataError
from impact.plain_language import check_lang
from impact.report.disclosure import THRESHOLD
from impact.report.study import Study

_MONTHS = {
    "nb": "januar februar mars april mai juni juli august september oktober november desember",
    "en": "January February March April May June July August September October November December",
}
_MONTHS = {lang: names.split() for lang, names in _MONTHS.items()}  # type: ignore[misc]


@dataclass(frozen=True)
class MarkdownText:
    """Markdown that notebooks, Quarto and nbconvert render as formatted text."""

    text: str

    def _repr_markdown_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def describe(figure: Figure) -> str:
    """A plain description of a figure from its own words (titles and axis labels).

    The fallback alt text when a report gives none: "Figure title; x: label; y: label".
    """
    parts = [figure.get_suptitle()] if figure.get_suptitle() else []
    for ax in figure.axes:
        parts += [t for t in (ax.get_title(), ax.get_xlabel(), ax.get_ylabel()) if t]
    return "; ".join(dict.fromkeys(p.strip() for p in parts if p.strip()))


@dataclass(frozen=True)
class FigureImage:
    """A matplotlib figure as a PNG with its alt text, displayed without an inline backend."""

    png: bytes
    alt: str = ""

    @classmethod
    def from_figure(cls, figure: Figure, *, alt: str = "", dpi: int = 150) -> FigureImage:
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight")
        return cls(buffer.getvalue(), alt or describe(figure))

    def _repr_png_(self) -> tuple[bytes, dict[str, str]]:
        # (data, metadata): the alt text travels in the output metadata to the HTML template.
        return self.png, {"alt": self.alt}


@dataclass(frozen=True)
class Contents:
    """Where the table of contents goes.

    HTML: a ``nav`` the built-in engine fills with the headings that follow it. PDF: a Typst
    outline, printed only when the document runs over six pages.
    """

    title: str

    def _repr_html_(self) -> str:
        return (
            f'<nav class="impact-contents" aria-label="{self.title}">'
            f"<p><strong>{self.title}</strong></p></nav>"
        )

    def _repr_markdown_(self) -> str:
        outline = f"outline(title: [{self.title}], depth: 2)"
        return f"```{{=typst}}\n#context if counter(page).final().first() > 6 {{ {outline} }}\n```"


@dataclass(frozen=True)
class ReportContext:
    """The bundle and the language a report is rendered for."""

    bundle: Bundle
    lang: str = "nb"
    threshold: int = THRESHOLD

    @classmethod
    def open(cls, results_dir: str | Path, programme: str, *, lang: str = "nb") -> ReportContext:
        """Open the results bundle ``results_dir/programme`` for a report in ``lang``."""
        return cls(Bundle.open(results_dir, programme), check_lang(lang))

    @cached_property
    def study(self) -> Study:
        """The study's words and design (the bundle's ``study`` block)."""
        return Study.from_metadata(self.bundle.metadata)

    def title(self) -> str:
        """The programme's title in the report language (``study.title``)."""
        return self.study.title[self.lang]

    def t(self, nb: str, en: str) -> str:
        """Pick the text for the report language."""
        return nb if self.lang == "nb" else en

    def md(self, text: str) -> MarkdownText:
        """Markdown to display."""
        return MarkdownText(text)

    def caption(self, nb: str, en: str) -> MarkdownText:
        """A bold caption line in the report language (for the figure that follows)."""
        return MarkdownText(f"**{self.t(nb, en)}**")

    def data_source(self) -> str:
        """What the data are, in words: synthetic data or register data."""
        meta = self.bundle.metadata
        synthetic = meta.get("synthetic") or meta.get("truth")
        return (
            self.t("syntetiske data", "synthetic data")
            if synthetic
            else self.t("registerdata", "register data")
        )

    def analysis_date(self) -> str:
        """When the analysis wrote the bundle ("1. desember 2026" / "1 December 2026"), or ""."""
        stamp = (self.bundle.metadata.get("completion") or {}).get("completed_at")
        if not stamp:
            return ""
        day = datetime.fromisoformat(str(stamp)).date()
        month = _MONTHS[self.lang][day.month - 1]
        return (
            f"{day.day}. {month} {day.year}"
            if self.lang == "nb"
            else f"{day.day} {month} {day.year}"
        )

    def has(self, *tables: str) -> bool:
        """Whether the bundle holds all these tables (a section renders only if so)."""
        return all(self.bundle.has_table(name) for name in tables)

    def table(self, name: str) -> pd.DataFrame:
        """Bundle table ``name``; a missing one is an error naming it and docs/bundle.md."""
        if not self.bundle.has_table(name):
            raise DataError(
                f"The report needs the bundle table {name!r}, which {self.bundle.path} does not "
                f"hold (it has {self.bundle.tables()}). docs/bundle.md lists every table and "
                "the analysis step that writes it; run the analysis again, or show the section "
                "only when ctx.has(...) is true."
            )
        return self.bundle.read_table(name)

    def figure(self, figure: Figure, *, alt: tuple[str, str] | None = None) -> FigureImage:
        """A figure to display (PNG); ``alt`` is its description (nb, en) for screen readers.

        Without ``alt`` the figure's own title and axis labels describe it.
        """
        return FigureImage.from_figure(figure, alt=self.t(*alt) if alt else "")

    def contents(self) -> Contents:
        """The table of contents (HTML; PDF when over six pages)."""
        return Contents(self.t("Innhold", "Contents"))
