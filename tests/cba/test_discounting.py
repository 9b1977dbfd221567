"""Present values under each schedule against closed forms."""

from __future__ import annotations

import numpy as np
import pytest

from impact.cba import GREEN_BOOK, R109, DiscountSchedule, discount_factors, flat, present_value
from impact.errors import ParameterError


def test_r109_single_amounts_match_the_published_formula() -> None:
    # R-109/2021: 4 % to year 40, 3 % from 40 to 75, 2 % after 75.
    for t, expected in [
        (0, 1.0),
        (1, 1 / 1.04),
        (40, 1.04**-40),
        (50, 1.04**-40 * 1.03**-10),
        (75, 1.04**-40 * 1.03**-35),
        (80, 1.04**-40 * 1.03**-35 * 1.02**-5),
    ]:
        flows = np.zeros(t + 1)
        flows[t] = 1000.0
        assert present_value(flows) == pytest.approx(1000.0 * expected, rel=1e-12)


def test_r109_annuity_equals_geometric_series() -> None:
    # 40 years of 1 krone at 4 %, years 0..39: (1 - 1.04**-40) / (1 - 1/1.04)
    closed = (1 - 1.04**-40) / (1 - 1 / 1.04)
    assert present_value(np.ones(40)) == pytest.approx(closed, rel=1e-12)
    # 100 years: three geometric pieces
    piece1 = (1 - 1.04**-41) / (1 - 1 / 1.04)  # t = 0..40
    piece2 = 1.04**-40 * sum(1.03**-k for k in range(1, 36))  # t = 41..75
    piece3 = 1.04**-40 * 1.03**-35 * sum(1.02**-k for k in range(1, 25))  # t = 76..99
    assert present_value(np.ones(100)) == pytest.approx(piece1 + piece2 + piece3, rel=1e-12)


def test_flat_rate_and_green_book_closed_forms() -> None:
    r = 0.03
    n = 30
    assert present_value(np.full(n, 5.0), schedule=r) == pytest.approx(
        5.0 * (1 - (1 + r) ** -n) / (1 - 1 / (1 + r)), rel=1e-12
    )
    assert present_value(np.full(n, 5.0), schedule=flat(r)) == pytest.approx(
        present_value(np.full(n, 5.0), schedule=0.03), rel=1e-15
    )
    f = discount_factors(130, "green_book")
    assert f[30] == pytest.approx(1.035**-30, rel=1e-12)
    assert f[31] == pytest.approx(1.035**-30 / 1.03, rel=1e-12)
    assert f[100] == pytest.approx(1.035**-30 * 1.03**-45 * 1.025**-25, rel=1e-12)
    assert f[126] == pytest.approx(1.035**-30 * 1.03**-45 * 1.025**-50 / 1.02, rel=1e-12)
    assert np.allclose(GREEN_BOOK.factors(10), f[:10])
    assert R109.name == "r109"


def test_present_value_keeps_leading_axes() -> None:
    flows = np.arange(12.0).reshape(3, 4)
    pv = present_value(flows, schedule=0.04)
    assert isinstance(pv, np.ndarray) and pv.shape == (3,)
    for i in range(3):
        assert pv[i] == pytest.approx(sum(flows[i, t] / 1.04**t for t in range(4)), rel=1e-12)


def test_custom_factors_are_used_and_validated() -> None:
    factors = np.array([1.0, 0.9, 0.8, 0.8])
    assert present_value(np.ones(4), schedule=factors) == pytest.approx(3.5)
    with pytest.raises(ParameterError, match="not monotone"):
        present_value(np.ones(4), schedule=[1.0, 0.9, 0.95, 0.8])
    with pytest.raises(ParameterError, match="start at 1"):
        present_value(np.ones(2), schedule=[0.9, 0.8])
    with pytest.raises(ParameterError, match="at least 4"):
        present_value(np.ones(4), schedule=[1.0, 0.9])


def test_bad_schedules_raise() -> None:
    with pytest.raises(ParameterError, match="Unknown discount schedule"):
        present_value(np.ones(3), schedule="r-109")
    with pytest.raises(ParameterError, match="not monotone"):
        DiscountSchedule("rising", (-0.01,), (0,))
    with pytest.raises(ParameterError, match="start at 0"):
        DiscountSchedule("bad", (0.04, 0.03), (5, 10))
