"""``impact run flyt`` that stops at a named point, so a test can kill it there or change the
disk under it (tests/bundle/test_faults.py).

Usage: ``python paused_run.py POINT [impact arguments ...]``

The analysis is the real one (the generic analysis of ``studies/flyt.toml``, through
``impact run flyt --project DIR``) with PyMC's mock sampler (prior draws instead of MCMC: the wiring and the files are under test, not the
posterior). At ``POINT`` the script prints the point's name on stdout and waits until the file
named by ``$PAUSE_UNTIL`` exists (at most 120 s), then goes on:

``estimation``
    inside the sampler call of the hierarchical DiD (the Bayesian stage);
``netcdf``
    inside the netCDF write of its InferenceData, with the file open and the third variable
    being written (h5py ``Dataset.__setitem__``);
``switch``
    after ``metadata.json`` with the completion record is written, just before the symbolic
    link is renamed over ``results/flyt`` (``os.replace``);
``none``
    no pause.

Nothing here is library code: the hooks are patched in this process only.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any


def pause(point: str) -> None:
    print(point, flush=True)
    until = os.environ.get("PAUSE_UNTIL")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not (until and Path(until).exists()):
        time.sleep(0.05)


def main(point: str, argv: list[str]) -> None:
    import h5py
    import pymc as pm
    from pymc.testing import mock_sample_setup_and_teardown

    mocking = mock_sample_setup_and_teardown()
    next(mocking)
    if point == "estimation":
        mock = pm.sample

        def sample(*args: Any, **kwargs: Any) -> Any:
            pause(point)
            return mock(*args, **kwargs)

        pm.sample = sample
    elif point == "netcdf":
        setitem = h5py.Dataset.__setitem__
        calls = [0]

        def write(self: Any, key: Any, value: Any) -> None:
            calls[0] += 1
            if calls[0] == 3:
                pause(point)
            setitem(self, key, value)

        h5py.Dataset.__setitem__ = write  # type: ignore[method-assign]
    elif point == "switch":
        replace = os.replace

        def swap(src: Any, dst: Any) -> None:
            if Path(dst).name == "flyt" and str(src).endswith(".link"):
                pause(point)
            replace(src, dst)

        os.replace = swap
    elif point != "none":
        raise SystemExit(f"unknown point {point!r}")

    from impact.cli import app

    app(argv, prog_name="impact")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2:])
