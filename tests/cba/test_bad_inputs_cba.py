"""Bad inputs to impact.cba and impact.Effect get impact's own error naming the key (issue 10).

Each case: a call, the impact.errors class it must raise, and the strings its message must
contain (the argument or column, the value, the fix). None needs sampling or an appraisal.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest

from impact import Effect
from impact.cba import Programme, appraise, discount_factors, present_value
from impact.errors import DataError, ImpactError, OptionError, ParameterError

nan, inf = float("nan"), float("inf")
BASE: dict[str, Any] = dict(
    name="Flyt", participants=500, age=15, start_year=2024, costs={"kommune": 25_000}
)


def programme(**changes: Any) -> Programme:
    return Programme(**{**BASE, **changes})


def effect() -> Effect:
    return Effect.point_mass(0.04, outcome="completed_vgs")


CASES: list[tuple[str, Callable[[], object], type[ImpactError], tuple[str, ...]]] = [
    # present_value / discount_factors
    ("pv nan", lambda: present_value([100, nan]), ParameterError, ("year t=1", "nan")),
    ("pv inf", lambda: present_value([100, inf]), ParameterError, ("year t=1", "inf")),
    ("pv -inf 2-D", lambda: present_value([[1, 2], [3, -inf]]), ParameterError, ("t=1", "-inf")),
    ("pv strings", lambda: present_value(["a", 1]), ParameterError, ("flows", "'a'")),
    (
        "factors nan",
        lambda: discount_factors(3, [1.0, nan, 0.9]),
        ParameterError,
        ("year t=1", "nan"),
    ),
    ("factors inf", lambda: discount_factors(2, [1.0, inf]), ParameterError, ("t=1", "inf")),
    ("factors text", lambda: discount_factors(2, ["1", "x"]), ParameterError, ("'x'",)),
    ("schedule bool", lambda: discount_factors(2, True), ParameterError, ("schedule=True",)),
    ("n_years text", lambda: discount_factors("5"), OptionError, ("n_years='5'",)),  # type: ignore[arg-type]
    # Effect
    (
        "400-point risk difference",
        lambda: Effect.from_normal(4.0, 1.5, outcome="neet", unit="probability"),
        DataError,
        ("point=4", "400 percentage points", "pass 0.04"),
    ),
    (
        "draws outside [-1, 1]",
        lambda: Effect.from_normal(0.04, 0.9, outcome="neet", seed=1),
        DataError,
        ("outside [-1, 1]", "'neet'"),
    ),
    (
        "probability draws",
        lambda: Effect("neet", "probability", 0.1, np.array([0.1, 1.7]), "posterior"),
        DataError,
        ("1 of 2 draws", "1.7"),
    ),
    ("point_mass 1.5", lambda: Effect.point_mass(1.5, outcome="neet"), DataError, ("1.5",)),
    ("point_mass nan", lambda: Effect.point_mass(nan, outcome="neet"), DataError, ("value=nan",)),
    ("se text", lambda: Effect.from_normal(0.04, "a", outcome="neet"), OptionError, ("se='a'",)),  # type: ignore[arg-type]
    (
        "n_draws 0",
        lambda: Effect.from_normal(0.04, 0.01, outcome="neet", n_draws=0),
        OptionError,
        ("n_draws=0",),
    ),
    (
        "n_draws point mass",
        lambda: Effect.point_mass(0.04, outcome="neet", n_draws=-2),
        OptionError,
        ("n_draws=-2",),
    ),
    (
        "seed text",
        lambda: Effect.from_normal(0.04, 0.01, outcome="neet", seed="abc"),  # type: ignore[arg-type]
        OptionError,
        ("seed='abc'",),
    ),
    (
        "point text",
        lambda: Effect("neet", "probability", "0.1", [0.1], "posterior"),  # type: ignore[arg-type]
        OptionError,
        ("point='0.1'",),
    ),
    (
        "outcome None",
        lambda: Effect(None, "probability", 0.1, [0.1], "posterior"),  # type: ignore[arg-type]
        OptionError,
        ("outcome=None",),
    ),
    (
        "draws text",
        lambda: Effect("neet", "probability", 0.1, ["a"], "posterior"),
        DataError,
        ("'neet'", "['a']"),
    ),
    # Programme
    (
        "start_year text",
        lambda: programme(start_year="2024"),
        ParameterError,
        ("start_year='2024'", "not the string", "start_year=2024"),
    ),
    ("start_year 224", lambda: programme(start_year=224), ParameterError, ("start_year=224",)),
    (
        "price_year text",
        lambda: programme(price_year="2020"),
        ParameterError,
        ("price_year='2020'",),
    ),
    (
        "participants nan",
        lambda: programme(participants=nan),
        ParameterError,
        ("participants=nan",),
    ),
    (
        "participants bool",
        lambda: programme(participants=True),
        ParameterError,
        ("participants=True",),
    ),
    ("age inf", lambda: programme(age=inf), ParameterError, ("age=inf",)),
    ("costs list", lambda: programme(costs=[100]), ParameterError, ("costs=[100]", "kommune")),
    (
        "costs text",
        lambda: programme(costs={"kommune": "abc"}),
        ParameterError,
        ("'kommune'", "'abc'"),
    ),
    ("costs empty", lambda: programme(costs={"stat": []}), ParameterError, ("'stat'", "[]")),
    (
        "event times int",
        lambda: programme(neet_event_times=5),
        ParameterError,
        ("neet_event_times=5",),
    ),
    (
        "event times nan",
        lambda: programme(neet_event_times=(0, nan)),
        ParameterError,
        ("neet_event_times=(0, nan)",),
    ),
    (
        "non_monetised shape",
        lambda: programme(non_monetised={"trivsel": (3,)}),
        ParameterError,
        ("non_monetised['trivsel']=(3,)", "(score, description)"),
    ),
    (
        "non_monetised text",
        lambda: programme(non_monetised={"trivsel": "big"}),
        ParameterError,
        ("'big'",),
    ),
    ("non_monetised int", lambda: programme(non_monetised=5), ParameterError, ("non_monetised=5",)),
    (
        "outcomes string",
        lambda: programme(outcomes="neet"),
        ParameterError,
        ("outcomes='neet'", "('neet',)"),
    ),
    ("horizon nan", lambda: programme(horizon=nan), ParameterError, ("horizon=nan",)),
    ("name None", lambda: programme(name=None), ParameterError, ("name=None",)),
    # appraise: options before any work
    (
        "appraise n_draws",
        lambda: appraise(effect(), programme(), n_draws=0),
        OptionError,
        ("n_draws=0",),
    ),
    (
        "appraise n_draws 2.5",
        lambda: appraise(effect(), programme(), n_draws=2.5),
        OptionError,
        ("n_draws=2.5",),
    ),  # type: ignore[arg-type]
    (
        "appraise seed",
        lambda: appraise(effect(), programme(), seed="abc"),
        OptionError,
        ("seed='abc'",),
    ),  # type: ignore[arg-type]
    (
        "appraise pairing",
        lambda: appraise(effect(), programme(), pairing="jiont"),  # type: ignore[arg-type]
        OptionError,
        ("pairing='jiont'", "'joint'"),
    ),
    (
        "appraise parameters",
        lambda: appraise(effect(), programme(), "norway"),  # type: ignore[arg-type]
        OptionError,
        ("parameters", "str", "load_parameters"),
    ),
    (
        "appraise a number",
        lambda: appraise(0.04, programme()),  # type: ignore[arg-type]
        DataError,
        ("impact.Effect", "float"),
    ),
]


@pytest.mark.parametrize(
    ("call", "error", "keys"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_bad_input_gets_an_impact_error_naming_the_key(
    call: Callable[[], object], error: type[ImpactError], keys: tuple[str, ...]
) -> None:
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for key in keys:
        assert key in message, f"{key!r} not in {message!r}"


def test_valid_programme_fields_keep_their_values() -> None:
    prog = programme(
        participants=500.0, start_year=np.int64(2024), costs={"kommune": np.array([1.0, 2.0])}
    )
    assert (prog.participants, prog.start_year, prog.price_year) == (500, 2024, 2024)
    assert type(prog.start_year) is int and prog.costs["kommune"] == (1.0, 2.0)


def test_appraisal_ledger_and_plot_options_are_option_errors() -> None:
    from impact.cba.plotting import plot_appraisal

    with pytest.raises(OptionError, match="kind='pie'"):
        plot_appraisal(None, "pie")  # type: ignore[arg-type]
