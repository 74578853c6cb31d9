"""Issue 14, item 3: all six parts of the foto veerkracht. Forecasts (``prognose``) kept apart from measurements,
facilities (``voorzieningen``) read, checked, counted and measured per area by the build, and both on the profile,
the map page, the API and the downloads. On a small scene whose answers are computed by hand, and on the demo."""

from __future__ import annotations

import csv
import io
import math
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely
import yaml
from click.testing import CliRunner

from atlas.artifact import Artifact
from atlas.cli import main
from atlas.errors import FindingsError, SourcesError
from atlas.pipeline.run import build, prepare
from atlas.render.profile import profile
from atlas.render.selection import select

from .conftest import FIXTURES

AREAS = FIXTURES / "areas"
# The fixture buurten (RD metres): Binnenstad 200000-201000 x 500000-501000 (a square: its label point, the centre of
# the largest circle inside it, is its centre 200500, 500500), Diezerpoort 201000-202500 x 500000-501000 (both in
# WK019301), Holtenbroek 200000-200800 x 501000-502000 and the water buurt Zwarte Water (WK019302); Apeldoorn's
# buurt (195000-196000 x 470000-471000) lies in another gemeente.
BINNENSTAD = "BU01930101"
MEASURED = """code,indicator,year,value,n
BU01930101,inwoners,2023,1200,
BU01930102,inwoners,2023,45,
BU01930201,inwoners,2023,800,
BU01930202,inwoners,2023,0,
"""
FORECAST = """code,indicator,year,value,n
BU01930101,inwoners,2030,1300,
BU01930102,inwoners,2030,50,
BU01930201,inwoners,2030,900,
BU01930202,inwoners,2030,0,
BU01930101,gebruik_wmo,2030,40,
BU01930102,gebruik_wmo,2030,3,
BU01930201,gebruik_wmo,2030,25,
BU01930202,gebruik_wmo,2030,0,
"""
FACILITIES = """x,y,soort,naam,straat,huisnummer,postcode,woonplaats
200500,500800,huisarts,Praktijk Noord,Kerkstraat,1,8011AB,Zwolle
201200,500500,Huisartsenpraktijk,Praktijk Oost,,,,
200400,501500,supermarkt,Super Holtenbroek,Hoofdweg,12,8012 CD,Zwolle
200100,500100,huisarts,,,,,
200600,500600,Tandarts,Tandarts Centrum,,,,
195500,470500,supermarkt,Super Apeldoorn,,,,
"""
"""Line 2: a huisarts 300 m north of Binnenstad's centre; line 3: one in Diezerpoort (700 m east), named by the
type's title; line 4: a supermarket in Holtenbroek, sqrt(100² + 1000²) = 1005.0 m from Binnenstad's centre; line 5:
a huisarts without a name in Binnenstad (566 m from its centre); line 6: a type layers.yaml does not list; line 7: a
point in Apeldoorn, outside the gemeente."""


def scene(folder: Path, *, forecast: str = FORECAST, facilities: str | None = FACILITIES, extra: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "cijfers.csv").write_text(MEASURED, encoding="utf-8")
    (folder / "prognose.csv").write_text(forecast, encoding="utf-8")
    section = ""
    if facilities is not None:
        (folder / "voorzieningen.csv").write_text(facilities, encoding="utf-8")
        section = (
            "voorzieningen: {path: voorzieningen.csv, type: soort, name: naam, source: Testregister, year: 2024}\n"
        )
    sources = folder / "sources.yaml"
    sources.write_text(
        f"""gemeente: GM0193
allowed_roots: [{AREAS}]
areas:
  buurt: {{path: {AREAS / "wijkenbuurten_2023.gpkg"}, format: cbs-gpkg}}
  stadsdelen: {{path: {AREAS / "stadsdelen.csv"}}}
indicators:
  - {{path: cijfers.csv, format: long, source: Testbron}}
  - {{path: prognose.csv, format: long, source: Testprognose, prognose: true}}
{section}{extra}""",
        encoding="utf-8",
    )
    return sources


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("parts")
    out = folder / "build"
    build(scene(folder / "bron"), out)
    return out


