"""run_study end to end on small synthetic data (scale 0.05) with PyMC's mock sampler.

The mock draws from the prior instead of running MCMC: the wiring, the bundle's contents
and the counts are under test here, not the posterior (tests/bayes checks the models).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from impact.bundle import Bundle
from impact.data import save, simulate
from impact.errors import DesignError
from impact.study import Project, load_study_data, run_study
from impact.study.spec import SpecError

ROOT = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.xdist_group("study_run")  # one set of runs per worker


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Project:
    tmp = tmp_path_factory.mktemp("study")
    for name in ("flyt", "unginvest", "getacademy"):
        save(simulate(name, seed=1, scale=0.05), tmp / "data")
    return Project(ROOT, data_dir=tmp / "data", results_dir=tmp / "results")


@pytest.fixture(scope="module")
def mocked() -> Iterator[None]:
    from pymc.testing import mock_sample_setup_and_teardown

    mocking = mock_sample_setup_and_teardown()
    next(mocking)
    yield
    next(mocking, None)


_bundles: dict[str, Bundle] = {}


def bundle(project: Project, name: str) -> Bundle:
    if name not in _bundles:
        _bundles[name] = run_study(project.spec(name), project, fast=True, progress=lambda _: None)
    return _bundles[name]


@pytest.mark.parametrize("name", ["flyt", "unginvest", "getacademy"])
def test_bundle_opens_with_the_study_block(project: Project, mocked: None, name: str) -> None:
    bundle(project, name)
    b = Bundle.open(project.results, name)
    meta = b.metadata
    spec = project.spec(name)
    assert meta["study"] == spec.metadata()
    assert meta["created_by"] == f"studies/{name}.toml"
    assert meta["headline_rule"]
    estimates = b.read_table("estimates")
    assert estimates["headline"].sum() == 1
    expected = "imputation" if spec.design.type == "municipal_rollout" else "att_gt_simple"
    assert estimates.loc[estimates["headline"], "estimator"].item() == expected


@pytest.mark.parametrize("name", ["flyt", "unginvest", "getacademy"])
def test_counts_are_persons(project: Project, mocked: None, name: str) -> None:
    meta = bundle(project, name).metadata
    panel = load_study_data(project.spec(name), project).panel
    if name == "flyt":  # municipality-year rows: persons behind the treated rows
        treated = (panel["adoption_year"] > 0) & (panel["year"] >= panel["adoption_year"])
        assert meta["n_participants"] == int(panel.loc[treated, "n"].sum())
        assert meta["n_persons"] == int(panel["n"].sum())
        assert meta["n_units"] == panel["municipality"].nunique()
    else:  # person-year rows: distinct enrolled persons
        enrolled = panel.groupby("person_id")["enrol_year"].first() > 0
        assert meta["n_participants"] == int(enrolled.sum()) == meta["n_treated_units"]
        assert meta["n_persons"] == panel["person_id"].nunique()
    assert meta["n_participants"] < meta["n_persons"]


def test_getacademy_values_employed_and_reports_neet(project: Project, mocked: None) -> None:
    b = bundle(project, "getacademy")
    other = b.read_table("other_outcomes")
    assert other["outcome"].tolist() == ["neet"]
    assert not other["valued"].any()
    assert (other["ci_lower"] < other["estimate"]).all()
    assert b.metadata["outcome"] == "employed"
    persistence = b.read_table("cba_persistence")
    assert set(persistence["outcome"]) == {"employed"}
    # clustered by person (individual enrolment); at this small scale fewer than 50 persons
    # enrol, so the few-cluster rule adds a wild bootstrap over persons
    estimates = b.read_table("estimates").set_index("estimator")
    assert "over persons" in estimates.loc["att_gt_simple_wild", "method"]
    assert b.metadata["study"]["cluster"] == "person_id"
    # the appraisal values the years 0-4 many cohorts inform (last_event_time = 4)
    assert set(b.read_table("cba_persistence")["outcome"]) == {"employed"}
    # movers were assigned as the spec says, and that is recorded
    assert any("movers='enrolment'" in c for c in b.metadata["data_changes"])
    notes = {n["category"] for n in b.metadata["warnings"]}
    assert "DataChangeWarning" in notes


def test_flyt_site_codes_are_four_digits(project: Project, mocked: None) -> None:
    sites = bundle(project, "flyt").read_table("site_effects")["site"]
    assert sites.str.fullmatch(r"\d{4}").all()


def test_validation_never_changes_the_raw_data(project: Project) -> None:
    from impact.data import load

    raw = load("getacademy", project.data).panel
    before = raw.copy()
    data = load_study_data(project.spec("getacademy"), project)
    pd.testing.assert_frame_equal(load("getacademy", project.data).panel, before)
    assert data.changes and data.truth is not None and data.scenario_meta is not None
    assert data.cells is not None and "outcome" not in data.cells.columns


def _spec_with(project: Project, name: str, **sections: dict[str, Any]) -> Any:
    spec = project.spec(name)
    update = {k: getattr(spec, k).model_copy(update=v) for k, v in sections.items()}
    return spec.model_copy(update=update)


def test_unimplemented_design_is_refused(project: Project) -> None:
    spec = _spec_with(project, "flyt", design={"type": "single_unit"})
    with pytest.raises(DesignError, match="'single_unit'.*municipal_rollout"):
        run_study(spec, project, fast=True, progress=lambda _: None)


def test_missing_hook_file_is_refused(project: Project) -> None:
    spec = _spec_with(project, "flyt", hooks={"analysis": "analyses/nope.py"})
    with pytest.raises(SpecError, match="nope.py"):
        run_study(spec, project, fast=True, progress=lambda _: None)


def test_movers_without_a_rule_are_refused_in_the_spec_s_words(tmp_path: Path) -> None:
    """A person-year extract with movers and no [data] movers: the error says which key
    of the spec to set, not only the Python argument."""
    from impact.data import save, simulate
    from impact.errors import DataError
    from impact.study import Project
    from impact.study.inputs import load_study_data

    save(simulate("getacademy", seed=3, scale=0.05), tmp_path / "data")
    project = Project(ROOT, data_dir=tmp_path / "data")
    spec = project.spec("getacademy")
    spec = spec.model_copy(update={"data": spec.data.model_copy(update={"movers": None})})
    with pytest.raises(DataError, match=r"\[data\] movers = \"first\", \"enrolment\" or \"drop\""):
        load_study_data(spec, project)
