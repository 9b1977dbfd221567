"""The `impact` command: --project, new, simulate, validate, run, report, list, all; user errors.

The wiring of each command is tested with stand-ins for the stages (no estimation); the end to
end Flyt run (simulate -> run) needs the generic analysis (impact.study.run, branch study-run)
and skips, saying so, until it is there.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from pymc.testing import mock_sample_setup_and_teardown
from study.projects import flyt_project, needs_study_run
from typer.testing import CliRunner

from impact.bundle import Bundle
from impact.cli import app
from impact.errors import DataError
from impact.study import Project, load_spec

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def flat(output: str) -> str:
    """The output on one line (rich wraps long lines at the terminal width)."""
    return " ".join(output.split())


def invoke(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


# -- user errors say where they looked ---------------------------------------------------------
def test_user_errors_exit_1_without_traceback(tmp_path: Path) -> None:
    result = invoke("simulate", "flyyt", "--project", tmp_path)
    assert result.exit_code == 1
    assert "Unknown scenario 'flyyt'" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("command", ["validate", "run", "report"])
def test_a_missing_spec_names_the_directory_the_specs_and_the_closest(
    tmp_path: Path, command: str
) -> None:
    flyt_project(tmp_path)
    (tmp_path / "studies" / "unginvest.toml").write_text(
        (ROOT / "studies" / "unginvest.toml").read_text(encoding="utf-8"), encoding="utf-8"
    )
    result = invoke(command, "flyy", "--project", tmp_path)
    assert result.exit_code == 1, result.output
    out = flat(result.output)
    assert (
        f"No study specification 'flyy': looked for {tmp_path.resolve()}/studies/flyy.toml" in out
    )
    assert "(specs there: flyt, unginvest; did you mean 'flyt'?)" in out
    assert "impact new flyy" in out and "Traceback" not in out


def test_a_project_that_does_not_exist_is_named(tmp_path: Path) -> None:
    result = invoke("list", "--project", tmp_path / "nowhere")
    assert result.exit_code == 1
    assert f"--project {tmp_path / 'nowhere'}: no such directory" in flat(result.output)


def test_an_invalid_spec_is_one_message_naming_key_value_and_fix(tmp_path: Path) -> None:
    flyt_project(tmp_path)
    spec = tmp_path / "studies" / "flyt.toml"
    spec.write_text(
        spec.read_text().replace('type = "municipal_rollout"', 'type = "municipal_rolout"')
    )
    result = invoke("validate", "flyt", "--project", tmp_path)
    assert result.exit_code == 1
    out = flat(result.output)
    assert "[design] type = 'municipal_rolout' is not one of" in out  # brackets survive rich markup
    assert "did you mean 'municipal_rollout'?" in out and "Traceback" not in out


def test_report_refuses_an_unknown_engine(tmp_path: Path) -> None:
    flyt_project(tmp_path)
    result = invoke("report", "flyt", "--project", tmp_path, "--engine", "latex")
    assert result.exit_code == 1
    assert "--engine 'latex' must be auto, quarto or builtin" in result.output


# -- impact new -----------------------------------------------------------------------------
def test_new_writes_a_commented_skeleton_that_waits_for_its_data(tmp_path: Path) -> None:
    result = invoke("new", "kulturskole", "--project", tmp_path)
    assert result.exit_code == 0, result.output
    path = tmp_path / "studies" / "kulturskole.toml"
    text = path.read_text(encoding="utf-8")
    assert 'name = "kulturskole"' in text and "__NAME__" not in text
    assert "impact validate kulturskole" in flat(result.output)
    # nothing validates until the data are named, and the message says how
    result = invoke("validate", "kulturskole", "--project", tmp_path)
    assert result.exit_code == 1
    out = flat(result.output)
    assert "[data]: name exactly one data source" in out
    assert "scenario = " in out and "panel = " in out


def test_new_refuses_to_overwrite_and_refuses_bad_names(tmp_path: Path) -> None:
    assert invoke("new", "kulturskole", "--project", tmp_path).exit_code == 0
    path = tmp_path / "studies" / "kulturskole.toml"
    path.write_text(path.read_text() + "# my edits\n")
    result = invoke("new", "kulturskole", "--project", tmp_path)
    assert result.exit_code == 1
    assert "exists already" in result.output and "never overwrites" in flat(result.output)
    assert path.read_text().endswith("# my edits\n")
    for bad, suggestion in [("Kultur-Skole", "kultur_skole"), ("2flyt", "flyt"), ("a b", "a_b")]:
        result = invoke("new", bad, "--project", tmp_path)
        assert result.exit_code == 1, bad
        out = flat(result.output)
        assert "^[a-z][a-z0-9_]*$" in out and f"e.g. {suggestion!r}" in out, out
    assert sorted(p.name for p in (tmp_path / "studies").iterdir()) == ["kulturskole.toml"]


# -- simulate, list ---------------------------------------------------------------------------
def test_simulate_writes_into_the_project_and_accepts_a_study_name(tmp_path: Path) -> None:
    flyt_project(tmp_path)
    result = invoke("simulate", "flyt", "--project", tmp_path, "--scale", "0.05", "--seed", "3")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "data" / "generated" / "flyt" / "card.json").is_file()


def test_simulate_a_study_with_register_data_says_there_is_nothing_to_simulate(
    tmp_path: Path,
) -> None:
    assert invoke("new", "kulturskole", "--project", tmp_path).exit_code == 0
    path = tmp_path / "studies" / "kulturskole.toml"
    path.write_text(path.read_text().replace('# panel = "data/', 'panel = "data/'))
    result = invoke("simulate", "kulturskole", "--project", tmp_path)
    assert result.exit_code == 1
    assert "reads a register extract" in flat(result.output)


@pytest.fixture
def wide(monkeypatch: pytest.MonkeyPatch) -> None:
    """Rich tables at 200 columns, so that no cell wraps."""
    import impact.cli

    monkeypatch.setattr(impact.cli.out, "width", 200)


def test_list_shows_design_data_and_results(tmp_path: Path, wide: None) -> None:
    result = invoke("list", "--project", tmp_path)
    assert result.exit_code == 0
    assert "No study specifications in" in flat(result.output)
    flyt_project(tmp_path)
    assert invoke("new", "kulturskole", "--project", tmp_path).exit_code == 0
    result = invoke("list", "--project", tmp_path)
    assert result.exit_code == 0, result.output
    out = flat(result.output)
    assert "municipal_rollout" in out and "scenario flyt (not simulated yet)" in out
    assert "none yet" in out
    assert "invalid spec" in out and "name exactly one data source" in out


# -- validate, run, report, all with stand-ins for the stages --------------------------------
@dataclass(frozen=True)
class FakeStudyData:
    panel: pd.DataFrame
    cells: pd.DataFrame | None = None
    truth: Any = None
    scenario_meta: Any = None
    changes: tuple[str, ...] = ()


def _person_panel() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "person_id": ["001", "001", "002", "002", "003", "003"],
            "year": [2019, 2020] * 3,
            "enrol_year": [2020, 2020, 0, 0, 2019, 2019],
            "employed": [0, 1, 0, 0, 1, 1],
        }
    )


def test_validate_says_what_was_checked_and_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import impact.study

    assert invoke("new", "kulturskole", "--project", tmp_path).exit_code == 0
    path = tmp_path / "studies" / "kulturskole.toml"
    path.write_text(path.read_text().replace('# panel = "data/', 'panel = "data/'))
    seen: list[Any] = []

    def load_study_data(spec: Any, project: Project) -> FakeStudyData:
        seen.append((spec.programme.name, project.root))
        return FakeStudyData(
            _person_panel(), changes=("1 person seen in two municipalities kept in the first.",)
        )

    fake = type(impact)("impact.study.inputs")
    fake.load_study_data = load_study_data  # type: ignore[attr-defined]
    monkeypatch.setitem(__import__("sys").modules, "impact.study.inputs", fake)
    monkeypatch.setattr(impact.study, "inputs", fake, raising=False)
    result = invoke("validate", "kulturskole", "--project", tmp_path)
    assert result.exit_code == 0, result.output
    assert seen == [("kulturskole", tmp_path.resolve())]
    out = flat(result.output)
    assert f"spec {path.resolve()}: valid" in out
    assert "rows: 6 person-year rows, 3 persons, years 2019-2020" in out
    assert "enrolment ('enrol_year'): 2 persons enrolled in 2 cohort(s) (2019: 1, 2020: 1)" in out
    assert "1 never" in out and "outcome 'employed': binary, headline" in out
    assert "changed: 1 person seen in two municipalities kept in the first." in out
    assert "movers between municipalities" in out


def test_validate_shows_the_data_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    import impact.study

    flyt_project(tmp_path)

    def load_study_data(spec: Any, project: Project) -> FakeStudyData:
        raise DataError(f"No simulated data for scenario 'flyt' in {project.data / 'flyt'}.")

    fake = type(impact)("impact.study.inputs")
    fake.load_study_data = load_study_data  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "impact.study.inputs", fake)
    monkeypatch.setattr(impact.study, "inputs", fake, raising=False)
    result = invoke("validate", "flyt", "--project", tmp_path)
    assert result.exit_code == 1
    assert "No simulated data for scenario 'flyt'" in flat(result.output)
    assert "Traceback" not in result.output


@pytest.fixture
def stages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """run_study, render and write_portfolio replaced by recorders."""
    import sys

    import impact.report
    import impact.report.portfolio
    import impact.study

    calls: list[tuple[Any, ...]] = []

    def run_study(spec: Any, project: Project, *, fast: bool = False, progress: Any = print):
        calls.append(("run", spec.programme.name, project.root, project.results, fast))

    def render(programme: str, **kwargs: Any) -> list[Path]:
        calls.append(("report", programme, kwargs))
        return [Path(kwargs["output_dir"]) / f"{programme}.{kwargs['lang']}.html"]

    def write_portfolio(names: Any, **kwargs: Any) -> list[Path]:
        calls.append(("portfolio", list(names), kwargs))
        return []

    fake = type(impact)("impact.study.run")
    fake.run_study = run_study  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "impact.study.run", fake)
    monkeypatch.setattr(impact.study, "run", fake, raising=False)
    monkeypatch.setattr(impact.report, "render", render)
    monkeypatch.setattr(impact.report.portfolio, "write_portfolio", write_portfolio)
    return calls


def test_run_and_report_use_the_project_directories(
    tmp_path: Path, stages: list[tuple[Any, ...]]
) -> None:
    flyt_project(tmp_path)
    assert invoke("run", "flyt", "--project", tmp_path, "--fast").exit_code == 0
    elsewhere = tmp_path / "elsewhere"
    assert invoke("run", "flyt", "--project", tmp_path, "--results", elsewhere).exit_code == 0
    result = invoke("report", "flyt", "--project", tmp_path, "--lang", "en", "--to", "html")
    assert result.exit_code == 0, result.output
    root = tmp_path.resolve()
    assert stages[0] == ("run", "flyt", root, root / "results", True)
    assert stages[1] == ("run", "flyt", root, elsewhere.resolve(), False)
    kind, name, kwargs = stages[2]
    assert (kind, name) == ("report", "flyt")
    assert kwargs["results_dir"] == root / "results"
    assert kwargs["output_dir"] == root / "reports" / "_output"
    assert "reports_dir" not in kwargs  # no report sources in the project: the generic one
    assert kwargs["lang"] == "en" and kwargs["to"] == ("html",)
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "study.qmd").write_text("---\n---\n")
    assert invoke("report", "flyt", "--project", tmp_path, "--to", "html").exit_code == 0
    assert stages[3][2]["reports_dir"] == root / "reports"


def test_all_runs_every_spec_of_the_project_and_skips_unbuilt_designs(
    tmp_path: Path, stages: list[tuple[Any, ...]], monkeypatch: pytest.MonkeyPatch
) -> None:
    import impact.data

    flyt_project(tmp_path)
    pilots = (ROOT / "studies" / "unginvest.toml").read_text(encoding="utf-8")
    pilots = pilots.replace('type = "individual_enrolment"', 'type = "few_pilots"')
    (tmp_path / "studies" / "unginvest.toml").write_text(pilots, encoding="utf-8")
    simulated: list[str] = []
    monkeypatch.setattr(impact.data, "simulate", lambda name, **kw: simulated.append(name) or name)
    monkeypatch.setattr("impact.data.io.save", lambda sim, out: out)
    result = invoke("all", "--project", tmp_path, "--fast")
    assert result.exit_code == 0, result.output
    assert "skip unginvest: design 'few_pilots' is not run yet" in flat(result.output)
    assert simulated == ["flyt"]
    assert [c[:2] for c in stages] == [
        ("run", "flyt"), ("report", "flyt"), ("report", "flyt"), ("portfolio", ["flyt"]),
    ]  # fmt: skip
    assert [c[2]["lang"] for c in stages[1:3]] == ["nb", "en"]
    portfolio = stages[3][2]
    assert portfolio["results_dir"] == tmp_path.resolve() / "results"
    assert portfolio["langs"] == ["nb", "en"]


def test_all_in_an_empty_project_says_where_it_looked(tmp_path: Path) -> None:
    result = invoke("all", "--project", tmp_path)
    assert result.exit_code == 1
    assert f"No study specifications in {tmp_path.resolve() / 'studies'}" in flat(result.output)


def test_every_repository_spec_is_listed(wide: None) -> None:
    result = invoke("list", "--project", ROOT)
    assert result.exit_code == 0, result.output
    for path in sorted((ROOT / "studies").glob("*.toml")):
        name = tomllib.loads(path.read_text(encoding="utf-8"))["programme"]["name"]
        assert name in result.output
        assert load_spec(path).programme.name == name


# -- the real Flyt run (needs the generic analysis) ------------------------------------------
@pytest.fixture(scope="module")
def mocked_sampling() -> Iterator[None]:
    """The wiring is under test here, not MCMC: PyMC's sampler is replaced by its mock.

    Real sampling of the same models is tested in tests/bayes and benchmarks/bayes_scale.py.
    """
    mocking = mock_sample_setup_and_teardown()
    next(mocking)
    try:
        yield
    finally:
        next(mocking, None)


@pytest.fixture(scope="module")
def flyt_bundle(tmp_path_factory: pytest.TempPathFactory, mocked_sampling: None) -> Bundle:
    tmp = flyt_project(tmp_path_factory.mktemp("e2e"))
    result = invoke("simulate", "flyt", "--project", tmp, "--scale", "0.3", "--seed", "3")
    assert result.exit_code == 0, result.output
    result = invoke("run", "flyt", "--project", tmp, "--fast")
    assert result.exit_code == 0, result.output
    return Bundle.open(tmp / "results", "flyt")


@needs_study_run
def test_run_without_data_says_how_to_make_them(tmp_path: Path) -> None:
    flyt_project(tmp_path)
    result = invoke("run", "flyt", "--project", tmp_path, "--fast")
    assert result.exit_code == 1
    assert "impact simulate flyt" in result.output and "Traceback" not in result.output


@needs_study_run
def test_flyt_run_writes_the_bundle_the_report_reads(flyt_bundle: Bundle) -> None:
    for table in ("descriptives", "estimates", "cs_dynamic", "trend_sensitivity"):
        assert flyt_bundle.has_table(table), table
    meta = flyt_bundle.metadata
    assert meta["programme"] == "flyt"
    assert meta["study"]["name"] == "flyt" and meta["study"]["design"] == "municipal_rollout"
    estimates = flyt_bundle.read_table("estimates").set_index("estimator")
    # the robust estimate is within 4 standard errors of the known truth
    cs = estimates.loc["att_gt_simple"]
    assert abs(cs["estimate"] - meta["truth"]["simple_unit"]) < 4 * cs["se"]
    descr = flyt_bundle.read_table("descriptives")
    assert descr["n_persons"].sum() == meta["n_persons"]
    # warnings reach the report as impact's own categories (20 adopting municipalities is
    # a few-clusters design); library chatter such as PyTensor's BLAS notice does not
    categories = {note["category"] for note in meta["warnings"]}
    assert "FewClustersWarning" in categories
    assert all(not note["message"].startswith("PyTensor") for note in meta["warnings"])


@needs_study_run
def test_flyt_bundle_has_every_stage(flyt_bundle: Bundle) -> None:
    """Bayesian and cost-benefit stages wrote what the report reads, with diagnostics."""
    for table in ("site_effects", "pooled_effect", "appraisal_summary", "ledger", "tornado"):
        assert flyt_bundle.has_table(table), table
    assert flyt_bundle.has_draws("npv") and flyt_bundle.has_idata("hierarchical_did")
    meta = flyt_bundle.metadata
    # mocked draws cannot pass the gate, and the bundle must say so (never silence)
    assert meta["diagnostics"]["hierarchical_did"]["passed"] is False
    ledger = flyt_bundle.read_table("ledger")
    summary = flyt_bundle.read_table("appraisal_summary").set_index("quantity")
    assert ledger["present_value_nok"].sum() == pytest.approx(
        summary.loc["npv", "estimate"], rel=1e-6
    )
    assert flyt_bundle.read_table("estimates")["headline"].sum() == 1


@needs_study_run
def test_the_run_is_deterministic(
    flyt_bundle: Bundle, tmp_path: Path, mocked_sampling: None
) -> None:
    """Rerunning on the same data gives the same numbers."""
    project = flyt_bundle.path.parents[1]
    result = invoke("run", "flyt", "--project", project, "--results", tmp_path, "--fast")
    assert result.exit_code == 0, result.output
    again = Bundle.open(tmp_path, "flyt").read_table("estimates")
    pd.testing.assert_frame_equal(again, flyt_bundle.read_table("estimates"))


def test_the_flyt_project_helper_copies_the_repository_spec(tmp_path: Path) -> None:
    flyt_project(tmp_path, fit_bayes=False, hook="def extend(*a, **k):\n    pass\n")
    spec = Project(tmp_path).spec("flyt")
    assert spec.bayes.fit is False and spec.hooks.analysis == "analyses/hook.py"
    assert load_spec(ROOT / "studies" / "flyt.toml").hooks.analysis is None
