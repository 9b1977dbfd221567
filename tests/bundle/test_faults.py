"""Faults around a real analysis (issue 11, part 5): killed runs, full and read-only disks,
write errors that are not OSErrors, and a bundle replaced while a report reads it.

The runs are the real Flyt analysis (``impact run flyt --fast --project DIR``: the generic
analysis of studies/flyt.toml on data simulated at scale 0.05) with PyMC's mock sampler, in a
subprocess (tests/bundle/paused_run.py) that stops at a named point so the test can SIGKILL it
there. They need the generic analysis (impact.study.run, branch study-run) and skip until it
is there. The disk tests mount a small tmpfs and skip
(saying why) when they cannot: they need root and a kernel that lets the container mount.
"""

from __future__ import annotations

import errno
import json
import os
import select
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from study.projects import (
    HAS_STUDY_RUN,
    NEEDS_STUDY_RUN,
    flyt_project,
    needs_study_run,
    simulated_flyt,
)
from typer.testing import CliRunner

import impact
from impact.bundle import Bundle
from impact.bundle.atomic import (
    IDATA_MARGIN,
    idata_bytes,
    os_errors,
    reading,
    replaced,
)
from impact.cli import app
from impact.errors import BundleError, DataError

from .test_atomic import fingerprint, leftovers

pytestmark = pytest.mark.xdist_group("bundle_faults")  # one baseline run per worker

ROOT = Path(__file__).resolve().parents[2]
SRC = Path(impact.__file__).resolve().parents[1]
PAUSED_RUN = Path(__file__).with_name("paused_run.py")
runner = CliRunner()


# -- helpers --------------------------------------------------------------------------------
def small_bundle(root: Path, *, seed: int = 1) -> Bundle:
    """A small complete ``flyt`` bundle written by hand with declared names only."""
    rng = np.random.default_rng(seed)
    descriptives = pd.DataFrame(
        {
            "group": ["comparison", "adopting"],
            "year": [2018, 2018],
            "n_persons": [400, 300],
            "n_outcome": [300, 210],
            "rate": [0.75, 0.70],
        }
    )
    with Bundle.writing(root, "flyt", expected_bytes=1) as bundle:
        bundle.write_table("descriptives", descriptives)
        bundle.write_draws("npv", pd.DataFrame({"npv": rng.normal(size=200)}))
        bundle.update_metadata(**metadata(seed))
    return Bundle.open(root, "flyt")


def metadata(seed: int) -> dict[str, Any]:
    return {
        "scenario": "flyt",
        "seed": seed,
        "impact_version": impact.__version__,
        "created_by": "tests/bundle/test_faults.py",
        "outcome": "completed_vgs",
        "synthetic": True,
    }


def paused_run(point: str, project: Path, results: Path, *, until: Path | None = None) -> Any:
    """Start ``impact run flyt --fast`` on ``project`` in a subprocess, writing into
    ``results``, and wait until it reaches ``point``."""
    env = {**os.environ, "PYTHONPATH": str(SRC), "MPLBACKEND": "Agg"}
    if until is not None:
        env["PAUSE_UNTIL"] = str(until)
    stderr = (results.parent / f"{point}.stderr").open("w")
    proc = subprocess.Popen(
        [sys.executable, str(PAUSED_RUN), point, "run", "flyt", "--fast", "--project",
         str(project), "--results", str(results)],
        stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
    )  # fmt: skip
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], 300)  # never hang the suite
    line = proc.stdout.readline().strip() if ready else "(nothing within 300 s)"
    if line != point:
        proc.kill()
        proc.communicate(timeout=10)
        stderr.close()
        tail = (results.parent / f"{point}.stderr").read_text()[-2000:]
        pytest.fail(f"the run never reached {point!r} (printed {line!r}); stderr:\n{tail}")
    stderr.close()
    return proc


def generations(results: Path) -> list[Path]:
    """Generation directories that are not the current bundle (what killed runs left)."""
    return [results / name for name in leftovers(results) if not name.endswith(".link")]


