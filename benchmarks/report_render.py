"""Time of rendering a report with the built-in engine, stage by stage.

Stages: read the .qmd (jupytext), execute it (papermill + ipykernel, includes kernel
start-up), export HTML (nbconvert), export PDF (nbconvert Markdown -> pandoc -> typst).
Uses the results bundles in results/ (run `make report` or `impact run flyt` first).
Prints the figures and writes benchmarks/results/report_render.json.

Run: MPLBACKEND=Agg .venv/bin/python benchmarks/report_render.py
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

from impact.bundle import Bundle
from impact.report import builtin_engine, render
from impact.report.qmd import read_qmd

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "results"
REPORTS = ROOT / "reports"
REPEATS = 3


def stages(programme: str, lang: str, out: Path) -> dict[str, float]:
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    notebook = read_qmd(REPORTS / f"{programme}.qmd")
    times["read_qmd"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    executed = builtin_engine.execute(
        notebook,
        parameters={"programme": programme, "lang": lang, "results_dir": str(RESULTS)},
        cwd=REPORTS,
    )
    times["execute"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    builtin_engine.to_html(executed, out / f"{programme}.html", title=programme)
    times["html"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    builtin_engine.to_pdf(executed, out / f"{programme}.pdf", lang=lang)
    times["pdf"] = time.perf_counter() - t0
    return times


def main() -> int:
    programmes = [p for p in ("flyt", "unginvest") if (RESULTS / p / "metadata.json").is_file()]
    if not programmes:
        print("No results bundles in results/; run `impact run flyt` first.", file=sys.stderr)
        return 1
    figures: dict[str, object] = {
        "machine": {"python": platform.python_version(), "cpus": os.cpu_count()},
        "repeats": REPEATS,
        "engine": "builtin",
        "programmes": {},
    }
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        for programme in programmes:
            runs = [stages(programme, "nb", out) for _ in range(REPEATS)]
            median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            t0 = time.perf_counter()
            paths = render(programme, lang="en", to=("html", "pdf"), results_dir=RESULTS,
                           reports_dir=REPORTS, output_dir=out, engine="builtin")  # fmt: skip
            total_en = time.perf_counter() - t0
            sizes = {p.suffix[1:]: p.stat().st_size for p in paths}
            tables = Bundle.open(RESULTS, programme).tables()
            figures["programmes"][programme] = {  # type: ignore[index]
                "bundle_tables": tables,
                "median_seconds_by_stage_nb": {k: round(v, 3) for k, v in median.items()},
                "median_total_seconds_nb": round(sum(median.values()), 3),
                "render_html_pdf_en_seconds": round(total_en, 3),
                "output_bytes_en": sizes,
            }
            print(f"{programme}: stages (median of {REPEATS}, nb) "
                  + ", ".join(f"{k} {v:.2f}s" for k, v in median.items())
                  + f"; total {sum(median.values()):.2f}s; render(en, html+pdf) {total_en:.2f}s; "
                  + f"sizes {sizes}")  # fmt: skip
    path = ROOT / "benchmarks" / "results" / "report_render.json"
    path.write_text(json.dumps(figures, indent=2) + "\n")
    print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
