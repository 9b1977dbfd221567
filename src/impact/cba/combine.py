"""Which streams each appraised effect values: the rule against double counting.

Rule (documented in docs/cba.md and :func:`impact.cba.appraise`):

1. Every registered stream names the stream(s) it *moves* (``moves``), e.g. NEET and
   employment both move ``employment_earnings`` and ``benefit_transfers``.
2. A stream with ``yields_to`` is not counted when an effect on one of those outcomes is
   appraised (completion's employment gain yields to a directly measured NEET effect).
3. ``combine={outcome: [stream names]}`` states which streams an effect values; its other
   streams are not counted. A registered stream that moves several names is kept only when
   all of them are chosen.
4. After 2 and 3, two effects that still move the same stream are refused
   (:class:`~impact.errors.ParameterError`): the same participants' earnings, transfers or
   services would be counted twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pandas as pd

from impact.cba.registry import OutcomeRegistry, Stream
from impact.errors import ParameterError

Combine = Mapping[str, Sequence[str]]


@dataclass(frozen=True)
class Planned:
    """A registered stream of an appraised outcome, whether it is valued and why."""

    outcome: str
    stream: Stream
    valued: bool
    reason: str


def _check_combine(registry: OutcomeRegistry, outcomes: Sequence[str], combine: Combine) -> None:
    if not isinstance(combine, Mapping):
        raise ParameterError(
            f"combine={combine!r} must map an outcome to the streams it values, e.g. "
            "combine={'employed': ['employment_earnings', 'benefit_transfers'], "
            "'neet': ['public_services']}."
        )
    for outcome, chosen in combine.items():
        if outcome not in outcomes:
            raise ParameterError(
                f"combine names outcome {outcome!r}, but the appraisal has effects on "
                f"{list(outcomes)}; name only appraised outcomes."
            )
        moved = sorted({m for s in registry[outcome].streams for m in s.moves})
        if isinstance(chosen, str) or not isinstance(chosen, Sequence):
            raise ParameterError(
                f"combine[{outcome!r}]={chosen!r} must be a list of stream names from {moved}."
            )
        unknown = [c for c in chosen if c not in moved]
        if unknown:
            raise ParameterError(
                f"combine[{outcome!r}] names stream(s) {unknown} that {outcome!r} does not "
                f"move; its streams are {moved}."
            )


def plan_streams(
    registry: OutcomeRegistry, outcomes: Sequence[str], combine: Combine | None = None
) -> tuple[Planned, ...]:
    """The streams of the appraised ``outcomes`` (registry order), valued or not, and why.

    Raises :class:`~impact.errors.ParameterError` when two effects would value the same
    stream (see the module docstring for the rule).
    """
    combine = {} if combine is None else combine
    _check_combine(registry, outcomes, combine)
    plan: list[Planned] = []
    for name in (o for o in registry if o in outcomes):
        chosen = set(combine[name]) if name in combine else None
        for s in registry[name].streams:
            moves = set(s.moves)
            yielding = [y for y in s.yields_to if y in outcomes and y != name]
            if chosen is not None:
                if moves & chosen and not moves <= chosen:
                    raise ParameterError(
                        f"combine[{name!r}] chooses {sorted(moves & chosen)} but one registered "
                        f"stream of {name!r} moves {sorted(moves)} together; choose all of "
                        "them or none."
                    )
                valued = moves <= chosen
                reason = "chosen in combine" if valued else "left out by combine"
            elif yielding:
                valued, reason = False, f"yields to the effect on {yielding[0]!r}"
            else:
                valued, reason = True, "valued"
            plan.append(Planned(name, s, valued, reason))
    _refuse_overlap(plan)
    return tuple(plan)


def _refuse_overlap(plan: Sequence[Planned]) -> None:
    by_stream: dict[str, list[str]] = {}
    for p in plan:
        if p.valued:
            for m in p.stream.moves:
                if p.outcome not in by_stream.setdefault(m, []):
                    by_stream[m].append(p.outcome)
    clashes = {m: o for m, o in by_stream.items() if len(o) > 1}
    if not clashes:
        return
    first, second = next(iter(clashes.values()))[:2]
    shared = sorted(m for m, o in clashes.items() if first in o and second in o)
    keep_first = sorted(
        {m for p in plan if p.outcome == first and p.valued for m in p.stream.moves}
    )
    rest = sorted(
        {m for p in plan if p.outcome == second and p.valued for m in p.stream.moves} - set(shared)
    )
    raise ParameterError(
        f"Effects on {first!r} and {second!r} both move the stream(s) {shared} for the same "
        "participants, so valuing both counts them twice. State how they combine, e.g. "
        f"appraise(..., combine={{{first!r}: {keep_first}, {second!r}: {rest}}}) (each stream "
        "valued from one effect only), or appraise one of the effects."
    )


def plan_frame(plan: Sequence[Planned]) -> pd.DataFrame:
    """The plan as a table (bundle table ``cba_streams``)."""
    return pd.DataFrame(
        {
            "outcome": [p.outcome for p in plan],
            "moves": ["+".join(p.stream.moves) for p in plan],
            "flow": [p.stream.flow for p in plan],
            "per_unit": [" x ".join(p.stream.per_unit) for p in plan],
            "sign": [p.stream.sign for p in plan],
            "ages": ["-".join(str(a) for a in p.stream.ages) for p in plan],
            "valued": [p.valued for p in plan],
            "reason": [p.reason for p in plan],
        },
        columns=["outcome", "moves", "flow", "per_unit", "sign", "ages", "valued", "reason"],
    )


__all__ = ["Combine", "Planned", "plan_frame", "plan_streams"]
