"""Speed of impact.cba.appraise: 10,000 draws x 70 years with the full ledger.

Target (issue 5): under 1 s for one programme on the project machine (2 cores).
Prints the figures and writes benchmarks/results/cba_scale.json.

Run: MPLBACKEND=Agg .venv/bin/python benchmarks/cba_scale.py
"""

from __future__ import annotations

import json
import os
import platform
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from impact import Effect
from impact.cba import Programme, appraise, load_parameters, present_value

REPEATS = 7


def timed(fn: Callable[[], object], repeats: int = REPEATS) -> tuple[float, float]:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), float(np.min(times))


def main() -> dict[str, object]:
    params = load_parameters()
    programme = Programme(
        "benchmark",
        participants=1000,
        age=16,
        start_year=2024,
        costs={
            "kommune": [150_000, 50_000],
            "fylkeskommune": 20_000,
            "stat": 30_000,
            "private": 10_000,
        },
        horizon=70,
    )
    neet = Effect(
        outcome="neet",
        unit="probability",
        point=-0.05,
        draws=np.random.default_rng(1).normal(-0.05, 0.02, size=(4000, 6)),
        draws_kind="posterior",
        event_time=(0, 1, 2, 3, 4, 5),
        estimator="hierarchical_did",
    )
    completion = Effect.from_normal(
        0.04, 0.015, outcome="completed_vgs", n_draws=4000, seed=2, estimator="att_gt"
    )
    effects = [completion, neet]
    appraise(effects, programme, params, n_draws=1000, seed=0)  # warm-up (imports, caches)
    results: dict[str, object] = {
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        "numpy": np.__version__,
        "repeats": REPEATS,
    }
    timed_10k = float("inf")
    for n in (1_000, 10_000, 50_000):
        med, best = timed(partial(appraise, effects, programme, params, n_draws=n, seed=1))
        results[f"appraise_{n}_draws_70_years_s"] = {"median": round(med, 4), "min": round(best, 4)}
        if n == 10_000:
            timed_10k = med
        print(
            f"appraise: {n:>6} draws x 70 years, full ledger + tornado + scenarios: median {med:.3f} s (min {best:.3f} s)"
        )
    flows = np.random.default_rng(3).normal(size=(10_000, 70))
    med, best = timed(lambda: present_value(flows), repeats=50)
    results["present_value_10000x70_s"] = {"median": round(med, 6), "min": round(best, 6)}
    print(f"present_value: 10,000 x 70 flows: median {med * 1e3:.2f} ms")
    results["target_s"] = 1.0
    results["meets_target"] = bool(timed_10k < 1.0)
    out = Path(__file__).parent / "results" / "cba_scale.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {out}")
    return results


if __name__ == "__main__":
    main()
