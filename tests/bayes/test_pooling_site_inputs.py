"""partial_pooling flags implausible site inputs (issue 13: +0.7 pp, wrong sign, no warning)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from impact.bayes import partial_pooling
from impact.bayes.pooling import flag_site_inputs
from impact.data import simulate
from impact.did import att_gt
from impact.errors import FewParticipantsWarning, ImpactError

from .conftest import fit_with_mock_sampler


def _per_municipality_inputs() -> tuple[pd.Series, pd.Series, pd.Series]:
    """What a new user did: att_gt within each municipality, one simple ATT per site."""
    panel = simulate("unginvest", seed=1, scale=0.5).panel
    est, se, n = {}, {}, {}
    for site, rows in panel.groupby("municipality"):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                simple = att_gt(
                    rows, outcome="neet", unit="person_id", time="year", cohort="enrol_year"
                ).aggregate("simple")
        except ImpactError:
            continue
        if np.isfinite(simple.se) and simple.se > 0:
            est[site], se[site] = simple.att, simple.se
            n[site] = rows.loc[rows["enrol_year"] > 0, "person_id"].nunique()
    return pd.Series(est), pd.Series(se), pd.Series(n)


def test_per_site_att_gt_inputs_are_flagged_before_pooling() -> None:
    est, se, n = _per_municipality_inputs()
    assert (n < 30).sum() >= 5  # the failure: enrolment cohorts of a few persons per site
    res = fit_with_mock_sampler(
        lambda: _pool_expecting_flags(est, se, n), match="no divergence statistics"
    )
    flagged = res.metadata["flagged_sites"]
    assert all(str(s) in flagged for s in n.index[n < 30])


def _pool_expecting_flags(est: pd.Series, se: pd.Series, n: pd.Series):  # type: ignore[no-untyped-def]
    with pytest.warns(FewParticipantsWarning, match="implausible or too small"):
        return partial_pooling(
            est, se, n_participants=n, outcome="neet", draws=50, chains=4, seed=1
        )


def test_flag_rules() -> None:
    se = np.array([0.05, 0.04, 0.06, 0.002, 0.05])
    assert list(flag_site_inputs(se, list("abcde"))) == ["d"]
    n = np.array([100, 100, 100, 100, 10])
    flags = flag_site_inputs(np.array([0.05, 0.05, 0.05, 0.01, 0.15]), list("abcde"), n)
    assert set(flags) == {"d", "e"}  # d: SE x sqrt(n) a fifth of the others'; e: 10 persons
    assert "participants" in flags["e"] and "sqrt(n)" in flags["d"]
    assert flag_site_inputs(np.array([0.05, 0.04, 0.06]), list("abc"), np.array([50, 80, 40])) == {}
