"""The results bundle: what an analysis writes and a report reads.

Layout of ``<root>/<programme>/``::

    metadata.json      facts about the run (programme, seed, version, counts, diagnostics)
                       and, written last, the completion record
    tables/<name>.csv  tidy tables
    draws/<name>.csv   draws (one column per quantity)
    idata/<name>.nc    ArviZ InferenceData (netCDF)

Reports compute nothing heavy: they open a bundle and draw from it.

Atomic, complete bundles
------------------------
``<root>/<programme>`` is a symbolic link to a generation directory beside it,
``<root>/.<programme>.<time>.<pid>.<random>/``. A run (:meth:`Bundle.create`, or the
:meth:`Bundle.writing` block) writes a new generation directory, never the current one.
:meth:`Bundle.commit` then

1. hashes every file (size and sha256, flushed to disk with fsync) and writes
   ``metadata.json`` last, with the completion record ``{"schema_version", "completed_at",
   "files": [{"path", "size", "sha256"}, ...]}`` (through a temporary file and
   ``os.replace``, so the file is whole or absent);
2. makes a new symbolic link ``.<programme>.<pid>.<random>.link`` to the new generation and
   renames it over ``<root>/<programme>`` with ``os.replace``. ``rename(2)`` replaces the link
   atomically on POSIX: at every instant the name points to the previous complete generation
   or to the new complete one. **There is no window**, which is why a link swap was chosen
   over renaming the old directory aside and the new one into place: between those two
   renames the name would not exist, and a reader would have to wait and retry;
3. deletes the previous generation, then any generation or temporary link a killed run left
   (a name whose process id is no longer alive).

A run killed at any point before step 2 leaves the previous bundle byte-identical (its
directory is never opened for writing); its half-written generation is deleted by the next
run. A run killed between steps 2 and 3 leaves the new bundle current and the old directory
to the next run. A reader resolves the link once, in :meth:`Bundle.open`, and then reads one
generation; if a run deletes that generation while a report is reading it, reading fails with
a missing file (rerun the report), never with a mix of two runs.

Only one step has a window, and only once: the first run after an upgrade finds
``<root>/<programme>`` as a real directory (the layout before completion records). It renames
that directory aside and puts the link in its place; in between a reader finds no bundle and
is told to run the analysis. The old directory has no completion record, so readers refuse it
anyway (older schema).

:meth:`Bundle.open` refuses, with a :class:`~impact.errors.BundleError` that says to run
``impact run <programme>``, a bundle that is missing, has no completion record (incomplete or
older schema), has unreadable or non-object ``metadata.json``, or whose files differ in size or
sha256 from the record. :meth:`Bundle.create` checks before any work that the results
directory is writable and has room for a bundle the size of the previous one (or
:data:`DEFAULT_BUNDLE_BYTES` when there is none); OS errors while writing become
``BundleError`` naming the path and the fix.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from impact.errors import BundleError, DataError

SCHEMA_VERSION = 2
"""Version of the bundle layout. 1: no completion record (before atomic bundles)."""

DEFAULT_BUNDLE_BYTES = 1 << 30
"""Room a first run asks for when there is no previous bundle to measure (1 GiB: the Flyt
bundle with its full InferenceData is about 1.0 GB)."""

_HEADROOM = 1.1
_NAME_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789_-")
_SUBDIRS = ("tables", "draws", "idata")


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
        with _os_errors(root, programme):
            root.mkdir(parents=True, exist_ok=True)
            _clean_stale(root, programme)
            need = int(_previous_size(root, programme) or expected_bytes or DEFAULT_BUNDLE_BYTES)
            free = shutil.disk_usage(root).free
            if free < need * _HEADROOM:
                raise BundleError(
                    f"Not enough free space for the {programme} results bundle in {root}: "
                    f"{_size(free)} free, about {_size(int(need * _HEADROOM))} needed. Free "
                    f"space there or write elsewhere with `impact run {programme} --results "
                    "<dir>`; the previous bundle is unchanged."
                )
            stamp = time.strftime("%Y%m%dT%H%M%S")
            path = root / f".{programme}.{stamp}.{os.getpid()}.{secrets.token_hex(4)}"
            for sub in _SUBDIRS:
                (path / sub).mkdir(parents=True)
            (path / "metadata.json").write_text(json.dumps({"programme": programme}, indent=2))
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
        with _os_errors(root, programme):
            meta = self.metadata
            if "completion" in meta:
                raise BundleError(f"Bundle {self.path} is already complete.")
            meta["completion"] = {
                "schema_version": SCHEMA_VERSION,
                "completed_at": datetime.now(UTC).isoformat(timespec="seconds"),
                "files": [_record(self.path, f) for f in _files(self.path)],
            }
            _write_json(self.path / "metadata.json", meta, sync=True)
            previous = os.readlink(link) if link.is_symlink() else None
            if link.exists() and not link.is_symlink():  # the layout before SCHEMA_VERSION 2
                aside = root / f".{programme}.legacy.{os.getpid()}.{secrets.token_hex(4)}"
                os.replace(link, aside)
                previous = aside.name
            tmp = root / f".{programme}.{os.getpid()}.{secrets.token_hex(4)}.link"
            os.symlink(self.path.name, tmp)
            os.replace(tmp, link)
            _fsync_dir(root)
        if previous and previous != self.path.name:
            shutil.rmtree(root / previous, ignore_errors=True)
        _clean_stale(root, programme)
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
            meta = json.loads((path / "metadata.json").read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise BundleError(f"The results bundle {link} has no metadata.json. {fix}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
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
        for entry in done["files"]:
            problem = _check_file(path, entry)
            if problem:
                raise BundleError(f"The results bundle {link} is corrupted: {problem}. {fix}")
        return cls(path)

    @property
    def programme(self) -> str:
        return str(self.metadata["programme"])

    # -- metadata ---------------------------------------------------------------------
    @property
    def metadata(self) -> dict[str, Any]:
        return dict(json.loads((self.path / "metadata.json").read_text()))

    def update_metadata(self, **entries: Any) -> None:
        meta = self._writable()
        meta.update(entries)
        with _os_errors(self.path.parent, str(meta["programme"])):
            _write_json(self.path / "metadata.json", meta)

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
        with _os_errors(self.path.parent, str(meta["programme"]), target=path):
            write(path)
        return path

    # -- tables and draws -------------------------------------------------------------
    def write_table(self, name: str, table: pd.DataFrame) -> Path:
        path = self.path / "tables" / f"{_check_name(name)}.csv"
        return self._write(path, lambda p: table.to_csv(p, index=False))

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
        return self._write(path, lambda p: draws.to_csv(p, index=False))

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
        return self._write(path, lambda p: idata.to_netcdf(str(p)))

    def has_idata(self, name: str) -> bool:
        return (self.path / "idata" / f"{name}.nc").is_file()

    def read_idata(self, name: str) -> Any:
        import arviz as az

        path = self.path / "idata" / f"{name}.nc"
        if not path.is_file():
            raise DataError(f"Bundle {self.path} has no InferenceData {name!r}.")
        return az.from_netcdf(str(path))


# -- helpers of the atomic write ---------------------------------------------------------
@contextmanager
def _os_errors(root: Path, programme: str, *, target: Path | None = None) -> Iterator[None]:
    """Turn an OS error while writing into a BundleError naming the path and the fix."""
    try:
        yield
    except BundleError:
        raise
    except OSError as exc:
        where = exc.filename or target or root
        keep = "the previous bundle is unchanged"
        elsewhere = f"`impact run {programme} --results <dir>`"
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            msg = (
                f"No space left on the device holding {root} while writing {where}. Free "
                f"space there or write elsewhere with {elsewhere}; {keep}."
            )
        elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS) or isinstance(
            exc, PermissionError
        ):
            msg = (
                f"No permission to write the {programme} results bundle at {where}. Make "
                f"{root} writable (e.g. `chmod u+w {root}`) or write elsewhere with "
                f"{elsewhere}; {keep}."
            )
        else:
            msg = (
                f"Could not write the {programme} results bundle at {where}: "
                f"{exc.strerror or exc}. Check {root}, or write elsewhere with {elsewhere}; "
                f"{keep}."
            )
        raise BundleError(msg) from exc


def _files(path: Path) -> list[Path]:
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.relative_to(path).as_posix() != "metadata.json"
    )


def _sha256(file: Path, *, sync: bool = False) -> str:
    """The file's sha256, read in 1 MiB chunks; with ``sync`` also fsync it (on commit)."""
    digest = hashlib.sha256()
    with file.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
        if sync:
            os.fsync(fh.fileno())
    return digest.hexdigest()


