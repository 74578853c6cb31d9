"""Area importers (atlas.sources.areas) and the area hierarchy (atlas.pipeline.hierarchy).

The fixtures in ``fixtures/areas`` are described in ``fixtures/README.md``: gemeente GM0193 with
wijk WK019301 (BU01930101 1.0 km², BU01930102 1.5 km²) and WK019302 (BU01930201 0.8 km², water
buurt BU01930202 1.2 km²), and gemeente GM0200 with one buurt. Error cases are written to a
temporary directory from those shapes.
"""

from __future__ import annotations

import shutil
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from atlas.artifact.areas import Areas
from atlas.errors import AreaError, NotFound
from atlas.pipeline.hierarchy import build_hierarchy
from atlas.sources.areas import RawAreas, read_areas, read_stadsdelen
from atlas.sources.spec import AreaSource, AreasSpec, StadsdelenSource

HERE = Path(__file__).resolve().parent
FIXTURES = HERE / "fixtures" / "areas"
GPKG = FIXTURES / "wijkenbuurten_2023.gpkg"
BUURT_SHP = FIXTURES / "buurt_2021.shp"
WIJK_SHP = FIXTURES / "wijk_2021.shp"
GEOJSON = FIXTURES / "buurten_wgs84.geojson"
BOWTIE = FIXTURES / "bowtie_rd.geojson"
STADSDELEN = FIXTURES / "stadsdelen.csv"
REALDATA = Path(__file__).resolve().parents[2] / "shared" / "realdata"
ZWOLLE_STADSDELEN = HERE.parent / "geodata" / "zwolle" / "stadsdelen.csv"
RD = "EPSG:28992"

BUURT_KM2 = {"BU01930101": 1.0, "BU01930102": 1.5, "BU01930201": 0.8, "BU01930202": 1.2}
WIJK_KM2 = {"WK019301": 2.5, "WK019302": 2.0}
BOXES = {  # the fixture buurten as (xmin, ymin, xmax, ymax) in RD metres
    "BU01930101": (200000, 500000, 201000, 501000),
    "BU01930102": (201000, 500000, 202500, 501000),
    "BU01930201": (200000, 501000, 200800, 502000),
    "BU01930202": (200800, 501000, 202000, 502000),
}


# --- helpers --------------------------------------------------------------------------------------


def generic(path: Path, **columns: str) -> AreaSource:
    """A ``file`` source with the columns of the fixtures' generic files."""
    names = {"code": "buurtcode", "name": "buurtnaam", "parent": "wijkcode", **columns}
    return AreaSource(path=path, format="file", **names)


def spec(buurt: AreaSource, wijk: AreaSource | None = None, stadsdelen: Path | None = None) -> AreasSpec:
    sd = StadsdelenSource(path=stadsdelen) if stadsdelen is not None else None
    return AreasSpec(buurt=buurt, wijk=wijk, stadsdelen=sd)


def gpkg_spec(stadsdelen: Path | None = None, **kw: Any) -> AreasSpec:
    return spec(AreaSource(path=GPKG, format="cbs-gpkg", **kw), stadsdelen=stadsdelen)


def km2(frame: gpd.GeoDataFrame) -> dict[str, float]:
    return {code: round(area / 1e6, 4) for code, area in zip(frame["code"], frame.area, strict=True)}


def write_buurten(path: Path, rows: Sequence[tuple[str, str, Any]], crs: str | None = RD) -> Path:
    """A generic buurt GeoJSON: rows of (buurtcode, wijkcode, geometry or box bounds)."""
    geometry = [shapely.box(*g) if isinstance(g, tuple) else g for _, _, g in rows]
    frame = gpd.GeoDataFrame(
        {
            "buurtcode": [code for code, _, _ in rows],
            "buurtnaam": [f"Buurt {i}" for i in range(1, len(rows) + 1)],
            "wijkcode": [parent for _, parent, _ in rows],
        },
        geometry=geometry,
        crs=crs,
    )
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    return path


