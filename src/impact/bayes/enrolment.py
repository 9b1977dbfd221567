"""Who enrols: a site's roll-out or persons one by one; the checks each design needs.

:func:`impact.bayes.hierarchical_did` compares units. In a municipal roll-out
(``enrolment="site"``) the unit is the site: every person of a site is treated from the
site's adoption year on, so one intercept per site carries the level of everyone the
comparison touches. When persons enrol individually (``enrolment="individual"``), the
enrollees of a site are a selected group whose level can differ from their neighbours'
(four times the NEET rate, say); the unit is then the enrolment cohort within the site,
so the comparison is a difference in differences whatever the level of each group. Fitting
the site design on individual enrolment gives enrollees and non-enrollees one intercept,
and the effect absorbs the difference in levels: a silent wrong answer, which the checks
here refuse.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from impact.errors import DataError, DesignError, OptionError

ENROLMENTS: tuple[str, ...] = ("site", "individual")
#: Separator of site and cohort in the labels of individual-enrolment units.
UNIT_SEPARATOR = " / "


def check_enrolment(enrolment: object) -> str:
    """Return ``enrolment`` if it is ``"site"`` or ``"individual"``, else :class:`OptionError`."""
    if enrolment not in ENROLMENTS:
        raise OptionError(
            f"enrolment={enrolment!r} is not one of {ENROLMENTS}: 'site' when whole sites "
            "adopt (a municipal roll-out), 'individual' when persons enrol in their own years."
        )
    return str(enrolment)


def _plain(value: object) -> object:
    return value.item() if isinstance(value, np.generic) else value


def check_site_rollout(
    data: pd.DataFrame, *, site: str | None, cohort: str | None, time: str, treated: str
) -> None:
    """Refuse a municipal roll-out whose sites are partly treated in a year.

    In a roll-out everyone in a site is treated from its adoption year on, so ``treated``
    is constant within site x time (within cohort x time when the cohort is the unit).
    When it is not, persons enrolled individually, and one intercept per site would mix
    enrollees with the others.
    """
    unit = site if site is not None else cohort
    assert unit is not None
    tr = pd.to_numeric(data[treated], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    spread = (
        pd.Series(tr)
        .groupby([data[unit].to_numpy(), data[time].to_numpy()], sort=True)
        .agg(["min", "max"])
    )
    mixed = spread[spread["min"] != spread["max"]]
    if len(mixed):
        where, when = mixed.index[0]
        raise DesignError(
            f"site {_plain(where)!r} (column {unit!r}) has treated and untreated rows "
            f"({treated!r} 0 and 1) in {time} {_plain(when)!r} ({len(mixed)} site-years "
            "like it): persons enrol individually, but enrolment='site' (a municipal roll-out) "
            "gives enrollees and non-enrollees one intercept, and the effect would absorb "
            "their difference in level. Pass enrolment='individual' with cohort= each "
            "person's enrolment year (0 = never)."
        )


def check_individual(
    data: pd.DataFrame,
    *,
    site: str | None,
    cohort: str | None,
    time: str,
    treated: str,
    person: str | None,
) -> None:
    """Refuse data that break the individual-enrolment design.

    Needs a cohort column (each person's enrolment year, 0 = never); ``treated`` must be
    exactly ``1{time >= cohort > 0}`` (the unit is the cohort within the site, so an
    untreated row after enrolment would sit in a treated unit as a control); every
    enrolment cohort of a site needs rows before its enrolment year (the intercept of a
    unit seen only treated is not identified apart from the effect); with ``person``, a
    person's cohort and site must not change (a person who moves carries the trait into
    another unit's intercept).
    """
    if cohort is None:
        raise DesignError(
            "enrolment='individual' needs cohort= the column of each person's enrolment year "
            "(0 = never enrols); the units are enrolment cohorts within sites."
        )
    g = pd.to_numeric(data[cohort], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    t = pd.to_numeric(data[time], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    tr = pd.to_numeric(data[treated], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    late = (g > 0) & (t >= g) & (tr != 1)
    if late.any():
        i = int(np.flatnonzero(late)[0])
        raise DataError(
            f"row {data.index[i]} has {treated!r} = 0 in {time} {_plain(data[time].iloc[i])!r} "
            f"but {cohort!r} = {_plain(data[cohort].iloc[i])!r} ({int(late.sum())} rows like "
            f"it): with enrolment='individual' a person is treated from the enrolment year on. "
            f"Fix {treated!r}, or give persons who never started {cohort!r} = 0."
        )
    if person is not None:
        for col in (cohort, site):
            if col is None:
                continue
            per = data.groupby(data[person].to_numpy(), sort=True)[col].nunique(dropna=False)
            varying = per[per > 1]
            if len(varying):
                who = varying.index[0]
                values = sorted(
                    {_plain(v) for v in data.loc[(data[person] == who).to_numpy(), col]}, key=str
                )
                raise DataError(
                    f"person {_plain(who)!r} (column {person!r}) has several values in column "
                    f"{col!r}: {values} ({len(varying)} person(s) like it); the model's unit is the "
                    f"enrolment cohort within the site, fixed per person. Give each person one "
                    f"{col!r} (e.g. the value at enrolment or at the first year observed)."
                )
    keys = [c for c in (site, cohort) if c is not None]
    first = pd.Series(t).groupby([data[c].to_numpy() for c in keys], sort=True).min()
    cohorts = np.asarray([k[-1] if isinstance(k, tuple) else k for k in first.index], dtype=float)
    early = (cohorts > 0) & (first.to_numpy() >= cohorts)
    if early.any():
        j = int(np.flatnonzero(early)[0])
        key = first.index[j]
        where = f"site {_plain(key[0])!r} (column {site!r}), " if site is not None else ""
        raise DesignError(
            f"{where}{cohort!r} = {_plain(cohorts[j]):g} has no rows before its enrolment "
            f"year (first {time} observed: {_plain(first.iloc[j]):g}; {int(early.sum())} units "
            "like it): a unit seen only treated has no pre-period, and its level cannot be told "
            "apart from the effect. Drop persons enrolled in or before the first year observed."
        )


def unit_labels(frame: pd.DataFrame, *, site: str | None, cohort: str) -> pd.Series:
    """Each row's unit: ``"<site> / <cohort>"`` (or the cohort when there is no site)."""
    if site is None:
        return frame[cohort]
    return frame[site].astype(str) + UNIT_SEPARATOR + frame[cohort].astype(str)
