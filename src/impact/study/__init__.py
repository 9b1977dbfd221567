"""Study specifications and the generic analysis they drive.

A programme is described, not copied: ``studies/<name>.toml`` (see :mod:`impact.study.spec`
and ``docs/studies.md``) is read by :func:`load_spec`; :func:`load_study_data` reads and
validates its data; :func:`run_study` runs what the design calls for and writes the results
bundle; the generic report reads the bundle.
"""

from typing import TYPE_CHECKING, Any

from impact.study.inputs import StudyData, declaration, load_study_data
from impact.study.project import Project
from impact.study.spec import DESIGNS, IMPLEMENTED_DESIGNS, SpecError, StudySpec, load_spec

if TYPE_CHECKING:
    from impact.study.run import run_study

__all__ = [
    "DESIGNS",
    "IMPLEMENTED_DESIGNS",
    "Project",
    "SpecError",
    "StudyData",
    "StudySpec",
    "declaration",
    "load_spec",
    "load_study_data",
    "run_study",
]


def __getattr__(name: str) -> Any:
    # the estimators load on first use: `impact validate` needs only the data layer
    if name == "run_study":
        from impact.study.run import run_study

        return run_study
    raise AttributeError(f"module 'impact.study' has no attribute {name!r}")
