"""att_gt on repeated cross-sections and unbalanced panels against csdid (a port of R did).

Designs built from ``tests/reference/mpdta.csv`` (R ``did``'s example panel):

- *unbalanced panel*: a seeded random 20 % of the county-year rows dropped
  (``allow_unbalanced_panel=True``; R/csdid ``allow_unbalanced_panel=TRUE``);
- *repeated cross-sections from the same rows*: every remaining row as its own observation
  (``panel=False``; csdid ``panel=False, idname=None``);
- *repeated cross-sections of different counties*: each county observed in two randomly
  chosen years only, rows treated as independent observations.

Every group-time ATT, its analytic SE, the Wald pre-test and all four aggregations (overall
and per level) are compared. csdid 0.4.3 implements R ``DRDID``'s ``drdid_rc`` with the
base-period outcome-regression effect subtracted, which is the correct sign (R adds it; see
``impact.did.group_time.drdid_rc``), so ``dr`` with covariates is checked against csdid, not R.

csdid is a test-only dependency; it is never imported by the package.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.did import att_gt

REF = Path(__file__).parents[2] / "reference"
CG = {"never_treated": "nevertreated", "not_yet_treated": "notyettreated"}
KINDS = ("simple", "dynamic", "group", "calendar")


@pytest.fixture(scope="module")
def designs() -> dict[str, pd.DataFrame]:
    d = pd.read_csv(REF / "mpdta.csv")
    rng = np.random.default_rng(20240611)
    gappy = d[rng.random(len(d)) >= 0.2].reset_index(drop=True)
    years = np.sort(d["year"].unique())
    chosen = {c: rng.choice(years, size=2, replace=False) for c in d["countyreal"].unique()}
    two_years = d[[y in chosen[c] for c, y in zip(d["countyreal"], d["year"])]].copy()
    two_years["w"] = 1.0 + (two_years["countyreal"] % 3)  # sampling weights
    return {"unbalanced": gappy, "rc_rows": gappy, "rc_counties": two_years.reset_index(drop=True)}


def _fit_both(
    data, mode, method, covariate, control_group, weights=None, anticipation=0, base="varying"
):
    csdid_att_gt = pytest.importorskip("csdid.att_gt")
    kwargs = {
        "yname": "lemp",
        "tname": "year",
        "gname": "first.treat",
        "data": data.copy(),
        "control_group": CG[control_group],
        "xformla": "lemp~lpop" if covariate else None,
        "weights_name": weights,
        "anticipation": anticipation,
    }
    ours_kw = {
        "outcome": "lemp",
        "time": "year",
        "cohort": "first.treat",
        "covariates": "lpop" if covariate else None,
        "method": method,
        "control_group": control_group,
        "weights": weights,
        "anticipation": anticipation,
        "base_period": base,
    }
    if mode == "unbalanced":
        kwargs.update(idname="countyreal", allow_unbalanced_panel=True)
        ours_kw.update(unit="countyreal", allow_unbalanced_panel=True)
    else:
        kwargs.update(idname=None, panel=False)
        ours_kw.update(panel=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = csdid_att_gt.ATTgt(**kwargs)
        model.fit(est_method=method, base_period=base, bstrap=False)
        ours = att_gt(data, **ours_kw)
    return model, ours


def _compare(model, ours, rtol_se=1e-8, wald=True):
    ref = model.results
    table = ours.table
    np.testing.assert_array_equal(table["cohort"], np.asarray(ref["group"], float))
    np.testing.assert_array_equal(table["time"], np.asarray(ref["year"], float))
    att_ref = np.asarray(ref["att"], float)
    se_ref = np.asarray(ref["se"], float)
    np.testing.assert_allclose(table["att"], att_ref, rtol=0, atol=1e-9)
    real = np.isfinite(se_ref) & (se_ref > 1e-12)
    np.testing.assert_allclose(table["se"].to_numpy()[real], se_ref[real], rtol=rtol_se)
    if wald:
        assert ours.pretest.statistic == pytest.approx(model.MP["W"], rel=1e-8)
    for kind in KINDS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.aggte(typec=kind, bstrap=False)
        atte = model.atte
        agg = ours.aggregate(kind)
        assert agg.att == pytest.approx(atte["overall_att"], abs=1e-9), kind
        assert agg.se == pytest.approx(atte["overall_se"], rel=rtol_se), kind
        if kind != "simple":
            np.testing.assert_allclose(
                agg.table["att"], np.asarray(atte["att_egt"], float), atol=1e-9
            )
            np.testing.assert_allclose(
                agg.table["se"], np.asarray(atte["se_egt"], float), rtol=rtol_se
            )


@pytest.mark.parametrize("mode", ["unbalanced", "rc_rows"])
@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
@pytest.mark.parametrize("covariate", [False, True])
@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
def test_matches_csdid(designs, mode, method, covariate, control_group):
    model, ours = _fit_both(designs[mode], mode, method, covariate, control_group)
    _compare(model, ours)


@pytest.mark.parametrize("method", ["dr", "ipw", "reg"])
def test_rc_of_different_counties_with_weights_matches_csdid(designs, method):
    model, ours = _fit_both(
        designs["rc_counties"], "rc_counties", method, True, "not_yet_treated", weights="w"
    )
    _compare(model, ours)


@pytest.mark.parametrize(
    ("mode", "method", "anticipation", "base"),
    [
        ("rc_rows", "dr", 1, "varying"),
        ("rc_rows", "reg", 0, "universal"),
        ("unbalanced", "ipw", 0, "universal"),
        ("unbalanced", "dr", 1, "universal"),
    ],
)
def test_anticipation_and_universal_base_match_csdid(designs, mode, method, anticipation, base):
    model, ours = _fit_both(
        designs[mode], mode, method, True, "not_yet_treated", anticipation=anticipation, base=base
    )
    # With anticipation the pre-test differs by design: like R did (``pre <- which(group >
    # t)``) ours also tests the anticipation cells t = g - 1, ..., g - anticipation; csdid
    # tests only t < g - anticipation.
    _compare(model, ours, wald=anticipation == 0)


def test_structure_is_reported(designs):
    _, ours = _fit_both(designs["rc_rows"], "rc_rows", "reg", False, "never_treated")
    assert ours.n_units == len(designs["rc_rows"])
    text = ours.summary()
    assert "observations" in text and "stable composition" in text
    _, unb = _fit_both(designs["unbalanced"], "unbalanced", "reg", False, "never_treated")
    assert unb.n_units == designs["unbalanced"]["countyreal"].nunique()
    assert "attrition unrelated to outcome trends" in unb.summary()


@pytest.mark.parametrize("mode", ["unbalanced", "rc_rows"])
def test_clustered_analytic_ses_match_csdid(designs, mode):
    """Clustering by state (FIPS county code // 1000): R did's analytic cluster-robust V."""
    csdid_att_gt = pytest.importorskip("csdid.att_gt")
    data = designs[mode].assign(state=lambda f: f["countyreal"] // 1000)
    ids = {"idname": "countyreal", "allow_unbalanced_panel": True}
    ours_kw: dict[str, object] = {"unit": "countyreal", "allow_unbalanced_panel": True}
    if mode == "rc_rows":
        ids, ours_kw = {"idname": None, "panel": False}, {"panel": False}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = csdid_att_gt.ATTgt(
            yname="lemp",
            tname="year",
            gname="first.treat",
            data=data.copy(),
            xformla="lemp~lpop",
            clustervar="state",
            **ids,
        )
        model.fit(est_method="dr", bstrap=False)
        ours = att_gt(
            data,
            outcome="lemp",
            time="year",
            cohort="first.treat",
            covariates="lpop",
            cluster="state",
            **ours_kw,  # type: ignore[arg-type]
        )
    _compare(model, ours)
