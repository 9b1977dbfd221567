"""One template, words that follow the study (issue 14 part 3).

The bundle's ``study`` block says whether the observations are persons or municipalities
and what the clusters are; the report's words must follow it: persons counted as persons,
municipalities named as clusters where they are, "few municipalities per start year" only
where the units are municipalities, site codes as text ("0301"), intervals called what they
are (95 % equal-tailed, never ArviZ's 94 % HDI), the link-scale numbers computed from the
bundle.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from contract.bundle import META, OTHER_OUTCOMES, STUDIES, declared

from impact.bundle import Bundle
from impact.errors import DataError
from impact.report import ReportContext, render, rendering, sections
from impact.report.link_scale import baseline_levels
from impact.report.study import Study
from report.conftest import BASELINE_SHARES, HEADLINE_RULE, REPORTS, SITE_CODES, _descriptives

pytestmark = pytest.mark.xdist_group("report_render")


def _text(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["style", "script"]):
        tag.decompose()
    return " ".join(soup.get_text(" ").replace("\u00a0", " ").split())


def _pdf_text(path: Path) -> str:
    binary = shutil.which("pdftotext")
    if binary is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    text = subprocess.run([binary, str(path), "-"], check=True, capture_output=True, text=True)
    return " ".join(text.stdout.replace("\u00a0", " ").split())


# -- persons or municipalities -------------------------------------------------------------


def test_person_years_clustered_by_municipality_get_person_words(
    rendered: dict[str, Path],
) -> None:
    nb = _text(rendered["persons_html"])
    assert "GET Academy: virket programmet, og lønner det seg?" in nb
    assert "Analysen omfatter 61 234 personer, hvorav 1 873 deltok i programmet." in nb
    assert "personer i 61 234 kommuner" not in nb and "61 234 kommuner" not in nb
    assert "med kommunene som klynger: personer i samme kommune" in nb
    assert "Få kommuner har fått tiltaket" in nb  # the warning names the clusters
    assert "få kommuner per oppstartsår" not in nb
    en = _text(rendered["persons_en_html"])
    assert "The analysis covers 61,234 persons, 1,873 of whom took part in the programme." in en
    assert "with municipalities as clusters: persons in the same municipality" in en


def test_person_years_clustered_by_person_have_no_cluster_talk(rendered: dict[str, Path]) -> None:
    en = _text(rendered["en_html"])  # unginvest: clustered by person
    assert "61,234 persons, 1,873 of whom took part" in en
    assert "as clusters" not in en and "few municipalities" not in en.lower()
    assert "same person being followed over several years" in en
    assert "when participants start in different years" in en  # the TWFE caveat


def test_municipality_years_keep_municipality_words(rendered: dict[str, Path]) -> None:
    nb = _text(rendered["nb_html"])
    assert "Analysen omfatter 61 234 personer i 356 kommuner, hvorav 21 med programmet." in nb
    assert "kommunene som klynger: årene i samme kommune" in nb
    assert "få kommuner per oppstartsår" in nb
    assert "kommunene med og uten programmet" in nb
    en = _text(rendered["en_full_html"])
    assert "persons in 356 municipalities, 21 of them with the programme" in en


def test_programme_section_and_title_come_from_the_study(rendered: dict[str, Path]) -> None:
    nb = _text(rendered["nb_html"])
    assert "Programmet " + str(STUDIES["flyt"]["what"]["nb"]) in nb  # type: ignore[index]
    html = rendered["persons_html"].read_text(encoding="utf-8")
    assert "<title>GET Academy: evaluering</title>" in html
    pdf = _pdf_text(rendered["persons_pdf"])
    assert "GET Academy: evaluering" in pdf  # running header


def test_a_bundle_without_a_study_block_still_reads() -> None:
    old = Study.from_metadata({"programme": "unginvest", "n_persons": 10, "n_units": 10})
    assert old.persons and old.title["nb"] == "Unginvest" and old.what["nb"] == ""
    municipal = Study.from_metadata({"programme": "flyt", "n_persons": 900, "n_units": 30})
    assert not municipal.persons and municipal.clusters() == ("kommuner", "municipalities")


# -- codes, intervals ----------------------------------------------------------------------


def test_site_codes_keep_their_leading_zero(rendered: dict[str, Path]) -> None:
    for key in ("nb_html", "en_full_html"):
        text = _text(rendered[key])
        assert "0301" in text and " 301 " not in text, key
    assert "0301" in _pdf_text(rendered["nb_pdf"])
    assert SITE_CODES[0] == "0301"


#: An interval called 94 % (ArviZ's default) or an HDI, in any language.
WRONG_INTERVAL = re.compile(
    r"\bHDI\b|highest density|høyeste tetthet|94\s?%[-\s]*(intervall|interval|troverd|credible|HDI)",
    re.I,
)


@pytest.mark.parametrize(
    "key", ["nb_html", "en_html", "en_full_html", "persons_html", "persons_en_html"]
)
def test_no_94_percent_hdi_anywhere(rendered: dict[str, Path], key: str) -> None:
    text = _text(rendered[key])
    assert not WRONG_INTERVAL.search(text), WRONG_INTERVAL.search(text)


def test_no_94_percent_hdi_in_the_pdfs_or_the_sources(rendered: dict[str, Path]) -> None:
    for key in ("nb_pdf", "persons_pdf"):
        assert not WRONG_INTERVAL.search(_pdf_text(rendered[key])), key
    package = Path(rendering.__file__).parent
    for path in [*package.glob("*.py"), *REPORTS.glob("*.qmd")]:
        source = path.read_text(encoding="utf-8")
        assert "hdi_prob" not in source and "az.hdi" not in source, path


def test_bayesian_intervals_are_called_equal_tailed(rendered: dict[str, Path]) -> None:
    nb = _text(rendered["persons_html"])
    assert "95 % troverdighetsintervaller med like mye sannsynlighet i hver hale" in nb
    assert "Intervallene er 95 % konfidensintervaller" in nb
    en = _text(rendered["en_full_html"])
    assert "95% equal-tailed credible interval" in en


# -- the link scale: numbers from the bundle ----------------------------------------------


def test_link_scale_section_number_comes_from_the_descriptives(rendered: dict[str, Path]) -> None:
    nb = _text(rendered["persons_html"])
    assert "Parallelle trender – i andeler eller i log-odds?" in nb
    programme, comparison = BASELINE_SHARES
    assert f"omtrent {programme / comparison:.1f}".replace(".", ",") + " ganger så høy" in nb
    assert "30,0 % blant deltakerne mot 15,0 % blant de andre" in nb
    assert "mot 4,4 prosentpoeng i hovedanslaget" in nb
    assert "dobbelt så ofte" not in nb  # the old hard-coded words
    en = _text(rendered["persons_en_html"])
    assert "about 2.0 times as high" in en
    assert "Parallel trends" not in _text(rendered["nb_html"])  # flyt has no logit model


def _logit_bundle(root: Path, shares: tuple[float, float], *, att_gt: bool) -> Bundle:
    bundle = Bundle.create(root, "getacademy")
    bundle.update_metadata(**{**META, "outcome": "neet"}, study=STUDIES["getacademy"])
    bundle.update_metadata(sensitivity={"bayes_logit_link": {"passed": False, "method": "x"}})
    bundle.write_table("descriptives", _descriptives(shares, small=False))
    if att_gt:
        frame = pd.DataFrame({"cohort": [2019], "time": [2019], "estimate": [0.0], "se": [0.01],
                              "ci_lower": [0.0], "ci_upper": [0.0], "event_time": [0]})  # fmt: skip
        bundle.write_table("att_gt", declared("att_gt", frame))
    return bundle


def test_link_scale_ratio_follows_the_data_and_is_left_out_without_them(tmp_path: Path) -> None:
    bundle = _logit_bundle(tmp_path / "a", (0.36, 0.12), att_gt=True)
    text = str(sections.link_scale_section(ReportContext(bundle, "nb"))[0])
    assert "omtrent 3,0 ganger så høy" in text and "(i 2016–2018)" in text
    assert "besto ikke alle konvergenskontrollene" in text  # the check failed: said
    same = _logit_bundle(tmp_path / "b", (0.2, 0.2), att_gt=True)
    assert "about the same" in str(sections.link_scale_section(ReportContext(same, "en"))[0])
    # without the first start year the levels cannot be placed before the start: left out
    blind = _logit_bundle(tmp_path / "c", (0.36, 0.12), att_gt=False)
    text = str(sections.link_scale_section(ReportContext(blind, "nb"))[0])
    assert "ganger" not in text and "log-odds" in text
    # no logit model: no section
    plain = Bundle.create(tmp_path / "d", "flyt")
    plain.update_metadata(**META)
    assert sections.link_scale_section(ReportContext(plain, "nb")) == []


def test_baseline_levels_refuse_small_sums() -> None:
    table = _descriptives((0.5, 0.5), small=False)
    table.loc[table["group"] == "adopting", ["n_persons", "n_outcome"]] = [3, 1]
    assert baseline_levels(table, before=2018) is None


# -- what the analysis side adds: other outcomes, the headline rule -----------------------


def test_other_outcomes_and_the_headline_rule(tmp_path: Path) -> None:
    bundle = Bundle.create(tmp_path, "getacademy")
    bundle.update_metadata(**{**META, "outcome": "employed"}, study=STUDIES["getacademy"],
                           headline_rule=HEADLINE_RULE)  # fmt: skip
    estimates = pd.DataFrame({"estimator": ["att_gt_simple"], "label": ["CS"], "headline": [True],
                              "estimate": [0.04], "se": [0.01], "ci_lower": [0.02],
                              "ci_upper": [0.06]})  # fmt: skip
    bundle.write_table(
        "estimates", declared("estimates", estimates.assign(label_nb="CS", label_en="CS"))
    )
    bundle.write_table("other_outcomes", declared("other_outcomes", OTHER_OUTCOMES))
    nb = sections.effect_section(ReportContext(bundle, "nb"))
    words = "\n".join(str(i) for i in nb)
    assert "### Andre utfall" in words
    assert (
        "Effekten på andelen som verken er i arbeid, utdanning eller opplæring (NEET) er " in words
    )
    assert "−3,1" in words and "ikke verdsatt i kroner" in words
    assert "Hvorfor dette er hovedanslaget: " + HEADLINE_RULE["nb"] in words
    table = [i for i in nb if hasattr(i, "to_frame") and "Verdsatt i kroner" in i.to_frame()]
    assert table and table[0].to_frame()["Verdsatt i kroner"].tolist() == ["nei"]
    assert table[0].to_frame()["Metode"].tolist() == ["Callaway–Sant'Anna-estimatoren"]
    en = "\n".join(str(i) for i in sections.effect_section(ReportContext(bundle, "en")))
    assert "### Other outcomes" in en and HEADLINE_RULE["en"] in en


# -- which document renders ---------------------------------------------------------------


def test_the_template_renders_unless_a_programme_has_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert rendering.report_source("flyt", REPORTS) == REPORTS / "study.qmd"
    own = tmp_path / "reports"
    own.mkdir()
    (own / "flyt.qmd").write_text("x", encoding="utf-8")
    assert rendering.report_source("flyt", own) == own / "flyt.qmd"  # the hook
    # a project elsewhere without a template uses impact's own
    assert rendering.report_source("getacademy", own) == rendering.HOME_REPORTS / "study.qmd"
    monkeypatch.setattr(rendering, "HOME_REPORTS", tmp_path / "nowhere")
    with pytest.raises(DataError, match="study.qmd"):
        rendering.report_source("getacademy", own)


def test_a_project_elsewhere_renders_with_the_template(results_dir: Path, tmp_path: Path) -> None:
    project = tmp_path / "project"
    (project / "reports").mkdir(parents=True)
    paths = render("unginvest", lang="en", to="html", results_dir=results_dir,
                   reports_dir=project / "reports", engine="builtin")  # fmt: skip
    assert paths == [project / "reports" / "_output" / "unginvest.en.html"]
    assert "UngInvest: did the programme work" in _text(paths[0])


def test_a_missing_table_names_it_and_the_bundle_docs(results_dir: Path) -> None:
    ctx = ReportContext.open(results_dir, "unginvest", lang="en")
    with pytest.raises(DataError, match=r"'ledger'.*docs/bundle\.md"):
        ctx.table("ledger")
