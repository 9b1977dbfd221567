"""End-to-end rendering with the built-in engine (one shared render per session).

Checks what funders receive: the files exist, hold the estimate the bundle holds (formatted
as the report formats it), switch language, show no code, and show no count below 5.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from impact.bundle import Bundle
from impact.errors import DataError
from impact.report import render
from impact.report.builtin_engine import kernel_name
from impact.report.formatting import format_percentage_points
from impact.report.rendering import output_name, quarto_command

pytestmark = pytest.mark.xdist_group("report_render")

REPORTS = Path(__file__).resolve().parents[2] / "reports"


def _soup(path: Path) -> BeautifulSoup:
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def _text(path: Path) -> str:
    soup = _soup(path)
    for tag in soup(["style", "script"]):
        tag.decompose()
    return " ".join(soup.get_text(" ").split())


def test_files_exist_with_documented_names(rendered: dict[str, Path]) -> None:
    assert rendered["nb_html"].name == "flyt.html"
    assert rendered["nb_pdf"].name == "flyt.pdf"
    assert rendered["en_html"].name == "unginvest.en.html"
    assert output_name("flyt", "pdf", lang="en") == "flyt.en.pdf"
    for path in rendered.values():
        assert path.stat().st_size > 10_000
    assert rendered["nb_pdf"].read_bytes()[:5] == b"%PDF-"


def test_html_quotes_the_bundle_estimate_in_norwegian(
    rendered: dict[str, Path], full_bundle: Bundle
) -> None:
    text = _text(rendered["nb_html"])
    headline = full_bundle.read_table("estimates").set_index("estimator").loc["att_gt_simple"]
    expected = format_percentage_points(headline["estimate"], lang="nb")
    assert " ".join(expected.split()) in text  # "4,4 prosentpoeng"
    assert "Konklusjon" in text and "Lønner det seg?" in text
    assert "hierarkiske modellen slo ut: største R-hat er 1,0300, over målet 1,01." in text


def test_pdf_quotes_the_bundle_estimate(rendered: dict[str, Path], full_bundle: Bundle) -> None:
    typst_source = rendered["nb_pdf"].with_suffix(".typ").read_text(encoding="utf-8")
    headline = full_bundle.read_table("estimates").set_index("estimator").loc["att_gt_simple"]
    expected = format_percentage_points(headline["estimate"], lang="nb")
    assert expected.replace("\u00a0", "~") in typst_source  # Typst writes a no-break space as ~
    assert "Konklusjon" in typst_source and "image(" in typst_source


def test_english_first_stage_report(rendered: dict[str, Path], minimal_bundle: Bundle) -> None:
    text = _text(rendered["en_html"])
    row = minimal_bundle.read_table("estimates").iloc[0]
    assert " ".join(format_percentage_points(row["estimate"], lang="en").split()) in text
    assert "Conclusion" in text and "The effect" in text and "Konklusjon" not in text
    assert "Does it pay?" not in text  # no cost-benefit tables in the bundle yet


def test_html_is_self_contained_and_shows_no_code(rendered: dict[str, Path]) -> None:
    soup = _soup(rendered["nb_html"])
    images = soup.find_all("img")
    assert len(images) >= 5 and all(
        img["src"].startswith("data:image/png;base64,") for img in images
    )
    assert soup.html["lang"] == "nb"
    text = _text(rendered["nb_html"])
    assert "ReportContext" not in text and "import" not in text and "Traceback" not in text


COUNT_HEADERS = {"Antall personer", "Antall med utfallet", "Deltakere", "Persons", "With outcome",
                 "Participants"}  # fmt: skip


@pytest.mark.parametrize("key", ["nb_html", "en_html"])
def test_no_count_below_five_reaches_the_html(
    rendered: dict[str, Path], facts: dict[str, object], key: str
) -> None:
    soup = _soup(rendered[key])
    checked = 0
    for table in soup.find_all("table"):
        headers = [th.get_text(" ", strip=True) for th in table.find_all("th")]
        columns = [i for i, h in enumerate(headers) if h in COUNT_HEADERS]
        for tr in table.find_all("tr"):
            cells = [td.get_text(strip=True) for td in tr.find_all("td")]
            for i in columns:
                if i < len(cells):
                    value = cells[i].replace("\u00a0", "").replace(",", "")
                    assert value == "<5" or int(value) >= 5, (headers[i], cells[i])
                    checked += 1
    assert checked >= 12
    text = _text(rendered[key])
    assert "<5" in text
    assert "5001" not in text and "0612" not in text  # sites with 3 and 4 participants
    for small in facts["small_counts"]:  # type: ignore[attr-defined]
        assert f"Antall personer {small} " not in text


def test_quarto_engine_builds_the_documented_command(
    results_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []

    def fake_run(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(command)
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(
        "impact.report.rendering.shutil.which", lambda name: "/opt/quarto/bin/quarto"
    )
    monkeypatch.setattr("impact.report.rendering.subprocess.run", fake_run)
    paths = render("flyt", lang="en", to="html,pdf", results_dir=results_dir,
                   reports_dir=REPORTS, output_dir=tmp_path)  # fmt: skip
    assert [p.name for p in paths] == ["flyt.en.html", "flyt.en.pdf"]
    # no reports/flyt.qmd: the template, with the programme as a parameter
    assert calls[0][:5] == ["quarto", "render", str(REPORTS / "study.qmd"), "--to", "html"]
    assert "programme:flyt" in calls[0] and "pagetitle:Flyt: evaluation" in calls[0]
    assert calls[1][4] == "typst"
    assert "lang:en" in calls[0] and f"results_dir:{results_dir.resolve()}" in calls[0]
    assert quarto_command(REPORTS / "study.qmd", "flyt", lang="nb", fmt="pdf", results=results_dir,
                          output=tmp_path)[-3] == "flyt.pdf"  # fmt: skip


def test_bad_requests_are_clear_errors(results_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(DataError, match="impact run"):  # no bundle for 'nope'
        render("nope", results_dir=results_dir, reports_dir=REPORTS, output_dir=tmp_path)
    with pytest.raises(DataError, match="impact run"):
        render("flyt", results_dir=tmp_path, reports_dir=REPORTS, output_dir=tmp_path)
    with pytest.raises(DataError, match="docx"):
        render("flyt", to="docx", results_dir=results_dir, reports_dir=REPORTS, output_dir=tmp_path)


def test_kernel_runs_the_current_interpreter() -> None:
    from jupyter_client.kernelspec import KernelSpecManager

    spec = KernelSpecManager().get_kernel_spec(kernel_name())
    assert spec.argv[0] in {"python", "python3", sys.executable} or Path(spec.argv[0]).samefile(
        sys.executable
    )


def test_a_failing_report_names_the_cell(results_dir: Path, tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "flyt.qmd").write_text(
        '```{python}\n#| tags: [parameters]\nprogramme = "flyt"\nlang = "nb"\n'
        'results_dir = "."\n```\n\nText.\n\n```{python}\nraise ValueError("no such table")\n```\n',
        encoding="utf-8",
    )
    from impact.errors import ImpactError

    with pytest.raises(ImpactError, match="ValueError: no such table"):
        render("flyt", to="html", results_dir=results_dir, reports_dir=reports,
               output_dir=tmp_path / "out", engine="builtin")  # fmt: skip


def test_pdf_captions_are_numbered_and_stick_to_what_they_caption(
    rendered: dict[str, Path],
) -> None:
    typst_source = rendered["nb_pdf"].with_suffix(".typ").read_text(encoding="utf-8")
    assert "#block(sticky: true)[#strong[Figur 1: Effekt år for år]]" in typst_source
    assert "#block(sticky: true)[#strong[Tabell 1: Personer og utfall etter gruppe og år]]" in (
        typst_source
    )
    assert "#counter(page).final()" in typst_source  # "Side 3 av 11"


def test_html_numbers_figures_and_tables_as_the_pdf_does(rendered: dict[str, Path]) -> None:
    """The same captions, numbered the same way, in the HTML and in the PDF's Typst source."""
    import re

    html = rendered["nb_html"].read_text(encoding="utf-8")
    typst = rendered["nb_pdf"].with_suffix(".typ").read_text(encoding="utf-8")
    for word in ("Figur", "Tabell"):
        in_html = re.findall(rf"{word} (\d+): ", html)
        in_pdf = re.findall(rf"{word} (\d+): ", typst)
        assert in_html, word
        assert in_html == in_pdf == [str(i) for i in range(1, len(in_pdf) + 1)], word
