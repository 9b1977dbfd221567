"""The built-in report engine, used when no ``quarto`` binary is on PATH.

Pipeline, made of well-kept tools only:

1. :func:`impact.report.qmd.read_qmd` turns the ``.qmd`` into a notebook (jupytext);
2. papermill injects the parameters after the cell tagged ``parameters`` and executes the
   notebook on an ipykernel running the *current* interpreter (so a fresh venv works);
3. nbconvert's ``HTMLExporter`` writes self-contained HTML (images embedded as base64,
   code and prompts hidden: readers see prose, figures and tables only);
4. nbconvert's ``MarkdownExporter`` writes Markdown (figures as PNG files, tables as pipe
   tables), pandoc (``pypandoc-binary``) turns it into Typst, and the ``typst`` package
   compiles the PDF.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from impact.errors import ImpactError

#: Kernel name installed into the running environment when no usable ``python3`` exists.
FALLBACK_KERNEL = "impact-python3"
_PYTHON_NAMES = {
    "python",
    f"python{sys.version_info[0]}",
    "python{}.{}".format(*sys.version_info[:2]),
}


def kernel_name() -> str:
    """Name of a Jupyter kernel that runs the current Python interpreter.

    ``python3`` is used when its kernelspec launches this interpreter (jupyter_client maps
    a bare ``python`` to ``sys.executable``). Otherwise a kernelspec ``impact-python3``
    is installed into ``sys.prefix`` (like ``ipykernel install --sys-prefix``) so that a
    fresh virtual environment renders reports without any set-up.
    """
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    manager = KernelSpecManager()
    for name in ("python3", FALLBACK_KERNEL):
        try:
            spec = manager.get_kernel_spec(name)
        except NoSuchKernel:
            continue
        exe = spec.argv[0] if spec.argv else ""
        if exe in _PYTHON_NAMES or _same_file(exe, sys.executable):
            return name
    from ipykernel.kernelspec import install

    install(kernel_name=FALLBACK_KERNEL, display_name="Python 3 (impact)", prefix=sys.prefix)
    return FALLBACK_KERNEL


def _same_file(a: str, b: str) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False


def execute(notebook: Any, *, parameters: Mapping[str, Any], cwd: Path) -> Any:
    """Inject ``parameters`` and execute ``notebook`` in ``cwd``; return the executed copy."""
    import papermill
    from papermill.exceptions import PapermillExecutionError

    try:
        return papermill.execute_notebook(
            copy.deepcopy(notebook),
            None,
            parameters=dict(parameters),
            kernel_name=kernel_name(),
            language="python",
            cwd=str(cwd),
            progress_bar=False,
            log_output=False,
            # Keep the kernel's own start-up chatter (e.g. about local TCP) off the console.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
        )
    except PapermillExecutionError as err:
        raise ImpactError(
            f"The report failed while running cell {err.exec_count}: {err.ename}: "
            f"{str(err.evalue).rstrip('.')}. "
            "Check that the results bundle is complete (`impact run`)."
        ) from err


def _reader_view(notebook: Any) -> Any:
    """A copy of the executed notebook with what readers must not see removed."""
    nb = copy.deepcopy(notebook)
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        options = cell.metadata.get("quarto", {})
        if options.get("include") is False or options.get("output") is False:
            cell.outputs = []
        cell.outputs = [
            out
            for out in cell.outputs
            if not (out.output_type == "stream" and out.get("name") == "stderr")
            and out.output_type != "error"
        ]
    return nb


#: nbconvert templates of the reader's HTML (``reader.html.j2``: lab without CDN scripts).
TEMPLATES = Path(__file__).with_name("templates")

#: A readable measure on any screen, and print-friendly margins, on top of the lab template.
_READER_CSS = """<style>
body.jp-Notebook, .jp-Notebook { max-width: 56rem; margin: 0 auto; padding: 1rem; }
.jp-Notebook .jp-Cell { padding-left: 0; padding-right: 0; }
.jp-RenderedImage img { max-width: 100%; height: auto; }
.jp-RenderedHTMLCommon table { display: block; max-width: 100%; overflow-x: auto; }
.jp-RenderedHTMLCommon { padding-right: 0; }
nav.impact-contents ol { margin: 0.25rem 0 0 0; }
nav.impact-contents ol ol { list-style: none; padding-left: 1rem; }
@media (max-width: 40rem) { body.jp-Notebook, .jp-Notebook { padding: 0.5rem; } }
@media print { .jp-Notebook { max-width: none; padding: 0; } nav.impact-contents { display: none; } }
</style>
"""


def _slug(text: str, taken: set[str]) -> str:
    base = re.sub(r"[^\w]+", "-", text.lower()).strip("-") or "del"
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    taken.add(slug)
    return slug


def _with_contents(soup: Any) -> None:
    """Give every section heading an id and fill the contents list (``nav.impact-contents``)
    of a parsed page (BeautifulSoup), in place.

    The list holds the ``h2`` and ``h3`` headings that follow the ``nav`` (what comes before
    it, the title and the summary, is already on screen).
    """
    nav = soup.select_one("nav.impact-contents")
    if nav is None:
        return
    taken: set[str] = set()
    top = soup.new_tag("ol")
    current = None
    for heading in nav.find_all_next(["h2", "h3"]):
        heading["id"] = _slug(heading.get_text(" ", strip=True), taken)
        item = soup.new_tag("li")
        link = soup.new_tag("a", href=f"#{heading['id']}")
        link.string = heading.get_text(" ", strip=True)
        item.append(link)
        if heading.name == "h2" or current is None:
            top.append(item)
            current = item
        else:
            sub = current.find("ol")
            if sub is None:
                sub = soup.new_tag("ol")
                current.append(sub)
            sub.append(item)
    nav.append(top)


def _numbered_html_captions(soup: Any, *, lang: str) -> None:
    """Number figure and table captions of a parsed page in document order, in place, as
    the PDF does ("Figur 2: ...").

    A figure caption is a paragraph of bold text alone (``ReportContext.caption``) whose next
    image comes before any other table, caption or heading; a table caption is the title
    row of a great-tables table (``td.gt_title``).
    """
    figure_word, table_word = _KINDS.get(lang, _KINDS["en"])
    counts = {"figure": 0, "table": 0}
    for node in soup.find_all(["p", "td"]):
        if node.name == "td" and "gt_title" in (node.get("class") or []):
            counts["table"] += 1
            node.insert(0, f"{table_word} {counts['table']}: ")
            continue
        strong = node.find("strong") if node.name == "p" else None
        if strong is None or node.get_text(strip=True) != strong.get_text(strip=True):
            continue
        following = node.find_next(["img", "table", "h2", "h3", "p"])
        while following is not None and following.name == "p" and not following.find("strong"):
            following = following.find_next(["img", "table", "h2", "h3", "p"])
        if following is not None and following.name == "img":
            counts["figure"] += 1
            strong.insert(0, f"{figure_word} {counts['figure']}: ")


def to_html(notebook: Any, path: Path, *, title: str, lang: str = "nb") -> Path:
    """Write self-contained HTML (embedded images, no code, no script from a CDN) to ``path``."""
    from bs4 import BeautifulSoup
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="lab",
        template_file="reader.html.j2",
        extra_template_paths=[str(TEMPLATES)],
        embed_images=True,
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
        exclude_anchor_links=True,
        language_code=lang,
    )
    nb = _reader_view(notebook)
    nb.metadata["title"] = title
    body, _ = exporter.from_notebook_node(nb)
    soup = BeautifulSoup(body, "html.parser")  # parsed once for both passes
    _with_contents(soup)
    _numbered_html_captions(soup, lang=lang)
    body = str(soup)
    path.write_text(body.replace("</head>", _READER_CSS + "</head>", 1), encoding="utf-8")
    return path


def to_markdown(notebook: Any, directory: Path) -> Path:
    """Write the notebook as pandoc Markdown plus PNG figures into ``directory``."""
    from nbconvert import MarkdownExporter
    from traitlets.config import Config

    config = Config()
    config.NbConvertBase.display_data_priority = [
        "image/png",
        "image/jpeg",
        "text/markdown",
        "text/plain",
    ]
    exporter = MarkdownExporter(
        config=config, exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True
    )
    body, resources = exporter.from_notebook_node(_reader_view(notebook))
    for name, data in resources.get("outputs", {}).items():
        (directory / name).write_bytes(data)
    # Figures span the text width in the PDF, without a caption made of the alt text "png".
    body = re.sub(r"!\[[^\]]*\]\(([^)\s]+)\)", r"![](\1){width=100%}", body)
    path = directory / "report.md"
    path.write_text(body, encoding="utf-8")
    return path


#: Page furniture of the PDF, put before the body: a running header (from page 2), "side 3
#: av 11" in the footer, long tables that may break across pages (pandoc's table header
#: repeats), and figures and tables kept off the page bottom (their caption sticks to them).
_PAGE = """#set page(
  header: context {{ if counter(page).get().first() > 1 {{
    set text(size: 8pt, fill: luma(90)); [{header}]; h(1fr); [{running}]
  }} }},
  footer: context {{
    set text(size: 8pt, fill: luma(90)); h(1fr)
    [{page} #counter(page).display() {of} #counter(page).final().first()]; h(1fr)
  }},
)
#show figure.where(kind: table): set block(breakable: true)
#show table: set par(justify: false)
"""

_PAGE_WORDS = {"nb": ("Side", "av"), "en": ("Page", "of")}

#: A caption paragraph (bold text alone in its paragraph, as ``ReportContext.caption`` and
#: ``ReportTable`` write it) followed by what it captions.
_CAPTION = re.compile(r"^#strong\[((?:[^\]\n]|\n(?!\n))*)\]\n\n", re.M)


def markdown_to_typst(
    markdown: str,
    *,
    lang: str = "nb",
    standalone: bool = True,
    header: str = "",
    running: str = "",
) -> str:
    """Convert report Markdown to Typst source with pandoc.

    Table cells that begin with ``+ ``, ``- `` or ``= `` (e.g. the "+ +" of a pluss-minus
    table) would start a list or heading in Typst markup; pandoc leaves them as they are,
    so they are escaped here. A caption paragraph is made sticky (Typst keeps it on the
    page of what follows). With ``standalone``, ``header`` and ``running`` are the left
    and right texts of the running header.
    """
    import pypandoc

    args = [f"--metadata=lang:{lang}", "--variable=papersize:a4", "--variable=margin.x:2cm"]
    if standalone:
        page, of = _PAGE_WORDS[lang]
        furniture = _PAGE.format(
            header=_typst_text(header), running=_typst_text(running), page=page, of=of
        )
        args.append(f"--variable=header-includes:{furniture}")
    source = pypandoc.convert_text(
        markdown,
        to="typst",
        format="markdown-raw_html-raw_tex-implicit_figures",
        extra_args=(["--standalone"] if standalone else []) + args,
    )
    source = re.sub(r"\[([+\-=]) ", r"[\\\1 ", str(source))
    return _numbered_captions(source, lang=lang)


_KINDS = {"nb": ("Figur", "Tabell"), "en": ("Figure", "Table")}


def _numbered_captions(source: str, *, lang: str) -> str:
    """Make every caption sticky and number those of figures and tables ("Tabell 3: ...")."""
    counts = {"figure": 0, "table": 0}
    figure_word, table_word = _KINDS.get(lang, _KINDS["en"])

    def caption(match: re.Match[str]) -> str:
        following = source[match.end() : match.end() + 20]
        text = match.group(1)
        if following.startswith("#box(image("):
            counts["figure"] += 1
            text = f"{figure_word} {counts['figure']}: {text}"
        elif following.startswith("#figure("):
            counts["table"] += 1
            text = f"{table_word} {counts['table']}: {text}"
        return f"#block(sticky: true)[#strong[{text}]]\n\n"

    return _CAPTION.sub(caption, source)


def _typst_text(text: str) -> str:
    return re.sub(r"([\\#\[\]*_$<>@`~=+\-/])", r"\\\1", text)


def to_pdf(
    notebook: Any,
    path: Path,
    *,
    lang: str,
    keep_typst: bool = False,
    header: str = "",
    running: str = "",
) -> Path:
    """Write a PDF via Markdown -> pandoc -> Typst -> ``typst.compile``.

    The document's own first heading is its title; ``header`` and ``running`` are the
    running header's left and right texts (from page 2). With ``keep_typst`` the Typst
    source is kept beside the PDF (``<name>.typ``).
    """
    import typst

    with tempfile.TemporaryDirectory(prefix="impact-report-") as tmp:
        work = Path(tmp)
        markdown = to_markdown(notebook, work)
        typ = work / "report.typ"
        typ.write_text(
            markdown_to_typst(
                markdown.read_text(encoding="utf-8"), lang=lang, header=header, running=running
            ),
            encoding="utf-8",
        )
        typst.compile(str(typ), output=str(work / "report.pdf"), root=str(work))
        shutil.copyfile(work / "report.pdf", path)
        if keep_typst:
            shutil.copyfile(typ, path.with_suffix(".typ"))
    return path
