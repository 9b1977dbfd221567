"""Recovery of impact.bayes.hierarchical_did under individual enrolment (issue 13, part 1).

Question: persons, not municipalities, enrol, each in their own year, and enrollees' baseline
NEET is four times the others' (selection on a stable trait). Does
``hierarchical_did(..., enrolment="individual")`` recover the true effect (-8 pp), with 90 %
intervals that cover, and how wide are they against ``att_gt``'s?

Data: ``tests/bayes/individual_data.py`` (40 municipalities x 150 persons x 7 years; 20 % of
persons enrol in 2018, 2019 or 2020; parallel trends hold on the probability scale, exactly
within levels of a covariate ``x`` that has a trend of its own; with ``--trend-x`` enrollees
are more often ``x = 1``, so parallel trends hold only conditional on ``x``). Per seed:

* ``hierarchical_did`` on the person rows (compressed to site x cohort x year [x x] cells),
  ``enrolment="individual"``, the link given (identity: parallel trends in probabilities,
  true here), site-varying effects, ``trend_covariates=["x"]`` with ``--trend-x``;
* ``impact.did.att_gt`` (never-treated controls, ``x`` as covariate with ``--trend-x``,
  analytic SEs clustered on persons) for the width ratio;
* ``impact.did.imputation`` (Borusyak-Jaravel-Spiess, person and year effects, clustered on
  persons; no covariates), which like the model uses every pre-period and not-yet-treated
  year, so it is the fairer reference for the width;
* the old call (site design with the site's first enrolment year as cohort) once, to record
  what it reported (now refused).

    python benchmarks/bayes_individual.py                       # 20 seeds, identity link
    python benchmarks/bayes_individual.py --seeds 1-20 --trend-x
    python benchmarks/bayes_individual.py --seeds 1-20 --link logit

Writes benchmarks/results/bayes_individual[_<variant>].json: per seed the posterior mean, sd,
90 % interval, truth, error, diagnostics, wall time and att_gt's estimate and 90 % interval;
summary bias (and its se), coverage, mean widths and their ratio, mean wall time.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from pathlib import Path

import numpy as np

from impact.bayes import hierarchical_did
from impact.did import att_gt, imputation
from impact.errors import ImpactWarning

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).parent / "results"
sys.path.insert(0, str(ROOT / "tests" / "bayes"))
from individual_data import simulate_individual  # noqa: E402

Z90 = 1.6448536269514722


def parse_seeds(text: str) -> list[int]:
    if "-" in text and "," not in text:
        lo, hi = (int(v) for v in text.split("-"))
        return list(range(lo, hi + 1))
    return [int(s) for s in text.split(",") if s.strip()]


def one_seed(seed: int, *, link: str, trend_x: bool, draws: int, tune: int) -> dict:
    rows, truth = simulate_individual(seed, trend_x=trend_x)
    covariates = ["x"] if trend_x else []
    start = time.perf_counter()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ImpactWarning)
        res = hierarchical_did(
            rows, outcome="neet", trials=None, site="municipality", cohort="enrol_year",
            person="person_id", enrolment="individual", covariates=covariates,
            trend_covariates=covariates, site_effects=True, link=link, chains=4,
            draws=draws, tune=tune, seed=seed, sampler="auto", predictive=False,
            log_likelihood=False, progressbar=False,
        )  # fmt: skip
    wall = time.perf_counter() - start
    top = res.to_frame(level=0.9).iloc[0]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gt = att_gt(
            rows, outcome="neet", unit="person_id", time="year", cohort="enrol_year",
            covariates=covariates or None, control_group="never_treated", method="reg",
        ).aggregate("simple")  # fmt: skip
        bjs = imputation(
            rows, outcome="neet", unit="person_id", time="year", cohort="enrol_year",
            cluster="person_id",
        )  # fmt: skip
    ci = gt.conf_int(level=0.9).iloc[0]
    lo, hi = float(ci["ci_lower"]), float(ci["ci_upper"])
    bjs_lo, bjs_hi = bjs.interval(level=0.9)
    d = res.diagnostics
    return {
        "seed": seed,
        "n_cells": res.design.n_cells,
        "n_units": len(res.design.unit_labels),
        "n_person_years": res.design.n_persons,
        "truth": truth,
        "mean": float(top["estimate"]),
        "sd": float(top["se"]),
        "ci90_lower": float(top["ci_lower"]),
        "ci90_upper": float(top["ci_upper"]),
        "error": float(top["estimate"]) - truth,
        "covered90": bool(top["ci_lower"] <= truth <= top["ci_upper"]),
        "sigma_unit_time": float(res.draws("sigma_unit_time").mean()),
        "diagnostics_passed": bool(d.passed),
        "max_rhat": float(d.max_rhat),
        "divergences": int(d.divergences),
        "sampler": res.sampler.sampler,
        "seconds_wall": round(wall, 1),
        "att_gt": float(gt.att),
        "att_gt_se": float(gt.se),
        "att_gt_ci90": [float(lo), float(hi)],
        "att_gt_covered90": bool(lo <= truth <= hi),
        "width_ratio_to_att_gt": float((top["ci_upper"] - top["ci_lower"]) / (hi - lo)),
        "imputation": float(bjs.att),
        "imputation_ci90": [float(bjs_lo), float(bjs_hi)],
        "imputation_covered90": bool(bjs_lo <= truth <= bjs_hi),
        "width_ratio_to_imputation": float((top["ci_upper"] - top["ci_lower"]) / (bjs_hi - bjs_lo)),
        "warnings": sorted({str(w.message)[:80] for w in caught}),
    }


def old_call(seed: int) -> dict:
    """What the site design reported with the site's first enrolment year (main, before)."""
    from individual_data import site_first_enrolment, to_cells

    rows, truth = simulate_individual(seed)
    rows = rows.assign(site_cohort=site_first_enrolment(rows))
    cells = to_cells(rows, ["municipality", "year", "site_cohort", "treated"])
    try:
        hierarchical_did(cells, site="municipality", cohort="site_cohort", site_effects=False)
    except Exception as exc:  # the refusal is the expected outcome
        return {"seed": seed, "truth": truth, "refused": f"{type(exc).__name__}: {exc}"}
    return {"seed": seed, "truth": truth, "refused": None}


