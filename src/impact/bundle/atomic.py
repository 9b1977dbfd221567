"""How a results bundle is written atomically, and the checks a reader relies on.

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
generation; if a run deletes that generation while a report is reading it, a read inside
:func:`reading` fails with a BundleError saying the bundle was replaced and to run the report
again, never with a mix of two runs.

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
``BundleError`` naming the path and the fix (:func:`os_errors`), and so do the errors that are
not OSErrors raised inside the netCDF and CSV writers. :func:`check_idata_room` refuses an
InferenceData that may not fit before h5py starts writing it, because h5py crashes the process
when the disk fills during the write.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from impact.bundle.metadata import dumps
from impact.errors import BundleError

WRITERS = ("h5py", "h5netcdf", "netCDF4", "xarray.backends", "pandas.io")
"""Modules whose exceptions, raised while a bundle file is written, are write failures (not
bugs of the caller): h5py raises RuntimeError and ValueError as well as OSError, xarray's
netCDF backends ValueError and TypeError for data they cannot encode."""


def _from_writer(exc: BaseException) -> str | None:
    """The writer library (one of :data:`WRITERS`) the traceback of ``exc`` passes through."""
    tb = exc.__traceback__
    while tb is not None:
        module = str(tb.tb_frame.f_globals.get("__name__", ""))
        for writer in WRITERS:
            if module == writer or module.startswith(writer + "."):
                return writer.split(".")[0]
        tb = tb.tb_next
    return None


def _errno(exc: BaseException) -> int | None:
    """The errno of an OSError, or the one HDF5 writes into a RuntimeError's message
    (``errno = 28``)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return exc.errno
    text = str(exc)
    if "No space left on device" in text or f"errno = {errno.ENOSPC}," in text:
        return errno.ENOSPC
    if "Read-only file system" in text or f"errno = {errno.EROFS}," in text:
        return errno.EROFS
    return None


@contextmanager
def os_errors(root: Path, programme: str, *, target: Path | None = None) -> Iterator[None]:
    """Turn a failure to write into a BundleError naming the path and the fix.

    Translated: every OSError, and any other exception raised inside a writer library
    (:data:`WRITERS`: h5py, h5netcdf, netCDF4, xarray's backends, pandas' writers), e.g. the
    RuntimeError h5py raises when the disk fills. Exceptions raised elsewhere (a bug in the
    caller) pass unchanged. The original exception is kept as ``__cause__``.
    """
    try:
        yield
    except BundleError:
        raise
    except Exception as exc:
        writer = _from_writer(exc)
        if not isinstance(exc, OSError) and writer is None:
            raise
        where = getattr(exc, "filename", None) or target or root
        keep = "the previous bundle is unchanged"
        elsewhere = f"`impact run {programme} --results <dir>`"
        code = _errno(exc)
        if code in (errno.ENOSPC, errno.EDQUOT):
            msg = (
                f"No space left on the device holding {root} while writing {where}. Free "
                f"space there or write elsewhere with {elsewhere}; {keep}."
            )
        elif code in (errno.EACCES, errno.EPERM, errno.EROFS) or isinstance(exc, PermissionError):
            msg = (
                f"No permission to write the {programme} results bundle at {where}. Make "
                f"{root} writable (e.g. `chmod u+w {root}`) or write elsewhere with "
                f"{elsewhere}; {keep}."
            )
        elif isinstance(exc, OSError):
            msg = (
                f"Could not write the {programme} results bundle at {where}: "
                f"{exc.strerror or exc}. Check {root}, or write elsewhere with {elsewhere}; "
                f"{keep}."
            )
        else:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
            msg = (
                f"Could not write the {programme} results bundle at {where}: {writer} raised "
                f"{type(exc).__name__}: {first}. If the disk is fine, the analysis produced "
                f"something {writer} cannot store: a bug to report with this message; {keep}."
            )
        raise BundleError(msg) from exc


IDATA_MARGIN = 1 << 24
"""Bytes asked for beyond the InferenceData's own (HDF5 metadata, the rest of the bundle)."""


def idata_bytes(idata: Any) -> int:
    """Bytes of every variable and coordinate of every group of an InferenceData, as held in
    memory: an upper bound of its netCDF file (written with zlib, usually about half)."""
    return int(sum(int(idata[group].nbytes) for group in idata.groups()))


