"""What the report knows about the study: the ``study`` block of the bundle's metadata.

The analysis copies the study specification's words and design into the bundle
(:meth:`impact.study.StudySpec.metadata`): ``name, design, observation, cluster, title,
what, who, comparison``. :class:`Study` reads that block and answers the questions the
report's words depend on — are the observations persons or municipalities, what are the
clusters called, does "few municipalities per start year" make sense — so one template
(``reports/study.qmd``) speaks rightly of every design.

Bundles written before the block existed still render: :meth:`Study.from_metadata` falls
back to the programme key as the title and guesses the observation from the counts
(``n_units == n_persons``: the units are persons). Words the bundle does not hold
(``what``, ``comparison``) are then ``""`` and the report leaves their sentences out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

#: Cluster columns that mean municipalities (the report then says "municipalities").
MUNICIPALITY_CLUSTERS = frozenset({"municipality", "kommune", "kommunenr", "municipality_code"})
#: Cluster columns that mean persons (no sentence about few clusters).
PERSON_CLUSTERS = frozenset({"person_id", "person", "id", "pid"})


def _words(value: Any) -> dict[str, str]:
    if isinstance(value, Mapping):
        return {"nb": str(value.get("nb") or ""), "en": str(value.get("en") or "")}
    return {"nb": "", "en": ""}


@dataclass(frozen=True)
class Study:
    """The study's words and design as the report needs them."""

    name: str
    design: str
    observation: str
    cluster: str
    title: dict[str, str]
    what: dict[str, str]
    who: dict[str, str]
    comparison: dict[str, str]

    @classmethod
    def from_metadata(cls, meta: Mapping[str, Any]) -> Study:
        """The ``study`` block of ``meta``, or the best guess for a bundle without one."""
        block = meta.get("study")
        programme = str(meta.get("programme") or "")
        if isinstance(block, Mapping):
            title = _words(block.get("title"))
            name = str(block.get("name") or programme)
            return cls(
                name=name,
                design=str(block.get("design") or ""),
                observation=str(block.get("observation") or ""),
                cluster=str(block.get("cluster") or ""),
                title={k: v or name.capitalize() for k, v in title.items()},
                what=_words(block.get("what")),
                who=_words(block.get("who")),
                comparison=_words(block.get("comparison")),
            )
        persons = meta.get("n_units") is not None and meta.get("n_units") == meta.get("n_persons")
        observation = "person_year" if persons else "municipality_year"
        return cls(
            name=programme,
            design="individual_enrolment" if persons else "municipal_rollout",
            observation=observation,
            cluster="person_id" if persons else "municipality",
            title={"nb": programme.capitalize(), "en": programme.capitalize()},
            what=_words(None),
            who=_words(None),
            comparison=_words(None),
        )

    @property
    def persons(self) -> bool:
        """The units compared are persons (person-year data), not municipalities."""
        return self.observation == "person_year"

    @property
    def municipality_clusters(self) -> bool:
        """Uncertainty is computed with municipalities as clusters."""
        return self.cluster.lower() in MUNICIPALITY_CLUSTERS

    @property
    def person_clusters(self) -> bool:
        """Uncertainty is computed with persons as clusters (thousands: never few)."""
        return self.cluster.lower() in PERSON_CLUSTERS

    def units(self) -> tuple[str, str]:
        """The compared units with the definite article (nb) and in English."""
        return ("personene", "people") if self.persons else ("kommunene", "municipalities")

    def clusters(self) -> tuple[str, str] | None:
        """What the clusters are called (nb, en), or None when they are persons."""
        if self.person_clusters:
            return None
        if self.municipality_clusters:
            return ("kommuner", "municipalities")
        return ("grupper", "groups")

    def starters(self) -> tuple[str, str]:
        """Who starts in different years (the TWFE caveat): municipalities or participants."""
        return ("deltakerne", "participants") if self.persons else ("kommuner", "municipalities")
