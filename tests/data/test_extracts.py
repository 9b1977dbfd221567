"""read_extract: every format keeps codes as text; numbers become codes only when told how."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from impact.data import read_extract
from impact.errors import DataError, OptionError

FILES = Path(__file__).parent / "files"
MAPPING = {"lopenr": "person_id", "komnr": "municipality", "aar": "year", "syss": "employed"}


@pytest.fixture
def register() -> pd.DataFrame:
    """A register-style extract: Norwegian column names, codes with leading zeros."""
    return pd.DataFrame(
        {
            "lopenr": ["000017", "000017", "000018", None],
            "komnr": ["0301", "4601", "0301", "5001"],
            "aar": [2016, 2017, 2016, 2016],
            "syss": [1, 0, 0, 1],
            "other": [9.5, 1.0, 2.0, 3.0],
        }
    )


def _write(frame: pd.DataFrame, path: Path) -> Path:
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    elif path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".dta":
        frame.to_stata(path, write_index=False)
    else:
        pyreadstat = pytest.importorskip("pyreadstat")
        pyreadstat.write_xport(frame, str(path), file_format_version=5)
    return path


@pytest.mark.parametrize("suffix", [".csv", ".parquet", ".dta", ".xpt"])
def test_codes_stay_text_in_every_format(tmp_path, register, suffix):
    path = _write(register, tmp_path / f"extract{suffix}")
    before = path.read_bytes()
    df = read_extract(path, mapping=MAPPING)
    assert list(df.columns) == ["person_id", "municipality", "year", "employed"]
    assert df["municipality"].tolist() == ["0301", "4601", "0301", "5001"]
    assert df["person_id"].tolist()[:3] == ["000017", "000017", "000018"]
    assert df["person_id"].isna().tolist() == [False, False, False, True]  # blank = missing
    assert str(df["municipality"].dtype) == "str"
    assert df["year"].tolist() == [2016, 2017, 2016, 2016]
    # 0 stays 0 (pandas reads some xport zeros as 5.4e-79; read_extract repairs them)
    assert df["employed"].tolist() == [1, 0, 0, 1]
    assert len(df) == len(register)
    assert path.read_bytes() == before


def test_without_mapping_every_column_is_read_and_default_codes_are_text(tmp_path):
    path = tmp_path / "x.csv"
    path.write_text("person_id,municipality,year\n007,0301,2016\n")
    df = read_extract(path)
    assert df.iloc[0].tolist()[:2] == ["007", "0301"]
    # codes=() opts out: pandas' own guess, and the leading zeros are gone
    assert read_extract(path, codes=())["municipality"].iloc[0] == 301


@pytest.mark.parametrize("suffix", [".parquet", ".dta", ".xpt"])
def test_numeric_codes_are_refused_unless_the_rule_is_given(tmp_path, register, suffix):
    numeric = register.assign(komnr=[301, 4601, 301, 5001], lopenr=[17.0, 17.0, 18.0, np.nan])
    path = _write(numeric, tmp_path / f"n{suffix}")
    with pytest.raises(DataError) as info:
        read_extract(path, mapping=MAPPING)
    message = str(info.value)
    assert "'person_id' (register column 'lopenr') is stored as numbers" in message
    assert "numeric_codes" in message
    with pytest.raises(DataError, match=r"'municipality'.*stored as numbers.*\[301(\.0)?, 4601"):
        read_extract(path, mapping=MAPPING, numeric_codes={"person_id": None})
    df = read_extract(path, mapping=MAPPING, numeric_codes={"municipality": 4, "person_id": None})
    assert df["municipality"].tolist() == ["0301", "4601", "0301", "5001"]
    assert df["person_id"].tolist()[:3] == ["17", "17", "18"] and pd.isna(df["person_id"].iloc[3])


def test_a_width_pads_text_codes_too_and_refuses_what_does_not_fit(tmp_path):
    path = tmp_path / "excel.csv"
    path.write_text("komnr,aar\n301,2016\n4601,2016\n")  # a spreadsheet dropped the zero
    assert read_extract(path, mapping={"komnr": "municipality"})["municipality"].tolist() == [
        "301",
        "4601",
    ]
    padded = read_extract(
        path, mapping={"komnr": "municipality"}, numeric_codes={"municipality": 4}
    )
    assert padded["municipality"].tolist() == ["0301", "4601"]
    path.write_text("komnr,aar\n30101,2016\nOslo,2016\n")
    with pytest.raises(DataError, match=r"at most 4 digits, e.g. \['30101', 'Oslo'\]"):
        read_extract(path, mapping={"komnr": "municipality"}, numeric_codes={"municipality": 4})


def test_fractional_codes_are_refused(tmp_path):
    path = tmp_path / "f.parquet"
    pd.DataFrame({"komnr": [301.5, 4601.0]}).to_parquet(path)
    with pytest.raises(DataError, match="not whole non-negative numbers, e.g. \\[301.5\\]"):
        read_extract(path, mapping={"komnr": "municipality"}, numeric_codes={"municipality": 4})


def test_real_sas7bdat_file():
    """A SAS7BDAT written by SAS (tests/data/files/README.md): text decoded, numbers as floats."""
    path = FILES / "sample.sas7bdat"
    df = read_extract(path)
    assert df["mychar"].tolist() == ["a", "b", "c", "d", "e"]  # decoded, not b'a'
    assert len(df) == 5
    mapped = read_extract(
        path,
        mapping={"mychar": "person_id", "mylabl": "municipality", "mynum": "x"},
        numeric_codes={"municipality": 4},
    )
    assert mapped["municipality"].tolist() == ["0001", "0002", "0001", "0002", "0001"]
    assert mapped["person_id"].tolist() == ["a", "b", "c", "d", "e"]
    with pytest.raises(DataError, match="'municipality' .*stored as numbers \\(float64\\)"):
        read_extract(path, mapping={"mylabl": "municipality"})


def test_sas_transport_version_8_is_a_clear_error(tmp_path, register):
    pyreadstat = pytest.importorskip("pyreadstat")
    path = tmp_path / "v8.xpt"
    pyreadstat.write_xport(register, str(path), file_format_version=8)
    with pytest.raises(DataError, match="version 5"):
        read_extract(path)


def test_mapping_errors_name_the_column_and_the_fix(tmp_path, register):
    path = _write(register, tmp_path / "e.csv")
    with pytest.raises(DataError, match=r"no column 'lopnr' \(did you mean 'lopenr'\?\)"):
        read_extract(path, mapping={"lopnr": "person_id"})
    with pytest.raises(OptionError, match=r"more than one register column"):
        read_extract(path, mapping={"lopenr": "person_id", "komnr": "person_id"})
    with pytest.raises(OptionError, match=r"codes \['kommune'\] are not among"):
        read_extract(path, mapping=MAPPING, codes=["kommune"])
    with pytest.raises(OptionError, match="suffix '.sav'"):
        read_extract(tmp_path / "e.sav")
    with pytest.raises(DataError, match="No register extract at"):
        read_extract(tmp_path / "missing.csv")


def test_reader_options_pass_through(tmp_path):
    path = tmp_path / "ssb.csv"
    path.write_text("komnr;andel\n0301;0,25\n", encoding="latin-1")
    df = read_extract(
        path, codes=["komnr"], options={"sep": ";", "decimal": ",", "encoding": "latin-1"}
    )
    assert df["komnr"].iloc[0] == "0301" and df["andel"].iloc[0] == 0.25
    assert (
        read_extract(path, mapping={"komnr": "municipality"}, options={"sep": ";"})[
            "municipality"
        ].iloc[0]
        == "0301"
    )
