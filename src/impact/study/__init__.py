"""Study specifications and the generic analysis they drive.

A programme is described, not copied: ``studies/<name>.toml`` (see :mod:`impact.study.spec`
and ``docs/studies.md``) is read by :func:`load_spec`; :func:`run_study` runs what the design
calls for and writes the results bundle; the generic report reads the bundle.
"""

from impact.study.project import Project
from impact.study.spec import DESIGNS, IMPLEMENTED_DESIGNS, SpecError, StudySpec, load_spec

__all__ = ["DESIGNS", "IMPLEMENTED_DESIGNS", "Project", "SpecError", "StudySpec", "load_spec"]
