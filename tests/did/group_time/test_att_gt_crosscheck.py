"""att_gt against an independent implementation (csdid, a port of R did) on constructed designs.

csdid is a test-only dependency; it is never imported by the package.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from impact.did import att_gt

CG = {"never_treated": "nevertreated", "not_yet_treated": "notyettreated"}


def make_panel(seed: int, n: int = 600, n_t: int = 6) -> pd.DataFrame:
    """Staggered design where a covariate drives both adoption and trends (needs covariates)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    g = np.where(rng.random(n) < 0.35, 0, rng.choice([3, 4, 5], size=n))
    take_up = (rng.random(n) < 1 / (1 + np.exp(-0.5 * x))) & (g == 0)
    g = np.where(take_up, rng.choice([3, 4, 5], size=n), g)
    unit = np.repeat(np.arange(1, n + 1), n_t)
    t = np.tile(np.arange(1, n_t + 1), n)
    gg, xx = np.repeat(g, n_t), np.repeat(x, n_t)
    effect = np.where((gg > 0) & (t >= gg), 1 + 0.2 * (t - gg), 0.0)
    y = np.repeat(rng.normal(size=n), n_t) + 0.3 * t + 0.4 * xx * t + effect
    y = y + rng.normal(size=n * n_t)
    return pd.DataFrame({"id": unit, "t": t, "g": gg, "x": xx, "y": y})


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    d = make_panel(1)
    d["w"] = 1.0 + (d["id"] % 4) * 0.5  # sampling weights, constant within unit
    return d


def _csdid(panel, control_group, method, base_period, covariates, anticipation=0, weights=None):
    csdid_att_gt = pytest.importorskip("csdid.att_gt")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = csdid_att_gt.ATTgt(
            yname="y",
            tname="t",
            idname="id",
            gname="g",
            data=panel,
            control_group=CG[control_group],
            xformla="y~x" if covariates else None,
            anticipation=anticipation,
            weights_name=weights,
        )
        return model.fit(est_method=method, base_period=base_period, bstrap=False)


CASES = [
    ("not_yet_treated", "dr", "varying", True, 0, None),
    ("never_treated", "dr", "universal", True, 0, None),
    ("not_yet_treated", "ipw", "universal", True, 0, None),
    ("never_treated", "reg", "varying", True, 0, None),
    ("not_yet_treated", "dr", "varying", False, 0, None),
    ("not_yet_treated", "dr", "varying", True, 1, None),
    ("never_treated", "dr", "varying", True, 0, "w"),
    ("not_yet_treated", "ipw", "varying", True, 0, "w"),
]


@pytest.mark.parametrize(
    ("control_group", "method", "base_period", "covariates", "anticipation", "weights"), CASES
)
def test_group_time_matches_csdid(
    panel, control_group, method, base_period, covariates, anticipation, weights
):
    ref = _csdid(
        panel, control_group, method, base_period, covariates, anticipation, weights
    ).results
    ours = att_gt(
        panel,
        outcome="y",
        unit="id",
        time="t",
        cohort="g",
        covariates="x" if covariates else None,
        control_group=control_group,
        method=method,
        base_period=base_period,
        anticipation=anticipation,
        weights=weights,
    ).table
    theirs = pd.DataFrame(
        {
            "cohort": np.asarray(ref["group"], float),
            "time": np.asarray(ref["year"], float),
            "att_ref": np.asarray(ref["att"], float),
            "se_ref": np.asarray(ref["se"], float),
        }
    )
    both = ours.merge(theirs, on=["cohort", "time"], how="outer", validate="one_to_one")
    assert len(both) == len(ours) == len(theirs)
    np.testing.assert_allclose(both["att"], both["att_ref"], rtol=0, atol=1e-9)
    real = both["se_ref"].notna() & (both["se_ref"] > 1e-12)
    assert both.loc[~real, "att"].abs().max() < 1e-12 if (~real).any() else True
    np.testing.assert_allclose(both.loc[real, "se"], both.loc[real, "se_ref"], rtol=1e-8)


@pytest.mark.parametrize("kind", ["simple", "dynamic", "group", "calendar"])
def test_aggregates_match_csdid_not_yet_treated_dr(panel, kind):
    model = _csdid(panel, "not_yet_treated", "dr", "varying", True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.aggte(typec=kind, bstrap=False, balance_e=1 if kind == "dynamic" else None)
    ref = model.atte
    res = att_gt(
        panel,
        outcome="y",
        unit="id",
        time="t",
        cohort="g",
        covariates="x",
        control_group="not_yet_treated",
    ).aggregate(kind, balance_e=1 if kind == "dynamic" else None)
    assert res.att == pytest.approx(ref["overall_att"], abs=1e-9)
    assert res.se == pytest.approx(ref["overall_se"], rel=1e-8)
    if kind != "simple":
        np.testing.assert_allclose(res.table["att"], np.asarray(ref["att_egt"], float), atol=1e-9)
        np.testing.assert_allclose(res.table["se"], np.asarray(ref["se_egt"], float), rtol=1e-8)


def test_single_cell_equals_two_by_two_regression(panel):
    """Without covariates, ATT(g, t) is the D coefficient of a 2x2 first-difference regression."""
    res = att_gt(panel, outcome="y", unit="id", time="t", cohort="g")
    row = res.table.query("cohort == 4 and time == 5").iloc[0]
    wide = panel.pivot(index="id", columns="t", values="y")
    g = panel.groupby("id")["g"].first()
    keep = (g == 4) | (g == 0)
    dy = (wide[5] - wide[row["base_time"]])[keep]
    d = (g[keep] == 4).astype(float)
    ols = sm.OLS(dy.to_numpy(), sm.add_constant(d.to_numpy())).fit(cov_type="HC0")
    assert row["att"] == pytest.approx(ols.params[1], abs=1e-12)
    # influence-function SE = HC0 SE of the difference in means (same estimand, same sample)
    assert row["se"] == pytest.approx(ols.bse[1], rel=1e-10)
