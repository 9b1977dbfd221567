"""Study specifications: every error names the key, the value and the fix; every spec in
studies/ loads; the skeleton of `impact new` loads once its data are named; docs/studies.md
lists every key and matches its generator."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
from pydantic import BaseModel

from impact.study import IMPLEMENTED_DESIGNS, Project, SpecError, StudySpec, load_spec

ROOT = Path(__file__).resolve().parents[2]
STUDIES = sorted((ROOT / "studies").glob("*.toml"))
TEMPLATE = ROOT / "src" / "impact" / "study" / "templates" / "new.toml"
DOCS = ROOT / "docs" / "studies.md"
UNGINVEST = (ROOT / "studies" / "unginvest.toml").read_text(encoding="utf-8")
FLYT = (ROOT / "studies" / "flyt.toml").read_text(encoding="utf-8")


def load_text(tmp_path: Path, text: str, name: str = "study") -> StudySpec:
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    return load_spec(path)


def problems(tmp_path: Path, text: str) -> str:
    with pytest.raises(SpecError) as info:
        load_text(tmp_path, text)
    message = str(info.value)
    assert message.startswith(f"{tmp_path / 'study.toml'} is not a valid study specification")
    return message


def edit(text: str, old: str, new: str) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


# -- the specs of the repository ----------------------------------------------------------
@pytest.mark.parametrize("path", STUDIES, ids=[p.stem for p in STUDIES])
def test_every_spec_in_studies_loads(path: Path) -> None:
    spec = Project(ROOT).spec(path.stem)
    assert spec.programme.name == path.stem and spec.path == path
    assert spec.design.type in IMPLEMENTED_DESIGNS
    assert spec.headline_outcome in spec.outcomes


# -- errors that name the key, the value and the fix ------------------------------------------
def test_an_unknown_key_names_the_closest_and_the_valid_keys(tmp_path: Path) -> None:
    message = problems(tmp_path, edit(UNGINVEST, 'control_group = "never', 'control_grup = "never'))
    assert "[design] control_grup: unknown key (did you mean 'control_group'?)" in message
    assert "valid keys here: control_group, effect, few_clusters, headline, type" in message


def test_an_unknown_section_is_refused(tmp_path: Path) -> None:
    message = problems(tmp_path, UNGINVEST + "\n[bayse]\nfit = false\n")
    assert "bayse: unknown key (did you mean 'bayes'?)" in message


def test_a_wrong_design_name_lists_the_designs(tmp_path: Path) -> None:
    text = edit(UNGINVEST, 'type = "individual_enrolment"', 'type = "individual_enrolement"')
    message = problems(tmp_path, text)
    assert "[design] type = 'individual_enrolement' is not one of" in message
    assert "'municipal_rollout'" in message and "'early_life'" in message
    assert "(did you mean 'individual_enrolment'?)" in message


def test_a_string_for_a_number_is_refused_not_converted(tmp_path: Path) -> None:
    text = edit(UNGINVEST, "start_year = 2024", 'start_year = 2024\nage = "15"')
    message = problems(tmp_path, text)
    assert "[appraisal] age = '15': Input should be a valid integer" in message


def test_a_missing_data_source_says_which_keys_to_add(tmp_path: Path) -> None:
    message = problems(tmp_path, edit(UNGINVEST, 'scenario = "unginvest"', ""))
    assert "[data]: name exactly one data source: scenario = 'NAME'" in message
    assert "panel = 'path/to/extract.csv' (a register extract)" in message


def test_two_data_sources_are_refused(tmp_path: Path) -> None:
    text = edit(UNGINVEST, 'scenario = "unginvest"', 'scenario = "unginvest"\npanel = "x.csv"')
    assert "[data]: name exactly one data source" in problems(tmp_path, text)


def test_a_mapping_belongs_to_a_register_extract(tmp_path: Path) -> None:
    text = edit(
        UNGINVEST, 'scenario = "unginvest"', 'scenario = "unginvest"\nmapping = { a = "b" }'
    )
    assert "mapping, cells and numeric_codes belong to a register extract" in problems(
        tmp_path, text
    )


def test_municipality_year_rows_need_a_person_count(tmp_path: Path) -> None:
    message = problems(tmp_path, edit(FLYT, 'persons = "n"', ""))
    assert "[unit]: municipality-year rows need persons = 'COLUMN'" in message
    assert "never as rows" in message


def test_several_outcomes_need_one_headline(tmp_path: Path) -> None:
    text = UNGINVEST.replace(
        'registry = "neet"\n',
        'registry = "neet"\n\n[[outcomes]]\ncolumn = "employed"\ntype = "binary"\n',
    )
    message = problems(tmp_path, text)
    assert "mark exactly one outcome headline = true (found none)" in message
    both = text.replace('registry = "neet"\n', 'registry = "neet"\nheadline = true\n').replace(
        'column = "employed"\ntype = "binary"\n',
        'column = "employed"\ntype = "binary"\nheadline = true\n',
    )
    assert "(found ['neet', 'employed'])" in problems(tmp_path, both)
    one = text.replace('registry = "neet"\n', 'registry = "neet"\nheadline = true\n')
    assert load_text(tmp_path, one).headline_outcome.column == "neet"


def test_an_unbuilt_design_is_a_valid_spec(tmp_path: Path) -> None:
    """The format accepts the later designs (run_study refuses them, saying so)."""
    for design in ("single_unit", "few_pilots", "early_life"):
        text = edit(FLYT, 'type = "municipal_rollout"', f'type = "{design}"')
        spec = load_text(tmp_path, text)
        assert spec.design.type == design and design not in IMPLEMENTED_DESIGNS


def test_a_text_needs_both_languages(tmp_path: Path) -> None:
    text = edit(UNGINVEST, 'title = { nb = "UngInvest", en = "UngInvest" }', 'title = { en = "X" }')
    assert "[programme] title.nb: required key is missing" in problems(tmp_path, text)
    text = edit(
        UNGINVEST, 'title = { nb = "UngInvest", en = "UngInvest" }', 'title = { nb = "", en = "X" }'
    )
    assert "[programme] title.nb = ''" in problems(tmp_path, text)


def test_the_age_comes_from_the_spec_or_from_a_birth_year(tmp_path: Path) -> None:
    message = problems(tmp_path, edit(UNGINVEST, 'birth_year = "birth_year"', ""))
    assert "[appraisal] age = 15, or [enrolment] birth_year = 'COLUMN'" in message


def test_a_newer_format_version_is_refused(tmp_path: Path) -> None:
    message = problems(tmp_path, edit(UNGINVEST, "version = 1", "version = 2"))
    assert "version = 2: Input should be less than or equal to 1" in message


def test_a_spec_whose_name_differs_from_its_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "studies").mkdir()
    (tmp_path / "studies" / "ung.toml").write_text(UNGINVEST, encoding="utf-8")
    with pytest.raises(SpecError, match=r"name = 'unginvest' differs from the file name"):
        Project(tmp_path).spec("ung")


def test_a_missing_file_and_bad_toml_say_where(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="No study specification at"):
        load_spec(tmp_path / "none.toml")
    with pytest.raises(SpecError, match="is not valid TOML"):
        load_text(tmp_path, "version = \n")


# -- the skeleton of `impact new` -----------------------------------------------------------
def skeleton(name: str) -> str:
    return TEMPLATE.read_text(encoding="utf-8").replace("__NAME__", name)


def test_the_skeleton_waits_for_its_data(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as info:
        load_text(tmp_path, skeleton("kulturskole"), "kulturskole")
    message = str(info.value)
    assert "(1 problem(s))" in message and "[data]: name exactly one data source" in message


@pytest.mark.parametrize(
    "line",
    ['panel = "data/kulturskole.csv"', 'scenario = "getacademy"'],
)
def test_the_skeleton_loads_once_its_data_are_named(tmp_path: Path, line: str) -> None:
    key = line.split(" = ")[0]
    text = skeleton("kulturskole")
    commented = re.search(rf"^# {key} = .*$", text, flags=re.M)
    assert commented is not None, key
    spec = load_text(tmp_path, text.replace(commented.group(0), line), "kulturskole")
    assert spec.programme.name == "kulturskole" and spec.design.type in IMPLEMENTED_DESIGNS
    assert getattr(spec.data, key) == line.split(" = ")[1].strip('"')


def test_the_skeleton_comments_every_key() -> None:
    """Every key of the model appears in the skeleton (set or commented out), each after a
    comment line."""
    text = skeleton("x")
    for section, key in model_keys():
        if section in ("top level", "texts", "[appraisal.non_monetised] NAME"):
            continue
        pattern = rf"^#?\s*({re.escape(key)}(\.\w+)? = |\[\w+\.{re.escape(key)}\]$)"
        match = re.search(pattern, text, flags=re.M)
        assert match is not None, (section, key)
        before = text[: match.start()].rstrip("\n").splitlines()[-1]
        assert before.startswith("#"), (section, key, before)


# -- docs/studies.md ----------------------------------------------------------------------
def spec_docs() -> ModuleType:
    source = importlib.util.spec_from_file_location("spec_docs", ROOT / "tools" / "spec_docs.py")
    assert source is not None and source.loader is not None
    module = importlib.util.module_from_spec(source)
    sys.path.insert(0, str(ROOT / "tools"))  # as `python tools/spec_docs.py` runs it
    try:
        source.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return module


def model_keys() -> list[tuple[str, str]]:
    """(section as the docs write it, key) for every key of the model."""
    keys: list[tuple[str, str]] = []
    sections: list[tuple[str, type[BaseModel]]] = spec_docs().sections()
    from impact.study.spec import Words

    for where, model in [*sections, ("texts", Words)]:
        keys += [(where, k) for k, f in model.model_fields.items() if not f.exclude]
    return keys


def test_the_committed_page_matches_its_generator() -> None:
    text = DOCS.read_text(encoding="utf-8")
    assert text == spec_docs().markdown(), (
        "docs/studies.md drifted: run `python tools/spec_docs.py`"
    )
    done = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "spec_docs.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_page_lists_every_key_of_the_model_in_its_section() -> None:
    text = DOCS.read_text(encoding="utf-8")
    reference = text.split("## Every key", 1)[1]
    blocks = re.split(r"^### ", reference, flags=re.M)[1:]
    tables = {}
    for block in blocks:
        heading, body = block.split("\n", 1)
        tables[heading.strip().strip("`")] = set(re.findall(r"^\| `(\w+)` \|", body, flags=re.M))
    names = {"top level": "The top level", "texts": "Texts"}
    for where, key in model_keys():
        assert key in tables[names.get(where, where)], (where, key)
    for field in StudySpec.model_fields.values():
        if not field.exclude:
            assert field.description, "every key needs a description for the docs"


def test_the_example_of_the_page_is_a_valid_spec(tmp_path: Path) -> None:
    example = re.search(r"```toml\n(.*?)```", DOCS.read_text(encoding="utf-8"), flags=re.S)
    assert example is not None
    spec = load_text(tmp_path, example.group(1), "jobbsjansen")
    assert spec.data.panel == "data/jobbsjansen.csv" and spec.data.movers == "first"
    assert spec.data.mapping["komnr"] == "municipality" and spec.bayes.fit is False
