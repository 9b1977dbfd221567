"""The `impact` command: a study spec -> simulate or read data -> run -> render reports.

Every command works on a project directory (``--project DIR``, default: the current
directory; see :class:`impact.study.Project`): specs in ``DIR/studies/<name>.toml``, synthetic
data in ``DIR/data/generated/``, results bundles in ``DIR/results/``, report sources in
``DIR/reports/`` rendered to ``DIR/reports/_output/``. When something is missing the message
says where it looked and what is there.

Built on typer (type-hinted commands, help text for free) with rich for progress, tables and
messages. User errors (:class:`impact.errors.ImpactError`) print a one-line message and exit
with status 1, without a traceback; Ctrl-C prints one line and exits with status 130 (a run
interrupted that way makes no partial bundle current).
"""

from __future__ import annotations

import re
import signal
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn, cast

import typer
from rich.console import Console
from rich.markup import escape

from impact.errors import ImpactError

if TYPE_CHECKING:
    from impact.study import Project, StudySpec

app = typer.Typer(
    name="impact",
    help="Did the programme work, for whom, and does it pay? Simulate, estimate, appraise, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
#: Progress and errors (stderr).
console = Console(stderr=True)
#: What a command reports (stdout): `impact list`, `impact validate`.
out = Console()

#: A programme name: file names, the results directory, the CLI argument.
NAME_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
ENGINES = ("auto", "quarto", "builtin")

ProjectOption = Annotated[
    Path,
    typer.Option(
        "--project",
        help="Project directory: specs in studies/, synthetic data in data/generated/, "
        "results in results/, reports in reports/ (rendered to reports/_output/).",
    ),
]
ResultsOption = Annotated[
    Path | None,
    typer.Option(help="Results bundles here instead of PROJECT/results."),
]
NameArgument = Annotated[str, typer.Argument(help="Programme: the spec studies/NAME.toml.")]


# -- messages ---------------------------------------------------------------------------------
def _fail(exc: BaseException) -> NoReturn:
    console.print(f"[red]error:[/red] {escape(str(exc))}", soft_wrap=True)
    raise typer.Exit(code=1) from None


@contextmanager
def _user_errors() -> Iterator[None]:
    """A user error becomes one message and exit status 1."""
    try:
        yield
    except ImpactError as exc:
        _fail(exc)


@contextmanager
def _step(label: str) -> Iterator[None]:
    """Show a spinner while a step runs and its wall time when it ends; user errors exit 1,
    Ctrl-C exits 130."""
    start = time.perf_counter()
    ctrl_c: list[bool] = []  # a sampler may swallow Ctrl-C and return early (nutpie does)

    def on_sigint(signum: int, frame: Any) -> None:
        ctrl_c.append(True)
        raise KeyboardInterrupt

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, on_sigint) if in_main else None
    try:
        with console.status(f"[bold]{escape(label)}[/bold] ..."):
            yield
    except ImpactError as exc:
        if ctrl_c:
            _interrupted(label)
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted(label)
    finally:
        if in_main and previous is not None:
            signal.signal(signal.SIGINT, previous)
    console.print(f"[green]done[/green] {escape(label)} ({time.perf_counter() - start:.1f} s)")


def _interrupted(label: str) -> NoReturn:
    console.print(
        f"[red]interrupted:[/red] {escape(label)} stopped by Ctrl-C; no partial results were "
        "made current.",
        soft_wrap=True,
    )
    raise typer.Exit(code=130) from None


# -- the project ------------------------------------------------------------------------------
def _project(directory: Path, results: Path | None = None) -> Project:
    from impact.study import Project

    if not directory.is_dir():
        _fail(
            ImpactError(
                f"--project {directory}: no such directory (looked for {directory.resolve()}). "
                "Pass the directory that holds studies/, or run the command there."
            )
        )
    # --results is taken from the current directory, as a shell user means it
    return Project(directory, results_dir=None if results is None else results.resolve())


def _spec(project: Project, name: str) -> StudySpec:
    with _user_errors():
        return project.spec(name)


def _report_sources(project: Project, name: str) -> Path | None:
    """The project's own report sources, if it has any; else None (the generic template)."""
    sources = project.root / "reports"
    if (sources / "study.qmd").is_file() or (sources / f"{name}.qmd").is_file():
        return sources
    return None