def standard_rows() -> list[tuple[str, str, Any]]:
    return [(code, f"WK{code[2:8]}", box) for code, box in BOXES.items()]


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def assert_level_contract(areas: Areas) -> None:
    """Columns, CRS, order, index and dtypes every level promises."""
    assert list(areas.buurt.columns) == ["code", "naam", "parent", "water", "geometry"]
    for level in ("wijk", "stadsdeel"):
        assert list(areas.level(level).columns) == ["code", "naam", "parent", "indeling", "geometry"]
        assert all(type(value) is str for value in areas.level(level)["indeling"])
    assert list(areas.gemeente.columns) == ["code", "naam", "parent", "geometry"]
    for level in ("buurt", "wijk", "stadsdeel", "gemeente"):
        frame = areas.level(level)
        assert frame.crs.to_epsg() == 28992
        assert isinstance(frame.index, pd.RangeIndex)
        assert list(frame["code"]) == sorted(frame["code"])
        assert frame.geometry.is_valid.all()
        multi = frame.geom_type == "MultiPolygon"
        assert set(frame.geom_type) <= {"Polygon", "MultiPolygon"}
        assert (shapely.get_num_geometries(frame.geometry.array[multi.to_numpy()]) > 1).all()
        for column in ("code", "naam", "parent"):
            assert frame[column].dtype == object
            assert all(type(value) is str for value in frame[column])
    assert areas.buurt["water"].dtype == bool


def build(areas_spec: AreasSpec, gemeente: str = "GM0193") -> tuple[Areas, list[str]]:
    return build_hierarchy(read_areas(areas_spec, gemeente), gemeente)


# --- importers ------------------------------------------------------------------------------------


def test_cbs_gpkg_reads_the_buurten_wijken_and_name_of_one_gemeente() -> None:
    raw = read_areas(gpkg_spec(), "GM0193")

    assert list(raw.buurt["code"]) == list(BUURT_KM2)
    assert list(raw.buurt["parent"]) == ["WK019301", "WK019301", "WK019302", "WK019302"]
    assert list(raw.buurt["naam"]) == ["Binnenstad", "Diezerpoort", "Holtenbroek", "Zwarte Water"]
    assert list(raw.buurt["water"]) == [False, False, False, True]
    assert list(raw.buurt["row"]) == [1, 2, 3, 4]
    assert raw.buurt.crs.to_epsg() == 28992
    assert km2(raw.buurt) == BUURT_KM2
    assert raw.wijk is not None
    assert list(raw.wijk["code"]) == list(WIJK_KM2)
    assert list(raw.wijk["naam"]) == ["Wijk 01 Centrum", "Wijk 02 Noord"]
    assert km2(raw.wijk) == WIJK_KM2
    assert raw.gemeente_naam == "Zwolle"
    assert raw.stadsdelen is None
    assert raw.notes == []
    assert raw.buurt_file == str(GPKG) and raw.wijk_file == str(GPKG)


def test_cbs_gpkg_filters_on_gemeentecode() -> None:
    raw = read_areas(gpkg_spec(), "gm0200")

    assert list(raw.buurt["code"]) == ["BU02000101"]
    assert raw.wijk is not None and list(raw.wijk["code"]) == ["WK020001"]
    assert raw.gemeente_naam == "Apeldoorn"


def test_cbs_gpkg_without_rows_for_the_gemeente_lists_the_codes_found() -> None:
    with pytest.raises(AreaError, match=r"wijkenbuurten_2023\.gpkg.*field 'gemeentecode'") as err:
        read_areas(gpkg_spec(), "GM0999")
    assert "no buurt rows for gemeente GM0999" in str(err.value)
    assert "GM0193, GM0200" in str(err.value)


def test_cbs_gpkg_layer_override(tmp_path: Path) -> None:
    path = tmp_path / "wb.gpkg"
    for source, target in (("buurten", "buurten_2024"), ("gemeenten", "gemeenten")):
        frame = pyogrio.read_dataframe(GPKG, layer=source)
        pyogrio.write_dataframe(frame, path, layer=target, driver="GPKG")

    raw = read_areas(spec(AreaSource(path=path, format="cbs-gpkg", layer="buurten_2024")), "GM0193")

    assert list(raw.buurt["code"]) == list(BUURT_KM2)
    assert raw.wijk is None  # no wijken layer: dissolved later
    assert raw.gemeente_naam == "Zwolle"
    assert any("no 'wijken' layer" in note for note in raw.notes)
    with pytest.raises(AreaError, match=r"wb\.gpkg: layer 'buurten' not found.*buurten_2024"):
        read_areas(spec(AreaSource(path=path, format="cbs-gpkg")), "GM0193")


