"""The cbsodata importer on made-up responses in cbsodata's real structure (tests/fixtures/cbs and kwb_full)."""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from atlas.errors import SourcesError
from atlas.findings import Findings, Severity
from atlas.layers.registry import Registry, load_registry
from atlas.sources.kwb import KNOWN_UNITS, parse_cell, read_cbsodata, stem, unit_factor
from atlas.sources.spec import IndicatorSource

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CBS = FIXTURES / "cbs"


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
    # the (made-up) counts as the typed records give them
    assert _value(frame, "inwoners", "GM0193") == 118240
    assert _value(frame, "inwoners", "WK019310") == 5130
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
    assert _value(frame, "inwoners", "GM0193") == 113510  # padded text in the record: '113510      '
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
    with pytest.raises(SourcesError, match=r"records_2024.json, row 3, field 'AantalInwoners_5'.*'veel'"):
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
    # CBS rounds wijk counts to 5, so the wijken do not add up to the gemeente exactly (but within the rounding)
    wijken = inwoners.drop("GM0193")
    assert (wijken % 5 == 0).all()
    assert wijken.sum() != inwoners["GM0193"] and abs(wijken.sum() - inwoners["GM0193"]) <= 2.5 * len(wijken)


def test_the_cbs_dataproperties_say_nothing_but_the_key():
    """The DataProperties of tests/fixtures/cbs are made from the keys (by make_cbs_fixtures.py), not copied."""
    properties = json.loads((CBS / "85984NED_DataProperties.json").read_text())
    assert [p["Type"] for p in properties] == ["GeoDetail"] + ["Topic"] * (len(properties) - 1)
    for p in properties:
        assert re.sub(r"\W", "", p["Title"]).lower() == stem(p["Key"]).replace("_", "").lower(), p["Key"]
        assert p["Description"] == "", p["Key"]


@pytest.mark.realdata
def test_the_cbs_fixtures_carry_no_real_value(realdata):
    """No measure of the real 2024 extract has its real value in tests/fixtures/cbs (the values there are made up)."""
    real = json.loads((realdata / "cbs_kwb_2024_85984NED_zwolle_stripped.json").read_text())["data"]
    compared = 0
    for name in ("kwb_2024_GM0193.json", "kwb_2019_GM0193.json"):
        for i, record in enumerate(json.loads((CBS / name).read_text())):
            given = {stem(k): v for k, v in record.items()}
            for key, value in real.get(record["Codering_3"].strip(), {}).items():
                if stem(key) in given:
                    cell = parse_cell(given[stem(key)], file=Path(name), row=i + 1, key=key)
                    assert cell != value, (name, record["Codering_3"], key)
                    compared += 1
    assert compared == 2 * 4 * 4 - 4  # inhabitants, men, women, dwellings; 2019 has one wijk fewer


# --- a whole KWB table: every key, shared stems, findings ------------------------------------------------------------

FULL = Path(__file__).resolve().parent / "fixtures" / "kwb_full"
SHARED_STEMS = {
    "Nederland": 2,
    "EuropaExclusiefNederland": 3,
    "BuitenEuropa": 3,
    "Appartement": 2,
    "Tussenwoning": 2,
    "Hoekwoning": 2,
    "TweeOnderEenKapWoning": 2,
    "VrijstaandeWoning": 2,
    "Huurwoning": 2,
    "EigenWoning": 2,
}
"""The stems several keys of 85984NED share, with how many keys share each."""


def _registry(tmp_path: Path, *indicators: dict) -> Registry:
    """The small test registry plus KWB indicators (counts unless said otherwise)."""
    data = yaml.safe_load((FIXTURES / "registry_small.yaml").read_text(encoding="utf-8"))
    base = {"theme": "context", "unit": "count", "better": "neutral", "source": "CBS", "aggregate": "sum"}
    data["indicators"] += [{"title": ind["id"], **base, **ind} for ind in indicators]
    path = tmp_path / "layers.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return load_registry(path)


