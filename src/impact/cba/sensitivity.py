"""Sensitivity of an appraisal: tornado, break-even, scenarios and the persistence check."""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from impact.cba.discounting import ScheduleLike, discount_factors, flat, schedule_name
from impact.cba.persistence import Persistence
from impact.cba.valuation import Streams
from impact.errors import PersistenceWarning
from impact.plain_language import format_nok

if TYPE_CHECKING:
    from impact.cba.appraise import Setup

#: Scenario analysis: alternative discount schedules (R-109 is the base case).
SCENARIO_SCHEDULES: tuple[tuple[str, ScheduleLike], ...] = (
    ("flat 4 %", flat(0.04)),
    ("flat 2.5 %", flat(0.025)),
    ("green_book", "green_book"),
)
#: Scenario analysis: persistence of each state outcome's effect beyond the measured years.
SCENARIO_PERSISTENCE: tuple[tuple[str, float, Persistence], ...] = (
    ("none", 0.0, Persistence.none()),
    ("permanent", 1.0, Persistence.permanent()),
)


def pv(s: Streams, which: str, df: np.ndarray) -> np.ndarray:
    """Per-draw present value of ``s.society``, ``s.costs`` or ``s.benefits``."""
    return Streams.combine(getattr(s, which), s.present_values(df))


def tornado(setup: Setup, df: np.ndarray, npv_central: float) -> pd.DataFrame:
    """One-way sensitivity over the uncertain parameters the appraised outcomes use."""
    params = setup.params
    varying = [p for p in params.entries.values() if p.uncertain and p.name in setup.used]
    n = 1 + 2 * len(varying)
    values = {name: np.full(n, p.value) for name, p in params.entries.items()}
    for i, p in enumerate(varying):
        values[p.name][1 + 2 * i] = p.low
        values[p.name][2 + 2 * i] = p.high
    npv = (
        pv(setup.run(values, setup.point_effects(n)), "society", df) * setup.programme.participants
    )
    table = pd.DataFrame(
        {
            "parameter": [p.name for p in varying],
            "low": [p.low for p in varying],
            "high": [p.high for p in varying],
            "low_npv": npv[1::2],
            "high_npv": npv[2::2],
            "central_npv": npv_central,
            "unit": [p.unit for p in varying],
            "verify": [p.verify for p in varying],
        }
    )
    table["swing"] = (table["high_npv"] - table["low_npv"]).abs()
    return table.sort_values("swing", ascending=False, kind="stable").reset_index(drop=True)


def break_even(
    setup: Setup, central: Mapping[str, np.ndarray], df: np.ndarray, npv_det: float
) -> pd.DataFrame:
    """Effect at which the deterministic NPV is zero: NPV is affine in a common effect scale."""
    participants = setup.programme.participants
    npv_zero = float(
        pv(setup.run(central, setup.point_effects(1, 0.0)), "society", df)[0] * participants
    )
    slope = npv_det - npv_zero
    scale = -npv_zero / slope if slope != 0 else float("nan")
    rows = []
    for outcome, e in setup.effects.items():
        est = float(e.point if e.event_time is None else np.mean(e.draws.mean(axis=0)))
        summary_draws = e.draws if e.event_time is None else e.draws.mean(axis=1)
        lo, hi = np.quantile(summary_draws, [0.025, 0.975])
        rows.append(
            {
                "outcome": outcome,
                "estimate": est,
                "ci_lower": float(lo),
                "ci_upper": float(hi),
                "break_even": scale * est,
                "scale": scale,
            }
        )
    return pd.DataFrame(rows)


def _row(
    scenario: str,
    setting: str,
    runs: tuple[Streams, Streams],
    df: np.ndarray,
    participants: int,
    persistence: str,
) -> dict[str, object]:
    mc, det = runs
    pvs = mc.present_values(df)
    npv = Streams.combine(mc.society, pvs) * participants
    benefits = Streams.combine(mc.benefits, pvs).mean()
    costs = Streams.combine(mc.costs, pvs).mean()
    return {
        "scenario": scenario,
        "setting": setting,
        "npv_deterministic": float(pv(det, "society", df)[0] * participants),
        "npv": float(npv.mean()),
        "prob_npv_positive": float(np.mean(npv > 0)),
        "bcr": float(benefits / costs) if costs > 0 else float("nan"),
        "persistence": persistence,
    }


