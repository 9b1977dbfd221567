"""Save and load simulated scenarios (Parquet, written by `impact simulate`, read by analyses)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from impact.data.simulate import SyntheticData
from impact.errors import DataError

_FRAMES = ("persons", "panel", "cells", "truth", "municipalities")


def save(sim: SyntheticData, directory: str | Path) -> Path:
    """Write ``sim`` to ``directory/<scenario>/`` (one Parquet file per frame + card.json)."""
    out = Path(directory) / sim.scenario
    out.mkdir(parents=True, exist_ok=True)
    for name in _FRAMES:
        if name == "persons" and sim.persons is sim.panel:
            continue  # unginvest: the person-year panel is the person data
        getattr(sim, name).to_parquet(out / f"{name}.parquet", index=False)
    meta = {"scenario": sim.scenario, "seed": sim.seed, "scale": sim.scale, "card": sim.card}
    (out / "card.json").write_text(json.dumps(meta, indent=2, ensure_ascii=False))
    return out


def load(scenario: str, directory: str | Path) -> SyntheticData:
    """Read a scenario written by :func:`save`; a clear error says how to create it."""
    src = Path(directory) / scenario
    if not (src / "card.json").is_file():
        raise DataError(
            f"No simulated data for scenario {scenario!r} in {src}. "
            f"Run `impact simulate {scenario}` first."
        )
    meta = json.loads((src / "card.json").read_text())
    frames = {
        name: pd.read_parquet(src / f"{name}.parquet")
        for name in _FRAMES
        if (src / f"{name}.parquet").is_file()
    }
    frames.setdefault("persons", frames["panel"])
    return SyntheticData(
        scenario=meta["scenario"],
        seed=meta["seed"],
        scale=meta["scale"],
        card=meta["card"],
        **frames,
    )
