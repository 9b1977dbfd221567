"""The outsider's attack on rendered reports: no suppressed count may be recovered from what a
report publishes (issue #16)."""

from __future__ import annotations

from pathlib import Path

import pytest

from impact.report.attack import attack_report, read_published


def test_the_attack_finds_a_count_left_to_subtraction(tmp_path: Path) -> None:
    """A page that hides one site but publishes the total and a per-participant pair."""
    page = tmp_path / "leaky.html"
    page.write_text(
        "<p>Kostnaden er 244,0 mill. kr, eller 70 379 kr per deltaker.</p>"
        "<table><tr><th>Effekt per sted</th></tr>"
        "<tr><th>Sted</th><th>Deltakere</th></tr>"
        "<tr><td>0301</td><td>3 000</td></tr><tr><td>1103</td><td>464</td></tr>"
        "<tr><td>4601</td><td>&lt;5</td></tr></table>",
        encoding="utf-8",
    )
    found = attack_report(page)
    assert found and found[0].column == "Deltakere"
    assert found[0].low <= 3 <= found[0].high and found[0].high - found[0].low < 5
    assert "ratio" in found[0].how


def test_two_hidden_sites_with_a_large_complement_are_safe(tmp_path: Path) -> None:
    page = tmp_path / "safe.html"
    page.write_text(
        "<p>Kostnaden er 244,0 mill. kr, eller 70 379 kr per deltaker; 3 467 deltakere.</p>"
        "<table><tr><th>Sted</th><th>Deltakere</th></tr>"
        "<tr><td>0301</td><td>3 000</td></tr><tr><td>1103</td><td>&lt;5</td></tr>"
        "<tr><td>4601</td><td>&lt;5</td></tr></table>",
        encoding="utf-8",
    )
    assert attack_report(page) == []


def test_a_share_times_a_count_is_caught(tmp_path: Path) -> None:
    page = tmp_path / "rate.html"
    page.write_text(
        "<table><tr><th>Gruppe</th><th>Personer</th><th>Med utfallet</th><th>Andel</th></tr>"
        "<tr><td>a</td><td>40</td><td>&lt;5</td><td>7,5 %</td></tr></table>",
        encoding="utf-8",
    )
    found = attack_report(page)
    assert [(r.column, r.how) for r in found] == [("Med utfallet", "a share times a count")]


def test_the_reader_sees_text_and_tables() -> None:
    text, tables = read_published(
        "<p>a 1</p><script>x 99</script><table><tr><td>b</td></tr></table>"
    )
    assert "99" not in text and tables == [[["b"]]]


@pytest.mark.parametrize("key", ["nb_html", "en_html", "en_full_html"])
def test_no_rendered_fixture_report_gives_a_small_count_away(
    rendered: dict[str, Path], key: str
) -> None:
    """The full fixture bundle has sites with 3 and 4 participants and small descriptives."""
    assert attack_report(rendered[key]) == []