def test_cbs_shapefiles_with_wijk_file() -> None:
    wijk = AreaSource(path=WIJK_SHP, format="cbs-shp")
    raw = read_areas(spec(AreaSource(path=BUURT_SHP, format="cbs-shp"), wijk), "GM0193")

    assert km2(raw.buurt) == BUURT_KM2
    assert list(raw.buurt["water"]) == [False, False, False, True]
    assert raw.wijk is not None
    assert km2(raw.wijk) == WIJK_KM2
    assert list(raw.wijk["naam"]) == ["Wijk 01 Centrum", "Wijk 02 Noord"]
    assert list(raw.wijk["parent"]) == ["GM0193", "GM0193"]
    assert raw.gemeente_naam == "Zwolle"


def test_cbs_shapefile_without_wijk_file_dissolves_the_wijken() -> None:
    areas, notes = build(spec(AreaSource(path=BUURT_SHP, format="cbs-shp")))

    assert km2(areas.wijk) == WIJK_KM2
    assert list(areas.wijk["naam"]) == ["Wijk 01", "Wijk 02"]  # the shapefile has no wijk names
    assert any("2 wijken dissolved from the buurten" in note for note in notes)


def test_generic_geojson_in_wgs84_is_reprojected_and_codes_normalised() -> None:
    raw = read_areas(spec(generic(GEOJSON)), "GM0193")

    assert raw.buurt.crs.to_epsg() == 28992
    assert list(raw.buurt["code"]) == list(BUURT_KM2)  # " bu01930102 " normalised, GM0200 dropped
    assert list(raw.buurt["parent"]) == ["WK019301", "WK019301", "WK019302", "WK019302"]
    assert km2(raw.buurt) == pytest.approx(BUURT_KM2, rel=1e-4)
    assert list(raw.buurt["wijknaam"]) == ["Centrum", "Centrum", "Noord", "Noord"]
    assert raw.gemeente_naam == "Zwolle"
    assert raw.notes == ["buurten_wgs84.geojson: buurt geometries reprojected from EPSG:4326 to EPSG:28992"]
    x0, y0, x1, y1 = raw.buurt.total_bounds
    assert (x0, y0, x1, y1) == pytest.approx((200000, 500000, 202500, 502000), abs=0.05)


def test_file_without_crs_is_an_error(tmp_path: Path) -> None:
    for part in BUURT_SHP.parent.glob("buurt_2021.*"):
        if part.suffix != ".prj":
            shutil.copy(part, tmp_path / part.name)

    with pytest.raises(AreaError, match=r"buurt_2021\.shp: the file has no coordinate reference"):
        read_areas(spec(AreaSource(path=tmp_path / "buurt_2021.shp", format="cbs-shp")), "GM0193")


def test_missing_column_names_file_and_column_and_lists_the_columns() -> None:
    with pytest.raises(AreaError, match=r"buurten_wgs84\.geojson, field 'bu_code': column") as err:
        read_areas(spec(generic(GEOJSON, code="bu_code")), "GM0193")
    assert "the file has columns: buurtcode, buurtnaam, wijkcode" in str(err.value)

    with pytest.raises(AreaError, match=r"wijk_2021\.shp, field 'BU_CODE'.*WK_CODE"):
        read_areas(spec(AreaSource(path=WIJK_SHP, format="cbs-shp")), "GM0193")


def test_column_names_match_ignoring_case() -> None:
    raw = read_areas(spec(generic(GEOJSON, code="BUURTCODE", name="BuurtNaam")), "GM0193")
    assert list(raw.buurt["code"]) == list(BUURT_KM2)


def test_code_normalisation(tmp_path: Path) -> None:
    rows = standard_rows()
    rows[0] = ("  bu01930101", " wk019301 ", rows[0][2])
    rows[3] = ("Bu01930202\t", "Wk019302", rows[3][2])
    path = write_buurten(tmp_path / "b.geojson", rows)

    areas, _ = build(spec(generic(path)))

    assert list(areas.buurt["code"]) == list(BUURT_KM2)
    assert list(areas.wijk["code"]) == list(WIJK_KM2)


