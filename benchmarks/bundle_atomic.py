"""What does the atomic bundle switch cost, and how big are the bundles?

For each programme whose bundle is in ``--source`` (read only; default ``results/`` of the
main checkout), the same files are written again into a temporary results directory two ways:

* ``in_place``: the writer before issue 11 (tables, draws and InferenceData written straight
  into ``<root>/<programme>/``, no completion record);
* ``atomic``: :meth:`impact.bundle.Bundle.writing` (space and permission check, a new
  generation beside the current one, sha256 + fsync of every file, ``metadata.json`` with the
  completion record last, the symlink swap, deletion of the previous generation).

Tables and draws are rewritten from their CSVs through the Bundle API; the InferenceData file
is copied byte for byte by a stand-in ``to_netcdf`` (the switch costs by bytes, not by
content, and no MCMC is run). Each way runs ``--runs`` times (round robin); the median and
minimum wall times are reported, with the time of :meth:`Bundle.commit` alone and of
:meth:`Bundle.open` (which checks every file's size and sha256), since a report opens its
bundle twice (the render check and the kernel).

``--synthetic-mb 50,1000`` adds Flyt-shaped bundles whose InferenceData stand-in is that many
MB of random bytes (the Flyt tables and draws, a ~50 MB lean bundle against the 1.0 GB one
issue 11 measured), so the cost of hashing can be read against bundle size on any machine.

Prints a table and writes ``benchmarks/results/bundle_atomic.json``.

Usage: ``python benchmarks/bundle_atomic.py [--source /work/main/results] [--runs 5]
[--synthetic-mb 50,1000]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from impact.bundle import Bundle

RESULTS = Path(__file__).parent / "results" / "bundle_atomic.json"


class _CopiedNetcdf:
    """Stands in for an InferenceData: ``to_netcdf`` copies an existing file."""

    def __init__(self, source: Path) -> None:
        self.source = source

    def to_netcdf(self, path: str) -> None:
        shutil.copyfile(self.source, path)

    def groups(self) -> list[str]:  # what a space check sizes (atomic.idata_bytes)
        return ["file"]

    def __getitem__(self, group: str) -> Any:
        return argparse.Namespace(nbytes=self.source.stat().st_size)


def _random_file(path: Path, megabytes: int) -> Path:
    """``megabytes`` MB of random bytes (incompressible, like float64 draws)."""
    rng = random.Random(megabytes)
    with path.open("wb") as fh:
        for _ in range(megabytes):
            fh.write(rng.randbytes(1_000_000))
    return path


def _payload(source: Path) -> dict[str, Any]:
    meta = json.loads((source / "metadata.json").read_text())
    meta.pop("completion", None)
    return {
        "metadata": meta,
        "tables": {p.stem: pd.read_csv(p) for p in sorted((source / "tables").glob("*.csv"))},
        "draws": {p.stem: pd.read_csv(p) for p in sorted((source / "draws").glob("*.csv"))},
        "idata": {p.stem: _CopiedNetcdf(p) for p in sorted((source / "idata").glob("*.nc"))},
    }


def _fill(bundle: Bundle, payload: dict[str, Any]) -> None:
    for name, table in payload["tables"].items():
        bundle.write_table(name, table)
    for name, draws in payload["draws"].items():
        bundle.write_draws(name, draws)
    for name, idata in payload["idata"].items():
        bundle.write_idata(name, idata)
    bundle.update_metadata(**{k: v for k, v in payload["metadata"].items() if k != "programme"})


def _in_place(root: Path, programme: str, payload: dict[str, Any]) -> float:
    """The writer before issue 11: delete the old bundle, write the new one in its place."""
    start = time.perf_counter()
    path = root / "legacy" / programme
    if path.exists():
        shutil.rmtree(path)
    for sub in ("tables", "draws", "idata"):
        (path / sub).mkdir(parents=True)
    (path / "metadata.json").write_text(json.dumps({"programme": programme}))
    _fill(Bundle(path), payload)
    return time.perf_counter() - start


def _atomic(root: Path, programme: str, payload: dict[str, Any]) -> tuple[float, float, float]:
    start = time.perf_counter()
    bundle = Bundle.create(root / "atomic", programme)
    _fill(bundle, payload)
    before_commit = time.perf_counter()
    bundle.commit()
    end = time.perf_counter()
    Bundle.open(root / "atomic", programme)
    opened = time.perf_counter()
    return end - start, end - before_commit, opened - end


def _du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", type=Path, default=Path("/work/main/results"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument(
        "--synthetic-mb",
        default="",
        help="Comma-separated sizes (MB) of Flyt-shaped bundles with a random InferenceData.",
    )
    args = parser.parse_args()
    sizes = [int(x) for x in args.synthetic_mb.split(",") if x.strip()]
    out: dict[str, Any] = {
        "source": str(args.source),
        "runs": args.runs,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "programmes": {},
    }
    print(f"{'programme':<10} {'bytes':>14} {'in place s':>11} {'atomic s':>9} "
          f"{'added s':>8} {'commit s':>9} {'open s':>7}")  # fmt: skip
    sources = sorted(p for p in args.source.iterdir() if (p / "metadata.json").is_file())
    cases = [(p.name, p, None) for p in sources]
    flyt = args.source / "flyt"
    cases += [(f"flyt_{mb}mb", flyt, mb) for mb in sizes if (flyt / "metadata.json").is_file()]
    scratch = tempfile.TemporaryDirectory()
    for label, source, megabytes in cases:
        programme = source.name
        payload = _payload(source)
        if megabytes is not None:
            standin = _random_file(Path(scratch.name) / f"{megabytes}.nc", megabytes)
            payload["idata"] = {name: _CopiedNetcdf(standin) for name in payload["idata"]}
        times: dict[str, list[float]] = {"in_place": [], "atomic": [], "commit": [], "open": []}
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp)
            for _ in range(args.runs):
                times["in_place"].append(_in_place(root, programme, payload))
                total, commit, opened = _atomic(root, programme, payload)
                times["atomic"].append(total)
                times["commit"].append(commit)
                times["open"].append(opened)
        med = {k: statistics.median(v) for k, v in times.items()}
        files = {
            p.relative_to(source).as_posix(): p.stat().st_size
            for p in sorted(source.rglob("*"))
            if p.is_file()
        }
        if megabytes is not None:
            for name in payload["idata"]:
                files[f"idata/{name}.nc"] = megabytes * 1_000_000
        row = {
            "bundle_bytes_on_main" if megabytes is None else "bundle_bytes": sum(files.values()),
            "files": files,
            "median_s": {k: round(v, 4) for k, v in med.items()},
            "min_s": {k: round(min(v), 4) for k, v in times.items()},
            "added_by_atomic_s": round(med["atomic"] - med["in_place"], 4),
            "added_by_atomic_ratio": round(med["atomic"] / med["in_place"], 3),
        }
        out["programmes"][label] = row
        print(f"{label:<10} {sum(files.values()):>14,} {med['in_place']:>11.3f} "
              f"{med['atomic']:>9.3f} {row['added_by_atomic_s']:>8.3f} {med['commit']:>9.3f} "
              f"{med['open']:>7.3f}")  # fmt: skip
    scratch.cleanup()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
