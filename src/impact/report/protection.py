"""Protection intervals: how narrowly can an attacker pin down a suppressed count?

Suppressing every count below the threshold is not enough when totals are published: the
attacker solves the published sums for the hidden cells. Statistical offices audit a
suppression pattern by linear programming (Tau-Argus and its manual, Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, ch. 4.3): for each hidden cell ``i`` the
attacker's interval is

    [ min x_i , max x_i ]  subject to  A x = b (every published sum),  x >= 0 whole,
                                       x_j = published value for every shown cell,

and the pattern protects ``i`` when the interval is at least as wide as the protection level
(here: the threshold — the attacker's ``max - min`` for a count below 5 must be at least 5;
"<5" marks complementary suppressions too, so the marker itself says nothing about a cell). :func:`protection_intervals` computes the intervals with scipy's
HiGHS solver, as integer programs (an attacker knows counts are whole numbers, which can
narrow an interval the linear relaxation leaves wide); :func:`protect` adds secondary
suppressions until every primary cell is protected. Python has no maintained Tau-Argus: PyPI's ``piargus`` drives the Windows
Tau-Argus program and cannot run here, so the audit is written out (it is two small
integer programs per hidden cell, milliseconds for report tables).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp

__all__ = ["Relation", "protect", "protection_intervals"]


@dataclass(frozen=True)
class Relation:
    """A published linear relation ``sum_k coefs[k] * x[cells[k]] == rhs``.

    A margin ("Total" row = sum of the other rows) is ``coefs = (-1, 1, 1, ...)`` with the
    total first and ``rhs = 0``; a grand total published elsewhere is all ones with
    ``rhs`` = that total.
    """

    cells: tuple[int, ...]
    coefs: tuple[float, ...]
    rhs: float


def protection_intervals(
    values: Sequence[float] | np.ndarray,
    hidden: Sequence[bool] | np.ndarray,
    relations: Sequence[Relation],
) -> np.ndarray:
    """The attacker's ``(low, high)`` for every cell; shown cells have ``low == high``.

    ``values`` are the true counts (the shown ones are what the attacker reads; the hidden
    ones only decide which relations hold). ``high`` is ``inf`` when no published sum bounds
    the cell.
    """
    x = np.asarray(values, dtype=float)
    mask = np.asarray(hidden, dtype=bool)
    out = np.column_stack([x, x])
    idx = np.flatnonzero(mask)
    if idx.size == 0:
        return out
    pos = {int(c): k for k, c in enumerate(idx)}
    rows, rhs = [], []
    for rel in relations:
        row = np.zeros(idx.size)
        b = float(rel.rhs)
        touches = False
        for cell, coef in zip(rel.cells, rel.coefs, strict=True):
            if mask[cell]:
                row[pos[int(cell)]] += coef
                touches = True
            else:
                b -= coef * x[cell]
        if touches:
            rows.append(row)
            rhs.append(b)
    out[idx, 0], out[idx, 1] = 0.0, np.inf
    if not rows:
        return out
    constraint = LinearConstraint(np.array(rows), np.array(rhs), np.array(rhs))
    whole = np.ones(idx.size)  # counts are whole numbers: the attacker may use that too
    for k, cell in enumerate(idx.tolist()):
        c = np.zeros(idx.size)
        c[k] = 1.0
        low = milp(c, constraints=constraint, integrality=whole, bounds=Bounds(0, np.inf))
        high = milp(-c, constraints=constraint, integrality=whole, bounds=Bounds(0, np.inf))
        if low.status == 0:
            out[cell, 0] = low.fun
        out[cell, 1] = -high.fun if high.status == 0 else np.inf
    return out


def protect(
    values: Sequence[float] | np.ndarray,
    hidden: Sequence[bool] | np.ndarray,
    relations: Sequence[Relation],
    *,
    primary: Sequence[bool] | np.ndarray,
    width: float,
    candidates: Sequence[bool] | np.ndarray | None = None,
) -> np.ndarray:
    """Add secondary suppressions until every primary cell's interval is at least ``width``.

    Greedy, as Tau-Argus's modular method is: while a primary cell is under-protected,
    suppress the smallest shown cell that shares a published sum with it (smallest, to lose
    the least information; ties by position); when none is left in its sums, the smallest
    shown cell in any sum that touches a hidden cell. ``candidates`` limits which cells may
    be suppressed (default: every cell in a relation). Returns the new hidden mask.
    """
    x = np.asarray(values, dtype=float)
    mask = np.asarray(hidden, dtype=bool).copy()
    first = np.asarray(primary, dtype=bool)
    allowed = (
        np.ones(x.size, dtype=bool) if candidates is None else np.asarray(candidates, dtype=bool)
    )
    while True:
        intervals = protection_intervals(x, mask, relations)
        short = np.flatnonzero(first & mask & (intervals[:, 1] - intervals[:, 0] < width - 1e-9))
        if short.size == 0:
            return mask
        cell = int(short[0])
        near = [r for r in relations if cell in r.cells]
        pick = _smallest_shown(x, mask, allowed, near)
        if pick is None:
            touching = [r for r in relations if any(mask[c] for c in r.cells)]
            pick = _smallest_shown(x, mask, allowed, touching)
        if pick is None:
            return mask  # nothing left to suppress: every related cell is hidden already
        mask[pick] = True


def _smallest_shown(
    x: np.ndarray, mask: np.ndarray, allowed: np.ndarray, relations: Sequence[Relation]
) -> int | None:
    cells = sorted({c for r in relations for c in r.cells if not mask[c] and allowed[c]})
    if not cells:
        return None
    return min(cells, key=lambda c: (x[c], c))
