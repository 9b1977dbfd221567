"""Validation and cell compression for hierarchical_did (no sampling)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from impact.bayes import hierarchical_did
from impact.bayes.cells import build_design
from impact.errors import DataError, DesignError, OptionError

OPTS = {
    "outcome": "successes",
    "trials": "n",
    "site": "municipality",
    "time": "year",
    "treated": "treated",
    "cohort": "adoption_year",
    "event_time": "event_time",
    "covariates": ["group"],
    "site_effects": True,
    "dynamic": True,
    "compress": True,
}


def test_person_rows_compress_to_the_same_cells(tiny_did):
    persons, cells, _ = tiny_did
    d_cells = build_design(cells, **OPTS)
    d_persons = build_design(persons, **{**OPTS, "outcome": "y", "trials": None})
    assert d_persons.n_rows == len(persons) and d_cells.n_rows == len(cells)
    assert d_persons.n_cells == d_cells.n_cells == len(cells)
    np.testing.assert_array_equal(d_persons.trials, d_cells.trials)
    np.testing.assert_array_equal(d_persons.successes, d_cells.successes)
    assert d_cells.n_persons == len(persons)
    assert not d_persons.bernoulli
    raw = build_design(persons, **{**OPTS, "outcome": "y", "trials": None, "compress": False})
    assert raw.bernoulli and raw.n_cells == len(persons)
    # treated cells index the treated sites and the event times 0..2
    assert d_cells.effect_sites == tuple(f"m{s:02d}" for s in range(7))
    assert d_cells.event_times == (0, 1, 2)
    t = d_cells.treated == 1
    assert d_cells.trials[t].sum() == (persons["treated"] == 1).sum()


def _bad(cells: pd.DataFrame, row: int, column: str, value: object) -> pd.DataFrame:
    out = cells.copy()
    out.loc[out.index[row], column] = value
    return out


@pytest.mark.parametrize(
    ("mutate", "error", "match"),
    [
        (lambda c: _bad(c, 3, "successes", 10_000), DataError, r"'successes' = 10000 exceeds 'n'"),
        (lambda c: _bad(c, 5, "n", 0), DataError, "a cell with n = 0"),
        (lambda c: _bad(c, 2, "n", -4), DataError, "non-negative whole numbers; row 2 has -4"),
        (lambda c: c.drop(columns=["year"]), DataError, r"\['year'\] not found"),
        (lambda c: _bad(c, 1, "treated", 2), DataError, "'treated' must be 0/1"),
        (lambda c: c.assign(treated=0), DesignError, "no treated rows"),
        (lambda c: c.assign(treated=1), DesignError, "every row is treated"),
        (lambda c: _bad(c, 0, "group", None), DataError, "'group' has a missing value in row 0"),
    ],
)
def test_bad_cells_raise_clear_errors(tiny_did, mutate, error, match):
    _, cells, _ = tiny_did
    with pytest.raises(error, match=match):
        hierarchical_did(
            mutate(cells), site="municipality", cohort="adoption_year", covariates=["group"]
        )


def test_adopting_site_without_treated_cells_is_an_error(tiny_did):
    _, cells, _ = tiny_did
    bad = cells.copy()
    bad.loc[bad["municipality"] == "m02", "treated"] = 0
    with pytest.raises(DesignError, match=r"\['m02'\].*'adoption_year' > 0 but no treated"):
        hierarchical_did(bad, site="municipality", cohort="adoption_year", covariates=["group"])


def test_option_errors(tiny_did):
    persons, cells, _ = tiny_did
    with pytest.raises(DataError, match="must be 0/1 for person rows"):
        hierarchical_did(
            persons.assign(y=persons["y"] * 2),
            site="municipality",
            cohort="adoption_year",
            outcome="y",
            trials=None,
        )
    with pytest.raises(DesignError, match="dynamic=True needs the event_time"):
        hierarchical_did(
            cells, site="municipality", cohort="adoption_year", dynamic=True, event_time=None
        )
    with pytest.raises(DataError, match="must be >= 0 on treated rows"):
        hierarchical_did(
            _bad(cells, int(np.flatnonzero(cells["treated"])[0]), "event_time", -1),
            site="municipality",
            cohort="adoption_year",
            dynamic=True,
        )
    with pytest.raises(DataError, match=r"effect_covariates \['sex'\] are not among"):
        hierarchical_did(
            cells,
            site="municipality",
            cohort="adoption_year",
            covariates=["group"],
            effect_covariates=["sex"],
        )
    with pytest.raises(OptionError, match="unknown prior 'slab'"):
        hierarchical_did(cells, site="municipality", cohort="adoption_year", priors={"slab": 1.0})
    with pytest.raises(DesignError, match="site-varying effects need a site column"):
        hierarchical_did(cells, cohort="adoption_year", site=None)
    with pytest.raises(OptionError, match="DataFrame"):
        hierarchical_did(cells.to_numpy(), site="municipality", cohort="adoption_year")  # type: ignore[arg-type]


def test_inputs_are_not_mutated(tiny_did, mock_pymc_sample):
    persons, cells, _ = tiny_did
    before_c, before_p = cells.copy(), persons.copy()
    with pytest.warns(Warning):
        for frame, opts in ((cells, {}), (persons, {"outcome": "y", "trials": None})):
            hierarchical_did(
                frame,
                site="municipality",
                cohort="adoption_year",
                covariates=["group"],
                dynamic=True,
                draws=5,
                seed=1,
                predictive=False,
                log_likelihood=False,
                **opts,
            )
    pd.testing.assert_frame_equal(cells, before_c)
    pd.testing.assert_frame_equal(persons, before_p)
