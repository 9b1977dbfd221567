"""The study specification: one TOML file per programme, read into a validated model.

A spec (``studies/<name>.toml``) says everything the generic analysis and the generic report
need to know about a programme: where the data are and which column plays which role, the
unit of observation and the clusters, enrolment, the outcomes and their types, covariates,
the design, the Bayesian model, costs by payer, the persistence assumption, and the
programme's own words for the report (bokmål and English). ``docs/studies.md`` explains
every key; ``impact new NAME`` writes a commented skeleton.

Validated with pydantic (v2) rather than by hand: it gives one declaration per key (type,
default, allowed values) from which both the checks and the error messages follow, refuses
unknown keys (a typo is an error, not a silently ignored setting), and is well kept and
already a dependency of half the scientific stack. :func:`load_spec` turns pydantic's errors
into one :class:`SpecError` that names the file, the key, the value and the fix (and, for
an unknown key, the valid keys with the closest one first).

Designs. ``municipal_rollout`` (whole municipalities adopt in different years; data are
municipality x year rows with a person count, or person rows clustered by municipality) and
``individual_enrolment`` (persons enrol one by one; person x year rows) are implemented. The
later designs — ``single_unit`` (one treated municipality: synthetic control / synthetic DiD),
``few_pilots`` (a handful of pilot municipalities) and ``early_life`` (effects read through
surrogate outcomes) — are valid values of ``[design] type`` so that their specs can be
written in the same format now; :func:`impact.study.run_study` refuses them until built.
"""

from __future__ import annotations

import difflib
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from impact.errors import ImpactError

__all__ = [
    "DESIGNS",
    "IMPLEMENTED_DESIGNS",
    "SPEC_VERSION",
    "SpecError",
    "StudySpec",
    "load_spec",
]

#: Version of the spec format (``version = 1`` at the top of every spec).
SPEC_VERSION = 1
Design = Literal["municipal_rollout", "individual_enrolment", "single_unit", "few_pilots",
                 "early_life"]  # fmt: skip
#: Every design a spec may declare.
DESIGNS: tuple[str, ...] = ("municipal_rollout", "individual_enrolment", "single_unit",
                            "few_pilots", "early_life")  # fmt: skip
#: Designs :func:`impact.study.run_study` can analyse today.
IMPLEMENTED_DESIGNS: tuple[str, ...] = ("municipal_rollout", "individual_enrolment")
Payer = Literal["kommune", "fylkeskommune", "stat", "private"]
Link = Literal["logit", "identity"]


def _logit() -> list[Link]:
    return ["logit"]


class SpecError(ImpactError, ValueError):
    """A study specification is missing, unreadable or invalid; the message names the file,
    the key, the value and the fix."""


class _Section(BaseModel):
    """Every section refuses unknown keys (a typo must not be ignored) and is immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Words(_Section):
    """A text in both report languages."""

    nb: str = Field(min_length=1, description="Norwegian bokmål")
    en: str = Field(min_length=1, description="English")

    def get(self, lang: str) -> str:
        return self.nb if lang == "nb" else self.en


class ProgrammeSection(_Section):
    """``[programme]``: the programme's name and its own words for the report."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$", description="short name: file names, CLI")
    title: Words = Field(description="the programme's name as the report prints it")
    what: Words = Field(description="what the programme is, one paragraph, for the report")
    who: Words = Field(description="who takes part, a plural noun phrase: 'pupils in 10th grade'")
    comparison: Words | None = Field(
        default=None, description="optional: who is compared with whom, and why changes"
    )
    seed: int = Field(default=20240601, ge=0, description="seed of every random step")


class DataSection(_Section):
    """``[data]``: a synthetic scenario, or register extracts with a column mapping."""

    scenario: str | None = Field(
        default=None, description="synthetic scenario written by `impact simulate NAME`"
    )
    panel: str | None = Field(default=None, description="register extract: the panel file")
    cells: str | None = Field(
        default=None, description="optional: binomial cells for the Bayesian model"
    )
    mapping: dict[str, str] = Field(
        default_factory=dict, description="register column -> impact name (read_extract)"
    )
    numeric_codes: dict[str, int | None] = Field(
        default_factory=dict, description="code columns stored as numbers: zero-pad width"
    )
    movers: Literal["first", "enrolment", "drop"] | None = Field(
        default=None, description="a person seen in several municipalities: which to keep"
    )

    @model_validator(mode="after")
    def _one_source(self) -> DataSection:
        if (self.scenario is None) == (self.panel is None):
            raise ValueError(
                "name exactly one data source: scenario = 'NAME' (synthetic, from `impact "
                "simulate NAME`) or panel = 'path/to/extract.csv' (a register extract)"
            )
        if self.scenario is not None and (self.mapping or self.cells or self.numeric_codes):
            raise ValueError(
                "mapping, cells and numeric_codes belong to a register extract (panel = ...), "
                "not to a synthetic scenario"
            )
        return self