def check_idata_room(path: Path, programme: str, idata: Any, *, target: Path) -> None:
    """Refuse, before writing ``target``, an InferenceData that may not fit on the disk.

    Why before: when the disk fills during the netCDF write, h5py (3.16, HDF5 1.14) raises an
    OSError or RuntimeError and then crashes the process with a segmentation fault while it
    closes the file (measured on a full tmpfs in tests/bundle/test_faults.py), so the error
    could not become a message. The estimate is :func:`idata_bytes` plus
    :data:`IDATA_MARGIN`; it may refuse a file that compression would have let fit, and the
    message says how much is needed.
    """
    root = path.parent
    with os_errors(root, programme, target=target):
        free = shutil.disk_usage(path).free
    need = idata_bytes(idata) + IDATA_MARGIN
    if free < need:
        raise BundleError(
            f"Not enough free space to write {target} of the {programme} results bundle: "
            f"{size_text(free)} free on the device holding {root}, up to {size_text(need)} "
            f"needed (the InferenceData uncompressed; a netCDF write that fills the disk crashes "
            f"the process, so it is refused first). Free space there or write elsewhere with "
            f"`impact run {programme} --results <dir>`; the previous bundle is unchanged."
        )


def programme_of(path: Path) -> str:
    """The programme of a generation directory ``.<programme>.<time>.<pid>.<random>``."""
    return path.name.split(".")[1] if path.name.startswith(".") else path.name


def replaced(path: Path, programme: str | None = None) -> bool:
    """Whether the generation ``path`` is gone or no longer the current bundle."""
    link = path.parent / (programme or programme_of(path))
    return not path.is_dir() or os.path.realpath(link) != os.path.realpath(path)


@contextmanager
def reading(path: Path, programme: str | None = None) -> Iterator[None]:
    """Read from the bundle generation ``path``; if the read fails because a new run replaced
    (and deleted) that generation meanwhile, say so with a BundleError.

    A reader resolves the link once (:meth:`Bundle.open`) and then reads one generation; a run
    that commits meanwhile deletes it, and the next read finds a file missing. Any exception
    raised in the block while ``path`` is no longer current becomes that BundleError (the
    original kept as ``__cause__``); one raised while ``path`` is still current passes unchanged
    (a corrupted or wrong read is not blamed on a new run).
    """
    try:
        yield
    except BundleError:
        raise
    except Exception as exc:
        if not replaced(path, programme):
            raise
        name = programme or programme_of(path)
        raise BundleError(
            f"The {name} results bundle in {path.parent} was replaced (by a new `impact run "
            f"{name}`) while the report was reading it; run the report again."
        ) from exc


def files(path: Path) -> list[Path]:
    return sorted(
        p
        for p in path.rglob("*")
        if p.is_file() and p.relative_to(path).as_posix() != "metadata.json"
    )


def sha256(file: Path, *, sync: bool = False) -> str:
    """The file's sha256, read in 1 MiB chunks; with ``sync`` also fsync it (on commit)."""
    digest = hashlib.sha256()
    with file.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
        if sync:
            os.fsync(fh.fileno())
    return digest.hexdigest()


def record(path: Path, file: Path) -> dict[str, Any]:
    return {
        "path": file.relative_to(path).as_posix(),
        "size": file.stat().st_size,
        "sha256": sha256(file, sync=True),
    }


def check_file(path: Path, entry: Any) -> str | None:
    if not isinstance(entry, dict) or not {"path", "size", "sha256"} <= set(entry):
        return f"a file entry of the completion record is malformed ({entry!r})"
    file = path / str(entry["path"])
    if not file.is_file():
        return f"{entry['path']} is missing"
    size = file.stat().st_size
    if size != entry["size"]:
        return f"{entry['path']} has {size} bytes, the completion record says {entry['size']}"
    if sha256(file) != entry["sha256"]:
        return f"{entry['path']} does not match its sha256 in the completion record"
    return None


def write_json(path: Path, meta: dict[str, Any], *, sync: bool = False) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.write(dumps(meta))
        if sync:
            fh.flush()
            os.fsync(fh.fileno())
    os.replace(tmp, path)


def fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def previous_size(root: Path, programme: str) -> int | None:
    """Bytes of the current complete bundle, from its completion record (None if none)."""
    try:
        meta = json.loads((root / programme / "metadata.json").read_text(encoding="utf-8"))
        return int(sum(int(f["size"]) for f in meta["completion"]["files"]))
    except (OSError, ValueError, TypeError, KeyError):
        return None


def pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, someone else's
        return True
    return True


def clean_stale(root: Path, programme: str) -> None:
    """Delete generations and temporary links of ``programme`` that killed runs left."""
    link = root / programme
    current = os.readlink(link) if link.is_symlink() else None
    for entry in root.glob(f".{programme}.*"):
        parts = entry.name.split(".")
        if entry.name == current or len(parts) < 4:
            continue
        pid = parts[3] if not entry.name.endswith(".link") else parts[2]
        if parts[2] != "legacy" and pid.isdigit() and pid_alive(int(pid)):
            continue
        if entry.is_symlink() or entry.is_file():
            entry.unlink(missing_ok=True)
        else:
            shutil.rmtree(entry, ignore_errors=True)


def size_text(n: int) -> str:
    return f"{n / 1e6:,.0f} MB" if n >= 1e6 else f"{n:,} bytes"
