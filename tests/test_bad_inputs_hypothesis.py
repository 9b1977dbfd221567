"""Random valid and invalid inputs outside DiD (hypothesis; skipped until it is installed)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("hypothesis")

from hypothesis import given, settings
from hypothesis import strategies as st

from impact import Effect
from impact.cba import Programme, present_value
from impact.errors import DataError, ParameterError

finite = st.floats(-1e9, 1e9, allow_nan=False, allow_infinity=False)


@settings(max_examples=50, deadline=None)
@given(st.lists(finite, min_size=1, max_size=30), st.data())
def test_present_value_names_the_year_of_a_non_finite_flow(flows, data) -> None:
    assert np.isfinite(present_value(flows))
    t = data.draw(st.integers(0, len(flows) - 1))
    bad_value = data.draw(st.sampled_from([float("nan"), float("inf"), float("-inf")]))
    flows[t] = bad_value
    with pytest.raises(ParameterError, match=f"year t={t}"):
        present_value(flows)


@settings(max_examples=50, deadline=None)
@given(st.floats(-1.0, 1.0))
def test_risk_differences_in_range_are_kept(point) -> None:
    assert Effect.point_mass(point, outcome="neet").point == point


@settings(max_examples=50, deadline=None)
@given(st.floats(1.0 + 1e-6, 1e6) | st.floats(-1e6, -1.0 - 1e-6))
def test_risk_differences_out_of_range_are_refused(point) -> None:
    with pytest.raises(DataError, match="percentage points"):
        Effect.point_mass(point, outcome="neet")


@settings(max_examples=50, deadline=None)
@given(
    st.floats(allow_nan=True, allow_infinity=True).filter(
        lambda x: not (np.isfinite(x) and float(x).is_integer() and x > 0)
    )
)
def test_participants_must_be_a_positive_whole_number(participants) -> None:
    with pytest.raises(ParameterError, match="participants="):
        Programme("p", participants=participants, age=15, start_year=2024, costs={"stat": 1})
