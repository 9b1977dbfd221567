"""A programme that is not in the repository, evaluated from a spec alone.

In a throw-away project: a person-year register extract with the register's own column names
(``lopenr, komnr, aar, startaar, syss``), municipality codes with leading zeros stored as
text, blank enrolment for those never enrolled, one person who moves, and a known effect on
employment; a spec that maps the columns, keeps a mover in the first municipality, skips the
Bayesian model and names the costs. Then ``impact validate``, ``impact run`` and ``impact
report --engine builtin --to html`` through the command, with ``--project``.

Needs the generic analysis (impact.study.run, branch study-run) and the generic report
template (reports/study.qmd, branch study-report); skips, saying which, until both are there.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from impact.bundle import Bundle
from impact.cli import app
from impact.study import Project

from .projects import HAS_STUDY_RUN, NEEDS_STUDY_RUN, ROOT

HAS_TEMPLATE = (ROOT / "reports" / "study.qmd").is_file()
pytestmark = [
    pytest.mark.skipif(not HAS_STUDY_RUN, reason=NEEDS_STUDY_RUN),
    pytest.mark.skipif(
        not HAS_TEMPLATE,
        reason="needs the generic report template reports/study.qmd (branch study-report), "
        "not merged yet",
    ),
]

#: The true effect of enrolment on the probability of being employed, every year after it.
EFFECT = 0.12
MUNICIPALITIES = ["0301", "0219", "1103", "3005", "4601", "5001", "1804", "3803"]
YEARS = range(2016, 2022)
WHAT_NB = "Jobbsjansen gir unge voksne utenfor arbeid et år med kurs og arbeidspraksis."
WHAT_EN = "Jobbsjansen offers young adults outside work a year of courses and placements."

SPEC = f'''
version = 1

[programme]
name = "jobbsjansen"
title = {{ nb = "Jobbsjansen", en = "Jobbsjansen" }}
who = {{ nb = "unge voksne mellom 18 og 29 år", en = "young adults aged 18 to 29" }}
what.nb = "{WHAT_NB}"
what.en = "{WHAT_EN}"
seed = 7

[data]
panel = "data/register/jobbsjansen.csv"
mapping = {{ lopenr = "person_id", komnr = "municipality", aar = "year", startaar = "enrol_year", syss = "employed" }}
movers = "first"

[unit]
observation = "person_year"
id = "person_id"
time = "year"
cluster = "person_id"
municipality = "municipality"

[enrolment]
cohort = "enrol_year"

[[outcomes]]
column = "employed"
type = "binary"
registry = "employed"

[design]
type = "individual_enrolment"
control_group = "never_treated"

[bayes]
fit = false

[appraisal]
age = 22
start_year = 2024
costs = {{ kommune = 60000, stat = 40000 }}
description = "A year of courses and placements"
'''


def register_extract(seed: int = 11) -> pd.DataFrame:
    """1,500 persons x 6 years; 75 enrol in 2018 and 75 in 2019 (with a lower baseline:
    selection on levels, parallel trends hold); employment rises by EFFECT from enrolment."""
    rng = np.random.default_rng(seed)
    n = 1500
    cohort = np.zeros(n, dtype=int)
    chosen = rng.choice(n, size=150, replace=False)
    cohort[chosen[:75]] = 2018
    cohort[chosen[75:]] = 2019
    base = np.where(cohort > 0, 0.30, 0.50) + rng.normal(0, 0.05, size=n)
    home = rng.choice(MUNICIPALITIES, size=n)
    rows = []
    for i in range(n):
        for year in YEARS:
            p = base[i] + 0.01 * (year - 2016)
            if cohort[i] and year >= cohort[i]:
                p += EFFECT
            municipality = home[i]
            if i == 0 and year >= 2019:  # the one mover
                municipality = "0219" if home[i] != "0219" else "0301"
            rows.append(
                {
                    "lopenr": f"{i + 1:06d}",
                    "komnr": municipality,
                    "aar": year,
                    "startaar": cohort[i] if cohort[i] else None,  # blank: never enrolled
                    "syss": int(rng.random() < np.clip(p, 0.01, 0.99)),
                    "kjonn": rng.choice(["1", "2"]),  # not mapped: never read
                }
            )
    frame = pd.DataFrame(rows)
    frame["startaar"] = frame["startaar"].astype("Int64")
    return frame


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("jobbsjansen")
    (root / "studies").mkdir()
    (root / "studies" / "jobbsjansen.toml").write_text(SPEC, encoding="utf-8")
    (root / "data" / "register").mkdir(parents=True)
    register_extract().to_csv(root / "data" / "register" / "jobbsjansen.csv", index=False)
    return root


runner = CliRunner()


def invoke(*args: str | Path) -> str:
    result = runner.invoke(app, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())


@pytest.fixture(scope="module")
def validated(project: Path) -> str:
    return invoke("validate", "jobbsjansen", "--project", project)


@pytest.fixture(scope="module")
def bundle(project: Path, validated: str) -> Bundle:
    invoke("run", "jobbsjansen", "--project", project, "--fast")
    return Bundle.open(project / "results", "jobbsjansen")


@pytest.fixture(scope="module")
def html(project: Path, bundle: Bundle) -> str:
    invoke("report", "jobbsjansen", "--project", project, "--engine", "builtin", "--to", "html")
    path = project / "reports" / "_output" / "jobbsjansen.html"
    assert path.is_file(), sorted(p.name for p in path.parent.iterdir())
    return path.read_text(encoding="utf-8")


def test_validate_reads_the_extract_and_says_what_it_changed(validated: str) -> None:
    assert "9,000 person-year rows, 1,500 persons, years 2016-2021" in validated
    assert "150 persons enrolled in 2 cohort(s) (2018: 75, 2019: 75)" in validated
    assert "lopenr -> person_id" in validated and "komnr -> municipality" in validated
    assert "changed:" in validated and "movers='first'" in validated
    assert "changed: nothing" not in validated


def test_the_run_writes_a_bundle_with_the_study_and_the_changes(bundle: Bundle) -> None:
    meta = bundle.metadata
    assert meta["study"]["name"] == "jobbsjansen"
    assert meta["study"]["observation"] == "person_year"
    changes = " ".join(meta["data_changes"])
    assert "movers='first'" in changes
    assert meta["n_persons"] == 1500


def test_the_headline_interval_covers_the_known_effect(bundle: Bundle) -> None:
    estimates = bundle.read_table("estimates")
    headline = estimates.loc[estimates["headline"]].iloc[0]
    assert headline["ci_lower"] < EFFECT < headline["ci_upper"], headline.to_dict()
    assert headline["ci_lower"] > 0  # 150 participants: the effect is clearly there


def test_the_report_speaks_of_the_programme_in_its_own_words(html: str) -> None:
    assert "Jobbsjansen" in html
    assert WHAT_NB in html
    assert "personer" in html  # persons are the units: counted as persons
    assert not re.search(r"150\s+kommuner", html)  # the participants are not municipalities
    # the mover: the note on what validation changed, or the code with its leading zero
    assert "observed in more than one" in html or "flyttet" in html or "0219" in html


def test_the_project_keeps_everything_in_its_own_directories(project: Path, html: str) -> None:
    where = Project(project)
    assert (where.results / "jobbsjansen").is_symlink()
    assert (where.reports / "jobbsjansen.html").is_file()
    assert not (ROOT / "results" / "jobbsjansen").exists()
