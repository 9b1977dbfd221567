"""``metadata.json`` of a results bundle: every entry declared, strict JSON, missing explained.

The declaration is a JSON Schema (draft 2020-12), checked with the ``jsonschema`` library
(well kept, the reference validator; its messages name the path of the offending entry).
Each property carries a ``description`` (its meaning, for ``docs/bundle.md``) and, for counts
of persons that disclosure control must see, ``"x-count": true``.

Rules beyond the JSON Schema:

- **Strict JSON.** No ``NaN`` or ``Infinity`` (strict parsers reject them): a number that is
  missing is ``null``, and the entry says why in its ``note`` (the pre-test), or the value
  is left out. Writing a non-finite number is a :class:`~impact.errors.BundleError` naming
  the key; reading one is refused as corrupted.
- **Checked twice.** :meth:`impact.bundle.Bundle.update_metadata` checks the entries it is
  given; :meth:`~impact.bundle.Bundle.commit` and :meth:`~impact.bundle.Bundle.open` check
  the whole file, including the required entries.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from typing import Any

from impact.errors import BundleError

_NUMBER = {"type": "number"}
_NUMBER_OR_NULL = {"type": ["number", "null"]}


def _object(properties: dict[str, Any], required: list[str], description: str) -> dict[str, Any]:
    return {
        "type": "object",
        "description": description,
        "properties": properties,
        "required": required,
    }


_WORDS: dict[str, Any] = {
    "type": "object",
    "description": "a text in bokmål (nb) and English (en)",
    "additionalProperties": False,
    "required": ["nb", "en"],
    "properties": {"nb": {"type": "string"}, "en": {"type": "string"}},
}


def _count(description: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": 0, "description": description, "x-count": True}


SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "metadata.json of an impact results bundle",
    "type": "object",
    "additionalProperties": False,
    "required": ["programme", "seed", "impact_version", "created_by", "outcome", "synthetic"],
    "properties": {
        "programme": {"type": "string", "description": "programme key, e.g. 'flyt'"},
        "synthetic": {"type": "boolean", "description": "the data are synthetic"},
        "scenario": {"type": "string", "description": "synthetic scenario the data come from"},
        "seed": {"type": "integer", "description": "seed of every random step of the run"},
        "scale": {"type": "number", "description": "size of the synthetic data (1 = full)"},
        "impact_version": {"type": "string", "description": "version of impact that wrote it"},
        "created_by": {"type": "string", "description": "the analysis script"},
        "outcome": {"type": "string", "description": "outcome key (impact.cba registry name)"},
        "study": _object(
            {
                "name": {"type": "string", "description": "[programme] name of the spec"},
                "spec": {"type": ["string", "null"], "description": "the spec's file name"},
                "design": {"type": "string", "description": "[design] type"},
                "observation": {
                    "type": "string",
                    "description": "person_year or municipality_year",
                },
                "cluster": {"type": "string", "description": "the cluster column"},
                "title": _WORDS,
                "what": _WORDS,
                "who": _WORDS,
                "comparison": {"anyOf": [_WORDS, {"type": "null"}]},
            },
            ["name", "design", "observation", "cluster", "title", "what", "who"],
            "the study specification's words and design, for the generic report",
        ),
        "headline_rule": {
            **_WORDS,
            "description": "why the headline estimator is the headline, in words (nb, en)",
        },
        "data_changes": {
            "type": "array",
            "description": "what validation changed in the data (movers, missing enrolment)",
            "items": {"type": "string"},
        },
        "n_persons": _count("persons in the analysis"),
        "n_units": _count("units (municipalities or persons) in the analysis"),
        "n_treated_units": _count("units with the programme"),
        "n_participants": _count("persons who took part in the programme"),
        "truth": {
            "type": "object",
            "description": "true effects of a synthetic run, by estimand and weighting",
            "additionalProperties": _NUMBER,
        },
        "warnings": {
            "type": "array",
            "description": "warnings a reader must know, raised during the analysis",
            "items": _object(
                {
                    "category": {"type": "string", "description": "impact warning class"},
                    "message": {"type": "string", "description": "the warning's text"},
                },
                ["category", "message"],
                "one warning",
            ),
        },
        "pretest": {
            **_object(
                {
                    "statistic": {**_NUMBER_OR_NULL, "description": "Wald statistic"},
                    "df": {"type": "integer", "description": "degrees of freedom"},
                    "p_value": {**_NUMBER_OR_NULL, "description": "p-value of the test in method"},
                    "note": {"type": "string", "description": "why missing, or a caveat"},
                    "method": {
                        "type": "string",
                        "enum": ["cohort_hotelling", "hotelling", "chi2"],
                        "description": "the reference distribution (impact.did PRETEST_METHODS)",
                    },
                    "df_denominator": {
                        **_NUMBER_OR_NULL,
                        "description": "denominator degrees of freedom of an F reference",
                    },
                },
                ["statistic", "df", "p_value", "note", "method"],
                "Wald pre-test of parallel trends (Callaway-Sant'Anna pre-period cells); "
                "statistic and p_value are null when not computable, and note says why",
            ),
            "if": {"properties": {"p_value": {"type": "null"}}},
            "then": {"properties": {"note": {"minLength": 1}}},
        },
        "trend_sensitivity": _object(
            {
                "restriction": {"type": "string", "description": "restriction on trends"},
                "method": {"type": "string", "description": "robust interval's method"},
                "estimate": {**_NUMBER, "description": "the effect examined"},
                "breakdown": {
                    **_NUMBER_OR_NULL,
                    "description": "smallest m at which the robust interval includes 0; "
                    "null when it never does on the grid",
                },
                "break_even_effect": {
                    **_NUMBER_OR_NULL,
                    "description": "the appraisal's break-even effect (risk difference) that "
                    "breakeven_breakdown is measured against",
                },
                "breakeven_estimate": {
                    **_NUMBER_OR_NULL,
                    "description": "point estimate of the honest target matched to the "
                    "appraisal's effect (see breakeven_target)",
                },
                "breakeven_breakdown": {
                    **_NUMBER_OR_NULL,
                    "description": "smallest m at which the robust 95 % interval reaches the "
                    "break-even effect (its bound nearer zero for a beneficial effect); null "
                    "when it cannot be computed, and breakeven_note says why",
                },
                "breakeven_target": {
                    "type": "string",
                    "description": "the honest target's event-time weights and how they match "
                    "the appraisal's effect",
                },
                "breakeven_note": {
                    "type": "string",
                    "description": "why breakeven_breakdown is null (empty when it is a number)",
                },
            },
            ["restriction", "method", "estimate", "breakdown"],
            "HonestDiD summary: how large a violation of parallel trends the conclusion bears "
            "(for a zero effect: breakdown; for the break-even effect: breakeven_breakdown)",
        ),
        "diagnostics": {
            "type": "object",
            "description": "checks by name; a failed check reaches the report",
            "additionalProperties": {
                "type": "object",
                "properties": {
                    "passed": {"type": "boolean"},
                    "message": {"type": "string"},
                    "ppc": {
                        "type": "array",
                        "description": "posterior predictive check: each statistic's "
                        "p-value P(T(y_rep) >= T(y)) (hierarchical model)",
                        "items": {
                            "type": "object",
                            "properties": {
                                "statistic": {"type": "string"},
                                "p_value": {"type": "number"},
                            },
                            "required": ["statistic", "p_value"],
                        },
                    },
                    "loo": {
                        "type": "object",
                        "description": "PSIS-LOO: elpd and the Pareto k check",
                        "properties": {
                            "n_high_k": {"type": "integer", "minimum": 0},
                            "max_pareto_k": _NUMBER_OR_NULL,
                        },
                        "required": ["n_high_k", "max_pareto_k"],
                    },
                },
                "required": ["passed", "message"],
            },
        },
        "sampler": {
            "type": "object",
            "description": "MCMC settings and time of the hierarchical model",
            "properties": {"sampler": {"type": "string"}, "draws": {"type": "integer"}},
            "required": ["sampler", "draws"],
        },
        "sensitivity": {
            "type": "object",
            "description": "cross-checks fitted beside the main model, by name",
            "additionalProperties": {
                "type": "object",
                "properties": {"passed": {"type": "boolean"}, "method": {"type": "string"}},
                "required": ["passed", "method"],
            },
        },
        "appraisal": _object(
            {
                "npv": {**_NUMBER, "description": "expected net present value, NOK"},
                "bcr": {**_NUMBER, "description": "benefit-cost ratio"},
                "prob_positive": {**_NUMBER, "description": "P(NPV > 0)"},
                "headline_nb": {"type": "string", "description": "verdict in bokmål"},
                "headline_en": {"type": "string", "description": "verdict in English"},
            },
            ["npv", "bcr", "prob_positive", "headline_nb", "headline_en"],
            "headline of the cost-benefit appraisal",
        ),
        "completion": {
            "type": "object",
            "description": "written last by Bundle.commit: schema version, sha256 of the "
            "declaration, time, and size and sha256 of every file",
            "properties": {
                "schema_version": {"type": "integer"},
                "schema_digest": {"type": "string"},
                "completed_at": {"type": "string"},
                "files": {"type": "array"},
            },
            "required": ["schema_version", "schema_digest", "completed_at", "files"],
        },
    },
}


def count_keys() -> list[str]:
    """Top-level entries that are counts of persons (disclosure control must see them)."""
    return [k for k, v in SCHEMA["properties"].items() if v.get("x-count")]


def check(meta: Mapping[str, Any], *, where: str, complete: bool) -> None:
    """Raise a :class:`~impact.errors.BundleError` when ``meta`` breaks the declaration.

    ``complete=False`` (while a run writes) checks the entries present; ``complete=True``
    also requires the required entries.
    """
    import jsonschema  # a second or so on first import; only writers and readers pay it

    _finite(meta, where=where, path="")
    plain = loads(dumps(meta))  # numpy scalars and tuples as JSON has them
    schema = SCHEMA if complete else {**SCHEMA, "required": ["programme"]}
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(plain), key=lambda e: list(e.absolute_path))
    if errors:
        first = errors[0]
        key = ".".join(str(p) for p in first.absolute_path) or "(top level)"
        more = f" ({len(errors) - 1} more)" if len(errors) > 1 else ""
        raise BundleError(
            f"metadata.json of {where}: entry {key}: {first.message}{more}. The entries and "
            "their types are declared in impact.bundle.metadata.SCHEMA (docs/bundle.md)."
        )


def _finite(value: Any, *, where: str, path: str) -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise BundleError(
            f"metadata.json of {where}: entry {path or '(top level)'} is {value}, which JSON "
            "cannot hold. Write None (null) and say why in the entry's note, or leave it out."
        )
    if isinstance(value, Mapping):
        for k, v in value.items():
            _finite(v, where=where, path=f"{path}.{k}" if path else str(k))
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _finite(v, where=where, path=f"{path}[{i}]")


def loads(text: str) -> Any:
    """Parse strict JSON: ``NaN``/``Infinity`` are refused (``ValueError``)."""

    def refuse(constant: str) -> Any:
        raise ValueError(f"{constant} is not JSON")

    return json.loads(text, parse_constant=refuse)


def dumps(meta: Mapping[str, Any]) -> str:
    """Strict JSON text of ``meta`` (numpy scalars as Python numbers)."""
    return json.dumps(meta, indent=2, ensure_ascii=False, allow_nan=False, default=_plain)


def _plain(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON-serialisable: {value!r}")


__all__ = ["SCHEMA", "check", "count_keys", "dumps", "loads"]
