"""Render a programme's report to HTML and PDF.

Every programme is rendered from the one template ``reports/study.qmd`` with ``programme``
as a parameter; its words follow the bundle's ``study`` block. **Hook:** a programme that
needs more than the template has a document of its own, ``reports/<programme>.qmd`` (same
parameters), which is then used instead (:func:`report_source`).

With a ``quarto`` binary on PATH (``engine="auto"``) the report is rendered by
``quarto render`` with ``-P`` parameters (PDF through Quarto's Typst format). Without it
the built-in engine (:mod:`impact.report.builtin_engine`) renders the same document.

Output names: ``<programme>.html`` / ``<programme>.pdf`` for Norwegian (the default
language) and ``<programme>.en.html`` / ``<programme>.en.pdf`` for English.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

from impact.bundle import Bundle
from impact.errors import DataError, DisclosureError, ImpactError
from impact.plain_language import check_lang

Engine = Literal["auto", "quarto", "builtin"]
FORMATS: tuple[str, ...] = ("html", "pdf")

_TITLES = {
    "nb": "{name}: evaluering",
    "en": "{name}: evaluation",
}
#: The generic template's file name.
TEMPLATE = "study.qmd"
#: impact's own ``reports/`` folder (a source checkout): where the template is found when the
#: project's reports folder has none.
HOME_REPORTS = Path(__file__).resolve().parents[3] / "reports"


def report_source(programme: str, reports_dir: str | Path | None = None) -> Path:
    """The document a programme's report is rendered from.

    ``<reports_dir>/<programme>.qmd`` when the programme has a document of its own (the
    hook), else ``<reports_dir>/study.qmd``, else the template in impact's own ``reports/``.
    ``reports_dir`` defaults to ``reports`` in the current directory.
    """
    reports = Path("reports" if reports_dir is None else reports_dir).resolve()
    candidates = [reports / f"{programme}.qmd", reports / TEMPLATE, HOME_REPORTS / TEMPLATE]
    for path in candidates:
        if path.is_file():
            return path
    raise DataError(
        f"No report document for programme {programme!r}: looked for "
        f"{', '.join(str(p) for p in candidates)}. Pass reports_dir= (the CLI: --project) for a "
        "project whose reports/ holds study.qmd, or copy impact's reports/study.qmd there."
    )


def output_name(programme: str, fmt: str, *, lang: str = "nb") -> str:
    """File name of a rendered report, e.g. ``flyt.html`` (nb) or ``flyt.en.pdf`` (en)."""
    suffix = "" if lang == "nb" else f".{lang}"
    return f"{programme}{suffix}.{fmt}"


def _formats(to: str | Sequence[str]) -> list[str]:
    items = [to] if isinstance(to, str) else list(to)
    formats = [f.strip().lower() for item in items for f in item.split(",") if f.strip()]
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise DataError(f"Report format(s) {bad or formats} not supported; use any of {FORMATS}.")
    return list(dict.fromkeys(formats))


def render(
    programme: str,
    *,
    lang: str = "nb",
    to: str | Sequence[str] = ("html", "pdf"),
    results_dir: str | Path = "results",
    reports_dir: str | Path | None = None,
    output_dir: str | Path | None = None,
    engine: Engine = "auto",
    keep_typst: bool = False,
) -> list[Path]:
    """Render the report of ``programme`` from its results bundle.

    Parameters
    ----------
    programme
        Programme name: the report reads the bundle ``results_dir/<programme>/`` and is
        rendered from ``reports_dir/<programme>.qmd`` if the programme has a document of its
        own, otherwise from the template ``study.qmd`` (:func:`report_source`).
    lang
        ``"nb"`` (Norwegian bokmål, default) or ``"en"``.
    to
        Formats, a sequence or a comma-separated string: ``"html"``, ``"pdf"``.
    results_dir
        Where the bundles live.
    reports_dir
        The project's reports folder (default ``reports`` in the current directory); a
        project elsewhere passes ``<project>/reports``.
    output_dir
        Where the rendered files go (default ``<reports_dir>/_output``).
    engine
        ``"auto"`` uses Quarto when a ``quarto`` binary is on PATH, else the built-in
        engine; ``"quarto"`` or ``"builtin"`` force one.
    keep_typst
        Built-in engine only: keep the Typst source of the PDF (``<name>.typ``) beside it.

    Returns
    -------
    list of Path
        The rendered files, in the order of ``to``.

    Examples
    --------
    >>> # Not run as a doctest: needs results/flyt/ from `impact run flyt` (MCMC sampling,
    >>> # minutes) and renders a whole report.
    >>> render("flyt", lang="en", to="html")  # doctest: +SKIP
    [PosixPath('reports/_output/flyt.en.html')]
    """
    lang = check_lang(lang)
    formats = _formats(to)
    results = Path(results_dir).resolve()
    reports = Path("reports" if reports_dir is None else reports_dir)
    output = Path(reports / "_output" if output_dir is None else output_dir).resolve()
    Bundle.open(results, programme)  # a clear error if the analysis has not run
    source = report_source(programme, reports)
    output.mkdir(parents=True, exist_ok=True)
    chosen = engine
    if engine == "auto":
        chosen = "quarto" if shutil.which("quarto") else "builtin"
    if chosen == "quarto":
        paths = _render_quarto(
            source, programme, lang=lang, formats=formats, results=results, output=output
        )
    elif chosen == "builtin":
        paths = _render_builtin(
            source,
            programme,
            lang=lang,
            formats=formats,
            results=results,
            output=output,
            keep_typst=keep_typst,
        )
    else:
        raise DataError(f"Report engine {engine!r} is unknown; use 'auto', 'quarto' or 'builtin'.")
    _refuse_disclosure(paths, lang=lang)
    return paths


def _refuse_disclosure(paths: list[Path], *, lang: str) -> None:
    """Attack every rendered HTML page as a reader would (:mod:`impact.report.attack`); a
    page that gives a suppressed count away is not published: the files just rendered are
    removed and a DisclosureError says which count and how."""
    from impact.report.attack import attack_report

    for path in paths:
        if path.suffix != ".html" or not path.is_file():
            continue
        found = attack_report(path, lang=lang)
        if found:
            for p in paths:
                p.unlink(missing_ok=True)
            first = found[0]
            raise DisclosureError(
                f"{path.name} was not published: a reader could narrow a suppressed count in "
                f"the column {first.column!r} of the table {first.table!r} to "
                f"{first.low:g}-{first.high:g} ({first.how}); {len(found)} such finding(s). "
                "Raise the threshold or suppress more (impact.report.disclosure), and report "
                "it as a bug: the disclosure layer should have prevented it."
            )


def _title(results: Path, programme: str, lang: str) -> str:
    """The running header and page title: the study's title (``study.title``) and "evaluering"."""
    from impact.report.document import ReportContext

    ctx = ReportContext.open(results, programme, lang=lang)
    return _TITLES[lang].format(name=ctx.title())