@pytest.fixture
def full(tmp_path: Path) -> Path:
    """The whole-table fixture (records and DataProperties) in a folder of its own."""
    folder = tmp_path / "kwb"
    shutil.copytree(FULL, folder)
    return folder / "kwb_85984NED.json"


def _read(path: Path, registry: Registry, findings: Findings | None = None, table: str = "85984NED") -> pd.DataFrame:
    return read_cbsodata(_source(path, table), registry, findings)


def _record(path: Path, code: str) -> dict:
    return next(r for r in json.loads(path.read_text()) if (r.get("Codering_3") or "").strip() == code)


def test_the_full_fixture_has_every_topic_key_of_the_table():
    properties = json.loads((FULL / "85984NED_DataProperties.json").read_text())
    topics = [p["Key"] for p in properties if p["Type"] == "Topic"]
    assert len(topics) == 128 and len(set(topics)) == 128
    assert topics[:4] == ["Gemeentenaam_1", "SoortRegio_2", "Codering_3", "IndelingswijzigingGemeenteWijkBuurt_4"]
    records = json.loads((FULL / "kwb_85984NED.json").read_text())
    assert all(list(r) == ["ID", "WijkenEnBuurten", *topics] for r in records)
    stems = Counter(stem(k) for k in topics)
    assert {s: n for s, n in stems.items() if n > 1} == SHARED_STEMS


@pytest.mark.realdata
def test_the_full_fixture_follows_the_published_metadata(realdata):
    """Keys, their order, units, data types and TopicGroups are those of the real DataProperties."""
    real = json.loads((realdata / "cbs_85984NED_DataProperties.json").read_text(encoding="utf-8"))
    ours = json.loads((FULL / "85984NED_DataProperties.json").read_text())

    def shape(props: list[dict]) -> list[tuple]:
        return [
            (p["Type"], p.get("Key"), p.get("ParentID"), p.get("Unit", "").strip(), p.get("Datatype")) for p in props
        ]

    def groups(props: list[dict]) -> list[str]:
        return [p["Title"].strip() for p in props if p["Type"] == "TopicGroup"]

    assert shape(ours) == shape(real)
    assert groups(ours) == groups(real)


def test_a_whole_table_reads_with_the_shipped_registry(full, registry):
    findings = Findings()
    frame = _read(full, registry, findings)
    zwolle = _record(full, "GM0193")
    assert _value(frame, "inwoners", "GM0193") == zwolle["AantalInwoners_5"]
    assert _value(frame, "woz_waarde", "GM0193") == zwolle["GemiddeldeWOZWaardeVanWoningen_39"] * 1000
    assert _value(frame, "eenpersoonshuishoudens", "WK019302") == pytest.approx(
        100 * _record(full, "WK019302")["Eenpersoonshuishoudens_30"] / _record(full, "WK019302")["HuishoudensTotaal_29"]
    )
    assert np.isnan(_value(frame, "gestandaardiseerd_inkomen", "BU01930102"))  # CBS secrecy stays missing
    assert "NL00" not in set(frame.code) and "BU02000101" in set(frame.code)  # other gemeenten: the build's business
    by_kind = {f.kind: f for f in findings}
    assert set(by_kind) == {"dropped_rows", "unused_columns"}
    assert by_kind["dropped_rows"].severity is Severity.INFO and by_kind["dropped_rows"].count == 1
    assert "NL00" in by_kind["dropped_rows"].message
    used = {k for i in registry for k in (i.cbs_key, i.cbs_denominator) if k}
    unused = by_kind["unused_columns"]
    assert unused.severity is Severity.INFO and unused.count == 124 - len(used) and unused.file == full.name
    assert "of the 124 measures of table 85984NED" in unused.message and "Mannen_6" in unused.message


