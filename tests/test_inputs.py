"""No tracebacks, no escapes: broken or foreign inputs give one line naming the file, the row and the field.

Every case is a small file in the real format (XLSX written by openpyxl, GeoTIFF by rasterio, GeoPackage and GeoJSON
by pyogrio or as GeoJSON text), broken the way real files break: a CSV saved under .xlsx, a download cut short, a
file in Windows-1252, a symbolic link that loops or leads out of the folder, coordinates in another CRS than the one
the file declares.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import openpyxl
import pytest
import shapely
from click.testing import CliRunner

from atlas.cli import main
from atlas.errors import AreaError, SourcesError
from atlas.pipeline.run import build
from atlas.sources.areas import read_areas
from atlas.sources.groen import check_canopy, read_points
from atlas.sources.spec import AreaSource, AreasSpec, load_sources
from atlas.sources.spec.groen import CanopyInput, VectorInput
from atlas.sources.stadsdelen import read_stadsdelen
from atlas.sources.tables import read_table
from tests.groen_scenes import write_points, write_polygons, write_tif

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "areas"
GPKG = FIXTURES / "wijkenbuurten_2023.gpkg"
SECRET = "wachtwoord=hunter2"
"""The first line of a file outside the allowed folders: no message may quote it."""


def one_line(error: BaseException) -> str:
    text = str(error)
    assert "\n" not in text, text
    assert "Traceback" not in text
    return text


def sources(folder: Path, body: str = "", *, head: str = "") -> Path:
    """A sources file in ``folder`` over a copy of the fixture GeoPackage, with ``body`` appended."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(GPKG, folder / "wijkenbuurten.gpkg")
    path = folder / "sources.yaml"
    path.write_text(
        f"gemeente: GM0193\n{head}areas:\n  buurt: {{path: wijkenbuurten.gpkg, format: cbs-gpkg}}\n{body}",
        encoding="utf-8",
    )
    return path