class UnitSection(_Section):
    """``[unit]``: what one row is, time, clusters."""

    observation: Literal["person_year", "municipality_year"] = Field(
        description="one row per person and year, or per municipality and year"
    )
    id: str = Field(description="the unit column: person_id or municipality")
    time: str = Field(default="year", description="the time column (whole years)")
    cluster: str = Field(description="the cluster column for inference (municipality, person)")
    municipality: str | None = Field(
        default=None, description="person-year data: the municipality column (movers checked)"
    )
    persons: str | None = Field(
        default=None, description="municipality-year data: the number of persons behind a row"
    )

    @model_validator(mode="after")
    def _counts(self) -> UnitSection:
        if self.observation == "municipality_year" and self.persons is None:
            raise ValueError(
                "municipality-year rows need persons = 'COLUMN' (the persons behind each row): "
                "reports count participants as persons, never as rows"
            )
        if self.observation == "person_year" and self.persons is not None:
            raise ValueError("persons = ... is for municipality-year rows; a person row is one")
        return self


class EnrolmentSection(_Section):
    """``[enrolment]``: when a unit enrolled (persons) or adopted (municipalities)."""

    cohort: str = Field(description="enrolment or adoption year; 0 or missing = never enrolled")
    treated: str | None = Field(
        default=None, description="optional 0/1 column, checked against cohort and time"
    )
    event_time: str | None = Field(
        default=None, description="optional years-since-enrolment column of the cells"
    )
    birth_year: str | None = Field(
        default=None, description="optional: participants' mean age at enrolment from it"
    )


class Outcome(_Section):
    """``[[outcomes]]``: one outcome column, its type and how it is valued."""

    column: str = Field(description="the outcome column")
    type: Literal["binary", "count", "rate", "continuous"] = Field(
        description="binary 0/1, count >= 0, rate in [0, 1] (with numerator and denominator), "
        "or continuous"
    )
    numerator: str | None = Field(default=None, description="a rate: the numerator column")
    denominator: str | None = Field(
        default=None, description="a rate: the denominator column (a count: its upper bound)"
    )
    registry: str | None = Field(
        default=None, description="outcome registry entry that values it (norway.toml)"
    )
    headline: bool = Field(default=False, description="the outcome the verdict is about")


class CovariatesSection(_Section):
    """``[covariates]``: stable traits the DiD conditions on, and the cells' strata."""

    did: list[str] = Field(
        default_factory=list, description="columns the DiD conditions on (stable traits)"
    )
    bayes: list[str] = Field(
        default_factory=list, description="strata of the Bayesian model's binomial cells"
    )


class DesignSection(_Section):
    """``[design]``: the identification strategy and the estimator rules."""

    type: Design = Field(
        description="municipal_rollout, individual_enrolment (run today); single_unit, "
        "few_pilots, early_life (accepted, not run yet)"
    )
    control_group: Literal["never_treated", "not_yet_treated"] = Field(
        default="never_treated", description="who the enrolled units are compared with"
    )
    headline: Literal["auto", "att_gt", "imputation"] = Field(
        default="auto",
        description="auto: imputation for municipal_rollout, att_gt for individual_enrolment",
    )
    effect: Literal["auto", "simple", "dynamic"] = Field(
        default="auto", description="the effect the appraisal values (auto: by design)"
    )
    few_clusters: int = Field(
        default=50, ge=2, description="treated clusters below this: also a wild cluster bootstrap"
    )


