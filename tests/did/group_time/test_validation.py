"""Validation of staggered designs: clear errors and warnings that name the problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from impact.did import att_gt, cohort_from_treatment, validate_staggered_panel
from impact.errors import DataError, DesignError, ImpactWarning, OverlapWarning

COLS = {"outcome": "y", "unit": "id", "time": "t", "cohort": "g"}


def small_panel(seed: int = 0, n: int = 120, n_t: int = 5) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    g = rng.choice([0, 3, 4], size=n, p=[0.4, 0.3, 0.3])
    unit = np.repeat(np.arange(n), n_t)
    t = np.tile(np.arange(1, n_t + 1), n)
    gg = np.repeat(g, n_t)
    y = rng.normal(size=n * n_t) + 0.1 * t + np.where((gg > 0) & (t >= gg), 0.5, 0.0)
    return pd.DataFrame(
        {"id": unit, "t": t, "g": gg, "y": y, "x": np.repeat(rng.normal(size=n), n_t)}
    )


def test_valid_panel_to_arrays():
    d = small_panel()
    p = validate_staggered_panel(d, **COLS)
    assert p.y.shape == (120, 5)
    wide = d.pivot(index="id", columns="t", values="y")
    np.testing.assert_array_equal(p.y, wide.loc[p.unit_ids].to_numpy())
    back = p.to_long()
    assert len(back) == len(d)


def test_missing_column_named():
    with pytest.raises(DataError, match="'income'"):
        validate_staggered_panel(small_panel(), **COLS, covariates="income")


def test_duplicate_unit_period_rows():
    d = small_panel()
    d = pd.concat([d, d.iloc[[7]]])
    with pytest.raises(DataError, match="Duplicate rows for id=1, t=3"):
        validate_staggered_panel(d, **COLS)


def test_cohort_varying_within_unit():
    d = small_panel()
    d.loc[(d["id"] == 5) & (d["t"] == 5), "g"] = 2
    with pytest.raises(DataError, match="varies within id=5"):
        validate_staggered_panel(d, **COLS)


def test_treatment_switching_off_is_rejected():
    d = small_panel()
    d["d"] = ((d["g"] > 0) & (d["t"] >= d["g"])).astype(int)
    ok = cohort_from_treatment(d, unit="id", time="t", treatment="d", name="g2")
    assert (ok["g2"] == ok["g"]).all()
    assert "g2" not in d.columns  # input not mutated
    unit = int(d.loc[d["g"] == 3, "id"].iloc[0])
    d.loc[(d["id"] == unit) & (d["t"] == 5), "d"] = 0
    with pytest.raises(DataError, match=f"switches off for id={unit}"):
        cohort_from_treatment(d, unit="id", time="t", treatment="d")


def test_nan_outcome_reports_count_and_column():
    d = small_panel()
    d.loc[[3, 10, 11], "y"] = np.nan
    with pytest.raises(DataError, match=r"'y' \(outcome\) has 3 missing"):
        validate_staggered_panel(d, **COLS)


def test_unbalanced_panel_rejected():
    d = small_panel().drop(index=[4])
    with pytest.raises(DataError, match="unbalanced"):
        validate_staggered_panel(d, **COLS)


def test_cohort_after_last_period_becomes_never_treated():
    d = small_panel()
    d.loc[d["id"] < 3, "g"] = 9
    with pytest.warns(ImpactWarning, match="after the last period"):
        p = validate_staggered_panel(d, **COLS)
    assert p.n_recoded_late == 3
    assert (p.cohort[:3] == 0).all()


def test_cohort_at_first_period_dropped():
    d = small_panel()
    d.loc[d["id"] < 4, "g"] = 1
    with pytest.warns(ImpactWarning, match="Dropped 4 units"):
        p = validate_staggered_panel(d, **COLS)
    assert p.n_units == 116


def test_no_never_treated_with_never_treated_control():
    d = small_panel()
    d = d[d["g"] > 0]
    with pytest.raises(DesignError, match="no unit has 'g' = 0"):
        att_gt(d, **COLS)
    # the not-yet-treated design still works: the last cohort is the comparison
    res = att_gt(d, **COLS, control_group="not_yet_treated")
    assert set(res.table["cohort"]) == {3}
    assert res.notes


def test_no_comparison_at_all():
    d = small_panel()
    d = d[d["g"] == 3]
    with pytest.raises(DesignError, match="single\\s+cohort"):
        att_gt(d, **COLS, control_group="not_yet_treated")


def test_single_unit_cohort_warns():
    d = small_panel()
    d.loc[d["id"] == 0, "g"] = 5
    with pytest.warns(ImpactWarning, match="single unit"):
        validate_staggered_panel(d, **COLS)


def test_constant_covariate():
    d = small_panel().assign(c=1.0)
    with pytest.raises(DesignError, match="'c' is constant"):
        att_gt(d, **COLS, covariates="c")


def test_covariate_perfectly_predicting_treatment():
    d = small_panel()
    d["sep"] = np.where(d["g"] == 3, 1.0, 0.0) + 0.01 * d["x"]
    with pytest.raises(DesignError, match="perfectly predict treatment"):
        att_gt(d, **COLS, covariates="sep")


def test_weak_overlap_warns():
    d = small_panel(n=400)
    rng = np.random.default_rng(3)
    units = d.groupby("id")["g"].first()
    z = pd.Series(rng.normal(0.0, 0.5, size=len(units)), index=units.index)
    treated3 = units.index[units == 3]
    z[treated3] = rng.uniform(2.0, 4.0, size=len(treated3))
    z[units.index[units == 0][:2]] = 3.9  # two comparison units deep in treated territory
    d["z"] = d["id"].map(z)
    with pytest.warns(OverlapWarning, match="Weak overlap for cohort 3"):
        att_gt(d, **COLS, covariates="z")


def test_group_too_small_for_covariates():
    d = small_panel()
    keep = (d["g"] != 4) | (d["id"].isin(d.loc[d["g"] == 4, "id"].unique()[:2]))
    d = d[keep]
    with pytest.raises(DesignError, match="too few for a model"):
        att_gt(d, **COLS, covariates=["x"], method="reg")


def test_non_numeric_covariate():
    d = small_panel().assign(s=lambda f: np.where(f["x"] > 0, "a", "b"))
    with pytest.raises(DataError, match="dummy"):
        att_gt(d, **COLS, covariates="s")


def test_bad_options():
    d = small_panel()
    with pytest.raises(DesignError, match="method="):
        att_gt(d, **COLS, method="ols")  # type: ignore[arg-type]
    with pytest.raises(DesignError, match="control_group="):
        att_gt(d, **COLS, control_group="never")  # type: ignore[arg-type]


def test_row_order_does_not_matter():
    """Sorted (reshape fast path) and shuffled (hash path) layouts give identical results."""
    d = small_panel(n=200)
    shuffled = d.sample(frac=1.0, random_state=3)
    for cov in (None, "x"):
        a = att_gt(d, **COLS, covariates=cov).table
        b = att_gt(shuffled, **COLS, covariates=cov).table
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-12, atol=1e-14)


def test_balance_panel_drops_incomplete_units_with_warning():
    d = small_panel()
    dropped_units = [0, 7]
    gappy = d[~((d["id"].isin(dropped_units)) & (d["t"] == 2))]
    with pytest.warns(ImpactWarning, match="dropped 2 of 120 units"):
        res = att_gt(gappy, **COLS, balance_panel=True)
    expected = att_gt(d[~d["id"].isin(dropped_units)], **COLS)
    pd.testing.assert_frame_equal(res.table, expected.table)
