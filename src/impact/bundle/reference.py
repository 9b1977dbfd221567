"""The bundle's declaration as Markdown: ``docs/bundle.md`` is this text (a test compares)."""

from __future__ import annotations

from typing import Any

from impact.bundle.metadata import SCHEMA
from impact.bundle.schema import Table
from impact.bundle.store import SCHEMA_VERSION
from impact.bundle.tables import DRAWS, IDATA, TABLES


def markdown() -> str:
    """Every declared file, column and metadata entry of a results bundle, as Markdown."""
    lines = [
        "# The results bundle",
        "",
        "<!-- Generated from impact.bundle (tables.py, metadata.py) by "
        "`python tools/bundle_docs.py`; tests/bundle/test_schema.py fails when it drifts. -->",
        "",
        f"Schema version **{SCHEMA_VERSION}**. An analysis writes `results/<programme>/` "
        "through `impact.bundle.Bundle`, which refuses any file, column or metadata entry "
        "not declared here; a report reads the same declaration back, so a code such as "
        '"0301" stays text and a count stays an integer. Counts of persons (marked '
        "**count**) pass disclosure control wherever they are published. Intervals are 95 %; "
        "each table says of which kind.",
        "",
        "## Tables (`tables/<name>.csv`)",
        "",
    ]
    for table in TABLES.values():
        lines += _table(table)
    lines += ["## Draws (`draws/<name>.csv`)", ""]
    for table in DRAWS.values():
        lines += _table(table)
    lines += ["## InferenceData (`idata/<name>.nc`)", ""]
    lines += [f"- `{name}`: {meaning}" for name, meaning in IDATA.items()]
    lines += ["", "## `metadata.json`", "", _metadata_intro(), ""]
    lines += ["| entry | type | required | meaning |", "|---|---|---|---|"]
    required = set(SCHEMA["required"])
    for name, prop in SCHEMA["properties"].items():
        kind = _type(prop) + (" (**count**)" if prop.get("x-count") else "")
        lines.append(
            f"| `{name}` | {kind} | {'yes' if name in required else ''} | "
            f"{prop.get('description', '')}{_fields(prop)} |"
        )
    return "\n".join(lines) + "\n"


def _table(table: Table) -> list[str]:
    out = [
        f"### `{table.name}`",
        "",
        f"{table.meaning} *Written by* `{table.written_by}`.",
        "",
        "| column | type | meaning |",
        "|---|---|---|",
    ]
    for c in table.columns:
        flags = [f for f, on in (("may be missing", c.nullable), ("**count**", c.count)) if on]
        values = f" One of {', '.join(f'`{v}`' for v in c.values)}." if c.values else ""
        flag = f" ({', '.join(flags)})" if flags else ""
        out.append(f"| `{c.name}` | {c.dtype}{flag} | {c.meaning}.{values} |")
    return [*out, ""]


def _metadata_intro() -> str:
    return (
        "Strict JSON (no `NaN`): a number that could not be computed is `null` and its entry "
        "says why. Checked against the JSON Schema `impact.bundle.metadata.SCHEMA` when "
        "written, on commit and on opening."
    )


def _type(prop: dict[str, Any]) -> str:
    kind = prop.get("type", "")
    return " or ".join(kind) if isinstance(kind, list) else str(kind)


def _fields(prop: dict[str, Any]) -> str:
    fields = prop.get("properties")
    if prop.get("type") != "object" or not fields or "description" not in prop:
        return ""
    return ": " + ", ".join(f"`{k}`" for k in fields)


__all__ = ["markdown"]