class BayesSection(_Section):
    """``[bayes]``: the hierarchical DiD (set ``fit = false`` to skip it)."""

    fit: bool = Field(default=True, description="fit the Bayesian model (false: skip it)")
    links: list[Link] = Field(
        default_factory=_logit, min_length=1,
        description="first: reported beside the headline; the others: sensitivity",
    )  # fmt: skip
    site_effects: bool = Field(
        default=False, description="one effect per municipality, partially pooled"
    )
    dynamic: bool = Field(default=False, description="effects by years since enrolment")
    draws: int = Field(default=1000, ge=100, description="posterior draws per chain")
    tune: int = Field(default=300, ge=100, description="tuning steps per chain")
    enrolment: Literal["site", "individual"] = Field(
        default="site",
        description="hierarchical_did's enrolment: the cohort as unit (site), or free cohort "
        "intercepts with a unit-year term (individual)",
    )
    target_accept: float = Field(
        default=0.9, gt=0, lt=1, description="NUTS target acceptance rate (the sampler's step)"
    )


class NonMonetised(_Section):
    """A benefit the appraisal does not put a price on, scored -4..4 (DFØ's plus-minus)."""

    score: int = Field(ge=-4, le=4, description="-4 (very negative) .. 4 (very positive)")
    text: str = Field(default="", description="one line for the report")


class AppraisalSection(_Section):
    """``[appraisal]``: costs by payer and the assumptions the NPV rests on."""

    age: int | None = Field(default=None, ge=0, le=100, description="participants' age in year 0")
    start_year: int = Field(
        ge=1950, le=2100, description="the appraisal's year 0 (the price year of the costs)"
    )
    costs: dict[Payer, float] = Field(
        description="NOK per participant by payer (kommune, fylkeskommune, stat, private)"
    )
    persistence: Literal["registry", "none", "permanent"] | float = Field(
        default="registry",
        description="registry default, none, permanent, or a yearly decay factor in (0, 1)",
    )
    last_event_time: int | None = Field(
        default=None,
        ge=0,
        description="a dynamic effect is valued up to this many years after the start and "
        "carried on from there by persistence (default: every estimated year); set it where "
        "the last years rest on one or two start cohorts",
    )
    non_monetised: dict[str, NonMonetised] = Field(
        default_factory=dict, description="benefits not valued in NOK, by name (DFØ plus-minus)"
    )
    description: str = Field(default="", description="what one participant's place buys")

    @field_validator("costs")
    @classmethod
    def _costs(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("name at least one payer, e.g. kommune = 5000")
        bad = {k: v for k, v in value.items() if v < 0}
        if bad:
            raise ValueError(f"costs must be >= 0 NOK per participant; got {bad}")
        return value

    @field_validator("persistence")
    @classmethod
    def _decay(cls, value: str | float) -> str | float:
        if isinstance(value, float) and not 0 < value < 1:
            raise ValueError("a yearly decay factor lies strictly between 0 and 1 (e.g. 0.8)")
        return value


class HooksSection(_Section):
    """``[hooks]``: programme-specific code, only where the spec is not enough.

    ``analysis`` names a Python file (relative to the project) with a function
    ``extend(bundle, data, spec, *, fast, progress)`` that :func:`impact.study.run_study`
    calls after the generic stages, inside the same atomic bundle write. It may add tables
    the bundle declares; it must not change what the generic stages wrote.
    """

    analysis: str | None = Field(
        default=None, description="a Python file (relative to the project) with extend(...)"
    )


class StudySpec(_Section):
    """A whole study specification (see the module docstring and ``docs/studies.md``)."""

    version: Annotated[int, Field(ge=1, le=SPEC_VERSION)] = Field(
        default=SPEC_VERSION, description="the format version of the spec"
    )
    programme: ProgrammeSection = Field(description="the programme and its words")
    data: DataSection = Field(description="where the data are")
    unit: UnitSection = Field(description="what one row is")
    enrolment: EnrolmentSection = Field(description="when units enrolled")
    outcomes: list[Outcome] = Field(min_length=1, description="the outcomes, one block each")
    covariates: CovariatesSection = Field(
        default_factory=CovariatesSection, description="what the estimators condition on"
    )
    design: DesignSection = Field(description="the identification strategy")
    bayes: BayesSection = Field(default_factory=BayesSection, description="the Bayesian model")
    appraisal: AppraisalSection = Field(description="costs and the cost-benefit assumptions")
    hooks: HooksSection = Field(default_factory=HooksSection, description="programme code")
    path: Path | None = Field(default=None, exclude=True, description="where it was read from")

    @model_validator(mode="after")
    def _consistent(self) -> StudySpec:
        heads = [o.column for o in self.outcomes if o.headline]
        if len(self.outcomes) > 1 and len(heads) != 1:
            raise ValueError(
                f"mark exactly one outcome headline = true (found {heads or 'none'}); the "
                "verdict is about one outcome"
            )
        if self.appraisal.age is None and self.enrolment.birth_year is None:
            raise ValueError(
                "the appraisal needs the participants' age: [appraisal] age = 15, or "
                "[enrolment] birth_year = 'COLUMN' (mean age at enrolment from the data)"
            )
        return self

    @property
    def headline_outcome(self) -> Outcome:
        """The outcome the verdict is about (the only one, or the one marked headline)."""
        return next((o for o in self.outcomes if o.headline), self.outcomes[0])

    @property
    def persons_are_units(self) -> bool:
        """True when one unit is one person (person-year data)."""
        return self.unit.observation == "person_year"

    def metadata(self) -> dict[str, Any]:
        """The ``study`` block of the bundle's metadata: what the generic report reads."""
        p = self.programme
        return {
            "name": p.name,
            "spec": self.path.name if self.path is not None else None,
            "design": self.design.type,
            "observation": self.unit.observation,
            "cluster": self.unit.cluster,
            "title": p.title.model_dump(),
            "what": p.what.model_dump(),
            "who": p.who.model_dump(),
            "comparison": p.comparison.model_dump() if p.comparison else None,
        }


def load_spec(path: str | Path) -> StudySpec:
    """Read and validate a study specification.

    Raises
    ------
    SpecError
        The file is missing, is not valid TOML, or breaks the format: the message names the
        file, each offending key (``[design] type``), the value given and the fix.
    """
    path = Path(path)
    if not path.is_file():
        raise SpecError(f"No study specification at {path} (looked in {path.resolve().parent}).")
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"{path} is not valid TOML: {exc}.") from None
    try:
        spec = StudySpec.model_validate(raw)
    except ValidationError as exc:
        raise SpecError(_explain(path, exc)) from None
    return spec.model_copy(update={"path": path})


