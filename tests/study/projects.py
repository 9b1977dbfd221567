"""Throw-away projects for tests of the `impact` command: a tmp directory with studies/,
data/generated/ and (optionally) a programme-specific hook, laid out as
:class:`impact.study.Project` expects."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _has_study_run() -> bool:
    """The generic analysis (branch study-run: impact.study.run, impact.study.inputs)."""
    try:
        import impact.study.inputs
        import impact.study.run  # noqa: F401
    except ImportError:
        return False
    return True


HAS_STUDY_RUN = _has_study_run()
NEEDS_STUDY_RUN = (
    "needs impact.study.run.run_study and impact.study.inputs.load_study_data "
    "(branch study-run), not merged yet"
)
needs_study_run = pytest.mark.skipif(not HAS_STUDY_RUN, reason=NEEDS_STUDY_RUN)


def flyt_project(
    root: Path,
    *,
    data: Path | None = None,
    hook: str | None = None,
    fit_bayes: bool = True,
) -> Path:
    """``root`` as a project holding ``studies/flyt.toml`` (the repository's spec).

    data
        A directory of simulated scenarios (``save(sim, data)``) copied to data/generated/.
    hook
        Source of a Python file with ``extend(bundle, data, spec, *, fast, progress)``, written
        to analyses/hook.py and named in the spec's ``[hooks] analysis``.
    fit_bayes
        False sets ``[bayes] fit = false`` (a quicker run).
    """
    (root / "studies").mkdir(parents=True, exist_ok=True)
    text = (ROOT / "studies" / "flyt.toml").read_text(encoding="utf-8")
    if not fit_bayes:
        assert "\n[bayes]\n" in text
        text = text.replace("\n[bayes]\n", "\n[bayes]\nfit = false\n", 1)
    if hook is not None:
        assert "[hooks]" not in text
        (root / "analyses").mkdir(exist_ok=True)
        (root / "analyses" / "hook.py").write_text(textwrap.dedent(hook), encoding="utf-8")
        text += '\n[hooks]\nanalysis = "analyses/hook.py"\n'
    (root / "studies" / "flyt.toml").write_text(text, encoding="utf-8")
    if data is not None:
        shutil.copytree(data, root / "data" / "generated", dirs_exist_ok=True)
    return root


def simulated_flyt(directory: Path) -> Path:
    """Flyt simulated at scale 0.05 (seed 3) into ``directory/flyt/``: small data the generic
    stages read quickly."""
    from impact.data import simulate
    from impact.data.io import save

    save(simulate("flyt", seed=3, scale=0.05), directory)
    return directory
