"""Cost-benefit parameters: typed, validated, sourced values with their uncertainty.

The package ships one parameter file, ``impact/cba/parameters/norway.toml`` (Norwegian rules
from R-109/2021 and DFØ 2023, and unit values for upper-secondary completion and NEET years),
and a consumer price index, ``impact/cba/parameters/cpi.csv`` (SSB table 03014). Every value
carries a central value, an uncertainty distribution, a price year, a source and a flag for
values still to be verified against the original source.
"""

from __future__ import annotations

import csv
import math
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

import numpy as np
import pandas as pd

from impact.cba.registry import OutcomeRegistry, merge_outcomes
from impact.errors import ParameterError
from impact.results import Diagnostic

Distribution = Literal["fixed", "normal", "lognormal", "triangular", "uniform"]
DISTRIBUTIONS: tuple[str, ...] = ("fixed", "normal", "lognormal", "triangular", "uniform")
_Z975 = 1.959963984540054

#: Names the valuation needs; a parameter file must define all of them.
REQUIRED: tuple[str, ...] = (
    "tax_financing_cost",
    "real_income_growth",
    "real_income_growth_until",
    "retirement_age",
    "max_analysis_period",
    "completion_wage_premium",
    "completion_employment_gain",
    "completion_entry_age",
    "completion_school_age",
    "extra_school_years",
    "upper_secondary_cost_per_pupil_year",
    "neet_production_loss",
    "neet_transfers",
    "neet_transfers_share_kommune",
    "neet_public_costs",
    "neet_public_costs_share_kommune",
    "neet_persistence",
    "tax_share_of_labour_cost",
    "tax_share_kommune",
    "tax_share_fylkeskommune",
)
#: Parameters that must stay fixed: they set the time grid, not a value.
STRUCTURAL: tuple[str, ...] = (
    "real_income_growth_until",
    "retirement_age",
    "max_analysis_period",
    "completion_entry_age",
    "completion_school_age",
)
_SHARES: tuple[str, ...] = (
    "tax_financing_cost",
    "completion_employment_gain",
    "neet_transfers_share_kommune",
    "neet_public_costs_share_kommune",
    "neet_persistence",
    "tax_share_of_labour_cost",
    "tax_share_kommune",
    "tax_share_fylkeskommune",
)


