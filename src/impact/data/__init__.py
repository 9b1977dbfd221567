"""Register extracts in; declared and fixed schemas; synthetic scenarios with known truth; cells."""

from impact.data.cells import to_cells
from impact.data.declaration import (
    MOVER_RULES,
    OUTCOME_TYPES,
    DataDeclaration,
    OutcomeDeclaration,
    ValidatedData,
    validate_declared,
)
from impact.data.extracts import EXTRACT_FORMATS, read_extract
from impact.data.io import load, save
from impact.data.schemas import validate
from impact.data.simulate import DEFAULT_SEED, SCENARIOS, SyntheticData, simulate

__all__ = [
    "DEFAULT_SEED",
    "EXTRACT_FORMATS",
    "MOVER_RULES",
    "OUTCOME_TYPES",
    "SCENARIOS",
    "DataDeclaration",
    "OutcomeDeclaration",
    "SyntheticData",
    "ValidatedData",
    "load",
    "read_extract",
    "save",
    "simulate",
    "to_cells",
    "validate",
    "validate_declared",
]
