"""The generic analysis: what a study's design calls for, run from its spec into a bundle.

:func:`run_study` replaces the per-programme scripts. Stages, in order (each writes its
tables; see :mod:`impact.bundle.tables`):

1. descriptives (persons; municipality-year rows weighted by ``[unit] persons``);
2. the naive two-way fixed-effects event study (comparison only);
3. Callaway & Sant'Anna (``[covariates] did``, doubly robust, ``[design] control_group``,
   multiplier bootstrap 199 fast / 999), clustered by ``[unit] cluster``;
4. HonestDiD sensitivity to diverging trends (relative magnitudes);
5. the imputation estimator (municipal roll-outs, or when it is the headline);
6. a wild cluster bootstrap interval when fewer than ``[design] few_clusters`` clusters
   are treated;
7. the other outcomes: Callaway & Sant'Anna (same settings), simple effect
   (``other_outcomes``);
8. the Bayesian hierarchical DiD per ``[bayes]`` (:mod:`impact.study.bayes_stage`);
9. the appraisal of the headline estimator's effect (:mod:`impact.study.appraisal`) and the
   honest break-even;
10. metadata (counts as persons, the study block, what validation changed, the headline
    rule), then ``[hooks] analysis``.

The headline (``[design] headline = "auto"``): the imputation estimator for a municipal
roll-out, whose intervals kept 93-97 % coverage with 20 treated municipalities
(``benchmarks/did_simulation.py``); Callaway-Sant'Anna doubly robust with the covariates
for individual enrolment, because persons select into the programme on observables and
the imputation estimator cannot condition on stable covariates (they are absorbed by the
unit effects). The rule is written in words into the metadata (``headline_rule``).
"""

from __future__ import annotations

import importlib.util
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

import impact
from impact.bundle import Bundle
from impact.did import AggregateResult, att_gt, imputation, wild_bootstrap_scores
from impact.effect import Effect
from impact.errors import DataChangeWarning, DesignError
from impact.study.appraisal import participants, run_appraisal, valued_outcome, write_appraisal
from impact.study.bayes_stage import fit_bayes
from impact.study.inputs import StudyData, load_study_data
from impact.study.labels import cs_label, cs_method, plural
from impact.study.project import Project
from impact.study.spec import IMPLEMENTED_DESIGNS, SpecError, StudySpec
from impact.study.stages import (
    Notes,
    Progress,
    descriptives,
    estimate_row,
    group_time_effects,
    honest_break_even,
    naive_event_study,
    recording,
    treated_years_by_event_time,
    trend_sensitivity,
)

__all__ = ["check_design", "headline_rule", "run_study"]

_RULES: dict[str, tuple[str, dict[str, str]]] = {
    "municipal_rollout": (
        "imputation",
        {
            "en": "The headline is the imputation estimator (Borusyak, Jaravel & Spiess), the "
            "rule for a municipal roll-out: its intervals kept 93-97 % coverage with 20 treated "
            "municipalities in repeated simulations (benchmarks/did_simulation.py).",
            "nb": "Hovedanslaget er imputeringsestimatoren (Borusyak, Jaravel og Spiess), "
            "regelen når kommuner innfører programmet i ulike år: intervallene dens traff den "
            "sanne effekten 93–97 % av gangene med 20 kommuner med programmet i gjentatte "
            "simuleringer.",
        },
    ),
    "individual_enrolment": (
        "att_gt",
        {
            "en": "The headline is Callaway-Sant'Anna, doubly robust with the covariates, the "
            "rule for individual enrolment: persons select into the programme on observable "
            "traits, and the imputation estimator cannot condition on them.",
            "nb": "Hovedanslaget er Callaway–Sant'Anna, dobbelt robust med bakgrunnsvariablene, "
            "regelen når personer begynner én og én: de som begynner, skiller seg fra andre i "
            "kjennetegn vi ser, og imputeringsestimatoren kan ikke ta hensyn til dem.",
        },
    ),
}


def check_design(spec: StudySpec) -> None:
    """Refuse a design that is valid in a spec but not implemented yet (DesignError)."""
    if spec.design.type not in IMPLEMENTED_DESIGNS:
        raise DesignError(
            f"{spec.programme.name}: [design] type = {spec.design.type!r} is a valid design "
            f"but its analysis is not built yet; run_study implements "
            f"{', '.join(repr(d) for d in IMPLEMENTED_DESIGNS)}."
        )


