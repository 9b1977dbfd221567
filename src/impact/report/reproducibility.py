"""The reproducibility appendix of a report (issue 15 part 5): what it takes to redo it.

From the bundle: the schema version and the checksum of every file (the completion
record), the seed, the impact version of the analysis, and every cost-benefit parameter
with its value, range, unit, price year, whether it still has to be verified, and (in the
English report) its source. From the rendering: the engine and the versions of the
packages that rendered the report. Numbers come from the bundle as they are; the appendix
shows no count of persons.
"""

from __future__ import annotations

import math
import platform
from importlib import metadata
from typing import Any

import pandas as pd

from impact.plain_language import format_number
from impact.report.document import MarkdownText, ReportContext
from impact.report.tables import ReportTable
from impact.report.vocabulary import parameter_label, unit_label

#: Packages whose versions the appendix states (those installed).
PACKAGES = (
    "impact",
    "numpy",
    "pandas",
    "scipy",
    "linearmodels",
    "pymc",
    "arviz",
    "nutpie",
    "matplotlib",
    "great-tables",
    "nbconvert",
    "papermill",
    "pypandoc-binary",
    "typst",
)

ENGINES = {
    "builtin": (
        "den innebygde motoren i impact (jupytext, papermill og nbconvert; PDF med pandoc og "
        "Typst)",
        "impact's built-in engine (jupytext, papermill and nbconvert; PDF through pandoc and "
        "Typst)",
    ),
    "quarto": ("Quarto", "Quarto"),
}


def package_versions() -> dict[str, str]:
    """Python and the installed :data:`PACKAGES` with their versions."""
    versions = {"Python": platform.python_version()}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return versions


def _value(value: Any, unit: str, lang: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "\u2013"
    number = float(value)
    if unit in {"calendar year"}:
        return str(int(number))
    decimals = 0 if number.is_integer() else min(3, len(f"{abs(number):g}".split(".")[-1]))
    return format_number(number, lang=lang, decimals=decimals)


def parameters_table(parameters: pd.DataFrame, *, lang: str = "nb") -> ReportTable:
    """Every cost-benefit parameter: value, range, unit, price year, whether to verify."""
    nb = lang == "nb"
    rows = []
    for row in parameters.itertuples(index=False):
        unit = str(row.unit)
        low, high = _value(row.low, unit, lang), _value(row.high, unit, lang)
        cells = {
            "Parameter": parameter_label(row.parameter, lang=lang),
            ("Verdi" if nb else "Value"): _value(row.value, unit, lang),
            ("Spenn" if nb else "Range"): "" if low == high else f"{low}\u2013{high}",
            ("Enhet" if nb else "Unit"): unit_label(unit, lang=lang),
            ("Prisår" if nb else "Price year"): (
                "" if pd.isna(row.price_year) else str(int(row.price_year))
            ),
            ("Må verifiseres" if nb else "To verify"): (
                ("ja" if nb else "yes") if bool(row.verify) else ("nei" if nb else "no")
            ),
        }
        rows.append(cells)
    note = (
        "Kildene til hver verdi står i tabellen cba_parameters i resultatmappen "
        "(foreløpig bare på engelsk)."
        if nb
        else ""
    )
    return ReportTable(
        pd.DataFrame(rows),
        caption=(
            "Forutsetninger i nytte–kostnadsanalysen"
            if nb
            else "Assumptions of the cost–benefit analysis"
        ),
        note=note,
    )


def sources_list(parameters: pd.DataFrame, *, lang: str = "nb") -> MarkdownText:
    """Where each parameter comes from, one line each (English report: the bundle's sources
    are English text)."""
    lines = [f"**{'Kilder' if lang == 'nb' else 'Sources'}**", ""]
    lines += [
        f"- {parameter_label(row.parameter, lang=lang)}: {row.source}"
        for row in parameters.itertuples(index=False)
    ]
    return MarkdownText("\n".join(lines))


def checksums_table(files: list[dict[str, Any]], *, lang: str = "nb") -> ReportTable:
    """The bundle's files with their size and the start of their SHA-256 checksum."""
    nb = lang == "nb"
    frame = pd.DataFrame(
        {
            ("Fil" if nb else "File"): [str(f["path"]) for f in files],
            ("Størrelse (kB)" if nb else "Size (kB)"): [
                format_number(float(f["size"]) / 1000, lang=lang, decimals=0) for f in files
            ],
            ("SHA-256 (begynnelsen)" if nb else "SHA-256 (start)"): [
                str(f["sha256"])[:16] for f in files
            ],
        }
    )
    return ReportTable(
        frame,
        caption=("Filene i resultatmappen" if nb else "The files of the results bundle"),
        note=(
            "Hele sjekksummene står i metadata.json i resultatmappen."
            if nb
            else "The full checksums are in the metadata.json of the results."
        ),
    )


def reproducibility_section(ctx: ReportContext, *, engine: str = "builtin") -> list[Any]:
    """The appendix: how to redo the analysis and the report."""
    meta = ctx.bundle.metadata
    completion = meta.get("completion") or {}
    versions = ", ".join(f"{k} {v}" for k, v in package_versions().items())
    lines = [
        f"## {ctx.t('Vedlegg: slik kan analysen gjøres på nytt', 'Appendix: how to redo the analysis')}",
        "",
    ]
    facts = {
        ctx.t("Analysen kjørt", "Analysis run"): ctx.analysis_date() or None,
        ctx.t("Analysen laget av", "Analysis made by"): meta.get("created_by"),
        ctx.t("impact-versjon i analysen", "impact version of the analysis"): meta.get(
            "impact_version"
        ),
        ctx.t("Frø for tilfeldige tall", "Random seed"): meta.get("seed"),
        ctx.t("Versjon av resultatformatet", "Results bundle schema version"): completion.get(
            "schema_version"
        ),
        ctx.t("Rapporten laget med", "Report rendered with"): ctx.t(
            *ENGINES.get(engine, (engine, engine))
        ),
        ctx.t("Programvare da rapporten ble laget", "Software when the report was rendered"): (
            versions
        ),
    }
    lines += [f"- {k}: {v}" for k, v in facts.items() if v is not None]
    items: list[Any] = [MarkdownText("\n".join(lines))]
    if ctx.has("cba_parameters"):
        parameters = ctx.bundle.read_table("cba_parameters")
        items.append(parameters_table(parameters, lang=ctx.lang))
        if ctx.lang == "en":
            items.append(sources_list(parameters, lang=ctx.lang))
    files = completion.get("files") or []
    if files:
        items.append(checksums_table(files, lang=ctx.lang))
    return items