# -- commands ---------------------------------------------------------------------------------
@app.command()
def new(
    name: Annotated[str, typer.Argument(help="Short name: lower-case letters, digits and _.")],
    project: ProjectOption = Path("."),
) -> None:
    """Write a commented skeleton spec studies/NAME.toml (every key explained).

    Its data source is left unnamed, so nothing runs until you name it: in the data table
    uncomment `panel = ...` (a register extract, with `mapping`) or `scenario = ...`, then
    run `impact validate NAME`.
    """
    from impact.study import SpecError

    proj = _project(project)
    path = proj.spec_path(name)
    with _user_errors():
        if not NAME_PATTERN.fullmatch(name):
            suggestion = re.sub(r"[^a-z0-9_]+", "_", name.lower()).lstrip("_0123456789")
            example = f"e.g. {suggestion!r}" if suggestion else "e.g. 'my_programme'"
            raise SpecError(
                f"impact new {name!r}: a programme name is lower-case letters, digits and _, "
                f"starting with a letter (^[a-z][a-z0-9_]*$), {example}."
            )
        if path.exists():
            raise SpecError(
                f"{path} exists already; `impact new` never overwrites a spec. Edit it, or "
                "choose another name."
            )
        template = files("impact.study").joinpath("templates", "new.toml")
        text = template.read_text(encoding="utf-8").replace("__NAME__", name)
        proj.studies.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as fh:
            fh.write(text)
    console.print(f"wrote {path}", soft_wrap=True)
    console.print(
        f"  next: name your data in [data] (panel = ... with mapping, or scenario = ...), "
        f"then `impact validate {name}`.",
        soft_wrap=True,
        markup=False,
    )


@app.command()
def simulate(
    scenario: Annotated[
        str,
        typer.Argument(help="Scenario (flyt, unginvest, getacademy), a study's name, or all."),
    ],
    project: ProjectOption = Path("."),
    seed: Annotated[int, typer.Option(help="Seed of the random generator.")] = 20240601,
    scale: Annotated[float, typer.Option(help="Population size multiplier (1 = realistic).")] = 1.0,
    out: Annotated[
        Path | None, typer.Option(help="Write here instead of PROJECT/data/generated.")
    ] = None,
    samples: Annotated[
        Path | None,
        typer.Option(help="Also write the small committed samples and data card here."),
    ] = None,
) -> None:
    """Simulate a scenario with known true effects into PROJECT/data/generated/SCENARIO/."""
    from impact.data import simulate as run_simulation
    from impact.data.card import write_card, write_files
    from impact.data.io import save
    from impact.data.simulate import SCENARIOS

    proj = _project(project)
    target = out if out is not None else proj.data
    if scenario == "all":
        scenarios = list(SCENARIOS)
    elif scenario not in SCENARIOS and proj.spec_path(scenario).is_file():
        source = _spec(proj, scenario).data
        if source.scenario is None:
            _fail(
                ImpactError(
                    f"Study {scenario!r} reads a register extract ([data] panel = "
                    f"{source.panel!r}); there is no synthetic scenario to simulate."
                )
            )
        scenarios = [source.scenario]
    else:
        scenarios = [scenario]  # an unknown name: the simulator lists the scenarios
    sims = []
    for name in scenarios:
        with _step(f"simulate {name} (seed {seed}, scale {scale}) into {target}"):
            sim = run_simulation(name, seed=seed, scale=scale)
            save(sim, target)
            sims.append(sim)
    if samples is not None:
        with _step(f"write samples and data card to {samples}"):
            for sim in sims:
                write_files(sim, samples)
            write_card(sims, samples / "README.md")


@app.command()
def validate(name: NameArgument, project: ProjectOption = Path(".")) -> None:
    """Read the spec and the data it names; say what was checked and what was changed."""
    proj = _project(project)
    spec = _spec(proj, name)
    out.print(f"spec {spec.path}: valid", soft_wrap=True, markup=False)
    from impact.study.inputs import load_study_data

    with _step(f"read and check the {name} data"):
        data = load_study_data(spec, proj)
    for line in data_summary(spec, proj, data):
        out.print(line, soft_wrap=True, markup=False)


