"""Protection intervals (linear/integer programming over published sums) and the secondary
suppression they drive: no count below the threshold may be narrowed by an attacker who
combines every published sum of a table."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import impact.report.disclosure as disclosure
from impact.report.disclosure import suppress_small_cells
from impact.report.protection import Relation, protect, protection_intervals


def two_way(inner: np.ndarray) -> pd.DataFrame:
    """Rows r0.. and a Total row; columns a, b, ... and a row total: both margins."""
    cols = [chr(ord("a") + j) for j in range(inner.shape[1])]
    rows = [(f"r{i}", *map(int, inner[i]), int(inner[i].sum())) for i in range(len(inner))]
    rows.append(("Total", *map(int, inner.sum(0)), int(inner.sum())))
    return pd.DataFrame(rows, columns=["row", *cols, "total"])


def suppress(table: pd.DataFrame) -> disclosure.SuppressedTable:
    cols = [c for c in table.columns if c not in ("row", "total")]
    return suppress_small_cells(table, count_columns=[*cols, "total"], margins={"row": "Total"},
                                column_sums={"total": cols})  # fmt: skip


def attack(table: pd.DataFrame, hidden: pd.DataFrame) -> dict[tuple[int, str], tuple[float, float]]:
    """Every hidden count's interval given every published sum of a two-way table."""
    cols = [c for c in table.columns if c != "row"]
    values = table[cols].to_numpy(float)
    n_rows, n_cols = values.shape
    index = {(i, c): i * n_cols + j for i in range(n_rows) for j, c in enumerate(cols)}
    rels = []
    for i in range(n_rows):  # row: total = sum of the others
        rels.append(Relation(tuple(index[(i, c)] for c in cols), (-1.0,) + (1.0,) * (n_cols - 1)
                             if cols[0] == "total" else (1.0,) * (n_cols - 1) + (-1.0,), 0.0))  # fmt: skip
    for c in cols:  # column: the Total row = sum of the others
        cells = tuple(index[(i, c)] for i in range(n_rows))
        rels.append(Relation(cells, (1.0,) * (n_rows - 1) + (-1.0,), 0.0))
    mask = hidden[cols].to_numpy().ravel()
    out = protection_intervals(values.ravel(), mask, rels)
    return {key: tuple(out[k]) for key, k in index.items() if mask[k]}


def test_a_published_total_with_one_small_cell_gives_an_interval_by_hand() -> None:
    rel = [Relation((0, 1, 2, 3), (1.0, 1.0, 1.0, 1.0), 293.0)]
    values = [3, 50, 40, 200]
    # only the 3 hidden: 293 - 290 recovers it exactly
    assert protection_intervals(values, [True, False, False, False], rel)[0].tolist() == [3, 3]
    # the 3 and the 40 hidden: x0 + x2 = 43, so x0 in [0, 43]
    assert protection_intervals(values, [True, False, True, False], rel)[0].tolist() == [0, 43]
    # protect() picks the smallest other cell (40) and stops there
    mask = protect(values, [True, False, False, False], rel, primary=[True, False, False, False],
                   width=5)  # fmt: skip
    assert mask.tolist() == [True, False, True, False]


def test_whole_numbers_narrow_what_the_linear_relaxation_leaves_open() -> None:
    # 2 x0 = 3 has no whole solution near 1.5 ... but 2 x0 + x1 = 3 with x1 >= 0 whole
    # gives x0 in {0, 1}: the attacker uses integrality
    rel = [Relation((0, 1), (2.0, 1.0), 3.0)]
    assert protection_intervals([1, 1], [True, True], rel)[0].tolist() == [0, 1]


def test_the_two_way_table_of_the_issue_no_longer_leaks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue #16: with both margins, the old rule (never exactly one hidden cell in a sum)
    left the 1 of [[0, 5], [0, 0], [5, 1]] recoverable by linear programming."""
    table = two_way(np.array([[0, 5], [0, 0], [5, 1]]))
    with monkeypatch.context() as m:  # the old rule alone
        m.setattr(disclosure, "_audit", lambda values, hidden, *a: hidden)
        old = suppress(table)
    found = attack(table, old.suppressed)
    assert found[(2, "b")] == (1.0, 1.0)  # the leak the issue measured
    new = suppress(table)
    for (i, c), (low, high) in attack(table, new.suppressed).items():
        if table.at[i, c] < 5:
            assert high - low >= 5, (i, c, low, high)


@pytest.mark.parametrize("seed", range(25))
def test_no_small_count_of_a_random_two_way_table_can_be_narrowed(seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(2, 5)), int(rng.integers(2, 4)))
    inner = np.where(
        rng.random(shape) < 0.35, rng.integers(0, 5, shape), rng.integers(5, 60, shape)
    )
    table = two_way(inner)
    safe = suppress(table)
    shown = safe.to_frame()
    counts = [c for c in table.columns if c != "row"]
    small = table[counts] < 5
    assert (shown[counts][small] == "<5").to_numpy()[small.to_numpy()].all()
    for (i, c), (low, high) in attack(table, safe.suppressed).items():
        if table.at[i, c] < 5:
            assert high - low >= 5, (seed, i, c, low, high, inner.tolist())


@pytest.mark.parametrize("seed", range(15))
def test_intervals_match_brute_force_enumeration(seed: int) -> None:
    """An independent attacker: try every whole-number completion of the hidden cells."""
    import itertools

    rng = np.random.default_rng(100 + seed)
    n = 5
    values = rng.integers(0, 7, n).astype(float)
    hidden = np.zeros(n, dtype=bool)
    hidden[rng.choice(n, size=3, replace=False)] = True
    rels = []
    for _ in range(2):
        cells = tuple(sorted(rng.choice(n, size=3, replace=False).tolist()))
        rels.append(Relation(cells, (1.0,) * 3, float(values[list(cells)].sum())))
    found = protection_intervals(values, hidden, rels)
    idx = np.flatnonzero(hidden)
    feasible = []
    for combo in itertools.product(range(19), repeat=idx.size):
        x = values.copy()
        x[idx] = combo
        if all(abs(sum(x[c] for c in r.cells) - r.rhs) < 1e-9 for r in rels):
            feasible.append(x[idx])
    brute = np.array(feasible)
    for k, cell in enumerate(idx):
        touched = any(cell in r.cells for r in rels)
        expected = (brute[:, k].min(), brute[:, k].max() if touched else np.inf)
        if touched and expected[1] == 18:  # hit the enumeration's edge: unbounded
            continue
        assert tuple(found[cell]) == expected, (seed, cell)
