"""Start-up cost: how long do ``import impact...`` and ``impact --help`` take?

Each statement runs in a fresh ``python`` process (``--runs`` times, round-robin over the
statements so they share the machine's ups and downs); the median and the minimum wall time
of the whole process are reported, beside ``import pandas`` (the floor every analysis pays)
and a bare ``python -c pass``. One more run per statement with ``python -X importtime``
gives the top offenders: cumulative self time per top-level package. The heavy stack that
must load only on first use (linearmodels, statsmodels, scipy.stats, PyMC/PyTensor, ArviZ,
matplotlib) is listed per statement as it is found in ``sys.modules``.

Targets (issue 9): ``import impact``, ``impact.did`` and ``impact.cba`` each within 1.5x
``import pandas``; ``impact --help`` under 1.0 s. Wall times depend on what else runs on the
machine: the 1-minute load average before and after each statement's runs is recorded.

Prints a table and writes ``benchmarks/results/import_time.json`` and ``.md``.

Usage: ``python benchmarks/import_time.py [--runs 9]``
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

RESULTS = Path(__file__).parent / "results" / "import_time.json"
SRC = Path(__file__).resolve().parents[1] / "src"
HEAVY = ("linearmodels", "statsmodels", "scipy.stats", "pymc", "pytensor", "arviz", "matplotlib")
CLI = "import sys; sys.argv[0] = 'impact'; from impact.cli import app; app()"

# name -> (python code, extra argv); ratios are to "import pandas"
CASES: dict[str, tuple[str, list[str]]] = {
    "python -c pass": ("pass", []),
    "import pandas": ("import pandas", []),
    "import impact": ("import impact", []),
    "import impact.did": ("import impact.did", []),
    "import impact.cba": ("import impact.cba", []),
    "import impact.bayes": ("import impact.bayes", []),
    "import impact.report": ("import impact.report", []),
    "import impact.data": ("import impact.data", []),
    "from impact.did import att_gt": ("from impact.did import att_gt", []),
    "impact --help": (CLI, ["--help"]),
}
TARGETS = {"import impact": 1.5, "import impact.did": 1.5, "import impact.cba": 1.5}
CLI_TARGET_S = 1.0


def _env() -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH", "")) if p)
    env.setdefault("MPLBACKEND", "Agg")
    return env


def _time_once(code: str, argv: list[str], env: dict[str, str]) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", code, *argv], env=env, check=True, capture_output=True)
    return time.perf_counter() - t0


def _importtime(code: str, argv: list[str], env: dict[str, str]) -> dict[str, object]:
    """Self time per top-level package from ``-X importtime``, and the heavy modules loaded."""
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {HEAVY!r} if m in sys.modules))"
    if argv:  # the CLI exits inside app(); look at sys.modules from an atexit hook instead
        probe = (
            "import atexit, sys\n"
            f"atexit.register(lambda: print(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
            f"{code}"
        )
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", probe, *argv],
        env=env,
        capture_output=True,
        text=True,
    )
    per_package: dict[str, int] = defaultdict(int)
    total = 0
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line.removeprefix("import time:").split("|")
        per_package[name.strip().split(".")[0]] += int(self_us)
        total += int(self_us)
    top = sorted(per_package.items(), key=lambda kv: -kv[1])[:8]
    heavy = json.loads(proc.stdout.strip().splitlines()[-1].replace("'", '"'))
    return {
        "importtime_total_s": round(total / 1e6, 3),
        "top_packages_s": {k: round(v / 1e6, 3) for k, v in top},
        "heavy_loaded": heavy,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--no-write", action="store_true")
    args = ap.parse_args()
    env = _env()
    times: dict[str, list[float]] = {name: [] for name in CASES}
    load_before = os.getloadavg()[0]
    for _ in range(args.runs):
        for name, (code, argv) in CASES.items():
            times[name].append(_time_once(code, argv, env))
    load_after = os.getloadavg()[0]
    pandas_median = statistics.median(times["import pandas"])
    rows = []
    for name, (code, argv) in CASES.items():
        med = statistics.median(times[name])
        row: dict[str, object] = {
            "statement": name,
            "median_s": round(med, 3),
            "min_s": round(min(times[name]), 3),
            "ratio_to_pandas": round(med / pandas_median, 2),
            "runs_s": [round(t, 3) for t in times[name]],
        }
        if name in TARGETS:
            row["target"] = f"<= {TARGETS[name]}x import pandas"
            row["meets_target"] = med / pandas_median <= TARGETS[name]
        elif name == "impact --help":
            row["target"] = f"< {CLI_TARGET_S} s"
            row["meets_target"] = med < CLI_TARGET_S
        row.update(_importtime(code, argv, env))
        rows.append(row)

    lines = [
        "| statement | median s | min s | x pandas | target | heavy modules loaded | top packages (self s) |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        target = f"{r.get('target', '')} {'ok' if r.get('meets_target') else ''}".strip()
        if "meets_target" in r and not r["meets_target"]:
            target += " MISSED"
        top = ", ".join(f"{k} {v:.2f}" for k, v in list(r["top_packages_s"].items())[:5])  # type: ignore[union-attr]
        heavy = ", ".join(r["heavy_loaded"]) or "none"  # type: ignore[arg-type]
        lines.append(
            f"| `{r['statement']}` | {r['median_s']:.3f} | {r['min_s']:.3f} | "
            f"{r['ratio_to_pandas']:.2f} | {target} | {heavy} | {top} |"
        )
    header = (
        f"{args.runs} fresh processes per statement (round-robin); 1-minute load average "
        f"{load_before:.2f} before, {load_after:.2f} after; {os.cpu_count()} CPUs; "
        f"python {platform.python_version()}"
    )
    print(header)
    print("\n".join(lines))
    if not args.no_write:
        meta = {
            "machine": f"{platform.machine()}, {platform.system()}, python {platform.python_version()}",
            "cpu_count": os.cpu_count(),
            "runs": args.runs,
            "load_average_1min": [round(load_before, 2), round(load_after, 2)],
            "command": " ".join(["python", "benchmarks/import_time.py", *sys.argv[1:]]),
            "note": "wall time of a fresh process per statement (median and min); "
            "top packages: summed self time from one `python -X importtime` run",
        }
        RESULTS.parent.mkdir(parents=True, exist_ok=True)
        RESULTS.write_text(json.dumps({"meta": meta, "cases": rows}, indent=2) + "\n")
        RESULTS.with_suffix(".md").write_text(
            "# Start-up cost\n\n" + header + "\n\n" + "\n".join(lines) + "\n"
        )
        print(f"wrote {RESULTS} and {RESULTS.with_suffix('.md')}")


if __name__ == "__main__":
    main()
