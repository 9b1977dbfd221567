"""Statistical disclosure control for everything that leaves the machine.

Register data on persons may only be published in a form where no one can be recognised.
The rule applied here is the one Norwegian register owners (SSB, NAV) apply to frequency
tables: **no count below the threshold (5) is shown**, neither directly, nor through a
rate computed from it, nor through arithmetic on totals ("secondary disclosure"). The
functions below take tidy tables with raw counts (as the results bundle keeps them) and
return what may be shown.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from impact.errors import DataError
from impact.plain_language import check_lang

#: The default threshold: counts 0-4 are never shown.
THRESHOLD = 5


@dataclass(frozen=True)
class SuppressedTable:
    """A table after small-cell suppression.

    Attributes
    ----------
    table
        The input table with every suppressed cell set to missing (``pd.NA``); numeric
        columns stay numeric.
    suppressed
        Boolean frame of the same shape: ``True`` where a cell was suppressed.
    threshold
        Counts below this value were suppressed.
    n_primary, n_secondary
        Number of count cells suppressed because they were small (or their complement was),
        and extra cells suppressed so that no suppressed cell can be recovered from a total.
    """

    table: pd.DataFrame
    suppressed: pd.DataFrame
    threshold: int
    n_primary: int
    n_secondary: int

    @property
    def marker(self) -> str:
        """What a suppressed cell shows, e.g. ``"<5"``."""
        return f"<{self.threshold}"

    def to_frame(self, *, marker: bool = True) -> pd.DataFrame:
        """The table to show: suppressed cells replaced by :attr:`marker` (or left missing)."""
        if not marker:
            return self.table.copy()
        out = self.table.astype(object)
        return out.mask(self.suppressed, self.marker)

    def note(self, *, lang: str = "nb") -> str:
        """A footnote for the table explaining the rule (empty when nothing was suppressed)."""
        check_lang(lang)
        if not self.suppressed.to_numpy().any():
            return ""
        if lang == "nb":
            return (
                f"«{self.marker}»: færre enn {self.threshold} personer, eller tall som kunne "
                "avsløre et slikt lite antall, vises ikke (personvern)."
            )
        return (
            f'"{self.marker}": fewer than {self.threshold} persons, or figures that would reveal '
            "such a small count, are not shown (privacy)."
        )

    def summary(self) -> str:
        """One line saying what was suppressed."""
        return (
            f"Small-cell suppression (threshold {self.threshold}): {self.n_primary} primary and "
            f"{self.n_secondary} secondary cells suppressed in a {self.table.shape[0]}-row table."
        )


def suppress_small_cells(
    table: pd.DataFrame,
    *,
    count_columns: Sequence[str],
    threshold: int = THRESHOLD,
    derived: Mapping[str, Sequence[str]] | None = None,
    complements: Mapping[str, str] | None = None,
    margins: Mapping[str, Hashable] | None = None,
    column_sums: Mapping[str, Sequence[str]] | None = None,
    public_totals: Sequence[str] = (),
    keep_zeros: bool = False,
) -> SuppressedTable:
    """Suppress counts below ``threshold`` and everything that would reveal them.

    Parameters
    ----------
    table
        Tidy table with raw counts; not modified.
    count_columns
        Columns holding counts of persons. A cell with a value below ``threshold`` is
        suppressed (primary suppression).
    threshold
        Smallest count that may be shown (default 5).
    derived
        ``{count_column: [columns computed from it]}``, e.g. ``{"n_outcome": ["rate"]}``:
        when the count is suppressed, so are these cells in the same row (a rate times the
        group size gives the count back).
    complements
        ``{count_column: total_column}``, e.g. ``{"n_outcome": "n_persons"}``: the
        count is also suppressed when ``total - count`` is below the threshold (30 of 32
        completed reveals that 2 did not).
    margins
        ``{key_column: total_label}`` when the table holds total rows: rows with
        ``table[key_column] == total_label`` are the sums of the other rows that agree on
        every other non-count column. If exactly one cell of such a sum is suppressed, the
        smallest other cell is suppressed too (secondary suppression), until no suppressed
        cell can be recovered by subtraction.
    column_sums
        ``{total_column: [component columns]}`` for sums across columns of one row; handled
        like ``margins``.
    public_totals
        Count columns whose grand total is published elsewhere (e.g. "61 234 persons" in
        the text). The column's cells then form a sum with a known total: one suppressed
        cell would follow by subtraction, so a second one is suppressed.
    keep_zeros
        Show zero counts (some register owners allow it). Default ``False``: "no count
        below 5" includes zero.

    Returns
    -------
    SuppressedTable
        ``.to_frame()`` gives the table to show with ``"<5"`` markers; ``.note(lang=...)``
        the footnote.

    Examples
    --------
    >>> t = pd.DataFrame({"group": ["a", "b"], "n": [30, 3], "k": [20, 1], "rate": [0.67, 0.33]})
    >>> s = suppress_small_cells(t, count_columns=["n", "k"], derived={"k": ["rate"]})
    >>> s.to_frame()["k"].tolist()
    [20, '<5']
    """
    derived = dict(derived or {})
    complements = dict(complements or {})
    margins = dict(margins or {})
    sum_columns: dict[str, list[str]] = {k: list(v) for k, v in (column_sums or {}).items()}
    counts = list(count_columns)
    named = set(counts) | {c for cols in derived.values() for c in cols} | set(complements.values())
    named |= set(public_totals)
    named |= set(margins) | set(sum_columns) | {c for cols in sum_columns.values() for c in cols}
    missing = sorted(named - set(table.columns))
    if missing:
        raise DataError(
            f"suppress_small_cells: column(s) {missing} are not in the table; "
            f"columns are {list(table.columns)}."
        )
    not_counted = sorted(
        ({*sum_columns} | {c for cols in sum_columns.values() for c in cols}) - set(counts)
    )
    if not_counted:
        raise DataError(
            f"suppress_small_cells: column_sums uses {not_counted}, which are not in "
            "count_columns; list every column of a sum in count_columns."
        )
    values = table[counts].apply(pd.to_numeric, errors="coerce").astype(float)
    if (values < 0).to_numpy().any():
        bad = values.columns[(values < 0).any()].tolist()
        raise DataError(f"Count column(s) {bad} hold negative values; counts must be >= 0.")

    def small(v: pd.Series | pd.DataFrame) -> pd.Series | pd.DataFrame:
        hit = v < threshold
        return hit & (v > 0) if keep_zeros else hit

    mask = pd.DataFrame(False, index=table.index, columns=table.columns)
    for col in counts:
        mask[col] = small(values[col]).fillna(False).astype(bool)
    for col, total in complements.items():
        rest = pd.to_numeric(table[total], errors="coerce") - values[col]
        mask[col] |= small(rest).fillna(False).astype(bool)
    n_primary = int(mask[counts].to_numpy().sum())

    totals = _sum_relations(table, counts, margins, sum_columns)
    sums = [cells for cells, _ in totals]
    sums += [[(row, col) for row in table.index] for col in public_totals if col in counts]
    changed = True
    while changed:
        changed = False
        for cells in sums:
            hidden = [c for c in cells if mask.at[c]]
            if len(hidden) != 1:
                continue
            shown = [c for c in cells if not mask.at[c]]
            target = min(shown, key=lambda c: (values.at[c], str(c)))
            mask.at[target] = True
            changed = True
    # The rule above stops subtraction from one sum; the audit stops every combination of
    # sums (two-way tables with both margins): each primary cell's protection interval must
    # be at least the threshold wide (impact.report.protection, linear programming).
    primary = small(values).fillna(False).astype(bool)
    mask[counts] = _audit(values, mask[counts], primary, totals, public_totals, threshold)
    n_secondary = int(mask[counts].to_numpy().sum()) - n_primary

    for col, cols in derived.items():
        for dcol in cols:
            mask[dcol] |= mask[col]
    out = table.copy()
    for col in mask.columns[mask.any()]:
        if pd.api.types.is_integer_dtype(out[col]):
            out[col] = out[col].astype("Int64")
        elif pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].astype("Float64")
        out[col] = out[col].mask(mask[col])
    return SuppressedTable(out, mask, int(threshold), n_primary, n_secondary)


Cell = tuple[Hashable, str]


def _sum_relations(
    table: pd.DataFrame,
    counts: list[str],
    margins: Mapping[str, Hashable],
    column_sums: Mapping[str, list[str]],
) -> list[tuple[list[Cell], list[Cell]]]:
    """Every additive relation as (its (row label, column) cells, total included; the total
    cells among them)."""
    relations: list[tuple[list[Cell], list[Cell]]] = []
    keys = [c for c in table.columns if c not in counts and not _is_float(table[c])]
    for key, label in margins.items():
        others = [k for k in keys if k != key]
        parts = (
            [part.index for _, part in table.groupby(others, dropna=False)]
            if others
            else [table.index]
        )
        for rows in parts:
            is_total = table.loc[rows, key] == label
            if len(rows) < 2 or not is_total.any():
                continue
            for col in counts:
                cells = [(row, col) for row in rows]
                relations.append((cells, [(row, col) for row in rows[is_total.to_numpy()]]))
    for total, parts in column_sums.items():
        for row in table.index:
            relations.append(([(row, total)] + [(row, part) for part in parts], [(row, total)]))
    return relations


def _audit(
    values: pd.DataFrame,
    hidden: pd.DataFrame,
    primary: pd.DataFrame,
    totals: list[tuple[list[Cell], list[Cell]]],
    public_totals: Sequence[str],
    threshold: int,
) -> pd.DataFrame:
    """Secondary suppressions until every primary cell's protection interval is >= threshold."""
    from impact.report.protection import Relation, protect

    rows, cols = list(values.index), list(values.columns)
    where = {(r, c): j * len(rows) + i for j, c in enumerate(cols) for i, r in enumerate(rows)}
    relations = [
        Relation(
            cells=tuple(where[c] for c in cells),
            coefs=tuple(-1.0 if c in total else 1.0 for c in cells),
            rhs=0.0,
        )
        for cells, total in totals
    ]
    flat = values.fillna(0).to_numpy().T.ravel()
    for col in public_totals:
        if col in cols:
            cells = tuple(where[(r, col)] for r in rows)
            relations.append(Relation(cells, (1.0,) * len(cells), float(flat[list(cells)].sum())))
    if not relations:
        return hidden
    mask = protect(flat, hidden.to_numpy().T.ravel(), relations,
                   primary=primary.to_numpy().T.ravel(), width=threshold)  # fmt: skip
    return pd.DataFrame(mask.reshape(len(cols), len(rows)).T, index=values.index, columns=cols)


