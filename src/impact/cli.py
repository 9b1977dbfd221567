"""The `impact` command: simulate -> run analyses -> render reports.

Built on typer (type-hinted commands, help text and shell completion for free) with rich for
progress and messages. User errors (:class:`impact.errors.ImpactError`) print a one-line
message and exit with status 1, without a traceback; Ctrl-C prints one line and exits with
status 130 (a run interrupted that way makes no partial bundle current).
"""

from __future__ import annotations

import importlib.util
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn, cast

import typer
from rich.console import Console

from impact.errors import ImpactError

app = typer.Typer(
    name="impact",
    help="Did the programme work, for whom, and does it pay? Simulate, estimate, appraise, report.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
console = Console(stderr=True)

PROGRAMMES = ("flyt", "unginvest")
DATA_DIR = Path("data/generated")
RESULTS_DIR = Path("results")
ANALYSES_DIR = Path("analyses")


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
        with console.status(f"[bold]{label}[/bold] ..."):
            yield
    except ImpactError as exc:
        if ctrl_c:
            _interrupted(label)
        console.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(code=1) from None
    except KeyboardInterrupt:
        _interrupted(label)
    finally:
        if in_main and previous is not None:
            signal.signal(signal.SIGINT, previous)
    console.print(f"[green]done[/green] {label} ({time.perf_counter() - start:.1f} s)")


def _interrupted(label: str) -> NoReturn:
    console.print(
        f"[red]interrupted:[/red] {label} stopped by Ctrl-C; no partial results were made current.",
        soft_wrap=True,
    )
    raise typer.Exit(code=130) from None


def _load_analysis(programme: str, analyses_dir: Path) -> Callable[..., Any]:
    path = analyses_dir / f"{programme}.py"
    if not path.is_file():
        available = sorted(p.stem for p in analyses_dir.glob("*.py") if not p.stem.startswith("_"))
        raise ImpactError(
            f"No analysis script {path} for programme {programme!r}; available: {available}. "
            "Add analyses/<programme>.py with a main(...) function (see README)."
        )
    spec = importlib.util.spec_from_file_location(f"impact_analysis_{programme}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(analyses_dir.resolve()))  # analyses share helpers in _shared.py
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(analyses_dir.resolve()))
    main = getattr(module, "main", None)
    if main is None:
        raise ImpactError(f"{path} has no main(...) function; add one (see README).")
    return main  # type: ignore[no-any-return]


@app.command()
def simulate(
    scenario: Annotated[str, typer.Argument(help="Scenario: flyt, unginvest, getacademy or all.")],
    seed: Annotated[int, typer.Option(help="Seed of the random generator.")] = 20240601,
    scale: Annotated[float, typer.Option(help="Population size multiplier (1 = realistic).")] = 1.0,
    out: Annotated[Path, typer.Option(help="Where to write the Parquet files.")] = DATA_DIR,
    samples: Annotated[
        Path | None,
        typer.Option(help="Also write the small committed samples and data card here."),
    ] = None,
) -> None:
    """Simulate a scenario with known true effects and write it to disk."""
    from impact.data import simulate as run_simulation
    from impact.data.card import write_card, write_files
    from impact.data.io import save
    from impact.data.simulate import SCENARIOS

    # every scenario (a programme without an analysis yet, e.g. getacademy, too: it is cheap)
    scenarios = list(SCENARIOS) if scenario == "all" else [scenario]
    sims = []
    for name in scenarios:
        with _step(f"simulate {name} (seed {seed}, scale {scale})"):
            sim = run_simulation(name, seed=seed, scale=scale)
            save(sim, out)
            sims.append(sim)
    if samples is not None:
        with _step(f"write samples and data card to {samples}"):
            for sim in sims:
                write_files(sim, samples)
            write_card(sims, samples / "README.md")


@app.command()
def run(
    programme: Annotated[str, typer.Argument(help="Programme: flyt or unginvest.")],
    data: Annotated[Path, typer.Option(help="Directory of simulated data.")] = DATA_DIR,
    results: Annotated[Path, typer.Option(help="Where the results bundle goes.")] = RESULTS_DIR,
    analyses: Annotated[Path, typer.Option(help="Directory of analysis scripts.")] = ANALYSES_DIR,
    fast: Annotated[
        bool, typer.Option(help="Fewer draws and replications (for CI smoke runs).")
    ] = False,
) -> None:
    """Run the analysis script of a programme; it writes results/<programme>/."""
    with _step(f"analyse {programme}"):
        main = _load_analysis(programme, analyses)
        main(data_dir=data, results_dir=results, fast=fast, progress=console.print)


@app.command()
def report(
    programme: Annotated[str, typer.Argument(help="Programme: flyt or unginvest.")],
    lang: Annotated[str, typer.Option(help="nb (Norwegian bokmål) or en.")] = "nb",
    to: Annotated[str, typer.Option(help="Comma-separated formats: html,pdf.")] = "html,pdf",
    engine: Annotated[str, typer.Option(help="auto, quarto or builtin.")] = "auto",
    results: Annotated[Path, typer.Option(help="Directory of results bundles.")] = RESULTS_DIR,
) -> None:
    """Render the report of a programme from its results bundle."""
    from impact.report import render

    formats = tuple(f.strip() for f in to.split(",") if f.strip())
    if engine not in ("auto", "quarto", "builtin"):
        console.print(f"[red]error:[/red] --engine {engine!r} must be auto, quarto or builtin.")
        raise typer.Exit(code=1)
    with _step(f"render {programme} report ({lang}: {', '.join(formats)})"):
        paths = render(
            programme,
            lang=lang,
            to=formats,
            results_dir=results,
            engine=cast(Literal["auto", "quarto", "builtin"], engine),
        )
    for path in paths:
        console.print(f"  wrote {path}")


@app.command(name="all")
def run_all(
    lang: Annotated[str, typer.Option(help="Comma-separated report languages.")] = "nb,en",
    fast: Annotated[bool, typer.Option(help="Fewer draws and replications.")] = False,
) -> None:
    """The main job: simulate every scenario, run every analysis, render every report."""
    for programme in PROGRAMMES:
        simulate(programme)
    for programme in PROGRAMMES:
        run(programme, fast=fast)
    languages = [x.strip() for x in lang.split(",") if x.strip()]
    for programme in PROGRAMMES:
        for language in languages:
            report(programme, lang=language)
    from impact.report.portfolio import write_portfolio

    with _step("portfolio page"):
        paths = write_portfolio(PROGRAMMES, results_dir=RESULTS_DIR, langs=languages)
    for path in paths:
        console.print(f"  wrote {path}")


if __name__ == "__main__":  # pragma: no cover
    app()
