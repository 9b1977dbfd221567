"""One language per report (issue 15 part 3): no word of the other language reaches a reader.

Every visible word of a bokmål report is bokmål and of an English report English. The
scan looks for tell-tale words: short function words that only one of the two languages
has, and the English and technical keys that used to leak (schedule labels, outcome and
truth keys, diagnostic messages). Terms of art with no bokmål word in use (TWFE, DiD,
wild cluster bootstrap, R-hat) and names (Callaway–Sant'Anna, Green Book) are allowed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

pytestmark = pytest.mark.xdist_group("report_render")

#: Words that give English away in a bokmål text (none is a bokmål word).
ENGLISH = frozenset(
    """the and of with is are was were be been not only this that these those which who
    what when where from into than then there their they it its by an as or but if
    does do would could should will can may must
    estimate estimates effect outcome treated untreated clusters units chains exceeds
    below above unreliable analytic standard errors prefer discount schedule flat base
    persistence none permanent passed failed check note technical warning
    simple unit completed""".split()
)
#: Words that give bokmål away in an English text (none is an English word).
BOKMAL = frozenset(
    """og er av med som ikke det den de en et til på fra ved etter før om hvor hvem
    hvorav eller men også kan skal vil må har var blir ble
    effekten andelen kommune kommunen kommuner prosentpoeng intervall lønner
    merknad teknisk kontroll bestått utfall frø år""".split()
)
#: Names and terms of art allowed in both (matched before words are counted).
ALLOWED = (
    "Callaway–Sant'Anna",
    "Callaway-Sant'Anna",
    "Sant'Anna",
    "wild cluster bootstrap",
    "Green Book",
    "R-hat",
    "Rambachan og Roth",
    "Rambachan and Roth",
    "Borusyak, Jaravel og Spiess",
    "Borusyak, Jaravel & Spiess",
    "Flyt",
    "UngInvest",
)
#: Keys that must never reach a reader in either language.
KEYS = re.compile(
    r"\b(completed_vgs|simple_unit|simple_person|r109|green_book|hierarchical_did|"
    r"att_gt\w*|twfe_event_study|\w+Warning)\b|\.;"
)


#: Caption of the one table whose cells are free text from the study in bokmål only: the
#: bundle's ``plus_minus`` table has no English columns yet (a bundle change, not the
#: report's), so its cells are left out of the English scan.
QUOTED_IN_NB = "Effects not valued in money"


def visible_text(path: Path) -> str:
    soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
    for tag in soup(["style", "script", "head"]):
        tag.decompose()
    for table in soup.find_all("table"):
        if QUOTED_IN_NB in table.get_text(" "):
            for cell in table.find_all("td"):
                cell.decompose()
    # The parameters' sources (English report) are citations, quoted in their own language.
    for strong in soup.find_all("strong", string="Sources"):
        listing = strong.find_parent("p").find_next_sibling("ul")
        if listing is not None:
            listing.decompose()
    return " ".join(soup.get_text(" ").split())


#: Site names in the fixture bundle and file paths of the bundle (identifiers, not words).
SITE_NAMES = re.compile(r"Kommune \d+|\b[\w.-]+/[\w./-]+|\b[0-9a-f]{12,}\b")


def foreign_words(text: str, *, lang: str) -> list[str]:
    """Words of the other language in ``text`` (the report is in ``lang``), and leaked keys."""
    for allowed in ALLOWED:
        text = text.replace(allowed, " ")
    text = SITE_NAMES.sub(" ", text)
    found = [m.group(0) for m in KEYS.finditer(text)]
    tell_tale = ENGLISH if lang == "nb" else BOKMAL
    words = re.findall(r"[^\W\d_]+", text)
    found += [w for w in words if w.lower() in tell_tale]
    return sorted(set(found))


def test_the_scan_finds_what_used_to_leak() -> None:
    old_nb = (
        "Forutsetning base: r109 discount schedule: flat 4 % Utfall: completed_vgs "
        "Teknisk (engelsk): Only 20 treated clusters in event_study: analytic standard errors"
    )
    assert {"base", "r109", "completed_vgs", "Only", "treated"} <= set(
        foreign_words(old_nb, lang="nb")
    )
    assert foreign_words("Effekten er 4,4 prosentpoeng.", lang="en") == [
        "Effekten",
        "er",
        "prosentpoeng",
    ]
    assert foreign_words("Effekten er 4,4 prosentpoeng (Callaway–Sant'Anna).", lang="nb") == []


@pytest.mark.parametrize(
    ("key", "lang"), [("nb_html", "nb"), ("en_html", "en"), ("en_full_html", "en")]
)
def test_rendered_report_speaks_one_language(
    rendered: dict[str, Path], key: str, lang: str
) -> None:
    found = foreign_words(visible_text(rendered[key]), lang=lang)
    assert found == [], f"{rendered[key].name} ({lang}) has words of the other language: {found}"


def test_pdf_speaks_one_language(rendered: dict[str, Path]) -> None:
    binary = shutil.which("pdftotext")
    if binary is None:
        pytest.skip("pdftotext is not installed (Debian package poppler-utils)")
    text = subprocess.run([binary, str(rendered["nb_pdf"]), "-"], check=True,
                          capture_output=True, text=True).stdout  # fmt: skip
    found = foreign_words(" ".join(text.split()), lang="nb")
    assert found == [], f"the bokmål PDF has words of the other language: {found}"
