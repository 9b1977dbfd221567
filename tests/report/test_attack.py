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


def test_rows_left_out_by_a_note_are_attacked_too(tmp_path: Path) -> None:
    """The site table drops small sites and says how many: with the participants' total
    published, one dropped site is its count."""
    page = tmp_path / "omitted.html"
    page.write_text(
        "<p>Analysen omfatter 9 000 personer, hvorav 3 467 deltakere.</p>"
        "<table><tr><th>Effekt per sted</th></tr>"
        "<tr><th>Sted</th><th>Deltakere</th><th>Modell (pp)</th></tr>"
        "<tr><td>0301</td><td>3 000</td><td>4,1</td></tr>"
        "<tr><td>1103</td><td>464</td><td>3,9</td></tr>"
        "<tr><td>1 steder vises ikke (færre enn 5 deltakere).</td></tr></table>",
        encoding="utf-8",
    )
    found = attack_report(page)
    assert [(r.low, r.high) for r in found] == [(3.0, 3.0)]


def _leaky_flyt(results_dir: Path, root: Path) -> Path:
    """The full Flyt fixture with one site cut to 3 participants, the participants' total
    published and a ledger whose per-participant column is its total over that number:
    what issue #16 measured on a real Flyt report."""
    from contract.bundle import declared

    from impact.bundle import Bundle

    src = Bundle.open(results_dir, "flyt")
    sites = src.read_table("site_effects")
    sites["n_treated"] = [412, 655, 388, 3, 527, 730, 241, 508][: len(sites)]
    total = int(sites["n_treated"].sum())
    ledger = src.read_table("ledger")  # totals of the size of Flyt's (hundreds of millions)
    ledger["present_value_nok"] = [-121.3e6, 238.0e6, 175.0e6, 56.3e6][: len(ledger)]
    ledger["per_participant_nok"] = ledger["present_value_nok"] / total
    dst = Bundle.create(root, "flyt")
    meta = {k: v for k, v in src.metadata.items() if k not in ("programme", "completion")}
    dst.update_metadata(**{**meta, "n_participants": total})
    for name in src.tables():
        table = {"site_effects": sites, "ledger": ledger}.get(name, src.read_table(name))
        dst.write_table(name, declared(name, table))
    for name in ("effect", "pooled_effect", "npv"):
        if src.has_draws(name):
            dst.write_draws(name, src.read_draws(name))
    dst.commit()
    return root


def test_the_rule_of_yesterday_gives_the_small_site_away(
    results_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The attack fails on today's main: with small sites dropped alone (no complementary
    suppression), the site table and the ledger of the same bundle give the 3 back."""
    from impact.bundle import Bundle
    from impact.report import disclosure, tables

    root = _leaky_flyt(results_dir, tmp_path / "results")
    bundle = Bundle.open(root, "flyt")
    plain = disclosure.hide_small_groups
    monkeypatch.setattr(tables, "hide_small_groups",
                        lambda *a, **k: plain(*a, **{**k, "public_total": False}))  # fmt: skip
    page = tmp_path / "yesterday.html"
    page.write_text(
        tables.site_effects_table(
            bundle.read_table("site_effects"), caption="Effekt per sted"
        ).to_html()
        + tables.ledger_table(bundle.read_table("ledger"), caption="Hvem betaler").to_html(),
        encoding="utf-8",
    )
    found = attack_report(page)
    assert any(r.low <= 3 <= r.high and r.high - r.low < 5 for r in found), found


def test_a_rendered_report_with_one_small_site_survives_the_attack(
    results_dir: Path, tmp_path: Path
) -> None:
    """Cannot be tuned away: the attacker reads the rendered page only (every number of it),
    and the same bundle that gave the site away above no longer does."""
    from impact.report import render

    root = _leaky_flyt(results_dir, tmp_path / "results")
    reports = Path(__file__).resolve().parents[2] / "reports"
    for lang in ("nb", "en"):
        page = render("flyt", lang=lang, to="html", results_dir=root, reports_dir=reports,
                      output_dir=tmp_path / "out", engine="builtin")[0]  # fmt: skip
        assert attack_report(page) == [], lang


def test_render_refuses_to_publish_a_page_the_attack_breaks(
    results_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from impact.errors import DisclosureError
    from impact.report import rendering
    from impact.report.attack import Recovery

    out = tmp_path / "out"
    monkeypatch.setattr("impact.report.attack.attack_report",
                        lambda path, **kw: [Recovery("Effekt per sted", "Deltakere", 3, 3, "a test")])  # fmt: skip
    reports = Path(__file__).resolve().parents[2] / "reports"
    with pytest.raises(DisclosureError, match="'Deltakere'.*3-3"):
        rendering.render("flyt", lang="nb", to="html", results_dir=results_dir,
                         reports_dir=reports, output_dir=out, engine="builtin")  # fmt: skip
    assert not list(out.glob("flyt*.html"))


def test_a_table_s_own_cells_are_not_totals_published_elsewhere(tmp_path: Path) -> None:
    """As rendered pages are written: whitespace between the tags. The shown 3 000 is no
    total of its own column (else two hidden sites would look pinned to 0)."""
    page = tmp_path / "spaced.html"
    page.write_text(
        "<table>\n<tr>\n<th>Sted</th>\n<th>Deltakere</th>\n</tr>\n"
        "<tr>\n<td>0301</td>\n<td>3 000</td>\n</tr>\n<tr>\n<td>1103</td>\n<td>&lt;5</td>\n</tr>\n"
        "<tr>\n<td>4601</td>\n<td>&lt;5</td>\n</tr>\n</table>\n",
        encoding="utf-8",
    )
    assert attack_report(page) == []
