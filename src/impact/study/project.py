"""Where a project keeps its specs, data, results and reports.

Every ``impact`` command takes ``--project DIR`` (default: the current directory) and finds
everything under it: ``studies/<name>.toml``, synthetic data in ``data/generated/``,
register extracts where the spec says (relative to the project), results bundles in
``results/`` and rendered reports in ``reports/_output/``. When something is missing the
error says where it looked.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from impact.study.spec import SpecError, StudySpec, load_spec

__all__ = ["Project"]


@dataclass(frozen=True)
class Project:
    """A project directory and the places in it (all absolute).

    ``data_dir`` and ``results_dir`` optionally put the synthetic data and the results
    bundles elsewhere than ``data/generated`` and ``results`` under the root (a temporary
    directory in tests and tools); relative ones are taken from the root.
    """

    root: Path
    data_dir: Path | None = None
    results_dir: Path | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root).resolve())
        for name in ("data_dir", "results_dir"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, self.resolve(value).resolve())

    @property
    def studies(self) -> Path:
        return self.root / "studies"

    @property
    def data(self) -> Path:
        """Synthetic data written by ``impact simulate``."""
        return self.data_dir if self.data_dir is not None else self.root / "data" / "generated"

    @property
    def results(self) -> Path:
        return self.results_dir if self.results_dir is not None else self.root / "results"

    @property
    def reports(self) -> Path:
        return self.root / "reports" / "_output"

    def names(self) -> list[str]:
        """The programmes with a spec, sorted."""
        if not self.studies.is_dir():
            return []
        return sorted(p.stem for p in self.studies.glob("*.toml"))

    def spec_path(self, name: str) -> Path:
        return self.studies / f"{name}.toml"

    def spec(self, name: str) -> StudySpec:
        """Read ``studies/<name>.toml``; a missing one names the directory and what is there."""
        path = self.spec_path(name)
        if not path.is_file():
            found = self.names()
            there = f"specs there: {', '.join(found)}" if found else "there are no specs there"
            close = difflib.get_close_matches(name, found, n=1)
            if close:
                there += f"; did you mean {close[0]!r}?"
            raise SpecError(
                f"No study specification {name!r}: looked for {path} ({there}). Write one with "
                f"`impact new {name}`, or pass --project DIR for a project elsewhere."
            )
        spec = load_spec(path)
        if spec.programme.name != name:
            raise SpecError(
                f"{path}: [programme] name = {spec.programme.name!r} differs from the file name; "
                f"name the file {spec.programme.name}.toml or set name = {name!r}."
            )
        return spec

    def resolve(self, relative: str | Path) -> Path:
        """A path from a spec, relative to the project root."""
        path = Path(relative)
        return path if path.is_absolute() else self.root / path