@dataclass(frozen=True)
class Parameter:
    """One cost-benefit parameter: central value, uncertainty, price year and source.

    Parameters
    ----------
    name
        Identifier used in code and in the parameter file.
    value
        Central value (the mode of a triangular, the median of a lognormal distribution).
    distribution
        ``"fixed"``, ``"normal"``, ``"lognormal"`` (low/high are the 2.5 % and 97.5 %
        quantiles), ``"triangular"`` or ``"uniform"`` (between low and high).
    low, high
        Range used by the distribution and by the tornado (one-way sensitivity).
    price_year
        Price year of a monetary value (NOK); ``None`` for shares, rates and ages.
    unit, source, description
        What the number measures and where it comes from.
    income_linked
        Whether the value grows in real terms with income (R-109 real price adjustment).
    verify
        ``True`` while the value has not been checked against its original source.
    """

    name: str
    value: float
    distribution: Distribution = "fixed"
    low: float | None = None
    high: float | None = None
    price_year: int | None = None
    unit: str = ""
    income_linked: bool = False
    source: str = ""
    verify: bool = False
    description: str = ""

    def __post_init__(self) -> None:
        if self.distribution not in DISTRIBUTIONS:
            raise ParameterError(
                f"Parameter {self.name!r}: distribution {self.distribution!r} is not one of "
                f"{DISTRIBUTIONS}; choose one of them in the parameter file."
            )
        value = _finite(self.name, "value", self.value)
        if self.distribution == "fixed":
            low = high = value
        else:
            if self.low is None or self.high is None:
                raise ParameterError(
                    f"Parameter {self.name!r} has distribution {self.distribution!r} but no "
                    "low/high; give both, or set distribution = 'fixed'."
                )
            low = _finite(self.name, "low", self.low)
            high = _finite(self.name, "high", self.high)
            if not low <= value <= high or low == high:
                raise ParameterError(
                    f"Parameter {self.name!r}: need low <= value <= high with low < high, got "
                    f"low={low}, value={value}, high={high}; fix the range (when you change "
                    "the value, change low and high with it)."
                )
            if self.distribution == "lognormal" and low <= 0:
                raise ParameterError(
                    f"Parameter {self.name!r}: a lognormal distribution needs low > 0, got "
                    f"low={low}; use 'normal' or 'triangular' for values that can be zero."
                )
        if self.price_year is not None and int(self.price_year) != self.price_year:
            raise ParameterError(
                f"Parameter {self.name!r}: price_year {self.price_year!r} must be a whole year."
            )
        object.__setattr__(self, "value", value)
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @property
    def uncertain(self) -> bool:
        """Whether the parameter varies in the Monte Carlo and in the tornado."""
        return self.distribution != "fixed"

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` draws from the parameter's distribution."""
        low, high = float(self.low or 0.0), float(self.high or 0.0)
        if self.distribution == "fixed":
            return np.full(n, self.value)
        if self.distribution == "normal":
            return self.value + (high - low) / (2 * _Z975) * rng.standard_normal(n)
        if self.distribution == "lognormal":
            sigma = (math.log(high) - math.log(low)) / (2 * _Z975)
            return self.value * np.exp(sigma * rng.standard_normal(n))
        if self.distribution == "triangular":
            return rng.triangular(low, self.value, high, n)
        return rng.uniform(low, high, n)


def _finite(name: str, what: str, x: Any) -> float:
    try:
        out = float(x)
    except (TypeError, ValueError):
        raise ParameterError(f"Parameter {name!r}: {what} {x!r} is not a number.") from None
    if not math.isfinite(out):
        raise ParameterError(f"Parameter {name!r}: {what} {x!r} must be a finite number.")
    return out


@dataclass(frozen=True)
class Parameters(Diagnostic):
    """A validated, immutable set of cost-benefit parameters and a consumer price index.

    A :class:`~impact.results.Diagnostic` container: ``summary()``, ``to_frame()`` (one row
    per parameter) and a table in Jupyter. Use :func:`load_parameters` to build one. Change values with :meth:`replace` (keyword
    arguments) or :meth:`with_values` (a mapping); both return a new object.

    Examples
    --------
    >>> params = load_parameters()
    >>> params["tax_financing_cost"].value
    0.2
    >>> params.replace(neet_transfers={"value": 150_000, "low": 100_000, "high": 220_000})["neet_transfers"].value
    150000.0
    """

    entries: Mapping[str, Parameter]
    cpi: Mapping[int, float]
    version: str = ""
    source: str = ""
    meta: Mapping[str, Any] = field(default_factory=dict)
    outcomes: OutcomeRegistry | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "entries", MappingProxyType(dict(self.entries)))
        if self.outcomes is None:
            object.__setattr__(self, "outcomes", _shipped_registry())
        object.__setattr__(
            self, "cpi", MappingProxyType({int(k): float(v) for k, v in self.cpi.items()})
        )
        object.__setattr__(self, "meta", MappingProxyType(dict(self.meta)))
        missing = [n for n in REQUIRED if n not in self.entries]
        if missing:
            raise ParameterError(
                f"Parameter set lacks {missing}; start from load_parameters() and override "
                "values instead of writing a complete file."
            )
        for name in STRUCTURAL:
            if self.entries[name].uncertain:
                raise ParameterError(
                    f"Parameter {name!r} sets the time grid and must be 'fixed', not "
                    f"{self.entries[name].distribution!r}; vary it in a scenario instead."
                )
        for name in _SHARES:
            p = self.entries[name]
            if not 0.0 <= float(p.low or 0) <= float(p.high or 0) <= 1.0:
                raise ParameterError(
                    f"Parameter {name!r} is a share and must lie in [0, 1], got range "
                    f"[{p.low}, {p.high}]; fix the value or its low/high."
                )
        if self["tax_share_kommune"].high + self["tax_share_fylkeskommune"].high > 1:  # type: ignore[operator]
            raise ParameterError(
                "tax_share_kommune + tax_share_fylkeskommune exceeds 1; the state's share "
                "would be negative. Lower one of them."
            )
        for p in self.entries.values():
            if p.value < 0 and p.name not in ("real_income_growth",):
                raise ParameterError(
                    f"Parameter {p.name!r} has a negative value {p.value}; costs and values "
                    "are entered as positive amounts."
                )
            if p.price_year is not None:
                self.cpi_value(p.price_year, what=f"parameter {p.name!r}")
        self.registry.check_references(self.entries)

    @property
    def registry(self) -> OutcomeRegistry:
        """The outcomes this parameter set can value (:class:`~impact.cba.registry.OutcomeRegistry`)."""
        assert self.outcomes is not None  # set in __post_init__
        return self.outcomes

    # -- mapping access ---------------------------------------------------------------------
    def __getitem__(self, name: str) -> Parameter:
        try:
            return self.entries[name]
        except KeyError:
            raise ParameterError(
                f"No parameter named {name!r}; known names: {sorted(self.entries)}."
            ) from None

    def __contains__(self, name: object) -> bool:
        return name in self.entries

    def __iter__(self) -> Iterator[str]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(self.entries)

    def value(self, name: str) -> float:
        """Central value of parameter ``name``."""
        return self[name].value

    @property
    def to_verify(self) -> tuple[str, ...]:
        """Names of parameters still flagged ``verify = true``."""
        return tuple(n for n, p in self.entries.items() if p.verify)

    # -- overrides --------------------------------------------------------------------------
    def with_values(self, changes: Mapping[str, float | Mapping[str, Any]]) -> Parameters:
        """A copy with some parameters changed.

        ``changes`` maps a parameter name either to a number (the new central value; for a
        fixed parameter low and high follow) or to a mapping of fields to change (``value``,
        ``distribution``, ``low``, ``high``, ``price_year``, ``source``, ``verify``, ...).
        """
        allowed = {f.name for f in fields(Parameter)} - {"name"}
        entries = dict(self.entries)
        for name, change in changes.items():
            old = self[name]
            if isinstance(change, Mapping):
                unknown = set(change) - allowed
                if unknown:
                    raise ParameterError(
                        f"Parameter {name!r}: unknown field(s) {sorted(unknown)}; allowed: "
                        f"{sorted(allowed)}."
                    )
                entries[name] = replace(old, **dict(change))
            else:
                entries[name] = replace(old, value=_finite(name, "value", change))
        return Parameters(entries, self.cpi, self.version, self.source, self.meta, self.outcomes)

    def with_parameters(self, *parameters: Parameter) -> Parameters:
        """A copy with new parameters added (or replaced when the name exists)."""
        entries = dict(self.entries)
        for p in parameters:
            if not isinstance(p, Parameter):
                raise ParameterError(
                    f"with_parameters takes impact.cba.Parameter objects, got {p!r:.60}."
                )
            entries[p.name] = p
        return Parameters(entries, self.cpi, self.version, self.source, self.meta, self.outcomes)

    def replace(self, **changes: float | Mapping[str, Any]) -> Parameters:
        """Keyword form of :meth:`with_values`: ``params.replace(neet_persistence=0.9)``."""
        return self.with_values(changes)

    def fixed(self) -> Parameters:
        """A copy without parameter uncertainty: every value fixed at its central value."""
        entries = {
            n: replace(p, distribution="fixed", low=None, high=None)
            for n, p in self.entries.items()
        }
        return Parameters(entries, self.cpi, self.version, self.source, self.meta, self.outcomes)

    def with_cpi(self, series: Mapping[int, float]) -> Parameters:
        """A copy with another consumer price index (year -> index; added to the shipped one)."""
        cpi = dict(self.cpi)
        for year, val in series.items():
            cpi[int(year)] = _finite(f"cpi[{year}]", "index", val)
            if cpi[int(year)] <= 0:
                raise ParameterError(f"CPI for {year} is {val}; an index must be positive.")
        return Parameters(self.entries, cpi, self.version, self.source, self.meta, self.outcomes)

    # -- prices -----------------------------------------------------------------------------
    def cpi_value(self, year: int, *, what: str = "price year") -> float:
        """The CPI of ``year``; raises :class:`ParameterError` when the series lacks it."""
        try:
            return self.cpi[int(year)]
        except KeyError:
            raise ParameterError(
                f"No CPI value for {what} {year}: the CPI series covers {min(self.cpi)}-"
                f"{max(self.cpi)}. Choose a price year inside it or add the year with "
                "Parameters.with_cpi({year: index})."
            ) from None

    def price_factor(self, from_year: int, to_year: int) -> float:
        """Multiply an amount in ``from_year`` kroner by this to express it in ``to_year`` kroner."""
        return self.cpi_value(to_year) / self.cpi_value(from_year)

    # -- sampling ---------------------------------------------------------------------------
    def sample(self, n: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
        """``n`` independent joint draws of every parameter.

        Drawn in a fixed order: the :data:`REQUIRED` names sorted, then every other name in
        the order it was added (file order, then an evaluator's file, then
        :meth:`with_parameters`), so that adding a parameter or an outcome never changes the
        draws of the parameters before it.
        """
        core = sorted(n for n in self.entries if n in REQUIRED)
        rest = [n for n in self.entries if n not in REQUIRED]
        return {name: self.entries[name].sample(n, rng) for name in (*core, *rest)}

    def central(self) -> dict[str, np.ndarray]:
        """Central values as one-element arrays (the deterministic calculation)."""
        return {name: np.array([p.value]) for name, p in self.entries.items()}

    def summary(self) -> str:
        """Plain text: how many parameters, from where, how many uncertain or to verify."""
        uncertain = sum(1 for p in self.entries.values() if p.uncertain)
        version = f" version {self.version}" if self.version else ""
        cpi = f", CPI {min(self.cpi)}-{max(self.cpi)}" if self.cpi else ""
        lines = [
            f"Cost-benefit parameters{version}: {len(self.entries)} values ({uncertain} "
            f"uncertain, drawn in the Monte Carlo){cpi}",
            f"  source: {self.source or 'not recorded'}",
        ]
        if self.to_verify:
            lines.append(
                f"  {len(self.to_verify)} still flagged 'verify': {', '.join(self.to_verify)}"
            )
        return "\n".join(lines)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row per parameter with value, range, distribution, price year, source."""
        rows = [
            {
                "parameter": p.name,
                "value": p.value,
                "low": p.low,
                "high": p.high,
                "distribution": p.distribution,
                "unit": p.unit,
                "price_year": p.price_year,
                "income_linked": p.income_linked,
                "verify": p.verify,
                "source": p.source,
                "description": p.description,
            }
            for p in self.entries.values()
        ]
        return pd.DataFrame(rows)


def _entries_from_toml(data: Mapping[str, Any], origin: str) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, spec in data.items():
        if name in ("meta", "schedules", "outcomes"):
            continue
        if not isinstance(spec, Mapping):
            raise ParameterError(
                f"{origin}: entry {name!r} must be a table ([{name}] with value = ...), got "
                f"{spec!r}."
            )
        out[name] = dict(spec)
    return out


def _read_cpi(path: Path | Any) -> dict[int, float]:
    text = path.read_text(encoding="utf-8")
    lines = [ln for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]
    series: dict[int, float] = {}
    for row in csv.DictReader(lines):
        try:
            series[int(row["year"])] = float(row["cpi"])
        except (KeyError, TypeError, ValueError):
            raise ParameterError(
                f"CPI file {path}: row {row} needs columns 'year' and 'cpi' with numbers."
            ) from None
    return series


def load_parameters(path: str | Path | None = None, *, cpi: str | Path | None = None) -> Parameters:
    """Load and validate the cost-benefit parameters.

    Parameters
    ----------
    path
        ``None`` loads the shipped Norwegian set (``impact/cba/parameters/norway.toml``).
        A user TOML file overrides the shipped values field by field: it needs only the
        tables and fields it changes, e.g. ``[neet_transfers]`` with ``value = 150000``.
        Unknown names are an error (a typo must not pass silently).
    cpi
        Optional CSV with columns ``year,cpi`` that replaces the shipped CPI series.

    Returns
    -------
    Parameters
        Frozen, validated parameter set; every value has central value, distribution,
        price year, source and verify flag.
    """
    base_dir = resources.files("impact.cba") / "parameters"
    base = tomllib.loads((base_dir / "norway.toml").read_text(encoding="utf-8"))
    entries = _entries_from_toml(base, "norway.toml")
    meta = dict(base.get("meta", {}))
    outcome_tables: dict[str, Any] = dict(base.get("outcomes", {}))
    source = "impact/cba/parameters/norway.toml"
    if path is not None:
        user_path = Path(path)
        if not user_path.is_file():
            raise ParameterError(f"Parameter file {user_path} does not exist; check the path.")
        try:
            user = tomllib.loads(user_path.read_text(encoding="utf-8"))
        except tomllib.TOMLDecodeError as exc:
            raise ParameterError(f"Parameter file {user_path} is not valid TOML: {exc}") from None
        for name, spec in _entries_from_toml(user, str(user_path)).items():
            if name not in entries and not {"value", "unit", "source"} <= set(spec):
                raise ParameterError(
                    f"{user_path}: unknown parameter {name!r}; known names: {sorted(entries)}. "
                    "Fix the name, or add a new parameter with at least value, unit and source "
                    "(every value needs its source)."
                )
            if name not in entries:
                entries[name] = dict(spec)
                continue
            merged = {**entries[name], **spec}
            if spec.get("distribution") == "fixed" or (
                "value" in spec and entries[name].get("distribution", "fixed") == "fixed"
            ):
                merged.pop("low", None)
                merged.pop("high", None)
            entries[name] = merged
        outcome_tables = merge_outcomes(outcome_tables, user.get("outcomes", {}), str(user_path))
        meta.update(user.get("meta", {}))
        source = f"{source} + {user_path}"
    cpi_series = _read_cpi(Path(cpi) if cpi is not None else base_dir / "cpi.csv")
    allowed = {f.name for f in fields(Parameter)} - {"name"}
    params: dict[str, Parameter] = {}
    for name, spec in entries.items():
        unknown = set(spec) - allowed
        if unknown:
            raise ParameterError(
                f"Parameter {name!r}: unknown field(s) {sorted(unknown)}; allowed: {sorted(allowed)}."
            )
        if "value" not in spec:
            raise ParameterError(f"Parameter {name!r} has no value; add value = ... to its table.")
        params[name] = Parameter(name=name, **spec)
    registry = OutcomeRegistry.from_toml(outcome_tables)
    return Parameters(params, cpi_series, str(meta.get("version", "")), source, meta, registry)


@cache
def _shipped_registry() -> OutcomeRegistry:
    """The outcome registry of the shipped parameter file (read once)."""
    text = (resources.files("impact.cba") / "parameters" / "norway.toml").read_text(
        encoding="utf-8"
    )
    return OutcomeRegistry.from_toml(tomllib.loads(text).get("outcomes", {}))


__all__ = ["DISTRIBUTIONS", "REQUIRED", "Parameter", "Parameters", "load_parameters"]
