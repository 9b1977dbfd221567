"""Small-cell suppression: no count below the threshold can be read or recovered."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from impact.errors import DataError
from impact.report.disclosure import disclose_count, hide_small_groups, suppress_small_cells


def _table() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["a", "b", "c", "d"],
            "n_persons": [30, 3, 40, 120],
            "n_outcome": [20, 1, 36, 60],
            "rate": [20 / 30, 1 / 3, 36 / 40, 0.5],
        }
    )


def test_primary_complement_and_derived_cells_are_suppressed() -> None:
    table = _table()
    before = table.copy()
    safe = suppress_small_cells(
        table,
        count_columns=["n_persons", "n_outcome"],
        complements={"n_outcome": "n_persons"},
        derived={"n_outcome": ["rate"], "n_persons": ["rate"]},
    )
    shown = safe.to_frame()
    assert shown["n_persons"].tolist() == [30, "<5", 40, 120]
    # b: 1 < 5 (primary); c: 40 - 36 = 4 persons without the outcome (complement).
    assert shown["n_outcome"].tolist() == [20, "<5", "<5", 60]
    assert shown.loc[[1, 2], "rate"].tolist() == ["<5", "<5"]
    assert shown.loc[3, "rate"] == 0.5
    assert safe.n_primary == 3 and safe.n_secondary == 0
    assert "<5" in safe.note(lang="nb") and "privacy" in safe.note(lang="en")
    pd.testing.assert_frame_equal(table, before)  # input untouched


def test_zero_is_suppressed_unless_zeros_are_allowed() -> None:
    table = pd.DataFrame({"g": ["a", "b"], "n": [0, 10]})
    assert suppress_small_cells(table, count_columns=["n"]).to_frame()["n"].tolist() == ["<5", 10]
    kept = suppress_small_cells(table, count_columns=["n"], keep_zeros=True).to_frame()
    assert kept["n"].tolist() == [0, 10]


def _recoverable(values: np.ndarray, hidden: np.ndarray, groups: list[list[int]]) -> set[int]:
    """Cells whose value follows by subtraction from a sum with exactly one unknown."""
    found: set[int] = set()
    for cells in groups:
        unknown = [c for c in cells if hidden[c]]
        if len(unknown) == 1:
            found.add(unknown[0])
    return found


def test_secondary_suppression_protects_cells_behind_a_total_row() -> None:
    rng = np.random.default_rng(3)
    for _ in range(30):
        parts = rng.integers(1, 40, size=(3, 4))  # 3 years x 4 groups
        rows = []
        for year in range(3):
            for g in range(4):
                rows.append((2020 + year, f"g{g}", int(parts[year, g])))
            rows.append((2020 + year, "Total", int(parts[year].sum())))
        table = pd.DataFrame(rows, columns=["year", "group", "n"])
        safe = suppress_small_cells(table, count_columns=["n"], margins={"group": "Total"})
        hidden = safe.suppressed["n"].to_numpy()
        values = table["n"].to_numpy()
        assert not ((values < 5) & ~hidden).any()
        groups = [list(range(5 * y, 5 * y + 5)) for y in range(3)]
        assert not _recoverable(values, hidden, groups)


def test_column_sums_are_protected_too() -> None:
    table = pd.DataFrame({"g": ["a"], "total": [50], "boys": [3], "girls": [47]})
    safe = suppress_small_cells(
        table, count_columns=["total", "boys", "girls"], column_sums={"total": ["boys", "girls"]}
    )
    row = safe.to_frame().iloc[0]
    assert row["boys"] == "<5" and row["girls"] == "<5" and row["total"] == 50
    assert safe.n_secondary == 1


def test_bad_input_names_the_column() -> None:
    with pytest.raises(DataError, match="n_missing"):
        suppress_small_cells(_table(), count_columns=["n_missing"])
    with pytest.raises(DataError, match="negative"):
        suppress_small_cells(pd.DataFrame({"n": [-1]}), count_columns=["n"])


def test_hide_small_groups_and_disclose_count() -> None:
    sites = pd.DataFrame({"site": list("abc"), "n_treated": [3, 12, 5]})
    # the number of participants is published, so the 3 alone would follow by subtraction:
    # the smallest other site (5) is hidden with it
    shown, hidden = hide_small_groups(sites, count_column="n_treated")
    assert shown["site"].tolist() == ["b"] and hidden == 2
    shown, hidden = hide_small_groups(sites, count_column="n_treated", public_total=False)
    assert shown["site"].tolist() == ["b", "c"] and hidden == 1
    assert disclose_count(4) == "<5"
    assert disclose_count(12345, lang="en") == "12,345"


@pytest.mark.parametrize("threshold", [3, 5, 10])
def test_threshold_is_respected_for_every_cell(threshold: int) -> None:
    counts = list(itertools.chain(range(0, 15), [100]))
    table = pd.DataFrame({"k": range(len(counts)), "n": counts})
    shown = suppress_small_cells(table, count_columns=["n"], threshold=threshold).to_frame()
    visible = [v for v in shown["n"] if v != f"<{threshold}"]
    assert min(visible) == threshold


def test_a_published_grand_total_triggers_secondary_suppression() -> None:
    table = pd.DataFrame({"g": list("abcd"), "n": [3, 50, 40, 200]})
    plain = suppress_small_cells(table, count_columns=["n"]).to_frame()
    assert plain["n"].tolist() == ["<5", 50, 40, 200]  # 293 - 290 = 3 if 293 is published
    safe = suppress_small_cells(table, count_columns=["n"], public_totals=["n"]).to_frame()
    assert safe["n"].tolist() == ["<5", 50, "<5", 200]
