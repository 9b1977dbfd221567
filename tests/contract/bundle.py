"""Frames that pass the bundle's declaration, for tests that write bundles by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact.bundle.tables import DRAWS, TABLES

_DEFAULTS = {"int": 0, "float": 0.0, "bool": False, "str": "x", "code": "0"}


def declared(name: str, frame: pd.DataFrame, *, draws: bool = False) -> pd.DataFrame:
    """``frame`` with every declared column of bundle table ``name`` it lacks (a neutral
    value, or missing where the column may be missing): fixtures set what the tests read
    and still pass the writer's check of the declaration."""
    spec = (DRAWS if draws else TABLES)[name]
    out = frame.copy()
    for column in spec.columns:
        if column.name not in out:
            default = column.values[0] if column.values else _DEFAULTS[column.dtype]
            out[column.name] = None if column.nullable else default
    return out


def example(name: str, *, rows: int = 50, seed: int = 0) -> pd.DataFrame:
    """A whole random frame of bundle table ``name`` (floats random, the rest neutral)."""
    rng = np.random.default_rng(seed)
    spec = TABLES[name]
    frame = pd.DataFrame(
        {c.name: rng.normal(size=rows) for c in spec.columns if c.dtype == "float"}
    )
    return declared(name, frame.reindex(range(rows)))


META = {
    "seed": 1,
    "impact_version": "0.0.0",
    "created_by": "tests",
    "outcome": "completed_vgs",
    "synthetic": True,
}
"""The metadata every complete bundle must hold besides ``programme``."""
