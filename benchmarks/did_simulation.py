"""Simulation study: bias, RMSE and 95 % interval coverage of the DiD estimators.

Two designs, each replicated ``--reps`` times (default 500):

- ``flyt``: the synthetic Flyt scenario (``impact.data.simulate("flyt", seed=s, scale=...)``,
  356 municipalities x 10 years, about 20 adopting municipalities in staggered cohorts,
  effects varying by municipality and years since adoption). Target: the true
  unweighted ATT over treated municipality-years (``truth`` row ``simple``/``unit``).
- ``clusters20``: a small panel of 50 municipalities x 10 years, 20 of them treated in
  three cohorts, effects that grow with time since adoption and differ by cohort and
  municipality, AR(1) errors within municipality. Target: the mean effect over treated
  municipality-years (what ``att_gt``'s "simple" aggregation and the imputation
  estimator estimate).

Estimators and inference (clusters = municipalities):
TWFE with CR1 cluster SEs and with the WCR wild cluster bootstrap (Webb weights);
``att_gt`` (never-treated comparison, no covariates, "simple" aggregation) with analytic
clustered SEs and with its cluster multiplier (wild) bootstrap; the imputation estimator
(BJS) with its conservative (leave-out) analytic SE and with the score wild bootstrap (Webb).

Usage::

    python benchmarks/did_simulation.py --reps 500 --boot 399

Writes ``benchmarks/results/did_simulation.json`` and ``.md``.
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
from impact.did import att_gt, imputation, twfe, wild_bootstrap_scores
from impact.errors import ImpactWarning

RESULTS = Path(__file__).resolve().parent / "results"


def clusters20_panel(seed: int) -> tuple[pd.DataFrame, float]:
    """50 municipalities x 2012-2021; 20 treated (cohorts 2015, 2017, 2019); returns (panel, true ATT)."""
    rng = np.random.default_rng(seed)
    n, years = 50, np.arange(2012, 2022)
    cohort = np.r_[np.repeat([2015, 2017, 2019], [7, 7, 6]), np.zeros(30, dtype=int)]
    rng.shuffle(cohort)
    unit_effect = rng.normal(0.80, 0.05, n)
    het = rng.normal(1.0, 0.3, n)  # municipality-specific effect size
    rows = []
    for i in range(n):
        e = np.zeros(len(years))
        for t in range(len(years)):
            e[t] = rng.normal(0, 0.02) + (0.5 * e[t - 1] if t else 0.0)
        k = years - cohort[i]
        d = (cohort[i] > 0) & (k >= 0)
        scale = 1.5 if cohort[i] == 2015 else (1.0 if cohort[i] == 2017 else 0.6)
        tau = np.where(d, het[i] * scale * (0.02 + 0.008 * np.clip(k, 0, None)), 0.0)
        y = unit_effect[i] + 0.004 * (years - 2012) + tau + e
        rows.append(
            pd.DataFrame(
                {
                    "municipality": f"k{i:02d}",
                    "year": years,
                    "adoption_year": cohort[i],
                    "y": y,
                    "tau": tau,
                    "d": d,
                }
            )
        )
    df = pd.concat(rows, ignore_index=True)
    return df.drop(columns=["tau", "d"]), float(df.loc[df["d"], "tau"].mean())


def flyt_panel(seed: int, scale: float) -> tuple[pd.DataFrame, float]:
    sd = simulate("flyt", seed=seed, scale=scale)
    truth = sd.truth.query("estimand == 'simple' and weighting == 'unit'")["value"].iloc[0]
    return sd.panel.rename(columns={"completion_rate": "y"}), float(truth)


def one_rep(df: pd.DataFrame, *, n_boot: int, seed: int) -> dict[str, tuple[float, float, float]]:
    """Estimates and CIs: name -> (estimate, ci_lower, ci_upper)."""
    kw = {"outcome": "y", "unit": "municipality", "time": "year", "cohort": "adoption_year"}
    out: dict[str, tuple[float, float, float]] = {}
    tw = twfe(df, **kw)
    out["TWFE | CR1 cluster SE"] = (tw.estimate, *tw.ci)
    wb = tw.wild_bootstrap(n_boot=n_boot, weights="webb", seed=seed)
    out["TWFE | wild cluster bootstrap (WCR, Webb)"] = (tw.estimate, *wb.ci)
    agg = att_gt(df, **kw).aggregate("simple")
    out["att_gt simple | analytic clustered SE"] = (agg.att, *agg.ci)
    aggb = att_gt(df, **kw, n_boot=n_boot, seed=seed).aggregate("simple")
    out["att_gt simple | cluster wild (multiplier) bootstrap"] = (aggb.att, *aggb.ci)
    imp = imputation(df, **kw)
    out["imputation (BJS) | conservative analytic SE"] = (imp.att, *imp.ci)
    ws = wild_bootstrap_scores(
        imp.att, imp.cluster_scores[:, 0], outcome=imp.outcome, weights="webb", n_boot=n_boot,
        seed=seed,
    )  # fmt: skip
    out["imputation (BJS) | score wild bootstrap (Webb)"] = (imp.att, *ws.ci)
    return out


def run(design: str, reps: int, n_boot: int, scale: float, seed0: int) -> pd.DataFrame:
    records = []
    t0 = time.perf_counter()
    for r in range(reps):
        seed = seed0 + r
        df, truth = flyt_panel(seed, scale) if design == "flyt" else clusters20_panel(seed)
        for name, (est, lo, hi) in one_rep(df, n_boot=n_boot, seed=seed).items():
            records.append(
                {
                    "design": design,
                    "method": name,
                    "rep": r,
                    "truth": truth,
                    "estimate": est,
                    "lo": lo,
                    "hi": hi,
                }
            )
        if (r + 1) % 50 == 0:
            print(f"  {design}: {r + 1}/{reps} reps, {time.perf_counter() - t0:.0f} s", flush=True)
    return pd.DataFrame.from_records(records)


def summarise(raw: pd.DataFrame) -> pd.DataFrame:
    raw = raw.assign(
        err=raw["estimate"] - raw["truth"],
        cover=(raw["lo"] <= raw["truth"]) & (raw["truth"] <= raw["hi"]),
        width=raw["hi"] - raw["lo"],
    )
    g = raw.groupby(["design", "method"], sort=False)
    out = g.agg(
        reps=("rep", "size"),
        mean_truth=("truth", "mean"),
        bias=("err", "mean"),
        rmse=("err", lambda e: float(np.sqrt(np.mean(e**2)))),
        coverage=("cover", "mean"),
        mean_ci_width=("width", "mean"),
    ).reset_index()
    out["coverage_mc_se"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["reps"])
    return out


def to_markdown(table: pd.DataFrame, meta: dict[str, object]) -> str:
    lines = [
        "# DiD simulation study (bias, RMSE, 95 % coverage)",
        "",
        f"Command: `{meta['command']}`; wall time {meta['seconds']:.0f} s.",
        "",
        "| design | estimator | inference | reps | mean truth | bias | RMSE | coverage (MC se) | mean CI width |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        estimator, inference = str(r["method"]).split(" | ")
        lines.append(
            f"| {r['design']} | {estimator} | {inference} | {r['reps']} | {r['mean_truth']:.4f} | {r['bias']:+.4f} | "
            f"{r['rmse']:.4f} | {r['coverage']:.3f} ({r['coverage_mc_se']:.3f}) | {r['mean_ci_width']:.4f} |"
        )
    lines += [
        "",
        "Designs: `flyt` = synthetic Flyt scenario (356 municipalities x 10 years, ~20 adopters, "
        f"scale={meta['scale']}); `clusters20` = 50 municipalities x 10 years, 20 treated in 3 "
        "cohorts, heterogeneous dynamic effects, AR(1) errors. Truth = mean effect over treated "
        "municipality-years (unweighted). Bootstrap draws per interval: "
        f"{meta['n_boot']}.",
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=500)
    ap.add_argument("--boot", type=int, default=399, help="bootstrap draws per interval")
    ap.add_argument(
        "--scale", type=float, default=0.1, help="population scale of the Flyt scenario"
    )
    ap.add_argument("--designs", default="clusters20,flyt")
    ap.add_argument("--seed", type=int, default=20240)
    ap.add_argument("--name", default="did_simulation")
    args = ap.parse_args()
    warnings.simplefilter("ignore", ImpactWarning)
    t0 = time.perf_counter()
    raw = pd.concat(
        [run(d, args.reps, args.boot, args.scale, args.seed) for d in args.designs.split(",")],
        ignore_index=True,
    )
    table = summarise(raw)
    meta = {
        "command": f"python benchmarks/did_simulation.py --reps {args.reps} --boot {args.boot} "
        f"--scale {args.scale} --designs {args.designs} --seed {args.seed}",
        "seconds": time.perf_counter() - t0,
        "scale": args.scale,
        "n_boot": args.boot,
    }
    print(table.to_string(index=False))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.md").write_text(to_markdown(table, meta))
    (RESULTS / f"{args.name}.json").write_text(
        json.dumps({"meta": meta, "table": table.to_dict(orient="records")}, indent=2)
    )


if __name__ == "__main__":
    main()