def long_xlsx(path: Path, rows: int = 300) -> Path:
    """A long indicator workbook written by openpyxl (enough rows that a cut lands inside the sheet)."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["code", "indicator", "year", "value", "n"])
    for i in range(rows):
        sheet.append(["BU01930101", "vrijwilligerswerk", 2000 + i % 25, float(i % 100), 50])
    book.save(path)
    return path


# --- XLSX that is not one ---------------------------------------------------------------------------------------


def test_xlsx_that_is_really_a_csv(tmp_path: Path) -> None:
    bron = tmp_path / "bron"
    path = sources(bron, "indicators:\n  - {path: cijfers.xlsx, format: long}\n")
    (bron / "cijfers.xlsx").write_text("code;indicator;year;value\nBU01930101;vrijwilligerswerk;2024;3\n")
    with pytest.raises(SourcesError) as err:
        build(path, tmp_path / "out")
    text = one_line(err.value)
    assert "cijfers.xlsx" in text and "not an Excel workbook but text" in text and "rename it to .csv" in text
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("keep", [0.5, 0.9, 0.99])
def test_truncated_xlsx(tmp_path: Path, keep: float) -> None:
    whole = long_xlsx(tmp_path / "whole.xlsx").read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(whole[: int(len(whole) * keep)])
    with pytest.raises(SourcesError) as err:
        read_table(cut)
    text = one_line(err.value)
    assert "cut.xlsx" in text and "damaged or incomplete" in text


def test_old_xls_under_a_new_name(tmp_path: Path) -> None:
    path = tmp_path / "oud.xlsx"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000))
    with pytest.raises(SourcesError, match=r"oud\.xlsx: is an old Excel 97-2003 workbook \(\.xls\); save it as \.xlsx"):
        read_table(path)


def test_the_cli_says_it_in_one_line_and_exits_non_zero(tmp_path: Path) -> None:
    bron = tmp_path / "bron"
    path = sources(bron, "indicators:\n  - {path: cijfers.xlsx, format: long}\n")
    whole = long_xlsx(tmp_path / "whole.xlsx").read_bytes()
    (bron / "cijfers.xlsx").write_bytes(whole[: len(whole) // 2])
    result = CliRunner().invoke(main, ["build", "--sources", str(path), "--out", str(tmp_path / "out")])
    assert result.exit_code == 1
    assert "Traceback" not in result.output and "cijfers.xlsx" in result.output
    assert "damaged or incomplete" in result.output
    assert not (tmp_path / "out").exists()


# --- a GeoTIFF cut short -----------------------------------------------------------------------------------------


def groen_sources(folder: Path, canopy: str = "canopy.tif") -> Path:
    """A sources file with a groen section over the fixture buurten (200000-202500, 500000-502000 RD)."""
    x0, y0 = 200_000.0, 502_000.0
    write_points(folder / "trees.gpkg", [(x0 + 100, y0 - 100)])
    write_polygons(folder / "parks.gpkg", [shapely.box(x0, y0 - 500, x0 + 500, y0)])
    write_points(folder / "addresses.gpkg", [(x0 + 500, y0 - 1500), (x0 + 1500, y0 - 1500)], inwoners=[10, 20])
    return sources(
        folder,
        f"groen:\n  year: 2024\n  canopy: {{path: {canopy}}}\n  trees: {{path: trees.gpkg}}\n"
        "  parks: {path: parks.gpkg}\n  addresses: {path: addresses.gpkg, residents: inwoners}\n",
    )


def test_truncated_geotiff_fails_in_the_strip_read_with_one_line(tmp_path: Path) -> None:
    bron = tmp_path / "bron"
    bron.mkdir()
    data = (np.random.default_rng(7).random((400, 500)) > 0.5).astype(np.uint8)
    whole = write_tif(tmp_path / "whole.tif", data, x0=200_000, y0=502_000, res=5.0, block=64).read_bytes()
    (bron / "canopy.tif").write_bytes(whole[: len(whole) // 2])
    path = groen_sources(bron)
    check_canopy(CanopyInput(path=bron / "canopy.tif"))  # the header is whole: it opens
    with pytest.raises(SourcesError) as err:
        build(path, tmp_path / "out")
    text = one_line(err.value)
    assert "canopy.tif" in text and "cannot read the raster at rows" in text
    assert "damaged or incomplete (truncated?)" in text
    assert not (tmp_path / "out").exists()


# --- symbolic links that loop ------------------------------------------------------------------------------------


def test_symlink_loop_in_a_path_of_the_sources_file(tmp_path: Path) -> None:
    bron = tmp_path / "bron"
    path = sources(bron, "indicators:\n  - {path: lus/cijfers.csv, format: long}\n")
    (bron / "lus").symlink_to("lus2")
    (bron / "lus2").symlink_to("lus")
    with pytest.raises(SourcesError) as err:
        load_sources(path)
    text = one_line(err.value)
    assert "entry 'indicators[0]', field 'path'" in text and "loop of symbolic links" in text


def test_symlink_loop_as_the_sources_file(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").symlink_to(tmp_path / "b.yaml")
    (tmp_path / "b.yaml").symlink_to(tmp_path / "a.yaml")
    result = CliRunner().invoke(main, ["build", "--sources", str(tmp_path / "a.yaml"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "loop of symbolic links" in result.output


# --- paths stay inside the folders the sources file allows --------------------------------------------------------


@pytest.fixture
def outside(tmp_path: Path) -> Path:
    """A folder beside the sources folder with a CSV whose first line must never be quoted."""
    folder = tmp_path / "elders"
    folder.mkdir()
    (folder / "cijfers.csv").write_text(f"{SECRET},x\n1,2\n", encoding="utf-8")
    return folder


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_inputs_may_not_escape_the_folder(tmp_path: Path, outside: Path, how: str) -> None:
    bron = tmp_path / "bron"
    bron.mkdir()
    value = {"dotdot": "../elders/cijfers.csv", "absolute": str(outside / "cijfers.csv"), "symlink": "link.csv"}[how]
    if how == "symlink":
        (bron / "link.csv").symlink_to(outside / "cijfers.csv")
    path = sources(bron, f"indicators:\n  - {{path: '{value}', format: long}}\n")
    with pytest.raises(SourcesError) as err:
        build(path, tmp_path / "out")
    text = one_line(err.value)
    assert "entry 'indicators[0]', field 'path'" in text and "allowed_roots" in text
    assert SECRET not in text


def test_allowed_roots_let_inputs_lie_elsewhere(tmp_path: Path, outside: Path) -> None:
    bron = tmp_path / "bron"
    (outside / "cijfers.csv").write_text(
        "code,indicator,year,value,n\nBU01930101,vrijwilligerswerk,2024,40,50\n", encoding="utf-8"
    )
    body = "indicators:\n  - {path: ../elders/cijfers.csv, format: long}\n"
    path = sources(bron, body, head="allowed_roots: [../elders]\n")
    spec = load_sources(path)
    assert spec.allowed_roots == (outside.resolve(),)
    assert spec.roots == (bron.resolve(), outside.resolve())
    assert spec.indicators[0].path == (outside / "cijfers.csv").resolve()
    manifest = build(path, tmp_path / "out")
    assert manifest["counts"]["values"] > 0


def test_absolute_allowed_root(tmp_path: Path, outside: Path) -> None:
    body = f"stapeling: {{path: {outside / 'cijfers.csv'}, peildatum: 2024-01-01}}\n"
    with pytest.raises(SourcesError, match=r"entry 'stapeling', field 'path'.*outside the folders"):
        load_sources(sources(tmp_path / "bron", body))
    spec = load_sources(sources(tmp_path / "bron", body, head=f"allowed_roots: [{outside}]\n"))
    assert spec.stapeling is not None and spec.stapeling.path == (outside / "cijfers.csv").resolve()


@pytest.mark.parametrize(
    ("value", "message"),
    [("[nergens]", r"'nergens' is not a folder"), ("elders", r"must be a list of folders")],
)
def test_bad_allowed_roots(tmp_path: Path, value: str, message: str) -> None:
    path = sources(tmp_path / "bron", head=f"allowed_roots: {value}\n")
    with pytest.raises(SourcesError, match=rf"entry '\(top level\)', field 'allowed_roots': {message}"):
        load_sources(path)


@pytest.mark.parametrize("entry", ["areas.buurt", "areas.wijk", "groen.canopy", "groen.addresses", "stapeling"])
def test_every_input_follows_the_rule(tmp_path: Path, outside: Path, entry: str) -> None:
    bron = tmp_path / "bron"
    bron.mkdir()
    groen_sources(bron)
    write_tif(bron / "canopy.tif", np.zeros((40, 50), dtype=np.uint8), x0=200_000, y0=502_000, res=50.0)
    shutil.copy(bron / "addresses.gpkg", outside / "addresses.gpkg")
    write_tif(outside / "canopy.tif", np.zeros((4, 5), dtype=np.uint8), x0=200_000, y0=502_000, res=500.0)
    shutil.copy(GPKG, outside / "wijkenbuurten.gpkg")
    document = (bron / "sources.yaml").read_text()
    foreign = {
        "areas.buurt": (
            "{path: wijkenbuurten.gpkg, format: cbs-gpkg}",
            "{path: ../elders/wijkenbuurten.gpkg, format: cbs-gpkg}",
        ),
        "areas.wijk": (
            "format: cbs-gpkg}\n",
            "format: cbs-gpkg}\n  wijk: {path: ../elders/wijkenbuurten.gpkg, format: cbs-gpkg}\n",
        ),
        "groen.canopy": ("{path: canopy.tif}", "{path: ../elders/canopy.tif}"),
        "groen.addresses": ("{path: addresses.gpkg,", "{path: ../elders/addresses.gpkg,"),
        "stapeling": ("groen:", "stapeling: {path: ../elders/cijfers.csv, peildatum: 2024-01-01}\ngroen:"),
    }[entry]
    (bron / "sources.yaml").write_text(document.replace(*foreign, 1))
    with pytest.raises(SourcesError, match=rf"entry '{entry}', field 'path'.*outside the folders") as err:
        load_sources(bron / "sources.yaml")
    assert SECRET not in one_line(err.value)


# --- CRS problems are named as CRS problems ----------------------------------------------------------------------


def geojson_text(path: Path, coordinates: list[list[float]], crs: str | None = None) -> Path:
    """One buurt as GeoJSON text, optionally with a legacy ``crs`` member."""
    document: dict = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "properties": {"buurtcode": "BU01930101", "buurtnaam": "Binnenstad", "wijkcode": "WK019301"},
                "geometry": {"type": "Polygon", "coordinates": [coordinates]},
            }
        ],
    }
    if crs is not None:
        document["crs"] = {"type": "name", "properties": {"name": crs}}
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def buurt_spec(path: Path) -> AreasSpec:
    return AreasSpec(buurt=AreaSource(path=path, code="buurtcode", name="buurtnaam", parent="wijkcode"))


RD_SQUARE = [
    [200000.0, 500000.0],
    [201000.0, 500000.0],
    [201000.0, 501000.0],
    [200000.0, 501000.0],
    [200000.0, 500000.0],
]
LONLAT_SQUARE = [[6.08, 52.5], [6.1, 52.5], [6.1, 52.52], [6.08, 52.52], [6.08, 52.5]]


def test_rd_coordinates_in_geojson_without_crs_member(tmp_path: Path) -> None:
    """RFC 7946 GeoJSON is longitude/latitude: RD metres in it used to read as 'Invalid Coordinate[inf inf]'."""
    path = geojson_text(tmp_path / "buurten.geojson", RD_SQUARE)
    with pytest.raises(AreaError) as err:
        read_areas(buurt_spec(path), "GM0193")
    text = one_line(err.value)
    assert "buurten.geojson" in text and "CRS problem" in text and "EPSG:4326" in text
    assert "look like RD New coordinates: declare EPSG:28992" in text
    assert "Invalid Coordinate" not in text


def test_longitude_latitude_declared_as_rd(tmp_path: Path) -> None:
    path = geojson_text(tmp_path / "buurten.geojson", LONLAT_SQUARE, crs="urn:ogc:def:crs:EPSG::28992")
    with pytest.raises(AreaError, match=r"CRS problem.*EPSG:28992.*look like longitude and latitude") as err:
        read_areas(buurt_spec(path), "GM0193")
    one_line(err.value)


def test_a_right_crs_reads(tmp_path: Path) -> None:
    rd = read_areas(buurt_spec(geojson_text(tmp_path / "rd.geojson", RD_SQUARE, crs="EPSG:28992")), "GM0193")
    wgs = read_areas(buurt_spec(geojson_text(tmp_path / "wgs.geojson", LONLAT_SQUARE)), "GM0193")
    assert rd.buurt.area.iloc[0] == pytest.approx(1e6)
    assert 1e5 < wgs.buurt.area.iloc[0] < 1e7


def test_groen_points_in_the_wrong_crs(tmp_path: Path) -> None:
    frame = gpd.GeoDataFrame(geometry=shapely.points([[200100.0, 500100.0]]), crs="EPSG:4326")
    frame.to_file(tmp_path / "trees.gpkg", driver="GPKG")
    with pytest.raises(SourcesError, match=r"trees\.gpkg, entry 'groen\.trees', field 'geometry': CRS problem"):
        read_points(VectorInput(path=tmp_path / "trees.gpkg"), "groen.trees")


def test_canopy_raster_in_the_wrong_crs(tmp_path: Path) -> None:
    tif = write_tif(tmp_path / "c.tif", np.zeros((20, 20), dtype=np.uint8), x0=200_000, y0=502_000, crs="EPSG:4326")
    with pytest.raises(SourcesError, match=r"c\.tif, entry 'groen\.canopy': CRS problem.*declare EPSG:28992"):
        check_canopy(CanopyInput(path=tif))


# --- text that is not UTF-8 ---------------------------------------------------------------------------------------


def test_encoding_error_names_row_and_column_and_suggests_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bvb.csv"
    text = "buurtcode;naam;b_mivrij\nBU01930101;Binnenstad;40\nBU01930102;Café de Zon;35\n"
    path.write_bytes(text.encode("cp1252"))
    with pytest.raises(SourcesError) as err:
        read_table(path)
    message = one_line(err.value)
    assert "bvb.csv, row 3, field 'naam'" in message
    assert "not UTF-8" in message and "save it as UTF-8" in message
    assert "codec can't decode" not in message and "position 15 of the line" in message


def test_encoding_error_in_the_stadsdelen_file(tmp_path: Path) -> None:
    path = tmp_path / "stadsdelen.csv"
    path.write_bytes("wijkcode,stadsdeel\nWK019301,Zuid\nWK019302,Noordoost – Ö\n".encode("latin-1", "replace"))
    with pytest.raises(AreaError, match=r"stadsdelen\.csv, row 3, field 'stadsdeel': is not UTF-8.*UTF-8"):
        read_stadsdelen(path, "GM0193")


def test_encoding_error_in_the_sources_file(tmp_path: Path) -> None:
    path = sources(tmp_path / "bron")
    path.write_bytes(path.read_bytes() + "naam: Zwolle é\n".encode("latin-1"))
    with pytest.raises(SourcesError, match=r"sources\.yaml, row 4: is not UTF-8.*save it as UTF-8"):
        load_sources(path)
