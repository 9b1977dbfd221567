"""Recovery of site effects from the pooled att_gt fit: bias and interval coverage.

Design: the synthetic UngInvest scenario (``impact.data.simulate("unginvest", seed=s)``):
23,100 persons followed 2018-2025 in 18 municipalities, 950 enrolling individually in
2020-2024, selected on (stable) NEET proneness; parallel trends hold. Each seed gives
``att_gt(outcome="neet", unit="person_id", cohort="enrol_year", cluster="municipality")``
and ``.aggregate("site", by="municipality", data=panel)``. The target of site ``s`` is the
mean true effect ``p1 - p0`` over its participants' post-enrolment years (the scenario's
truth, conditional on who enrolled), so bias and coverage are over the draws of outcomes
and enrolment. Sites are reported separately by the ``reliable`` flag (>= 30
participants). Also checked per seed: the participant-period weighted average of the site
effects equals the ``"simple"`` aggregate.

Usage::

    python benchmarks/did_site_effects.py --seeds 40

Prints a summary and writes ``benchmarks/results/did_site_effects.json``.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from impact.data import simulate
from impact.did import att_gt

RESULTS = Path(__file__).parent / "results" / "did_site_effects.json"


def one(seed: int, scale: float) -> tuple[pd.DataFrame, float]:
    panel = simulate("unginvest", seed=seed, scale=scale).panel
    post = panel[(panel["enrol_year"] > 0) & (panel["year"] >= panel["enrol_year"])]
    truth = (post["p1"] - post["p0"]).groupby(post["municipality"]).mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = att_gt(panel, outcome="neet", unit="person_id", time="year",
                     cohort="enrol_year", cluster="municipality")  # fmt: skip
        sites = res.aggregate("site", by="municipality", data=panel)
        simple = res.aggregate("simple").att
    t = sites.table.assign(truth=lambda d: truth.reindex(d["site"]).to_numpy(), seed=seed)
    gap = float((t["weight"] * t["att"]).sum() - simple)
    return t, gap


def summarise(t: pd.DataFrame) -> dict[str, float | int]:
    err = t["att"] - t["truth"]
    ok = t["se"].notna()
    cover = (t["ci_lower"] <= t["truth"]) & (t["truth"] <= t["ci_upper"])
    return {
        "site_estimates": len(t),
        "with_se": int(ok.sum()),
        "mean_participants": float(t["n_participants"].mean()),
        "bias": float(err.mean()),
        "mean_abs_error": float(err.abs().mean()),
        "rmse": float(np.sqrt((err**2).mean())),
        "mean_se": float(t.loc[ok, "se"].mean()),
        "sd_error": float(err.std()),
        "coverage_95": float(cover[ok].mean()),
        "share_se_below_0.01": float((t.loc[ok, "se"] < 0.01).mean()),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seeds", type=int, default=40)
    ap.add_argument("--scale", type=float, default=1.0)
    args = ap.parse_args()
    start = time.perf_counter()
    tables, gaps = [], []
    for seed in range(1, args.seeds + 1):
        t, gap = one(seed, args.scale)
        tables.append(t)
        gaps.append(gap)
    all_sites = pd.concat(tables, ignore_index=True)
    out = {
        "command": f"python benchmarks/did_site_effects.py --seeds {args.seeds} "
        f"--scale {args.scale}",
        "seeds": args.seeds,
        "seconds": round(time.perf_counter() - start, 1),
        "max_abs_gap_weighted_sites_vs_simple": float(np.max(np.abs(gaps))),
        "reliable": summarise(all_sites[all_sites["reliable"]]),
        "flagged": summarise(all_sites[~all_sites["reliable"]]),
    }
    for name in ("reliable", "flagged"):
        s = out[name]
        print(
            f"{name:9s} sites: {s['site_estimates']:4d} estimates "
            f"(mean {s['mean_participants']:.0f} participants): bias {s['bias']:+.4f}, "
            f"RMSE {s['rmse']:.4f}, mean SE {s['mean_se']:.4f} vs sd of error "
            f"{s['sd_error']:.4f}, 95 % coverage {s['coverage_95']:.3f}, "
            f"SE < 0.01 in {100 * s['share_se_below_0.01']:.1f} %"
        )
    print(
        f"max |weighted site effects - simple| = {out['max_abs_gap_weighted_sites_vs_simple']:.1e}"
    )
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
