"""The coverage rule: where the canopy raster covers less than 95 % of an area's cells, its canopy is missing.

A raster that misses (part of) the areas used to give 0 % canopy and 0 % ``groen_22kroon`` with status ok. Now
such an area gets a ``coverage`` warning, and its ``kroonbedekking``, ``groen_22kroon`` and ``groen_2_22_200`` are
missing, never 0. Rasters are real GeoTIFFs written with rasterio, the vector inputs GeoPackages.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from atlas.artifact import Artifact
from atlas.findings import Findings
from atlas.pipeline.groen import MAX_COVERAGE_WARNINGS, MIN_RASTER_COVERAGE, _covered_cover
from atlas.pipeline.groen.canopy import CanopySums, zonal_canopy
from atlas.pipeline.run import build
from tests.groen_scenes import X0, Y0, write_points, write_polygons, write_tif

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "areas" / "wijkenbuurten_2023.gpkg"
LOST = ["kroonbedekking", "groen_22kroon", "groen_2_22_200"]


def test_cells_count_the_area_past_the_raster_edge(tmp_path: Path) -> None:
    tif = write_tif(tmp_path / "c.tif", np.ones((20, 20), dtype=np.uint8))
    geoms = np.array(
        [
            shapely.box(X0 + 10, Y0 - 20, X0 + 30, Y0),  # half on the raster
            shapely.box(X0 + 100, Y0 - 20, X0 + 120, Y0),  # beside it
            shapely.box(X0, Y0 - 20, X0 + 20, Y0),  # on it
            shapely.Polygon([(X0 - 7.3, Y0 + 4.1), (X0 + 13.2, Y0 - 25.6), (X0 + 18.8, Y0 + 9.4)]),  # over a corner
        ],
        dtype=object,
    )
    sums = zonal_canopy(geoms, tif, strip_pixels=64)
    xs, ys = np.meshgrid(np.arange(-50, 150) + 0.5, np.arange(-50, 50) + 0.5)
    x, y = (X0 + xs).ravel(), (Y0 - ys).ravel()
    brute = [int(shapely.contains_xy(g, x, y).sum()) for g in geoms]
    assert sums.cells.tolist() == brute
    assert sums.pixels.tolist()[:3] == [200, 0, 400]
    np.testing.assert_allclose(sums.coverage()[:3], [0.5, 0.0, 1.0])
    assert 0 < sums.coverage()[3] < 1


def test_nodata_counts_as_not_covered(tmp_path: Path) -> None:
    data = np.ones((20, 20), dtype=np.uint8)
    data[:, :2] = 255  # 10 % of the area is nodata
    sums = zonal_canopy(np.array([shapely.box(X0, Y0 - 20, X0 + 20, Y0)]), write_tif(tmp_path / "c.tif", data))
    assert sums.cells[0] == 400 and sums.coverage()[0] == pytest.approx(0.9)


# --- in the build ------------------------------------------------------------------------------------------------
#
# The fixture gemeente (RD): BU01930101 x 200000-201000, y 500000-501000; BU01930102 x 201000-202500 (same y);
# BU01930201 x 200000-200800, y 501000-502000; BU01930202 x 200800-202000 (same y). The raster covers x 200000-201000,
# y 500000-502000 (all canopy): 0101 and 0201 wholly, 0202 for 1/6, 0102 not at all.


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> tuple[Artifact, dict]:
    bron = tmp_path_factory.mktemp("coverage") / "bron"
    bron.mkdir()
    shutil.copy(FIXTURE, bron / "wijkenbuurten.gpkg")
    write_tif(bron / "canopy.tif", np.ones((200, 100), dtype=np.uint8), x0=200_000, y0=502_000, res=10.0)
    write_points(bron / "trees.gpkg", [(200_500 + i, 500_500) for i in range(3)] + [(201_500, 500_500)] * 3)
    write_polygons(bron / "parks.gpkg", [shapely.box(200_000, 500_000, 202_500, 502_000)])
    addresses = [(200_500, 500_500), (201_500, 500_500), (200_400, 501_500), (201_500, 501_500)]
    write_points(bron / "addresses.gpkg", addresses, inwoners=[10, 10, 10, 10])
    (bron / "sources.yaml").write_text(
        "gemeente: GM0193\nareas:\n  buurt: {path: wijkenbuurten.gpkg, format: cbs-gpkg}\n"
        "groen:\n  year: 2024\n  canopy: {path: canopy.tif}\n  trees: {path: trees.gpkg}\n"
        "  parks: {path: parks.gpkg}\n  addresses: {path: addresses.gpkg, residents: inwoners}\n"
        "  params: {trees_min: 0}\n",
        encoding="utf-8",
    )
    out = bron.parent / "build"
    manifest = build(bron / "sources.yaml", out)
    return Artifact.open(out), manifest


def test_uncovered_areas_are_missing_never_zero(built: tuple[Artifact, dict]) -> None:
    art, _ = built
    values = art.values.set_index(["indicator", "code"])
    for indicator in LOST:
        for code in ("BU01930102", "BU01930202"):
            row = values.loc[(indicator, code)]
            assert row.status == "missing" and pd.isna(row.value), (indicator, code)
        for code in ("BU01930101", "BU01930201"):
            row = values.loc[(indicator, code)]
            assert row.status == "ok" and row.value == 100.0, (indicator, code)
    for code in ("BU01930101", "BU01930102", "BU01930201", "BU01930202"):
        assert values.loc[("groen_200park", code)].value == 100.0, "the other criteria do not need the raster"
    for code in ("WK019301", "WK019302", "GM0193"):  # half their residents have no known canopy
        assert values.loc[("groen_22kroon", code)].status == "missing"
        assert values.loc[("kroonbedekking", code)].status == "missing"


def test_each_uncovered_area_is_a_coverage_warning(built: tuple[Artifact, dict]) -> None:
    _, manifest = built
    warnings = [c for c in manifest["checks"] if c["kind"] == "coverage"]
    assert {c["severity"] for c in warnings} == {"warning"}
    assert {c["code"] for c in warnings} == {"BU01930102", "BU01930202", "WK019301", "WK019302", "GM0193"}
    by_code = {c["code"]: c for c in warnings}
    assert by_code["BU01930102"]["message"].startswith("the canopy raster covers 0 % of the cells of buurt BU01930102")
    assert "covers 17 % of the cells of buurt BU01930202" in by_code["BU01930202"]["message"]
    assert all(c["indicator"] == "kroonbedekking" and c["file"] == "canopy.tif" for c in warnings)
    assert manifest["groen"]["canopy"]["areas_not_covered"] == 5
    assert manifest["groen"]["canopy"]["min_coverage"] == MIN_RASTER_COVERAGE


def test_a_raster_that_covers_every_area_gives_no_warning(demo_build: Path) -> None:
    art = Artifact.open(demo_build)
    assert not [c for c in art.manifest["checks"] if c["kind"] == "coverage"]
    assert art.manifest["groen"]["canopy"]["areas_not_covered"] == 0


def test_many_uncovered_areas_are_counted_after_the_first_ones() -> None:
    n = 2 * (MAX_COVERAGE_WARNINGS + 12)
    zones = gpd.GeoDataFrame(
        {"code": [f"BU0193{i:04d}" for i in range(n)], "naam": "x", "level": "buurt"},
        geometry=[shapely.box(X0 + i, Y0, X0 + i + 1, Y0 + 1) for i in range(n)],
        crs="EPSG:28992",
    )
    cells = np.full(n, 100.0)
    valid = np.where(np.arange(n) % 2 == 0, 50.0, 100.0)  # every other area half covered
    sums = CanopySums(canopy=valid / 2, valid=valid, pixels=cells, scale=1.0, cells=cells)
    findings = Findings()
    cover = _covered_cover(zones, sums, "c.tif", findings)
    short = np.flatnonzero(np.arange(n) % 2 == 0)
    assert cover.isna().to_numpy().nonzero()[0].tolist() == short.tolist()
    assert (cover.dropna() == 50.0).all()
    assert len(findings) == MAX_COVERAGE_WARNINGS + 1
    last = list(findings)[-1]
    assert last.count == len(short) - MAX_COVERAGE_WARNINGS and last.code is None
    assert last.message.startswith(f"the canopy raster covers less than 95 % of the cells of {last.count} more areas")
