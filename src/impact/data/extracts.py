"""`read_extract`: register extracts (CSV, Parquet, Stata, SAS) in, with codes kept as text.

A municipality code is a name, not a number: ``"0301"`` (Oslo) read as the integer 301 prints
as 301, sorts before ``"1103"`` for the wrong reason and never joins with a code list again.
The same holds for person identifiers with leading zeros. So every column :func:`read_extract`
is told is a code is read as text (CSV), or kept as text when the file stores text (Parquet,
Stata, SAS). When the file stores a code as numbers, the leading zeros are already gone; the
reader then refuses, unless the caller says how to rebuild the text (``numeric_codes``).
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from impact.errors import DataError, OptionError

__all__ = ["EXTRACT_FORMATS", "read_extract"]

#: File suffix -> format name (``format=`` overrides the suffix).
EXTRACT_FORMATS: dict[str, str] = {
    ".csv": "csv",
    ".txt": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
    ".dta": "stata",
    ".sas7bdat": "sas7bdat",
    ".xpt": "xport",
}
#: Code columns looked for when ``codes`` is not given (after renaming by ``mapping``).
DEFAULT_CODES = ("person_id", "municipality")


def read_extract(
    path: str | Path,
    *,
    mapping: Mapping[str, str] | None = None,
    codes: Sequence[str] | None = None,
    numeric_codes: Mapping[str, int | None] | None = None,
    format: str | None = None,
    options: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Read a register extract and rename its columns to the names impact uses.

    Parameters
    ----------
    path
        A ``.csv`` (or ``.txt``), ``.parquet``, Stata ``.dta``, SAS ``.sas7bdat`` or SAS
        transport ``.xpt`` file.
    mapping
        Register column name -> impact name, e.g. ``{"lopenr": "person_id", "komnr":
        "municipality", "aar": "year", "startaar": "enrol_year", "syss": "employed"}``.
        Only these columns are read (in this order); a missing one is an error that lists
        the file's columns. ``None`` reads every column under its own name.
    codes
        Impact names of the code columns (identifiers) to keep as text. Default: those of
        ``person_id`` and ``municipality`` that are present. CSV files are read with these
        columns as text, so ``"0301"`` stays ``"0301"``. Surrounding blanks are removed and a
        blank code is missing (Stata and SAS write a missing text value as blank).
    numeric_codes
        What to do when the file stores a code column as numbers (Stata, Parquet and SAS can;
        SAS has no integers, so 301 arrives as 301.0): ``{"municipality": 4}`` writes each
        whole number as text zero-padded to 4 digits (``301`` -> ``"0301"``), for
        municipality codes whose width is known; ``{"person_id": None}`` writes whole
        numbers as text without padding. A numeric code column not named here is an error:
        the reader never guesses a width. A text code column named here with a width is
        padded too (a CSV saved from a spreadsheet often lost the zero); values with more
        digits than the width, or that are not digits, are an error.
    format
        ``"csv"``, ``"parquet"``, ``"stata"``, ``"sas7bdat"`` or ``"xport"``; default from
        the file's suffix.
    options
        Passed on to the pandas reader (``pandas.read_csv``: e.g. ``{"sep": ";",
        "encoding": "latin-1", "decimal": ","}``).

    Returns
    -------
    DataFrame
        A new frame with the mapped names; code columns have pandas' text dtype (``str``),
        missing codes stay missing. Other columns keep the types the reader gives them
        (Stata value labels are *not* applied: ``convert_categoricals=False``, so a labelled
        0/1 outcome stays 0/1; SAS text is decoded with the file's own encoding; SAS stores
        every number as a float, so whole numbers arrive as ``2016.0``). No row is dropped.
        SAS transport files are read by pandas, which returns some stored zeros as
        ``5.4e-79`` (pandas issue 50670); those are set back to 0. Check the result with :func:`impact.data.validate` and a
        :class:`~impact.data.DataDeclaration`.

    Raises
    ------
    DataError
        The file is missing, a mapped column is not in it, or a code column is stored as
        numbers without a rule in ``numeric_codes`` (the message shows values and the fix).
    OptionError
        An unknown format, or ``mapping`` maps two register columns to one name.

    Examples
    --------
    The GET Academy sample in ``data/synthetic/`` has text codes with leading zeros:

    >>> df = read_extract(
    ...     "data/synthetic/getacademy_panel.csv",
    ...     mapping={"person_id": "person_id", "municipality": "municipality", "year": "year",
    ...              "enrol_year": "enrol_year", "employed": "employed"},
    ... )
    >>> df.head(2)
      person_id municipality  year  enrol_year  employed
    0    000001         1001  2016           0         0
    1    000001         1001  2017           0         0
    >>> str(df["municipality"].dtype), sorted(df["municipality"].unique())[0]
    ('str', '0101')
    """
    path = Path(path)
    kind = _format(path, format)
    if not path.is_file():
        raise DataError(f"No register extract at {path} (looked in {path.resolve().parent}).")
    mapping = _check_mapping(mapping)
    impact_names = list(mapping.values()) if mapping else None
    numeric_codes = dict(numeric_codes or {})
    if codes is None:
        present = impact_names if impact_names is not None else _header(path, kind, options)
        codes = [c for c in DEFAULT_CODES if c in present]
    codes = list(codes)
    for name in numeric_codes:
        if name not in codes:
            codes.append(name)
    if impact_names is not None:
        unknown = [c for c in codes if c not in impact_names]
        if unknown:
            raise OptionError(
                f"codes {unknown} are not among the names mapping gives ({impact_names}); "
                "name code columns by their impact names (the values of mapping)."
            )
    to_register = {v: k for k, v in mapping.items()} if mapping else {}
    register_codes = [to_register.get(c, c) for c in codes]
    frame = _read(path, kind, options, columns=list(mapping) if mapping else None,
                  text=register_codes)  # fmt: skip
    if mapping:
        frame = frame.loc[:, list(mapping)].rename(columns=dict(mapping))
    for name in codes:
        if name not in frame.columns:
            continue  # a default code column the file does not have
        frame[name] = _as_text(
            frame[name], name=name, register=to_register.get(name, name), path=path,
            rule=numeric_codes.get(name, ...), has_rule=name in numeric_codes,
        )  # fmt: skip
    return frame


