"""The bundle's declaration (issue 11, part 1): writers and readers go through it.

Round trip write -> read -> equal (values, dtypes, codes kept as text); undeclared names,
columns, types and non-finite metadata are refused with the fix; docs/bundle.md is the
declaration's own text; the report reads only declared names.
"""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from contract.bundle import META, declared, example

from impact.bundle import Bundle
from impact.bundle.metadata import SCHEMA, count_keys
from impact.bundle.reference import markdown
from impact.bundle.tables import DRAWS, IDATA, TABLES
from impact.errors import BundleError

ROOT = Path(__file__).resolve().parents[2]


def _complete(root: Path, **meta: object) -> Bundle:
    bundle = Bundle.create(root, "flyt")
    bundle.update_metadata(**{**META, **meta})
    return bundle


@pytest.mark.parametrize("name", sorted(TABLES))
def test_every_declared_table_round_trips_with_its_dtypes(tmp_path: Path, name: str) -> None:
    frame = TABLES[name].conform(example(name, rows=7, seed=3))
    for column in TABLES[name].columns:
        if column.nullable:  # a missing value in every nullable column
            frame.loc[2, column.name] = None
    bundle = _complete(tmp_path)
    bundle.write_table(name, frame)
    bundle.commit()
    back = Bundle.open(tmp_path, "flyt").read_table(name)
    pd.testing.assert_frame_equal(back, frame)
    assert [str(t) for t in back.dtypes] == [c.pandas_dtype for c in TABLES[name].columns]


def test_codes_stay_text_and_counts_stay_integers(tmp_path: Path) -> None:
    sites = declared(
        "site_effects",
        pd.DataFrame({"site": ["0301", "1121"], "n_treated": [12.0, 40.0], "estimate": [0.1, 0.2]}),
    )
    bundle = _complete(tmp_path)
    bundle.write_table("site_effects", sites)
    bundle.write_table(
        "payback",
        declared(
            "payback", pd.DataFrame({"party": ["kommune", "stat"], "payback_year": [None, 3]})
        ),
    )
    bundle.commit()
    back = Bundle.open(tmp_path, "flyt")
    table = back.read_table("site_effects")
    assert table["site"].tolist() == ["0301", "1121"] and table["n_treated"].dtype == "int64"
    payback = back.read_table("payback")["payback_year"]
    assert payback.isna().tolist() == [True, False] and int(payback.iloc[1]) == 3
    # a numeric code written as a number keeps its digits: 301, not "301.0"
    assert TABLES["site_effects"].conform(sites.assign(site=[301.0, 1121.0]))["site"].tolist() == [
        "301",
        "1121",
    ]


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda b: b.write_table("t0", pd.DataFrame({"x": [1]})), r"'t0' is not declared"),
        (lambda b: b.write_draws("mu", pd.DataFrame({"mu": [1.0]})), r"'mu' is not declared"),
        (lambda b: b.write_idata("loo", None), r"'loo' is not declared"),
        (
            lambda b: b.write_draws("pooled_effect", pd.DataFrame({"mu": [1.0]})),
            r"misses column\(s\) \['att'\] and has undeclared column\(s\) \['mu'\]",
        ),
        (
            lambda b: b.write_table(
                "descriptives", example("descriptives").assign(n_persons=np.nan)
            ),
            r"'n_persons' .* 50 missing value\(s\) .* declared without missing values",
        ),
        (
            lambda b: b.write_table("descriptives", example("descriptives").assign(year=2019.5)),
            r"'year' .* must hold int values: 2019.5 is not a whole number",
        ),
        (
            lambda b: b.write_table("descriptives", example("descriptives").assign(group="pilot")),
            r"'group' .* holds \['pilot'\]; its declared values are \['adopting', 'comparison'\]",
        ),
        (
            lambda b: b.write_table("estimates", example("estimates").assign(headline="yes")),
            r"'headline' .* must hold bool values",
        ),
        (lambda b: b.update_metadata(pretest_p=0.3), r"'pretest_p' was unexpected"),
        (lambda b: b.update_metadata(n_persons=float("nan")), r"entry n_persons is nan"),
        (lambda b: b.update_metadata(n_persons=12.5), r"entry n_persons: 12.5 is not of type"),
        (
            lambda b: b.update_metadata(
                pretest={"statistic": None, "df": 3, "p_value": None, "note": "", "method": "chi2"}
            ),
            r"entry pretest.note: '' should be non-empty",
        ),
        (
            lambda b: b.update_metadata(truth={"simple": float("inf")}),
            r"entry truth.simple is inf, which JSON cannot hold",
        ),
    ],
    ids=[
        "undeclared table",
        "undeclared draws",
        "undeclared idata",
        "renamed draws column",
        "missing count",
        "fractional year",
        "unknown vocabulary",
        "text for bool",
        "undeclared metadata",
        "nan count",
        "fractional count",
        "missing without a reason",
        "infinite truth",
    ],
)
def test_what_the_declaration_does_not_allow_is_refused_with_the_fix(
    tmp_path: Path, write, message: str
) -> None:  # type: ignore[no-untyped-def]
    bundle = _complete(tmp_path)
    with pytest.raises(BundleError, match=message):
        write(bundle)