def test_a_shared_stem_must_say_which_key_it_means(full, tmp_path):
    reg = _registry(tmp_path, {"id": "herkomst_nl", "cbs_key": "Nederland"})
    with pytest.raises(SourcesError) as caught:
        _read(full, reg)
    message = str(caught.value)
    assert "field 'cbs_key'" in message and "indicator 'herkomst_nl' of layers.yaml" in message
    assert "Nederland_17 (Bevolking > Bevolking naar herkomst > Herkomstland)" in message
    assert "Nederland_20 (Bevolking > Bevolking naar herkomst > Geboren in Nederland)" in message
    assert "cbs_key: {stem: Nederland, group: Herkomstland}" in message  # a suggestion that works


def test_groups_pick_the_key(full, tmp_path):
    reg = _registry(
        tmp_path,
        {"id": "herkomst_nl", "cbs_key": {"stem": "Nederland", "group": "Herkomstland"}},
        {"id": "geboren_nl", "cbs_key": {"stem": "Nederland", "group": "geboren  IN nederland"}},
        {"id": "buiten_eu", "cbs_key": {"stem": "BuitenEuropa", "group": "Geboren buiten Nederland"}},
        {"id": "gas_appartement", "cbs_key": {"stem": "Appartement", "group": "aardgas"}},
        {"id": "stroom_appartement", "cbs_key": {"stem": "Appartement", "group": "elektriciteit"}},
        {
            "id": "herkomst_nl_pct",
            "unit": "percent",
            "aggregate": "population_weighted_mean",
            "cbs_key": {"stem": "Nederland", "group": "Herkomstland"},
            "cbs_denominator": "AantalInwoners",
        },
    )
    findings = Findings()
    frame = _read(full, reg, findings)
    record = _record(full, "WK019301")
    assert _value(frame, "herkomst_nl", "WK019301") == record["Nederland_17"]
    assert _value(frame, "geboren_nl", "WK019301") == record["Nederland_20"]
    assert _value(frame, "buiten_eu", "WK019301") == record["BuitenEuropa_24"]
    assert _value(frame, "gas_appartement", "WK019301") == record["Appartement_62"]
    assert _value(frame, "stroom_appartement", "WK019301") == record["Appartement_54"]
    assert _value(frame, "herkomst_nl_pct", "WK019301") == pytest.approx(
        100 * record["Nederland_17"] / record["AantalInwoners_5"]
    )
    assert record["Nederland_17"] != record["Nederland_20"] and record["Appartement_54"] != record["Appartement_62"]
    unused = next(f for f in findings if f.kind == "unused_columns")
    assert "Nederland_17" not in unused.message and "Nederland_20" not in unused.message


@pytest.mark.parametrize(
    ("ref", "problem", "listed"),
    [
        (
            {"stem": "EuropaExclusiefNederland", "group": "Nederland"},  # "Geboren in / buiten Nederland"
            "2 keys with that stem lie in a group titled like 'Nederland'",
            "EuropaExclusiefNederland_23 (Bevolking > Bevolking naar herkomst > Geboren buiten Nederland)",
        ),
        (
            {"stem": "Appartement", "group": "Wonen en vastgoed"},
            "no key with that stem lies in a group titled like 'Wonen en vastgoed'",
            "Appartement_62 (Energie > Gemiddeld aardgasverbruik > Naar woningtype)",
        ),
    ],
)
def test_a_group_must_pick_exactly_one_key(full, tmp_path, ref, problem, listed):
    reg = _registry(tmp_path, {"id": "x", "cbs_key": ref})
    with pytest.raises(SourcesError, match=problem) as caught:
        _read(full, reg)
    assert listed in str(caught.value)


