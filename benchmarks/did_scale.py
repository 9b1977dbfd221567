"""How fast and how lean is `impact.did.att_gt` on large panels?

Times ``att_gt`` (doubly robust; with one covariate and without) plus the dynamic
aggregation, with and without a 999-draw multiplier bootstrap, on synthetic balanced
panels of 10k, 200k and 1M units x 10 periods. Each case runs in its own subprocess so
peak memory (max RSS) is measured per case. Prints a table and writes
``benchmarks/results/did_scale.json``.

``--structure unbalanced`` / ``--structure rc`` time the same designs with a seeded 20 %
of rows dropped, estimated with ``allow_unbalanced_panel=True`` or as repeated
cross-sections (``panel=False``, every row its own observation); results go to
``benchmarks/results/did_scale_<structure>.json``.

Usage: ``python benchmarks/did_scale.py [--sizes 10000 200000 1000000] [--structure panel]``
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

RESULTS = Path(__file__).parent / "results" / "did_scale.json"
N_PERIODS = 10


def make_panel(n_units: int, seed: int = 0) -> pd.DataFrame:
    """Balanced panel: cohorts 4..9 and never-treated, one covariate shifting trends."""
    rng = np.random.default_rng(seed)
    cohort = rng.choice([0, 4, 5, 6, 7, 8, 9], size=n_units, p=[0.4, 0.1, 0.1, 0.1, 0.1, 0.1, 0.1])
    x = rng.normal(size=n_units) + 0.3 * (cohort > 0)
    t = np.arange(1, N_PERIODS + 1)
    effect = np.where((cohort[:, None] > 0) & (t[None, :] >= cohort[:, None]), 1.0, 0.0)
    y = rng.normal(size=(n_units, 1)) + 0.1 * t[None, :] + 0.2 * x[:, None] * t[None, :] + effect
    y += rng.normal(size=(n_units, N_PERIODS))
    return pd.DataFrame(
        {
            "unit": np.repeat(np.arange(n_units), N_PERIODS),
            "time": np.tile(t, n_units),
            "cohort": np.repeat(cohort, N_PERIODS),
            "x": np.repeat(x, N_PERIODS),
            "y": y.ravel(),
        }
    )


def _max_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def run_case(
    n_units: int, covariate: bool, n_boot: int | None, structure: str = "panel"
) -> dict[str, float | int | bool | str | None]:
    """One timed case (call in a fresh process for a clean peak-memory figure)."""
    import warnings

    from impact.did import att_gt

    data = make_panel(n_units)
    options: dict[str, object] = {"unit": "unit"}
    if structure != "panel":
        keep = np.random.default_rng(7).random(len(data)) >= 0.2
        data = data[keep].reset_index(drop=True)
        options = (
            {"unit": "unit", "allow_unbalanced_panel": True}
            if structure == "unbalanced"
            else {"panel": False}
        )
    rss_data = _max_rss_mb()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c0 = time.process_time()
        t0 = time.perf_counter()
        res = att_gt(
            data,
            outcome="y",
            time="time",
            cohort="cohort",
            covariates="x" if covariate else None,
            method="dr",
            n_boot=n_boot,
            seed=1,
            **options,  # type: ignore[arg-type]
        )
        t1 = time.perf_counter()
        dyn = res.aggregate("dynamic")
        t2 = time.perf_counter()
        c2 = time.process_time()
    return {
        "structure": structure,
        "n_units": n_units,
        "n_rows": len(data),
        "n_periods": N_PERIODS,
        "covariate": covariate,
        "n_boot": n_boot,
        "att_gt_s": round(t1 - t0, 3),
        "dynamic_s": round(t2 - t1, 3),
        "total_s": round(t2 - t0, 3),
        "total_cpu_s": round(c2 - c0, 3),
        "peak_rss_mb": round(_max_rss_mb(), 1),
        "rss_after_data_mb": round(rss_data, 1),
        "n_cells": len(res.table),
        "dynamic_att_e0": float(dyn.table.set_index("event_time").loc[0, "att"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--sizes", type=int, nargs="+", default=[10_000, 200_000, 1_000_000])
    ap.add_argument("--structure", choices=["panel", "unbalanced", "rc"], default="panel")
    ap.add_argument("--case", nargs=3, help=argparse.SUPPRESS)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if args.case:
        n, cov, boot = args.case
        out = run_case(int(n), cov == "1", None if boot == "0" else int(boot), args.structure)
        print(json.dumps(out))
        return
    rows = []
    for n in args.sizes:
        for cov in (True, False):
            for boot in (None, 999):
                cmd = [
                    sys.executable,
                    __file__,
                    "--case",
                    str(n),
                    "1" if cov else "0",
                    str(boot or 0),
                    "--structure",
                    args.structure,
                ]
                proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
                row = json.loads(proc.stdout.strip().splitlines()[-1])
                rows.append(row)
                print(
                    f"{row['n_units']:>9,} units ({row['n_rows']:,} rows)  covariate={row['covariate']!s:5}  "
                    f"n_boot={row['n_boot']!s:4}  att_gt {row['att_gt_s']:7.2f} s  "
                    f"dynamic {row['dynamic_s']:5.2f} s  (cpu {row['total_cpu_s']:6.2f} s)  peak RSS {row['peak_rss_mb']:7.0f} MB "
                    f"(data alone {row['rss_after_data_mb']:.0f} MB)",
                    flush=True,
                )
    if not args.no_write:
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        meta = {
            "machine": f"{platform.machine()}, {platform.system()}, python {platform.python_version()}",
            "cpu_count": __import__("os").cpu_count(),
            "load_average_at_end": __import__("os").getloadavg(),
            "note": "wall time (and process CPU time, less sensitive to other jobs) of att_gt (validation + all cells + SEs [+ bootstrap]) and of the dynamic aggregation; "
            "peak RSS of the whole case process including the input DataFrame",
            "targets": "1M units x 10 periods, DR with one covariate: < 5 s and < 2 GB; without covariates: < 1.5 s",
        }
        out_path = (
            RESULTS
            if args.structure == "panel"
            else RESULTS.with_name(f"did_scale_{args.structure}.json")
        )
        out_path.write_text(json.dumps({"meta": meta, "cases": rows}, indent=2) + "\n")
        print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