@pytest.fixture(scope="module")
def flyt_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A project with studies/flyt.toml and its data simulated at scale 0.05, and a complete
    bundle in its results/ from a real (mock-sampled) run."""
    from impact.data import simulate
    from impact.data.io import save

    if not HAS_STUDY_RUN:
        pytest.skip(NEEDS_STUDY_RUN)
    tmp = flyt_project(tmp_path_factory.mktemp("flyt_run"))
    save(simulate("flyt", seed=3, scale=0.05), tmp / "data" / "generated")
    done = subprocess.run(
        [sys.executable, str(PAUSED_RUN), "none", "run", "flyt", "--fast", "--project",
         str(tmp)],
        capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(SRC), "MPLBACKEND": "Agg"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    Bundle.open(tmp / "results", "flyt")
    return tmp, tmp / "results"


@pytest.fixture
def previous(flyt_run: tuple[Path, Path], tmp_path: Path) -> tuple[Path, Path]:
    """The baseline project and a private copy of its results directory (the link and its
    generation)."""
    project, results = flyt_run
    shutil.copytree(results, tmp_path / "results", symlinks=True)
    return project, tmp_path / "results"


def mounted(path: Path, options: str) -> None:
    """Mount a tmpfs at ``path`` or skip the test, saying why."""
    if os.geteuid() != 0:
        pytest.skip(
            "mounting a tmpfs needs root; the monkeypatched disk tests in test_atomic.py cover this"
        )
    if shutil.which("mount") is None:
        pytest.skip("no mount command")
    path.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True, text=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.strip() or done.returncode})")


@pytest.fixture
def tmpfs(tmp_path: Path) -> Iterator[Any]:
    """``tmpfs(size)`` mounts a tmpfs of that size (e.g. "64m") and returns its path; each is
    unmounted at the end of the test."""
    mounts: list[Path] = []

    def mount(size: str) -> Path:
        path = tmp_path / f"tmpfs{len(mounts)}"
        mounted(path, f"size={size},mode=0755")
        mounts.append(path)
        return path

    yield mount
    for path in reversed(mounts):
        if subprocess.run(["umount", str(path)], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", str(path)], capture_output=True)


def remount_read_only(path: Path) -> None:
    done = subprocess.run(["mount", "-o", "remount,ro", str(path)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot remount the tmpfs read-only ({done.stderr.strip()})")


def fill(path: Path, *, leave: int) -> None:
    """Write a ballast file so that about ``leave`` bytes stay free on ``path``'s device."""
    free = shutil.disk_usage(path).free
    with (path / "ballast").open("wb") as fh:
        block = b"\0" * (1 << 20)
        remaining = max(free - leave, 0)
        while remaining > 0:
            n = fh.write(block[: min(len(block), remaining)])
            remaining -= n
        fh.flush()
        os.fsync(fh.fileno())


def render_html(results: Path, out: Path) -> str:
    """``impact report flyt --engine builtin --to html`` in a project with a copy of reports/;
    the HTML."""
    work = flyt_project(out / "work")
    shutil.copytree(ROOT / "reports", work / "reports")
    done = subprocess.run(
        [sys.executable, "-m", "impact.cli", "report", "flyt", "--project", str(work),
         "--engine", "builtin", "--to", "html", "--results", str(results)],
        cwd=work, capture_output=True, text=True, timeout=300,
        env={**os.environ, "PYTHONPATH": str(SRC), "MPLBACKEND": "Agg"},
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-3000:]
    return (work / "reports" / "_output" / "flyt.html").read_text(encoding="utf-8")


# -- 1. killed runs -----------------------------------------------------------------------------
def test_a_killed_flyt_run_leaves_the_previous_bundle_byte_identical(
    previous: tuple[Path, Path], tmp_path: Path
) -> None:
    """SIGKILL at three points of a real run; each time the previous bundle is byte-identical
    (sha256 of every file, the link target) and opens; the next run deletes what the killed one
    left; the report renders the previous bundle."""
    project, results = previous
    before = fingerprint(results)
    left: list[Path] = []
    for point in ("estimation", "netcdf", "switch"):
        proc = paused_run(point, project, results)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert fingerprint(results) == before, point
        assert Bundle.open(results, "flyt").path.name == before["link"]
        partial = generations(results)
        # this run's create deleted the generation the previous killed run left
        assert len(partial) == 1 and partial[0] not in left, (point, partial, left)
        left = partial
        written = partial[0]
        assert (written / "tables" / "descriptives.csv").is_file()  # estimation had begun
        netcdf = written / "idata" / "hierarchical_did.nc"
        meta = json.loads((written / "metadata.json").read_text())
        if point == "estimation":
            assert not netcdf.exists() and "completion" not in meta
        elif point == "netcdf":
            assert netcdf.is_file() and "completion" not in meta
        else:  # the completion record was written, the link not yet swapped
            assert "completion" in meta and netcdf.is_file()
    html = render_html(results, tmp_path)
    assert "Konklusjon" in html
    # the next run deletes the partial generation first (this one then stops: no data there)
    empty = flyt_project(tmp_path / "no-data")
    result = runner.invoke(
        app, ["run", "flyt", "--project", str(empty), "--results", str(results), "--fast"]
    )
    assert result.exit_code == 1 and "impact simulate flyt" in result.output, result.output
    assert generations(results) == [] and leftovers(results) == []
    assert fingerprint(results) == before