def _explain(path: Path, exc: ValidationError) -> str:
    """One line per problem: where (``[section] key``), what was given, what to do."""
    lines = []
    for err in exc.errors(include_url=False):
        loc = [str(x) for x in err["loc"]]
        where = _where(loc)
        given = err.get("input")
        if err["type"] == "extra_forbidden":
            model = _model_at(loc[:-1])
            valid = sorted(model.model_fields) if model is not None else []
            close = difflib.get_close_matches(loc[-1], valid, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            lines.append(f"{where}: unknown key{hint}; valid keys here: {', '.join(valid)}.")
        elif err["type"] == "missing":
            lines.append(f"{where}: required key is missing; add it (see docs/studies.md).")
        elif err["type"] == "literal_error":
            expected = err.get("ctx", {}).get("expected", "")
            options = [o.strip(" '") for o in str(expected).replace(" or ", ",").split(",")]
            close = difflib.get_close_matches(str(given), options, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            lines.append(f"{where} = {given!r} is not one of {expected}{hint}.")
        else:
            msg = err["msg"].removeprefix("Value error, ")
            shown = "" if isinstance(given, dict) else f" = {given!r}"
            lines.append(f"{where}{shown}: {msg}.")
    head = f"{path} is not a valid study specification ({len(lines)} problem(s)):"
    return "\n".join([head, *("  - " + line for line in lines)])


def _where(loc: list[str]) -> str:
    """``['design', 'type']`` -> ``[design] type``; ``['outcomes', '0', 'type']`` ->
    ``[[outcomes]] #1 type``."""
    if not loc:
        return "the file"
    if loc[0] == "outcomes" and len(loc) > 1 and loc[1].isdigit():
        rest = " ".join(loc[2:])
        return f"[[outcomes]] #{int(loc[1]) + 1}" + (f" {rest}" if rest else "")
    if len(loc) == 1:  # a section is written [section], a top-level key (version) bare
        return f"[{loc[0]}]" if _model_at(loc) is not None else loc[0]
    return f"[{loc[0]}] " + ".".join(loc[1:])


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    """The pydantic model at a location (for listing its valid keys)."""
    model: type[BaseModel] = StudySpec
    for part in loc:
        if part.isdigit():
            continue
        field = model.model_fields.get(part)
        if field is None:
            return None
        annotation = field.annotation
        inner = getattr(annotation, "__args__", None)
        candidates = [annotation, *(inner or ())]
        found = next((c for c in candidates if isinstance(c, type) and issubclass(c, BaseModel)),
                     None)  # fmt: skip
        if found is None:
            return None
        model = found
    return model
