"""Frames that pass the bundle's declaration, for tests that write bundles by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact.bundle.tables import DRAWS, TABLES

_DEFAULTS = {"int": 0, "float": 0.0, "bool": False, "str": "x", "code": "0"}


def declared(name: str, frame: pd.DataFrame, *, draws: bool = False) -> pd.DataFrame:
    """``frame`` with every declared column of bundle table ``name`` it lacks (a neutral
    value, or missing where the column may be missing): fixtures set what the tests read
    and still pass the writer's check of the declaration."""
    spec = (DRAWS if draws else TABLES)[name]
    out = frame.copy()
    for column in spec.columns:
        if column.name not in out:
            default = column.values[0] if column.values else _DEFAULTS[column.dtype]
            out[column.name] = None if column.nullable else default
    return out


def example(name: str, *, rows: int = 50, seed: int = 0) -> pd.DataFrame:
    """A whole random frame of bundle table ``name`` (floats random, the rest neutral)."""
    rng = np.random.default_rng(seed)
    spec = TABLES[name]
    frame = pd.DataFrame(
        {c.name: rng.normal(size=rows) for c in spec.columns if c.dtype == "float"}
    )
    return declared(name, frame.reindex(range(rows)))


META = {
    "seed": 1,
    "impact_version": "0.0.0",
    "created_by": "tests",
    "outcome": "completed_vgs",
    "synthetic": True,
}
"""The metadata every complete bundle must hold besides ``programme``."""


def study(
    name: str,
    *,
    design: str = "municipal_rollout",
    observation: str = "municipality_year",
    cluster: str = "municipality",
    title: str | None = None,
) -> dict[str, object]:
    """A ``study`` block as :meth:`impact.study.StudySpec.metadata` writes it (words short)."""
    shown = title or name.capitalize()
    return {
        "name": name,
        "spec": f"{name}.toml",
        "design": design,
        "observation": observation,
        "cluster": cluster,
        "title": {"nb": shown, "en": shown},
        "what": {
            "nb": f"{shown} er et tilbud som skal hjelpe unge videre.",
            "en": f"{shown} is a programme meant to help young people on.",
        },
        "who": {"nb": "unge", "en": "young people"},
        "comparison": {
            "nb": "Vi sammenligner med dem som ikke (ennå) har begynt.",
            "en": "We compare with those who have not (yet) started.",
        },
    }


STUDIES: dict[str, dict[str, object]] = {
    # a municipal roll-out: municipality-years, clustered by municipality (Flyt)
    "flyt": study("flyt"),
    # persons enrolling one by one, clustered by person (UngInvest)
    "unginvest": study(
        "unginvest", design="individual_enrolment", observation="person_year",
        cluster="person_id", title="UngInvest",
    ),
    # persons enrolling one by one, clustered by municipality (GET Academy)
    "getacademy": study(
        "getacademy", design="individual_enrolment", observation="person_year",
        cluster="municipality", title="GET Academy",
    ),
}  # fmt: skip
"""Study blocks of the three designs the report words must follow."""

OTHER_OUTCOMES = pd.DataFrame(
    {
        "outcome": ["neet"],
        "estimator": ["att_gt_simple"],
        "estimate": [-0.031],
        "se": [0.009],
        "ci_lower": [-0.049],
        "ci_upper": [-0.013],
        "valued": [False],
    }
)
"""A sample ``other_outcomes`` table (GET Academy estimates NEET beside employment)."""
