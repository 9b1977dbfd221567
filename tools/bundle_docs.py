"""Write docs/bundle.md from the bundle's declaration (impact.bundle.reference.markdown).

python tools/bundle_docs.py          # rewrite docs/bundle.md
python tools/bundle_docs.py --check  # exit 1 if docs/bundle.md differs
"""

from __future__ import annotations

import sys
from pathlib import Path

from _generated import write_or_check

from impact.bundle.reference import markdown

TARGET = Path(__file__).resolve().parents[1] / "docs" / "bundle.md"


def main(argv: list[str]) -> int:
    return write_or_check(TARGET, markdown(), argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