def headline_rule(spec: StudySpec) -> tuple[str, dict[str, str]]:
    """The headline estimator (``"imputation"`` or ``"att_gt"``) and the rule in words
    (``{"nb": ..., "en": ...}``)."""
    if spec.design.headline != "auto":
        name = {"att_gt": "Callaway–Sant'Anna", "imputation": "imputeringsestimatoren"}
        return spec.design.headline, {
            "en": f"The headline is {spec.design.headline}, as the study specification sets "
            f"([design] headline = {spec.design.headline!r}).",
            "nb": f"Hovedanslaget er {name[spec.design.headline]}, slik studiespesifikasjonen "
            f"sier ([design] headline = {spec.design.headline!r}).",
        }
    return _RULES[spec.design.type]


def _effect_kind(spec: StudySpec) -> str:
    if spec.design.effect != "auto":
        return spec.design.effect
    return "simple" if spec.design.type == "municipal_rollout" else "dynamic"


def run_study(
    spec: StudySpec, project: Project, *, fast: bool = False, progress: Progress = print
) -> Bundle:
    """Run the analysis a study's design calls for and write its results bundle.

    Parameters
    ----------
    spec
        The study specification (:func:`impact.study.load_spec`).
    project
        Where the data are read from (``project.data`` or register extracts) and the bundle
        goes (``project.results / <name>``).
    fast
        Fewer bootstrap replications, draws and Monte Carlo draws (smoke runs, CI).
    progress
        Called with one line per stage.

    Returns
    -------
    Bundle
        The committed bundle, re-opened for reading. The bundle is written beside the
        current one and made current only when complete.

    Raises
    ------
    DesignError
        The design is not implemented yet, or the data cannot support a stage.
    """
    check_design(spec)
    hook = _load_hook(spec, project)  # a broken hook is refused before hours of sampling
    name = spec.programme.name
    with Bundle.writing(project.results, name) as bundle:
        data = load_study_data(spec, project)
        analyse(bundle, data, spec, fast=fast, progress=progress)
        if hook is not None:
            progress(f"  programme-specific stage ({spec.hooks.analysis})")
            hook(bundle, data, spec, fast=fast, progress=progress)
    return Bundle.open(project.results, name)


