"""The rendered reports checked as a reader meets them (issue 15 part 7).

HTML: opened in headless Chromium with every network route closed (tests/report/browser.py):
no request leaves the file, the console stays clean, every image loads and has alt text,
headings go down one level at a time, and a phone-width window does not scroll sideways.
PDF: turned into PNG pages with pdftoppm (page count, no blank page) and page 1 read
with pdftotext (the key figures are there).

Chromium and poppler-utils are Debian packages (`chromium`, `poppler-utils`); .ci/run
installs them when missing. Without them these tests skip and say which binary is absent.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from PIL import Image

from report.browser import PageReport, chromium, open_offline

pytestmark = pytest.mark.xdist_group("report_render")

HTML_KEYS = ("nb_html", "en_html", "en_full_html")


def _need(binary: str | None, name: str) -> str:
    if binary is None:
        pytest.skip(f"{name} is not installed (Debian package: see tests/report/test_reader.py)")
    return binary


@pytest.fixture(scope="module")
def pages(rendered: dict[str, Path]) -> dict[str, PageReport]:
    """Each rendered HTML opened once at desktop width, offline."""
    _need(chromium(), "chromium")
    return {key: open_offline(rendered[key]) for key in HTML_KEYS}


@pytest.mark.parametrize("key", HTML_KEYS)
def test_html_makes_no_request_and_no_console_error(pages: dict[str, PageReport], key: str) -> None:
    page = pages[key]
    assert page.requests == [], f"{key} asks the network for {page.requests}"
    assert page.console == [], f"{key}: {page.console}"


@pytest.mark.parametrize("key", HTML_KEYS)
def test_every_image_loads_and_says_what_it_shows(pages: dict[str, PageReport], key: str) -> None:
    page = pages[key]
    assert len(page.images) >= 1
    assert page.broken_images == []
    for image in page.images:
        alt = (image["alt"] or "").strip()
        assert len(alt) > 15, f"{key}: an image has no description ({image})"
        assert "No description" not in alt, f"{key}: nbconvert's placeholder alt text"


@pytest.mark.parametrize("key", HTML_KEYS)
def test_headings_in_order_and_a_table_of_contents(pages: dict[str, PageReport], key: str) -> None:
    levels = [level for level, _ in pages[key].headings]
    assert levels[0] == 1 and levels.count(1) == 1, pages[key].headings
    for before, after in zip(levels, levels[1:]):
        assert after <= before + 1, f"{key}: heading level jumps {before} -> {after}"
    toc = pages[key].text.split("\n")
    assert any(line.strip() in ("Innhold", "Contents") for line in toc), f"{key}: no contents"
    assert pages[key].lang == ("nb" if key == "nb_html" else "en")


def test_html_reads_on_a_phone(rendered: dict[str, Path], pages: dict[str, PageReport]) -> None:
    assert pages["nb_html"].viewport
    phone = open_offline(rendered["nb_html"], width=390)
    assert phone.scroll_width <= 400, (
        f"the page scrolls sideways on a phone ({phone.scroll_width} px)"
    )


@pytest.fixture(scope="module")
def pdf_pages(rendered: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    """The nb PDF as PNG pages (pdftoppm, 30 dpi)."""
    binary = _need(shutil.which("pdftoppm"), "pdftoppm (poppler-utils)")
    out = tmp_path_factory.mktemp("pdf_pages")
    subprocess.run([binary, "-r", "30", "-png", str(rendered["nb_pdf"]), str(out / "page")],
                   check=True, capture_output=True)  # fmt: skip
    return sorted(out.glob("page-*.png"))


def test_pdf_pages_are_there_and_none_is_blank(pdf_pages: list[Path]) -> None:
    assert 4 <= len(pdf_pages) <= 16, f"{len(pdf_pages)} pages"
    for png in pdf_pages:
        gray = Image.open(png).convert("L")
        ink = sum(gray.histogram()[:200]) / (gray.width * gray.height)  # share of dark pixels
        assert ink > 0.01, f"{png.name} is (nearly) blank"


def test_pdf_page_one_carries_the_key_figures(rendered: dict[str, Path]) -> None:
    binary = _need(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    first = subprocess.run([binary, "-f", "1", "-l", "1", str(rendered["nb_pdf"]), "-"],
                           check=True, capture_output=True, text=True).stdout  # fmt: skip
    # pdftotext reads the panel's grid row by row; Typst sets ' as a typographic apostrophe
    text = " ".join(first.replace("\u00a0", " ").replace("\u2019", "'").split())
    assert "Nøkkeltall" in text
    assert "Effekt" in text and "4,4 prosentpoeng" in text  # conftest HEADLINE = 0.0437
    assert "Callaway–Sant'Anna" in text  # the estimator behind it
    assert "Netto nåverdi" in text and "48,3 mill. kr" in text
    assert "86 %" in text and "Nytte–kostnadsbrøk" in text and "2,4" in text
    assert "Gevinsten tilfaller særlig staten" in text  # who gains, who pays
    assert "Effekt år for år" in text  # the headline figure's caption


def test_pdf_pages_carry_a_running_header_and_page_numbers(rendered: dict[str, Path]) -> None:
    binary = _need(shutil.which("pdftotext"), "pdftotext (poppler-utils)")
    pages = subprocess.run([binary, str(rendered["nb_pdf"]), "-"], check=True,
                           capture_output=True, text=True).stdout.split("\f")  # fmt: skip
    pages = [" ".join(p.replace("\u00a0", " ").split()) for p in pages if p.strip()]
    total = len(pages)
    assert f"Side 1 av {total}" in pages[0] and "Flyt: evaluering" not in pages[0]
    for number, text in enumerate(pages[1:], start=2):
        assert f"Side {number} av {total}" in text
        assert text.startswith("Flyt: evaluering Syntetiske data")
