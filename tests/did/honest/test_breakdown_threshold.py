"""The breakdown value for a threshold other than zero (``HonestResult.breakdown_at``).

Hand computation on a tiny event study: one pre-period coefficient known almost exactly
(``m = |beta_-1|``) and one post-period coefficient with unit variance. Then
``Delta^RM(Mbar)`` says ``|delta_1| <= Mbar * m``: the identified set is
``beta_1 -+ Mbar m`` and a level-0.95 test of ``theta`` against the nearer face of that box is
one-sided, so the lower end of the C-LF interval is ``beta_1 - Mbar m - c`` with ``c``
between the one-sided 95 % normal quantile (1.645) and the two-sided quantile of the
hybrid's least-favourable stage (below 2.6). The threshold ``b`` is crossed at
``Mbar = (beta_1 - c - b) / m``, which brackets the breakdown value.
"""

from __future__ import annotations

import numpy as np
import pytest

from impact.did.honest.relative_magnitudes import lf_normals, rm_clf_ci
from impact.did.honest.sensitivity import _flci, honest_did

BETA = np.array([0.5, 6.0])  # beta_-1 (m = 0.5), beta_1
SIGMA = np.diag([1e-10, 1.0])


def _fit(beta: np.ndarray = BETA, **kw: object) -> object:
    return honest_did(beta, SIGMA, num_pre=1, num_post=1, restriction="relative_magnitude",
                      m_grid=[0.0, 1.0], **kw)  # fmt: skip


@pytest.mark.parametrize("threshold", [0.0, 1.0, 2.5])
def test_clf_threshold_breakdown_is_bracketed_by_hand(threshold: float) -> None:
    res = _fit()
    mbar = res.breakdown_at(threshold)
    assert mbar is not None
    m = BETA[0]
    assert (BETA[1] - 2.6 - threshold) / m <= mbar <= (BETA[1] - 1.64 - threshold) / m


def test_clf_threshold_breakdown_crosses_at_the_returned_mbar() -> None:
    res = _fit()
    b = 1.0
    mbar = res.breakdown_at(b)
    assert mbar is not None
    normals = lf_normals(1, 0)
    lv = np.array([1.0])
    lo, _, _ = rm_clf_ci(BETA, SIGMA, 1, lv, mbar, alpha=0.05, grid_points=4001, normals=normals)
    step = 40.0 / 4000  # the theta grid's step (sd = 1)
    assert abs(lo - b) <= 2 * step
    lo_below, _, _ = rm_clf_ci(BETA, SIGMA, 1, lv, mbar * 0.98, alpha=0.05, grid_points=4001,
                               normals=normals)  # fmt: skip
    assert lo_below > b  # just below the breakdown the interval excludes the break-even


def test_clf_threshold_breakdown_is_monotone_and_zero_matches_breakdown() -> None:
    res = _fit()
    values = [res.breakdown_at(b) for b in (0.0, 0.5, 1.0, 2.0, 3.0)]
    assert all(v is not None for v in values)
    assert values == sorted(values, reverse=True)  # a higher bar is crossed sooner
    assert values[0] == pytest.approx(res.breakdown, rel=1e-12)
    # inside the original interval: no breakdown needed; beyond the estimate on the other side
    assert res.breakdown_at(5.0) is None


def test_threshold_breakdown_mirrors_for_an_outcome_where_lower_is_good() -> None:
    """NEET: a negative effect, a negative break-even; the upper end is the bound nearer zero."""
    up = _fit().breakdown_at(1.0)
    down = _fit(beta=-BETA).breakdown_at(-1.0)
    assert up is not None and down is not None
    assert down == pytest.approx(up, rel=5e-3)


def test_flci_threshold_breakdown_lower_end_equals_threshold() -> None:
    beta = np.array([0.1, -0.05, 0.8, 1.0])
    sigma = 0.01 * (np.eye(4) + 0.3)
    res = honest_did(beta, sigma, num_pre=2, num_post=2, restriction="smoothness",
                     m_grid=[0.0], l_vec=[0.5, 0.5])  # fmt: skip
    b = 0.3
    m = res.breakdown_at(b)
    assert m is not None and m > 0
    lo, _, _ = _flci(beta, sigma, 2, np.array([0.5, 0.5]), m, 0.05)
    assert lo == pytest.approx(b, abs=1e-4)
    lo_below, _, _ = _flci(beta, sigma, 2, np.array([0.5, 0.5]), m * 0.99, 0.05)
    assert lo_below > b
