"""Checks of the options every public function takes, in one place (issue 10's input layer).

Each check returns the value in the form the caller uses (a float, an int, a DataFrame) or
raises :class:`impact.errors.OptionError` whose message names the argument, the value and
the fix. Functions call them first, before any work starts, so a bad option never costs a
long computation and never gives a silent wrong answer.

The data-side checks of each family build on these: :mod:`impact.did` validates panels and
cross-sections in its input layer, :mod:`impact.bayes` its cells, :mod:`impact.cba` its
programmes and parameters.

Data frames: pandas is the native format. A polars or pyarrow table is converted once with
its own ``to_pandas()`` (the conversion both libraries document, so dtypes follow their
mapping); anything else is refused with a message naming its type.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from impact.errors import OptionError

__all__ = [
    "as_dataframe",
    "check_alpha",
    "check_choice",
    "check_column",
    "check_columns",
    "check_count",
    "check_fraction",
    "check_level",
    "check_seed",
]

#: Module prefixes of table types converted with their own ``to_pandas()``.
_CONVERTIBLE = ("polars", "pyarrow")


def as_dataframe(data: Any, *, argument: str = "data") -> pd.DataFrame:
    """Return ``data`` as a pandas DataFrame (never a copy of a pandas frame), or raise.

    A polars ``DataFrame`` or a pyarrow ``Table`` is converted with ``to_pandas()``. Column
    labels must be unique, or the message says which are duplicated.
    """
    if not isinstance(data, pd.DataFrame):
        module = type(data).__module__.split(".")[0]
        if module in _CONVERTIBLE and hasattr(data, "to_pandas"):
            data = data.to_pandas()
        else:
            raise OptionError(
                f"{argument} must be a pandas DataFrame (or a polars/pyarrow table, converted "
                f"with to_pandas()); got {type(data).__module__}.{type(data).__name__}. "
                "Build one with pandas.DataFrame(...) or read your file with pandas."
            )
    if not data.columns.is_unique:
        dup = sorted({str(c) for c in data.columns[data.columns.duplicated()]})
        raise OptionError(
            f"{argument} has duplicate column names {dup}; every column must have its own "
            "name. Rename or drop the duplicates (e.g. data.loc[:, ~data.columns.duplicated()])."
        )
    return data


def check_column(value: Any, *, argument: str, optional: bool = False) -> str | None:
    """A column-name argument: a string (or ``None`` when ``optional``)."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        hint = (
            f" Pass one name, e.g. {argument}={value[0]!r}."
            if isinstance(value, Sequence) and len(value) and isinstance(value[0], str)
            else ""
        )
        raise OptionError(
            f"{argument} must be the name of a column (a string); got "
            f"{type(value).__name__} {value!r}.{hint}"
        )
    return value


def check_columns(value: Any, *, argument: str) -> tuple[str, ...]:
    """A list-of-columns argument (``None``, one name or a sequence of names) as a tuple."""
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if not isinstance(value, Sequence) or not all(isinstance(v, str) for v in value):
        raise OptionError(
            f"{argument} must be a column name or a list of column names (strings); got {value!r}."
        )
    if len(set(value)) != len(value):
        raise OptionError(f"{argument} names a column twice: {list(value)}; list each once.")
    return tuple(value)


def _is_real(value: Any) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def check_alpha(alpha: Any, *, argument: str = "alpha") -> float:
    """A significance level strictly between 0 and 1 (``alpha=0.05`` for 95 % intervals)."""
    if not _is_real(alpha) or not 0 < float(alpha) < 1:
        raise OptionError(
            f"{argument}={alpha!r} is not a significance level; pass a number strictly between "
            "0 and 1, e.g. alpha=0.05 for 95 % intervals."
        )
    return float(alpha)


def check_level(level: Any, *, argument: str = "level") -> float:
    """A coverage strictly between 0 and 1 (``level=0.95`` for 95 % intervals)."""
    if not _is_real(level) or not 0 < float(level) < 1:
        raise OptionError(
            f"{argument}={level!r} is not a coverage probability; pass a number strictly "
            "between 0 and 1, e.g. level=0.95 for 95 % intervals."
        )
    return float(level)


def check_fraction(value: Any, *, argument: str) -> float:
    """A number strictly between 0 and 1 (e.g. a sampler's ``target_accept``)."""
    if not _is_real(value) or not 0 < float(value) < 1:
        raise OptionError(
            f"{argument}={value!r} must be a number strictly between 0 and 1 (e.g. 0.9)."
        )
    return float(value)


def check_count(
    value: Any, *, argument: str, minimum: int = 1, optional: bool = False
) -> int | None:
    """A whole number ``>= minimum`` (``None`` allowed when ``optional``)."""
    if value is None and optional:
        return None
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok and _is_real(value) and math.isfinite(float(value)):
        ok = float(value).is_integer()
    if not ok or int(value) < minimum:
        raise OptionError(
            f"{argument}={value!r} must be a whole number of at least {minimum}"
            + (" (or None)" if optional else "")
            + "."
        )
    return int(value)


def check_seed(
    seed: Any, *, argument: str = "seed", generator: bool = True
) -> int | np.random.Generator | None:
    """A seed: ``None``, a non-negative whole number or (when ``generator``) a
    :class:`numpy.random.Generator`.

    ``generator=False`` is for functions that hand the seed to a library that needs a number
    (PyMC's samplers).
    """
    if seed is None or (generator and isinstance(seed, np.random.Generator)):
        return seed
    if isinstance(seed, numbers.Integral) and not isinstance(seed, bool) and int(seed) >= 0:
        return int(seed)
    accepted = "a numpy.random.Generator, " if generator else ""
    raise OptionError(
        f"{argument}={seed!r} is not a seed; pass a non-negative whole number (e.g. "
        f"{argument}=1), {accepted}or None for fresh randomness."
    )


def check_choice(value: Any, *, argument: str, choices: Sequence[str]) -> str:
    """One of a fixed set of names; a typo gets the closest valid name suggested."""
    if isinstance(value, str) and value in choices:
        return value
    close = (
        difflib.get_close_matches(value, list(choices), n=1, cutoff=0.6)
        if isinstance(value, str)
        else []
    )
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise OptionError(f"{argument}={value!r} is not one of {list(choices)}.{hint}")
