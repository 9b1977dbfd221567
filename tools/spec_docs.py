"""Write docs/studies.md: a hand-written introduction, then every key of the study spec,
generated from the pydantic model (impact.study.spec: types, defaults, limits, descriptions).

python tools/spec_docs.py          # rewrite docs/studies.md
python tools/spec_docs.py --check  # exit 1 if docs/studies.md differs
"""

from __future__ import annotations

import sys
import types
import typing
from pathlib import Path
from typing import Any

from _generated import write_or_check
from pydantic import BaseModel
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from impact.study import spec as spec_module
from impact.study.spec import IMPLEMENTED_DESIGNS, StudySpec, Words

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "docs" / "studies.md"

INTRO = """\
# Study specifications

A programme is described, not programmed. One TOML file, `studies/<name>.toml`, says
everything the generic analysis and the generic report need: where the data are and which
column plays which role, what one row is, when units enrolled, the outcomes, the design, the
Bayesian model, the costs by payer, how long the effect is assumed to last, and the
programme's own words for the report in bokmål and English.

```bash
impact new kulturskole          # writes studies/kulturskole.toml, every key commented
# name the data in [data]: panel = "data/extract.csv" with mapping (or scenario = ...)
impact validate kulturskole     # reads spec and data: what was checked, what was changed
impact run kulturskole          # estimates, appraises, writes results/kulturskole/
impact report kulturskole       # reports/_output/kulturskole.html (and .pdf)
```

Every command takes `--project DIR` (default: the current directory) and finds the specs in
`DIR/studies/`, synthetic data in `DIR/data/generated/`, results in `DIR/results/` and
reports in `DIR/reports/` (rendered to `DIR/reports/_output/`). `impact list` shows the
specs of a project, their design, their data and whether results exist. A register extract
named in a spec is read relative to the project.

A spec is checked when it is read, before any data are: an unknown key is an error that
lists the valid keys of its section with the closest one first (a typo is never silently
ignored), a value of the wrong type (`age = "15"`) or outside its choices
(`type = "rollout"`) names the key, the value and what is allowed, and a spec that does not
hang together (two data sources, municipality-year rows without a person count, several
outcomes without a headline) says what to add. The format is validated with
[pydantic](https://docs.pydantic.dev), so the checks and this page come from one declaration
(`impact.study.spec`; this page is written by `tools/spec_docs.py`, and a test fails when
it drifts).

## A full example: a programme from a register extract

A municipality's job programme for young adults; persons enrol one by one. The extract is a
person-year CSV with the register's own column names, and `mapping` renames them.

```toml
version = 1

[programme]
name = "jobbsjansen"
title = { nb = "Jobbsjansen", en = "Jobbsjansen" }
who = { nb = "unge voksne mellom 18 og 29 år", en = "young adults aged 18 to 29" }
what.nb = "Jobbsjansen gir unge voksne utenfor arbeid et år med kurs og praksis."
what.en = "Jobbsjansen offers young adults outside work a year of courses and placements."
seed = 20240601

[data]
panel = "data/jobbsjansen.csv"          # relative to the project
mapping = { lopenr = "person_id", komnr = "municipality", aar = "year", startaar = "enrol_year", syss = "employed" }
movers = "first"                        # a person who moved: the municipality of the first year

[unit]
observation = "person_year"
id = "person_id"
time = "year"
cluster = "municipality"
municipality = "municipality"

[enrolment]
cohort = "enrol_year"                   # 0 or missing = never enrolled

[[outcomes]]
column = "employed"
type = "binary"
registry = "employed"                   # valued by the outcome registry (norway.toml)

[design]
type = "individual_enrolment"

[bayes]
fit = false                             # no Bayesian model for this one

[appraisal]
age = 22
start_year = 2024
costs = { kommune = 60000, stat = 40000 }
persistence = "registry"
description = "A year of courses and placements"
```

The specs of the programmes in this repository are complete examples too:
`studies/flyt.toml` (municipalities adopt in different years; municipality-year rows with a
person count), `studies/unginvest.toml` and `studies/getacademy.toml` (persons enrol one by
one; person-year rows).

## Designs

`[design] type` names the identification strategy. {implemented} are run today.
`single_unit` (one treated municipality: synthetic control or synthetic DiD), `few_pilots`
(a handful of pilot municipalities) and `early_life` (effects read through surrogate
outcomes) are valid values, so their specs can be written now; `impact run` refuses them,
saying so, until they are built.

## Programme-specific code

Where a spec is not enough, `[hooks] analysis` names a Python file (relative to the
project) with a function `extend(bundle, data, spec, *, fast, progress)`. `impact run`
calls it after the generic stages, inside the same atomic bundle write: it may add tables
the bundle declares (docs/bundle.md), and a hook that fails or is interrupted leaves the
last good bundle as it was.

## Every key

Generated from `impact.study.spec`. *required* means the key must be given; otherwise the
default applies. A text in both report languages is written `{ nb = "...", en = "..." }`
or as `key.nb = "..."` and `key.en = "..."` lines (see [Texts](#texts)).
"""


