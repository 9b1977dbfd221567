"""The results bundle: what an analysis writes and a report reads.

Layout of ``<root>/<programme>/``::

    metadata.json      facts about the run (programme, seed, version, counts, diagnostics)
    tables/<name>.csv  tidy tables
    draws/<name>.csv   draws (one column per quantity)
    idata/<name>.nc    ArviZ InferenceData (netCDF)

Reports compute nothing heavy: they open a bundle and draw from it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from impact.errors import DataError

_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")


def _check_name(name: str) -> str:
    if not name or not set(name) <= _NAME_CHARS:
        raise DataError(
            f"Bundle entry name {name!r} must be lower-case letters, digits, '_' or '-'."
        )
    return name


@dataclass(frozen=True)
class Bundle:
    """A results bundle on disk for one programme."""

    path: Path

    @classmethod
    def create(cls, root: str | Path, programme: str) -> Bundle:
        """Create an empty bundle at ``root/programme`` (an existing one is replaced)."""
        path = Path(root) / _check_name(programme)
        if path.exists():
            shutil.rmtree(path)
        for sub in ("tables", "draws", "idata"):
            (path / sub).mkdir(parents=True)
        (path / "metadata.json").write_text(json.dumps({"programme": programme}, indent=2))
        return cls(path)

    @classmethod
    def open(cls, root: str | Path, programme: str) -> Bundle:
        """Open an existing bundle; a clear error says how to make one if it is missing."""
        path = Path(root) / programme
        if not (path / "metadata.json").is_file():
            raise DataError(
                f"No results bundle for programme {programme!r} at {path}. "
                f"Run `impact run {programme}` first."
            )
        return cls(path)

    @property
    def programme(self) -> str:
        return str(self.metadata["programme"])

    # -- metadata ---------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        return dict(json.loads((self.path / "metadata.json").read_text()))

    def update_metadata(self, **entries: Any) -> None:
        meta = self.metadata
        meta.update(entries)
        (self.path / "metadata.json").write_text(
            json.dumps(meta, indent=2, ensure_ascii=False, default=_json_default)
        )

    # -- tables and draws -------------------------------------------------------------
    def write_table(self, name: str, table: pd.DataFrame) -> Path:
        path = self.path / "tables" / f"{_check_name(name)}.csv"
        table.to_csv(path, index=False)
        return path

    def has_table(self, name: str) -> bool:
        return (self.path / "tables" / f"{name}.csv").is_file()

    def read_table(self, name: str) -> pd.DataFrame:
        path = self.path / "tables" / f"{name}.csv"
        if not path.is_file():
            raise DataError(f"Bundle {self.path} has no table {name!r}; tables: {self.tables()}.")
        return pd.read_csv(path)

    def tables(self) -> list[str]:
        return sorted(p.stem for p in (self.path / "tables").glob("*.csv"))

    def write_draws(self, name: str, draws: pd.DataFrame) -> Path:
        path = self.path / "draws" / f"{_check_name(name)}.csv"
        draws.to_csv(path, index=False)
        return path

    def has_draws(self, name: str) -> bool:
        return (self.path / "draws" / f"{name}.csv").is_file()

    def read_draws(self, name: str) -> pd.DataFrame:
        path = self.path / "draws" / f"{name}.csv"
        if not path.is_file():
            raise DataError(f"Bundle {self.path} has no draws {name!r}.")
        return pd.read_csv(path)

    # -- InferenceData ----------------------------------------------------------------
    def write_idata(self, name: str, idata: Any) -> Path:
        path = self.path / "idata" / f"{_check_name(name)}.nc"
        idata.to_netcdf(str(path))
        return path

    def has_idata(self, name: str) -> bool:
        return (self.path / "idata" / f"{name}.nc").is_file()

    def read_idata(self, name: str) -> Any:
        import arviz as az

        path = self.path / "idata" / f"{name}.nc"
        if not path.is_file():
            raise DataError(f"Bundle {self.path} has no InferenceData {name!r}.")
        return az.from_netcdf(str(path))


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
