"""The words of the ``estimates`` table (English, bokmål), from the design, not the programme.

A municipal roll-out speaks of adopting municipalities, an individual enrolment of
participants; the labels and method texts follow :attr:`StudySpec.design` and the spec's
columns, so no programme's name or nouns are written into the generic analysis.
"""

from __future__ import annotations

from impact.study.spec import StudySpec

__all__ = ["Label", "bayes_label", "bayes_method", "cs_label", "cs_method", "plural", "words"]

Label = tuple[str, str]
"""(English, bokmål)."""

_WHERE: dict[str, Label] = {
    "municipal_rollout": (
        "in adopting municipalities",
        "i kommunene med programmet",
    ),
    "individual_enrolment": (
        "on participants (all years after enrolment)",
        "for deltakerne (alle år etter oppstart)",
    ),
}
_CONTROLS: dict[str, dict[str, str]] = {
    "municipal_rollout": {"never_treated": "never-treated", "not_yet_treated": "not-yet-treated"},
    "individual_enrolment": {
        "never_treated": "never-enrolled",
        "not_yet_treated": "not-yet-enrolled",
    },
}
_PLURAL = {"municipality": "municipalities", "person_id": "persons", "county": "counties",
           "kommune": "municipalities", "fylke": "counties"}  # fmt: skip
_SCALE: dict[str, Label] = {
    "identity": ("probabilities", "sannsynligheter"),
    "logit": ("log-odds", "log-odds"),
}
_MODEL = {
    "identity": "linear probability model on cells (Gaussian approximation of the binomial)",
    "logit": "logistic model on binomial cells",
}


def words(column: str) -> str:
    """A column name in words: ``"age_band"`` -> ``"age band"``."""
    return column.replace("_", " ")


def plural(column: str) -> str:
    """What the units of a cluster column are called: ``"municipality"`` -> municipalities."""
    return _PLURAL.get(column, f"{words(column)} clusters")


def _listing(items: list[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def cs_label(spec: StudySpec) -> Label:
    """Label of the Callaway–Sant'Anna simple effect."""
    en, nb = _WHERE[spec.design.type]
    return (f"Callaway-Sant'Anna, average effect {en}",
            f"Callaway–Sant'Anna, gjennomsnittlig effekt {nb}")  # fmt: skip


def cs_method(spec: StudySpec, *, n_boot: int) -> str:
    """How the Callaway–Sant'Anna effect and its interval were obtained."""
    covariates = " with baseline covariates" if spec.covariates.did else ""
    controls = _CONTROLS[spec.design.type][spec.design.control_group]
    clustered = (
        f", clustered by {words(spec.unit.cluster)}" if spec.unit.cluster != spec.unit.id else ""
    )
    return (f"doubly robust{covariates}, {controls} controls{clustered}, multiplier bootstrap "
            f"({n_boot})")  # fmt: skip


def bayes_label(spec: StudySpec, link: str, *, first: bool) -> Label:
    """Label of a hierarchical DiD row: the first link is the cross-check, others sensitivity."""
    scale_en, scale_nb = _SCALE[link]
    if spec.design.type == "municipal_rollout":
        head_en = "Bayesian hierarchical DiD, average effect per participant"
        head_nb = "Bayesiansk hierarkisk DiD, gjennomsnittlig effekt per deltaker"
        if first:
            return f"{head_en} (partial pooling)", f"{head_nb} (delvis sammenslåing)"
        return (f"{head_en} (sensitivity check; parallel trends in {scale_en})",
                f"{head_nb} (sensitivitetssjekk; parallelle trender i {scale_nb})")  # fmt: skip
    role_en, role_nb = ("cross-check", "kontroll") if first else ("sensitivity check",
                                                                  "sensitivitetssjekk")  # fmt: skip
    return (f"Bayesian hierarchical DiD on cells ({role_en}; parallel trends in {scale_en})",
            f"Bayesiansk hierarkisk DiD på celler ({role_nb}; parallelle trender i {scale_nb})")  # fmt: skip


def bayes_method(spec: StudySpec, link: str, *, sampler: str, site: str | None) -> str:
    """How a hierarchical DiD row was obtained."""
    if site is not None:
        parts = [f"NUTS ({sampler})", "binomial cells"]
        if link != "logit":
            parts.append(f"{link} link")
        if spec.bayes.site_effects:
            parts.append("site-varying effects")
        if spec.bayes.dynamic:
            parts.append("effects varying by years since the start")
        parts += ["intercepts pooled within adoption cohorts", "95 % equal-tailed interval"]
        return ", ".join(parts)
    cells = _listing(["enrolment cohort", "year", *(words(c) for c in spec.covariates.bayes)])
    units = (
        "; free intercept per enrolment cohort, cohort-year term"
        if spec.bayes.enrolment == "individual"
        else ""
    )
    return f"NUTS ({sampler}), {link} link: {_MODEL[link]}; cells by {cells}{units}"