def analyse(
    bundle: Bundle, data: StudyData, spec: StudySpec, *, fast: bool, progress: Progress
) -> None:
    """Write every generic stage of the study into ``bundle`` (see the module docstring)."""
    panel = data.panel
    unit, outcome = spec.unit, spec.headline_outcome
    seed = spec.programme.seed
    did: dict[str, Any] = {"outcome": outcome.column, "unit": unit.id, "time": unit.time,
                           "cohort": spec.enrolment.cohort}  # fmt: skip
    options: dict[str, Any] = {"method": "dr", "control_group": spec.design.control_group}
    if spec.covariates.did:
        options["covariates"] = list(spec.covariates.did)
    if unit.cluster != unit.id:
        options["cluster"] = unit.cluster  # persons clustered by municipality
    registry = valued_outcome(spec)
    notes: Notes = []
    if data.changes:
        with recording(notes):
            for change in data.changes:
                warnings.warn(change, DataChangeWarning, stacklevel=2)

    table = _descriptives(panel, spec)
    if table is not None:
        bundle.write_table("descriptives", table)

    progress("  TWFE event study (naive comparison)")
    rows = [naive_event_study(bundle, panel, did, cluster=unit.cluster, notes=notes)]

    progress("  Callaway-Sant'Anna group-time effects")
    n_boot = 199 if fast else 999
    dynamic, simple = group_time_effects(bundle, panel, did, notes=notes, seed=seed,
                                         n_boot=n_boot, **options)  # fmt: skip
    head, rule = headline_rule(spec)
    rows.append(
        estimate_row(
            "att_gt_simple",
            cs_label(spec),
            simple.att,
            simple.se,
            simple.ci,
            cs_method(spec, n_boot=n_boot),
            headline=head == "att_gt",
        )  # fmt: skip
    )
    progress("  sensitivity to diverging trends (HonestDiD, relative magnitudes)")
    honest_dyn = trend_sensitivity(bundle, panel, did, notes=notes, **options)

    bjs = None
    if spec.design.type == "municipal_rollout" or head == "imputation":
        progress("  imputation estimator (Borusyak, Jaravel & Spiess)")
        with recording(notes):
            bjs = imputation(panel, **did, cluster=unit.cluster)
        rows.append(
            estimate_row(
                "imputation",
                (
                    "Imputation estimator (Borusyak, Jaravel & Spiess), average effect",
                    "Imputeringsestimator (Borusyak, Jaravel og Spiess), gjennomsnittlig effekt",
                ),
                bjs.att, bjs.se, bjs.ci,
                "untreated-only two-way fixed effects imputation, conservative clustered SEs",
                headline=head == "imputation",
            )
        )  # fmt: skip
    n_clusters = _treated_clusters(panel, spec)
    if n_clusters < spec.design.few_clusters:
        progress(f"  wild cluster bootstrap ({n_clusters} treated {plural(unit.cluster)})")
        with recording(notes):
            wild = wild_bootstrap_scores(simple.att, simple.cluster_scores()[:, -1],
                                         outcome=simple.outcome, parameter="att_gt simple ATT",
                                         weights="webb", n_boot=1999 if fast else 9999,
                                         seed=seed)  # fmt: skip
        rows.append(
            estimate_row(
                "att_gt_simple_wild",
                (
                    "Callaway-Sant'Anna with a wild cluster bootstrap interval",
                    "Callaway–Sant'Anna med intervall fra wild cluster bootstrap",
                ),
                simple.att, wild.se, wild.ci,
                f"wild cluster bootstrap over {plural(unit.cluster)} ({wild.n_boot} draws), "
                f"p = {wild.pvalue:.3f}",
            )
        )  # fmt: skip
    if bjs is not None:
        bundle.write_table("imputation_dynamic", bjs.table)

    others = [o for o in spec.outcomes if o.column != outcome.column]
    if others:
        progress(f"  other outcomes: {', '.join(o.column for o in others)} (Callaway-Sant'Anna)")
        bundle.write_table("other_outcomes", _other_outcomes(panel, spec, did, options,
                                                             n_boot=n_boot, seed=seed,
                                                             notes=notes))  # fmt: skip

    kind = _effect_kind(spec)
    population = f"{spec.programme.title.en}: {spec.programme.who.en}"
    if head == "imputation":
        assert bjs is not None
        effect = bjs.effect(kind=kind, outcome=registry, seed=seed, population=population)  # type: ignore[arg-type]
    else:
        chosen: AggregateResult = simple if kind == "simple" else dynamic
        effect = chosen.effect(outcome=registry, seed=seed, population=population)
    last = spec.appraisal.last_event_time
    if last is not None and effect.event_time is not None:
        effect = effect.up_to(last)
    if effect.event_time is None:
        bundle.write_draws("effect", pd.DataFrame({"effect": effect.draws}))

    if spec.bayes.fit:
        if data.cells is None:
            raise DesignError(f"{spec.programme.name}: the Bayesian model needs cells.")
        rows += fit_bayes(bundle, data.cells, spec, panel=panel, outcome_name=registry,
                          seed=seed, fast=fast, notes=notes, progress=progress)  # fmt: skip
    bundle.write_table("estimates", pd.DataFrame(rows))

    progress("  cost-benefit appraisal (R-109)")
    # as the scripts did: the appraisal's warnings (persistence) go to the console; the
    # report reads the same facts from cba_persistence
    appraisal = run_appraisal(effect, spec, panel=panel, fast=fast, seed=seed)
    write_appraisal(bundle, appraisal)
    weights, target = _break_even_target(effect, spec, panel, head=head)
    honest_break_even(bundle, honest_dyn, appraisal, outcome=registry, weights=weights,
                      target=target)  # fmt: skip

    bundle.update_metadata(
        **_base_metadata(data, spec, outcome=registry),
        study=spec.metadata(),
        data_changes=list(data.changes),
        headline_rule=rule,
        **_counts(panel, spec),
        **({"truth": _truth(data.truth, spec)} if data.truth is not None else {}),
        warnings=notes,
    )


def _descriptives(panel: pd.DataFrame, spec: StudySpec) -> pd.DataFrame | None:
    """Persons and persons with the headline outcome by group and year (None: no counts)."""
    o, cohort, time = spec.headline_outcome, spec.enrolment.cohort, spec.unit.time
    if spec.unit.observation == "municipality_year":
        count = o.numerator if o.type == "rate" else o.column if o.type == "count" else None
        if count is None:
            return None  # a continuous municipality mean has no persons with the outcome
        return descriptives(panel, group=cohort, year=time, outcome=count, weight=spec.unit.persons)
    if o.type != "binary":
        return None
    return descriptives(panel, group=cohort, year=time, outcome=o.column)


def _treated_clusters(panel: pd.DataFrame, spec: StudySpec) -> int:
    """Clusters (``[unit] cluster``) with at least one enrolled unit."""
    enrolled = panel[spec.enrolment.cohort] > 0
    return int(panel.loc[enrolled, spec.unit.cluster].nunique())


