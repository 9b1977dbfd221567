"""Person-level data with individual enrolment in many sites, and the known truth.

Shared by tests/bayes/test_individual.py and benchmarks/bayes_individual.py (issue 13).

Generating process (parallel trends hold exactly on the probability scale)::

    p0[i, t] = b_i + year_t + 0.01 * (t - first year) * x_i
    p1[i, t] = p0[i, t] + effect            (from the person's enrolment year on)

``b_i`` is a stable trait: ``base`` for persons who never enrol, ``ratio * base`` for
enrollees (selection on a stable trait, not on a transitory dip), plus a site level and a
person deviation. ``x_i`` is a binary covariate (0/1, ``"x"``) with a trend of its own:
with ``trend_x=True`` enrollees are more often ``x = 1``, so parallel trends hold only
conditional on ``x``. Every site has enrollees of several enrolment years, and the
enrolment years are drawn per person, so ``enrol_year`` varies within each site.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def simulate_individual(
    seed: int,
    *,
    n_sites: int = 40,
    persons_per_site: int = 150,
    enrol_share: float = 0.2,
    years: tuple[int, ...] = (2016, 2017, 2018, 2019, 2020, 2021, 2022),
    enrol_years: tuple[int, ...] = (2018, 2019, 2020),
    base: float = 0.06,
    ratio: float = 4.0,
    effect: float = -0.08,
    trend_x: bool = False,
) -> tuple[pd.DataFrame, float]:
    """Person x year rows (``person_id, municipality, year, enrol_year, treated, event_time,
    x, neet, p0, p1``) and the true ATT (mean of ``p1 - p0`` over treated person-years)."""
    rng = np.random.default_rng(seed)
    n = n_sites * persons_per_site
    site = np.repeat(np.arange(n_sites), persons_per_site)
    enrols = rng.random(n) < enrol_share
    enrol_year = np.where(enrols, rng.choice(np.asarray(enrol_years), size=n), 0)
    site_level = rng.normal(0.0, 0.01, n_sites)[site]
    trait = np.clip(
        np.where(enrols, ratio * base, base) + site_level + rng.normal(0.0, 0.02, n), 0.01, 0.5
    )
    x = (rng.random(n) < np.where(enrols & trend_x, 0.7, 0.3)).astype(np.int64)
    t = np.asarray(years)
    year_effect = np.linspace(0.0, 0.03, t.size) + rng.normal(0.0, 0.005, t.size)
    slope = 0.01 if trend_x else 0.0
    p0 = trait[:, None] + year_effect[None, :] + slope * (t - t[0])[None, :] * x[:, None]
    treated = (enrol_year[:, None] > 0) & (t[None, :] >= enrol_year[:, None])
    p1 = np.where(treated, np.clip(p0 + effect, 0.0, 1.0), p0)
    y = (rng.random(p0.shape) < p1).astype(np.int64)
    k = t.size
    event = np.where(enrol_year[:, None] > 0, t[None, :] - enrol_year[:, None], -1)
    rows = pd.DataFrame(
        {
            "person_id": np.repeat(np.arange(n), k),
            "municipality": np.repeat([f"k{s:02d}" for s in site], k),
            "year": np.tile(t, n),
            "enrol_year": np.repeat(enrol_year, k),
            "treated": treated.ravel().astype(np.int64),
            "event_time": pd.array(
                np.where(event.ravel() >= 0, event.ravel(), pd.NA), dtype="Int64"
            ),
            "x": np.repeat(x, k),
            "neet": y.ravel(),
            "p0": p0.ravel(),
            "p1": p1.ravel(),
        }
    )
    on = rows["treated"] == 1
    truth = float((rows.loc[on, "p1"] - rows.loc[on, "p0"]).mean())
    return rows, truth


def site_first_enrolment(rows: pd.DataFrame) -> pd.Series:
    """Each row's site's first enrolment year: the cohort a municipal roll-out would give."""
    enrolled = rows["enrol_year"].where(rows["enrol_year"] > 0)
    return enrolled.groupby(rows["municipality"]).transform("min").fillna(0).astype(np.int64)


def to_cells(rows: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """Sum person rows into cells with ``successes`` and ``n``."""
    return rows.groupby(by, observed=True)["neet"].agg(successes="sum", n="size").reset_index()
