"""Time impact.bayes.hierarchical_did on the synthetic Flyt cells (200k and 600k persons).

Prints, per case: wall time including model compilation, peak memory, min ESS per second,
the diagnostics and the ATT against the data card's truth; writes
benchmarks/results/bayes_scale.json (one entry per case, merged across runs).

    python benchmarks/bayes_scale.py                      # both sizes, PyMC's NUTS
    python benchmarks/bayes_scale.py --scale 1.0 --sampler nutpie
    python benchmarks/bayes_scale.py --persons            # also the person-row Bernoulli model

Posterior predictive draws and the pointwise log-likelihood are switched off here (they
would add 2 x 4000 x n_cells numbers); the timing covers sampling, compilation and the
probability-scale effects. Defaults are the samplers' own: 300 tuning steps (nutpie) and
target_accept 0.8 (PyMC, Stan, nutpie); the diagnostics gate decides whether they sufficed.
Wall times depend on what else runs on the machine: the 1-minute load average before and
after each case is recorded with it.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time
import warnings
from pathlib import Path

import numpy as np

from impact.bayes import hierarchical_did
from impact.data import simulate

RESULTS = Path(__file__).parent / "results" / "bayes_scale.json"
COVARIATES = ["parents_education", "grade_band"]


def peak_memory_mb() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024.0  # Linux reports KiB


def run_case(
    scale: float,
    sampler: str,
    draws: int,
    tune: int,
    seed: int,
    persons: bool,
    rich: bool = False,
    target_accept: float = 0.8,
) -> dict:
    data = simulate("flyt", seed=seed, scale=scale)
    truth = data.truth
    true_att = float(
        truth.loc[(truth["estimand"] == "simple") & (truth["weighting"] == "person"), "value"].iloc[
            0
        ]
    )
    if persons:
        frame = data.persons
        kwargs = {"outcome": "completed_vgs", "trials": None, "compress": False}
    else:
        frame = data.cells
        kwargs = {}
    if rich:  # effect varying by event time and grade band, as in the Flyt data card
        kwargs.update({"dynamic": True, "effect_covariates": ["grade_band"]})
    load_before = os.getloadavg()[0]
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = hierarchical_did(
            frame,
            site="municipality",
            cohort="adoption_year",
            outcome_name="completed_vgs",
            covariates=COVARIATES,
            draws=draws,
            tune=tune,
            chains=4,
            seed=seed,
            sampler=sampler,
            target_accept=target_accept,
            predictive=False,
            log_likelihood=False,
            cores=2,
            **kwargs,
        )
    wall = time.perf_counter() - start
    load_after = os.getloadavg()[0]
    diag = res.diagnostics
    row = res.to_frame(level=0.9).iloc[0]  # "att_ci90" below
    return {
        "case": (
            f"{'persons' if persons else 'cells'}-{res.design.n_persons // 1000}k-{sampler}"
            f"-tune{tune}-ta{target_accept}{'-rich' if rich else ''}"
        ),
        "persons": res.design.n_persons,
        "cells": res.design.n_cells,
        "sampler": res.sampler.sampler,
        "site_parameterization": res.site_parameterization,
        "chains": 4,
        "draws": draws,
        "tune": tune,
        "target_accept": target_accept,
        "wall_seconds": round(wall, 1),
        "sampling_seconds_incl_compile": round(res.sampler.seconds, 1),
        "peak_memory_mb": round(peak_memory_mb(), 0),
        "min_ess_bulk": round(diag.min_ess_bulk, 0),
        "min_ess_per_second": round(diag.min_ess_bulk / wall, 2),
        "diagnostics_passed": diag.passed,
        "diagnostics": diag.to_dict(),
        "att_mean": round(float(row["estimate"]), 5),
        "att_ci90": [round(float(row["ci_lower"]), 5), round(float(row["ci_upper"]), 5)],
        "true_att_person": round(true_att, 5),
        "truth_in_ci90": bool(row["ci_lower"] <= true_att <= row["ci_upper"]),
        "warnings": sorted({str(w.message)[:160] for w in caught}),
        "machine": f"{platform.machine()} {platform.python_version()}",
        "load_average_1min": [round(load_before, 2), round(load_after, 2)],
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scale", type=float, nargs="*", default=[1 / 3, 1.0])
    parser.add_argument("--sampler", default="pymc", choices=["pymc", "nutpie"])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=300, help="nutpie's default")
    parser.add_argument(
        "--target-accept", type=float, default=0.8, help="PyMC's, Stan's and nutpie's default"
    )
    parser.add_argument("--seed", type=int, default=20240601)
    parser.add_argument("--persons", action="store_true", help="also fit person rows")
    parser.add_argument(
        "--rich", action="store_true", help="effects vary by event time and grade band"
    )
    args = parser.parse_args()
    stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
    for scale in args.scale:
        for persons in [False, True] if args.persons else [False]:
            out = run_case(
                scale,
                args.sampler,
                args.draws,
                args.tune,
                args.seed,
                persons,
                args.rich,
                args.target_accept,
            )
            print(
                f"{out['case']}: {out['cells']} cells, wall {out['wall_seconds']} s incl. "
                f"compilation, peak {out['peak_memory_mb']:.0f} MB, min ESS/s "
                f"{out['min_ess_per_second']}, diagnostics "
                f"{'passed' if out['diagnostics_passed'] else 'FAILED'}; ATT {out['att_mean']:.4f} "
                f"90% [{out['att_ci90'][0]:.4f}, {out['att_ci90'][1]:.4f}] truth "
                f"{out['true_att_person']:.4f}"
            )
            stored[out["case"]] = out
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            RESULTS.write_text(json.dumps(stored, indent=2, default=_json_default) + "\n")


def _json_default(obj: object) -> object:
    if isinstance(obj, np.generic):
        return obj.item()
    raise TypeError(type(obj).__name__)


if __name__ == "__main__":
    main()