def _type(annotation: Any) -> str:
    """A readable type: ``"a" | "b"``, ``text (nb, en)``, ``list of text`` ..."""
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:
        return _type(args[0])
    if origin is typing.Literal:
        return " \\| ".join(f'`"{a}"`' for a in args)
    if origin in (typing.Union, types.UnionType):
        parts = [_type(a) for a in args if a is not type(None)]
        return " \\| ".join(parts) + (" (optional)" if type(None) in args else "")
    if origin is list:
        return f"list of {_type(args[0])}"
    if origin is dict:
        return f"table {_type(args[0])} → {_type(args[1])}"
    if annotation is Words:
        return "[text](#texts) (nb, en)"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    names = {str: "text", int: "integer", float: "number", bool: "true/false"}
    return names.get(annotation, getattr(annotation, "__name__", str(annotation)))


def _default(field: FieldInfo) -> str:
    if field.is_required():
        return "*required*"
    if field.default_factory is not None:
        value = field.default_factory()  # type: ignore[call-arg]
        if isinstance(value, BaseModel):
            return "(all defaults)"
    else:
        value = field.default
    if value is None or value is PydanticUndefined:
        return "—"
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, str):
        return f'`"{value}"`'
    if isinstance(value, list):
        return "`[" + ", ".join(f'"{v}"' for v in value) + "]`"
    if isinstance(value, dict):
        return "`{}`"
    return f"`{value}`"


def _limits(field: FieldInfo) -> str:
    words = {"ge": "≥", "le": "≤", "gt": ">", "lt": "<", "min_length": "at least", "pattern": ""}
    parts = []
    for item in field.metadata:
        for attr, sign in words.items():
            value = getattr(item, attr, None)
            if value is not None:
                parts.append(f"`{value}`" if attr == "pattern" else f"{sign} {value}")
    return f" ({', '.join(parts)})" if parts else ""


def _table(model: type[BaseModel]) -> list[str]:
    rows = ["| key | type | default | meaning |", "|---|---|---|---|"]
    for key, field in model.model_fields.items():
        if field.exclude:
            continue
        meaning = (field.description or "").replace("|", "\\|")
        rows.append(
            f"| `{key}` | {_type(field.annotation)}{_limits(field)} | {_default(field)} "
            f"| {meaning} |"
        )
    return rows


def _doc(model: type[BaseModel]) -> str:
    """The first paragraph of the model's docstring, without the ``[section]:`` it opens with."""
    text = " ".join((model.__doc__ or "").split("\n\n")[0].split())
    if text.startswith("``") and "``: " in text:
        text = text.split("``: ", 1)[1]
        text = text[:1].upper() + text[1:]
    return text.replace("``", "`")


def sections() -> list[tuple[str, type[BaseModel]]]:
    """Every table of a spec in file order: (how it is written, its model)."""
    found: list[tuple[str, type[BaseModel]]] = [("top level", StudySpec)]
    for key, field in StudySpec.model_fields.items():
        annotation = field.annotation
        if typing.get_origin(annotation) is list:
            found.append((f"[[{key}]]", typing.get_args(annotation)[0]))
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel):
            found.append((f"[{key}]", annotation))
    found.append(("[appraisal.non_monetised] NAME", spec_module.NonMonetised))
    return found


def markdown() -> str:
    implemented = " and ".join(f"`{d}`" for d in IMPLEMENTED_DESIGNS)
    lines = [INTRO.replace("{implemented}", implemented)]
    for where, model in sections():
        title = "The top level" if where == "top level" else f"`{where}`"
        about = (
            "Keys before the first table, and the tables." if model is StudySpec else _doc(model)
        )
        lines += [f"### {title}", "", about, ""]
        lines += [*_table(model), ""]
    lines += [
        "### Texts",
        "",
        _doc(Words) + " Both are required and may not be empty; the report in each "
        "language uses its own.",
        "",
        *_table(Words),
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    return write_or_check(TARGET, markdown(), argv)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
