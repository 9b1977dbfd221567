"""Size of att_gt's Wald pre-test of parallel trends when parallel trends hold.

Design: ``n_never`` never-treated units and four cohorts (first treated in periods 4..7) of
``m`` units each, 8 periods, ``y_it = a_i + 0.1 t + e_it`` with i.i.d. normal errors and no
effect, so every pre-treatment ATT(g, t) is zero and a 5 % test should reject in about 5 %
of replications. The chi-square reference of ``W`` ignores that the covariance of a
cohort's pre-period cells is estimated from its ``m`` units: with few units per cohort the
test over-rejects badly, and with ``m`` at or below the number of a cohort's pre-period
cells the covariance is singular and the test is refused (reported as not available).

Usage::

    python benchmarks/did_pretest_size.py --reps 200 --m 4 10 30 100

Prints one line per cohort size (rejection rate at 5 %, replications where the test was
available).
"""

from __future__ import annotations

import argparse
import warnings

import numpy as np
import pandas as pd

from impact.did import att_gt


def panel(rng: np.random.Generator, m: int, n_never: int = 200, n_t: int = 8) -> pd.DataFrame:
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


def size(m: int, reps: int, base_period: str, seed: int) -> tuple[float, int]:
    rng = np.random.default_rng(seed)
    p = []
    for _ in range(reps):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = att_gt(
                panel(rng, m), outcome="y", unit="id", time="t", cohort="g",
                base_period=base_period,
            )  # fmt: skip
        if np.isfinite(res.pretest.p_value):
            p.append(res.pretest.p_value)
    return (float(np.mean(np.array(p) < 0.05)) if p else float("nan")), len(p)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--m", type=int, nargs="+", default=[4, 10, 30, 100])
    ap.add_argument("--base-period", default="varying", choices=["varying", "universal"])
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    for m in args.m:
        rate, n_ok = size(m, args.reps, args.base_period, args.seed + m)
        print(
            f"units per cohort {m:4d}: rejection at 5 % = {rate:.3f} "
            f"(test available in {n_ok} of {args.reps} replications)"
        )


if __name__ == "__main__":
    main()
