"""Relative-magnitudes sensitivity (``honest_did(restriction="relative_magnitude")``): run time,
C-LF against Bonferroni on the HonestDiD README example, and simulated coverage.

Three parts:

- ``readme``: the Medicaid example of the HonestDiD README (betahat/sigma from
  ``tests/did/honest/test_honest.py``, sigma rescaled to fixest's small-sample factor); C-LF and
  Bonferroni CIs for Mbar = 0, 0.5, ..., 2, breakdown values, and the run time of the README
  table (Mbar = 0.5..2, no breakdown) and of the default call (Mbar = 0..2 with breakdown),
  median of ``--repeat`` runs.
- ``scaling``: run time of one default call (5 Mbar values, breakdown) for more pre/post periods.
- ``coverage``: ``--reps`` draws of ``betahat ~ N(tau + delta, Sigma)`` with ``delta`` on the
  edge of ``Delta^RM(Mbar = 1)`` (post-period changes equal to the largest pre-period change)
  and with ``delta = 0``; share of CIs containing ``theta = tau_1`` and mean width, for both
  methods.

Usage::

    python benchmarks/honest_rm.py --reps 200 --repeat 5

Writes ``benchmarks/results/honest_rm.json``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from impact.did import honest_did

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "did" / "honest"))
from test_honest import BETA, SIGMA_FIXEST  # noqa: E402


def _timed(fn: object, repeat: int) -> tuple[float, object]:
    assert callable(fn)
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return float(np.median(times)), out


def readme(repeat: int) -> dict:
    kw = dict(num_pre=5, num_post=2, restriction="relative_magnitude")
    t_table, res = _timed(
        lambda: honest_did(BETA, SIGMA_FIXEST, m_grid=[0.5, 1, 1.5, 2], breakdown=False, **kw),
        repeat,
    )
    t_default, clf = _timed(lambda: honest_did(BETA, SIGMA_FIXEST, **kw), repeat)
    bonf = honest_did(BETA, SIGMA_FIXEST, method="bonferroni", **kw)
    avg = honest_did(BETA, SIGMA_FIXEST, l_vec=[0.5, 0.5], **kw)
    rows = []
    for name, r in (("C-LF", clf), ("Bonferroni", bonf), ("C-LF, l = (0.5, 0.5)", avg)):
        for _, row in r.table.iterrows():
            rows.append(
                {
                    "method": name,
                    "mbar": float(row["m"]),
                    "lb": float(row["ci_lower"]),
                    "ub": float(row["ci_upper"]),
                }
            )
    return {
        "seconds_readme_table": t_table,
        "seconds_default_with_breakdown": t_default,
        "readme_table": res.table[["m", "ci_lower", "ci_upper"]].values.tolist(),  # type: ignore[attr-defined]
        "breakdown": {
            "C-LF": clf.breakdown,
            "Bonferroni": bonf.breakdown,
            "C-LF avg": avg.breakdown,
        },  # type: ignore[attr-defined]
        "cis": rows,
    }


def scaling(repeat: int) -> list[dict]:
    out = []
    rng = np.random.default_rng(0)
    for num_pre, num_post in ((5, 2), (5, 4), (10, 4), (10, 8)):
        k = num_pre + num_post
        a = rng.normal(size=(k, k))
        sigma = 1e-4 * (a @ a.T / k + np.eye(k))
        beta = np.r_[rng.normal(0, 0.01, num_pre), 0.05 + rng.normal(0, 0.01, num_post)]
        lv = np.full(num_post, 1 / num_post)

        def call(b=beta, s=sigma, p=num_pre, q=num_post, lv=lv):  # type: ignore[no-untyped-def]
            return honest_did(
                b, s, num_pre=p, num_post=q, restriction="relative_magnitude", l_vec=lv
            )

        t, _ = _timed(call, repeat)
        out.append({"num_pre": num_pre, "num_post": num_post, "seconds_default_call": t})
        print(f"scaling pre={num_pre} post={num_post}: {t:.3f} s", flush=True)
    return out


def coverage(reps: int, seed: int) -> list[dict]:
    num_pre, num_post, mbar = 3, 2, 1.0
    k = num_pre + num_post
    m = 0.03
    tau = np.r_[np.zeros(num_pre), 0.1, 0.2]
    edge = tau + np.r_[0.03, 0.03, 0.03, mbar * m, 2 * mbar * m]  # one pre change of -m
    designs = {
        "edge of Delta^RM(1), precise pre-trend (se 0.003)": (edge, 1e-5),
        "edge of Delta^RM(1), noisy pre-trend (se 0.02)": (edge, 4e-4),
        "parallel trends (se 0.02)": (tau, 4e-4),
    }
    out = []
    for dname, (beta0, scale) in designs.items():
        sigma = scale * (np.eye(k) + 0.4)
        draws = np.random.default_rng(seed).multivariate_normal(beta0, sigma, size=reps)
        for method in ("C-LF", "bonferroni"):
            cover, width = [], []
            t0 = time.perf_counter()
            for b in draws:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    r = honest_did(
                        b, sigma, num_pre=num_pre, num_post=num_post,
                        restriction="relative_magnitude", method=method,  # type: ignore[arg-type]
                        m_grid=[mbar], breakdown=False,
                    )  # fmt: skip
                lo, hi = r.table.loc[0, ["ci_lower", "ci_upper"]]
                cover.append(lo <= 0.1 <= hi)
                width.append(hi - lo)
            p = float(np.mean(cover))
            out.append(
                {
                    "design": dname,
                    "method": method,
                    "reps": reps,
                    "coverage": p,
                    "coverage_mc_se": float(np.sqrt(p * (1 - p) / reps)),
                    "mean_width": float(np.mean(width)),
                    "seconds": time.perf_counter() - t0,
                }
            )
            print(f"coverage {dname} {method}: {p:.3f} width {np.mean(width):.4f}", flush=True)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--seed", type=int, default=20241)
    args = ap.parse_args()
    t0 = time.perf_counter()
    res_readme = readme(args.repeat)
    print(
        f"README table: {res_readme['seconds_readme_table']:.3f} s; default call with breakdown: "
        f"{res_readme['seconds_default_with_breakdown']:.3f} s; breakdown {res_readme['breakdown']}"
    )
    result = {
        "meta": {
            "command": f"python benchmarks/honest_rm.py --reps {args.reps} "
            f"--repeat {args.repeat} --seed {args.seed}",
            "note": "times are medians of --repeat runs on a shared 2-core machine",
        },
        "readme": res_readme,
        "scaling": scaling(args.repeat),
        "coverage": coverage(args.reps, args.seed),
    }
    result["meta"]["seconds"] = time.perf_counter() - t0
    out = ROOT / "benchmarks" / "results" / "honest_rm.json"
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