def _running(results: Path, programme: str, lang: str) -> str:
    """The right side of the PDF's running header: the data source and the analysis date."""
    from impact.report.document import ReportContext

    ctx = ReportContext.open(results, programme, lang=lang)
    parts = [ctx.data_source(), ctx.analysis_date()]
    text = " · ".join(p for p in parts if p)
    return text[:1].upper() + text[1:]


def _render_builtin(
    source: Path,
    programme: str,
    *,
    lang: str,
    formats: list[str],
    results: Path,
    output: Path,
    keep_typst: bool = False,
) -> list[Path]:
    from impact.report import builtin_engine
    from impact.report.qmd import read_qmd

    notebook = read_qmd(source)
    parameters = {
        "programme": programme,
        "lang": lang,
        "results_dir": str(results),
        "render_engine": "builtin",
    }
    executed = builtin_engine.execute(notebook, parameters=parameters, cwd=source.parent)
    title = _title(results, programme, lang)
    paths = []
    for fmt in formats:
        path = output / output_name(programme, fmt, lang=lang)
        if fmt == "html":
            builtin_engine.to_html(executed, path, title=title, lang=lang)
        else:
            builtin_engine.to_pdf(
                executed,
                path,
                lang=lang,
                keep_typst=keep_typst,
                header=title,
                running=_running(results, programme, lang),
            )
        paths.append(path)
    return paths


def quarto_command(
    source: Path, programme: str, *, lang: str, fmt: str, results: Path, output: Path
) -> list[str]:
    """The ``quarto render`` command line for one format (``pdf`` goes through Typst)."""
    quarto_format = "typst" if fmt == "pdf" else "html"
    return [
        "quarto",
        "render",
        str(source),
        "--to",
        quarto_format,
        "-P",
        f"programme:{programme}",
        "-P",
        f"lang:{lang}",
        "-P",
        f"results_dir:{results}",
        "-P",
        "render_engine:quarto",
        "-M",
        f"pagetitle:{_title(results, programme, lang)}",
        "--output",
        output_name(programme, fmt, lang=lang),
        "--output-dir",
        str(output),
    ]


def _render_quarto(
    source: Path, programme: str, *, lang: str, formats: list[str], results: Path, output: Path
) -> list[Path]:
    paths = []
    for fmt in formats:
        command = quarto_command(
            source, programme, lang=lang, fmt=fmt, results=results, output=output
        )
        done = subprocess.run(
            command, cwd=source.parent, capture_output=True, text=True, check=False
        )
        if done.returncode != 0:
            raise ImpactError(
                f"`{' '.join(command)}` failed (exit {done.returncode}):\n{done.stderr[-2000:]}\n"
                "Retry with engine='builtin' to render without Quarto."
            )
        paths.append(output / output_name(programme, fmt, lang=lang))
    return paths