def _format(path: Path, format: str | None) -> str:
    kinds = ("csv", "parquet", "stata", "sas7bdat", "xport")
    if format is not None:
        if format not in kinds:
            raise OptionError(f"format={format!r} is not one of {list(kinds)}.")
        return format
    kind = EXTRACT_FORMATS.get(path.suffix.lower())
    if kind is None:
        raise OptionError(
            f"Cannot tell the format of {path.name} from its suffix {path.suffix!r}; known "
            f"suffixes are {sorted(EXTRACT_FORMATS)}. Pass format= one of {list(kinds)}."
        )
    return kind


def _check_mapping(mapping: Mapping[str, str] | None) -> dict[str, str]:
    if mapping is None:
        return {}
    if not isinstance(mapping, Mapping) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in mapping.items()
    ):
        raise OptionError(
            f"mapping must map register column names to impact names (strings); got {mapping!r}."
        )
    values = list(mapping.values())
    twice = sorted({v for v in values if values.count(v) > 1})
    if twice:
        sources = {v: [k for k, w in mapping.items() if w == v] for v in twice}
        raise OptionError(
            f"mapping gives the name(s) {twice} to more than one register column ({sources}); "
            "each impact name must come from one column."
        )
    return dict(mapping)


def _header(path: Path, kind: str, options: Mapping[str, Any] | None) -> list[str]:
    if kind == "csv":
        return [str(c) for c in pd.read_csv(path, nrows=0, **dict(options or {})).columns]
    if kind == "parquet":
        import pyarrow.parquet as pq

        return list(pq.read_schema(path).names)
    return [str(c) for c in _read(path, kind, options, columns=None, text=[]).columns]


def _read(
    path: Path,
    kind: str,
    options: Mapping[str, Any] | None,
    *,
    columns: list[str] | None,
    text: list[str],
) -> pd.DataFrame:
    opts = dict(options or {})
    if columns is not None:
        header = _header(path, kind, options) if kind in ("csv", "parquet") else None
        if header is not None:
            _require(columns, header, path)
    if kind == "csv":
        dtype = {c: "str" for c in text}
        return pd.read_csv(path, usecols=columns, dtype=dtype, **opts)
    if kind == "parquet":
        return pd.read_parquet(path, columns=columns, **opts)
    if kind == "stata":
        opts.setdefault("convert_categoricals", False)
        frame = pd.read_stata(path, **opts)
    else:
        opts.setdefault("encoding", "infer")
        try:
            frame = pd.read_sas(path, format=kind, **opts)
        except ValueError as exc:  # pandas' reason, e.g. "Header record is not an XPORT file."
            raise DataError(
                f"pandas cannot read {path.name} as a SAS {kind} file: {exc} (pandas reads SAS "
                "transport files of version 5, the XPORT engine's format, and sas7bdat files; "
                "a version 8 transport file must be re-exported as version 5 or as CSV)."
            ) from None
    if not isinstance(frame, pd.DataFrame):  # an iterator when chunksize= is passed
        raise OptionError("options for Stata and SAS files must not ask for an iterator.")
    if kind == "xport":
        frame = _repair_xport_zeros(frame)
    if columns is not None:
        _require(columns, [str(c) for c in frame.columns], path)
    return frame


