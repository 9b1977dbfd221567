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
