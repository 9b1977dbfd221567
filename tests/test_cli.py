"""The `impact` command end to end: simulate -> run -> (report), and user errors."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from impact.cli import app
from impact.report.bundle import Bundle

ROOT = Path(__file__).resolve().parents[1]
runner = CliRunner()


def test_user_errors_exit_1_without_traceback(tmp_path):
    result = runner.invoke(app, ["simulate", "flyyt", "--out", str(tmp_path)])
    assert result.exit_code == 1
    assert "Unknown scenario 'flyyt'" in result.output
    assert "Traceback" not in result.output
    result = runner.invoke(app, ["run", "flyt", "--data", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert "impact simulate flyt" in result.output


@pytest.fixture(scope="module")
def flyt_bundle(tmp_path_factory) -> Bundle:
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
    for table in ("descriptives", "twfe_event_study", "estimates", "cs_dynamic"):
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


def test_analysis_is_deterministic(flyt_bundle, tmp_path):
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