def summarise(rows: list[dict]) -> dict:
    err = np.array([r["error"] for r in rows])
    k = len(rows)
    width = np.array([r["ci90_upper"] - r["ci90_lower"] for r in rows])
    gt_width = np.array([r["att_gt_ci90"][1] - r["att_gt_ci90"][0] for r in rows])
    gt_err = np.array([r["att_gt"] - r["truth"] for r in rows])
    return {
        "n_seeds": k,
        "bias": float(err.mean()),
        "bias_se": float(err.std(ddof=1) / np.sqrt(k)) if k > 1 else float("nan"),
        "rmse": float(np.sqrt(np.mean(err**2))),
        "sd_of_errors": float(err.std(ddof=1)) if k > 1 else float("nan"),
        "mean_posterior_sd": float(np.mean([r["sd"] for r in rows])),
        "coverage90": float(np.mean([r["covered90"] for r in rows])),
        "mean_width90": float(width.mean()),
        "att_gt_bias": float(gt_err.mean()),
        "att_gt_coverage90": float(np.mean([r["att_gt_covered90"] for r in rows])),
        "att_gt_mean_width90": float(gt_width.mean()),
        "mean_width_ratio_to_att_gt": float(np.mean(width / gt_width)),
        "imputation_bias": float(np.mean([r["imputation"] - r["truth"] for r in rows])),
        "imputation_coverage90": float(np.mean([r["imputation_covered90"] for r in rows])),
        "mean_width_ratio_to_imputation": float(
            np.mean([r["width_ratio_to_imputation"] for r in rows])
        ),
        "all_diagnostics_passed": all(r["diagnostics_passed"] for r in rows),
        "mean_seconds_wall": float(np.mean([r["seconds_wall"] for r in rows])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="1-20", help="'1-20' or comma-separated")
    parser.add_argument("--link", default="identity", choices=["identity", "logit"])
    parser.add_argument("--trend-x", action="store_true")
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--tune", type=int, default=500)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    variant = "_".join(
        v for v in (args.link if args.link != "identity" else "", "trend_x" * args.trend_x) if v
    )
    out_path = Path(
        args.out or RESULTS / f"bayes_individual{'_' + variant if variant else ''}.json"
    )
    before = old_call(1)
    print(f"site design with the site's first enrolment year: {before['refused']}", flush=True)
    rows = []
    for seed in parse_seeds(args.seeds):
        row = one_seed(seed, link=args.link, trend_x=args.trend_x, draws=args.draws, tune=args.tune)
        rows.append(row)
        print(
            f"seed {seed}: ATT {100 * row['mean']:+.2f} pp (90% {100 * row['ci90_lower']:+.2f} to "
            f"{100 * row['ci90_upper']:+.2f}) truth {100 * row['truth']:+.2f} | att_gt "
            f"{100 * row['att_gt']:+.2f} (90% {100 * row['att_gt_ci90'][0]:+.2f} to "
            f"{100 * row['att_gt_ci90'][1]:+.2f}) | BJS {100 * row['imputation']:+.2f} | width ratio "
            f"{row['width_ratio_to_att_gt']:.2f} / {row['width_ratio_to_imputation']:.2f}"
            f" | sigma_ut {row['sigma_unit_time']:.4f} | diag "
            f"{'ok' if row['diagnostics_passed'] else 'FAILED'} {row['seconds_wall']:.0f} s",
            flush=True,
        )
    summary = summarise(rows)
    print(
        f"bias {100 * summary['bias']:+.2f} pp (se {100 * summary['bias_se']:.2f}); coverage90 "
        f"{summary['coverage90']:.2f} (att_gt {summary['att_gt_coverage90']:.2f}); width90 "
        f"{100 * summary['mean_width90']:.2f} pp vs att_gt {100 * summary['att_gt_mean_width90']:.2f}"
        f" (ratio {summary['mean_width_ratio_to_att_gt']:.2f}; to BJS imputation "
        f"{summary['mean_width_ratio_to_imputation']:.2f}, its coverage "
        f"{summary['imputation_coverage90']:.2f}); {summary['mean_seconds_wall']:.0f}"
        " s a fit"
    )
    out = {
        "command": f"python benchmarks/bayes_individual.py --seeds {args.seeds} --link "
        f"{args.link}{' --trend-x' if args.trend_x else ''} --draws {args.draws} --tune {args.tune}",
        "data": "tests/bayes/individual_data.py: simulate_individual(seed, trend_x=...)",
        "model": {
            "enrolment": "individual",
            "link": args.link,
            "site_effects": True,
            "covariates": ["x"] if args.trend_x else [],
            "trend_covariates": ["x"] if args.trend_x else [],
            "chains": 4,
            "draws": args.draws,
            "tune": args.tune,
        },
        "site_design_before": before,
        "machine": {
            "platform": platform.platform(),
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg(),
        },
        "summary": summary,
        "seeds": rows,
    }
    RESULTS.mkdir(exist_ok=True)
    out_path.write_text(json.dumps(out, indent=2))
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
