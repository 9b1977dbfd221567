"""The `impact` command end to end: simulate -> run -> (report), and user errors."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from pymc.testing import mock_sample_setup_and_teardown
from typer.testing import CliRunner

from impact.bundle import Bundle
from impact.cli import app

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_user_errors_exit_1_without_traceback(tmp_path):
    result = runner.invoke(app, ["simulate", "flyyt", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "Unknown scenario 'flyyt'" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(
        app, ["run", "flyt", "--data", str(tmp_path / "none"), "--results", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "impact simulate flyt" in result.output


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
def flyt_bundle(tmp_path_factory, mocked_sampling) -> Bundle:
    tmp = tmp_path_factory.mktemp("e2e")
    result = runner.invoke(
        app, ["simulate", "flyt", "--scale", "0.3", "--seed", "3", "--out", str(tmp / "data")]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        ["run", "flyt", "--data", str(tmp / "data"), "--results", str(tmp / "results"),
         "--analyses", str(ROOT / "analyses"), "--fast"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    return Bundle.open(tmp / "results", "flyt")


def test_flyt_analysis_writes_the_bundle_the_report_reads(flyt_bundle):
    for table in (
        "descriptives",
        "twfe_event_study",
        "estimates",
        "cs_dynamic",
        "trend_sensitivity",
    ):
        assert flyt_bundle.has_table(table), table
    meta = flyt_bundle.metadata
    assert meta["programme"] == "flyt" and meta["seed"] == 3
    estimates = flyt_bundle.read_table("estimates").set_index("estimator")
    # the robust estimate is within 4 standard errors of the known truth
    cs = estimates.loc["att_gt_simple"]
    assert abs(cs["estimate"] - meta["truth"]["simple_unit"]) < 4 * cs["se"]
    descr = flyt_bundle.read_table("descriptives")
    assert set(descr["group"]) == {"adopting", "comparison"}
    assert descr["n_persons"].sum() == meta["n_persons"]
    # warnings reach the report as impact's own categories (20 adopting municipalities is
    # a few-clusters design); library chatter such as PyTensor's BLAS notice does not
    categories = {note["category"] for note in meta["warnings"]}
    assert "FewClustersWarning" in categories
    assert all(not note["message"].startswith("PyTensor") for note in meta["warnings"])


def test_flyt_bundle_has_every_stage(flyt_bundle):
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
    estimates = flyt_bundle.read_table("estimates")
    assert estimates["headline"].sum() == 1


def test_analysis_is_deterministic(flyt_bundle, tmp_path, mocked_sampling):
    """Rerunning on the same data gives the same numbers."""
    data = flyt_bundle.path.parents[1] / "data"
    result = runner.invoke(
        app,
        ["run", "flyt", "--data", str(data), "--results", str(tmp_path),
         "--analyses", str(ROOT / "analyses"), "--fast"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    again = Bundle.open(tmp_path, "flyt").read_table("estimates")
    pd.testing.assert_frame_equal(again, flyt_bundle.read_table("estimates"))
