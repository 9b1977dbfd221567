"""HonestDiD sensitivity: published FLCIs, limiting cases, LP check, coverage."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.optimize import linprog

from impact.did.honest import honest_did, rm_identified_set
from impact.did.twfe import event_study
from impact.errors import DataError

pytestmark = pytest.mark.filterwarnings("ignore::impact.errors.FewClustersWarning")

# Medicaid example of the HonestDiD README (Rambachan & Roth): TWFE event study of `dins`
# on ehec_data.csv (Mixtape-Sessions/Advanced-DID), years < 2016, 2015 cohort dropped,
# D = 1 for the 2014 cohort, fixest::feols(dins ~ i(year, D, ref = 2013) | stfips + year,
# cluster = "stfips"). Coefficients and CR1 covariance below were computed with
# impact.did.event_study on that file (event times -6..-2, 0, 1).
BETA = np.array(
    [-0.00528534242424247, -0.0112973183982684, -0.00267597554112555, -0.00141931190476194,
     0.00033967748917747, 0.04644686450216447, 0.06920618030303027]
)  # fmt: skip
SIGMA = np.array(
    [
        [7.4657923324892523e-05, 6.0215728712483387e-05, 4.4311501489916938e-05, 3.3755057032486865e-05, 4.3148983162028339e-05, 4.7514401165440852e-05, 2.4177806599488792e-05],
        [6.0215728712483387e-05, 7.2444793666287896e-05, 3.7778453032272940e-05, 2.8578897123703138e-05, 4.5295537026643152e-05, 4.4154319194523011e-05, 2.8160962300402626e-05],
        [4.4311501489916938e-05, 3.7778453032272940e-05, 5.0367414797862515e-05, 2.6655758969660907e-05, 2.7697750638212726e-05, 3.0513707411797415e-05, 9.6083433252178123e-06],
        [3.3755057032486865e-05, 2.8578897123703138e-05, 2.6655758969660907e-05, 3.9910908044122054e-05, 2.4055491692462213e-05, 2.3736546154140655e-05, 2.9150416002855926e-06],
        [4.3148983162028339e-05, 4.5295537026643152e-05, 2.7697750638212726e-05, 2.4055491692462213e-05, 5.4461118556085209e-05, 3.6713761184294353e-05, 9.6935142208917723e-06],
        [4.7514401165440852e-05, 4.4154319194523011e-05, 3.0513707411797415e-05, 2.3736546154140655e-05, 3.6713761184294353e-05, 8.3502931981269625e-05, 6.3022475358029504e-05],
        [2.4177806599488792e-05, 2.8160962300402626e-05, 9.6083433252178123e-06, 2.9150416002855926e-06, 9.6935142208917723e-06, 6.3022475358029504e-05, 1.0679896461583932e-04],
    ]
)  # fmt: skip
# createSensitivityResults(betahat, sigma, numPrePeriods = 5, numPostPeriods = 2,
#                          Mvec = seq(0, 0.05, by = 0.01)), as printed in the README
README_FLCI = [
    (0.00, 0.0259, 0.0607),
    (0.01, 0.0132, 0.0787),
    (0.02, 0.00286, 0.0907),
    (0.03, -0.00714, 0.101),
    (0.04, -0.0171, 0.111),
    (0.05, -0.0271, 0.121),
]


def _printed_tol(x: float) -> float:
    """Half a unit in the last of three significant digits, plus one unit of slack."""
    unit = 10.0 ** (np.floor(np.log10(abs(x))) - 2)
    return 1.5 * unit


@pytest.mark.reference
def test_flci_reproduces_honestdid_readme() -> None:
    res = honest_did(BETA, SIGMA, num_pre=5, num_post=2, m_grid=[r[0] for r in README_FLCI])
    for (m, lo, hi), (_, row) in zip(README_FLCI, res.table.iterrows()):
        assert row["m"] == m
        assert row["ci_lower"] == pytest.approx(lo, abs=_printed_tol(lo))
        assert row["ci_upper"] == pytest.approx(hi, abs=_printed_tol(hi))
    # README: "the breakdown value for a significant effect is M ~ 0.03" (lb crosses 0 in (0.02, 0.03))
    assert res.breakdown is not None and 0.02 < res.breakdown < 0.03


def _linear_extrapolation_weights(sigma: np.ndarray, num_pre: int, l_vec: np.ndarray) -> np.ndarray:
    """Minimum-variance v with v_post = l and v unbiased for linear trends (Lagrange, by hand)."""
    t_pre = np.arange(-num_pre, 0, dtype=float)
    t_post = np.arange(1, len(l_vec) + 1, dtype=float)
    spp, spq = sigma[:num_pre, :num_pre], sigma[:num_pre, num_pre:]
    # minimise v'Sv over v_pre subject to t_pre'v_pre = -t_post'l
    kkt = np.block([[2 * spp, t_pre[:, None]], [t_pre[None, :], np.zeros((1, 1))]])
    rhs = np.r_[-2 * spq @ l_vec, -t_post @ l_vec]
    return np.r_[np.linalg.solve(kkt, rhs)[:num_pre], l_vec]


@pytest.mark.parametrize("num_pre", [1, 3])
def test_smoothness_m0_is_linear_extrapolation(num_pre: int) -> None:
    rng = np.random.default_rng(0)
    k = num_pre + 2
    a = rng.normal(size=(k, k))
    sigma = a @ a.T / k + np.eye(k) * 0.1
    beta = rng.normal(size=k)
    lv = np.array([0.5, 0.5])
    res = honest_did(beta, sigma, num_pre=num_pre, num_post=2, m_grid=[0.0], l_vec=lv)
    v = _linear_extrapolation_weights(sigma, num_pre, lv)
    z = stats.norm.ppf(0.975)
    lo, hi = res.table.loc[0, ["ci_lower", "ci_upper"]]
    assert (lo + hi) / 2 == pytest.approx(v @ beta, abs=1e-9)
    assert (hi - lo) / 2 == pytest.approx(z * np.sqrt(v @ sigma @ v), rel=1e-9)
    if num_pre == 1:  # the unique line through beta_{-1} and the reference period
        assert (lo + hi) / 2 == pytest.approx(
            lv @ (beta[1:] + np.array([1, 2]) * beta[0]), abs=1e-12
        )


def test_relative_magnitudes_mbar0_is_original_ci_and_widens() -> None:
    res = honest_did(BETA, SIGMA, num_pre=5, num_post=2, restriction="relative_magnitude")
    assert tuple(res.table.loc[0, ["ci_lower", "ci_upper"]]) == pytest.approx(
        res.original, abs=1e-14
    )
    se = np.sqrt(SIGMA[5, 5])
    assert res.original == pytest.approx(
        (BETA[5] - 1.959964 * se, BETA[5] + 1.959964 * se), abs=1e-7
    )
    widths = (res.table["ci_upper"] - res.table["ci_lower"]).to_numpy()
    assert np.all(np.diff(widths) > 0)
    # valid but more conservative than the C-LF interval printed in the README (Mbar = 0.5:
    # [0.0240, 0.0672]): it must contain it
    half = res.table.query("m == 0.5").iloc[0]
    assert half["ci_lower"] <= 0.0240 and half["ci_upper"] >= 0.0672
    assert res.breakdown is not None and 0.5 < res.breakdown < 2.0
    assert "breakdown" in res.summary()
    assert res.plot() is not None
    assert res.to_frame().loc[0, "method"] == "original"


@pytest.mark.parametrize("l_vec", [[1.0, 0.0, 0.0], [0.0, 0.0, 1.0], [1 / 3, 1 / 3, 1 / 3]])
def test_rm_identified_set_equals_linear_programme(l_vec: list[float]) -> None:
    beta = np.array([0.02, -0.01, 0.015, 0.3, 0.4, 0.5])
    lv = np.array(l_vec)
    mbar = 1.5
    m = np.max(np.abs(np.diff(np.r_[beta[:3], 0.0])))
    # variables: delta_post (3); |delta_1 - 0| <= mbar m, |delta_{t+1} - delta_t| <= mbar m
    d = np.array([[1, 0, 0], [-1, 1, 0], [0, -1, 1]], dtype=float)
    a_ub = np.vstack([d, -d])
    b_ub = np.full(6, mbar * m)
    bounds = [(None, None)] * 3
    hi_bias = -linprog(-lv, A_ub=a_ub, b_ub=b_ub, bounds=bounds).fun
    lo_bias = linprog(lv, A_ub=a_ub, b_ub=b_ub, bounds=bounds).fun
    theta = lv @ beta[3:]
    lo, hi = rm_identified_set(beta, num_pre=3, l_vec=lv, mbar=mbar)
    assert lo == pytest.approx(theta - hi_bias, abs=1e-10)
    assert hi == pytest.approx(theta - lo_bias, abs=1e-10)


def test_flci_covers_under_worst_case_smooth_violation() -> None:
    k, num_pre, m = 5, 3, 0.05
    sigma = 0.01 * (np.eye(k) + 0.3)
    t = np.r_[np.arange(-3, 0), np.arange(1, 3)].astype(float)
    delta = 0.5 * m * t**2 + 0.02 * t  # second differences exactly m (plus a linear trend)
    tau = np.r_[np.zeros(3), 0.2, 0.3]
    beta0 = tau + delta

    def ci(b: np.ndarray) -> tuple[float, float]:
        r = honest_did(b, sigma, num_pre=num_pre, num_post=2, m_grid=[m], breakdown=False)
        return float(r.table.loc[0, "ci_lower"]), float(r.table.loc[0, "ci_upper"])

    lo0, hi0 = ci(beta0)
    c0, h = (lo0 + hi0) / 2, (hi0 - lo0) / 2
    v = np.array([(sum(ci(beta0 + e)) / 2 - c0) for e in np.eye(k)])  # affine in betahat
    draws = np.random.default_rng(1).multivariate_normal(beta0, sigma, size=20000)
    centers = c0 + (draws - beta0) @ v
    cover = np.mean(np.abs(centers - 0.2) <= h)
    assert cover >= 0.94


def test_event_study_honest_and_bad_inputs() -> None:
    rng = np.random.default_rng(0)
    n, years = 200, np.arange(2010, 2020)
    g = np.where(np.arange(n) % 2 == 0, 0, 2015)
    df = pd.DataFrame(
        {"unit": np.repeat(np.arange(n), 10), "year": np.tile(years, n), "cohort": np.repeat(g, 10)}
    )
    d = (df["cohort"] > 0) & (df["year"] >= df["cohort"])
    df["y"] = 0.5 * d + rng.normal(size=len(df)) * 0.3
    es = event_study(df, outcome="y", unit="unit", time="year", cohort="cohort")
    res = es.honest(restriction="smoothness", m_grid=[0, 0.05])
    assert res.estimate == pytest.approx(es.to_frame().set_index("event_time").loc[0, "estimate"])
    assert res.breakdown is not None
    with pytest.raises(DataError, match="num_pre"):
        honest_did(BETA, SIGMA, num_pre=4, num_post=2)
    with pytest.raises(DataError, match="symmetric"):
        honest_did(BETA, SIGMA[:6, :6], num_pre=5, num_post=2)
