"""How big is the Flyt InferenceData in full and lean, and what does leaning cost?

Fits the hierarchical DiD of Flyt's study run (``impact.study.run_study`` with
``studies/flyt.toml``; the same call: synthetic Flyt data with seed 20240601, site-varying effects, covariates ``parents_education`` and ``grade_band``, 4
chains x 1,000 draws after 300 tuning steps, nutpie when installed), then measures:

* the full netCDF as the bundle writes it today (``idata.to_netcdf(path)``: ArviZ's default
  ``compress=True``, zlib on every numeric variable) and the lean one
  (:meth:`impact.bayes.HierarchicalDiDResult.lean_idata`): bytes on disk per group, write
  times;
* the time and peak memory of making the lean copy (almost all of it PSIS-LOO on
  26,898 cells x 4,000 draws; peak memory of the numpy arrays allocated, by tracemalloc), and
  the Pareto-k counts;
* that the lean file opens with ``az.from_netcdf``, that its posterior equals the fit's bit
  for bit, that ``to_frame()`` and ``effect()`` (the source of every bundle table the report
  reads about this model) are unchanged when computed from it, that ``az.summary`` and
  ``az.rhat`` agree, and that the same seed gives the same bytes (written twice, leaned
  twice and, with ``--repeat``, from a second fit in a new process with another hash seed).

Prints the figures and writes ``benchmarks/results/idata_size.json``.

Usage: ``python benchmarks/idata_size.py [--repeat] [--draws 1000]``
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
import warnings
from pathlib import Path
from typing import Any

import arviz as az
import h5py
import numpy as np

from impact.bayes import HierarchicalDiDResult, hierarchical_did, loo_check, predictive_check
from impact.data import simulate

RESULTS = Path(__file__).parent / "results" / "idata_size.json"
SEED = 20240601
MB = 1e6


def fit(draws: int) -> HierarchicalDiDResult:
    """The Bayesian fit of Flyt's study run (impact.study.bayes_stage), on the simulated Flyt cells."""
    sim = simulate("flyt", seed=SEED)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return hierarchical_did(sim.cells, site="municipality", cohort="adoption_year",
                                covariates=["parents_education", "grade_band"],
                                site_effects=True, dynamic=False, chains=4, seed=SEED,
                                sampler="auto", outcome_name="completed_vgs", draws=draws,
                                tune=300, target_accept=0.8)  # fmt: skip


def timed_write(idata: az.InferenceData, path: Path) -> float:
    start = time.perf_counter()
    idata.to_netcdf(str(path))  # as impact.report.bundle.Bundle.write_idata does
    return time.perf_counter() - start


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def storage(path: Path) -> dict[str, Any]:
    """Bytes on disk per group (chunks as stored) and whether every variable is compressed."""
    groups: dict[str, int] = {}
    plain: list[str] = []
    with h5py.File(path) as f:

        def visit(name: str, obj: Any) -> None:
            if isinstance(obj, h5py.Dataset) and obj.ndim and obj.size > 1:
                group = name.split("/")[0]
                groups[group] = groups.get(group, 0) + obj.id.get_storage_size()
                if obj.compression is None and obj.dtype.kind in "biuf":
                    plain.append(name)

        f.visititems(visit)
    return {
        "file_mb": round(path.stat().st_size / MB, 2),
        "groups_mb": {g: round(b / MB, 2) for g, b in groups.items()},
        "uncompressed_variables": plain,
    }


def same_posterior(a: az.InferenceData, b: az.InferenceData) -> bool:
    pa, pb = a["posterior"], b["posterior"]
    return list(pa.data_vars) == list(pb.data_vars) and all(
        pa[v].dtype == pb[v].dtype and np.array_equal(pa[v].values, pb[v].values)
        for v in pa.data_vars
    )


