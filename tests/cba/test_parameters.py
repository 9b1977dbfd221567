"""The shipped parameter file: typed, validated, sourced, overridable."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from impact.cba import Parameter, load_parameters
from impact.cba.parameters import REQUIRED
from impact.errors import ParameterError


def test_shipped_parameters_are_complete_and_sourced() -> None:
    params = load_parameters()
    assert set(REQUIRED) <= set(params.names)
    assert params.version
    for name in params:
        p = params[name]
        assert p.source, f"{name} has no source"
        assert p.description, f"{name} has no description"
        if p.price_year is not None:
            assert p.price_year in params.cpi
    # R-109 rules, as read in the source [checked]
    assert params.value("tax_financing_cost") == 0.20
    assert params.value("real_income_growth") == 0.009
    assert not params["tax_financing_cost"].verify
    # values marked [to verify] in cba-sources.md keep the flag
    assert params["max_analysis_period"].verify
    assert params["real_income_growth_until"].verify
    assert "neet_production_loss" in params.to_verify


def test_cpi_conversion_uses_the_shipped_series() -> None:
    params = load_parameters()
    assert params.cpi[2015] == 100.0
    assert params.price_factor(2015, 2020) == pytest.approx(112.2 / 100.0)
    with pytest.raises(ParameterError, match="No CPI value for price year 1990"):
        params.price_factor(1990, 2020)
    extended = params.with_cpi({2025: 137.7})
    assert extended.price_factor(2024, 2025) == pytest.approx(137.7 / 133.6)
    assert 2025 not in params.cpi  # the original is unchanged


def test_overrides_in_code_return_new_objects() -> None:
    params = load_parameters()
    p2 = params.replace(neet_persistence=0.9)
    assert p2.value("neet_persistence") == 0.9
    assert params.value("neet_persistence") == 0.85
    p3 = params.with_values({"neet_transfers": {"value": 150_000, "low": 100_000, "high": 250_000}})
    assert (p3["neet_transfers"].low, p3["neet_transfers"].high) == (100_000, 250_000)
    with pytest.raises(ParameterError, match="low <= value <= high"):
        params.replace(neet_transfers=500_000)  # outside the stated range
    with pytest.raises(ParameterError, match="No parameter named"):
        params.replace(neet_tranfers=1.0)
    with pytest.raises(ParameterError, match="share"):
        params.replace(tax_financing_cost=1.5)
    with pytest.raises(dataclasses.FrozenInstanceError):
        params.version = "x"  # type: ignore[misc]


def test_user_toml_overrides_field_by_field(tmp_path: Path) -> None:
    user = tmp_path / "mine.toml"
    user.write_text(
        '[neet_public_costs]\nvalue = 80000\nsource = "Our municipality accounts 2024"\n'
        "verify = false\n\n[tax_financing_cost]\nvalue = 0.1\n",
        encoding="utf-8",
    )
    params = load_parameters(user)
    p = params["neet_public_costs"]
    assert (p.value, p.low, p.high, p.price_year) == (80000, 30000, 100000, 2023)
    assert p.source == "Our municipality accounts 2024" and not p.verify
    assert params.value("tax_financing_cost") == 0.1
    bad = tmp_path / "bad.toml"
    bad.write_text("[neet_costs]\nvalue = 1\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="unknown parameter 'neet_costs'"):
        load_parameters(bad)
    with pytest.raises(ParameterError, match="does not exist"):
        load_parameters(tmp_path / "missing.toml")


def test_fixed_removes_all_uncertainty() -> None:
    params = load_parameters().fixed()
    draws = params.sample(50, np.random.default_rng(1))
    for name, d in draws.items():
        assert np.all(d == params.value(name))


@pytest.mark.parametrize(
    ("dist", "low", "value", "high", "mean"),
    [
        ("triangular", 1.0, 2.0, 6.0, 3.0),
        ("uniform", 1.0, 2.0, 5.0, 3.0),
        ("normal", 1.0, 3.0, 5.0, 3.0),
        ("lognormal", 1.0, 2.0, 4.0, 2.0 * np.exp(0.5 * (np.log(4.0) / (2 * 1.959964)) ** 2)),
    ],
)
def test_distributions_have_the_documented_moments(
    dist: str, low: float, value: float, high: float, mean: float
) -> None:
    p = Parameter("x", value, dist, low, high)  # type: ignore[arg-type]
    d = p.sample(200_000, np.random.default_rng(3))
    assert d.mean() == pytest.approx(mean, rel=0.01)
    if dist in ("triangular", "uniform"):
        assert d.min() >= low and d.max() <= high
    if dist in ("normal", "lognormal"):
        assert np.quantile(d, 0.025) == pytest.approx(low, rel=0.02)
        assert np.quantile(d, 0.975) == pytest.approx(high, rel=0.02)


def test_invalid_parameter_definitions_raise() -> None:
    with pytest.raises(ParameterError, match="distribution 'beta'"):
        Parameter("x", 1.0, "beta", 0.0, 2.0)  # type: ignore[arg-type]
    with pytest.raises(ParameterError, match="no low/high"):
        Parameter("x", 1.0, "uniform")
    with pytest.raises(ParameterError, match="lognormal"):
        Parameter("x", 1.0, "lognormal", 0.0, 2.0)
    with pytest.raises(ParameterError, match="finite"):
        Parameter("x", float("nan"))
