"""The cbsodata importer on recorded responses in cbsodata's real structure (tests/fixtures/cbs)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from atlas.errors import SourcesError
from atlas.layers.registry import load_registry
from atlas.sources.kwb import KNOWN_UNITS, parse_cell, read_cbsodata, stem, unit_factor
from atlas.sources.spec import IndicatorSource

CBS = Path(__file__).resolve().parent / "fixtures" / "cbs"


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def _source(path: Path, table: str, **kw) -> IndicatorSource:
    return IndicatorSource(
        entry="indicators[0]", path=path, format="cbsodata", code="WijkenEnBuurten", table=table, **kw
    )


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    for f in CBS.iterdir():
        shutil.copy(f, tmp_path / f.name)
    # the records of 2024 with their DataProperties beside them, as `atlas fetch cbs` writes them
    (tmp_path / "kwb_2024_GM0193.json").rename(tmp_path / "records_2024.json")
    return tmp_path


def _value(frame: pd.DataFrame, indicator: str, code: str) -> float:
    row = frame[(frame.indicator == indicator) & (frame.code == code)]
    assert len(row) == 1, (indicator, code)
    return float(row.value.iloc[0])


def test_2024_records_import_exactly(folder, registry):
    frame = read_cbsodata(_source(folder / "records_2024.json", "85984NED"), registry)
    records = {r["Codering_3"].strip(): r for r in json.loads((CBS / "kwb_2024_GM0193.json").read_text())}
    assert set(frame.code) == {"GM0193", "WK019310", "WK019311", "WK019312"}  # NL00 is not an area
    assert set(frame.period) == {"2024"}
    # the real CBS counts
    assert _value(frame, "inwoners", "GM0193") == 133141
    assert _value(frame, "inwoners", "WK019310") == 4225
    for code, r in records.items():
        if code == "NL00":
            continue
        assert _value(frame, "inwoners", code) == r["AantalInwoners_5"]
        assert _value(frame, "huishoudens", code) == r["HuishoudensTotaal_29"]
        # a count divided by its denominator (layers.yaml cbs_denominator)
        assert _value(frame, "leeftijd_0_14", code) == pytest.approx(100 * r["k_0Tot15Jaar_8"] / r["AantalInwoners_5"])
        assert _value(frame, "bijstand_per_1000", code) == pytest.approx(
            1000 * r["PersonenPerSoortUitkeringBijstand_94"] / r["AantalInwoners_5"]
        )
        assert _value(frame, "laag_inkomen_120", code) == r["HuishoudensTot120VanSociaalMinimum_92"]
        assert _value(frame, "wmo_per_1000", code) == r["WmoClientenRelatief_101"]
    # "x 1 000 euro" read from the DataProperties next to the records
    assert _value(frame, "woz_waarde", "GM0193") == 267_000
    assert _value(frame, "gestandaardiseerd_inkomen", "WK019310") == pytest.approx(35_200)
    # CBS secrecy (None) and the untyped '.' stay missing, never 0
    assert np.isnan(_value(frame, "gemiddeld_inkomen_inwoner", "WK019312"))
    assert np.isnan(_value(frame, "woz_waarde", "WK019312"))
    assert (frame.file == "records_2024.json").all()


def test_other_year_suffixes_and_unit_table(folder, registry):
    frame = read_cbsodata(_source(folder / "kwb_2019_GM0193.json", "84583NED"), registry)
    assert set(frame.period) == {"2019"}
    assert set(frame.code) == {"GM0193", "WK019310", "WK019311"}
    assert _value(frame, "inwoners", "GM0193") == round(133141 * 0.96)  # padded text in the record
    # no DataProperties beside this file: the documented unit table says x 1 000 euro
    assert KNOWN_UNITS["GemiddeldeWOZWaardeVanWoningen"] == "x 1 000 euro"
    assert _value(frame, "woz_waarde", "GM0193") == 267_000


def test_units_come_from_the_dataproperties_when_present(folder, registry):
    path = folder / "85984NED_DataProperties.json"
    properties = json.loads(path.read_text())
    for p in properties:
        if p.get("Key") == "GemiddeldeWOZWaardeVanWoningen_39":
            p["Unit"] = "euro"
    path.write_text(json.dumps(properties))
    frame = read_cbsodata(_source(folder / "records_2024.json", "85984NED"), registry)
    assert _value(frame, "woz_waarde", "GM0193") == 267


def test_year_from_the_entry_or_an_error(folder, registry):
    frame = read_cbsodata(_source(folder / "records_2024.json", "99999NED", year=2024), registry)
    assert set(frame.period) == {"2024"}
    with pytest.raises(SourcesError, match=r"entry 'indicators\[0\]', field 'year'"):
        read_cbsodata(_source(folder / "records_2024.json", "99999NED"), registry)


def test_a_bad_cell_names_file_record_and_key(folder, registry):
    path = folder / "records_2024.json"
    records = json.loads(path.read_text())
    records[2]["AantalInwoners_5"] = "veel"
    path.write_text(json.dumps(records))
    with pytest.raises(SourcesError, match=r"records_2024.json, row 3, field 'AantalInwoners'.*'veel'"):
        read_cbsodata(_source(path, "85984NED"), registry)


def test_not_a_record_list(tmp_path, registry):
    path = tmp_path / "x.json"
    path.write_text('{"data": 1}')
    with pytest.raises(SourcesError, match=r"x\.json: expected a JSON list"):
        read_cbsodata(_source(path, "85984NED"), registry)


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (None, np.nan),
        (".", np.nan),
        ("x", np.nan),
        ("  ", np.nan),
        (-99995, np.nan),
        (-99997.0, np.nan),
        ("12 ", 12.0),
        (3, 3.0),
        (-4.5, -4.5),
        ("1,5", 1.5),
    ],
)
def test_markers(cell, expected):
    value = parse_cell(cell, file=Path("f.json"), row=1, key="k")
    assert (np.isnan(value) and np.isnan(expected)) or value == expected


def test_helpers():
    assert stem("AantalInwoners_5") == "AantalInwoners" and stem("k_0Tot15Jaar_8") == "k_0Tot15Jaar"
    assert stem("WijkenEnBuurten") == "WijkenEnBuurten"
    assert unit_factor("x 1 000 euro") == 1000 and unit_factor("aantal") == 1 and unit_factor(None) == 1


@pytest.mark.realdata
def test_real_2024_zwolle_extract_imports_exactly(tmp_path, realdata, registry):
    """All 17 real rows (gemeente + 16 wijken), written as cbsodata records, import value for value."""
    real = json.loads((realdata / "cbs_kwb_2024_85984NED_zwolle_stripped.json").read_text())["data"]
    records = [
        {"WijkenEnBuurten": code, "Codering_3": code.ljust(10), "SoortRegio_2": "Wijk      ", **keys}
        for code, keys in real.items()
    ]
    path = tmp_path / "kwb.json"
    path.write_text(json.dumps(records))
    shutil.copy(realdata / "cbs_85984NED_DataProperties.json", tmp_path / "85984NED_DataProperties.json")
    frame = read_cbsodata(_source(path, "85984NED"), registry)
    inwoners = frame[frame.indicator == "inwoners"].set_index("code").value
    assert inwoners.to_dict() == {code: float(keys["AantalInwoners_5"]) for code, keys in real.items()}
    assert inwoners.drop("GM0193").sum() == 133135  # CBS rounds wijk counts to 5
