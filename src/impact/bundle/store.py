"""The results bundle: what an analysis writes and a report reads.

Layout of ``<root>/<programme>/``::

    metadata.json      facts about the run (programme, seed, version, counts, diagnostics)
                       and, written last, the completion record
    tables/<name>.csv  tidy tables
    draws/<name>.csv   draws (one column per quantity)
    idata/<name>.nc    ArviZ InferenceData (netCDF)

Reports compute nothing heavy: they open a bundle and draw from it.

How a bundle is written atomically, and what a reader is refused: :mod:`impact.bundle.atomic`.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from impact.bundle.atomic import (
    check_file,
    check_idata_room,
    clean_stale,
    files,
    fsync_dir,
    os_errors,
    previous_size,
    reading,
    record,
    size_text,
    write_json,
)
from impact.bundle.metadata import SCHEMA as METADATA_SCHEMA
from impact.bundle.metadata import check as check_metadata
from impact.bundle.metadata import dumps, loads
from impact.bundle.schema import Table
from impact.bundle.tables import DRAWS, IDATA, TABLES
from impact.errors import BundleError, DataError

SCHEMA_VERSION = 4
"""Version of the bundle's contract. 1: no completion record (before atomic bundles);
2: completion record, tables not declared; 3: every table, draws file, InferenceData and
metadata entry declared (:mod:`impact.bundle.tables`, :mod:`impact.bundle.metadata`);
4: written from a study spec (metadata ``study``, ``headline_rule``, ``data_changes``, the
model checks; tables ``other_outcomes``, ``bayes_dynamic_identity``; two more appraisal rows).
Within a version the declaration's digest (``schema_digest``) still tells bundles apart."""

DEFAULT_BUNDLE_BYTES = 1 << 26
"""Room a first run asks for when there is no previous bundle to measure (64 MiB: the Flyt
bundle with its lean InferenceData is about 39 MB; the full one was 1.0 GB)."""

_HEADROOM = 1.1
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")
_SUBDIRS = ("tables", "draws", "idata")


