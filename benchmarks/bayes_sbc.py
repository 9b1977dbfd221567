"""Simulation-based calibration (SBC) of impact.bayes.partial_pooling.

Talts et al. (2018): draw parameters from the prior, simulate data, fit, and record the rank
of the true value among (thinned) posterior draws. If the sampler and the model code are
right, ranks are uniform. We use the eight-schools design (8 sites, sigma = 15, 10, 16, 11,
9, 11, 10, 18) with mu ~ N(0, 5), tau ~ HalfCauchy(5), non-centred.

    python benchmarks/bayes_sbc.py --sims 100

Writes benchmarks/results/bayes_sbc.json and .md: rank histograms (10 bins) for mu, tau and
theta_1, a chi-square uniformity test per parameter, and the divergences seen.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings
from pathlib import Path

import numpy as np
from scipy import stats

from impact.bayes import partial_pooling
from impact.errors import DiagnosticsWarning

RESULTS = Path(__file__).parent / "results"
SIGMA = np.array([15.0, 10, 16, 11, 9, 11, 10, 18])
MU_SD, TAU_SCALE = 5.0, 5.0
N_RANK = 99  # posterior draws kept per fit -> ranks 0..99
BINS = 10


def one_simulation(i: int, seed: int, draws: int) -> dict:
    rng = np.random.default_rng([seed, i])
    mu = rng.normal(0, MU_SD)
    tau = abs(stats.cauchy.rvs(scale=TAU_SCALE, random_state=rng))
    theta = rng.normal(mu, tau, SIGMA.size)
    y = rng.normal(theta, SIGMA)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", DiagnosticsWarning)
        res = partial_pooling(
            y,
            SIGMA,
            mu_sd=MU_SD,
            tau_scale=TAU_SCALE,
            draws=draws,
            tune=1000,
            chains=4,
            seed=seed * 1000 + i,
            cores=1,
            prior_draws=0,
            predictive=False,
            log_likelihood=False,
            quiet=True,
        )
    keep = np.linspace(0, 4 * draws - 1, N_RANK).astype(int)
    ranks = {
        name: int(np.sum(res.draws(key)[keep] < truth))
        for name, key, truth in (
            ("mu", "mu", mu),
            ("tau", "tau", tau),
            ("theta_1", "site_1", theta[0]),
        )
    }
    return {
        "ranks": ranks,
        "divergences": res.diagnostics.divergences,
        "passed": res.diagnostics.passed,
        "warned": bool(caught),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sims", type=int, default=100)
    parser.add_argument("--draws", type=int, default=500)
    parser.add_argument("--seed", type=int, default=20240601)
    args = parser.parse_args()
    start = time.perf_counter()
    runs = []
    for i in range(args.sims):
        runs.append(one_simulation(i, args.seed, args.draws))
        if (i + 1) % 10 == 0:
            print(f"{i + 1}/{args.sims} fits, {time.perf_counter() - start:.0f} s", flush=True)
    summary: dict = {
        "design": "eight schools sigma, mu ~ N(0, 5), tau ~ HalfCauchy(5), non-centred",
        "sims": args.sims,
        "draws_per_chain": args.draws,
        "chains": 4,
        "ranks_per_fit": N_RANK,
        "seed": args.seed,
        "seconds": round(time.perf_counter() - start, 1),
        "fits_with_divergences": int(sum(r["divergences"] > 0 for r in runs)),
        "fits_failing_gate": int(sum(not r["passed"] for r in runs)),
        "parameters": {},
    }
    lines = [
        "# SBC of partial_pooling",
        "",
        f"{args.sims} simulations from the prior, 4 chains x {args.draws} draws, ranks among "
        f"{N_RANK} thinned draws, {BINS} bins. Uniform ranks = calibrated.",
        "",
        "| parameter | bin counts | chi-square p |",
        "|---|---|---|",
    ]
    for name in ("mu", "tau", "theta_1"):
        ranks = np.array([r["ranks"][name] for r in runs])
        counts = np.histogram(ranks, bins=BINS, range=(0, N_RANK + 1))[0]
        p = float(stats.chisquare(counts).pvalue)
        summary["parameters"][name] = {"bin_counts": counts.tolist(), "chisq_p": round(p, 4)}
        lines.append(f"| {name} | {' '.join(map(str, counts))} | {p:.3f} |")
        print(f"{name}: bins {counts.tolist()}, chi-square p = {p:.3f}")
    lines += [
        "",
        f"Fits with divergences: {summary['fits_with_divergences']}; failing the gate: "
        f"{summary['fits_failing_gate']}; wall time {summary['seconds']} s.",
    ]
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "bayes_sbc.json").write_text(json.dumps(summary, indent=2) + "\n")
    (RESULTS / "bayes_sbc.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
