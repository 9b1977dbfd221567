"""Synthetic register-like populations with known true effects; schemas; cells."""

from impact.data.cells import to_cells
from impact.data.schemas import validate
from impact.data.simulate import DEFAULT_SEED, SCENARIOS, SyntheticData, simulate

__all__ = ["DEFAULT_SEED", "SCENARIOS", "SyntheticData", "simulate", "to_cells", "validate"]