def test_a_shared_stem_needs_the_dataproperties(full, tmp_path):
    (full.parent / "85984NED_DataProperties.json").unlink()
    reg = _registry(tmp_path, {"id": "gas", "cbs_key": {"stem": "Appartement", "group": "aardgas"}})
    with pytest.raises(SourcesError, match=r"Appartement_54, Appartement_62.*put 85984NED_DataProperties.json beside"):
        _read(full, reg)
    # a stem of one key still reads; its group cannot be checked, and the build says so
    reg = _registry(tmp_path, {"id": "inw", "cbs_key": {"stem": "AantalInwoners", "group": "Bevolking"}})
    findings = Findings()
    frame = _read(full, reg, findings)
    assert _value(frame, "inw", "GM0193") == _record(full, "GM0193")["AantalInwoners_5"]
    assert any(f.kind == "note" and "not checked" in f.message and f.indicator == "inw" for f in findings)


def test_a_group_is_checked_even_for_a_stem_of_one_key(full, tmp_path):
    reg = _registry(tmp_path, {"id": "inw", "cbs_key": {"stem": "AantalInwoners", "group": "Energie"}})
    with pytest.raises(SourcesError, match=r"no key with that stem lies in a group titled like 'Energie'"):
        _read(full, reg)


def test_records_without_an_area_code_are_reported(full, registry):
    records = json.loads(full.read_text())
    records[3]["Codering_3"] = None
    records[5]["Codering_3"] = "onbekend  "
    records[5]["WijkenEnBuurten"] = "Onbekend"
    full.write_text(json.dumps(records))
    findings = Findings()
    frame = _read(full, registry, findings)
    assert "BU01930101" not in set(frame.code)
    dropped = [f for f in findings if f.kind == "dropped_rows"]
    assert [(f.severity, f.count) for f in dropped] == [(Severity.INFO, 1), (Severity.WARNING, 2)]
    warning = dropped[1]
    assert warning.file == full.name
    assert "row 4: Codering_3 None, WijkenEnBuurten 'Binnenstad'" in warning.message
    assert "row 6: Codering_3 'onbekend  ', WijkenEnBuurten 'Onbekend'" in warning.message


def test_keys_the_registry_names_that_the_table_lacks_are_reported(full, tmp_path):
    reg = _registry(
        tmp_path,
        {"id": "inw", "cbs_key": "AantalInwoners"},
        {"id": "nieuw", "cbs_key": "NieuweMaatstaf"},
        {
            "id": "share",
            "unit": "percent",
            "aggregate": "population_weighted_mean",
            "cbs_key": "Mannen",
            "cbs_denominator": "Volwassenen",
        },
    )
    findings = Findings()
    frame = _read(full, reg, findings)
    assert set(frame.indicator) == {"inw"}
    missing = [f for f in findings if f.kind == "missing_columns"]
    assert [(f.severity, f.indicator, f.field) for f in missing] == [
        (Severity.WARNING, "nieuw", "NieuweMaatstaf"),
        (Severity.WARNING, "share", "Volwassenen"),
    ]
    assert "table 85984NED has no key 'Volwassenen' (cbs_denominator) for indicator share" in missing[1].message


def test_dataproperties_that_do_not_describe_a_key_are_reported(full, registry):
    path = full.parent / "85984NED_DataProperties.json"
    properties = [p for p in json.loads(path.read_text()) if p.get("Key") != "GemiddeldeWOZWaardeVanWoningen_39"]
    path.write_text(json.dumps(properties))
    findings = Findings()
    frame = _read(full, registry, findings)
    assert _value(frame, "woz_waarde", "GM0193") == _record(full, "GM0193")["GemiddeldeWOZWaardeVanWoningen_39"] * 1000
    (warning,) = [f for f in findings if f.kind == "missing_columns"]
    assert warning.file == path.name and warning.indicator == "woz_waarde" and "'x 1 000 euro'" in warning.message