@pytest.fixture(scope="module")
def art(built: Path) -> Artifact:
    return Artifact.open(built)


@pytest.fixture(scope="module")
def client(built: Path):
    from atlas.web import create_app

    return create_app(built, {"TESTING": True, "ATLAS_TILES": False}).test_client()


# --- forecasts in the build -----------------------------------------------------------------------------------------


def test_a_forecast_file_gives_status_prognose_at_every_level_and_measurements_stay_ok(built: Path) -> None:
    values = pd.read_parquet(built / "values.parquet")
    inwoners = values[values.indicator == "inwoners"]
    assert set(inwoners[inwoners.period == "2023"].status) == {"ok"}
    forecast = inwoners[inwoners.period == "2030"]
    assert set(forecast.status) == {"prognose"} and set(forecast.level) == {"buurt", "wijk", "stadsdeel", "gemeente"}
    by_code = dict(zip(forecast.code, forecast.value, strict=True))
    assert by_code[BINNENSTAD] == 1300 and by_code["WK019301"] == 1350 and by_code["GM0193"] == 2250
    import json

    manifest = json.loads((built / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["forecasts"] == {"gebruik_wmo": ["2030"], "inwoners": ["2030"]}
    assert manifest["counts"]["status"]["prognose"] >= len(forecast)


def test_privacy_applies_to_forecasts_as_to_any_value(built: Path, art: Artifact) -> None:
    values = pd.read_parquet(built / "values.parquet")
    wmo = values[(values.indicator == "gebruik_wmo") & (values.period == "2030")].set_index("code")
    # 3 people is below min_count (10): withheld with the one label, never shown as a forecast
    assert wmo.loc["BU01930102", "status"] == "suppressed" and pd.isna(wmo.loc["BU01930102", "value"])
    assert set(wmo.status) <= {"prognose", "suppressed"} and (wmo.status == "prognose").any()
    assert (wmo[wmo.status == "prognose"].value % 5 == 0).all()  # counts rounded to 5, like measured ones
    # and the wijk total does not give it back: Binnenstad or the wijk is withheld too (complementary)
    shown = wmo[wmo.status == "prognose"]
    assert not {"BU01930101", "WK019301"} <= set(shown.index)
    # a year is a forecast year even where privacy withheld its values
    assert art.is_forecast_year("gebruik_wmo", 2030) and not art.is_forecast_year("inwoners", 2023)


def test_a_forecast_gets_no_verdict_against_the_gemeente(built: Path) -> None:
    values = pd.read_parquet(built / "values.parquet")
    forecast = values[values.status == "prognose"]
    assert len(forecast) and set(forecast.verdict) <= {"geen_interval", "te_klein", ""}
    assert (forecast.verdict == "geen_interval").any()  # a poisson count would otherwise be judged
    assert forecast.ci_low.isna().all() and forecast.ci_high.isna().all() and (forecast.significant == "").all()


def test_the_latest_measured_year_is_the_default_and_a_forecast_year_only_when_asked(art: Artifact) -> None:
    assert select(art, "inwoners", "buurt", None).year == 2023
    assert select(art, "inwoners", None, None).year == 2023
    later = select(art, "inwoners", "buurt", 2030)
    assert later.forecast and later.year == 2030 and later.available.year_label(2030) == "2030 (prognose)"
    assert not select(art, "inwoners", "buurt", None).forecast
    # an indicator with forecasts only: its first forecast year, marked as such
    only = select(art, "gebruik_wmo", "buurt", None)
    assert only.year == 2030 and only.forecast
    available = art.available
    rows = available[available.indicator == "inwoners"]
    assert rows[rows.year == 2030].forecast.all() and not rows[rows.year == 2023].forecast.any()


def test_a_status_column_marks_forecasts_per_row(tmp_path: Path) -> None:
    folder = tmp_path / "bron"
    sources = scene(folder, facilities=None)
    text = (
        "code,indicator,year,value,n,status\n"
        "BU01930101,inwoners,2030,1300,,Prognose\n"
        "BU01930102,inwoners,2030,50,, prognose\n"
        "BU01930201,inwoners,2030,900,,prognose\n"
        "BU01930202,inwoners,2030,0,,prognose\n"
        "BU01930101,gebruik_wmo,2023,40,,gemeten\n"
        "BU01930201,gebruik_wmo,2023,25,,\n"
    )
    (folder / "prognose.csv").write_text(text, encoding="utf-8")
    sources.write_text(sources.read_text(encoding="utf-8").replace(", prognose: true", ""), encoding="utf-8")
    p = prepare(sources)
    assert p.forecasts == {"inwoners": frozenset({"2030"})}
    assert not [f for f in p.findings if f.kind == "forecast_mix"]


@pytest.mark.parametrize(
    ("cell", "flag", "message"),
    [
        ("voorspeld", "", "'voorspeld' is not a status: write 'prognose' for a forecast"),
        ("gemeten", ", prognose: true", "says 'gemeten' (measured), but the sources file marks every value"),
    ],
)
def test_a_bad_status_cell_names_the_file_row_and_column(tmp_path: Path, cell: str, flag: str, message: str) -> None:
    folder = tmp_path / "bron"
    sources = scene(folder, facilities=None)
    (folder / "prognose.csv").write_text(
        f"code,indicator,year,value,n,status\nBU01930101,inwoners,2030,1300,,prognose\nBU01930102,inwoners,2030,50,,{cell}\n",
        encoding="utf-8",
    )
    sources.write_text(sources.read_text(encoding="utf-8").replace(", prognose: true", flag), encoding="utf-8")
    with pytest.raises(SourcesError) as info:
        prepare(sources)
    error = info.value
    assert (Path(str(error.file)).name, error.row, error.field) == ("prognose.csv", 3, "status")
    assert message in str(error)
    result = CliRunner().invoke(main, ["validate", "--sources", str(sources)])
    assert result.exit_code == 1 and "prognose.csv" in result.output and "row 3" in result.output
    assert "Traceback" not in result.output


def test_prognose_must_be_true_or_false(tmp_path: Path) -> None:
    sources = scene(tmp_path / "bron", facilities=None)
    sources.write_text(sources.read_text(encoding="utf-8").replace("prognose: true", "prognose: ja"), encoding="utf-8")
    with pytest.raises(SourcesError, match=r"entry 'indicators\[1\]', field 'prognose': must be true or false"):
        prepare(sources)


def test_a_year_with_measurements_and_forecasts_is_a_forecast_year_and_a_warning(tmp_path: Path) -> None:
    folder = tmp_path / "bron"
    sources = scene(folder, facilities=None)
    (folder / "cijfers.csv").write_text(MEASURED.replace("BU01930202,inwoners,2023,0,\n", ""), encoding="utf-8")
    (folder / "prognose.csv").write_text("code,indicator,year,value,n\nBU01930202,inwoners,2023,0,\n", encoding="utf-8")
    out = tmp_path / "build"
    manifest = build(sources, out)
    mixed = [c for c in manifest["checks"] if c["kind"] == "forecast_mix"]
    assert len(mixed) == 1 and mixed[0]["severity"] == "warning" and mixed[0]["indicator"] == "inwoners"
    assert mixed[0]["file"] == "cijfers.csv" and mixed[0]["row"] == 2
    values = pd.read_parquet(out / "values.parquet")
    assert set(values[(values.indicator == "inwoners") & (values.period == "2023")].status) == {"prognose"}


# --- forecasts on the pages, in the API and the downloads -----------------------------------------------------------


def test_the_profile_continues_the_trend_dashed_and_labelled_prognose(client) -> None:
    page = client.get(f"/gebied/{BINNENSTAD}").get_data(as_text=True)
    row = re.search(r'<tr>\s*<td><a href="/kaart/inwoners[^"]*">Inwoners</a>.*?</tr>', page, re.S)
    assert row is not None
    cells = row.group(0)
    assert "<strong>1.200</strong>" in cells  # the measured 2023 value is the row's value and year
    assert re.search(r'<td class="num">2023</td>\s*</tr>$', cells)
    assert re.search(r'<small class="prognose"><br>prognose 2030: 1\.300</small>', cells)
    assert "Prognoses (gestippeld in het verloop): Testprognose." in page  # the forecasts' source, once per part
    svg = re.search(r'<svg class="spark spark-prognose".*?</svg>', cells, re.S)
    assert svg is not None
    spark = svg.group(0)
    assert re.search(r'<polyline class="prognose"[^>]*stroke-dasharray="3 2"', spark)
    assert re.search(r'<text class="last prognose-label"[^>]*>prognose 2030: 1\.300</text>', spark)
    assert re.search(r'<text class="first"[^>]*>2023: 1\.200</text>', spark)
    assert (
        'aria-label="Inwoners in Binnenstad (2023: 1.200; gestippeld: prognose 2030: 1.300; de as begint bij 0)"'
        in spark
    )
    # withheld forecasts say so, without a number
    wmo = re.search(r'<a href="/kaart/gebruik_wmo[^"]*">.*?</tr>', page, re.S)
    assert wmo is not None
    assert "alleen een prognose" in wmo.group(0) and "prognose 2030: " in wmo.group(0)


def test_the_api_returns_forecasts_with_status_prognose_and_never_by_default(client) -> None:
    default = client.get("/api/values?indicator=inwoners&niveau=buurt").get_json()
    assert default["jaar"] == 2023 and {v["status"] for v in default["values"]} == {"ok"}
    later = client.get("/api/values?indicator=inwoners&niveau=buurt&jaar=2030").get_json()
    by_code = {v["code"]: v for v in later["values"]}
    assert by_code[BINNENSTAD]["status"] == "prognose" and by_code[BINNENSTAD]["value"] == 1300
    assert by_code[BINNENSTAD]["period"] == "2030"
    wmo = {v["code"]: v for v in client.get("/api/values?indicator=gebruik_wmo&niveau=buurt").get_json()["values"]}
    assert wmo["BU01930102"]["status"] == "suppressed" and wmo["BU01930102"]["value"] is None
    indicators = {i["id"]: i for i in client.get("/api/indicators").get_json()}
    assert indicators["inwoners"]["years"] == [2023, 2030] and indicators["inwoners"]["forecast_years"] == [2030]
    schema = client.get("/api/openapi.json").get_json()["components"]["schemas"]
    assert "prognose" in schema["Value"]["properties"]["status"]["enum"]


def test_a_download_marks_forecasts(client) -> None:
    text = client.get("/download/inwoners.csv?niveau=buurt&jaar=2030").get_data(as_text=True)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert {r["status"] for r in rows} == {"prognose"}
    assert {r["opmerking"] for r in rows} == {"prognose (verwachting, geen meting)"}
    measured = list(
        csv.DictReader(io.StringIO(client.get("/download/inwoners.csv?niveau=buurt").get_data(as_text=True)))
    )
    assert {r["jaar"] for r in measured} == {"2023"} and {r["opmerking"] for r in measured} == {""}


def test_a_map_of_a_forecast_year_says_so(client) -> None:
    default = client.get("/kaart/inwoners?niveau=buurt").get_data(as_text=True)
    assert re.search(r"<h1>Inwoners <span class=\"muted\">per buurt, 2023</span></h1>", default)
    assert '<option value="2030">2030 (prognose)</option>' in default
    assert 'data-prognose="2030"' in default
    page = client.get("/kaart/inwoners?niveau=buurt&jaar=2030").get_data(as_text=True)
    assert re.search(r"<h1>Inwoners <span class=\"muted\">per buurt, 2030 \(prognose\)</span></h1>", page)
    assert '<p class="note prognose-note">Prognose: een verwachting' in page
    assert "<td>prognose</td>" in page  # the table's status column


# --- facilities: the sources file and the file itself ---------------------------------------------------------------


def _facilities_error(tmp_path: Path, text: str | None = None, section: str | None = None) -> SourcesError:
    folder = tmp_path / "bron"
    sources = scene(folder, facilities=text if text is not None else FACILITIES)
    if section is not None:
        body = re.sub(r"voorzieningen: \{.*\}\n", section, sources.read_text(encoding="utf-8"))
        sources.write_text(body, encoding="utf-8")
    with pytest.raises(SourcesError) as info:
        prepare(sources)
    return info.value


@pytest.mark.parametrize(
    ("text", "row", "field", "message"),
    [
        (FACILITIES.replace("soort,", "categorie,"), None, "soort", "no such column (columns: x, y, categorie"),
        (FACILITIES.replace(",naam,", ",titel,"), None, "naam", "no such column"),
        (FACILITIES.replace("201200,500500", "201200,vijfhonderd"), 3, "y", "'vijfhonderd' is not a number"),
        (FACILITIES.replace("200400,501500", "200400,"), 4, "y", "has no coordinate"),
        (FACILITIES.replace("8012 CD", "80123"), 4, "postcode", "must be a postcode such as 8011 AB, got '80123'"),
        (FACILITIES.replace("Kerkstraat,1,", "Kerkstraat,nul,"), 2, "huisnummer", "must be a house number"),
        (
            FACILITIES.replace("Praktijk Oost,", "Praktijk Oost, Zwolle,,"),
            3,
            None,
            "has 10 cells where the header has 8",
        ),
        (FACILITIES, None, None, None),
    ],
    ids=[
        "no-type-column",
        "no-name-column",
        "bad-coordinate",
        "no-coordinate",
        "bad-postcode",
        "bad-number",
        "too-many-cells",
        "ok",
    ],
)
def test_a_bad_facilities_csv_names_the_file_row_and_column(
    tmp_path: Path, text: str, row: int | None, field: str | None, message: str | None
) -> None:
    if message is None:  # the control: this file is fine
        prepare(scene(tmp_path / "bron", facilities=text))
        return
    error = _facilities_error(tmp_path, text)
    assert Path(str(error.file)).name == "voorzieningen.csv"
    assert (error.row, error.field) == (row, field)
    assert message in str(error)


def test_a_bad_facilities_geopackage_names_the_feature(tmp_path: Path) -> None:
    folder = tmp_path / "bron"
    folder.mkdir()
    frame = gpd.GeoDataFrame(
        {"type": ["huisarts", "supermarkt"], "naam": ["A", "B"]},
        geometry=[shapely.Point(200500, 500800), shapely.box(200000, 501000, 200100, 501100)],
        crs="EPSG:28992",
    )
    pyogrio.write_dataframe(frame, folder / "voorzieningen.gpkg", layer="punten")
    error = _facilities_error(tmp_path, section="voorzieningen: {path: voorzieningen.gpkg, layer: punten}\n")
    assert (Path(str(error.file)).name, error.entry, error.row, error.field) == (
        "voorzieningen.gpkg",
        "voorzieningen",
        2,
        "geometry",
    )
    assert "must be a point, got polygon" in str(error)


@pytest.mark.parametrize(
    ("section", "field", "message"),
    [
        ("voorzieningen: {path: voorzieningen.csv, kleur: rood}\n", "kleur", "unknown key"),
        ("voorzieningen: {type: soort}\n", "path", "is required"),
        ("voorzieningen: {path: nergens.csv}\n", "path", "file not found"),
        ("voorzieningen: {path: voorzieningen.csv, layer: punten}\n", "layer", "only for a vector file"),
        ("voorzieningen: {path: voorzieningen.csv, crs: EPSG:99999999}\n", "crs", "is not a coordinate reference"),
        ("voorzieningen: {path: voorzieningen.csv, year: 24}\n", "year", "must be a year such as 2024"),
    ],
)
def test_a_bad_voorzieningen_section_names_the_entry_and_field(
    tmp_path: Path, section: str, field: str, message: str
) -> None:
    error = _facilities_error(tmp_path, section=section)
    assert Path(str(error.file)).name == "sources.yaml"
    assert (error.entry, error.field) == ("voorzieningen", field)
    assert message in str(error)


def test_the_cli_stops_on_a_bad_facilities_file_in_one_line(tmp_path: Path) -> None:
    sources = scene(tmp_path / "bron", facilities=FACILITIES.replace("201200,500500", "201200,vijfhonderd"))
    result = CliRunner().invoke(main, ["build", "--sources", str(sources), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert re.search(r"voorzieningen\.csv, row 3, field 'y': 'vijfhonderd' is not a number", result.output)
    assert not (tmp_path / "out").exists()


def test_an_empty_facilities_file_stops_the_build(tmp_path: Path) -> None:
    sources = scene(tmp_path / "bron", facilities="x,y,soort,naam\n")
    with pytest.raises(FindingsError, match=r"empty_input.*voorzieningen\.csv.*has no facilities"):
        build(sources, tmp_path / "out")


def test_facilities_need_the_typed_overlay_of_the_registry(tmp_path: Path) -> None:
    folder = tmp_path / "bron"
    sources = scene(folder)
    data = yaml.safe_load((Path(__file__).resolve().parents[1] / "layers.yaml").read_text(encoding="utf-8"))
    data["overlays"] = [o for o in data["overlays"] if o["id"] != "voorzieningen"]
    registry = folder / "registry.yaml"
    registry.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    from atlas.layers.registry import load_registry

    with pytest.raises(SourcesError, match=r"has no points overlay with 'layer: voorzieningen' and its 'types:'"):
        prepare(sources, load_registry(registry))


# --- facilities: findings, the artifact and the summary per area ----------------------------------------------------


def test_doubtful_facilities_are_findings_naming_file_row_and_field(tmp_path: Path) -> None:
    p = prepare(scene(tmp_path / "bron"))
    found = {f.field: f for f in p.findings if f.kind == "facilities"}
    assert set(found) == {"soort", "naam", "geometry"}
    assert all(f.severity == "warning" and f.file == "voorzieningen.csv" and f.count == 1 for f in found.values())
    assert found["soort"].row == 6 and "(Tandarts; row 6): they are left out" in found["soort"].message
    assert found["naam"].row == 5 and "they count" in found["naam"].message
    assert found["geometry"].row == 7 and "outside every buurt of the gemeente" in found["geometry"].message
    assert p.facilities is not None and p.facilities.manifest["read"] == 6 and p.facilities.manifest["counted"] == 4


def test_the_artifact_holds_the_facilities_as_layer_web_file_and_summary(built: Path) -> None:
    points = pyogrio.read_dataframe(built / "overlays.gpkg", layer="voorzieningen")
    assert points.crs.to_epsg() == 28992 and len(points) == 4
    assert sorted(points["type"]) == ["huisarts", "huisarts", "huisarts", "supermarkt"]
    assert "Huisartsenpraktijk" in set(points.naam)  # the nameless one, called by its type
    assert set(points.buurt) == {"BU01930101", "BU01930102", "BU01930201"}
    web = gpd.read_file(built / "web" / "overlay_voorzieningen.geojson")
    assert web.crs.to_epsg() == 4326 and sorted(web.columns) == ["geometry", "naam", "type"] and len(web) == 4
    assert not (built / "web" / "tiles" / "voorzieningen").exists()  # loaded whole, in colours per type


def test_counts_and_nearest_per_area_match_a_hand_computation(art: Artifact) -> None:
    summary = art.facilities
    assert summary is not None
    rows = {(r.code, r.type): r for r in summary.itertuples(index=False)}
    types = [t.id for t in art.registry.overlays["voorzieningen"].types]
    assert len(summary) == len(types) * (4 + 2 + 2 + 1)  # every type for every area of every level
    huisarts, supermarkt = rows[(BINNENSTAD, "huisarts")], rows[(BINNENSTAD, "supermarkt")]
    assert huisarts.count == 2  # line 2 and the nameless one of line 5
    assert huisarts.nearest_naam == "Praktijk Noord" and huisarts.nearest_m == pytest.approx(300.0, abs=0.05)
    assert huisarts.nearest_adres == "Kerkstraat 1, 8011 AB Zwolle" and huisarts.nearest_buurt == BINNENSTAD
    assert supermarkt.count == 0
    assert supermarkt.nearest_naam == "Super Holtenbroek" and supermarkt.nearest_buurt == "BU01930201"
    assert supermarkt.nearest_m == pytest.approx(math.hypot(100, 1000), abs=0.05)  # 1005.0 m
    assert rows[(BINNENSTAD, "basisschool")].count == 0 and math.isnan(rows[(BINNENSTAD, "basisschool")].nearest_m)
    assert rows[("BU01930102", "huisarts")].count == 1 and rows[("BU01930201", "supermarkt")].count == 1
    assert rows[("BU01930202", "huisarts")].count == 0
    assert rows[("WK019301", "huisarts")].count == 3 and rows[("WK019302", "supermarkt")].count == 1
    gemeente = {t: rows[("GM0193", t)] for t in types}
    assert gemeente["huisarts"].count == 3 and gemeente["supermarkt"].count == 1  # not Apeldoorn's, not the tandarts
    assert all(math.isnan(r.nearest_m) for r in gemeente.values())  # no "nearest" from the city's centre
    assert sum(r.count for r in gemeente.values()) == 4


def test_the_profile_shows_count_and_nearest_per_type(art: Artifact, client) -> None:
    facilities = profile(art, BINNENSTAD).parts.facilities
    assert facilities is not None and facilities.total == 2 and facilities.year == 2024
    page = client.get(f"/gebied/{BINNENSTAD}").get_data(as_text=True)
    table = re.search(r'<table class="data voorzieningen">.*?</table>', page, re.S)
    assert table is not None
    rows = dict(re.findall(r'<tr data-soort="(\w+)">(.*?)</tr>', table.group(0), re.S))
    assert re.search(r'Huisartsenpraktijk</th><td class="num">2</td><td>Praktijk Noord', rows["huisarts"])
    assert "Kerkstraat 1, 8011 AB Zwolle" in rows["huisarts"] and ">300 m<" in rows["huisarts"]
    assert "in deze buurt" in rows["huisarts"]
    assert re.search(r'<td class="num">0</td><td>Super Holtenbroek', rows["supermarkt"])
    assert ">1,0 km<" in rows["supermarkt"] and '<a href="/gebied/BU01930201">Holtenbroek</a>' in rows["supermarkt"]
    assert "geen in de gemeente" in rows["basisschool"]
    assert "Bron: Testregister (2024)" in table.group(0)
    city = client.get("/gebied/GM0193").get_data(as_text=True)
    city_table = re.search(r'<table class="data voorzieningen">.*?</table>', city, re.S)
    assert city_table is not None and "Dichtstbijzijnde" not in city_table.group(0)
    assert re.search(r'Huisartsenpraktijk</th><td class="num">3</td>', city_table.group(0))


def test_the_map_offers_the_facilities_as_an_overlay_with_a_legend_per_type(client, art: Artifact) -> None:
    from .mappage import page_data

    page = client.get("/kaart/inwoners?niveau=buurt").get_data(as_text=True)
    page_data(page)  # one data block
    made = re.search(r"atlasRemoteLayer\((\{.*?\})\);", page)
    assert made is not None and "/api/overlays/voorzieningen" in made.group(1)
    import json

    options = json.loads(made.group(1))
    types = art.registry.overlays["voorzieningen"].types
    assert options["colors"] == {t.id: t.color for t in types}
    assert [item[0] for item in options["legend"]["soorten"]] == [t.id for t in types]
    assert (
        options["legend"]["soorten"][0][2] == "Huisartsenpraktijk (3)"
        and "4 voorzieningen" in options["legend"]["onder"]
    )
    served = client.get("/api/overlays/voorzieningen").get_json()
    assert {f["properties"]["type"] for f in served["features"]} == {"huisarts", "supermarkt"}
    assert client.get("/api/overlays/voorzieningen/tiles.json").status_code == 404


# --- the demo ------------------------------------------------------------------------------------------------------


def test_the_demo_has_a_forecast_of_the_age_bands_and_facilities(demo_sources: Path, demo_build: Path) -> None:
    spec = yaml.safe_load(demo_sources.read_text(encoding="utf-8"))
    forecast = [e for e in spec["indicators"] if e.get("prognose")]
    assert len(forecast) == 1 and "synthetische demodata" in forecast[0]["source"]
    rows = pd.read_csv(demo_sources.parent / forecast[0]["path"], dtype={"code": str})
    bands = sorted(i for i in set(rows.indicator) if i.startswith("leeftijd_"))
    assert bands == ["leeftijd_0_14", "leeftijd_15_24", "leeftijd_25_44", "leeftijd_45_64", "leeftijd_65_plus"]
    assert set(rows.year) == {2025, 2030} and rows.code.str.startswith("BU").all()
    shares = rows[rows.indicator.isin(bands)].groupby(["code", "year"]).value.sum()
    assert np.allclose(shares, 100, atol=0.3)  # the five bands still add up
    art = Artifact.open(demo_build)
    assert all(art.forecasts[b] == {2025, 2030} for b in bands) and art.forecasts["inwoners"] == {2025, 2030}
    city = art.values[(art.values.indicator == "leeftijd_65_plus") & (art.values.level == "gemeente")]
    by_year = dict(zip(city.period, city.value, strict=True))
    assert by_year["2030"] > by_year["2024"]  # the city ages
    assert set(city[city.period.isin(["2025", "2030"])].status) == {"prognose"}
    assert spec["voorzieningen"]["path"].endswith(".csv")
    table = pd.read_csv(demo_sources.parent / spec["voorzieningen"]["path"])
    assert list(table.columns[:4]) == ["x", "y", "soort", "naam"] and len(table) > 100
    counted = art.manifest["voorzieningen"]
    assert counted["counted"] == counted["read"] == len(table)  # nothing doubtful in the demo
    assert not [c for c in art.manifest["checks"] if c["kind"] in ("facilities", "forecast_mix")]


def test_the_demo_profile_shows_all_six_parts(demo_build: Path) -> None:
    from atlas.web import create_app

    app = create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False})
    art = Artifact.open(demo_build)
    buurt = art.areas.buurt
    code = str(buurt.code[buurt.water != "JA"].iloc[0])
    page = app.test_client().get(f"/gebied/{code}").get_data(as_text=True)
    sections = re.findall(r"<section>\s*<h2>(.*?)</h2>", page)
    for title in (
        "Economische veerkracht",
        "Sociale veerkracht",
        "Voorzieningen",
        "Leeftijd, bevolking en huishoudens",
    ):
        assert any(s.startswith(title) for s in sections), (title, sections)
    assert "Ondersteuning en stapeling" in page
    # part 2: the koopkrachtindex and its trend against the city
    koop = re.search(
        r'<svg class="chart veerkracht-chart"[^>]*aria-label="Koopkrachtindex per huishouden: ([^"]*)"', page
    )
    assert koop is not None and "tegen Zwolle, 2019–2024" in koop.group(1)
    # part 5: the facilities table; part 6: the age bands now and forecast
    assert '<table class="data voorzieningen">' in page
    age = re.search(r'<svg class="chart veerkracht-chart leeftijd-chart".*?</svg>', page, re.S)
    assert age is not None and "2024 en prognose 2030" in age.group(0)
    assert age.group(0).count('<rect class="prognose"') == 5
    assert page.count('class="spark spark-prognose"') >= 6  # inwoners and the five bands


def test_validate_names_the_forecasts_and_the_facilities(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--sources", str(scene(tmp_path / "bron"))])
    assert result.exit_code == 0, result.output
    assert "forecasts (prognose) of inwoners: 2030" in result.output
    assert "voorzieningen: 4 of 6 facilities count (voorzieningen.csv)" in result.output
    assert re.search(r"warning \[facilities\] voorzieningen\.csv, row 6, field 'soort'", result.output)