def test_commit_requires_the_required_metadata(tmp_path: Path) -> None:
    bundle = Bundle.create(tmp_path, "flyt")
    bundle.update_metadata(seed=1)
    with pytest.raises(BundleError, match=r"'impact_version' is a required property"):
        bundle.commit()
    assert not (tmp_path / "flyt").exists()  # nothing became current


def test_a_missing_number_is_null_with_a_reason_and_strict_json(tmp_path: Path) -> None:
    bundle = _complete(tmp_path)
    note = "singular covariance matrix (rank 2 of 3 pre-treatment cells)"
    bundle.update_metadata(
        pretest={"statistic": None, "df": 3, "p_value": None, "note": note, "method": "chi2"}
    )
    bundle.commit()
    text = (tmp_path / "flyt" / "metadata.json").read_text()
    assert "NaN" not in text
    meta = json.loads(text, parse_constant=lambda c: pytest.fail(f"{c} in metadata.json"))
    assert meta["pretest"]["p_value"] is None and meta["pretest"]["note"] == note


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda m: {**m, "n_persons": "NaN"}, r"metadata.json is not valid JSON \(NaN is not JSON"),
        (lambda m: {**m, "n_persons": '"many"'}, r"entry n_persons: 'many' is not of type"),
        (lambda m: {k: v for k, v in m.items() if k != "outcome"}, r"'outcome' is a required"),
    ],
    ids=["bare NaN", "text count", "no outcome"],
)
def test_a_reader_refuses_metadata_that_breaks_the_declaration(
    tmp_path: Path, edit, message: str
) -> None:  # type: ignore[no-untyped-def]
    bundle = _complete(tmp_path, n_persons=10)
    bundle.commit()
    path = tmp_path / "flyt" / "metadata.json"
    meta = {k: json.dumps(v) for k, v in json.loads(path.read_text()).items()}
    meta = edit(meta)
    path.write_text("{" + ", ".join(f'"{k}": {v}' for k, v in meta.items()) + "}")
    with pytest.raises(BundleError, match=message):
        Bundle.open(tmp_path, "flyt")


def test_docs_bundle_md_is_the_declaration() -> None:
    text = (ROOT / "docs" / "bundle.md").read_text(encoding="utf-8")
    assert text == markdown(), "docs/bundle.md drifted: run `python tools/bundle_docs.py`"
    for name in [*TABLES, *DRAWS, *IDATA, *SCHEMA["properties"]]:
        assert f"`{name}`" in text
    check = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "bundle_docs.py"), "--check"],
        capture_output=True,
        text=True,
    )
    assert check.returncode == 0, check.stdout


def test_counts_are_declared_where_disclosure_control_needs_them() -> None:
    assert TABLES["descriptives"].counts == ["n_persons", "n_outcome"]
    assert TABLES["site_effects"].counts == ["n_treated"]
    assert set(count_keys()) == {"n_persons", "n_units", "n_treated_units", "n_participants"}


def _literal_reads() -> set[tuple[str, str]]:
    """(method, name) of every bundle read in impact.report with a literal name."""
    reads = set()
    for path in (ROOT / "src" / "impact" / "report").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr in {"read_table", "has_table", "has", "read_draws", "has_draws"}
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                reads.add((node.func.attr, str(node.args[0].value)))
    return reads


def test_the_report_reads_only_declared_names() -> None:
    reads = _literal_reads()
    assert ("read_table", "estimates") in reads and ("read_draws", "pooled_effect") in reads
    for method, name in reads:
        declared_names = DRAWS if "draws" in method else TABLES
        assert name in declared_names, f"impact.report {method}({name!r}) is not declared"


def test_a_bundle_written_against_another_declaration_is_refused(tmp_path: Path) -> None:
    """A column added to the declaration without raising SCHEMA_VERSION still changes the
    digest in the completion record, so an older bundle is refused at open, not mid-render."""
    from dataclasses import replace

    from impact.bundle import store
    from impact.bundle.schema import Column

    _complete(tmp_path).commit()
    Bundle.open(tmp_path, "flyt")
    grown = replace(
        TABLES["scenarios"], columns=(*TABLES["scenarios"].columns, Column("x", "str", "new"))
    )
    store.declaration_digest.cache_clear()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setitem(TABLES, "scenarios", grown)
            with pytest.raises(BundleError, match=r"another declaration .*impact run flyt"):
                Bundle.open(tmp_path, "flyt")
    finally:
        store.declaration_digest.cache_clear()
    Bundle.open(tmp_path, "flyt")


def test_a_filtered_frame_keeps_every_row_in_order(tmp_path: Path) -> None:
    """Rows selected from a bigger frame (index 3, 5, 9) are written as they are: no row
    lost, none made up (an index-aligned rebuild once wrote an empty first row and dropped
    the last one)."""
    whole = example("descriptives", rows=10, seed=4)
    whole["n_persons"] = np.arange(10) + 100
    part = whole.iloc[[3, 5, 9]]
    bundle = _complete(tmp_path)
    bundle.write_table("descriptives", part)
    bundle.commit()
    back = Bundle.open(tmp_path, "flyt").read_table("descriptives")
    assert back["n_persons"].tolist() == [103, 105, 109]
    pd.testing.assert_frame_equal(back, TABLES["descriptives"].conform(part))
