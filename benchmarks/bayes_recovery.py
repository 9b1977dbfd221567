"""Parameter recovery of impact.bayes.hierarchical_did on the synthetic Flyt scenario.

Question: the full-scale Flyt fit (600k pupils) gave an ATT of 0.032 (90 % interval
0.020-0.044) against a truth of 0.039. Is the model biased downwards, or was that one draw
of the data? We simulate Flyt with several seeds, fit the hierarchical DiD with the
analysis's covariates (site-varying, dynamic and grade-band-varying effects) and compare
the posterior of the ATT with each data set's own truth: the person-weighted mean of
``p1 - p0`` over treated pupils (``simple``/``person`` in the truth table).

    python benchmarks/bayes_recovery.py                      # 4 seeds at scale 1 (~10 min CPU)
    python benchmarks/bayes_recovery.py --scale 0.1 --seeds 1,2,3,4,5,6

The scale trades seeds for precision: Flyt's adopters are 20 small municipalities, so at
scale 0.1 only ~460 pupils are treated (posterior sd ~0.017, too wide to see a bias of
0.007 with a handful of seeds), while at scale 1 ~3,800 are (sd ~0.007) and the number of
cells, which sets the cost, grows only from 17k to 28k.

Writes benchmarks/results/bayes_recovery.json: per seed the posterior mean, sd, 90 %
interval, truth, error and diagnostics, and a raw person-weighted DiD of the same cells (no
model: each adopter's post-year rate minus its pre-period rate, minus the never-adopters'
change over the same years); summary bias (mean error and its standard error across seeds),
mean z-score, RMSE, 90 % coverage and the mean gap between the posterior mean and the raw
DiD. The raw DiD shares the data's noise with the model, so that gap isolates what the
model adds. ``--update-raw`` adds the raw DiD to an existing results file without refitting.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

from impact.bayes import hierarchical_did
from impact.data import simulate
from impact.errors import ImpactWarning

RESULTS = Path(__file__).parent / "results"


def raw_did(cells: pd.DataFrame) -> float:
    """Person-weighted DiD of completion without a model (see the module docstring)."""
    ctrl = cells[cells["adoption_year"] == 0].groupby("year")[["successes", "n"]].sum()
    ctrl_rate = ctrl["successes"] / ctrl["n"]
    num = den = 0.0
    for _, site in cells[cells["adoption_year"] > 0].groupby("municipality"):
        g = int(site["adoption_year"].iloc[0])
        pre, post = site[site["year"] < g], site[site["year"] >= g]
        pre_n = pre.groupby("year")["n"].sum()
        pre_ctrl = float(np.average(ctrl_rate.loc[pre_n.index], weights=pre_n))
        pre_rate = pre["successes"].sum() / pre["n"].sum()
        for year, cell in post.groupby("year"):
            n = cell["n"].sum()
            change = cell["successes"].sum() / n - pre_rate
            num += n * (change - (ctrl_rate.loc[year] - pre_ctrl))
            den += n
    return num / den


def _raw_fields(seed: int, scale: float, mean: float) -> dict:
    value = raw_did(simulate("flyt", seed=seed, scale=scale).cells)
    return {"raw_did": value, "gap_to_raw_did": mean - value}


def one_seed(seed: int, *, scale: float, draws: int, tune: int, link: str) -> dict:
    data = simulate("flyt", seed=seed, scale=scale)
    truth = data.truth
    true_att = float(
        truth.loc[(truth["estimand"] == "simple") & (truth["weighting"] == "person"), "value"].iloc[
            0
        ]
    )
    start, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ImpactWarning)
        res = hierarchical_did(
            data.cells,
            site="municipality",
            cohort="adoption_year",
            outcome_name="completed_vgs",
            covariates=["parents_education", "grade_band"],
            effect_covariates=["grade_band"],
            dynamic=True,
            sampler="auto",
            chains=4,
            draws=draws,
            tune=tune,
            seed=seed,
            link=link,
            predictive=False,
            log_likelihood=False,
            progressbar=False,
        )
    top = res.to_frame(level=0.9).iloc[0]
    d = res.diagnostics
    return {
        "seed": seed,
        "n_cells": res.design.n_cells,
        "n_persons": res.design.n_persons,
        "n_treated": int(top["n_treated"]),
        "truth": true_att,
        "mean": float(top["estimate"]),
        "sd": float(top["se"]),
        "ci90_lower": float(top["ci_lower"]),
        "ci90_upper": float(top["ci_upper"]),
        "error": float(top["estimate"]) - true_att,
        "z": (float(top["estimate"]) - true_att) / float(top["se"]),
        "covered90": bool(top["ci_lower"] <= true_att <= top["ci_upper"]),
        "diagnostics_passed": bool(d.passed),
        "max_rhat": float(d.max_rhat),
        "divergences": int(d.divergences),
        "sampler": res.sampler.sampler,
        "seconds_wall": round(time.perf_counter() - start, 1),
        "seconds_cpu_main_process": round(time.process_time() - cpu, 1),
        "warnings": sorted({type(w.message).__name__ for w in caught}),
    } | _raw_fields(seed, scale, float(top["estimate"]))


def summarise(rows: list[dict]) -> dict:
    err = np.array([r["error"] for r in rows])
    k = len(rows)
    se = float(err.std(ddof=1) / np.sqrt(k)) if k > 1 else float("nan")
    return {
        "n_seeds": k,
        "mean_truth": float(np.mean([r["truth"] for r in rows])),
        "mean_estimate": float(np.mean([r["mean"] for r in rows])),
        "bias": float(err.mean()),
        "bias_se": se,
        "bias_t": float(err.mean() / se) if k > 1 else float("nan"),
        "mean_z": float(np.mean([r["z"] for r in rows])),
        "mean_posterior_sd": float(np.mean([r["sd"] for r in rows])),
        "sd_of_errors": float(err.std(ddof=1)) if k > 1 else float("nan"),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "coverage90": float(np.mean([r["covered90"] for r in rows])),
        "all_diagnostics_passed": all(r["diagnostics_passed"] for r in rows),
        "mean_gap_to_raw_did": float(np.mean([r["gap_to_raw_did"] for r in rows])),
        "raw_did_bias": float(np.mean([r["raw_did"] - r["truth"] for r in rows])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1,2,3,4", help="comma-separated simulation seeds")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--link", default="logit", choices=["logit", "identity"])
    parser.add_argument("--out", default=str(RESULTS / "bayes_recovery.json"))
    parser.add_argument(
        "--update-raw", action="store_true", help="add the raw DiD to --out without refitting"
    )
    args = parser.parse_args()
    if args.update_raw:
        path = Path(args.out)
        out = json.loads(path.read_text())
        scale = float(out["command"].split("--scale ")[1].split()[0])
        for row in out["seeds"]:
            row |= _raw_fields(row["seed"], scale, row["mean"])
            print(
                f"seed {row['seed']}: posterior mean {row['mean']:.4f}, raw DiD "
                f"{row['raw_did']:.4f}, truth {row['truth']:.4f}"
            )
        out["summary"] = summarise(out["seeds"])
        path.write_text(json.dumps(out, indent=2))
        print(f"mean gap to the raw DiD {out['summary']['mean_gap_to_raw_did']:+.4f}; wrote {path}")
        return
    seeds = [int(s) for s in args.seeds.split(",") if s.strip()]
    rows = []
    for seed in seeds:
        row = one_seed(seed, scale=args.scale, draws=args.draws, tune=args.tune, link=args.link)
        rows.append(row)
        print(
            f"seed {seed}: ATT {row['mean']:.4f} (sd {row['sd']:.4f}; 90% "
            f"{row['ci90_lower']:.4f} to {row['ci90_upper']:.4f}) truth {row['truth']:.4f} "
            f"error {row['error']:+.4f} z {row['z']:+.2f} diag "
            f"{'ok' if row['diagnostics_passed'] else 'FAILED'} {row['seconds_wall']:.0f} s",
            flush=True,
        )
    summary = summarise(rows)
    print(
        f"bias {summary['bias']:+.4f} (se {summary['bias_se']:.4f}, t {summary['bias_t']:+.2f}); "
        f"mean z {summary['mean_z']:+.2f}; coverage90 {summary['coverage90']:.2f}; "
        f"mean posterior sd {summary['mean_posterior_sd']:.4f}; rmse {summary['rmse']:.4f}"
    )
    out = {
        "command": "python benchmarks/bayes_recovery.py "
        f"--seeds {args.seeds} --scale {args.scale} --draws {args.draws} --tune {args.tune} "
        f"--link {args.link}",
        "model": {
            "covariates": ["parents_education", "grade_band"],
            "effect_covariates": ["grade_band"],
            "site_effects": True,
            "dynamic": True,
            "chains": 4,
            "draws": args.draws,
            "tune": args.tune,
            "link": args.link,
        },
        "truth": "person-weighted simple ATT of each simulated data set (mean p1 - p0)",
        "machine": {"python": platform.python_version(), "cpus_shared": True},
        "seeds": rows,
        "summary": summary,
    }
    path = Path(args.out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