@pytest.mark.parametrize(
    ("index", "code", "parent", "field", "message"),
    [
        (1, "BU0193010", "WK019301", "buurtcode", "'BU0193010' is not a valid buurt code"),
        (2, "WK01930201", "WK019302", "buurtcode", "'WK01930201' is not a valid buurt code"),
        (3, "", "WK019302", "buurtcode", "empty buurt code"),
        (1, "BU01930102", "WK1", "wijkcode", "'WK1' is not a valid wijk code"),
    ],
)
def test_bad_code_names_file_row_and_column(
    tmp_path: Path, index: int, code: str, parent: str, field: str, message: str
) -> None:
    rows = standard_rows()
    rows[index] = (code, parent, rows[index][2])
    path = write_buurten(tmp_path / "codes.geojson", rows)

    with pytest.raises(AreaError, match=rf"codes\.geojson, row {index + 1}, field '{field}'") as err:
        read_areas(spec(generic(path)), "GM0193")
    assert message in str(err.value)


def test_invalid_geometry_is_repaired_and_reported() -> None:
    raw = read_areas(spec(generic(BOWTIE)), "GM0193")

    bowtie = raw.buurt.geometry.iloc[1]
    assert bowtie.is_valid and bowtie.geom_type == "MultiPolygon"
    assert bowtie.area == pytest.approx(750_000)
    assert shapely.get_num_geometries(bowtie) == 2
    assert len(raw.notes) == 1
    note = raw.notes[0]
    assert note.startswith("bowtie_rd.geojson: buurt BU01930102 (row 2): invalid geometry repaired")
    assert "Self-intersection" in note
    assert raw.buurt.geometry.is_valid.all()


def test_empty_and_non_polygon_geometries_are_errors(tmp_path: Path) -> None:
    rows = standard_rows()
    rows[2] = (rows[2][0], rows[2][1], None)
    path = write_buurten(tmp_path / "empty.geojson", rows)
    with pytest.raises(AreaError, match=r"empty\.geojson, row 3, field 'geometry'.*BU01930201"):
        read_areas(spec(generic(path)), "GM0193")

    rows = standard_rows()
    rows[0] = (rows[0][0], rows[0][1], shapely.Point(200500, 500500))
    path = write_buurten(tmp_path / "point.geojson", rows)
    with pytest.raises(AreaError, match=r"point\.geojson, row 1, field 'geometry'.*Point"):
        read_areas(spec(generic(path)), "GM0193")


def test_water_column_values(tmp_path: Path) -> None:
    path = write_buurten(tmp_path / "w.geojson", standard_rows())
    frame = pyogrio.read_dataframe(path)
    frame["h2o"] = ["nee", " JA ", "0", "misschien"]
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")

    with pytest.raises(AreaError, match=r"w\.geojson, row 4, field 'h2o': water must be JA or NEE"):
        read_areas(spec(generic(path, water="h2o")), "GM0193")

    frame["h2o"] = ["nee", " JA ", "0", "1"]
    pyogrio.write_dataframe(frame, path, driver="GeoJSON")
    raw = read_areas(spec(generic(path, water="h2o")), "GM0193")
    assert list(raw.buurt["water"]) == [False, True, False, True]


# --- stadsdelen CSV -------------------------------------------------------------------------------


def test_stadsdelen_codes_are_generated_by_smallest_wijk_code() -> None:
    table = read_stadsdelen(STADSDELEN, "GM0193")

    assert list(table["wijkcode"]) == ["WK019301", "WK019302"]
    assert list(table["stadsdeel"]) == ["Zuid", "Noord"]
    assert list(table["stadsdeelcode"]) == ["SD019301", "SD019302"]
    assert list(table["row"]) == [2, 3]