# -- 2. full and read-only disks ------------------------------------------------------------------
WRITE_IDATA = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    import numpy as np, arviz as az
    from impact.bundle import Bundle
    from impact.bundle.atomic import check_idata_room, os_errors
    from impact.errors import BundleError

    root, checked = Path(sys.argv[1]), sys.argv[2] == "checked"
    rng = np.random.default_rng(1)
    n = 10_000  # 4 chains x 100 draws x 10,000 cells, three groups: 96 MB in memory
    idata = az.from_dict(
        posterior={"mu": rng.normal(size=(4, 100, n))},
        posterior_predictive={"y": rng.normal(size=(4, 100, n))},
        log_likelihood={"y": rng.normal(size=(4, 100, n))},
        observed_data={"y": rng.normal(size=n)},
    )
    try:
        with Bundle.writing(root, "flyt") as bundle:
            target = bundle.path / "idata" / "hierarchical_did.nc"
            if checked:  # the line store.write_idata gets, then the write
                check_idata_room(bundle.path, "flyt", idata, target=target)
                bundle.write_idata("hierarchical_did", idata)
            else:  # the write alone, as store.write_idata does it without the check
                with os_errors(root, "flyt", target=target):
                    idata.to_netcdf(str(target))
    except BundleError as exc:
        print(exc)
        sys.exit(1)
    """
)


def test_without_the_room_check_h5py_kills_the_process_on_a_full_disk(
    tmpfs: Any, tmp_path: Path
) -> None:
    """Why :func:`check_idata_room` exists: h5py 3.16 raises ENOSPC, then aborts or segfaults
    while closing the file (issue 11 saw a SEGFAULT). If this test starts failing, h5py has
    stopped crashing and the check could be relaxed."""
    disk = tmpfs("8m")
    small_bundle(disk)
    before = fingerprint(disk)
    script = tmp_path / "write_idata.py"
    script.write_text(WRITE_IDATA)
    done = subprocess.run(
        [sys.executable, str(script), str(disk), "unchecked"], capture_output=True, text=True,
        timeout=120, env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip
    assert done.returncode in (-signal.SIGSEGV, -signal.SIGABRT), (
        done.returncode,
        done.stderr[-800:],
    )
    # the crash comes while h5py closes the file, sometimes after the BundleError and the
    # discard: the previous bundle is untouched either way, and the next run deletes a partial
    assert fingerprint(disk) == before, done.stdout


def test_an_idata_that_may_not_fit_is_refused_before_h5py_writes(
    tmpfs: Any, tmp_path: Path
) -> None:
    disk = tmpfs("8m")
    small_bundle(disk)
    before = fingerprint(disk)
    script = tmp_path / "write_idata.py"
    script.write_text(WRITE_IDATA)
    done = subprocess.run(
        [sys.executable, str(script), str(disk), "checked"], capture_output=True, text=True,
        timeout=120, env={**os.environ, "PYTHONPATH": str(SRC)},
    )  # fmt: skip
    assert done.returncode == 1, (done.returncode, done.stderr[-800:])
    assert "Not enough free space to write" in done.stdout and "hierarchical_did.nc" in done.stdout
    assert "8 MB free" in done.stdout and "up to 113 MB needed" in done.stdout, done.stdout
    assert "--results <dir>" in done.stdout
    assert fingerprint(disk) == before and leftovers(disk) == []


def test_idata_bytes_is_the_in_memory_size_of_every_group() -> None:
    import arviz as az

    idata = az.from_dict(
        posterior={"mu": np.zeros((2, 50, 10))}, observed_data={"y": np.zeros(10, dtype=np.int32)}
    )
    expected = sum(int(idata[g].nbytes) for g in ("posterior", "observed_data"))
    assert idata_bytes(idata) == expected >= 2 * 50 * 10 * 8 + 40


def test_a_csv_write_on_a_full_disk_becomes_a_message(tmpfs: Any) -> None:
    disk = tmpfs("2m")
    small_bundle(disk)
    before = fingerprint(disk)
    big = pd.DataFrame(
        {"group": "adopting", "year": 2020, "n_persons": np.arange(200_000), "n_outcome": 1,
         "rate": 0.5}
    )  # fmt: skip
    with pytest.raises(
        BundleError, match=r"No space left on the device holding .*descriptives.csv"
    ) as info:
        with Bundle.writing(disk, "flyt") as bundle:
            fill(disk, leave=64 << 10)
            bundle.write_table("descriptives", big)
    assert isinstance(info.value.__cause__, OSError)
    assert info.value.__cause__.errno == errno.ENOSPC
    (disk / "ballast").unlink()
    assert fingerprint(disk) == before and leftovers(disk) == []


@needs_study_run
def test_a_read_only_results_directory_fails_at_once_with_the_fix(
    tmpfs: Any, tmp_path: Path
) -> None:
    disk = tmpfs("2m")
    small_bundle(disk)
    before = fingerprint(disk)
    remount_read_only(disk)
    empty = flyt_project(tmp_path / "no-data")
    result = runner.invoke(
        app, ["run", "flyt", "--project", str(empty), "--results", str(disk), "--fast"]
    )
    assert result.exit_code == 1, result.output
    assert "No permission to write the flyt results bundle" in result.output
    assert "Traceback" not in result.output
    assert fingerprint(disk) == before and Bundle.open(disk, "flyt").metadata["seed"] == 1


def test_write_idata_checks_room_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import arviz as az

    small_bundle(tmp_path)
    before = fingerprint(tmp_path)
    idata = az.from_dict(posterior={"mu": np.zeros((4, 100, 100))})
    with pytest.raises(BundleError, match="Not enough free space to write"):
        with Bundle.writing(tmp_path, "flyt") as bundle:
            usage = shutil.disk_usage(tmp_path)
            monkeypatch.setattr(shutil, "disk_usage", lambda p: usage._replace(free=IDATA_MARGIN))
            bundle.write_idata("hierarchical_did", idata)
    monkeypatch.undo()
    assert fingerprint(tmp_path) == before and leftovers(tmp_path) == []


@pytest.mark.slow
def test_a_disk_that_fills_during_a_flyt_run_gives_a_message(
    flyt_run: tuple[Path, Path], tmpfs: Any, tmp_path: Path
) -> None:
    """The real run on a tmpfs that fills while it estimates: exit 1 with the message, the
    previous bundle byte-identical, nothing left behind."""
    project, baseline = flyt_run
    size = sum(p.stat().st_size for p in baseline.rglob("*") if p.is_file())
    disk = tmpfs(f"{int(size * 2.4) >> 20}m")
    shutil.copytree(baseline, disk / "results", symlinks=True)
    results = disk / "results"
    before = fingerprint(results)
    go = tmp_path / "go"
    proc = paused_run("estimation", project, results, until=go)
    fill(disk, leave=30 << 20)
    go.touch()
    proc.communicate(timeout=300)
    err = (results.parent / "estimation.stderr").read_text()
    assert proc.returncode == 1, (proc.returncode, err[-1500:])
    assert "Not enough free space to write" in err and "Traceback" not in err
    assert fingerprint(results) == before and leftovers(results) == []


# -- 3. write errors that are not OSErrors --------------------------------------------------------
def _mixed_idata() -> Any:
    import arviz as az

    mixed = np.array([1, "a", None, 2.5], dtype=object).reshape(1, 4)  # no netCDF dtype
    return az.from_dict(posterior={"mu": mixed})


def test_a_netcdf_encoding_error_becomes_a_bundle_error_and_the_bundle_is_discarded(
    tmp_path: Path,
) -> None:
    small_bundle(tmp_path)
    before = fingerprint(tmp_path)
    with pytest.raises(BundleError) as info:
        with Bundle.writing(tmp_path, "flyt") as bundle:
            bundle.write_idata("hierarchical_did", _mixed_idata())
    message = str(info.value)
    assert "idata/hierarchical_did.nc" in message and "xarray raised ValueError" in message
    assert "a bug to report" in message and "previous bundle is unchanged" in message
    assert isinstance(info.value.__cause__, ValueError)
    assert fingerprint(tmp_path) == before and leftovers(tmp_path) == []


def _raised_in(module: str, exc: BaseException) -> Any:
    """A function whose frame belongs to ``module`` (as h5py's own code would) and raises."""
    namespace: dict[str, Any] = {"__name__": module, "exc": exc}
    exec(compile("def close():\n    raise exc\n", f"<{module}>", "exec"), namespace)
    return namespace["close"]


H5PY_FULL = (
    "Can't decrement id ref count (file write failed: time = Tue Dec  1 17:24:55 2026\n, "
    "filename = 'h.nc', file descriptor = 4, errno = 28, error message = 'No space left on "
    "device', buf = 0x55a061b3a3e0, total write size = 2450)"
)


@pytest.mark.parametrize(
    ("module", "exc", "message"),
    [
        ("h5py._hl.files", RuntimeError(H5PY_FULL), r"No space left on the device holding"),
        ("h5py._hl.dataset", ValueError("Unable to create dataset"), r"h5py raised ValueError"),
        ("h5netcdf.core", TypeError("bad attribute"), r"h5netcdf raised TypeError: bad attr"),
        ("pandas.io.formats.csvs", UnicodeEncodeError("ascii", "ø", 0, 1, "x"), r"pandas raised"),
        ("impact.report.tables", OSError(errno.EROFS, "Read-only file system"), r"No permission"),
    ],
)
def test_writer_errors_become_bundle_errors_naming_the_path(
    tmp_path: Path, module: str, exc: Exception, message: str
) -> None:
    target = tmp_path / "idata" / "x.nc"
    with pytest.raises(BundleError, match=message) as info:
        with os_errors(tmp_path, "flyt", target=target):
            _raised_in(module, exc)()
    assert str(target) in str(info.value) and info.value.__cause__ is exc


@pytest.mark.parametrize("exc", [ZeroDivisionError("bug"), KeyError("x"), TypeError("bug")])
def test_a_bug_outside_the_writers_passes_unchanged(tmp_path: Path, exc: Exception) -> None:
    with pytest.raises(type(exc)) as info, os_errors(tmp_path, "flyt"):
        _raised_in("impact.cba.ledger", exc)()
    assert info.value is exc


@needs_study_run
def test_impact_run_shows_a_write_error_as_one_message(tmp_path: Path) -> None:
    """A write that fails with a non-OSError (here in the spec's [hooks] analysis, after the
    generic stages): one message naming the file, the previous bundle unchanged."""
    hook = """
        import numpy as np, arviz as az

        def extend(bundle, data, spec, *, fast, progress):
            mixed = np.array([1, "a", None, 2.5], dtype=object).reshape(1, 4)
            bundle.write_idata("hierarchical_did", az.from_dict(posterior={"mu": mixed}))
        """
    data = simulated_flyt(tmp_path / "simulated")
    project = flyt_project(tmp_path / "project", data=data, hook=hook, fit_bayes=False)
    results = project / "results"
    small_bundle(results)
    before = fingerprint(results)
    result = runner.invoke(app, ["run", "flyt", "--project", str(project), "--fast"])
    assert result.exit_code == 1, result.output
    out = " ".join(result.output.split())
    assert "error: Could not write the flyt results bundle at" in out and "Traceback" not in out
    assert "hierarchical_did.nc: xarray raised ValueError: unable to infer dtype" in out
    assert fingerprint(results) == before and leftovers(results) == []


# -- 4. a bundle replaced while a report reads it -------------------------------------------------
def test_a_read_of_a_replaced_bundle_says_to_run_the_report_again(tmp_path: Path) -> None:
    old = small_bundle(tmp_path, seed=1)
    with reading(old.path):
        assert len(old.read_table("descriptives")) == 2
    assert not replaced(old.path)
    small_bundle(tmp_path, seed=2)  # a new run commits and deletes the old generation
    assert replaced(old.path) and not old.path.exists()
    for read in (lambda: old.read_table("descriptives"), lambda: old.read_draws("npv")):
        with pytest.raises(BundleError, match=r"was replaced .*run the report again") as info:
            with reading(old.path, "flyt"):
                read()
        assert isinstance(info.value.__cause__, DataError)
    with pytest.raises(BundleError, match=r"flyt results bundle in .* was replaced"):
        with reading(old.path):  # the programme from the generation's name
            pd.read_csv(old.path / "tables" / "descriptives.csv")


def test_a_failed_read_of_the_current_bundle_passes_unchanged(tmp_path: Path) -> None:
    bundle = small_bundle(tmp_path)
    with pytest.raises(DataError, match="has no table 'ledger'"), reading(bundle.path):
        bundle.read_table("ledger")
    (bundle.path / "draws" / "npv.csv").write_text("")
    with pytest.raises(BundleError, match="does not match the declaration"), reading(bundle.path):
        bundle.read_draws("npv")


def test_a_generation_renamed_away_counts_as_replaced(tmp_path: Path) -> None:
    bundle = small_bundle(tmp_path)
    (tmp_path / "flyt").unlink()  # the link gone (results removed while reading)
    assert replaced(bundle.path)


def test_the_bundle_reads_inside_reading(tmp_path: Path) -> None:
    old = small_bundle(tmp_path, seed=1)
    small_bundle(tmp_path, seed=2)
    with pytest.raises(BundleError, match="run the report again"):
        old.read_table("descriptives")