#: pandas' XPORT reader returns 16**-65, the smallest IBM float, for some stored zeros
#: (pandas-dev/pandas#50670, open in pandas 3.1); no register value is that number.
_XPORT_ZERO = 16.0**-65


def _repair_xport_zeros(frame: pd.DataFrame) -> pd.DataFrame:
    """Zeros of a SAS transport file as 0.0 (see ``_XPORT_ZERO``)."""
    for name in frame.columns:
        column = frame[name]
        if pd.api.types.is_float_dtype(column) and (column == _XPORT_ZERO).any():
            frame[name] = column.mask(column == _XPORT_ZERO, 0.0)
    return frame


def _require(columns: list[str], header: list[str], path: Path) -> None:
    missing = [c for c in columns if c not in header]
    if not missing:
        return
    hints = []
    for c in missing:
        close = difflib.get_close_matches(c, header, n=1, cutoff=0.6)
        hints.append(f"{c!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
    shown = header[:40] + (["..."] if len(header) > 40 else [])
    raise DataError(
        f"The extract {path.name} has no column {', '.join(hints)}; it has {shown}. Fix the "
        "register names (the keys) in mapping."
    )


def _as_text(
    column: pd.Series, *, name: str, register: str, path: Path, rule: Any, has_rule: bool
) -> pd.Series:
    """A code column as text; numbers only with an explicit rule (see :func:`read_extract`)."""
    label = f"{name!r}" + (f" (register column {register!r})" if register != name else "")
    values = column.dropna()
    if pd.api.types.is_bool_dtype(column):
        raise DataError(f"Code column {label} in {path.name} holds True/False, not codes.")
    if pd.api.types.is_numeric_dtype(column):
        if not has_rule:
            example = [_show(v) for v in values.drop_duplicates().head(3)]
            raise DataError(
                f"Code column {label} is stored as numbers ({column.dtype}) in {path.name}, "
                f"e.g. {example}: a leading zero may already be lost ('0301' read as 301). "
                f"Export it as text, or say how to rebuild the codes: numeric_codes="
                f"{{{name!r}: 4}} zero-pads whole numbers to 4 digits (right for 4-digit "
                f"municipality codes), numeric_codes={{{name!r}: None}} writes them as they are "
                "(right for identifiers that never had leading zeros)."
            )
        whole = np.isfinite(values.to_numpy(dtype=float)) & (values % 1 == 0).to_numpy()
        if not whole.all() or (values < 0).any():
            bad = values[~whole | (values < 0).to_numpy()].head(3).tolist()
            raise DataError(
                f"Code column {label} in {path.name} has values that are not whole "
                f"non-negative numbers, e.g. {bad}; they cannot be codes."
            )
        text = values.astype("int64").astype(str)
    else:
        not_text = values[[not isinstance(v, str) for v in values]]
        if len(not_text):
            raise DataError(
                f"Code column {label} in {path.name} mixes text and other values, e.g. "
                f"{not_text.head(3).tolist()}; export it as text."
            )
        text = values.astype(str).str.strip()
        text = text[text != ""]  # Stata and SAS store a missing text value as blank
    if has_rule and rule is not None:
        width = int(rule)
        bad = text[~text.str.fullmatch(r"\d+") | (text.str.len() > width)]
        if len(bad):
            raise DataError(
                f"Code column {label} in {path.name} has values that are not codes of at most "
                f"{width} digits, e.g. {bad.drop_duplicates().head(3).tolist()}; check "
                f"numeric_codes={{{name!r}: {width}}}."
            )
        text = text.str.zfill(width)
    out = pd.Series(pd.NA, index=column.index, dtype="str", name=column.name)
    out.loc[text.index] = text
    return out


def _show(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value
