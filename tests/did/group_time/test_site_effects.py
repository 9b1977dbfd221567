"""Site effects from the pooled influence functions: aggregate('site') (issue 13 part 2)."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pandas as pd
import pytest

from impact.data import simulate
from impact.did import SiteEffectsResult, att_gt
from impact.errors import DataError, DesignError, FewParticipantsWarning

SPEC = {"outcome": "neet", "unit": "person_id", "time": "year", "cohort": "enrol_year"}


@cache
def unginvest() -> pd.DataFrame:
    return simulate("unginvest", seed=3, scale=0.5).panel


def _fit(panel: pd.DataFrame, **kw: object):  # type: ignore[no-untyped-def]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return att_gt(panel, **SPEC, **kw)  # type: ignore[arg-type]


def _direct(panel: pd.DataFrame) -> pd.Series:
    """theta_s by hand: site participants' changes minus the pooled never-treated changes."""
    wide = panel.pivot(index="person_id", columns="year", values="neet")
    info = panel.groupby("person_id")[["enrol_year", "municipality"]].first()
    never = info.index[info["enrol_year"] == 0]
    out = {}
    for site, grp in info[info["enrol_year"] > 0].groupby("municipality"):
        num = den = 0.0
        for g, members in grp.groupby("enrol_year"):
            for t in range(g, int(panel["year"].max()) + 1):
                treated = (wide.loc[members.index, t] - wide.loc[members.index, g - 1]).mean()
                control = (wide.loc[never, t] - wide.loc[never, g - 1]).mean()
                num += len(members) * (treated - control)
                den += len(members)
        out[site] = num / den
    return pd.Series(out)


def test_site_effects_equal_the_direct_computation_and_average_to_simple() -> None:
    panel = unginvest()
    res = _fit(panel, cluster="municipality")
    with pytest.warns(FewParticipantsWarning, match="too few participants"):
        sites = res.aggregate("site", by="municipality", data=panel)
    assert isinstance(sites, SiteEffectsResult)
    t = sites.table.set_index("site")
    direct = _direct(panel)
    np.testing.assert_allclose(t.loc[direct.index, "att"], direct, rtol=0, atol=1e-12)
    # participants are persons; participant-period weights give back the simple aggregate
    n_persons = panel.loc[panel["enrol_year"] > 0].groupby("municipality")["person_id"].nunique()
    assert (t.loc[n_persons.index, "n_participants"] == n_persons).all()
    simple = res.aggregate("simple")
    assert (t["weight"] * t["att"]).sum() == pytest.approx(simple.att, abs=1e-12)
    assert sites.att == pytest.approx(simple.att, abs=1e-15)
    assert sites.se == pytest.approx(simple.se, rel=1e-12)
    # flags: every site under 30 participants, none above
    assert (t["reliable"] == (t["n_participants"] >= 30)).all()
    assert t.loc[~t["reliable"], "note"].str.contains("participants").all()


def test_site_effects_recover_the_truth() -> None:
    """Known truth: the mean of p1 - p0 over each site's participant-years."""
    sim = simulate("unginvest", seed=3, scale=0.5)
    p = sim.panel
    post = p[(p["enrol_year"] > 0) & (p["year"] >= p["enrol_year"])]
    truth = (post["p1"] - post["p0"]).groupby(post["municipality"]).mean()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sites = _fit(p, cluster="municipality").aggregate("site", by="municipality", data=p)
    t = sites.table.set_index("site")
    ok = t.loc[t["reliable"]]
    z = (ok["att"] - truth[ok.index]) / ok["se"]
    assert len(ok) >= 2 and (np.abs(z) < 3).all()


def test_site_se_is_the_two_sample_se_without_clustering() -> None:
    """One cohort, one post period: SE^2 = s_T^2 / n_T + s_C^2 / n_C (1/n variances)."""
    rng = np.random.default_rng(5)
    n = 400
    g = np.where(rng.random(n) < 0.4, 2, 0)
    site = rng.integers(0, 3, n)
    y0 = rng.normal(size=n)
    y1 = y0 + rng.normal(size=n) + 0.5 * (g > 0) + 0.3 * site * (g > 0)
    df = pd.DataFrame(
        {"id": np.r_[np.arange(n), np.arange(n)], "t": np.r_[np.ones(n), np.full(n, 2)],
         "g": np.r_[g, g], "s": np.r_[site, site], "y": np.r_[y0, y1]}
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = att_gt(df, outcome="y", unit="id", time="t", cohort="g")
        sites = res.aggregate("site", by="s", data=df).table.set_index("site")
    d = y1 - y0
    c = d[g == 0]
    for s in range(3):
        tr = d[(g > 0) & (site == s)]
        assert sites.loc[s, "att"] == pytest.approx(tr.mean() - c.mean(), abs=1e-12)
        se = np.sqrt(tr.var(ddof=0) / tr.size + c.var(ddof=0) / c.size)
        assert sites.loc[s, "se"] == pytest.approx(se, rel=1e-10)


def test_reg_with_covariates_is_exact_and_dr_is_refused() -> None:
    """reg: the treated part of the influence function sums to zero, so the identity holds."""
    panel = unginvest()
    res = _fit(panel, covariates=["grade_points"], method="reg")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = res.aggregate("site", by="municipality", data=panel).table
    simple = res.aggregate("simple")
    assert (t["weight"] * t["att"]).sum() == pytest.approx(simple.att, abs=1e-12)
    dr = _fit(panel, covariates=["grade_points"], method="dr")
    with pytest.raises(DesignError, match="method='reg'"):
        dr.aggregate("site", by="municipality", data=panel)


def test_bad_site_columns_are_refused() -> None:
    panel = unginvest()
    res = _fit(panel)
    with pytest.raises(DesignError, match="by=<site column>"):
        res.aggregate("site", by="municipality")  # type: ignore[call-overload]
    moved = panel.assign(municipality=np.where(panel["year"] == 2025, 1, panel["municipality"]))
    with pytest.raises(DataError, match="changes within person_id"):
        res.aggregate("site", by="municipality", data=moved)
    with pytest.raises(DataError, match="not in data"):
        res.aggregate("site", by="municipality", data=panel.iloc[8:])


@pytest.mark.parametrize("control_group", ["never_treated", "not_yet_treated"])
def test_one_site_is_the_simple_aggregate_with_its_standard_error(control_group: str) -> None:
    """A single site: theta_s and its influence function are the simple aggregate's."""
    panel = unginvest().assign(everyone="all")
    res = _fit(panel, control_group=control_group)
    one = res.aggregate("site", by="everyone", data=panel).table
    simple = res.aggregate("simple")
    assert len(one) == 1
    assert one["att"].iloc[0] == pytest.approx(simple.att, abs=1e-13)
    assert one["se"].iloc[0] == pytest.approx(simple.se, rel=1e-10)
