"""The `getacademy` scenario: an IT education programme that young people enrol in one by one.

Generating process (all on one seeded generator):

1. 40 municipalities with 4-digit kommune numbers kept as text (``"0301"`` keeps its
   leading zero; real numbers from before and after the 2020 reform, used as labels only:
   nothing else about those municipalities is in the data). Sizes are skewed: ``"0301"``
   is the largest.
2. Four birth cohorts (1995-1998) of about 5,000 persons each, followed every year
   2016-2024 (ages 18-29): a balanced person x year panel of about 20,000 persons with
   person identifiers as 6-digit text (``"000042"``). Stable traits: sex, immigrant
   background and earlier NEET status (``earlier_neet``: NEET at some point at ages 16-17).
3. Each year a person is employed, in education or NEET (neither). The untreated
   probabilities are additive on the probability scale::

       p0_employed[i, t] = c_E + b_E(x_i) + a_E * u_i + gE_t + (t - 2016) * s_E(x_i)
       p0_neet[i, t]     = c_N + b_N(x_i) + a_N * u_i + gN_t + (t - 2016) * s_N(x_i)

   with ``x_i`` the stable traits and the age in 2016, ``u_i`` an unobserved stable
   proneness, ``g_t`` common year effects (2020: covid) and trend slopes ``s(x_i)`` that
   depend on the traits (persons with earlier NEET status catch up). Parallel trends
   therefore hold *conditionally on the stable covariates* and not unconditionally: a DiD
   without covariates is biased, one with them (``att_gt(..., covariates=...)``) is not.
   The intercepts are set so that the mean of ``p0`` over the panel is 0.62 (employed) and
   0.095 (NEET; SSB's register count for 15-29-year-olds was 9.5 % in 2022).
4. Enrolment: 160 persons a year in 2018-2022 (800 in all), drawn among the not yet enrolled
   with probability rising in earlier NEET status, immigrant background, male sex and
   younger age: selection on stable observables only. Some 6 % of persons move to another
   municipality once (a random year, unrelated to enrolment), so a person can have two
   municipality codes.
5. Effects grow with time since enrolment ``e`` (0 = the course year)::

       p1_neet     = p0_neet * (1 - r(e)),            r = 0.18, 0.27, 0.34, 0.39, 0.42, 0.44, 0.45
       p1_employed = p0_employed + g(e) * (1 - p0_employed),
                                                      g = 0.03, 0.09, 0.15, 0.19, 0.22, 0.24, 0.25

   (``r >= g`` keeps the education share non-negative). One uniform draw per person-year
   gives all four potential outcomes (employed if ``u < p_employed``, NEET if
   ``u >= 1 - p_neet``), so the programme never lowers anyone's employment.

True effects are ``mean(p1 - p0)`` over treated person-years (person weighting), for each
outcome: ``att_gt``, ``dynamic`` and ``simple``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: 4-digit kommune-style codes (text); the first is the largest municipality.
MUNICIPALITIES = (
    "0301", "0101", "0104", "0105", "0106", "0219", "0220", "0403", "0501", "0502",
    "0602", "0604", "0701", "0704", "0805", "0806", "0904", "0906", "1001", "1103",
    "1106", "1201", "1502", "1504", "1601", "1804", "1902", "2004", "3005", "3020",
    "3024", "3025", "3401", "3403", "3803", "3804", "4203", "4204", "4601", "5001",
)  # fmt: skip
BIRTH_YEARS = (1995, 1996, 1997, 1998)
YEARS = tuple(range(2016, 2025))
ENROL_YEARS = (2018, 2019, 2020, 2021, 2022)
ENROLEES_PER_YEAR = 160
COHORT_SIZE = 5_000
TARGET_EMPLOYED = 0.62
TARGET_NEET = 0.095
MOVE_SHARE = 0.06
NEET_REDUCTION = (0.18, 0.27, 0.34, 0.39, 0.42, 0.44, 0.45)  # e = 0..6, share of p0_neet
EMPLOYMENT_GAIN = (0.03, 0.09, 0.15, 0.19, 0.22, 0.24, 0.25)  # e = 0..6, share of 1 - p0_employed
YEAR_EFFECT_EMPLOYED = (0.0, 0.005, 0.010, 0.012, -0.030, -0.010, 0.015, 0.020, 0.015)
YEAR_EFFECT_NEET = (0.0, -0.002, -0.004, -0.005, 0.015, 0.008, -0.004, -0.006, -0.004)
#: Stable covariates a DiD should condition on (conditional parallel trends).
COVARIATES = ("age_2016", "female", "immigrant", "earlier_neet")
OUTCOMES = ("employed", "neet")


def simulate_getacademy(rng: np.random.Generator, *, scale: float = 1.0) -> dict[str, pd.DataFrame]:
    """Draw the GET Academy scenario; returns frames ``municipalities`` and ``panel``."""
    n_m = len(MUNICIPALITIES)
    raw = rng.lognormal(mean=0.0, sigma=0.9, size=n_m)
    raw[0] = raw.max() * 3.0
    share = raw / raw.sum()
    share_immigrant = np.clip(0.15 + 0.04 * np.log(share / share.mean()), 0.05, 0.35)
    frame = pd.DataFrame(
        {
            "municipality": pd.array(MUNICIPALITIES, dtype="str"),
            "population_share": share,
            "share_immigrant": share_immigrant,
        }
    )
    counts = rng.multinomial(int(round(COHORT_SIZE * scale)) * len(BIRTH_YEARS), share)
    home = rng.permutation(np.repeat(np.arange(n_m), counts))  # ids not sorted by place
    n = home.size
    birth_year = rng.choice(np.asarray(BIRTH_YEARS, dtype=np.int64), size=n)
    female = rng.random(n) < 0.49
    immigrant = rng.random(n) < share_immigrant[home]
    earlier_neet = rng.random(n) < 0.10 + 0.06 * immigrant + 0.03 * ~female
    latent = rng.uniform(-1.0, 1.0, n)
    age_2016 = 2016 - birth_year
    age_c = age_2016 - 19.5

    years = np.asarray(YEARS)
    since = (years - YEARS[0])[None, :]
    b_n = 0.12 * earlier_neet + 0.03 * immigrant + 0.01 * ~female + 0.025 * latent
    s_n = -0.002 - 0.006 * earlier_neet + 0.001 * immigrant + 0.0005 * age_c
    rest_n = b_n[:, None] + np.asarray(YEAR_EFFECT_NEET)[None, :] + since * s_n[:, None]
    p0_neet = TARGET_NEET - rest_n.mean() + rest_n
    b_e = -0.20 * earlier_neet - 0.08 * immigrant + 0.02 * female - 0.04 * latent
    s_e = 0.030 + 0.012 * earlier_neet + 0.004 * immigrant - 0.002 * age_c
    rest_e = b_e[:, None] + np.asarray(YEAR_EFFECT_EMPLOYED)[None, :] + since * s_e[:, None]
    p0_emp = TARGET_EMPLOYED - rest_e.mean() + rest_e

    # -- enrolment: individual, 2018-2022, selected on stable observables ----------------------
    propensity = np.exp(1.6 * earlier_neet + 0.5 * immigrant + 0.3 * ~female - 0.15 * age_c)
    enrol_year = np.zeros(n, dtype=np.int64)
    per_year = max(int(round(ENROLEES_PER_YEAR * scale)), 5)
    for year in ENROL_YEARS:
        pool = np.flatnonzero(enrol_year == 0)
        w = propensity[pool]
        chosen = rng.choice(pool, size=min(per_year, pool.size), replace=False, p=w / w.sum())
        enrol_year[chosen] = year

    # -- moves: some persons change municipality once ---------------------------------------------
    movers = rng.random(n) < MOVE_SHARE
    move_year = np.where(movers, rng.integers(YEARS[1], YEARS[-1] + 1, n), 0)
    shift = rng.integers(1, n_m, n)  # any other municipality
    new_home = (home + shift) % n_m
    moved = movers[:, None] & (years[None, :] >= move_year[:, None])
    where = np.where(moved, new_home[:, None], home[:, None])

    # -- potential outcomes -----------------------------------------------------------------------
    event_time = years[None, :] - enrol_year[:, None]
    treated = (enrol_year[:, None] > 0) & (event_time >= 0)
    e = np.clip(event_time, 0, len(NEET_REDUCTION) - 1)
    p1_neet = np.where(treated, p0_neet * (1 - np.asarray(NEET_REDUCTION)[e]), p0_neet)
    p1_emp = np.where(treated, p0_emp + np.asarray(EMPLOYMENT_GAIN)[e] * (1 - p0_emp), p0_emp)
    u = rng.random(p0_neet.shape)
    employed = np.where(treated, u < p1_emp, u < p0_emp)
    neet = np.where(treated, u >= 1 - p1_neet, u >= 1 - p0_neet)

    k = len(YEARS)
    ids = np.char.zfill(np.arange(1, n + 1).astype(str), 6)
    rep = np.repeat(np.arange(n), k)
    codes = np.asarray(MUNICIPALITIES, dtype=object)
    enrol_rep = np.repeat(enrol_year, k)
    panel = pd.DataFrame(
        {
            "person_id": pd.array(ids[rep], dtype="str"),
            "municipality": pd.array(codes[where.ravel()], dtype="str"),
            "birth_year": birth_year[rep],
            "year": np.tile(years, n),
            "age": (years[None, :] - birth_year[:, None]).ravel(),
            "age_2016": age_2016[rep],
            "sex": np.where(female, "F", "M")[rep],
            "female": female.astype(np.int64)[rep],
            "immigrant": immigrant.astype(np.int64)[rep],
            "earlier_neet": earlier_neet.astype(np.int64)[rep],
            "enrol_year": enrol_rep,
            "treated": treated.ravel().astype(np.int64),
            "event_time": pd.array(
                np.where(enrol_rep > 0, event_time.ravel(), pd.NA), dtype="Int64"
            ),
            "employed": employed.ravel().astype(np.int64),
            "neet": neet.ravel().astype(np.int64),
            "p0_employed": p0_emp.ravel(),
            "p1_employed": p1_emp.ravel(),
            "p0_neet": p0_neet.ravel(),
            "p1_neet": p1_neet.ravel(),
        }
    )
    return {"municipalities": frame, "panel": panel}


def getacademy_truth(panel: pd.DataFrame) -> pd.DataFrame:
    """True effects on the probabilities of employment and NEET, person weighting.

    Columns ``outcome, estimand, cohort, time, event_time, site, weighting, value``.
    """
    treated = panel.loc[panel["treated"] == 1]
    rows: list[dict[str, object]] = []
    for outcome in OUTCOMES:
        effect = treated[f"p1_{outcome}"] - treated[f"p0_{outcome}"]
        by = effect.groupby([treated["enrol_year"], treated["year"]])
        gt = pd.DataFrame({"value": by.mean(), "size": by.size()}).reset_index()
        gt["event_time"] = gt["year"] - gt["enrol_year"]
        for r in gt.itertuples(index=False):
            rows.append({"outcome": outcome, "estimand": "att_gt", "cohort": r.enrol_year,
                         "time": r.year, "event_time": r.event_time, "value": r.value})  # fmt: skip
        for ev, d in gt.groupby("event_time"):
            rows.append({"outcome": outcome, "estimand": "dynamic", "event_time": ev,
                         "value": np.average(d["value"], weights=d["size"])})  # fmt: skip
        rows.append({"outcome": outcome, "estimand": "simple", "value": effect.mean()})
    truth = pd.DataFrame(rows).assign(weighting="person", site=pd.NA)
    for col in ("cohort", "time", "event_time", "site"):
        truth[col] = truth[col].astype("Int64")
    truth["value"] = truth["value"].astype(float)
    cols = ["outcome", "estimand", "cohort", "time", "event_time", "site", "weighting", "value"]
    return truth[cols]
