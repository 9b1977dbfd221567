"""Aggregation of person rows to cells: the sufficient statistics of a binary outcome.

For a binary outcome and a model whose linear predictor depends only on the cell's
covariates, the binomial likelihood of (n, successes) per cell equals the Bernoulli
likelihood of the person rows up to a constant: fitting on cells loses nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from impact.checks import as_dataframe, check_column, check_columns
from impact.errors import DataError


def to_cells(data: pd.DataFrame, *, by: Sequence[str], outcome: str) -> pd.DataFrame:
    """Aggregate person rows to cells with counts ``n`` and ``successes``.

    Parameters
    ----------
    data
        Person-level (or person-year) rows. Not modified.
    by
        Columns that define a cell (e.g. municipality, year, covariate cells).
    outcome
        Binary 0/1 column to count.

    Returns
    -------
    DataFrame
        One row per non-empty cell: the ``by`` columns, ``n`` (persons) and ``successes``
        (persons with ``outcome == 1``).

    ``data`` may be a polars or pyarrow table (converted once with ``to_pandas()``).

    Raises
    ------
    DataError
        If a column is missing, ``outcome`` is not binary, or a ``by`` column has missing
        values (no row is dropped silently).
    """
    data = as_dataframe(data)
    by = check_columns(by, argument="by")
    outcome = str(check_column(outcome, argument="outcome"))
    missing = [c for c in [*by, outcome] if c not in data.columns]
    if missing:
        raise DataError(
            f"to_cells: column(s) {missing} not in the data; available: {list(data.columns)}."
        )
    y = data[outcome]
    if y.isna().any():
        raise DataError(
            f"to_cells: outcome column {outcome!r} has {int(y.isna().sum())} missing values; "
            "impute or drop them explicitly before aggregating."
        )
    values = set(np.unique(y.to_numpy()).tolist())
    if not values <= {0, 1}:
        bad = sorted(values - {0, 1})[:5]
        raise DataError(
            f"to_cells: outcome column {outcome!r} must be binary 0/1; found values {bad}. "
            "Recode it (e.g. (df[col] > threshold).astype(int))."
        )
    for col in by:
        if data[col].isna().any():
            raise DataError(
                f"to_cells: cell column {col!r} has {int(data[col].isna().sum())} missing values; "
                "give them an explicit category before aggregating."
            )
    cells = (
        data.groupby(list(by), sort=True, observed=True)[outcome]
        .agg(n="size", successes="sum")
        .reset_index()
    )
    cells["n"] = cells["n"].astype(np.int64)
    cells["successes"] = cells["successes"].astype(np.int64)
    return cells
