from __future__ import annotations

import numpy as np
import pytest

from impact import Effect
from impact.errors import DataError


def test_normal_approximation_is_seeded_and_centred():
    a = Effect.from_normal(0.05, 0.01, outcome="completed_vgs", n_draws=20_000, seed=1)
    b = Effect.from_normal(0.05, 0.01, outcome="completed_vgs", n_draws=20_000, seed=1)
    assert np.array_equal(a.draws, b.draws)
    assert a.mean == pytest.approx(0.05, abs=3 * 0.01 / np.sqrt(20_000))
    assert a.sd == pytest.approx(0.01, rel=0.03)
    lo, hi = a.interval()
    assert lo == pytest.approx(0.05 - 1.96 * 0.01, abs=5e-4)
    assert a.draws_kind == "normal_approximation"
    assert 0.99 < a.prob_greater(0) <= 1


def test_draws_are_read_only_and_copied():
    raw = np.array([0.1, 0.2, 0.3])
    e = Effect(outcome="neet", unit="probability", point=0.2, draws=raw, draws_kind="bootstrap")
    raw[0] = 99
    assert e.draws[0] == 0.1
    with pytest.raises(ValueError):
        e.draws[0] = 1.0


def test_dynamic_effect_shape_is_checked():
    Effect(outcome="neet", unit="probability", point=-0.05, draws=np.zeros((10, 3)),
           draws_kind="posterior", event_time=(0, 1, 2))  # fmt: skip
    with pytest.raises(DataError, match="3 columns but event_time lists 2"):
        Effect(outcome="neet", unit="probability", point=-0.05, draws=np.zeros((10, 3)),
               draws_kind="posterior", event_time=(0, 1))  # fmt: skip


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"draws": np.array([np.nan])}, "NaN"),
        ({"draws": np.array([])}, "non-empty"),
        ({"draws_kind": "guess"}, "draws_kind='guess'"),
        ({"point": float("inf")}, "not a finite number"),
    ],
)
def test_bad_effects_are_clear_errors(kwargs, message):
    base = {"outcome": "neet", "unit": "probability", "point": 0.0, "draws": np.zeros(3),
            "draws_kind": "bootstrap"}  # fmt: skip
    with pytest.raises(DataError, match=message):
        Effect(**(base | kwargs))


def test_to_frame_and_summary():
    e = Effect.point_mass(0.04, outcome="completed_vgs", n_draws=5, estimator="test")
    frame = e.to_frame()
    assert frame.loc[0, "point"] == 0.04 and frame.loc[0, "sd"] == 0
    assert "completed_vgs" in e.summary() and "point_mass" in e.summary()
    assert e.scaled(100, unit="percentage points").point == pytest.approx(4.0)


def test_up_to_keeps_the_early_event_times_and_refuses_what_it_cannot() -> None:
    import numpy as np
    import pytest

    from impact import Effect
    from impact.errors import OptionError

    draws = np.array([[0.01, 0.02, 0.05], [0.03, 0.04, 0.07]])
    e = Effect("employed", "probability", 0.037, draws, "bootstrap", event_time=(0, 1, 2))
    kept = e.up_to(1)
    assert kept.event_time == (0, 1) and kept.draws.shape == (2, 2)
    assert kept.point == pytest.approx(0.025) and kept.metadata["last_event_time"] == 1
    assert e.up_to(5).event_time == (0, 1, 2)
    with pytest.raises(OptionError, match="keeps no event time"):
        e.up_to(-1)
    with pytest.raises(OptionError, match="dynamic effect"):
        Effect("employed", "probability", 0.03, np.array([0.03]), "bootstrap").up_to(1)