def child(path: Path, draws: int) -> None:
    """A second fit in its own process: write only its lean file."""
    fit(draws).lean_idata().to_netcdf(str(path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=1000)
    parser.add_argument("--repeat", action="store_true", help="refit in a new process")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.draws)
        return

    out: dict[str, Any] = {
        "command": "python benchmarks/idata_size.py" + (" --repeat" if args.repeat else ""),
        "python": platform.python_version(),
        "arviz": az.__version__,
        "cpus": os.cpu_count(),
        "load_1min_before": round(os.getloadavg()[0], 2),
    }
    start = time.perf_counter()
    result = fit(args.draws)
    out["fit_seconds"] = round(time.perf_counter() - start, 1)
    out["sampler"] = result.sampler.to_dict()
    full = result.idata
    out["cells"] = result.design.n_cells

    tracemalloc.start()
    start = time.perf_counter()
    lean = result.lean_idata()
    lean_seconds = time.perf_counter() - start
    lean_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()

    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        write_full = timed_write(full, d / "full.nc")
        write_lean = timed_write(lean, d / "lean.nc")
        timed_write(lean, d / "lean_again.nc")
        timed_write(result.lean_idata(), d / "lean_remade.nc")
        out["full"] = {**storage(d / "full.nc"), "write_seconds": round(write_full, 1)}
        out["lean"] = {
            **storage(d / "lean.nc"),
            "write_seconds": round(write_lean, 2),
            "make_seconds": round(lean_seconds, 1),
            "make_peak_numpy_mb": round(lean_peak / MB),
            "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        digest = sha256(d / "lean.nc")
        same = {
            "written_twice": sha256(d / "lean_again.nc") == digest,
            "leaned_twice": sha256(d / "lean_remade.nc") == digest,
        }
        if args.repeat:
            env = {**os.environ, "PYTHONHASHSEED": "12345"}
            start = time.perf_counter()
            cmd = [sys.executable, __file__, "--child", str(d / "refit.nc"), "--draws"]
            subprocess.run([*cmd, str(args.draws)], check=True, env=env)
            out["refit_seconds"] = round(time.perf_counter() - start, 1)
            same["refit_in_new_process"] = sha256(d / "refit.nc") == digest
        out["same_seed_same_bytes"] = same

        back = az.from_netcdf(str(d / "lean.nc"))
        again = dataclasses.replace(result, idata=back)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            loo_full, loo_lean = loo_check(full, warn=False), loo_check(back, warn=False)
            ppc_full, ppc_lean = predictive_check(result), predictive_check(again)
        k = loo_full.pareto_k
        out["loo"] = {
            **{key: float(v) for key, v in loo_full.to_frame().iloc[0].items() if key != "passed"},
            "n_k_above_0.7": int((k > 0.7).sum()),
            "n_k_0.5_to_0.7": int(((k > 0.5) & (k <= 0.7)).sum()),
            "lean_equals_full": bool(loo_lean.to_frame().equals(loo_full.to_frame())),
        }
        vars_ = ["att", "delta", "tau_site"]
        out["checks"] = {
            "opens_with_az_from_netcdf": sorted(back.groups()),
            "posterior_bit_for_bit": same_posterior(full, back),
            "sample_stats_equal": bool(back["sample_stats"].equals(full["sample_stats"])),
            "to_frame_unchanged": bool(again.to_frame().equals(result.to_frame())),
            "effect_draws_unchanged": bool(
                np.array_equal(again.effect().draws, result.effect().draws)
            ),
            "az_summary_unchanged": bool(
                az.summary(back, var_names=vars_).equals(az.summary(full, var_names=vars_))
            ),
            "rhat_max": float(az.rhat(back, var_names=vars_).to_array().max()),
            "ppc_p_values_full": [round(float(p), 3) for p in ppc_full.to_frame()["p_value"]],
            "ppc_p_values_lean": [round(float(p), 3) for p in ppc_lean.to_frame()["p_value"]],
        }
    out["load_1min_after"] = round(os.getloadavg()[0], 2)  # wall times depend on it
    RESULTS.parent.mkdir(exist_ok=True)
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    f, le = out["full"], out["lean"]
    print(f"fit ({out['sampler']['sampler']}, {out['cells']} cells): {out['fit_seconds']} s")
    print(f"full netCDF {f['file_mb']} MB (write {f['write_seconds']} s): {f['groups_mb']}")
    print(f"lean netCDF {le['file_mb']} MB (write {le['write_seconds']} s): {le['groups_mb']}")
    print(
        f"making it lean: {le['make_seconds']} s, peak numpy memory {le['make_peak_numpy_mb']} "
        f"MB (process max RSS {le['max_rss_mb']} MB)"
    )
    lo = out["loo"]
    print(
        f"PSIS-LOO elpd {lo['elpd_loo']:.1f} (se {lo['se']:.1f}), p_loo {lo['p_loo']:.1f}; "
        f"max k {lo['max_pareto_k']:.3f}, k > 0.7: {lo['n_k_above_0.7']}, "
        f"0.5 < k <= 0.7: {lo['n_k_0.5_to_0.7']}"
    )
    print("same seed, same bytes:", out["same_seed_same_bytes"])
    print("checks:", json.dumps(out["checks"]))
    print(f"wrote {RESULTS}")


if __name__ == "__main__":
    main()
