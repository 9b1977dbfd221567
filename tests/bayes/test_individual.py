"""Individual enrolment in hierarchical_did (issue 13, part 1).

Persons, not municipalities, enrol, each in their own year, and enrollees' baseline NEET is
four times the others'. With the site's first enrolment year as cohort the model gave one
intercept to enrollees and non-enrollees of a site and reported about +9 pp (90 % interval
+8 to +10) for a true -8 pp, without a warning. These tests would have caught it.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from impact.bayes import hierarchical_did
from impact.errors import DataError, DesignError, ImpactWarning

from .conftest import fit_with_mock_sampler
from .individual_data import simulate_individual, site_first_enrolment, to_cells

FAST = {"draws": 300, "tune": 300, "chains": 2, "seed": 3, "sampler": "nutpie"}


@pytest.fixture(scope="module")
def persons():
    rows, truth = simulate_individual(5, n_sites=20, persons_per_site=100)
    return rows, truth


def test_municipal_rollout_refuses_individual_enrolment(persons):
    """The silent wrong answer: a site cohort on data where persons enrol individually."""
    rows, _ = persons
    rows = rows.assign(site_cohort=site_first_enrolment(rows))
    cells = to_cells(rows, ["municipality", "year", "site_cohort", "treated"])
    with pytest.raises(DesignError, match=r"'municipality'.*'treated'.*enrolment='individual'"):
        hierarchical_did(cells, site="municipality", cohort="site_cohort", site_effects=False)


def test_varying_cohort_in_a_site_names_the_individual_design(persons):
    rows, _ = persons
    with pytest.raises(DataError, match=r"enrolment='individual'"):
        hierarchical_did(
            rows, outcome="neet", trials=None, site="municipality", cohort="enrol_year"
        )


def test_individual_needs_a_cohort(persons):
    rows, _ = persons
    with pytest.raises(DesignError, match="cohort"):
        hierarchical_did(
            rows, outcome="neet", trials=None, site="municipality", cohort=None,
            enrolment="individual",
        )  # fmt: skip


def test_individual_refuses_a_person_who_moves(persons):
    rows, _ = persons
    moved = rows.copy()
    first = moved.index[(moved["person_id"] == 7) & (moved["year"] == 2021)]
    moved.loc[first, "municipality"] = "k19"
    with pytest.raises(DataError, match=r"person 7 \(column 'person_id'\).*'municipality'"):
        hierarchical_did(
            moved, outcome="neet", trials=None, site="municipality", cohort="enrol_year",
            person="person_id", enrolment="individual",
        )  # fmt: skip


def test_individual_refuses_untreated_rows_after_enrolment(persons):
    rows, _ = persons
    bad = rows.copy()
    i = bad.index[(bad["enrol_year"] > 0) & (bad["year"] == 2022)][0]
    bad.loc[i, "treated"] = 0
    with pytest.raises(DataError, match=r"'treated' = 0.*'enrol_year'"):
        hierarchical_did(
            bad, outcome="neet", trials=None, site="municipality", cohort="enrol_year",
            enrolment="individual",
        )  # fmt: skip


def test_individual_refuses_cohorts_without_pre_period(persons):
    rows, _ = persons
    early = rows.assign(enrol_year=rows["enrol_year"].where(rows["enrol_year"] != 2018, 2016))
    early["treated"] = ((early["enrol_year"] > 0) & (early["year"] >= early["enrol_year"])).astype(
        int
    )
    with pytest.raises(DesignError, match=r"'enrol_year' = 2016.*before"):
        hierarchical_did(
            early, outcome="neet", trials=None, site="municipality", cohort="enrol_year",
            enrolment="individual", site_effects=False,
        )  # fmt: skip


def test_individual_units_are_cohorts_within_sites(persons):
    rows, _ = persons
    res = fit_with_mock_sampler(
        hierarchical_did, rows, outcome="neet", trials=None, site="municipality",
        cohort="enrol_year", enrolment="individual", draws=5, tune=5, chains=1,
        link="identity", seed=1,
    )  # fmt: skip
    d = res.design
    assert len(d.unit_labels) == rows.groupby(["municipality", "enrol_year"]).ngroups
    # site-varying effects stay per site, and the cell table is site x cohort x year
    assert len(d.effect_sites) == rows["municipality"].nunique()
    assert d.n_cells == rows.groupby(["municipality", "enrol_year", "year"]).ngroups
    assert "z_unit_time" in res.idata["posterior"]
    assert res.enrolment == "individual"


@pytest.mark.parametrize("link", ["identity", "logit"])
def test_individual_recovers_the_effect(persons, link):
    """A small real fit: the truth inside the 90 % interval, the sign right."""
    rows, truth = persons
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ImpactWarning)
        res = hierarchical_did(
            rows, outcome="neet", trials=None, site="municipality", cohort="enrol_year",
            enrolment="individual", site_effects=False, link=link, **FAST,
        )  # fmt: skip
    row = res.to_frame(level=0.9).iloc[0]
    assert row["ci_lower"] < truth < row["ci_upper"], (row.to_dict(), truth)
    assert abs(row["estimate"] - truth) < 0.03
    assert np.isfinite(row["se"])


def test_trend_covariates_give_year_effects_by_level(persons):
    rows, _ = persons
    res = fit_with_mock_sampler(
        hierarchical_did, rows, outcome="neet", trials=None, site="municipality",
        cohort="enrol_year", enrolment="individual", covariates=["x"], trend_covariates=["x"],
        site_effects=False, draws=5, tune=5, chains=1, seed=1,
    )  # fmt: skip
    trend = res.idata["posterior"]["b_time_x"]
    assert trend.shape[-2:] == (rows["year"].nunique(), 2)
    assert np.isfinite(res.draws("att")).all()
    with pytest.raises(DesignError, match="trend_covariates"):
        hierarchical_did(
            rows, outcome="neet", trials=None, site="municipality", cohort="enrol_year",
            enrolment="individual", trend_covariates=["x"],
        )  # fmt: skip


def test_unit_time_prior_only_with_individual_enrolment():
    from impact.bayes.hierarchical_did import check_priors
    from impact.errors import OptionError

    assert "unit_time_sd_scale" not in check_priors(None, link="logit")
    assert check_priors(None, link="identity", enrolment="individual")["unit_time_sd_scale"] > 0
    with pytest.raises(OptionError, match="unit_time_sd_scale"):
        check_priors({"unit_time_sd_scale": 0.1}, link="logit")
    with pytest.raises(OptionError, match="enrolment="):
        check_priors(None, link="logit", enrolment="person")


def test_individual_without_site_uses_cohorts_as_units(persons):
    """UngInvest's cells have no municipality: the enrolment cohort is the unit."""
    rows, _ = persons
    cells = to_cells(rows, ["enrol_year", "year", "treated"])
    res = fit_with_mock_sampler(
        hierarchical_did, cells, site=None, cohort="enrol_year", enrolment="individual",
        site_effects=False, draws=5, tune=5, chains=1, seed=1,
    )  # fmt: skip
    assert res.design.unit_labels == tuple(sorted(rows["enrol_year"].unique()))
    assert res.design.n_unit_time == cells.groupby(["enrol_year", "year"]).ngroups


def test_individual_intercepts_are_free_per_unit(persons):
    rows, _ = persons
    res = fit_with_mock_sampler(
        hierarchical_did, rows, outcome="neet", trials=None, site="municipality",
        cohort="enrol_year", enrolment="individual", site_effects=False, draws=5, tune=5,
        chains=1, seed=1, site_parameterization="centered",
    )  # fmt: skip
    post = res.idata["posterior"]
    assert res.site_parameterization == "unpooled"
    assert "sigma_site" not in post and "cohort_offset" not in post
    assert "individual enrolment" in res.method
