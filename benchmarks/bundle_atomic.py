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

Prints a table and writes ``benchmarks/results/bundle_atomic.json``.

Usage: ``python benchmarks/bundle_atomic.py [--source /work/main/results] [--runs 5]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
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
    args = parser.parse_args()
    out: dict[str, Any] = {
        "source": str(args.source),
        "runs": args.runs,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "programmes": {},
    }
    print(f"{'programme':<10} {'bytes':>14} {'in place s':>11} {'atomic s':>9} "
          f"{'added s':>8} {'commit s':>9} {'open s':>7}")  # fmt: skip
    for source in sorted(p for p in args.source.iterdir() if (p / "metadata.json").is_file()):
        programme = source.name
        payload = _payload(source)
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
        row = {
            "bundle_bytes_on_main": _du(source),
            "files": {
                p.relative_to(source).as_posix(): p.stat().st_size
                for p in sorted(source.rglob("*"))
                if p.is_file()
            },
            "median_s": {k: round(v, 4) for k, v in med.items()},
            "min_s": {k: round(min(v), 4) for k, v in times.items()},
            "added_by_atomic_s": round(med["atomic"] - med["in_place"], 4),
            "added_by_atomic_ratio": round(med["atomic"] / med["in_place"], 3),
        }
        out["programmes"][programme] = row
        print(f"{programme:<10} {row['bundle_bytes_on_main']:>14,} {med['in_place']:>11.3f} "
              f"{med['atomic']:>9.3f} {row['added_by_atomic_s']:>8.3f} {med['commit']:>9.3f} "
              f"{med['open']:>7.3f}")  # fmt: skip
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