def scenarios(
    setup: Setup,
    runs: tuple[Streams, Streams],
    values: tuple[Mapping[str, np.ndarray], Mapping[str, np.ndarray]],
    effect_draws: Mapping[str, np.ndarray],
    df: np.ndarray,
    schedule: ScheduleLike,
) -> pd.DataFrame:
    """Base case, other discount schedules, and each state effect's persistence at 0 and 1.

    Column ``persistence`` names the persistence assumption of every row (the base
    assumption except where the row varies it).
    """
    people = setup.programme.participants
    base = setup.describe_persistence()
    rows = [_row("base", schedule_name(schedule), runs, df, people, base)]
    for label, alt in SCENARIO_SCHEDULES:
        alt_df = discount_factors(setup.n_years, alt)
        rows.append(_row("discount schedule", label, runs, alt_df, people, base))
    for outcome in setup.persistence:
        name = setup.params.registry[outcome].label
        for label, rho, assumption in SCENARIO_PERSISTENCE:
            over = {outcome: assumption}
            varied = (
                setup.run(values[0], effect_draws, persistence=over),
                setup.run(values[1], setup.point_effects(1), persistence=over),
            )
            text = setup.describe_persistence(over)
            setting = f"{label} ({rho:g})"
            rows.append(_row(f"{name} persistence", setting, varied, df, people, text))
    return pd.DataFrame(rows)


def _side(npv: float, prob: float) -> tuple[bool, bool]:
    return npv > 0, prob > 0.5


def persistence_table(setup: Setup, table: pd.DataFrame) -> pd.DataFrame:
    """One row per state outcome: its persistence assumption, measured years, and whether
    the sign of the NPV (or P(NPV > 0) against 0.5) changes when the effect stops or is
    permanent (``sign_depends``; then ``warning`` holds the plain-words message, which is
    also raised as a :class:`~impact.errors.PersistenceWarning`)."""
    base = table.iloc[0]
    rows = []
    for outcome, p in setup.persistence.items():
        name = setup.params.registry[outcome].label
        alt = table[table["scenario"] == f"{name} persistence"].set_index("setting")
        none, perm = alt.loc["none (0)"], alt.loc["permanent (1)"]
        years, origin = setup.windows[outcome]
        sides = {_side(float(r["npv"]), float(r["prob_npv_positive"])) for r in (none, perm)}
        depends = bool(sides - {_side(float(base["npv"]), float(base["prob_npv_positive"]))})
        described = p.describe(setup.params)
        span = f"{years[0]}-{years[-1]}" if len(years) > 1 else f"{years[0]}"
        message = ""
        if depends:
            message = (
                f"The verdict on {setup.programme.name!r} depends on how long the effect on "
                f"{outcome!r} lasts beyond the measured years ({span}, {origin}): with the "
                f"assumed persistence, {described}, the NPV is "
                f"{format_nok(float(base['npv']), lang='en')} (P(NPV > 0) = "
                f"{float(base['prob_npv_positive']):.2f}); if the effect stops after the "
                f"measured years it is {format_nok(float(none['npv']), lang='en')} (P = "
                f"{float(none['prob_npv_positive']):.2f}); if it is permanent "
                f"{format_nok(float(perm['npv']), lang='en')} (P = "
                f"{float(perm['prob_npv_positive']):.2f}). Justify the assumption, or set it "
                "with appraise(persistence=...), before reporting the sign."
            )
            warnings.warn(message, PersistenceWarning, stacklevel=3)
        name_param = p.parameter_name(outcome)
        param = setup.params[name_param] if name_param else None
        rows.append(
            {
                "outcome": outcome,
                "assumption": p.kind,
                "description": described,
                "rate": param.value if param else (1.0 if p.kind == "permanent" else np.nan),
                "low": param.low if param else np.nan,
                "high": param.high if param else np.nan,
                "parameter": name_param or "",
                "origin": p.origin,
                "measured_from": int(years[0]),
                "measured_to": int(years[-1]),
                "measured_source": origin,
                "npv_none": float(none["npv"]),
                "npv_permanent": float(perm["npv"]),
                "sign_depends": depends,
                "warning": message,
            }
        )
    columns = [
        "outcome", "assumption", "description", "rate", "low", "high", "parameter", "origin",
        "measured_from", "measured_to", "measured_source", "npv_none", "npv_permanent",
        "sign_depends", "warning",
    ]  # fmt: skip
    floats = ("rate", "low", "high", "npv_none", "npv_permanent")
    dtypes = {c: "float64" if c in floats else "str" for c in columns}
    dtypes |= {"measured_from": "int64", "measured_to": "int64", "sign_depends": "bool"}
    return pd.DataFrame(rows, columns=columns).astype(dtypes)  # same dtypes when empty


__all__ = [
    "SCENARIO_PERSISTENCE",
    "SCENARIO_SCHEDULES",
    "break_even",
    "persistence_table",
    "pv",
    "scenarios",
    "tornado",
]
