"""GET Academy recovery: bias, RMSE and 95 % coverage of the headline estimator and the naive ones.

Each replication draws the ``getacademy`` scenario (``impact.data.simulate("getacademy",
seed=s, scale=...)``; at scale 1: 20,000 persons x 2016-2024, 800 participants enrolling
one by one in 2018-2022, selected on stable traits; parallel trends only conditional on
``age_2016, female, immigrant, earlier_neet``), assigns movers as ``studies/getacademy.toml``
says, and estimates the effects on ``employed`` and ``neet`` four ways, all with the spec's
comparison group (never treated) and standard errors clustered as the spec says (by person:
enrolment is individual) unless said:

- ``att_gt dr + covariates``: the spec's headline estimator (individual enrolment ->
  Callaway-Sant'Anna doubly robust with the spec's DiD covariates);
- ``att_gt dr + covariates, municipality SE``: the same, SEs clustered by municipality, to see
  whether municipality clustering matters (the DGP has no municipality shock; one
  municipality holds about a quarter of the persons);
- ``att_gt, no covariates``: unconditional parallel trends (biased by design);
- ``imputation (BJS)``: two-way fixed effects imputation, which absorbs the stable traits in
  the unit effects but not their trends (biased by design).

Targets: the truth's ``simple`` (mean of ``p1 - p0`` over treated person-years) and
``dynamic`` per event time (0 = enrolment year), person weighting, which ``att_gt``'s
aggregations target exactly (see ``tests/study/test_getacademy_recovery.py``). Per
estimator and target: mean truth, mean bias, RMSE, coverage of the nominal 95 % interval
(with its Monte Carlo SE), mean SE and the SD of the estimates.

Replications run in a process pool; replication ``r`` uses seed ``--seed + r``, so results
do not depend on the number of workers.

Usage::

    python benchmarks/getacademy_recovery.py --reps 200 --workers 2

Writes ``benchmarks/results/getacademy_recovery.json`` and ``.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import time
import warnings
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from impact import Effect
from impact.cba import Programme, appraise
from impact.data import simulate, validate_declared
from impact.did import att_gt, imputation
from impact.errors import ImpactWarning
from impact.study import load_spec
from impact.study.appraisal import enrolment_age, participants
from impact.study.inputs import declaration

ROOT = Path(__file__).resolve().parents[1]
RESULTS = Path(__file__).resolve().parent / "results"
SPEC = ROOT / "studies" / "getacademy.toml"
HEADLINE = "att_gt dr + covariates"
METHODS = (
    HEADLINE,
    "att_gt dr + covariates, municipality SE",
    "att_gt, no covariates",
    "imputation (BJS)",
)


def one_rep(seed: int, scale: float) -> list[dict[str, Any]]:
    """Estimates of one draw: one record per outcome, method and target."""
    warnings.simplefilter("ignore", ImpactWarning)
    spec = load_spec(SPEC)
    assert spec.data.scenario is not None
    sim = simulate(spec.data.scenario, seed=seed, scale=scale)
    data = validate_declared(sim.panel, declaration(spec), movers=spec.data.movers).data
    kw = {"unit": spec.unit.id, "time": spec.unit.time, "cohort": spec.enrolment.cohort}
    covs = list(spec.covariates.did)
    cluster = spec.unit.cluster
    records: list[dict[str, Any]] = []
    head = spec.headline_outcome.column
    for o in spec.outcomes:
        outcome = o.column
        truth = sim.truth.query("outcome == @outcome")
        targets = {"simple": float(truth.query("estimand == 'simple'")["value"].iloc[0])}
        for r in truth.query("estimand == 'dynamic'").itertuples():
            targets[f"e={int(r.event_time)}"] = float(r.value)
        fits: dict[str, dict[str, tuple[float, float]]] = {}
        dynamic = None
        for method, options in (
            (METHODS[0], {"covariates": covs, "cluster": cluster}),
            (METHODS[1], {"covariates": covs, "cluster": "municipality"}),
            (METHODS[2], {"covariates": None, "cluster": cluster}),
        ):
            res = att_gt(
                data, outcome=outcome, **kw, control_group=spec.design.control_group,
                method="dr", **options,
            )  # fmt: skip
            simple = res.aggregate("simple")
            dyn = res.aggregate("dynamic").table
            est = {"simple": (simple.att, simple.se)}
            for row in dyn.loc[dyn["event_time"] >= 0].itertuples():
                est[f"e={int(row.event_time)}"] = (float(row.att), float(row.se))
            fits[method] = est
            if method == HEADLINE and outcome == head:
                dynamic = res.aggregate("dynamic")
        imp = imputation(data, outcome=outcome, **kw, cluster=cluster)
        est = {"simple": (imp.att, imp.se)}
        for row in imp.table.itertuples():
            est[f"e={int(row.event_time)}"] = (float(row.estimate), float(row.se))
        fits[METHODS[3]] = est
        for method, est in fits.items():
            for target, value in targets.items():
                if target not in est:
                    continue
                estimate, se = est[target]
                records.append(
                    {"seed": seed, "outcome": outcome, "method": method, "target": target,
                     "truth": value, "estimate": estimate, "se": se}
                )  # fmt: skip
        if dynamic is not None:
            records.extend(_appraisals(spec, data, truth, dynamic, seed))
    return records


def _appraisals(
    spec: Any, data: pd.DataFrame, truth: pd.DataFrame, dynamic: Any, seed: int
) -> list[dict[str, Any]]:
    """NPV (NOK million) of the spec's appraisal from the estimated dynamic effect on the
    headline outcome: its mean over draws and 95 % interval, against the NPV the true
    dynamic effect gives at central parameter values (``deterministic_npv``)."""
    a = spec.appraisal
    programme = Programme(
        spec.programme.name, participants=participants(data, spec),
        age=enrolment_age(data, spec), start_year=a.start_year, costs=dict(a.costs),
        description=a.description,
    )  # fmt: skip
    persistence = None if a.persistence == "registry" else a.persistence
    true_dyn = truth.query("estimand == 'dynamic'").sort_values("event_time")
    true_effect = Effect(
        outcome=spec.headline_outcome.column, unit="probability", point=0.0,
        draws=true_dyn["value"].to_numpy()[None, :], draws_kind="point_mass",
        event_time=tuple(int(e) for e in true_dyn["event_time"]),
    )  # fmt: skip
    true_npv = appraise(true_effect, programme, n_draws=200, seed=seed, persistence=persistence)
    est = appraise(
        dynamic.effect(seed=seed), programme, n_draws=2000, seed=seed, persistence=persistence
    )
    lo, hi = est.npv_interval()
    return [
        {"seed": seed, "outcome": "NPV (NOK million)", "method": f"appraisal, {HEADLINE}",
         "target": "NPV at central parameters", "truth": true_npv.deterministic_npv / 1e6,
         "estimate": est.deterministic_npv / 1e6, "se": np.nan,
         "lo": lo / 1e6, "hi": hi / 1e6}
    ]  # fmt: skip


def summarise(raw: pd.DataFrame) -> pd.DataFrame:
    z = 1.959963984540054
    if "lo" not in raw:
        raw = raw.assign(lo=np.nan, hi=np.nan)
    lo = raw["lo"].fillna(raw["estimate"] - z * raw["se"])
    hi = raw["hi"].fillna(raw["estimate"] + z * raw["se"])
    raw = raw.assign(
        err=raw["estimate"] - raw["truth"], cover=(lo <= raw["truth"]) & (raw["truth"] <= hi)
    )
    g = raw.groupby(["outcome", "method", "target"], sort=False)
    out = g.agg(
        reps=("seed", "size"),
        mean_truth=("truth", "mean"),
        bias=("err", "mean"),
        rmse=("err", lambda e: float(np.sqrt(np.mean(e**2)))),
        coverage=("cover", "mean"),
        mean_se=("se", "mean"),
        sd_estimate=("estimate", "std"),
        sd_error=("err", "std"),
    ).reset_index()
    out["bias_mc_se"] = out["sd_error"] / np.sqrt(out["reps"])
    out["coverage_mc_se"] = np.sqrt(out["coverage"] * (1 - out["coverage"]) / out["reps"])
    order = {m: i for i, m in enumerate(METHODS)}
    key = out["target"].map(lambda t: int(t[2:]) if t.startswith("e=") else -1)
    first_seen = {o: i for i, o in enumerate(raw["outcome"].unique())}
    first_seen = {o: i + 100 * o.startswith("NPV") for o, i in first_seen.items()}  # last
    out = out.assign(
        _o=out["outcome"].map(first_seen), _m=out["method"].map(order).fillna(len(order)), _t=key
    )
    return out.sort_values(["_o", "_m", "_t"]).drop(columns=["_o", "_m", "_t"])


def to_markdown(table: pd.DataFrame, meta: dict[str, Any]) -> str:
    lines = [
        "# GET Academy recovery (bias, RMSE, 95 % coverage over repeated draws)",
        "",
        f"Command: `{meta['command']}`; wall time {meta['seconds']:.0f} s on {meta['workers']} "
        f"workers. Scenario `getacademy` at scale {meta['scale']} ({meta['persons']} persons, "
        f"{meta['participants']} participants), seeds {meta['seeds']}. Truth: mean of "
        "p1 - p0 over treated person-years (simple) and per event time (e), person weighting. "
        f"SEs clustered by {meta['cluster']} (the spec's) unless 'municipality SE' (movers as "
        "the spec says). "
        "Bias MC se = SD(error)/sqrt(reps). Last rows: the spec's appraisal (NPV in NOK "
        "million, all participants) from the estimated dynamic effect on employed at central "
        "parameters, against the NPV of the true dynamic effect; coverage = share of draws "
        "whose 95 % Monte Carlo NPV interval (effect and parameter uncertainty) holds it.",
        "",
        "| outcome | estimator | target | reps | mean truth | bias (MC se) | RMSE "
        "| coverage (MC se) | mean SE | SD of estimates |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for _, r in table.iterrows():
        lines.append(
            f"| {r['outcome']} | {r['method']} | {r['target']} | {r['reps']} | "
            f"{r['mean_truth']:.4f} | {r['bias']:+.4f} ({r['bias_mc_se']:.4f}) | "
            f"{r['rmse']:.4f} | {r['coverage']:.3f} ({r['coverage_mc_se']:.3f}) | "
            + (f"{r['mean_se']:.4f}" if np.isfinite(r["mean_se"]) else "-")
            + f" | {r['sd_estimate']:.4f} |"
        )
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--reps", type=int, default=200)
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1))
    ap.add_argument("--name", default="getacademy_recovery")
    args = ap.parse_args()
    t0 = time.perf_counter()
    seeds = [args.seed + r for r in range(args.reps)]
    records: list[dict[str, Any]] = []
    with ProcessPoolExecutor(max_workers=args.workers) as pool:
        futures = [pool.submit(one_rep, s, args.scale) for s in seeds]
        for i, fut in enumerate(futures, 1):
            records.extend(fut.result())
            if i % 25 == 0:
                print(f"  {i}/{args.reps} reps, {time.perf_counter() - t0:.0f} s", flush=True)
    raw = pd.DataFrame.from_records(records)
    table = summarise(raw)
    sim = simulate("getacademy", seed=seeds[0], scale=args.scale)
    persons = sim.panel.groupby("person_id")["enrol_year"].first()
    meta = {
        "command": f"python benchmarks/getacademy_recovery.py --reps {args.reps} "
        f"--scale {args.scale} --seed {args.seed} --workers {args.workers}",
        "seconds": time.perf_counter() - t0,
        "workers": args.workers,
        "scale": args.scale,
        "seeds": f"{seeds[0]}-{seeds[-1]}",
        "persons": int(persons.size),
        "participants": int((persons > 0).sum()),
        "spec": "studies/getacademy.toml",
        "cluster": load_spec(SPEC).unit.cluster,
    }
    with pd.option_context("display.width", 200, "display.max_rows", 500):
        print(table.round(4).to_string(index=False))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"{args.name}.md").write_text(to_markdown(table, meta))
    (RESULTS / f"{args.name}.json").write_text(
        json.dumps({"meta": meta, "table": table.to_dict(orient="records")}, indent=2)
    )


if __name__ == "__main__":
    main()
