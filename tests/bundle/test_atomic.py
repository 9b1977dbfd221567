"""Atomic, complete bundles (issue 11, parts 2, 3 and 5): a killed, interrupted or refused run
never damages the last good bundle, and a reader refuses a bundle it cannot trust.

No MCMC here: bundles are small synthetic tables written through the Bundle API; the kill
test runs a tiny writer in a subprocess and SIGKILLs it at three points.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import textwrap
import time
from collections import namedtuple
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from contract.bundle import META, example
from study.projects import flyt_project, needs_study_run, simulated_flyt
from typer.testing import CliRunner

import impact
from impact.bundle import DEFAULT_BUNDLE_BYTES, SCHEMA_VERSION, Bundle
from impact.cli import app
from impact.errors import BundleError

ROOT = Path(__file__).resolve().parents[2]
#: Declared tables the hand-written bundles hold (any declared names would do).
TABLE_NAMES = ["yearly_flows", "ledger", "ledger_items", "scenarios", "tornado"]
SRC = Path(impact.__file__).resolve().parents[1]
runner = CliRunner()


def write(root: Path, *, seed: int = 1, n_tables: int = 3) -> Bundle:
    """A small complete bundle of programme ``flyt``."""
    rng = np.random.default_rng(seed)
    with Bundle.writing(root, "flyt") as bundle:
        bundle.update_metadata(**{**META, "seed": seed}, n_persons=1200)
        for name in TABLE_NAMES[:n_tables]:
            bundle.write_table(name, example(name, seed=int(rng.integers(1 << 30))))
        bundle.write_draws("npv", pd.DataFrame({"npv": rng.normal(size=200)}))
    return Bundle.open(root, "flyt")


def fingerprint(root: Path) -> dict[str, str]:
    """sha256 of every file of the current bundle, and where the link points."""
    current = (root / "flyt").resolve()
    link = root / "flyt"
    prints = {"link": os.readlink(link) if link.is_symlink() else "(a directory)"}
    for path in sorted(current.rglob("*")):
        if path.is_file():
            prints[path.relative_to(current).as_posix()] = hashlib.sha256(
                path.read_bytes()
            ).hexdigest()
    return prints


def leftovers(root: Path) -> list[str]:
    """Entries of ``root`` that are neither the link nor its target."""
    link = root / "flyt"
    target = os.readlink(link) if link.is_symlink() else "flyt"
    return sorted(p.name for p in root.iterdir() if p.name not in {"flyt", target})


# -- the switch -----------------------------------------------------------------------------
def test_a_bundle_becomes_current_only_when_complete(tmp_path: Path) -> None:
    old = write(tmp_path, seed=1)
    before = fingerprint(tmp_path)
    new = Bundle.create(tmp_path, "flyt")
    new.write_table("yearly_flows", example("yearly_flows"))
    assert new.path.parent == tmp_path and new.path != old.path
    assert fingerprint(tmp_path) == before  # the new one is written beside, not over
    assert Bundle.open(tmp_path, "flyt").metadata["seed"] == 1
    new.update_metadata(**{**META, "seed": 2})
    new.commit()
    assert (tmp_path / "flyt").is_symlink()
    current = Bundle.open(tmp_path, "flyt")
    assert current.path == new.path and current.metadata["seed"] == 2
    assert not old.path.exists() and leftovers(tmp_path) == []  # the old one is deleted
    done = current.metadata["completion"]
    assert done["schema_version"] == SCHEMA_VERSION and done["completed_at"]
    assert [f["path"] for f in done["files"]] == ["tables/yearly_flows.csv"]
    assert done["files"][0]["size"] == (new.path / "tables/yearly_flows.csv").stat().st_size


def test_a_complete_bundle_is_read_only(tmp_path: Path) -> None:
    bundle = write(tmp_path)
    with pytest.raises(BundleError, match="complete"):
        bundle.write_table("ledger", example("ledger"))
    with pytest.raises(BundleError, match="complete"):
        bundle.update_metadata(seed=3)


def test_an_exception_in_the_block_discards_the_new_bundle(tmp_path: Path) -> None:
    write(tmp_path)
    before = fingerprint(tmp_path)
    with pytest.raises(ZeroDivisionError), Bundle.writing(tmp_path, "flyt") as bundle:
        bundle.write_table("ledger", example("ledger"))
        _ = 1 / 0
    assert fingerprint(tmp_path) == before and leftovers(tmp_path) == []


def test_a_bundle_of_the_old_layout_is_refused_then_replaced(tmp_path: Path) -> None:
    legacy = tmp_path / "flyt"
    (legacy / "tables").mkdir(parents=True)
    (legacy / "metadata.json").write_text(json.dumps({"programme": "flyt"}))
    with pytest.raises(BundleError, match=r"older version of impact.*impact run flyt"):
        Bundle.open(tmp_path, "flyt")
    write(tmp_path)
    assert (tmp_path / "flyt").is_symlink() and leftovers(tmp_path) == []


# -- killed runs ------------------------------------------------------------------------------
WRITER = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import pandas as pd
    from impact.bundle import Bundle
    from contract.bundle import META, example

    root, point = sys.argv[1], sys.argv[2]
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst).name == "flyt":  # the switch itself
            print("switch", flush=True)
            time.sleep(60)
        real_replace(src, dst)

    os.replace = replace
    bundle = Bundle.create(root, "flyt")
    print("early", flush=True)
    if point == "early":
        time.sleep(60)
    for i in range(40):
        bundle.write_table("yearly_flows", example("yearly_flows", rows=1000, seed=i))
        if i == 20:
            print("mid", flush=True)
        time.sleep(0.02)
    bundle.update_metadata(**{**META, "seed": 99})
    bundle.commit()
    print("done", flush=True)
    """
)


