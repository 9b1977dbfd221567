"""Recovery of the true group-time effects of the synthetic Flyt roll-out (impact.data.simulate)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from impact.did import att_gt

SPEC = {
    "outcome": "completion_rate",
    "unit": "municipality",
    "time": "year",
    "cohort": "adoption_year",
}


def _fit(seed: int):
    simulate = pytest.importorskip("impact.data").simulate
    sim = simulate("flyt", seed=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # few treated municipalities: FewClustersWarning expected
        res = att_gt(sim.panel, **SPEC)
    truth = sim.truth.query("weighting == 'unit'")
    return res, truth


def _errors(seeds):
    rows = []
    for seed in seeds:
        res, truth = _fit(seed)
        tg = truth.query("estimand == 'att_gt'")[["cohort", "time", "value"]].astype(float)
        cells = res.table[res.table["post"]].merge(tg, on=["cohort", "time"], validate="1:1")
        simple = res.aggregate("simple")
        true_simple = float(truth.query("estimand == 'simple'")["value"].iloc[0])
        rows.append(
            {
                "seed": seed,
                "n_cells": len(cells),
                "cell_err": float((cells["att"] - cells["value"]).mean()),
                "simple_err": simple.att - true_simple,
                "simple_se": simple.se,
                "covered": abs(simple.att - true_simple) <= 1.96 * simple.se,
            }
        )
    return pd.DataFrame(rows)


def test_flyt_group_time_effects_unbiased_over_seeds():
    err = _errors(range(1, 5))
    assert (err["n_cells"] == 20).all()  # every post-treatment cell has a truth
    # mean error of the simple ATT over seeds is within 3 Monte Carlo SEs of zero
    mc_se = np.sqrt((err["simple_se"] ** 2).mean() / len(err))
    assert abs(err["simple_err"].mean()) < 3 * mc_se
    assert abs(err["cell_err"].mean()) < 3 * mc_se * 2


@pytest.mark.slow
def test_flyt_simple_att_coverage():
    err = _errors(range(100, 200))
    assert 0.88 <= err["covered"].mean() <= 0.995
    assert abs(err["simple_err"].mean()) < 3 * err["simple_err"].std() / np.sqrt(len(err))


def _clustered_panel(rng: np.random.Generator, n_clusters: int = 100, per: int = 10):
    """Cluster-level adoption with cluster-by-period shocks; true ATT(g, t) = 1 + 0.1 (t - g)."""
    n_t = 6
    g_cl = rng.choice([0, 3, 4, 5], size=n_clusters, p=[0.4, 0.2, 0.2, 0.2])
    cl = np.repeat(np.arange(n_clusters), per)
    g = g_cl[cl]
    t = np.arange(1, n_t + 1)
    shock = rng.normal(scale=0.5, size=(n_clusters, n_t))[cl]
    eff = np.where((g[:, None] > 0) & (t >= g[:, None]), 1 + 0.1 * (t - g[:, None]), 0.0)
    y = rng.normal(size=(len(g), 1)) + 0.2 * t + shock + eff + rng.normal(size=(len(g), n_t))
    n = len(g)
    frame = pd.DataFrame(
        {
            "id": np.repeat(np.arange(n), n_t),
            "t": np.tile(t, n),
            "g": np.repeat(g, n_t),
            "cl": np.repeat(cl, n_t),
            "y": y.ravel(),
        }
    )
    return frame


@pytest.mark.slow
def test_clustered_analytic_se_and_uniform_band_coverage():
    """With ~60 treated clusters: clustered SEs cover the simple ATT and the bootstrap band
    covers the whole post-treatment event study about 95 % of the time."""
    rng = np.random.default_rng(2024)
    reps = 300
    covered_simple = 0
    covered_band = 0
    for _ in range(reps):
        d = _clustered_panel(rng)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = att_gt(d, outcome="y", unit="id", time="t", cohort="g", cluster="cl")
            dyn = res.aggregate("dynamic", n_boot=499, seed=int(rng.integers(1 << 31)))
        units = d.drop_duplicates("id")
        sizes = units[units["g"] > 0]["g"].value_counts()
        post = res.table[res.table["post"]]
        w = post["cohort"].map(sizes)
        truth_simple = float(((1 + 0.1 * (post["time"] - post["cohort"])) * w).sum() / w.sum())
        simple = res.aggregate("simple")
        covered_simple += abs(simple.att - truth_simple) <= 1.96 * simple.se
        e = dyn.table[dyn.table["event_time"] >= 0]
        true_e = 1 + 0.1 * e["event_time"]
        covered_band += bool(((e["cband_lower"] <= true_e) & (true_e <= e["cband_upper"])).all())
    assert 0.92 <= covered_simple / reps <= 0.98
    assert 0.92 <= covered_band / reps <= 0.98