def data_summary(spec: StudySpec, project: Project, data: Any) -> list[str]:
    """What `impact validate` says about checked data (``data`` is a StudyData)."""
    d, u, e = spec.data, spec.unit, spec.enrolment
    if d.scenario is not None:
        source = f"synthetic scenario {d.scenario!r} in {project.data / d.scenario}"
    else:
        source = f"register extract {project.resolve(str(d.panel))}"
        if d.mapping:
            source += " (columns " + ", ".join(f"{k} -> {v}" for k, v in d.mapping.items()) + ")"
    lines = [f"data: {source}"]
    panel = data.panel
    persons = spec.persons_are_units
    kind = "person-year" if persons else "municipality-year"
    units = "persons" if persons else "municipalities"
    shape = f"rows: {len(panel):,} {kind} rows"
    if u.id in panel.columns:
        shape += f", {panel[u.id].nunique():,} {units}"
    if u.time in panel.columns and len(panel):
        shape += f", years {int(panel[u.time].min())}-{int(panel[u.time].max())}"
    if u.persons is not None and u.persons in panel.columns:
        shape += f", {int(panel[u.persons].sum()):,} person-years (column {u.persons!r})"
    lines.append(shape)
    if u.id in panel.columns and e.cohort in panel.columns:
        cohort = panel.groupby(u.id, sort=True)[e.cohort].first()
        enrolled = cohort[cohort > 0]
        by_year = enrolled.value_counts().sort_index()
        counts = ", ".join(f"{int(year)}: {int(n):,}" for year, n in by_year.items())
        verb = "enrolled" if persons else "adopted"
        lines.append(
            f"enrolment ({e.cohort!r}): {len(enrolled):,} {units} {verb} in "
            f"{len(by_year)} cohort(s) ({counts or 'none'}); {len(cohort) - len(enrolled):,} never"
        )
    for o in spec.outcomes:
        valued = f", valued as {o.registry!r}" if o.registry else ", not valued"
        head = ", headline" if o is spec.headline_outcome else ""
        lines.append(f"outcome {o.column!r}: {o.type}{head}{valued}")
    if data.cells is not None:
        lines.append(f"cells: {len(data.cells):,} rows for the Bayesian model")
    checked = [
        "every declared column present",
        f"({u.id}, {u.time}) unique",
        f"{e.cohort} whole years, constant within a unit",
        "outcome types",
    ]
    if e.treated is not None:
        checked.append(f"{e.treated} = 1 exactly from {e.cohort} on")
    if persons and u.municipality is not None:
        checked.append(f"movers between municipalities ({d.movers or 'none allowed'})")
    lines.append("checked: " + "; ".join(checked))
    changes = list(data.changes)
    if changes:
        lines.extend(f"changed: {change}" for change in changes)
    else:
        lines.append("changed: nothing (the data are used as read)")
    return lines


@app.command()
def run(
    name: NameArgument,
    project: ProjectOption = Path("."),
    results: ResultsOption = None,
    fast: Annotated[
        bool, typer.Option(help="Fewer draws and replications (for CI smoke runs).")
    ] = False,
) -> None:
    """Run the study the spec describes; it writes PROJECT/results/NAME/ (the bundle)."""
    proj = _project(project, results)
    spec = _spec(proj, name)
    from impact.study.run import run_study

    with _step(f"run {name} ({spec.design.type})"):
        run_study(spec, proj, fast=fast, progress=console.print)
    console.print(f"  wrote {proj.results / name}", soft_wrap=True, markup=False)


@app.command()
def report(
    name: NameArgument,
    project: ProjectOption = Path("."),
    lang: Annotated[str, typer.Option(help="nb (Norwegian bokmål) or en.")] = "nb",
    to: Annotated[str, typer.Option(help="Comma-separated formats: html,pdf.")] = "html,pdf",
    engine: Annotated[str, typer.Option(help="auto, quarto or builtin.")] = "auto",
    results: ResultsOption = None,
) -> None:
    """Render the report of a study from its results bundle into PROJECT/reports/_output/."""
    proj = _project(project, results)
    if engine not in ENGINES:
        _fail(ImpactError(f"--engine {engine!r} must be auto, quarto or builtin."))
    _spec(proj, name)
    from impact.report import render

    formats = tuple(f.strip() for f in to.split(",") if f.strip())
    sources = _report_sources(proj, name)  # None: the generic template (reports/study.qmd)
    where: dict[str, Any] = {} if sources is None else {"reports_dir": sources}
    with _step(f"render {name} report ({lang}: {', '.join(formats)})"):
        paths = render(
            name,
            lang=lang,
            to=formats,
            results_dir=proj.results,
            engine=cast(Literal["auto", "quarto", "builtin"], engine),
            output_dir=proj.reports,
            **where,
        )
    for path in paths:
        console.print(f"  wrote {path}", soft_wrap=True, markup=False)