def test_stadsdelen_generated_codes_do_not_depend_on_row_order(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "sd.csv",
        "wijkcode,stadsdeel\nWK019330,Noord\nWK019310,Midden\nWK019320,West\nWK019311,Midden\n",
    )
    table = read_stadsdelen(path, "GM0193")
    assert dict(zip(table["stadsdeel"], table["stadsdeelcode"], strict=True)) == {
        "Midden": "SD019301",
        "West": "SD019302",
        "Noord": "SD019303",
    }


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("wijk,stadsdeel\nWK019301,Zuid\n", "field 'wijkcode'", "column 'wijkcode' not found"),
        ("wijkcode,naam\nWK019301,Zuid\n", "field 'stadsdeel'", "the file has columns: wijkcode, naam"),
        (
            "wijkcode,stadsdeel\nWK019301,Zuid\nWK019301,Noord\n",
            "row 3, field 'wijkcode'",
            "wijk WK019301 appears twice (rows 2 and 3)",
        ),
        ("wijkcode,stadsdeel\nWK19301,Zuid\n", "row 2, field 'wijkcode'", "not a valid wijk code"),
        (
            "wijkcode,stadsdeel,stadsdeelcode\nWK019301,Zuid,SD019301\nWK019302,Zuid,SD019302\n",
            "row 3, field 'stadsdeelcode'",
            "stadsdeel 'Zuid' has two codes",
        ),
        (
            "wijkcode,stadsdeel,stadsdeelcode\nWK019301,Zuid,SD1\n",
            "row 2, field 'stadsdeelcode'",
            "'SD1' is not a valid stadsdeel code",
        ),
        ("wijkcode,stadsdeel\n", "sd.csv", "has no rows"),
    ],
)
def test_stadsdelen_csv_errors(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = write_csv(tmp_path / "sd.csv", text)
    with pytest.raises(AreaError, match=r"sd\.csv") as err:
        read_stadsdelen(path, "GM0193")
    assert where in str(err.value)
    assert message in str(err.value)


# --- hierarchy ------------------------------------------------------------------------------------


def test_hierarchy_from_the_cbs_geopackage() -> None:
    areas, notes = build(gpkg_spec())

    assert notes == []
    assert_level_contract(areas)
    assert list(areas.buurt["water"]) == [False, False, False, True]
    assert km2(areas.buurt) == BUURT_KM2
    assert km2(areas.wijk) == WIJK_KM2
    assert list(areas.wijk["parent"]) == ["GM0193", "GM0193"]
    assert areas.stadsdeel.empty
    gemeente = areas.gemeente.iloc[0]
    assert (gemeente["code"], gemeente["naam"], gemeente["parent"]) == ("GM0193", "Zwolle", "")
    assert gemeente.geometry.area == pytest.approx(4.5e6)
    l_shape = shapely.box(200000, 500000, 202500, 502000).difference(shapely.box(202000, 501000, 202500, 502000))
    assert gemeente.geometry.equals(l_shape)


def test_hierarchy_with_stadsdelen() -> None:
    areas, _ = build(gpkg_spec(stadsdelen=STADSDELEN))

    assert_level_contract(areas)
    assert list(areas.stadsdeel["code"]) == ["SD019301", "SD019302"]
    assert list(areas.stadsdeel["naam"]) == ["Zuid", "Noord"]
    assert list(areas.stadsdeel["parent"]) == ["GM0193", "GM0193"]
    assert km2(areas.stadsdeel) == {"SD019301": 2.5, "SD019302": 2.0}
    assert list(areas.wijk["parent"]) == ["SD019301", "SD019302"]
    child, parents = areas.children("gemeente") or ("", pd.Series())
    assert child == "stadsdeel"
    assert parents.to_dict() == {"SD019301": "GM0193", "SD019302": "GM0193"}
    child, parents = areas.children("stadsdeel") or ("", pd.Series())
    assert (child, parents.to_dict()) == ("wijk", {"WK019301": "SD019301", "WK019302": "SD019302"})


def test_one_stadsdeel_is_the_dissolve_of_all_wijken(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "sd.csv", "wijkcode,stadsdeel\nWK019302,Heel\nWK019301,Heel\n")
    areas, _ = build(gpkg_spec(stadsdelen=path))

    assert list(areas.stadsdeel["code"]) == ["SD019301"]
    assert areas.stadsdeel.geometry.iloc[0].equals(areas.gemeente.geometry.iloc[0])


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        (
            "wijkcode,stadsdeel\nWK019301,Zuid\nWK019302,Noord\nWK019309,Noord\n",
            "row 4, field 'wijkcode'",
            "wijk WK019309 is not a wijk of gemeente GM0193",
        ),
        (
            "wijkcode,stadsdeel,stadsdeelcode\nWK019301,Zuid,SD020001\nWK019302,Noord,SD020002\n",
            "row 2, field 'stadsdeelcode'",
            "stadsdeel SD020001 does not nest in gemeente GM0193",
        ),
    ],
)
def test_stadsdelen_must_name_wijken_of_the_gemeente(tmp_path: Path, text: str, where: str, message: str) -> None:
    path = write_csv(tmp_path / "sd.csv", text)
    with pytest.raises(AreaError, match=r"sd\.csv") as err:
        build(gpkg_spec(stadsdelen=path))
    assert where in str(err.value)
    assert message in str(err.value)


