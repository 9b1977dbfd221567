"""The outcome registry: how a unit change in an outcome becomes yearly streams, read from data.

Each outcome the appraisal can value is declared in a parameter file (``[outcomes.<name>]``
with ``[[outcomes.<name>.streams]]``, see the shipped ``norway.toml``), not in code. A stream
says which accounting flow it enters (``earnings``, ``transfers``, ``services``, ``school``:
that fixes who pays and who gains), by how much per unit change (a product of parameters),
between which ages, and which named streams it *moves* for the double-counting rule
(:func:`plan_streams`).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

from impact.errors import ParameterError

FLOWS: tuple[str, ...] = ("earnings", "transfers", "services", "school")
KINDS: tuple[str, ...] = ("state", "event")
UNITS: tuple[str, ...] = ("probability", "NOK")
_OUTCOME_FIELDS = (
    "label",
    "unit",
    "kind",
    "description",
    "summary_years",
    "persistence",
    "source",
    "verify",
    "streams",
)
_STREAM_FIELDS = (
    "moves",
    "flow",
    "per_unit",
    "sign",
    "from_age",
    "to_age",
    "at_age",
    "yields_to",
    "description",
)
Age = float | str


@dataclass(frozen=True)
class Stream:
    """One stream an outcome moves: ``sign * effect * prod(per_unit)`` per year in ``flow``."""

    moves: tuple[str, ...]
    flow: str
    per_unit: tuple[str, ...]
    sign: float = 1.0
    from_age: Age = 0.0
    to_age: Age = "retirement_age"
    at_age: Age | None = None
    yields_to: tuple[str, ...] = ()
    description: str = ""

    @property
    def ages(self) -> tuple[Age, ...]:
        return (self.at_age,) if self.at_age is not None else (self.from_age, self.to_age)


@dataclass(frozen=True)
class Outcome:
    """A registered outcome: unit, kind, default summary years and persistence, its streams."""

    name: str
    unit: Literal["probability", "NOK"]
    kind: Literal["state", "event"]
    streams: tuple[Stream, ...]
    label: str = ""
    description: str = ""
    summary_years: tuple[int, ...] = (0,)
    persistence: str = "none"
    source: str = ""
    verify: bool = False


def _fail(key: str, problem: str, fix: str) -> ParameterError:
    return ParameterError(f"Outcome registry, {key}: {problem}; {fix}.")


def _names(key: str, value: Any, *, allow_empty: bool = False) -> tuple[str, ...]:
    items = [value] if isinstance(value, str) else value
    if (
        not isinstance(items, Sequence)
        or (not items and not allow_empty)
        or not all(isinstance(x, str) and x for x in items)
    ):
        raise _fail(key, f"{value!r} must be a list of names", f'write e.g. {key} = ["name"]')
    return tuple(items)


def _age(key: str, value: Any) -> Age:
    if isinstance(value, str) and value:
        return value
    if isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 150:
        return float(value)
    raise _fail(key, f"{value!r} is not an age", "give an age in years or a parameter name")


def _stream(key: str, spec: Any) -> Stream:
    if not isinstance(spec, Mapping):
        raise _fail(key, f"{spec!r} is not a table", "write [[outcomes.<name>.streams]]")
    unknown = sorted(set(spec) - set(_STREAM_FIELDS))
    if unknown:
        raise _fail(key, f"unknown field(s) {unknown}", f"allowed: {list(_STREAM_FIELDS)}")
    for required in ("moves", "flow", "per_unit"):
        if required not in spec:
            raise _fail(key, f"no {required!r}", f"add {required} = ... (see norway.toml)")
    if spec["flow"] not in FLOWS:
        raise _fail(key, f"flow = {spec['flow']!r} is not a flow", f"use one of {FLOWS}")
    sign = spec.get("sign", 1)
    if sign not in (1, -1) or isinstance(sign, bool):
        raise _fail(key, f"sign = {sign!r}", "use sign = 1 or sign = -1")
    if "at_age" in spec and ("from_age" in spec or "to_age" in spec):
        raise _fail(key, "both at_age and from_age/to_age", "a stream is one-off or a range")
    return Stream(
        moves=_names(f"{key}.moves", spec["moves"]),
        flow=str(spec["flow"]),
        per_unit=_names(f"{key}.per_unit", spec["per_unit"]),
        sign=float(sign),
        from_age=_age(f"{key}.from_age", spec.get("from_age", 0)),
        to_age=_age(f"{key}.to_age", spec.get("to_age", "retirement_age")),
        at_age=_age(f"{key}.at_age", spec["at_age"]) if "at_age" in spec else None,
        yields_to=_names(f"{key}.yields_to", spec.get("yields_to", []), allow_empty=True),
        description=str(spec.get("description", "")),
    )


def _outcome(name: str, spec: Any) -> Outcome:
    key = f"[outcomes.{name}]"
    if not isinstance(spec, Mapping):
        raise _fail(key, f"{spec!r} is not a table", f"write [outcomes.{name}] with unit = ...")
    unknown = sorted(set(spec) - set(_OUTCOME_FIELDS))
    if unknown:
        raise _fail(key, f"unknown field(s) {unknown}", f"allowed: {list(_OUTCOME_FIELDS)}")
    unit, kind = spec.get("unit"), spec.get("kind")
    if unit not in UNITS:
        raise _fail(key, f"unit = {unit!r}", f"use one of {UNITS}")
    if kind not in KINDS:
        raise _fail(key, f"kind = {kind!r}", f"use one of {KINDS} ('state' = a yearly status)")
    streams = spec.get("streams")
    if not isinstance(streams, list) or not streams:
        raise _fail(key, "no streams", f"add at least one [[outcomes.{name}.streams]] table")
    years = spec.get("summary_years", [0])
    if (
        not isinstance(years, list)
        or not years
        or not all(isinstance(y, int) and not isinstance(y, bool) and y >= 0 for y in years)
    ):
        raise _fail(f"{key}.summary_years", f"{years!r}", "give whole years >= 0, e.g. [0, 1, 2]")
    persistence = spec.get("persistence", "none")
    if kind == "state" and not (isinstance(persistence, str) and persistence):
        raise _fail(f"{key}.persistence", f"{persistence!r}", 'name a parameter, or "none"')
    out = Outcome(
        name=name,
        unit=unit,
        kind=kind,
        streams=tuple(_stream(f"{key}.streams[{i}]", s) for i, s in enumerate(streams)),
        label=str(spec.get("label", name)),
        description=str(spec.get("description", "")),
        summary_years=tuple(sorted(set(years))),
        persistence=str(persistence),
        source=str(spec.get("source", "")),
        verify=bool(spec.get("verify", False)),
    )
    if kind == "state" and any(s.at_age is not None for s in out.streams):
        raise _fail(key, "a state outcome with an at_age stream", "use from_age/to_age")
    return out


class OutcomeRegistry(Mapping[str, Outcome]):
    """The outcomes a parameter set can value (read-only mapping name -> :class:`Outcome`)."""

    def __init__(self, outcomes: Mapping[str, Outcome]) -> None:
        self._outcomes = dict(outcomes)

    @classmethod
    def from_toml(cls, tables: Mapping[str, Any]) -> OutcomeRegistry:
        """Build from the ``outcomes`` table of a parameter file (already merged)."""
        return cls({name: _outcome(name, spec) for name, spec in tables.items()})

    def __getitem__(self, name: str) -> Outcome:
        return self._outcomes[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._outcomes)

    def __len__(self) -> int:
        return len(self._outcomes)

    def require(self, names: Sequence[str], *, where: str) -> None:
        """Refuse names that are not registered, in the one message Programme and appraise share."""
        unknown = [n for n in names if n not in self._outcomes]
        if unknown:
            raise ParameterError(unknown_outcome_message(unknown, tuple(self._outcomes), where))

    def check_references(self, entries: Mapping[str, Any]) -> None:
        """Every name an outcome refers to is a parameter in ``entries`` (name -> Parameter);
        ages are fixed parameters, a persistence parameter is a share in [0, 1]."""
        for outcome in self._outcomes.values():
            key = f"[outcomes.{outcome.name}]"
            for i, stream in enumerate(outcome.streams):
                for name in stream.per_unit:
                    if name not in entries:
                        raise ParameterError(
                            f"Outcome registry, {key}.streams[{i}].per_unit names {name!r}, "
                            f"which is not a parameter; add [{name}] with value, unit and "
                            "source to the parameter file, or fix the name."
                        )
                for age in stream.ages:
                    if isinstance(age, str) and (age not in entries or entries[age].uncertain):
                        raise ParameterError(
                            f"Outcome registry, {key}.streams[{i}]: age {age!r} must be a "
                            "number or the name of a fixed parameter (ages set the time "
                            "grid); give the age in years or fix the parameter."
                        )
            name = outcome.persistence
            if outcome.kind == "state" and name not in ("none", "permanent"):
                p = entries.get(name)
                if p is None or not 0.0 <= float(p.low or 0) <= float(p.high or 0) <= 1.0:
                    raise ParameterError(
                        f"Outcome registry, {key}.persistence = {name!r} must name a parameter "
                        "that is a share kept per year in [0, 1], or be 'none' or 'permanent'."
                    )

    def parameters_used(self, names: Sequence[str]) -> set[str]:
        """Parameter names the streams, ages and persistence of these outcomes refer to."""
        used: set[str] = set()
        for name in names:
            outcome = self._outcomes[name]
            if outcome.persistence not in ("none", "permanent"):
                used.add(outcome.persistence)
            for s in outcome.streams:
                used.update(s.per_unit)
                used.update(a for a in s.ages if isinstance(a, str))
        return used

    def to_frame(self) -> pd.DataFrame:
        """One row per stream: outcome, unit, kind, moves, flow, per_unit, sign, ages, yields_to."""
        rows = [
            {
                "outcome": o.name,
                "unit": o.unit,
                "kind": o.kind,
                "moves": "+".join(s.moves),
                "flow": s.flow,
                "per_unit": " x ".join(s.per_unit),
                "sign": s.sign,
                "ages": "-".join(str(a) for a in s.ages),
                "yields_to": ",".join(s.yields_to),
            }
            for o in self._outcomes.values()
            for s in o.streams
        ]
        return pd.DataFrame(rows)


def unknown_outcome_message(unknown: Sequence[str], known: Sequence[str], where: str) -> str:
    """The one wording for an outcome the registry does not know."""
    first = unknown[0]
    return (
        f"{where}: outcome(s) {list(unknown)} are not in the outcome registry, which knows "
        f"{list(known)}. Use one of those, or declare [outcomes.{first}] with its streams in "
        "your own parameter file and pass it to load_parameters(path) (see docs/cba.md)."
    )


def merge_outcomes(base: Mapping[str, Any], user: Mapping[str, Any], origin: str) -> dict:
    """User outcome tables over the shipped ones: fields replace fields, ``streams`` replaces all."""
    if not isinstance(user, Mapping):
        raise _fail(f"{origin} [outcomes]", f"{user!r} is not a table", "write [outcomes.<name>]")
    out = {k: dict(v) for k, v in base.items()}
    for name, spec in user.items():
        if not isinstance(spec, Mapping):
            raise _fail(
                f"{origin} [outcomes.{name}]", f"{spec!r} is not a table", "see norway.toml"
            )
        out[name] = {**out.get(name, {}), **dict(spec)}
    return out


__all__ = [
    "FLOWS",
    "KINDS",
    "UNITS",
    "Outcome",
    "OutcomeRegistry",
    "Stream",
    "merge_outcomes",
    "unknown_outcome_message",
]