def _other_outcomes(
    panel: pd.DataFrame, spec: StudySpec, did: dict[str, Any], options: dict[str, Any], *,
    n_boot: int, seed: int, notes: Notes,
) -> pd.DataFrame:  # fmt: skip
    """Callaway-Sant'Anna simple effect of every outcome but the headline (same settings)."""
    rows = []
    for o in spec.outcomes:
        if o.column == did["outcome"]:
            continue
        with recording(notes):
            gt = att_gt(panel, **{**did, "outcome": o.column}, seed=seed, n_boot=n_boot,
                        **options)  # fmt: skip
            simple = gt.aggregate("simple", seed=seed)
        lo, hi = simple.ci
        rows.append({"outcome": o.column, "estimator": "att_gt_simple",
                     "estimate": float(simple.att), "se": float(simple.se),
                     "ci_lower": float(lo), "ci_upper": float(hi),
                     "valued": False})  # fmt: skip
    return pd.DataFrame(rows)


def _break_even_target(
    effect: Effect, spec: StudySpec, panel: pd.DataFrame, *, head: str
) -> tuple[dict[int, float], str]:
    """Event-time weights of the honest break-even that match the appraisal's effect."""
    if effect.event_time is not None:
        # the break-even scales the whole dynamic profile, stated as the unweighted mean of
        # the yearly effects, so the honest target is that same mean
        return {int(e): 1.0 for e in (effect.event_time or (0,))}, (
            "unweighted mean of the Callaway-Sant'Anna event-study effects over the years "
            "the appraisal values (the same estimates; the break-even effect is the mean of the "
            "profile scaled by one factor, so each year's effect is taken to move by the same "
            "share)"
        )
    unit_years = "municipality-years" if spec.unit.id == "municipality" else "unit-years"
    if spec.unit.observation == "person_year":
        unit_years = "person-years"
    estimator = "the imputation estimator's" if head == "imputation" else "Callaway-Sant'Anna's"
    weights = treated_years_by_event_time(panel, time=spec.unit.time, cohort=spec.enrolment.cohort)
    return weights, (
        f"Callaway-Sant'Anna event study weighted by treated {unit_years} per year since the "
        f"start, the weights of {estimator} simple effect the appraisal uses (same weights "
        "over years; another estimator of each year's effect)"
    )


def _base_metadata(data: StudyData, spec: StudySpec, *, outcome: str) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "seed": spec.programme.seed,
        "impact_version": impact.__version__,
        "created_by": f"studies/{spec.programme.name}.toml",
        "outcome": outcome,
        "synthetic": data.synthetic,
    }
    if data.scenario_meta is not None:
        meta.update(scenario=data.scenario_meta["scenario"], scale=data.scenario_meta["scale"])
        meta["seed"] = data.scenario_meta["seed"]
    return meta


def _counts(panel: pd.DataFrame, spec: StudySpec) -> dict[str, int]:
    """Counts for the report, participants always as persons."""
    unit, cohort = spec.unit, spec.enrolment.cohort
    by_unit = panel.groupby(unit.id)[cohort].first()
    if unit.observation == "municipality_year":
        assert unit.persons is not None
        n_persons = int(panel[unit.persons].sum())
    else:
        n_persons = int(panel[unit.id].nunique())
    return {
        "n_persons": n_persons,
        "n_units": int(panel[unit.id].nunique()),
        "n_treated_units": int((by_unit > 0).sum()),
        "n_participants": participants(panel, spec),
    }


def _truth(truth: pd.DataFrame, spec: StudySpec) -> dict[str, float]:
    """True simple effects of the headline outcome by weighting (``simple_person`` ...)."""
    if "outcome" in truth.columns:
        truth = truth[truth["outcome"] == spec.headline_outcome.column]
    simple = truth[truth["estimand"] == "simple"]
    return {f"simple_{w}": float(v) for w, v in zip(simple["weighting"], simple["value"])}


def _load_hook(spec: StudySpec, project: Project) -> Callable[..., Any] | None:
    """``[hooks] analysis``: the file's ``extend(bundle, data, spec, *, fast, progress)``."""
    if spec.hooks.analysis is None:
        return None
    path = project.resolve(spec.hooks.analysis)
    if not path.is_file():
        raise SpecError(
            f"{spec.programme.name}: [hooks] analysis = {spec.hooks.analysis!r}: no file at "
            f"{path}; fix the path (relative to the project {project.root}) or remove the key."
        )
    module_spec = importlib.util.spec_from_file_location(f"impact_hook_{spec.programme.name}",
                                                         path)  # fmt: skip
    if module_spec is None or module_spec.loader is None:
        raise SpecError(f"{spec.programme.name}: cannot load {path} as a Python file.")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    extend = getattr(module, "extend", None)
    if not callable(extend):
        raise SpecError(
            f"{spec.programme.name}: {Path(path).name} has no function extend(bundle, data, "
            "spec, *, fast, progress); [hooks] analysis names a file that defines it."
        )
    return extend
