"""Shared by the generators of documentation pages (bundle_docs.py, spec_docs.py): write the
page, or with ``--check`` say whether the committed one matches (exit 1 when it does not)."""

from __future__ import annotations

from pathlib import Path


def write_or_check(target: Path, text: str, argv: list[str]) -> int:
    name = f"docs/{target.name}"
    if "--check" in argv:
        same = target.is_file() and target.read_text(encoding="utf-8") == text
        print(f"{name} is up to date" if same else f"{name} differs: rerun")
        return 0 if same else 1
    target.write_text(text, encoding="utf-8")
    print(f"wrote {target}")
    return 0