def _record(path: Path, file: Path) -> dict[str, Any]:
    return {
        "path": file.relative_to(path).as_posix(),
        "size": file.stat().st_size,
        "sha256": _sha256(file, sync=True),
    }


def _check_file(path: Path, entry: Any) -> str | None:
    if not isinstance(entry, dict) or not {"path", "size", "sha256"} <= set(entry):
        return f"a file entry of the completion record is malformed ({entry!r})"
    file = path / str(entry["path"])
    if not file.is_file():
        return f"{entry['path']} is missing"
    size = file.stat().st_size
    if size != entry["size"]:
        return f"{entry['path']} has {size} bytes, the completion record says {entry['size']}"
    if _sha256(file) != entry["sha256"]:
        return f"{entry['path']} does not match its sha256 in the completion record"
    return None


def _write_json(path: Path, meta: dict[str, Any], *, sync: bool = False) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(meta, indent=2, ensure_ascii=False, default=_json_default))
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _previous_size(root: Path, programme: str) -> int | None:
    """Bytes of the current complete bundle, from its completion record (None if none)."""
    try:
        meta = json.loads((root / programme / "metadata.json").read_text(encoding="utf-8"))
        return int(sum(int(f["size"]) for f in meta["completion"]["files"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def _clean_stale(root: Path, programme: str) -> None:
    """Delete generations and temporary links of ``programme`` that killed runs left."""
    link = root / programme
    current = os.readlink(link) if link.is_symlink() else None
    for entry in root.glob(f".{programme}.*"):
        parts = entry.name.split(".")
        if entry.name == current or len(parts) < 4:
            continue
        pid = parts[3] if not entry.name.endswith(".link") else parts[2]
        if parts[2] != "legacy" and pid.isdigit() and _pid_alive(int(pid)):
            continue
        if entry.is_symlink() or entry.is_file():
            entry.unlink(missing_ok=True)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def _size(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n:,} bytes"


def _json_default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
