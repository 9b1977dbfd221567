"""Size of att_gt's Wald pre-test of parallel trends when parallel trends hold.

Two designs, each re-drawn ``--reps`` times (seeded), no effect and parallel trends true,
so a 5 % test should reject in about 5 % of the draws:

- ``clustered`` (individual enrolment): ``G`` clusters of ``--per-cluster`` persons, each
  person never treated (half) or enrolling in one of ``k`` cohorts (first treated in periods
  3..k+2) over ``k + 3`` periods, so the varying-base pre-test has ``q = k (k + 1) / 2``
  restrictions (15 with k = 5); ``y_it = a_i + 0.1 t + u_ct + e_it`` with a cluster-by-period
  shock ``u_ct ~ N(0, 0.5^2)``; standard errors clustered on the cluster. This is where the
  chi-square reference of a cluster-robust ``W`` fails: it ignores that ``V`` is estimated
  from ``G`` cluster scores.
- ``rollout`` (sites adopt, persons observed, clustered on the site): ``G`` clusters of
  ``--per-cluster`` persons, half the clusters never treated, the rest adopting in one of
  ``k`` cohorts; otherwise as ``clustered``. Each cohort's covariance block rests on its
  few clusters, not on all ``G``.
- ``cohorts`` (municipal roll-out, unclustered): ``n_never`` never-treated units and four
  cohorts (first treated in 4..7) of ``m`` units each, 8 periods, i.i.d. errors: each
  cohort's covariance block rests on its ``m`` units, which neither reference sees.

Every reference's p-value (``cohort_hotelling``, the default; ``hotelling``; ``chi2``, R
``did``'s) comes from the same fit (``GroupTimeResult.pretest_with``). Usage::

    python benchmarks/did_pretest_size.py --reps 500            # the issue-13 figures
    python benchmarks/did_pretest_size.py --reps 500 --design rollout --k 5 4 3
    python benchmarks/did_pretest_size.py --design cohorts --m 10 20 30 40 50 100

Prints one line per design and writes ``benchmarks/results/did_pretest_size.json``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from impact.did import att_gt
from impact.did.group_time.pretest import PRETEST_METHODS

RESULTS = Path(__file__).parent / "results" / "did_pretest_size.json"


def panel(rng: np.random.Generator, m: int, n_never: int = 200, n_t: int = 8) -> pd.DataFrame:
    """The ``cohorts`` design: four cohorts of ``m`` units, i.i.d. errors."""
    g = np.concatenate([np.zeros(n_never)] + [np.full(m, c, dtype=float) for c in (4, 5, 6, 7)])
    n = len(g)
    y = rng.normal(size=(n, 1)) + 0.1 * np.arange(n_t)[None, :] + rng.normal(size=(n, n_t))
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), n_t),
            "t": np.tile(np.arange(1, n_t + 1), n),
            "g": np.repeat(g, n_t),
            "y": y.ravel(),
        }
    )


def clustered_panel(
    rng: np.random.Generator, n_clusters: int, k: int, per_cluster: int = 50, rho: float = 0.5
) -> pd.DataFrame:
    """The ``clustered`` design: persons in clusters enrol individually in ``k`` cohorts."""
    n, n_t = n_clusters * per_cluster, k + 3
    cluster = np.repeat(np.arange(n_clusters), per_cluster)
    share = np.r_[0.5, np.full(k, 0.5 / k)]
    g = rng.choice(np.r_[0, np.arange(3, 3 + k)], size=n, p=share).astype(float)
    shock = rho * rng.normal(size=(n_clusters, n_t))
    y = (
        rng.normal(size=(n, 1))
        + 0.1 * np.arange(n_t)[None, :]
        + shock[cluster]
        + rng.normal(size=(n, n_t))
    )
    return pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), n_t),
            "t": np.tile(np.arange(1, n_t + 1), n),
            "g": np.repeat(g, n_t),
            "c": np.repeat(cluster, n_t),
            "y": y.ravel(),
        }
    )


def rollout_panel(
    rng: np.random.Generator, n_clusters: int, k: int, per_cluster: int = 50, rho: float = 0.5
) -> pd.DataFrame:
    """The ``rollout`` design: whole clusters adopt in ``k`` cohorts (half never)."""
    df = clustered_panel(rng, n_clusters, k, per_cluster, rho)
    half = n_clusters // 2
    cohort_of = np.r_[np.zeros(half), 3 + np.arange(n_clusters - half) % k]
    df["g"] = cohort_of[df["c"].to_numpy()]
    return df


def p_values(data: pd.DataFrame, cluster: str | None) -> dict[str, float]:
    """Every reference's p-value from one fit (the Wald statistic is the same)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = att_gt(data, outcome="y", unit="id", time="t", cohort="g", cluster=cluster)
    out: dict[str, float] = {}
    for method in PRETEST_METHODS:
        test = res.pretest_with(method)
        out[method] = test.p_value
        out["df"] = test.df
    return out