def test_parent_that_disagrees_with_the_code_prefix(tmp_path: Path) -> None:
    rows = standard_rows()
    rows[1] = ("BU01930102", "WK019302", rows[1][2])
    path = write_buurten(tmp_path / "nest.geojson", rows)

    with pytest.raises(AreaError, match=r"nest\.geojson, row 2, field 'parent'") as err:
        build(spec(generic(path)))
    assert "buurt BU01930102 has parent wijk WK019302, but its code nests in wijk WK019301" in str(err.value)


def test_buurt_of_another_gemeente_does_not_nest(tmp_path: Path) -> None:
    rows = [*standard_rows(), ("BU02000101", "WK020001", (195000, 470000, 196000, 471000))]
    path = write_buurten(tmp_path / "gm.geojson", rows)  # no gemeentecode column to filter on

    with pytest.raises(AreaError, match=r"gm\.geojson, row 5, field 'code'") as err:
        build(spec(generic(path)))
    assert "buurt BU02000101 is not in gemeente GM0193" in str(err.value)


def test_duplicate_codes_name_both_rows(tmp_path: Path) -> None:
    rows = standard_rows()
    rows[3] = (" bu01930102", "WK019301", rows[3][2])
    path = write_buurten(tmp_path / "dup.geojson", rows)

    with pytest.raises(AreaError, match=r"dup\.geojson, row 4, field 'code'") as err:
        build(spec(generic(path)))
    assert "buurt BU01930102 appears twice (rows 2 and 4)" in str(err.value)


def test_duplicate_wijk_codes_in_the_wijk_file(tmp_path: Path) -> None:
    wijken = gpd.GeoDataFrame(
        {"wk": ["WK019301", "WK019302", "WK019301"], "nm": ["A", "B", "C"]},
        geometry=[shapely.box(200000, 500000, 200001, 500001)] * 3,
        crs=RD,
    )
    path = tmp_path / "wijken.gpkg"
    pyogrio.write_dataframe(wijken, path, driver="GPKG")
    wijk = AreaSource(path=path, format="file", code="wk", name="nm")

    with pytest.raises(AreaError, match=r"wijken\.gpkg, row 3, field 'code'.*rows 1 and 3"):
        build(spec(AreaSource(path=BUURT_SHP, format="cbs-shp"), wijk))


def test_buurt_whose_wijk_is_missing_from_the_wijk_file(tmp_path: Path) -> None:
    wijken = pyogrio.read_dataframe(WIJK_SHP)
    path = tmp_path / "wijken.geojson"
    pyogrio.write_dataframe(wijken[wijken["WK_CODE"] != "WK019302"], path, driver="GeoJSON")
    wijk = AreaSource(path=path, format="file", code="WK_CODE", name="WK_NAAM")

    with pytest.raises(AreaError, match=r"buurt_2021\.shp, row 3, field 'parent'") as err:
        build(spec(AreaSource(path=BUURT_SHP, format="cbs-shp"), wijk))
    message = str(err.value)
    assert "buurt BU01930201 lies in wijk WK019302, which is missing from wijken.geojson" in message