@app.command(name="all")
def run_all(
    project: ProjectOption = Path("."),
    lang: Annotated[str, typer.Option(help="Comma-separated report languages.")] = "nb,en",
    fast: Annotated[bool, typer.Option(help="Fewer draws and replications.")] = False,
    results: ResultsOption = None,
) -> None:
    """The main job: every spec in PROJECT/studies simulated (if synthetic), run, reported.

    Then the portfolio page. A spec whose design is not built yet is skipped, saying so.
    """
    from impact.study import IMPLEMENTED_DESIGNS

    proj = _project(project, results)
    names = proj.names()
    if not names:
        _fail(
            ImpactError(
                f"No study specifications in {proj.studies}. Write one with `impact new NAME`, "
                "or pass --project DIR for a project elsewhere."
            )
        )
    specs = {name: _spec(proj, name) for name in names}  # a broken spec stops before any work
    runnable = []
    for name, spec in specs.items():
        if spec.design.type in IMPLEMENTED_DESIGNS:
            runnable.append(name)
        else:
            console.print(
                f"skip {name}: design {spec.design.type!r} is not run yet (implemented: "
                f"{', '.join(IMPLEMENTED_DESIGNS)})",
                soft_wrap=True,
                markup=False,
            )
    scenarios: dict[str, int] = {}  # each scenario once, with the seed of its first spec
    for name in runnable:
        if (scenario := specs[name].data.scenario) is not None:
            scenarios.setdefault(scenario, specs[name].programme.seed)
    for scenario, seed in scenarios.items():
        simulate(scenario, project=project, seed=seed)
    for name in runnable:
        run(name, project=project, results=results, fast=fast)
    languages = [x.strip() for x in lang.split(",") if x.strip()]
    for name in runnable:
        for language in languages:
            report(name, project=project, lang=language, results=results)
    from impact.report.portfolio import write_portfolio

    with _step("portfolio page"):
        paths = write_portfolio(
            runnable, results_dir=proj.results, output_dir=proj.reports, langs=languages
        )
    for path in paths:
        console.print(f"  wrote {path}", soft_wrap=True, markup=False)


@app.command(name="list")
def list_studies(project: ProjectOption = Path("."), results: ResultsOption = None) -> None:
    """The specs of a project: design, data source and whether results exist."""
    from rich.table import Table

    from impact.study import IMPLEMENTED_DESIGNS, SpecError

    proj = _project(project, results)
    names = proj.names()
    if not names:
        out.print(
            f"No study specifications in {proj.studies}; write one with `impact new NAME`.",
            soft_wrap=True,
            markup=False,
        )
        return
    table = Table(title=f"Studies in {proj.studies}")
    for column in ("study", "design", "data", "results"):
        table.add_column(column, overflow="fold")  # paths wrap, never cut
    for name in names:
        try:
            spec = proj.spec(name)
        except SpecError as exc:
            problem = str(exc).splitlines()[-1].strip(" -")
            table.add_row(name, "[red]invalid spec[/red]", escape(problem), "")
            continue
        design: str = spec.design.type
        if design not in IMPLEMENTED_DESIGNS:
            design += " (not run yet)"
        table.add_row(name, design, escape(_source(spec, proj)), escape(_results(proj, name)))
    out.print(table)


def _source(spec: StudySpec, project: Project) -> str:
    if spec.data.scenario is not None:
        made = (project.data / spec.data.scenario / "card.json").is_file()
        return f"scenario {spec.data.scenario}" + ("" if made else " (not simulated yet)")
    path = project.resolve(str(spec.data.panel))
    return f"{spec.data.panel}" + ("" if path.is_file() else " (file missing)")


def _results(project: Project, name: str) -> str:
    from impact.bundle import Bundle
    from impact.errors import BundleError

    if not (project.results / name).exists():
        return "none yet"
    try:
        bundle = Bundle.open(project.results, name)
    except BundleError:
        return f"not usable: run `impact run {name}`"
    completed = str(bundle.metadata.get("completion", {}).get("completed_at", ""))
    return f"complete {completed[:16]}".strip()


if __name__ == "__main__":  # pragma: no cover
    app()