def _is_float(column: pd.Series) -> bool:
    return bool(pd.api.types.is_float_dtype(column))


def hide_small_groups(
    table: pd.DataFrame,
    *,
    count_column: str,
    threshold: int = THRESHOLD,
    public_total: bool = True,
) -> tuple[pd.DataFrame, int]:
    """Drop rows (e.g. sites in a forest plot) whose ``count_column`` is below ``threshold``,
    and as many more as it takes to keep them hidden.

    With ``public_total`` (the default: reports publish the number of participants) the
    column's total is known, so the hidden rows' sum is too: one hidden site would follow by
    subtraction. The smallest further rows are then hidden until every small one's
    protection interval (:mod:`impact.report.protection`) is at least ``threshold`` wide.
    Returns the rows that may be shown, in their order, and how many were hidden, so a table,
    a figure and a sentence hide the same rows and say "3 sites are not shown".
    """
    if count_column not in table.columns:
        raise DataError(
            f"hide_small_groups: count column {count_column!r} is not in the table; "
            f"columns are {list(table.columns)}."
        )
    values = pd.to_numeric(table[count_column], errors="coerce").fillna(0).to_numpy(float)
    hidden = values < threshold
    if public_total and hidden.any():
        from impact.report.protection import Relation, protect

        every = Relation(tuple(range(values.size)), (1.0,) * values.size, float(values.sum()))
        hidden = protect(values, hidden, [every], primary=values < threshold, width=threshold)
    keep = ~hidden
    return table.loc[keep].reset_index(drop=True), int(hidden.sum())


def disclose_count(count: float, *, lang: str = "nb", threshold: int = THRESHOLD) -> str:
    """Format a single count for text, or ``"<5"`` when it is below the threshold."""
    from impact.plain_language import format_count

    if count is None or np.isnan(float(count)) or float(count) < threshold:
        return f"<{threshold}"
    return format_count(float(count), lang=lang)