def test_wijk_without_buurten_is_an_error(tmp_path: Path) -> None:
    rows = [row for row in standard_rows() if row[1] == "WK019301"]
    path = write_buurten(tmp_path / "b.geojson", rows)
    wijk = AreaSource(path=WIJK_SHP, format="cbs-shp")

    with pytest.raises(AreaError, match=r"wijk_2021\.shp, row 2, field 'code'.*WK019302 has no"):
        build(spec(generic(path), wijk))


def test_dissolved_wijken_take_the_wijknaam_column() -> None:
    areas, notes = build(spec(generic(GEOJSON)))

    assert list(areas.wijk["naam"]) == ["Centrum", "Noord"]
    assert km2(areas.wijk) == pytest.approx(WIJK_KM2, rel=1e-4)
    assert list(areas.wijk["parent"]) == ["GM0193", "GM0193"]
    assert notes[-1] == "buurten_wgs84.geojson: 2 wijken dissolved from the buurten (no wijk file)"


def test_gemeente_naam_order_of_precedence() -> None:
    raw = read_areas(gpkg_spec(), "GM0193")
    assert build_hierarchy(raw, "GM0193", "Gemeente Zwolle")[0].gemeente["naam"][0] == ("Gemeente Zwolle")
    raw.gemeente_naam = None
    assert build_hierarchy(raw, "GM0193")[0].gemeente["naam"][0] == "GM0193"


def test_hand_made_raw_areas_use_the_source_label() -> None:
    buurt = gpd.GeoDataFrame(
        {"code": ["BU01930101"], "naam": [""], "parent": ["WK019301"], "water": [False]},
        geometry=[shapely.box(*BOXES["BU01930101"])],
        crs=RD,
    )
    wijk = gpd.GeoDataFrame(
        {"code": ["WK019301"], "naam": ["W"], "parent": ["GM0200"]},
        geometry=[shapely.box(*BOXES["BU01930101"])],
        crs=RD,
    )
    raw = RawAreas(buurt=buurt, wijk=None, gemeente_naam=None, stadsdelen=None)
    areas, notes = build_hierarchy(raw, "GM0193", source="demo")
    assert areas.buurt["naam"][0] == "BU01930101"
    assert "demo: buurt BU01930101 (row 1) has no name; its code is used" in notes

    raw.wijk = wijk
    with pytest.raises(AreaError, match=r"^demo, row 1, field 'parent': wijk WK019301 has parent"):
        build_hierarchy(raw, "GM0193", source="demo")


def test_areas_lookups() -> None:
    areas, _ = build(gpkg_spec(stadsdelen=STADSDELEN))

    assert areas.level_of("BU01930202") == "buurt"
    assert areas.level_of(" wk019301 ") == "wijk"
    assert areas.level_of("SD019302") == "stadsdeel"
    assert areas.level_of("GM0193") == "gemeente"
    assert areas.level_of("BU02000101") is None
    assert areas.level_of("XX") is None
    assert areas.codes() == {*BUURT_KM2, *WIJK_KM2, "SD019301", "SD019302", "GM0193"}
    assert areas.children("buurt") is None
    child, parents = areas.children("wijk") or ("", pd.Series())
    assert child == "buurt"
    assert parents["BU01930201"] == "WK019302"
    assert repr(areas) == "Areas(buurt=4, wijk=2, stadsdeel=2, gemeente=1)"
    with pytest.raises(NotFound, match="unknown level 'straat'"):
        areas.level("straat")


def test_children_skips_an_empty_stadsdeel_level() -> None:
    areas, _ = build(gpkg_spec())

    child, parents = areas.children("gemeente") or ("", pd.Series())
    assert child == "wijk"
    assert parents.to_dict() == {"WK019301": "GM0193", "WK019302": "GM0193"}
    assert areas.children("stadsdeel") is None


def test_the_result_does_not_depend_on_row_order(tmp_path: Path) -> None:
    rows = standard_rows()
    forward = write_buurten(tmp_path / "forward.geojson", rows)
    backward = write_buurten(tmp_path / "backward.geojson", rows[::-1])
    a, _ = build(spec(generic(forward)))
    b, _ = build(spec(generic(backward)))

    for level in ("buurt", "wijk", "stadsdeel", "gemeente"):
        left, right = a.level(level), b.level(level)
        if level == "buurt":  # the names follow the rows in this test file
            left, right = left.drop(columns="naam"), right.drop(columns="naam")
        assert_geodataframe_equal(left, right, check_less_precise=False, normalize=True)


