"""Write docs/bundle.md from the bundle's declaration (impact.bundle.reference.markdown).

python tools/bundle_docs.py          # rewrite docs/bundle.md
python tools/bundle_docs.py --check  # exit 1 if docs/bundle.md differs
"""

from __future__ import annotations

import sys
from pathlib import Path

from impact.bundle.reference import markdown

TARGET = Path(__file__).resolve().parents[1] / "docs" / "bundle.md"


def main(argv: list[str]) -> int:
    text = markdown()
    if "--check" in argv:
        same = TARGET.is_file() and TARGET.read_text(encoding="utf-8") == text
        print("docs/bundle.md is up to date" if same else "docs/bundle.md differs: rerun")
        return 0 if same else 1
    TARGET.write_text(text, encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
