"""Persons with register-like covariates, drawn municipality by municipality.

Covariates: sex, parents' highest education, household income quintile, immigrant
background and lower-secondary grade points (grunnskolepoeng, mean about 41.5, sd about 9).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PARENTS_EDUCATION = ("grunnskole", "vgs", "hoyere")
GRADE_BANDS = ("low", "mid", "high")
GRADE_POINTS_MEAN = 41.5


def persons(
    rng: np.random.Generator,
    frame: pd.DataFrame,
    *,
    sizes: np.ndarray,
) -> pd.DataFrame:
    """Draw ``sizes[i]`` persons in municipality ``frame.iloc[i]``.

    Returns columns ``municipality, county, sex, parents_education, income_quintile,
    immigrant, grade_points, grade_band`` plus the municipality's ``muni_effect`` and
    ``county_effect`` (latent; dropped from published tables).
    """
    idx = np.repeat(np.arange(len(frame)), sizes)
    n = idx.size
    share_higher = frame["share_parents_higher"].to_numpy()[idx]
    share_imm = frame["share_immigrant"].to_numpy()[idx]

    female = rng.random(n) < 0.49
    u = rng.random(n)
    p_grunn = 0.30 * (1 - share_higher)
    edu_code = np.where(u < share_higher, 2, np.where(u < share_higher + p_grunn, 0, 1))
    immigrant = rng.random(n) < share_imm
    # Income quintile: graded by parents' education, with noise.
    latent_income = 0.8 * (edu_code - 1) - 0.4 * immigrant + rng.normal(0, 1, n)
    cuts = np.quantile(latent_income, [0.2, 0.4, 0.6, 0.8])
    income_quintile = 1 + np.searchsorted(cuts, latent_income)
    grade_points = (
        GRADE_POINTS_MEAN
        + 2.8 * np.where(female, 1, -1) / 2
        + np.array([-5.0, -1.0, 3.5])[edu_code]
        + 0.9 * (income_quintile - 3)
        - 1.5 * immigrant
        + rng.normal(0, 7.0, n)
    )
    grade_points = np.clip(grade_points, 10.0, 60.0).round(1)
    band = np.where(grade_points < 35, 0, np.where(grade_points < 45, 1, 2))
    return pd.DataFrame(
        {
            "municipality": frame["municipality"].to_numpy()[idx],
            "county": frame["county"].to_numpy()[idx],
            "sex": np.where(female, "F", "M"),
            "parents_education": np.asarray(PARENTS_EDUCATION)[edu_code],
            "income_quintile": income_quintile.astype(np.int64),
            "immigrant": immigrant.astype(np.int64),
            "grade_points": grade_points,
            "grade_band": np.asarray(GRADE_BANDS)[band],
            "muni_effect": frame["muni_effect"].to_numpy()[idx],
            "county_effect": frame["county_effect"].to_numpy()[idx],
        }
    )


def calibrate_intercept(linear_predictor: np.ndarray, target: float) -> float:
    """Intercept c such that mean(logistic(c + linear_predictor)) equals ``target``.

    Newton's method on a monotone, concave-convex function of c; converges in a few steps.
    """
    c = float(np.log(target / (1 - target)) - np.mean(linear_predictor))
    for _ in range(50):
        p = logistic(c + linear_predictor)
        gap = float(np.mean(p)) - target
        if abs(gap) < 1e-12:
            break
        c -= gap / max(float(np.mean(p * (1 - p))), 1e-12)
    return c


def logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))
