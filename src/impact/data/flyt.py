"""The `flyt` scenario: a 10th-grade life-skills programme rolled out municipality by municipality.

Generating process (all on one seeded generator):

1. Geography: 356 municipalities in 15 counties (:mod:`impact.data.geography`).
2. Pupils: ten 10th-grade cohorts (years 2015-2024) of about 60,000 pupils with covariates
   (:mod:`impact.data.population`).
3. Untreated completion of upper secondary within five years, ``p0``: logistic in grade
   points (strongly graded), parents' education, sex, immigrant background, a municipality and
   a county effect and a small common year trend; the intercept is calibrated so that the
   mean of ``p0`` is 0.80.
4. Adoption: 20 municipalities with a 10th-grade cohort of 20-80 pupils adopt in 2019-2023
   (4 a year). Municipalities with lower baseline completion are more likely to adopt, so a
   naive comparison of adopters with others is biased; parallel trends hold on the logit scale
   (and, to a close approximation, on the probability scale: the data card reports the gap).
   Once adopted, the whole 10th-grade cohort (one to three groups of 25-30) takes part.
5. Effect on the logit of completion for a treated pupil::

       beta = site_m * dyn(e) * cohort_mult(g) * band_mult(grade band)

   with ``site_m ~ N(0.30, 0.12)`` by municipality, ``dyn(e) = 0.6, 0.85, 1, 1, ...`` for
   event time ``e = 0, 1, 2, ...`` (the programme matures), ``cohort_mult`` falling from 1.3 for
   the first adopters to 0.7 for the last, and ``band_mult = 1.3, 1.0, 0.7`` for low, mid and
   high grade points (the programme helps those at risk most).
6. Potential outcomes share one uniform draw per pupil (``y_d = u < p_d``), so
   ``y1 - y0`` is never negative when ``beta`` is positive.

True estimands are computed from the potential-outcome probabilities: ``mean(p1 - p0)`` over
treated pupils (person weighting) or over treated municipalities (unit weighting).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from impact.data import geography, population

YEARS = tuple(range(2015, 2025))
ADOPTION_YEARS = (2019, 2020, 2021, 2022, 2023)
ADOPTERS_PER_YEAR = 4
TARGET_COMPLETION = 0.80
SITE_EFFECT_MEAN = 0.30
SITE_EFFECT_SD = 0.12
DYNAMIC_MULTIPLIER = (0.6, 0.85, 1.0)  # e = 0, 1, >= 2
BAND_MULTIPLIER = {"low": 1.3, "mid": 1.0, "high": 0.7}
YEAR_TREND = 0.02  # logit points per year


def _dynamic(e: np.ndarray) -> np.ndarray:
    table = np.asarray(DYNAMIC_MULTIPLIER)
    return table[np.clip(e, 0, len(table) - 1)]


def simulate_flyt(rng: np.random.Generator, *, scale: float = 1.0) -> dict[str, Any]:
    """Draw the Flyt scenario: frames ``municipalities``, ``persons`` and the ``year_shock``s."""
    frame = geography.municipalities(rng, cohort_size=int(round(geography.NATIONAL_COHORT * scale)))
    n_m = len(frame)

    # -- adoption: 20 small/medium municipalities, lower baseline completion more likely ----------
    eligible = np.flatnonzero(
        (frame["cohort_size"].to_numpy() >= 20 * scale)
        & (frame["cohort_size"].to_numpy() <= 80 * scale)
    )
    if eligible.size < ADOPTERS_PER_YEAR * len(ADOPTION_YEARS):
        eligible = np.argsort(np.abs(np.log(frame["cohort_size"].to_numpy()) - np.log(50 * scale)))[
            :60
        ]
    baseline = frame["muni_effect"].to_numpy() + frame["county_effect"].to_numpy()
    weight = np.exp(-4.0 * baseline[eligible])
    n_adopt = ADOPTERS_PER_YEAR * len(ADOPTION_YEARS)
    adopters = rng.choice(eligible, size=n_adopt, replace=False, p=weight / weight.sum())
    adoption_year = np.zeros(n_m, dtype=np.int64)
    adoption_year[adopters] = np.repeat(ADOPTION_YEARS, ADOPTERS_PER_YEAR)
    site_effect = np.zeros(n_m)
    site_effect[adopters] = rng.normal(SITE_EFFECT_MEAN, SITE_EFFECT_SD, n_adopt)
    frame = frame.assign(adoption_year=adoption_year, site_effect=site_effect)

    # -- pupils: one cohort per year, sizes Poisson around the municipality's cohort size --------
    year_shock = YEAR_TREND * (np.asarray(YEARS) - YEARS[0]) + rng.normal(0, 0.03, len(YEARS))
    blocks = []
    for k, year in enumerate(YEARS):
        # at least two pupils, so the municipality x year panel is balanced
        sizes = np.maximum(rng.poisson(frame["cohort_size"].to_numpy()), 2)
        block = population.persons(rng, frame, sizes=sizes)
        block.insert(2, "year", year)
        block["year_shock"] = year_shock[k]
        blocks.append(block)
    persons = pd.concat(blocks, ignore_index=True)
    persons.insert(0, "person_id", np.arange(1, len(persons) + 1, dtype=np.int64))

    edu = persons["parents_education"].to_numpy()
    lin = (
        0.16 * (persons["grade_points"].to_numpy() - population.GRADE_POINTS_MEAN)
        + np.where(edu == "hoyere", 0.35, np.where(edu == "grunnskole", -0.35, 0.0))
        + 0.2 * (persons["sex"].to_numpy() == "F")
        - 0.15 * persons["immigrant"].to_numpy()
        + persons["muni_effect"].to_numpy()
        + persons["county_effect"].to_numpy()
        + persons["year_shock"].to_numpy()
    )
    intercept = population.calibrate_intercept(lin, TARGET_COMPLETION)
    eta0 = intercept + lin

    by_muni = frame.set_index("municipality")
    adopt = by_muni.loc[persons["municipality"], "adoption_year"].to_numpy()
    site = by_muni.loc[persons["municipality"], "site_effect"].to_numpy()
    year = persons["year"].to_numpy()
    treated = (adopt > 0) & (year >= adopt)
    event_time = np.where(adopt > 0, year - adopt, 0)
    cohort_rank = np.searchsorted(ADOPTION_YEARS, np.where(adopt > 0, adopt, ADOPTION_YEARS[0]))
    cohort_mult = 1.3 - 0.6 * cohort_rank / (len(ADOPTION_YEARS) - 1)
    band_mult = persons["grade_band"].map(BAND_MULTIPLIER).to_numpy(dtype=float)
    beta = np.where(treated, site * _dynamic(event_time) * cohort_mult * band_mult, 0.0)

    p0 = population.logistic(eta0)
    p1 = population.logistic(eta0 + beta)
    u = rng.random(len(persons))
    y0 = (u < p0).astype(np.int64)
    y1 = (u < p1).astype(np.int64)
    persons = persons.drop(columns=["muni_effect", "county_effect", "year_shock"]).assign(
        adoption_year=adopt.astype(np.int64),
        treated=treated.astype(np.int64),
        event_time=pd.array(np.where(adopt > 0, event_time, pd.NA), dtype="Int64"),
        completed_vgs=np.where(treated, y1, y0),
        p0=p0,
        p1=p1,
        y0=y0,
        y1=y1,
    )
    return {"municipalities": frame, "persons": persons, "year_shock": year_shock}


def flyt_panel(persons: pd.DataFrame) -> pd.DataFrame:
    """Municipality x year panel: the unit of the DiD analysis (balanced)."""
    grouped = persons.assign(
        _higher=(persons["parents_education"] == "hoyere").astype(float)
    ).groupby(["municipality", "year"], sort=True)
    panel = grouped.agg(
        county=("county", "first"),
        adoption_year=("adoption_year", "first"),
        treated=("treated", "max"),
        n=("completed_vgs", "size"),
        completed=("completed_vgs", "sum"),
        share_parents_higher=("_higher", "mean"),
        mean_grade_points=("grade_points", "mean"),
    ).reset_index()
    panel["completion_rate"] = panel["completed"] / panel["n"]
    panel["event_time"] = pd.array(
        np.where(panel["adoption_year"] > 0, panel["year"] - panel["adoption_year"], pd.NA),
        dtype="Int64",
    )
    cols = [
        "municipality", "county", "year", "adoption_year", "treated", "event_time", "n",
        "completed", "completion_rate", "share_parents_higher", "mean_grade_points",
    ]  # fmt: skip
    return panel[cols]


def flyt_truth(persons: pd.DataFrame, year_shock: np.ndarray) -> pd.DataFrame:
    """True effects on the probability scale, computed from the potential outcomes."""
    treated = persons.loc[persons["treated"] == 1].assign(
        effect=lambda d: d["p1"] - d["p0"],
    )
    cell = (
        treated.groupby(["adoption_year", "year", "municipality"])["effect"]
        .agg(["mean", "size"])
        .reset_index()
    )
    rows: list[dict[str, object]] = []

    def add(estimand: str, weighting: str, value: float, **keys: object) -> None:
        rows.append(
            {"estimand": estimand, "weighting": weighting, "value": float(value)}
            | {"cohort": pd.NA, "time": pd.NA, "event_time": pd.NA, "site": pd.NA}
            | keys
        )

    for (g, t), d in cell.groupby(["adoption_year", "year"]):
        add("att_gt", "unit", d["mean"].mean(), cohort=g, time=t, event_time=t - g)
        add(
            "att_gt",
            "person",
            np.average(d["mean"], weights=d["size"]),
            cohort=g,
            time=t,
            event_time=t - g,
        )
    cell["event_time"] = cell["year"] - cell["adoption_year"]
    for e, d in cell.groupby("event_time"):
        add("dynamic", "unit", d["mean"].mean(), event_time=e)
        add("dynamic", "person", np.average(d["mean"], weights=d["size"]), event_time=e)
    for g, d in cell.groupby("adoption_year"):
        add("group", "unit", d["mean"].mean(), cohort=g)
        add("group", "person", np.average(d["mean"], weights=d["size"]), cohort=g)
    add("simple", "unit", cell["mean"].mean())
    add("simple", "person", treated["effect"].mean())
    for m, d in treated.groupby("municipality"):
        add("site", "person", d["effect"].mean(), site=m)
    # How far parallel trends in probabilities are from exact (the DGP is parallel on the logit
    # scale): the DiD of *expected* untreated probabilities, adopters vs never-adopters, base
    # year g - 1, holding each municipality's pupil mix fixed (so sampling noise in who is born
    # where does not count as a violation).
    shock = pd.Series(year_shock, index=YEARS)
    logit0 = np.log(persons["p0"] / (1 - persons["p0"])) - shock.loc[persons["year"]].to_numpy()
    mix = pd.DataFrame({"municipality": persons["municipality"], "logit0": logit0})
    expected = {
        t: mix.assign(p=population.logistic(mix["logit0"] + shock[t]))
        .groupby("municipality")["p"]
        .mean()
        for t in YEARS
    }
    ep0 = pd.DataFrame(expected)
    adopt = persons.groupby("municipality")["adoption_year"].first()
    never = ep0.loc[adopt[adopt == 0].index]
    gaps = []
    for g in sorted(adopt[adopt > 0].unique()):
        units = ep0.loc[adopt[adopt == g].index]
        for t in [t for t in YEARS if t >= g]:
            gap = (units[t] - units[g - 1]).mean() - (never[t] - never[g - 1]).mean()
            gaps.append((t - g, len(units), gap))
    gap_frame = pd.DataFrame(gaps, columns=["event_time", "size", "gap"])
    for e, d in gap_frame.groupby("event_time"):
        add("pt_gap", "unit", np.average(d["gap"], weights=d["size"]), event_time=e)
    truth = pd.DataFrame(rows)
    for col in ("cohort", "time", "event_time", "site"):
        truth[col] = truth[col].astype("Int64")
    return truth[["estimand", "cohort", "time", "event_time", "site", "weighting", "value"]]