def size(draw, reps: int, cluster: str | None, seed: int) -> dict[str, float | int]:
    rng = np.random.default_rng(seed)
    p: dict[str, list[float]] = {method: [] for method in PRETEST_METHODS}
    q = 0
    for _ in range(reps):
        got = p_values(draw(rng), cluster)
        q = int(got["df"])
        for method in p:
            if np.isfinite(got[method]):
                p[method].append(got[method])
    row: dict[str, float | int] = {"restrictions": q, "reps": reps, "seed": seed}
    for method, values in p.items():
        row[f"{method}_rejection_5pct"] = (
            float(np.mean(np.array(values) < 0.05)) if values else float("nan")
        )
        row[f"{method}_available"] = len(values)
    return row


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--design", choices=["clustered", "rollout", "cohorts", "all"], default="all")
    ap.add_argument("--clusters", type=int, nargs="+", default=[40, 20])
    ap.add_argument("--k", type=int, nargs="+", default=[5, 4], help="cohorts (q = k (k + 1) / 2)")
    ap.add_argument("--per-cluster", type=int, default=50)
    ap.add_argument("--m", type=int, nargs="+", default=[10, 20, 30, 50, 100])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rows = []
    start = time.perf_counter()
    if args.design in ("clustered", "all"):
        for n_cl in args.clusters:
            for k in args.k:
                row = size(
                    lambda rng, n_cl=n_cl, k=k: clustered_panel(rng, n_cl, k, args.per_cluster),
                    args.reps,
                    "c",
                    args.seed + 1000 * n_cl + k,
                )
                row |= {"design": "clustered", "clusters": n_cl, "cohorts": k}
                rows.append(row)
                _print(row, f"{n_cl} clusters, {k} cohorts")
    if args.design in ("rollout", "all"):
        for n_cl in args.clusters:
            for k in args.k:
                row = size(
                    lambda rng, n_cl=n_cl, k=k: rollout_panel(rng, n_cl, k, args.per_cluster),
                    args.reps,
                    "c",
                    args.seed + 2000 * n_cl + k,
                )
                row |= {"design": "rollout", "clusters": n_cl, "cohorts": k}
                rows.append(row)
                _print(row, f"roll-out, {n_cl} clusters, {k} cohorts")
    if args.design in ("cohorts", "all"):
        for m in args.m:
            row = size(lambda rng, m=m: panel(rng, m), args.reps, None, args.seed + m)
            row |= {"design": "cohorts", "units_per_cohort": m}
            rows.append(row)
            _print(row, f"unclustered, {m} units per cohort")
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(
        json.dumps(
            {"command": "python benchmarks/did_pretest_size.py " + " ".join(_argv()),
             "seconds": round(time.perf_counter() - start, 1), "rows": rows},
            indent=2,
        )
        + "\n"
    )  # fmt: skip
    print(f"wrote {RESULTS}")


def _argv() -> list[str]:
    import sys

    return sys.argv[1:]


def _print(row: dict[str, float | int], label: str) -> None:
    rates = ", ".join(
        f"{m} {row[f'{m}_rejection_5pct']:.3f} ({row[f'{m}_available']})" for m in PRETEST_METHODS
    )
    print(f"{label:36s} q = {row['restrictions']:2d}: rejection at 5 % (available of "
          f"{row['reps']}): {rates}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