@pytest.mark.parametrize("point", ["early", "mid", "switch"])
def test_a_killed_run_leaves_the_last_good_bundle_byte_identical(
    tmp_path: Path, point: str
) -> None:
    write(tmp_path, seed=1, n_tables=5)
    before = fingerprint(tmp_path)
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{ROOT / 'tests'}"}
    proc = subprocess.Popen(
        [sys.executable, str(script), str(tmp_path), point],
        stdout=subprocess.PIPE,
        text=True,
        env=env,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + 20
    for line in proc.stdout:
        if line.strip() == point or time.monotonic() > deadline:
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert line.strip() == point, f"the writer never reached {point!r}"
    assert fingerprint(tmp_path) == before
    assert Bundle.open(tmp_path, "flyt").metadata["seed"] == 1
    assert leftovers(tmp_path) not in ([], ["writer.py"])  # the half bundle is still there
    # the next run cleans up what the killed one left
    write(tmp_path, seed=2)
    assert leftovers(tmp_path) == ["writer.py"]
    assert Bundle.open(tmp_path, "flyt").metadata["seed"] == 2


# -- corrupted bundles ------------------------------------------------------------------------
def _truncate(path: Path) -> None:
    table = path / "tables" / f"{TABLE_NAMES[0]}.csv"
    table.write_bytes(table.read_bytes()[:40])


def _flip_byte(path: Path) -> None:
    table = path / "tables" / f"{TABLE_NAMES[1]}.csv"
    data = bytearray(table.read_bytes())
    data[10] = ord("9") if data[10] != ord("9") else ord("8")
    table.write_bytes(bytes(data))


def _metadata(edit):  # type: ignore[no-untyped-def]
    def apply(path: Path) -> None:
        meta = path / "metadata.json"
        meta.write_text(edit(meta.read_text()))

    return apply


def _without_completion(text: str) -> str:
    meta = json.loads(text)
    del meta["completion"]
    return json.dumps(meta)


def _older_schema(text: str) -> str:
    meta = json.loads(text)
    meta["completion"]["schema_version"] = SCHEMA_VERSION - 1
    return json.dumps(meta)


Corruption = namedtuple("Corruption", "damage message")
CORRUPTIONS = {
    "truncated table": Corruption(_truncate, r"corrupted: tables/yearly_flows.csv has 40 bytes"),
    "sha mismatch": Corruption(
        _flip_byte, r"corrupted: tables/ledger.csv does not match its sha256"
    ),
    "missing file": Corruption(
        lambda p: (p / "draws" / "npv.csv").unlink(), r"draws/npv.csv is missing"
    ),
    "bad json": Corruption(_metadata(lambda t: t[: len(t) // 2]), r"not valid JSON"),
    "empty list metadata": Corruption(_metadata(lambda t: "[]"), r"holds a list, not an object"),
    "no completion record": Corruption(_metadata(_without_completion), r"no completion record"),
    "older schema": Corruption(_metadata(_older_schema), rf"schema version {SCHEMA_VERSION - 1}"),
    "no metadata": Corruption(lambda p: (p / "metadata.json").unlink(), r"no metadata.json"),
}


@pytest.mark.parametrize("case", list(CORRUPTIONS))
def test_a_damaged_bundle_is_refused_with_the_fix(tmp_path: Path, case: str) -> None:
    bundle = write(tmp_path)
    CORRUPTIONS[case].damage(bundle.path)
    with pytest.raises(BundleError, match=CORRUPTIONS[case].message) as info:
        Bundle.open(tmp_path, "flyt")
    assert "Run `impact run flyt`" in str(info.value)


def test_impact_report_exits_nonzero_with_one_line(tmp_path: Path) -> None:
    project = flyt_project(tmp_path)
    bundle = write(project / "results")
    (bundle.path / "metadata.json").write_text("[]")
    result = runner.invoke(
        app, ["report", "flyt", "--project", str(project), "--engine", "builtin", "--to", "html"]
    )
    assert result.exit_code == 1
    assert "impact run flyt" in result.output and "Traceback" not in result.output


# -- faults become messages -------------------------------------------------------------------
def _deny_writes(monkeypatch: pytest.MonkeyPatch, directory: Path) -> None:
    """Make ``directory`` unwritable: chmod where that binds, else os.mkdir refuses (root)."""
    directory.chmod(0o500)
    if os.geteuid() == 0:  # root writes through chmod: refuse like the kernel would

        def mkdir(path, mode=0o777, *args, **kwargs):  # type: ignore[no-untyped-def]
            if Path(path).parent == directory:
                raise PermissionError(errno.EACCES, "Permission denied", str(path))
            return real_mkdir(path, mode, *args, **kwargs)

        real_mkdir = os.mkdir
        monkeypatch.setattr(os, "mkdir", mkdir)


@needs_study_run
def test_an_unwritable_results_directory_fails_before_the_analysis_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    project = flyt_project(tmp_path)  # no data/generated/ yet
    results = project / "results"
    results.mkdir()
    _deny_writes(monkeypatch, results)
    try:
        result = runner.invoke(app, ["run", "flyt", "--project", str(project), "--fast"])
        # the data directory does not exist: the writability check came first
        assert result.exit_code == 1, result.output
        assert "No permission to write the flyt results bundle" in result.output
        assert "--results" in result.output and "Traceback" not in result.output
    finally:
        results.chmod(0o700)


def test_too_little_free_space_is_refused_before_the_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    old = write(tmp_path)
    before = fingerprint(tmp_path)
    size = sum(f["size"] for f in old.metadata["completion"]["files"])
    usage = shutil.disk_usage(tmp_path)

    def free(n: int):  # type: ignore[no-untyped-def]
        return lambda path: usage._replace(free=n)

    monkeypatch.setattr(shutil, "disk_usage", free(size))  # less than the previous bundle + 10 %
    with pytest.raises(BundleError, match=r"Not enough free space for the flyt results bundle"):
        Bundle.create(tmp_path, "flyt")
    assert fingerprint(tmp_path) == before and leftovers(tmp_path) == []
    monkeypatch.setattr(shutil, "disk_usage", free(2 * size))  # estimated from the previous one
    Bundle.create(tmp_path, "flyt").discard()
    monkeypatch.setattr(
        shutil, "disk_usage", free(DEFAULT_BUNDLE_BYTES)
    )  # no previous: the default
    with pytest.raises(BundleError, match="Not enough free space"):
        Bundle.create(tmp_path, "unginvest")


def test_a_full_disk_while_writing_leaves_the_old_bundle_current(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write(tmp_path)
    before = fingerprint(tmp_path)

    def full(self, path, *args, **kwargs):  # type: ignore[no-untyped-def]
        Path(path).write_bytes(b"x,y\n1,")  # a half-written file, as a full disk leaves
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    with pytest.raises(BundleError, match=r"No space left on the device holding .* --results"):
        with Bundle.writing(tmp_path, "flyt") as bundle:
            bundle.write_table("ledger", example("ledger"))
            monkeypatch.setattr(pd.DataFrame, "to_csv", full)
            bundle.write_table("yearly_flows", example("yearly_flows"))
    assert fingerprint(tmp_path) == before and leftovers(tmp_path) == []


@pytest.fixture(scope="module")
def flyt_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Flyt simulated at scale 0.05: the data the generic stages read before a hook runs."""
    return simulated_flyt(tmp_path_factory.mktemp("flyt_data"))


def run_with_hook(project: Path) -> Any:
    """``impact run flyt --fast`` in ``project`` (its spec names the hook)."""
    return runner.invoke(app, ["run", "flyt", "--project", str(project), "--fast"])


@needs_study_run
def test_ctrl_c_during_impact_run_exits_130_and_keeps_the_old_bundle(
    tmp_path: Path, flyt_data: Path
) -> None:
    """Ctrl-C inside the run (here in the spec's [hooks] analysis, after the generic stages
    wrote their tables into the new bundle): exit 130 with one line, the old bundle current."""
    hook = """
        def extend(bundle, data, spec, *, fast, progress):
            raise KeyboardInterrupt
        """
    project = flyt_project(tmp_path, data=flyt_data, hook=hook, fit_bayes=False)
    results = project / "results"
    write(results)
    before = fingerprint(results)
    result = run_with_hook(project)
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output
    lines = result.output.strip().splitlines()
    assert [line for line in lines if "interrupted" in line] == lines[-1:]
    assert fingerprint(results) == before and leftovers(results) == []


@needs_study_run
def test_ctrl_c_swallowed_by_the_sampler_still_exits_130(tmp_path: Path, flyt_data: Path) -> None:
    """nutpie catches Ctrl-C and returns the draws so far; sample_model then raises
    SamplingError, and `impact run` still reports the interruption (measured: a real SIGINT
    during the Flyt fit returned 142 of 300 draws)."""
    hook = """
        import os, signal
        from impact.errors import SamplingError

        def extend(bundle, data, spec, *, fast, progress):
            try:  # what nutpie does with Ctrl-C
                os.kill(os.getpid(), signal.SIGINT)
            except KeyboardInterrupt:
                pass
            raise SamplingError("returned 4 chains x 142 draws; 4 x 300 were asked")
        """
    project = flyt_project(tmp_path, data=flyt_data, hook=hook, fit_bayes=False)
    results = project / "results"
    write(results)
    before = fingerprint(results)
    result = run_with_hook(project)
    assert result.exit_code == 130, result.output
    assert "Traceback" not in result.output and "SamplingError" not in result.output
    assert result.output.strip().splitlines()[-1].startswith("interrupted")
    assert fingerprint(results) == before and leftovers(results) == []
