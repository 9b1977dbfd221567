"""The portfolio page (issue 15, part 6): every programme, its first-page numbers and links
to the reports that exist; self-contained; both languages."""

from __future__ import annotations

import re
from pathlib import Path

from impact.report.portfolio import write_portfolio


def test_every_programme_with_its_numbers_and_links(
    results_dir: Path, rendered: dict[str, Path], tmp_path: Path
) -> None:
    out = rendered["nb_html"].parent
    nb, en = write_portfolio(
        ["flyt", "unginvest", "getacademy", "vaareunge"], results_dir=results_dir, output_dir=out
    )
    assert (nb.name, en.name) == ("index.html", "index.en.html")
    page = nb.read_text(encoding="utf-8")
    links = re.findall(r"href='([^']+)'", page)
    assert {"flyt.html", "flyt.pdf", "unginvest.en.html"} <= set(links)
    assert all((out / link).is_file() for link in links), links  # no dead link
    assert "48,3\u00a0mill.\u00a0kr" in page and "86\u00a0%" in page and "2,4" in page
    assert "usikkert" in page.lower()  # the verdict's label for P(NPV > 0) = 0.86
    assert "kjør <code>impact run vaareunge</code>" in page  # no bundle yet: said, not hidden
    # titles from the study block, not the programme key
    assert "<td data-label='Program'>GET Academy</td>" in page and ">getacademy<" not in page
    assert "<td data-label='Program'>UngInvest</td>" in page
    assert "<script" not in page and not re.search(r"(src|href)=['\"]https?:", page)
    english = en.read_text(encoding="utf-8")
    assert "uncertain" in english.lower() and "lang='en'" in english
    # no count of persons on the page (the fixture bundle has 61,234 persons and 21 units)
    text = re.sub(r"<[^>]+>", " ", page)
    assert "61\u00a0234" not in text and "61 234" not in text and "61234" not in text
