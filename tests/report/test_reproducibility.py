"""The reproducibility appendix: what it takes to redo the analysis, in the report's language."""

from __future__ import annotations

from pathlib import Path

from impact.bundle.store import SCHEMA_VERSION
from impact.report import ReportContext
from impact.report.reproducibility import package_versions, reproducibility_section
from impact.report.tables import ReportTable


def test_appendix_states_versions_engine_parameters_and_checksums(results_dir: Path) -> None:
    ctx = ReportContext.open(results_dir, "flyt", lang="nb")
    items = reproducibility_section(ctx, engine="builtin")
    text = str(items[0])
    assert "## Vedlegg: slik kan analysen gjøres på nytt" in text
    assert f"Versjon av resultatformatet: {SCHEMA_VERSION}" in text  # the bundle's schema version
    assert "den innebygde motoren i impact" in text and "Frø for tilfeldige tall: 7" in text
    assert f"Python {package_versions()['Python']}" in text and "numpy " in text
    parameters, checksums = (i.to_frame() for i in items[1:] if isinstance(i, ReportTable))
    first = parameters.iloc[1].to_dict()
    assert first == {
        "Parameter": "Lønnsgevinst av fullført vgs",
        "Verdi": "50\u00a0000",
        "Spenn": "30\u00a0000–75\u00a0000",
        "Enhet": "kr per år (lønnskostnad)",
        "Prisår": "2023",
        "Må verifiseres": "ja",
    }
    assert "Source" not in parameters  # sources are English text in the bundle: en report only
    completion = ctx.bundle.metadata["completion"]
    assert len(checksums) == len(completion["files"])
    assert checksums.iloc[0, 2] == completion["files"][0]["sha256"][:16]
    en = reproducibility_section(
        ReportContext.open(results_dir, "flyt", lang="en"), engine="quarto"
    )
    assert "Report rendered with: Quarto" in str(en[0])
    assert "- Tax financing cost: Finansdepartementet, Rundskriv R-109/2021" in str(en[2])