@pytest.mark.realdata
def test_every_key_of_the_real_table_reads_and_every_shared_stem_resolves(tmp_path, realdata, registry):
    """Records with every Topic key of the real 85984NED DataProperties (values made up here) read, and each key of
    a shared stem is reached by a group title only that key has; without a group the error lists them all."""
    properties = json.loads((realdata / "cbs_85984NED_DataProperties.json").read_text(encoding="utf-8"))
    folder = tmp_path / "kwb"
    folder.mkdir()
    shutil.copy(realdata / "cbs_85984NED_DataProperties.json", folder / "85984NED_DataProperties.json")
    topics = [p for p in properties if p["Type"] == "Topic"]
    assert len(topics) == 128
    denominators = {i.cbs_denominator for i in registry if i.cbs_denominator}

    def cell(topic: dict, k: int, a: int):
        if topic["Key"].startswith("Codering"):
            return ["GM0193", "WK019301", "BU01930101", "NL00"][a].ljust(10)
        if topic["Datatype"] == "String":
            return "tekst".ljust(10)
        if (k + a) % 17 == 0:
            return None
        # made up: unique per key and area, and plausible: denominators large, every other measure between 1 and 2,
        # so no share or percentage leaves 0-100
        if stem(topic["Key"]) in denominators:
            return 1_000_000 + 1000 * a + k
        return round(1 + (1000 * a + k + 1) / 100_000, 5)

    records = [
        {"ID": a, "WijkenEnBuurten": f"Gebied {a}", **{t["Key"]: cell(t, k, a) for k, t in enumerate(topics)}}
        for a in range(4)
    ]
    path = folder / "kwb_2024_GM0193.json"
    path.write_text(json.dumps(records), encoding="utf-8")

    findings = Findings()
    frame = _read(path, registry, findings)
    assert set(frame.code) == {"GM0193", "WK019301", "BU01930101"}
    assert {i.id for i in registry if i.cbs_key} == set(frame.indicator)
    assert [f.kind for f in findings] == ["dropped_rows", "unused_columns"]

    shared = Counter(stem(t["Key"]) for t in topics)
    assert {s: n for s, n in shared.items() if n > 1} == SHARED_STEMS
    wanted = [t["Key"] for t in topics if shared[stem(t["Key"])] > 1]
    indicators = []
    for key in wanted:
        reg = _registry(tmp_path, {"id": "probe", "cbs_key": stem(key)})
        with pytest.raises(SourcesError) as caught:
            _read(path, reg)
        others = [k for k in wanted if stem(k) == stem(key)]
        assert all(f"{k} (" in str(caught.value) for k in others)
        # the group that only this key has, as the message would suggest it for the key
        own = _group_of(properties, key, others)
        indicators.append({"id": key.lower(), "cbs_key": {"stem": stem(key), "group": own}})
    frame = _read(path, _registry(tmp_path, *indicators))
    k_of = {t["Key"]: k for k, t in enumerate(topics)}
    for key in wanted:
        expected = cell(topics[k_of[key]], k_of[key], 1)
        got = _value(frame, key.lower(), "WK019301")
        assert (np.isnan(got) and expected is None) or got == expected, key


def _group_of(properties: list[dict], key: str, others: list[str]) -> str:
    by_id = {p["ID"]: p for p in properties}

    def titles(k: str) -> list[str]:
        entry = next(p for p in properties if p.get("Key") == k)
        out = []
        while entry.get("ParentID") is not None:
            entry = by_id[entry["ParentID"]]
            out.append(entry["Title"].strip())
        return out

    taken = {t for k in others if k != key for t in titles(k)}
    return next(t for t in titles(key) if t not in taken)


def test_the_readme_examples_pick_the_keys_they_say(full, tmp_path):
    """The ``cbs_key`` lines of the README's CBS subsection, with the key each names in its comment."""
    text = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    examples = re.findall(r"^\s*(cbs_key: \{.*?\})\s+# (\w+_\d+)", text, flags=re.MULTILINE)
    assert len(examples) >= 2
    reg = _registry(tmp_path, *({"id": f"x{i}", **yaml.safe_load(line)} for i, (line, _) in enumerate(examples)))
    frame = _read(full, reg)
    record = _record(full, "GM0193")
    assert [_value(frame, f"x{i}", "GM0193") for i in range(len(examples))] == [record[key] for _, key in examples]
