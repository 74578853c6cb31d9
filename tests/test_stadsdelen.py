"""Stadsdelen: column mapping, wijken without a stadsdeel ('overig'), and the status of the grouping."""

from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest

from atlas.codes import Grouping, grouping_of
from atlas.errors import AreaError, SourcesError
from atlas.findings import Findings, Severity
from atlas.pipeline.hierarchy import build_hierarchy
from atlas.sources.areas import read_areas, read_stadsdelen
from atlas.sources.spec import AreaSource, AreasSpec, StadsdelenSource, load_sources

from .conftest import FIXTURES, ROOT

GPKG = FIXTURES / "areas" / "wijkenbuurten_2023.gpkg"  # wijken WK019301 and WK019302
ZWOLLE = ROOT / "geodata" / "zwolle" / "stadsdelen.csv"


def _csv(folder: Path, text: str, name: str = "sd.csv") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _build(source: StadsdelenSource, findings: Findings | None = None):
    spec = AreasSpec(buurt=AreaSource(path=GPKG, format="cbs-gpkg"), stadsdelen=source)
    return build_hierarchy(read_areas(spec, "GM0193"), "GM0193", findings=findings)


def test_the_sources_file_maps_the_columns(tmp_path: Path) -> None:
    path = _csv(
        tmp_path, "wijk_code;naam_sd;zekerheid;opmerking\nWK019301;Zuid;inferred;x\nWK019302;Noord;Officieel;y\n"
    )
    sources = _csv(
        tmp_path,
        f"""
gemeente: GM0193
allowed_roots: [{GPKG.parent}]
areas:
  buurt: {{path: {GPKG}, format: cbs-gpkg}}
  stadsdelen: {{path: sd.csv, wijk: wijk_code, stadsdeel: naam_sd, status: zekerheid}}
""",
        "sources.yaml",
    )
    source = load_sources(sources).areas.stadsdelen
    assert source == StadsdelenSource(path=path, wijk="wijk_code", stadsdeel="naam_sd", status="zekerheid")
    path.write_text(path.read_text().replace(";", ","), encoding="utf-8")
    table = read_stadsdelen(source, "GM0193")
    assert table[["wijkcode", "stadsdeel", "stadsdeelcode", "indeling"]].values.tolist() == [
        ["WK019301", "Zuid", "SD019301", "indicatief"],
        ["WK019302", "Noord", "SD019302", "gedocumenteerd"],
    ]
    bad = _csv(tmp_path, sources.read_text().replace("status: zekerheid", "statsu: zekerheid"), "bad.yaml")
    with pytest.raises(SourcesError, match=r"entry 'areas', field 'stadsdelen.statsu'.*did you mean 'status'"):
        load_sources(bad)


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("wijkcode,sd\nWK019301,Zuid\n", "field 'stadsdeel'", "column 'stadsdeel' not found; the file has columns: wijkcode, sd"),
        ("wijkcode,stadsdeel,status\nWK019301,Zuid,misschien\n", "row 2, field 'status'", "unknown status 'misschien'"),
        ("wijkcode,stadsdeel,status\nWK019301,Zuid, \n", "row 2, field 'status'", "empty status"),
    ],
    ids=["missing-column", "unknown-status", "empty-status"],
)  # fmt: skip
def test_bad_stadsdelen_name_file_row_and_field(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = _csv(tmp_path, text)
    with pytest.raises(AreaError, match=r"sd\.csv") as info:
        read_stadsdelen(path, "GM0193")
    assert where in str(info.value) and message in str(info.value)
    assert "indicatief: indicatief, indicative, inferred" in str(info.value) or "status" not in where


def test_the_status_words() -> None:
    assert grouping_of("Indicatief") is Grouping.INDICATIVE
    assert grouping_of(" inferred from the wijk number") is Grouping.INDICATIVE
    assert grouping_of("gedocumenteerd (zwolle.nl)") is Grouping.DOCUMENTED
    assert grouping_of("vastgesteld") is Grouping.DOCUMENTED
    assert grouping_of("") is None and grouping_of("misschien") is None


def test_wijken_without_a_stadsdeel_go_to_overig_with_a_warning(tmp_path: Path) -> None:
    findings = Findings()
    areas, _ = _build(StadsdelenSource(_csv(tmp_path, "wijkcode,stadsdeel\nWK019301,Zuid\n")), findings)
    assert areas.stadsdeel[["code", "naam", "indeling"]].values.tolist() == [
        ["SD019301", "Zuid", ""],
        ["SD019399", "overig", "overig"],
    ]
    assert dict(zip(areas.wijk.code, areas.wijk.parent, strict=True)) == {
        "WK019301": "SD019301",
        "WK019302": "SD019399",
    }
    assert list(areas.wijk.indeling) == ["", "overig"]
    (warning,) = [f for f in findings if f.kind == "grouping"]
    assert warning.severity is Severity.WARNING and warning.code == "SD019399" and warning.count == 1
    assert warning.file == "sd.csv" and "WK019302" in warning.message and "'overig'" in warning.message
    # an empty cell counts the same, and a stadsdeel the file itself calls 'Overig' takes them in
    findings = Findings()
    text = "wijkcode,stadsdeel,stadsdeelcode\nWK019301,Overig,SD019307\nWK019302,,\n"
    areas, _ = _build(StadsdelenSource(_csv(tmp_path, text)), findings)
    assert areas.stadsdeel[["code", "naam", "indeling"]].values.tolist() == [["SD019307", "Overig", "overig"]]
    assert [f.code for f in findings if f.kind == "grouping"] == ["SD019307"]


def test_a_grouping_with_an_indicative_wijk_is_indicative(tmp_path: Path) -> None:
    findings = Findings()
    text = "wijkcode,stadsdeel,status\nWK019301,Zuid,gedocumenteerd\nWK019302,Noord,indicatief\n"
    areas, _ = _build(StadsdelenSource(_csv(tmp_path, text)), findings)
    assert dict(zip(areas.stadsdeel.naam, areas.stadsdeel.indeling, strict=True)) == {
        "Zuid": "gedocumenteerd",
        "Noord": "indicatief",
    }
    assert areas.grouping("SD019302") is Grouping.INDICATIVE and areas.grouping("WK019301") is Grouping.DOCUMENTED
    assert areas.grouping("BU01930101") is Grouping.UNSTATED
    (info,) = [f for f in findings if f.kind == "grouping"]
    assert info.severity is Severity.INFO and "Noord" in info.message and "Zuid" not in info.message
    # without a status column nothing is stated, and nothing is reported
    findings = Findings()
    areas, _ = _build(StadsdelenSource(_csv(tmp_path, "wijkcode,stadsdeel\nWK019301,Zuid\nWK019302,Noord\n")), findings)
    assert set(areas.stadsdeel.indeling) == {""} and not [f for f in findings if f.kind == "grouping"]


def test_the_shipped_zwolle_grouping_reads_its_status() -> None:
    table = read_stadsdelen(ZWOLLE, "GM0193")
    status = dict(zip(table.wijkcode, table.indeling, strict=True))
    assert {w for w, s in status.items() if s == "gedocumenteerd"} == {
        f"WK0193{n}" for n in ("10", "13", "14", "50", "51", "52")
    }
    assert {s for w, s in status.items() if w not in ("WK019310", "WK019313", "WK019314")} >= {"indicatief"}


def test_the_artifact_carries_the_grouping(demo_build: Path) -> None:
    """The demo uses the shipped file: Midden mixes documented and indicative wijken, Zuid is documented."""
    layer = pyogrio.read_dataframe(demo_build / "areas.gpkg", layer="stadsdeel")
    assert dict(zip(layer.naam, layer.indeling, strict=True)) == {
        "Midden": "indicatief",
        "West": "indicatief",
        "Noord": "indicatief",
        "Oost": "indicatief",
        "Zuid": "gedocumenteerd",
    }
    wijk = pyogrio.read_dataframe(demo_build / "areas.gpkg", layer="wijk")
    assert dict(zip(wijk.naam, wijk.indeling, strict=True))["Diezerpoort"] == "indicatief"
    web = pyogrio.read_dataframe(demo_build / "web" / "stadsdeel.geojson")
    assert set(web.indeling) == {"indicatief", "gedocumenteerd"}


@pytest.mark.realdata
def test_the_real_partial_grouping_builds_with_overig(realdata: Path) -> None:
    """The researched file documents a stadsdeel for 6 of the 16 wijken only: the other 10 go to 'overig'."""
    spec = AreasSpec(
        buurt=AreaSource(
            path=realdata / "zwolle_buurten_gemeente_rd.geojson", code="buurtcode", name="buurtnaam", parent="wijkcode"
        ),
        wijk=AreaSource(path=realdata / "zwolle_wijken_gemeente_rd.geojson", code="wijkcode", name="wijknaam"),
        stadsdelen=StadsdelenSource(
            path=realdata / "zwolle_stadsdelen_wijken.csv", stadsdeel="stadsdeel_gedocumenteerd"
        ),
    )
    findings = Findings()
    areas, _ = build_hierarchy(read_areas(spec, "GM0193"), "GM0193", findings=findings)
    sizes = areas.wijk.groupby("parent").size().to_dict()
    names = dict(zip(areas.stadsdeel.code, areas.stadsdeel.naam, strict=True))
    assert {names[code]: n for code, n in sizes.items()} == {"Midden": 3, "Zwolle-Zuid": 3, "overig": 10}
    (warning,) = [f for f in findings if f.kind == "grouping"]
    assert warning.severity is Severity.WARNING and warning.count == 10
