"""Synthetic Norwegian geography: about 356 municipalities (kommuner) in 15 counties (fylker).

Sizes are skewed like Norway's: a median municipality has a 10th-grade cohort of about 60
pupils, the largest several thousand; the national cohort is about 60,000.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: The 15 counties from 2024 (code, name); the codes are used as county identifiers.
COUNTIES: tuple[tuple[int, str], ...] = (
    (3, "Oslo"),
    (11, "Rogaland"),
    (15, "Møre og Romsdal"),
    (18, "Nordland"),
    (31, "Østfold"),
    (32, "Akershus"),
    (33, "Buskerud"),
    (34, "Innlandet"),
    (39, "Vestfold"),
    (40, "Telemark"),
    (42, "Agder"),
    (46, "Vestland"),
    (50, "Trøndelag"),
    (55, "Troms"),
    (56, "Finnmark"),
)
#: Number of municipalities per county, in the order of COUNTIES (sums to 356).
_MUNICIPALITIES_PER_COUNTY = (1, 23, 26, 41, 12, 21, 18, 46, 6, 17, 25, 43, 38, 21, 18)

N_MUNICIPALITIES = sum(_MUNICIPALITIES_PER_COUNTY)
NATIONAL_COHORT = 60_000


def municipalities(rng: np.random.Generator, *, cohort_size: int = NATIONAL_COHORT) -> pd.DataFrame:
    """Draw the municipality frame.

    Returns one row per municipality with columns ``municipality`` (4-digit kommune-like
    code), ``county``, ``county_name``, ``cohort_size`` (expected pupils per birth cohort),
    ``share_parents_higher`` (share of parents with higher education), ``share_immigrant``,
    ``muni_effect`` (municipality random effect on the logit of completion) and
    ``county_effect``.
    """
    codes, county_codes, names = [], [], []
    for (code, name), n in zip(COUNTIES, _MUNICIPALITIES_PER_COUNTY, strict=True):
        for i in range(n):
            codes.append(code * 100 + i + 1)
            county_codes.append(code)
            names.append(name)
    n = len(codes)
    # Skewed sizes: lognormal around a median of ~60 pupils, Oslo the largest.
    raw = rng.lognormal(mean=np.log(60.0), sigma=1.35, size=n)
    raw[0] = raw.max() * 2.5  # Oslo (the only municipality of county 3)
    sizes = np.maximum(np.round(raw / raw.sum() * cohort_size), 5).astype(int)
    log_size = np.log(sizes)
    z = (log_size - log_size.mean()) / log_size.std()
    county_effect_by_code = dict(
        zip([c for c, _ in COUNTIES], rng.normal(0.0, 0.15, len(COUNTIES)), strict=True)
    )
    county_effect = np.array([county_effect_by_code[c] for c in county_codes])
    share_higher = np.clip(0.42 + 0.08 * z + rng.normal(0, 0.05, n), 0.15, 0.8)
    share_immigrant = np.clip(0.12 + 0.05 * z + rng.normal(0, 0.03, n), 0.02, 0.45)
    return pd.DataFrame(
        {
            "municipality": np.array(codes, dtype=np.int64),
            "county": np.array(county_codes, dtype=np.int64),
            "county_name": names,
            "cohort_size": sizes,
            "share_parents_higher": share_higher,
            "share_immigrant": share_immigrant,
            "muni_effect": rng.normal(0.0, 0.2, n),
            "county_effect": county_effect,
        }
    )
