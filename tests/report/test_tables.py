"""Tables: formatted per language, disclosure applied, HTML (great-tables) and Markdown forms."""

from __future__ import annotations

import pandas as pd

from impact.bundle import Bundle
from impact.report.formatting import NBSP
from impact.report.tables import (
    ReportTable,
    appraisal_table,
    descriptives_table,
    estimates_table,
    event_study_table,
    ledger_table,
    plus_minus_table,
    scenarios_table,
    site_effects_table,
)


def test_descriptives_table_suppresses_small_counts_and_rates(full_bundle: Bundle) -> None:
    raw = full_bundle.read_table("descriptives")
    before = raw.copy()
    table = descriptives_table(raw, lang="nb").to_frame()
    pd.testing.assert_frame_equal(raw, before)
    first = table.iloc[0]  # 3 persons, 1 with the outcome
    assert first["Antall personer"] == "<5" and first["Andel"] == "<5"
    # 32 persons, 30 with the outcome: 2 without (complement); and as the smallest other
    # group it is also hidden so that the published total does not reveal the first row.
    second = table.iloc[1]
    assert second["Antall personer"] == "<5" and second["Antall med utfallet"] == "<5"
    total = raw["n_persons"].sum()
    shown = [int(v.replace(NBSP, "")) for v in table["Antall personer"] if v != "<5"]
    assert total - sum(shown) == 3 + 32  # two hidden cells: neither can be recovered
    assert table.iloc[-1]["Antall personer"] == f"9{NBSP}120"
    for column in ("Antall personer", "Antall med utfallet"):
        numbers = [int(v.replace(NBSP, "")) for v in table[column] if v != "<5"]
        assert min(numbers) >= 5


def test_event_study_table_puts_robust_beside_twfe(full_bundle: Bundle) -> None:
    twfe = full_bundle.read_table("twfe_event_study")
    robust = full_bundle.read_table("cs_dynamic").iloc[2:]  # fewer event times than TWFE
    table = event_study_table(twfe, robust=robust, lang="en").to_frame()
    assert len(table) == len(twfe)
    row = table[table["Years relative to start"] == "2"].iloc[0]
    expected = robust.loc[robust["event_time"] == 2, "estimate"].iloc[0]
    assert row["Callaway–Sant'Anna (pp)"] == f"{100 * expected:.1f}"
    assert table.iloc[0]["Callaway–Sant'Anna (pp)"] == "\u2013"


def test_estimates_and_site_tables(full_bundle: Bundle) -> None:
    est = estimates_table(full_bundle.read_table("estimates"), lang="nb").to_frame()
    assert est["Effekt (pp)"].tolist() == ["2,8", "4,4"]
    assert est["95 %-intervall (pp)"].iloc[1] == "2,2 til 6,5"
    sites = site_effects_table(full_bundle.read_table("site_effects"), lang="en")
    shown = sites.to_frame()["Site"].tolist()
    assert "5001" not in shown and "0301" in shown  # codes stay text with their leading zero
    assert "2 sites" in sites.note


def test_appraisal_and_ledger_tables(full_bundle: Bundle) -> None:
    app = appraisal_table(full_bundle.read_table("appraisal_summary"), lang="en").to_frame()
    assert app["Value"].tolist() == [f"NOK{NBSP}48.3 million", "2.40", "86%", "97%", "62%"]
    assert app["Quantity"].tolist()[0] == "Net present value"
    led = ledger_table(full_bundle.read_table("ledger"), lang="nb").to_frame()
    assert led["Per deltaker"].iloc[0] == f"\u221235{NBSP}000{NBSP}kr"
    assert led["Hvem"].tolist() == ["Kommunen", "Staten", "Deltakerne", "Resten av samfunnet"]
    scen = scenarios_table(full_bundle.read_table("scenarios"), lang="en").to_frame()
    assert scen.iloc[1].tolist() == [
        "Discount rate: flat 4%",
        f"NOK{NBSP}41.0 million",
        "80%",
        "2.1",
    ]
    scen = scenarios_table(full_bundle.read_table("scenarios"), lang="nb").to_frame()
    assert scen.iloc[:, 0].tolist() == [
        "Hovedberegningen: R-109, fallende over tid",
        f"Diskonteringsrente: fast 4{NBSP}%",
    ]
    pm = plus_minus_table(full_bundle.read_table("plus_minus"), lang="nb").to_frame()
    assert pm.columns.tolist() == ["Virkning", "Vurdering", "Beskrivelse"]
    assert pm.iloc[0]["Vurdering"] == "+ +"


def test_report_table_renders_html_and_markdown() -> None:
    table = ReportTable(pd.DataFrame({"A": ["<5", "x|y"]}), caption="Cap", note="Note")
    html = table._repr_html_()
    assert "&lt;5" in html and "Cap" in html and "Note" in html and "<script" not in html
    md = table._repr_markdown_()
    assert "| <5 |" in md and "x\\|y" in md and md.startswith("**Cap**")


def test_markdown_cells_stay_text_in_the_pdf() -> None:
    import typst

    from impact.report.builtin_engine import markdown_to_typst

    table = ReportTable(
        pd.DataFrame({"Effect": ["wellbeing", "cost"], "Assessment": ["+ +", "- -"]})
    )
    source = markdown_to_typst(table.to_markdown(), standalone=False)
    # In Typst markup a cell starting with "+ " or "- " would be a list item ("1." / bullet).
    assert "[\\+ +]" in source and "[\\- -]" in source
    assert typst.compile(source.encode())[:5] == b"%PDF-"
