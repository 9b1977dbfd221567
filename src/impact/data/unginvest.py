"""The `unginvest` scenario: a county programme that enrols NEET-prone youths aged 16-24.

Generating process:

1. One county (Buskerud, 18 municipalities); seven birth cohorts (1996-2002) of about 3,300
   persons each, followed every year 2018-2025 (ages 16-29): a balanced person x year panel.
2. Untreated NEET probability is additive on the probability scale::

       p0[i, t] = b_i + 0.008 * (age[i, t] - 16) + year_t

   where ``b_i = 0.6 * logistic(eta_i)`` is a person's NEET proneness, driven by low grade
   points, parents' education, immigrant background, the municipality and an unobserved part.
   The intercept of ``eta`` is calibrated so that the mean of ``p0`` over the panel is 0.095
   (SSB's register count for 15-29-year-olds, 9.5 % in 2022). Because age enters linearly with
   the same slope for everyone and ``year_t`` is common, parallel trends hold exactly on the
   probability scale, whatever drives enrolment.
3. Enrolment: 190 persons a year in 2020-2024 (about 950 in all, the size of the DNV GL
   evaluation), drawn among not-yet-enrolled persons aged 16-24 with probability rising
   steeply in ``eta_i``: selection on (mostly observable) NEET risk, so naive comparisons of
   participants with others are badly biased.
4. Effect: a proportional cut in the NEET probability, ``p1 = p0 * (1 - r(e))`` with
   ``r = 0.45, 0.35, 0.30, 0.25, 0.22, 0.20`` at event times 0-5 (during and after the
   programme). Potential outcomes share one uniform draw per person-year.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact.data import geography, population

COUNTY = 33  # Buskerud
BIRTH_YEARS = tuple(range(1996, 2003))
YEARS = tuple(range(2018, 2026))
ENROL_YEARS = (2020, 2021, 2022, 2023, 2024)
ENROLEES_PER_YEAR = 190
TARGET_NEET = 0.095
AGE_SLOPE = 0.008
REDUCTION = (0.45, 0.35, 0.30, 0.25, 0.22, 0.20)  # e = 0..5
YEAR_EFFECT = (0.0, 0.002, 0.012, 0.006, 0.001, 0.0, 0.003, 0.004)  # 2018..2025 (2020: covid)
COHORT_SIZE = 3_300


def simulate_unginvest(rng: np.random.Generator, *, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Draw the UngInvest scenario; returns frames ``municipalities`` and ``panel``."""
    frame = geography.municipalities(rng)
    frame = frame.loc[frame["county"] == COUNTY].reset_index(drop=True)
    share = frame["cohort_size"].to_numpy() / frame["cohort_size"].sum()
    blocks = []
    for birth_year in BIRTH_YEARS:
        sizes = rng.multinomial(int(round(COHORT_SIZE * scale)), share)
        block = population.persons(rng, frame, sizes=sizes)
        block.insert(2, "birth_year", birth_year)
        blocks.append(block)
    people = pd.concat(blocks, ignore_index=True)
    n = len(people)
    people.insert(0, "person_id", np.arange(1, n + 1, dtype=np.int64))

    edu = people["parents_education"].to_numpy()
    lin = (
        -0.09 * (people["grade_points"].to_numpy() - population.GRADE_POINTS_MEAN)
        + np.where(edu == "grunnskole", 0.5, np.where(edu == "hoyere", -0.3, 0.0))
        + 0.3 * people["immigrant"].to_numpy()
        + 0.1 * (people["sex"].to_numpy() == "M")
        - 1.5 * people["muni_effect"].to_numpy()
        + rng.normal(0.0, 0.8, n)
    )
    years = np.asarray(YEARS)
    ages = years[None, :] - people["birth_year"].to_numpy()[:, None]
    trend = AGE_SLOPE * (ages - 16) + np.asarray(YEAR_EFFECT)[None, :]

    def mean_p0(c: float) -> float:
        return float(np.mean(0.6 * population.logistic(c + lin)[:, None] + trend))

    lo, hi = -15.0, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mean_p0(mid) < TARGET_NEET else (lo, mid)
    eta = (lo + hi) / 2 + lin
    proneness = 0.6 * population.logistic(eta)

    # -- enrolment: staggered, selected on NEET risk --------------------------------------------
    enrol_year = np.zeros(n, dtype=np.int64)
    propensity = np.exp(1.5 * (eta - eta.max()))
    per_year = max(int(round(ENROLEES_PER_YEAR * scale)), 5)
    for year in ENROL_YEARS:
        age = year - people["birth_year"].to_numpy()
        pool = np.flatnonzero((enrol_year == 0) & (age >= 16) & (age <= 24))
        w = propensity[pool]
        chosen = rng.choice(pool, size=min(per_year, pool.size), replace=False, p=w / w.sum())
        enrol_year[chosen] = year

    # -- person x year panel ----------------------------------------------------------------------
    p0 = proneness[:, None] + trend
    event_time = years[None, :] - enrol_year[:, None]
    treated = (enrol_year[:, None] > 0) & (event_time >= 0)
    reduction = np.asarray(REDUCTION)[np.clip(event_time, 0, len(REDUCTION) - 1)]
    p1 = np.where(treated, p0 * (1 - reduction), p0)
    u = rng.random(p0.shape)
    y0 = (u < p0).astype(np.int64)
    y1 = (u < p1).astype(np.int64)

    k = len(YEARS)
    rep = np.repeat(np.arange(n), k)
    static = people.drop(columns=["muni_effect", "county_effect", "grade_band"]).iloc[rep]
    panel = static.reset_index(drop=True).assign(
        year=np.tile(years, n),
        age=ages.ravel(),
        enrol_year=np.repeat(enrol_year, k),
        treated=treated.ravel().astype(np.int64),
        event_time=pd.array(
            np.where(np.repeat(enrol_year, k) > 0, event_time.ravel(), pd.NA), dtype="Int64"
        ),
        neet=np.where(treated, y1, y0).ravel(),
        p0=p0.ravel(),
        p1=p1.ravel(),
    )
    cols = [
        "person_id", "municipality", "county", "birth_year", "year", "age", "sex",
        "parents_education", "income_quintile", "immigrant", "grade_points", "enrol_year",
        "treated", "event_time", "neet", "p0", "p1",
    ]  # fmt: skip
    return {"municipalities": frame, "panel": panel[cols]}


def unginvest_truth(panel: pd.DataFrame) -> pd.DataFrame:
    """True effects on NEET probability (negative = fewer NEET), person weighting."""
    treated = panel.loc[panel["treated"] == 1].assign(effect=lambda d: d["p1"] - d["p0"])
    rows: list[dict[str, object]] = []
    for (g, t), d in treated.groupby(["enrol_year", "year"]):
        rows.append({"estimand": "att_gt", "cohort": g, "time": t, "event_time": t - g,
                     "value": d["effect"].mean()})  # fmt: skip
    gt = pd.DataFrame(rows)
    size = treated.groupby(["enrol_year", "year"]).size().to_numpy()
    for e, d in gt.assign(size=size).groupby("event_time"):
        rows.append({"estimand": "dynamic", "event_time": e,
                     "value": np.average(d["value"], weights=d["size"])})  # fmt: skip
    rows.append({"estimand": "simple", "value": treated["effect"].mean()})
    truth = pd.DataFrame(rows).assign(weighting="person", site=pd.NA)
    for col in ("cohort", "time", "event_time", "site"):
        truth[col] = truth[col].astype("Int64")
    truth["value"] = truth["value"].astype(float)
    return truth[["estimand", "cohort", "time", "event_time", "site", "weighting", "value"]]