def test_committed_zwolle_stadsdelen_table(tmp_path: Path) -> None:
    table = read_stadsdelen(ZWOLLE_STADSDELEN, "GM0193")
    raw = pd.read_csv(ZWOLLE_STADSDELEN, dtype=str)

    assert len(table) == 16
    groups = table.groupby("stadsdeelcode")["stadsdeel"].first().to_dict()
    assert groups == {
        "SD019301": "Midden",
        "SD019302": "West",
        "SD019303": "Noord",
        "SD019304": "Oost",
        "SD019305": "Zuid",
    }
    for wijk, sd in zip(table["wijkcode"], table["stadsdeelcode"], strict=True):
        assert int(sd[-2:]) == int(wijk[6])  # grouped by the first digit of the wijk number
    documented = set(raw.loc[raw["status"] == "gedocumenteerd", "wijkcode"])
    assert documented == {f"WK0193{n}" for n in ("10", "13", "14", "50", "51", "52")}
    assert set(raw["status"]) == {"gedocumenteerd", "indicatief"}
    without_codes = tmp_path / "stadsdelen.csv"
    raw.drop(columns="stadsdeelcode").to_csv(without_codes, index=False)
    generated = read_stadsdelen(without_codes, "GM0193")
    assert list(generated["stadsdeelcode"]) == list(table["stadsdeelcode"])


# --- real data (Zwolle) ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def zwolle() -> Path:
    if not (REALDATA / "zwolle_buurten_gemeente_rd.geojson").is_file():
        pytest.skip(f"real Zwolle boundaries not available: no {REALDATA}")
    return REALDATA


def zwolle_spec(realdata: Path, crs: str, *, with_wijk: bool = True) -> AreasSpec:
    buurt = generic(realdata / f"zwolle_buurten_gemeente_{crs}.geojson")
    wijk = AreaSource(
        path=realdata / f"zwolle_wijken_gemeente_{crs}.geojson",
        format="file",
        code="wijkcode",
        name="wijknaam",
    )
    return spec(buurt, wijk if with_wijk else None, ZWOLLE_STADSDELEN)


@pytest.mark.realdata
@pytest.mark.parametrize("crs", ["rd", "wgs84"])
def test_zwolle_real_boundaries(zwolle: Path, crs: str) -> None:
    areas, _ = build(zwolle_spec(zwolle, crs))

    assert (len(areas.buurt), len(areas.wijk), len(areas.stadsdeel)) == (78, 16, 5)
    assert_level_contract(areas)
    assert areas.buurt.area.sum() / 1e6 == pytest.approx(119.36, rel=0.005)
    assert areas.gemeente.area.iloc[0] / 1e6 == pytest.approx(119.36, rel=0.005)
    assert areas.gemeente["naam"][0] == "Zwolle"
    assert set(areas.stadsdeel["naam"]) == {"Midden", "West", "Noord", "Oost", "Zuid"}
    assert areas.stadsdeel.area.sum() == pytest.approx(areas.buurt.area.sum(), rel=1e-6)
    assert areas.wijk.set_index("code").loc["WK019322", "naam"] == "Stadshagen"
    assert areas.wijk.set_index("code").loc["WK019322", "parent"] == "SD019302"
    assert areas.level_of("BU01931000") == "buurt"


@pytest.mark.realdata
def test_zwolle_dissolved_wijken_match_the_wijk_file(zwolle: Path) -> None:
    with_file, _ = build(zwolle_spec(zwolle, "rd"))
    dissolved, notes = build(zwolle_spec(zwolle, "rd", with_wijk=False))

    assert len(dissolved.wijk) == 16
    assert list(dissolved.wijk["code"]) == list(with_file.wijk["code"])
    assert list(dissolved.wijk["naam"]) == list(with_file.wijk["naam"])
    ours, theirs = km2(dissolved.wijk), km2(with_file.wijk)
    for code, area in theirs.items():
        assert ours[code] == pytest.approx(area, rel=0.001), code
    assert any("16 wijken dissolved" in note for note in notes)