@cache
def declaration_digest() -> str:
    """sha256 of the declaration (tables, draws, InferenceData, metadata schema): a bundle
    written against another declaration is refused even when SCHEMA_VERSION was not raised."""
    files = {**TABLES, **{f"draws/{k}": v for k, v in DRAWS.items()}}
    declaration = {
        "tables": {name: asdict(table) for name, table in sorted(files.items())},
        "idata": sorted(IDATA),
        "metadata": METADATA_SCHEMA,
    }
    text = json.dumps(declaration, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def _declared(declared: Mapping[str, Any], name: str, what: str) -> Any:
    if name not in declared:
        raise BundleError(
            f"{what.capitalize()} {name!r} is not declared in the bundle schema; declared: "
            f"{sorted(declared)}. Declare it in impact.bundle.tables (and raise "
            "SCHEMA_VERSION) before writing it."
        )
    return declared[name]


def _check_name(name: str) -> str:
    if not name or not set(name) <= _NAME_CHARS:
        raise DataError(
            f"Bundle entry name {name!r} must be lower-case letters, digits, '_' or '-'."
        )
    return name


@dataclass(frozen=True)
class Bundle:
    """A results bundle on disk for one programme.

    Write one with :meth:`writing` (or :meth:`create` ... :meth:`commit`); read one with
    :meth:`open`, which refuses incomplete, corrupted and older-schema bundles.
    """

    path: Path

    # -- writing ----------------------------------------------------------------------
    @classmethod
    def create(
        cls, root: str | Path, programme: str, *, expected_bytes: int | None = None
    ) -> Bundle:
        """Start a new bundle for ``programme`` beside ``root/programme``; the current one is
        untouched until :meth:`commit`.

        Checks first that ``root`` is writable and has room for the bundle (the size of the
        previous bundle, else ``expected_bytes``, else :data:`DEFAULT_BUNDLE_BYTES`, plus 10 %),
        so a run fails in a second rather than after the long work.
        """
        root = Path(root)
        _check_name(programme)
        with os_errors(root, programme):
            root.mkdir(parents=True, exist_ok=True)
            clean_stale(root, programme)
            need = int(previous_size(root, programme) or expected_bytes or DEFAULT_BUNDLE_BYTES)
            free = shutil.disk_usage(root).free
            if free < need * _HEADROOM:
                raise BundleError(
                    f"Not enough free space for the {programme} results bundle in {root}: "
                    f"{size_text(free)} free, about {size_text(int(need * _HEADROOM))} needed. Free "
                    f"space there or write elsewhere with `impact run {programme} --results "
                    "<dir>`; the previous bundle is unchanged."
                )
            stamp = time.strftime("%Y%m%dT%H%M%S")
            path = root / f".{programme}.{stamp}.{os.getpid()}.{secrets.token_hex(4)}"
            for sub in _SUBDIRS:
                (path / sub).mkdir(parents=True)
            (path / "metadata.json").write_text(dumps({"programme": programme}))
        return cls(path)

    @classmethod
    @contextmanager
    def writing(
        cls, root: str | Path, programme: str, *, expected_bytes: int | None = None
    ) -> Iterator[Bundle]:
        """Write a bundle in a ``with`` block: committed when the block ends normally,
        discarded (the previous bundle stays current) on any exception or Ctrl-C."""
        bundle = cls.create(root, programme, expected_bytes=expected_bytes)
        try:
            yield bundle
        except BaseException:
            bundle.discard()
            raise
        bundle.commit()

    def commit(self) -> Bundle:
        """Record completion and make this bundle current (see the module docstring)."""
        root, programme = self.path.parent, self.programme
        link = root / programme
        with os_errors(root, programme):
            meta = self.metadata
            if "completion" in meta:
                raise BundleError(f"Bundle {self.path} is already complete.")
            check_metadata(meta, where=f"the {programme} bundle", complete=True)
            meta["completion"] = {
                "schema_version": SCHEMA_VERSION,
                "schema_digest": declaration_digest(),
                "completed_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "files": [record(self.path, f) for f in files(self.path)],
            }
            write_json(self.path / "metadata.json", meta, sync=True)
            previous = os.readlink(link) if link.is_symlink() else None
            if link.exists() and not link.is_symlink():  # the layout before SCHEMA_VERSION 2
                aside = root / f".{programme}.legacy.{os.getpid()}.{secrets.token_hex(4)}"
                os.replace(link, aside)
                previous = aside.name
            tmp = root / f".{programme}.{os.getpid()}.{secrets.token_hex(4)}.link"
            os.symlink(self.path.name, tmp)
            os.replace(tmp, link)
            fsync_dir(root)
        if previous and previous != self.path.name:
            shutil.rmtree(root / previous, ignore_errors=True)
        clean_stale(root, programme)
        return self

    def discard(self) -> None:
        """Delete this unfinished bundle (the current one is not touched)."""
        shutil.rmtree(self.path, ignore_errors=True)

    # -- reading ----------------------------------------------------------------------
    @classmethod
    def open(cls, root: str | Path, programme: str) -> Bundle:
        """Open the current bundle of ``programme``, refusing one that is incomplete,
        corrupted or of an older schema with a :class:`~impact.errors.BundleError`."""
        link = Path(root) / programme
        fix = f"Run `impact run {programme}` to write a new one."
        if not link.exists():
            raise BundleError(
                f"No results bundle for programme {programme!r} at {link}. "
                f"Run `impact run {programme}` first."
            )
        path = link.resolve()
        try:
            meta = loads((path / "metadata.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BundleError(f"The results bundle {link} has no metadata.json. {fix}") from None
        except (UnicodeDecodeError, ValueError) as exc:
            raise BundleError(
                f"The results bundle {link} is corrupted: metadata.json is not valid JSON "
                f"({exc}). {fix}"
            ) from None
        if not isinstance(meta, dict):
            raise BundleError(
                f"The results bundle {link} is corrupted: metadata.json holds a "
                f"{type(meta).__name__}, not an object. {fix}"
            )
        done = meta.get("completion")
        if not isinstance(done, dict) or not isinstance(done.get("files"), list):
            raise BundleError(
                f"The results bundle {link} is incomplete or from an older version of impact "
                f"(no completion record in metadata.json). {fix}"
            )
        if done.get("schema_version") != SCHEMA_VERSION:
            raise BundleError(
                f"The results bundle {link} has schema version {done.get('schema_version')!r}; "
                f"this version of impact reads version {SCHEMA_VERSION}. {fix}"
            )
        if done.get("schema_digest") != declaration_digest():
            raise BundleError(
                f"The results bundle {link} was written against another declaration of the "
                "bundle's tables (impact.bundle.tables or .metadata changed since: its schema "
                f"digest differs). {fix}"
            )
        for entry in done["files"]:
            problem = check_file(path, entry)
            if problem:
                raise BundleError(f"The results bundle {link} is corrupted: {problem}. {fix}")
        try:
            check_metadata(meta, where=str(link), complete=True)
        except BundleError as exc:
            raise BundleError(f"The results bundle {link} is corrupted: {exc} {fix}") from None
        return cls(path)

    @property
    def programme(self) -> str:
        return str(self.metadata["programme"])

    # -- metadata ---------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        with reading(self.path):
            return dict(loads((self.path / "metadata.json").read_text(encoding="utf-8")))

    def update_metadata(self, **entries: Any) -> None:
        """Add or replace metadata entries; each must be declared in
        :data:`impact.bundle.metadata.SCHEMA` (checked now, and in full on commit)."""
        meta = self._writable()
        meta.update(entries)
        check_metadata(meta, where=f"the {meta['programme']} bundle", complete=False)
        with os_errors(self.path.parent, str(meta["programme"])):
            write_json(self.path / "metadata.json", meta)

    def _writable(self) -> dict[str, Any]:
        meta = self.metadata
        if "completion" in meta:
            raise BundleError(
                f"Bundle {self.path} is complete and current; write a new one with "
                "Bundle.create(...) or Bundle.writing(...)."
            )
        return meta

    def _write(self, path: Path, write: Any) -> Path:
        meta = self._writable()
        with os_errors(self.path.parent, str(meta["programme"]), target=path):
            write(path)
        return path

    # -- tables and draws -------------------------------------------------------------
    def write_table(self, name: str, table: pd.DataFrame) -> Path:
        """Write ``tables/<name>.csv``: ``name`` and the columns must be declared in
        :mod:`impact.bundle.tables` (the frame is put in declared order and dtypes)."""
        return self._write_csv(_declared(TABLES, name, "table"), table)

    def has_table(self, name: str) -> bool:
        return name in TABLES and (self.path / TABLES[name].file).is_file()

    def read_table(self, name: str) -> pd.DataFrame:
        """The table ``name`` with its declared columns and dtypes."""
        return self._read_csv(_declared(TABLES, name, "table"), f"; tables: {self.tables()}")

    def tables(self) -> list[str]:
        return sorted(p.stem for p in (self.path / "tables").glob("*.csv"))

    def write_draws(self, name: str, draws: pd.DataFrame) -> Path:
        """Write ``draws/<name>.csv`` (declared in :mod:`impact.bundle.tables`)."""
        return self._write_csv(_declared(DRAWS, name, "draws file"), draws)

    def has_draws(self, name: str) -> bool:
        return name in DRAWS and (self.path / DRAWS[name].file).is_file()

    def read_draws(self, name: str) -> pd.DataFrame:
        return self._read_csv(_declared(DRAWS, name, "draws file"))

    def _write_csv(self, spec: Table, frame: pd.DataFrame) -> Path:
        """Write a declared table or draws file (conformed to its declaration first)."""
        conformed = spec.conform(frame)
        return self._write(self.path / spec.file, lambda p: conformed.to_csv(p, index=False))

    def _read_csv(self, spec: Table, listing: str = "") -> pd.DataFrame:
        """Read a declared table or draws file with its declared columns and dtypes."""
        path = self.path / spec.file
        with reading(self.path):
            if not path.is_file():
                what = "table" if spec.kind == "table" else "draws"
                raise DataError(f"Bundle {self.path} has no {what} {spec.name!r}{listing}.")
            return spec.read(path)

    # -- InferenceData ----------------------------------------------------------------
    def write_idata(self, name: str, idata: Any) -> Path:
        _declared(IDATA, name, "InferenceData")
        path = self.path / "idata" / f"{_check_name(name)}.nc"
        check_idata_room(self.path, self.programme, idata, target=path)
        return self._write(path, lambda p: idata.to_netcdf(str(p)))

    def has_idata(self, name: str) -> bool:
        return (self.path / "idata" / f"{name}.nc").is_file()

    def read_idata(self, name: str) -> Any:
        import arviz as az

        path = self.path / "idata" / f"{name}.nc"
        with reading(self.path):
            if not path.is_file():
                raise DataError(f"Bundle {self.path} has no InferenceData {name!r}.")
            return az.from_netcdf(str(path))
