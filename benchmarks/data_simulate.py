"""Time and memory of the synthetic-data generator (`impact.data.simulate`).

Each case runs in a fresh subprocess so peak memory (max RSS) is its own. Prints a table and
writes benchmarks/results/data_simulate.json.

    python benchmarks/data_simulate.py
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

CASES = [("flyt", 1.0), ("flyt", 0.2), ("unginvest", 1.0), ("getacademy", 1.0)]
CHILD = """
import json, resource, time
from impact.data import simulate
t = time.perf_counter()
sim = simulate({scenario!r}, scale={scale})
wall = time.perf_counter() - t
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({{"wall_s": wall, "peak_rss_mb": rss, "rows": len(sim.persons)}}))
"""


def main() -> None:
    results = []
    for scenario, scale in CASES:
        out = subprocess.run(
            [sys.executable, "-c", CHILD.format(scenario=scenario, scale=scale)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        row = {
            "scenario": scenario,
            "scale": scale,
            **json.loads(out.stdout.strip().splitlines()[-1]),
        }
        results.append(row)
        print(f"{scenario:10s} scale {scale:4.1f}: {row['rows']:>8,d} rows  "
              f"{row['wall_s']:6.2f} s  peak RSS {row['peak_rss_mb']:7.0f} MB")  # fmt: skip
    path = Path(__file__).parent / "results" / "data_simulate.json"
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(results, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
