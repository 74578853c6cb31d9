"""The groen section of the sources file and the groen importers: clear errors naming file, entry, row and field."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
import yaml

from atlas.errors import SourcesError
from atlas.sources.groen import check_canopy, read_points, read_polygons
from atlas.sources.spec.groen import PARAMETERS, GroenParams, parse_groen, parse_params
from tests.groen_scenes import X0, Y0, write_points, write_polygons, write_tif


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    write_tif(tmp_path / "canopy.tif", np.zeros((20, 20), dtype=np.uint8))
    write_points(tmp_path / "trees.gpkg", [(X0 + 1, Y0 - 1)])
    write_polygons(tmp_path / "parks.gpkg", [shapely.box(X0, Y0 - 10, X0 + 10, Y0)])
    write_points(tmp_path / "addresses.gpkg", [(X0 + 2, Y0 - 2), (X0 + 3, Y0 - 3)], inwoners=[2, 3])
    return tmp_path


def _section(**changes) -> dict:
    section = {
        "year": 2024,
        "canopy": {"path": "canopy.tif"},
        "trees": {"path": "trees.gpkg"},
        "parks": {"path": "parks.gpkg"},
        "addresses": {"path": "addresses.gpkg", "residents": "inwoners"},
    }
    section.update(changes)
    return section


def test_defaults_are_zwolles_and_documented(folder: Path) -> None:
    spec = parse_groen(folder / "sources.yaml", _section())
    assert spec.params == GroenParams()
    assert spec.params.as_dict() == {p.name: p.default for p in PARAMETERS}
    assert all(p.help for p in PARAMETERS)
    assert [p.name for p in spec.input_files()] == ["canopy.tif", "trees.gpkg", "parks.gpkg", "addresses.gpkg"]


def test_params_are_read(folder: Path) -> None:
    raw = {
        "trees_min": 3,
        "trees_radius_m": 30,
        "canopy_min_pct": 30,
        "canopy_level": "wijk",
        "park_max_distance_m": 300,
        "park_min_area_m2": 10000,
    }
    spec = parse_groen(folder / "sources.yaml", _section(params=raw))
    assert spec.params.as_dict() == {
        **raw,
        "trees_radius_m": 30.0,
        "canopy_min_pct": 30.0,
        "park_max_distance_m": 300.0,
        "park_min_area_m2": 10000.0,
    }


@pytest.mark.parametrize(
    ("params", "field", "message"),
    [
        ({"trees_min": 2.5}, "trees_min", "whole number"),
        ({"trees_radius_m": -1}, "trees_radius_m", "between"),
        ({"canopy_min_pct": 120}, "canopy_min_pct", "between"),
        ({"canopy_min_pct": "veel"}, "canopy_min_pct", "must be a number"),
        ({"canopy_level": "straat"}, "canopy_level", "not one of"),
        ({"park_max_distance": 200}, "park_max_distance", "did you mean 'park_max_distance_m'"),
    ],
)
def test_bad_params_name_the_entry_and_field(folder: Path, params, field, message) -> None:
    with pytest.raises(SourcesError, match=message) as err:
        parse_params(folder / "sources.yaml", params)
    assert (err.value.entry, err.value.field, err.value.file) == ("groen.params", field, str(folder / "sources.yaml"))


@pytest.mark.parametrize(
    ("changes", "entry", "field", "message"),
    [
        ({"year": "dit jaar"}, "groen", "year", "must be a year"),
        ({"trees": None}, "groen", "trees", "is required"),
        ({"parks": {"path": "nergens.gpkg"}}, "groen.parks", "path", "file not found"),
        ({"canopy": {"path": "canopy.tif", "values": "fraction"}}, "groen.canopy", "values", "not one of"),
        ({"addresses": {"path": "addresses.gpkg", "inwoners": "x"}}, "groen.addresses", "inwoners", "unknown key"),
        ({"extra": 1}, "groen", "extra", "unknown key"),
    ],
)
def test_bad_section_names_the_entry_and_field(folder: Path, changes, entry, field, message) -> None:
    with pytest.raises(SourcesError, match=message) as err:
        parse_groen(folder / "sources.yaml", _section(**changes))
    assert (err.value.entry, err.value.field) == (entry, field)


def test_points_in_any_crs_come_out_in_rd(folder: Path) -> None:
    write_points(folder / "wgs.gpkg", [(X0 + 10, Y0 - 20)], crs="EPSG:4326")
    spec = parse_groen(folder / "s.yaml", _section(trees={"path": "wgs.gpkg"}))
    trees = read_points(spec.trees, "groen.trees")
    assert trees.crs.to_epsg() == 28992
    assert trees.geometry.x.iloc[0] == pytest.approx(X0 + 10, abs=0.01)
    assert trees.row.tolist() == [1]


def test_a_polygon_among_the_trees_names_its_row(folder: Path) -> None:
    frame = gpd.GeoDataFrame(
        geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 1, Y0), shapely.box(X0, Y0, X0 + 1, Y0 + 1)], crs=28992
    )
    frame.to_file(folder / "mixed.gpkg", driver="GPKG")
    spec = parse_groen(folder / "s.yaml", _section(trees={"path": "mixed.gpkg"}))
    with pytest.raises(SourcesError, match="must be a point, got polygon") as err:
        read_points(spec.trees, "groen.trees")
    assert (err.value.row, err.value.field, err.value.entry) == (3, "geometry", "groen.trees")
    assert err.value.file.endswith("mixed.gpkg")


def test_a_point_among_the_parks_names_its_row(folder: Path) -> None:
    frame = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 1, Y0 + 1), shapely.Point(X0, Y0)], crs=28992)
    frame.to_file(folder / "p.gpkg", driver="GPKG")
    spec = parse_groen(folder / "s.yaml", _section(parks={"path": "p.gpkg"}))
    with pytest.raises(SourcesError, match="must be a polygon, got point") as err:
        read_polygons(spec.parks, "groen.parks")
    assert (err.value.row, err.value.field) == (2, "geometry")


def test_residents_column_missing_or_bad(folder: Path) -> None:
    spec = parse_groen(folder / "s.yaml", _section(addresses={"path": "addresses.gpkg", "residents": "bewoners"}))
    with pytest.raises(SourcesError, match="no such column") as err:
        read_points(spec.addresses, "groen.addresses")
    assert err.value.field == "bewoners"
    write_points(folder / "neg.gpkg", [(X0, Y0), (X0 + 1, Y0), (X0 + 2, Y0)], inwoners=[1, -2, 3])
    spec = parse_groen(folder / "s.yaml", _section(addresses={"path": "neg.gpkg", "residents": "inwoners"}))
    with pytest.raises(SourcesError, match="residents >= 0") as err:
        read_points(spec.addresses, "groen.addresses")
    assert (err.value.row, err.value.field) == (2, "inwoners")


def test_residents_are_read(folder: Path) -> None:
    spec = parse_groen(folder / "s.yaml", _section())
    assert read_points(spec.addresses, "groen.addresses").residents.tolist() == [2.0, 3.0]


def test_file_without_crs(folder: Path) -> None:
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0)])
    pyogrio.write_dataframe(frame, folder / "nocrs.gpkg", driver="GPKG")
    spec = parse_groen(folder / "s.yaml", _section(trees={"path": "nocrs.gpkg"}))
    with pytest.raises(SourcesError, match="coordinate reference system"):
        read_points(spec.trees, "groen.trees")


def test_not_a_vector_file(folder: Path) -> None:
    (folder / "kapot.gpkg").write_text("geen geopackage")
    spec = parse_groen(folder / "s.yaml", _section(parks={"path": "kapot.gpkg"}))
    with pytest.raises(SourcesError, match="cannot read") as err:
        read_polygons(spec.parks, "groen.parks")
    assert err.value.entry == "groen.parks"


def test_canopy_checks(folder: Path) -> None:
    spec = parse_groen(folder / "s.yaml", _section())
    info = check_canopy(spec.canopy)
    assert (info.width, info.height, info.nodata, info.dtype) == (20, 20, 255.0, "uint8")
    (folder / "kapot.tif").write_text("geen tiff")
    bad = parse_groen(folder / "s.yaml", _section(canopy={"path": "kapot.tif"}))
    with pytest.raises(SourcesError, match="not a readable raster") as err:
        check_canopy(bad.canopy)
    assert (err.value.entry, err.value.field) == ("groen.canopy", "path")
    two = parse_groen(folder / "s.yaml", _section(canopy={"path": "canopy.tif", "band": 2}))
    with pytest.raises(SourcesError, match="no band 2"):
        check_canopy(two.canopy)
    with rasterio.open(folder / "canopy.tif") as ds:
        profile, data = ds.profile, ds.read()
    with rasterio.open(folder / "nul.tif", "w", **{**profile, "nodata": 0}) as ds:
        ds.write(data)
    zero = parse_groen(folder / "s.yaml", _section(canopy={"path": "nul.tif"}))
    with pytest.raises(SourcesError, match="nodata = 0") as err:
        check_canopy(zero.canopy)
    assert err.value.entry == "groen.canopy" and "nul.tif" in str(err.value)


def test_the_sources_file_keeps_the_groen_section(folder: Path) -> None:
    from atlas.sources.spec import load_sources

    (folder / "buurten.geojson").write_text("{}")
    path = folder / "sources.yaml"
    path.write_text(
        yaml.safe_dump(
            {
                "gemeente": "GM0193",
                "areas": {"buurt": {"path": "buurten.geojson", "code": "c", "name": "n", "parent": "p"}},
                "groen": _section(),
            }
        )
    )
    spec = load_sources(path)
    assert spec.groen is not None and spec.groen.year == 2024
    assert spec.groen == parse_groen(spec.path, _section())
