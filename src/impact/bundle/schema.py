"""How the bundle's declaration is written down, and what it does with a table.

A :class:`Table` declares one CSV file of a bundle (a table under ``tables/`` or draws under
``draws/``): its columns in order, each with a dtype, a meaning, whether it may be missing
and whether it is a count of persons that disclosure control must see. The declarations
themselves are in :mod:`impact.bundle.tables` and :mod:`impact.bundle.metadata`.

Writers pass every frame through :meth:`Table.conform` (columns checked, put in declared
order, dtypes made exact) and readers through :meth:`Table.read` (dtypes given to the CSV
reader, so a code like ``"0301"`` stays a string and a count stays an integer). A round trip
``read(write(frame))`` gives back the conformed frame, values and dtypes.

Why a small declaration of our own rather than pandera (which validates :mod:`impact.data`):
the same declaration must also give the CSV reader its dtypes, tell disclosure control which
columns are counts, and generate ``docs/bundle.md``; pandera's schemas validate but would
still need all three written beside them. The checks here are few (names, nulls, dtypes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from impact.errors import BundleError

Dtype = Literal["int", "float", "bool", "str", "code"]
"""Column types: ``int`` (64-bit integer), ``float``, ``bool``, ``str`` (text) and ``code``
(an identifier such as a municipality number, kept as text so "0301" stays "0301")."""

Kind = Literal["table", "draws"]

_PANDAS = {
    ("int", False): "int64",
    ("int", True): "Int64",
    ("float", False): "float64",
    ("float", True): "float64",
    ("bool", False): "bool",
    ("bool", True): "boolean",
    ("str", False): "str",
    ("str", True): "str",
    ("code", False): "str",
    ("code", True): "str",
}


@dataclass(frozen=True)
class Column:
    """One declared column.

    ``nullable``: the column may hold missing values (say in ``meaning`` what a missing value
    means). ``count``: a count of persons; disclosure control suppresses it below the
    threshold wherever it is published. ``values``: the vocabulary of a ``str`` column.
    """

    name: str
    dtype: Dtype
    meaning: str
    nullable: bool = False
    count: bool = False
    values: tuple[str, ...] | None = None
    """The only values a ``str`` column may hold (readers select rows by them)."""

    @property
    def pandas_dtype(self) -> str:
        return _PANDAS[(self.dtype, self.nullable)]


@dataclass(frozen=True)
class Table:
    """One declared CSV file of a bundle: ``tables/<name>.csv`` or ``draws/<name>.csv``."""

    name: str
    kind: Kind
    meaning: str
    columns: tuple[Column, ...]
    written_by: str

    @property
    def file(self) -> str:
        folder = "tables" if self.kind == "table" else "draws"
        return f"{folder}/{self.name}.csv"

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def counts(self) -> list[str]:
        """Columns that are counts of persons (disclosure control must see them)."""
        return [c.name for c in self.columns if c.count]

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise BundleError(f"{self.file} declares no column {name!r}; its columns: {self.names}.")

    # -- writing -----------------------------------------------------------------------
    def conform(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame`` with the declared columns in declared order and exact dtypes (a copy).

        Raises :class:`~impact.errors.BundleError` naming the column, the value and the fix
        when a column is missing or undeclared, a non-nullable column has missing values, or
        a value does not fit the dtype (e.g. 2019.5 in an ``int`` column).
        """
        where = f"{self.file} (declared in impact.bundle.tables)"
        if not isinstance(frame, pd.DataFrame):
            raise BundleError(f"{where} must be written from a DataFrame, not {type(frame)}.")
        missing = [c for c in self.names if c not in frame.columns]
        extra = [str(c) for c in frame.columns if c not in self.names]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"misses column(s) {missing}")
            if extra:
                parts.append(f"has undeclared column(s) {extra}")
            raise BundleError(
                f"The frame written to {where} {' and '.join(parts)}; declared columns are "
                f"{self.names}. Rename or drop the columns, or declare them in "
                "impact.bundle.tables (and raise SCHEMA_VERSION)."
            )
        # positions, not labels: a filtered frame (index 3, 7, ...) keeps every row in order
        frame = frame.reset_index(drop=True)
        out = {c.name: _coerce(frame[c.name], c, where) for c in self.columns}
        for c in self.columns:
            if c.values is not None:
                bad = sorted(set(out[c.name].dropna()) - set(c.values))
                if bad:
                    raise BundleError(
                        f"Column {c.name!r} of {where} holds {bad}; its declared values are "
                        f"{list(c.values)}. Use one of them, or declare the new value."
                    )
        return pd.DataFrame(out, index=pd.RangeIndex(len(frame)))

    # -- reading -----------------------------------------------------------------------
    def read(self, path: Path) -> pd.DataFrame:
        """Read the CSV at ``path`` with the declared dtypes; a file that does not match
        the declaration is a :class:`~impact.errors.BundleError`."""
        try:
            frame = pd.read_csv(
                path,
                dtype={c.name: c.pandas_dtype for c in self.columns if c.dtype != "bool"},
                keep_default_na=True,
            )
        except (ValueError, TypeError, pd.errors.ParserError) as exc:
            raise BundleError(
                f"{path} does not match the declaration of {self.file}: {exc}. Run the "
                "analysis again to rewrite the bundle."
            ) from None
        if list(frame.columns) != self.names:
            raise BundleError(
                f"{path} has columns {list(frame.columns)}; {self.file} declares {self.names}. "
                "Run the analysis again to rewrite the bundle."
            )
        return self.conform(frame)


def _coerce(values: pd.Series, column: Column, where: str) -> pd.Series:
    """``values`` as the column's exact dtype, or a BundleError naming what does not fit."""
    name = column.name
    na = values.isna().to_numpy()
    if na.any() and not column.nullable:
        rows = np.flatnonzero(na)[:5].tolist()
        raise BundleError(
            f"Column {name!r} of {where} has {int(na.sum())} missing value(s) (rows {rows}) "
            "but is declared without missing values. Fill them, or declare the column "
            "nullable and say in its meaning what a missing value means."
        )
    kind = column.dtype
    try:
        if kind == "int":
            as_float = pd.to_numeric(values, errors="raise").astype("float64")
            bad = ~na & (as_float != np.round(as_float))
            if bad.any():
                raise ValueError(f"{float(as_float[bad].iloc[0])!r} is not a whole number")
            return as_float.astype(column.pandas_dtype)
        if kind == "float":
            return pd.to_numeric(values, errors="raise").astype("float64")
        if kind == "bool":
            if values.dtype == object or pd.api.types.is_string_dtype(values):
                mapped = values.map({"True": True, "False": False, True: True, False: False})
                if mapped.isna().to_numpy().sum() > na.sum():
                    raise ValueError(f"{values[mapped.isna() & ~na].iloc[0]!r} is not True/False")
                values = mapped
            return values.astype(column.pandas_dtype)
        # str and code: text; a number written as a code keeps its digits (no "301.0")
        if pd.api.types.is_float_dtype(values) and not na.all():
            whole = values[~na]
            if (whole == np.round(whole)).all():
                values = values.astype("Int64")
        return values.astype("str").where(~na, None).astype("str")
    except (ValueError, TypeError) as exc:
        raise BundleError(
            f"Column {name!r} of {where} must hold {kind} values: {exc}. Convert the column "
            f"before writing (declared dtype {kind!r})."
        ) from None


__all__ = ["Column", "Dtype", "Table"]
