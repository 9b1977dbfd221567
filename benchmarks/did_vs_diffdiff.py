"""The headline speed figure: Callaway-Sant'Anna on 1M units x 10 periods, impact beside diff-diff.

The design of ``did_scale.py`` (cohorts 4..9 and never-treated, one covariate shifting trends)
is generated once and written to a parquet file in a temporary directory. Each tool then runs
in a fresh subprocess that does everything a user's script would: import, read the parquet,
estimate the group-time ATTs (doubly robust, one covariate, never-treated controls, analytic
standard errors) and aggregate them by event time. The wall time of the whole process is
what counts; the child also reports its phases (import, read, estimate, aggregate).

- impact: ``att_gt(..., covariates="x", method="dr", control_group="never_treated")`` then
  ``.aggregate("dynamic")``;
- diff-diff (the Rust-backed peer): ``CallawaySantAnna(control_group="never_treated",
  estimation_method="dr").fit(..., covariates=["x"])`` (its default analytic SEs, no
  bootstrap) then ``.aggregate("event_study")``.

Runs alternate between the tools so both see the same machine; the best of ``--runs`` per
tool is reported, with the 1-minute load average before and after every run. The two must
agree on every event-time ATT and on the dynamic overall ATT (mean of the post-treatment
event-time effects) to ``--tol``. Prints a table and writes
``benchmarks/results/did_vs_diffdiff.json``.

``--env NAME=VALUE`` sets an environment variable in both children (recorded with the
figures), e.g. ``NUMPY_MADVISE_HUGEPAGE=0``: on a machine whose transparent huge pages are
defragmented on demand, NumPy's huge-page advice makes the first touch of large arrays in a
fresh process stall on memory compaction, for both tools.

Usage: ``python benchmarks/did_vs_diffdiff.py [--units 1000000] [--runs 3] [--env NAME=VALUE]
[--out PATH]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from did_scale import N_PERIODS, make_panel

RESULTS = Path(__file__).parent / "results" / "did_vs_diffdiff.json"
TOOLS = ("impact", "diff_diff")


def run_impact(path: str) -> dict[str, object]:
    """Child process: import, read, estimate, aggregate with impact."""
    t0 = time.perf_counter()
    import warnings

    import pandas as pd

    t_pd = time.perf_counter()
    from impact.did import att_gt

    t1 = time.perf_counter()
    data = pd.read_parquet(path)
    t2 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = att_gt(
            data,
            outcome="y",
            unit="unit",
            time="time",
            cohort="cohort",
            covariates="x",
            method="dr",
            control_group="never_treated",
        )
        t3 = time.perf_counter()
        dyn = res.aggregate("dynamic")
    t4 = time.perf_counter()
    table = dyn.table
    return {
        "import_pandas_s": t_pd - t0,
        "import_s": t1 - t0,
        "read_s": t2 - t1,
        "estimate_s": t3 - t2,
        "aggregate_s": t4 - t3,
        "overall_att": float(dyn.att),
        "event_att": dict(zip(table["event_time"].astype(int).tolist(), table["att"].tolist())),
    }


def run_diff_diff(path: str) -> dict[str, object]:
    """Child process: import, read, estimate, aggregate with diff-diff."""
    t0 = time.perf_counter()
    import warnings

    import pandas as pd

    t_pd = time.perf_counter()
    from diff_diff import CallawaySantAnna

    t1 = time.perf_counter()
    data = pd.read_parquet(path)
    t2 = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = CallawaySantAnna(control_group="never_treated", estimation_method="dr").fit(
            data, outcome="y", unit="unit", time="time", first_treat="cohort", covariates=["x"]
        )
        t3 = time.perf_counter()
        es = res.aggregate("event_study")
    t4 = time.perf_counter()
    event = {int(e): float(a) for e, a in zip(es.event_time, es.att)}
    post = [a for e, a in event.items() if e >= 0]
    return {
        "import_pandas_s": t_pd - t0,
        "import_s": t1 - t0,
        "read_s": t2 - t1,
        "estimate_s": t3 - t2,
        "aggregate_s": t4 - t3,
        "overall_att": sum(post) / len(post),
        "event_att": event,
    }


def _child(
    tool: str, path: str, env: dict[str, str]
) -> tuple[float, dict[str, object], float, float]:
    load_before = os.getloadavg()[0]
    cmd = [sys.executable, __file__, "--child", tool, path]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True, env=env)
    wall = time.perf_counter() - t0
    load_after = os.getloadavg()[0]
    return wall, json.loads(proc.stdout.strip().splitlines()[-1]), load_before, load_after


def _version(dist: str) -> str:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return "not installed"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--units", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--tools", nargs="+", choices=TOOLS, default=list(TOOLS))
    ap.add_argument("--env", action="append", default=[], metavar="NAME=VALUE")
    ap.add_argument("--out", type=Path, default=RESULTS)
    ap.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    if args.child:
        tool, path = args.child
        out = run_impact(path) if tool == "impact" else run_diff_diff(path)
        print(json.dumps(out))
        return

    extra_env = dict(item.split("=", 1) for item in args.env)
    env = {**os.environ, **extra_env}
    tools = [t for t in args.tools if t != "diff_diff" or _version("diff-diff") != "not installed"]
    runs: dict[str, list[dict[str, object]]] = {t: [] for t in tools}
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "panel.parquet")
        make_panel(args.units).to_parquet(path, index=False)
        for r in range(args.runs):
            for tool in tools:
                wall, out, lb, la = _child(tool, path, env)
                out.update(wall_s=wall, load_average_1min=[round(lb, 2), round(la, 2)], run=r)
                runs[tool].append(out)
                print(
                    f"run {r}  {tool:9}  wall {wall:6.2f} s  (import {out['import_s']:.2f}, "
                    f"read {out['read_s']:.2f}, estimate {out['estimate_s']:.2f}, "
                    f"aggregate {out['aggregate_s']:.2f})  load {lb:.2f} -> {la:.2f}",
                    flush=True,
                )

    best = {t: min(rs, key=lambda o: float(o["wall_s"])) for t, rs in runs.items()}  # type: ignore[arg-type]
    summary: dict[str, object] = {t: round(float(b["wall_s"]), 3) for t, b in best.items()}  # type: ignore[arg-type]
    if len(best) == 2:
        a, b = best["impact"], best["diff_diff"]
        ea, eb = a["event_att"], b["event_att"]
        assert isinstance(ea, dict) and isinstance(eb, dict)
        common = sorted(set(map(str, ea)) & set(map(str, eb)))
        max_diff = max(abs(float(ea[k]) - float(eb[k])) for k in common)  # type: ignore[index]
        overall_diff = abs(float(a["overall_att"]) - float(b["overall_att"]))  # type: ignore[arg-type]
        ratio = float(a["wall_s"]) / float(b["wall_s"])  # type: ignore[arg-type]
        summary.update(
            ratio_impact_over_diff_diff=round(ratio, 4),
            diff_diff_over_impact=round(1 / ratio, 2),
            max_abs_diff_event_att=max_diff,
            abs_diff_overall_att=overall_diff,
            agree=bool(max_diff <= args.tol and overall_diff <= args.tol),
        )
        print(
            f"best of {args.runs}: impact {a['wall_s']:.2f} s, diff-diff {b['wall_s']:.2f} s "
            f"-> impact takes {ratio:.3f} of diff-diff's time ({1 / ratio:.1f}x faster; "
            f"target <= 0.125). Overall ATT {a['overall_att']:.6f} vs {b['overall_att']:.6f}, "
            f"max |event-time ATT difference| {max_diff:.2e}"
        )
        if not summary["agree"]:
            raise SystemExit(f"the two tools disagree beyond tol={args.tol}")
    if not args.no_write:
        meta = {
            "machine": f"{platform.machine()}, {platform.system()}, python {platform.python_version()}",
            "cpu_count": os.cpu_count(),
            "versions": {d: _version(d) for d in ("impact", "diff-diff", "pandas", "numpy")},
            "design": f"{args.units:,} units x {N_PERIODS} periods (did_scale.make_panel, seed 0), "
            "DR, one covariate, never-treated controls, analytic SEs, dynamic / event-study aggregation",
            "note": "wall time of a fresh process: import + read parquet + estimate + aggregate; "
            "best of the runs per tool; runs alternate between tools",
            "environment": extra_env,
            "command": " ".join(["python", "benchmarks/did_vs_diffdiff.py", *sys.argv[1:]]),
        }
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(
            json.dumps({"meta": meta, "summary": summary, "runs": runs}, indent=2) + "\n"
        )
        print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
