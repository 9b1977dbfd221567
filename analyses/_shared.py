"""Pieces both analyses use: descriptives, headline rows, metadata."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import impact
from impact.data import SyntheticData

Progress = Callable[[str], Any]


def descriptives(
    rows: pd.DataFrame, *, group: str, year: str, outcome: str, weight: str | None = None
) -> pd.DataFrame:
    """Counts and rates by programme group and year (raw counts; reports suppress small cells).

    ``rows`` are persons (one row each) unless ``weight`` names a count column (cells/panels,
    where ``outcome`` then holds the number with the outcome).
    """
    label = np.where(rows[group] > 0, "adopting", "comparison")
    frame = pd.DataFrame({"group": label, "year": rows[year]})
    if weight is None:
        frame["n_persons"] = 1
        frame["n_outcome"] = rows[outcome].to_numpy()
    else:
        frame["n_persons"] = rows[weight].to_numpy()
        frame["n_outcome"] = rows[outcome].to_numpy()
    table = frame.groupby(["group", "year"], as_index=False)[["n_persons", "n_outcome"]].sum()
    table["rate"] = table["n_outcome"] / table["n_persons"]
    return table


def estimate_row(
    estimator: str, label: str, estimate: float, se: float, ci: tuple[float, float], method: str
) -> dict[str, Any]:
    return {
        "estimator": estimator,
        "label": label,
        "estimate": float(estimate),
        "se": float(se),
        "ci_lower": float(ci[0]),
        "ci_upper": float(ci[1]),
        "method": method,
    }


def write_appraisal(bundle: Any, appraisal: Any) -> None:
    """Put an :class:`impact.cba.Appraisal` into the bundle: its tables, NPV draws, headline."""
    for name, table in appraisal.bundle_tables().items():
        bundle.write_table(name, table)
    bundle.write_draws("npv", appraisal.draws()[["npv"]])
    bundle.update_metadata(
        appraisal={
            "npv": float(appraisal.npv),
            "bcr": float(appraisal.bcr),
            "prob_positive": float(appraisal.prob_positive),
            "headline_nb": appraisal.headline(lang="nb"),
            "headline_en": appraisal.headline(lang="en"),
        }
    )


def base_metadata(sim: SyntheticData, *, outcome: str, created_by: str) -> dict[str, Any]:
    return {
        "scenario": sim.scenario,
        "seed": sim.seed,
        "scale": sim.scale,
        "impact_version": impact.__version__,
        "created_by": created_by,
        "outcome": outcome,
        "synthetic": True,
    }
