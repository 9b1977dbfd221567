"""Synthetic register-like populations with known true effects; schemas; cells."""

from impact.data.cells import to_cells
from impact.data.io import load, save
from impact.data.schemas import validate
from impact.data.simulate import DEFAULT_SEED, SCENARIOS, SyntheticData, simulate

__all__ = [
    "DEFAULT_SEED",
    "SCENARIOS",
    "SyntheticData",
    "load",
    "save",
    "simulate",
    "to_cells",
    "validate",
]
