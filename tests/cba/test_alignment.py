"""Aligning effects with different numbers of draws (the documented rule)."""

from __future__ import annotations

import numpy as np
import pytest

from impact import Effect
from impact.cba.alignment import draw_effects, state_profile
from impact.errors import DataError, ParameterError


def _eff(outcome: str, draws: np.ndarray, estimator: str = "") -> Effect:
    return Effect(
        outcome=outcome,
        unit="probability",
        point=float(np.mean(draws)),
        draws=draws,
        draws_kind="posterior",
        estimator=estimator,
    )


def test_equal_lengths_are_joint_draws() -> None:
    base = np.arange(400.0) / 1000  # distinct risk differences in [0, 0.4)
    effects = {"completed_vgs": _eff("completed_vgs", base), "neet": _eff("neet", -base)}
    out = draw_effects(effects, 1000, np.random.default_rng(1))
    assert out["completed_vgs"].shape == (1000,)
    np.testing.assert_array_equal(out["neet"], -out["completed_vgs"])  # pairing kept
    same = draw_effects(effects, 400, np.random.default_rng(1))
    np.testing.assert_array_equal(same["completed_vgs"], base)  # identity when m == n


def test_subsampling_without_replacement_when_more_draws() -> None:
    eff = {"neet": _eff("neet", np.arange(5000.0) / 10_000)}
    out = draw_effects(eff, 1000, np.random.default_rng(2))["neet"]
    assert np.unique(out).size == 1000


def test_point_mass_is_broadcast_whatever_its_length() -> None:
    effects = {
        "completed_vgs": Effect.point_mass(0.1, outcome="completed_vgs", n_draws=3),
        "neet": _eff("neet", np.linspace(-0.2, 0.0, 77)),
    }
    out = draw_effects(effects, 500, np.random.default_rng(3))
    assert np.all(out["completed_vgs"] == 0.1)


def test_mismatched_lengths_are_ambiguous_unless_declared_independent() -> None:
    a = _eff("completed_vgs", np.linspace(0, 1, 100))
    b = _eff("neet", np.linspace(-1, 0, 150))
    with pytest.raises(DataError, match="ambiguous"):
        draw_effects({"completed_vgs": a, "neet": b}, 200, np.random.default_rng(1))
    out = draw_effects(
        {"completed_vgs": a, "neet": b}, 200, np.random.default_rng(1), pairing="independent"
    )
    assert out["neet"].shape == (200,)
    # different named estimators: independent estimates, allowed under "auto"
    a2, b2 = _eff("completed_vgs", a.draws, "att_gt"), _eff("neet", b.draws, "hierarchical_did")
    auto = draw_effects({"completed_vgs": a2, "neet": b2}, 200, np.random.default_rng(1))
    np.testing.assert_array_equal(auto["neet"], out["neet"])
    with pytest.raises(DataError, match="mismatched length"):
        draw_effects(
            {"completed_vgs": a2, "neet": b2}, 200, np.random.default_rng(1), pairing="joint"
        )


def test_state_profile_summary_and_dynamic() -> None:
    eff = Effect.point_mass(-0.1, outcome="neet", n_draws=2)
    prof, last, last_year = state_profile(eff, np.full(2, -0.1), 6, (1, 3))
    np.testing.assert_allclose(prof[0], [0, -0.1, -0.1, -0.1, 0, 0])
    assert last_year == 3 and np.all(last == -0.1)
    dyn = Effect(
        outcome="neet",
        unit="probability",
        point=0.0,
        draws=np.array([[0.0, -0.2, -0.4]]),
        draws_kind="bootstrap",
        event_time=(2, 0, 4),
    )
    prof, last, last_year = state_profile(dyn, dyn.draws, 8, (0,))
    np.testing.assert_allclose(prof[0], [-0.2, -0.1, 0.0, -0.2, -0.4, 0, 0, 0])
    assert last_year == 4 and last[0] == pytest.approx(-0.4)


def test_single_event_time_and_bad_event_times() -> None:
    one = Effect(
        outcome="neet",
        unit="probability",
        point=-0.1,
        draws=np.array([[-0.1], [-0.3]]),
        draws_kind="bootstrap",
        event_time=(2,),
    )
    prof, last, last_year = state_profile(one, one.draws, 5, (0,))
    np.testing.assert_allclose(prof, [[0, 0, -0.1, 0, 0], [0, 0, -0.3, 0, 0]])
    assert last_year == 2
    pre = Effect(
        outcome="neet",
        unit="probability",
        point=0.0,
        draws=np.zeros((2, 2)),
        draws_kind="bootstrap",
        event_time=(-2, -1),
    )
    with pytest.raises(DataError, match="none >= 0"):
        state_profile(pre, pre.draws, 5, (0,))
    with pytest.raises(DataError, match="beyond the horizon"):
        state_profile(one, one.draws, 2, (0,))
    with pytest.raises(ParameterError, match="pairing"):
        draw_effects({"neet": one}, 3, np.random.default_rng(0), pairing="paired")  # type: ignore[arg-type]
