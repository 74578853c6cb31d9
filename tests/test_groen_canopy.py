"""Canopy cover per area: exact answers on hand-built rasters, and agreement with brute force."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import atlas
from atlas.errors import SourcesError
from atlas.pipeline.groen.canopy import zonal_canopy
from atlas.pipeline.groen.wordsum import run_sums
from tests.groen_scenes import X0, Y0, pixel_centre_cover, squares, write_tif


def _quadrants() -> np.ndarray:
    """100 × 100 cells, four 50 × 50 buurten with exactly 0, 25, 50 and 100 % canopy."""
    data = np.zeros((100, 100), dtype=np.uint8)
    data[:50, 50:][:, :25] = 1  # A1: 25 of 50 columns
    data[50:, :50][:25, :] = 0
    data[50:, :50][::2, :] = 1  # A2: every other row
    data[50:, 50:] = 1  # A3: all
    return data


def test_known_fraction_per_square_buurt(tmp_path: Path) -> None:
    tif = write_tif(tmp_path / "c.tif", _quadrants())
    cover = atlas.canopy_cover(squares(2, 50), tif)
    assert cover.index.tolist() == ["A0", "A1", "A2", "A3"]
    assert cover.tolist() == [0.0, 50.0, 50.0, 100.0]
    assert cover.name == "kroonbedekking"


def test_quarter_and_exact_counts(tmp_path: Path) -> None:
    data = np.zeros((40, 40), dtype=np.uint8)
    data[:10, :10] = 1  # 100 cells in the top-left buurt of 400
    tif = write_tif(tmp_path / "c.tif", data)
    cover = atlas.canopy_cover(squares(2, 20), tif)
    assert cover["A0"] == 25.0
    assert cover[["A1", "A2", "A3"]].tolist() == [0.0, 0.0, 0.0]


def test_areas_in_another_crs_give_the_same_answer(tmp_path: Path) -> None:
    tif = write_tif(tmp_path / "c.tif", _quadrants())
    areas = squares(2, 50)
    expected = atlas.canopy_cover(areas, tif)
    for crs in ("EPSG:4326", "EPSG:3857", "EPSG:32631"):
        assert atlas.canopy_cover(areas.to_crs(crs), tif).tolist() == expected.tolist(), crs


def test_raster_in_another_crs_reprojects_the_vectors(tmp_path: Path) -> None:
    # RD New with the false easting moved by 1000 m: the same cells, other coordinates
    shifted = (
        "+proj=sterea +lat_0=52.1561605555556 +lon_0=5.38763888888889 +k=0.9999079 +x_0=156000 "
        "+y_0=463000 +ellps=bessel +towgs84=565.417,50.3319,465.552,-0.398957,0.343988,-1.8774,4.0725 +units=m"
    )
    tif = write_tif(tmp_path / "c.tif", _quadrants(), x0=X0 + 1000, crs=shifted)
    assert atlas.canopy_cover(squares(2, 50), tif).tolist() == [0.0, 50.0, 50.0, 100.0]


def test_nodata_is_not_no_canopy(tmp_path: Path) -> None:
    data = np.zeros((20, 20), dtype=np.uint8)
    data[:, :10] = 255  # left half: no data
    data[:6, 10:] = 1  # 60 of the 200 valid cells of the right half
    tif = write_tif(tmp_path / "c.tif", data, nodata=255)
    cover = atlas.canopy_cover(squares(1, 20), tif)
    assert cover["A0"] == 30.0
    sums = zonal_canopy(squares(1, 20).geometry.values, tif)
    assert (sums.valid[0], sums.pixels[0]) == (200, 400)


def test_area_without_valid_cells_is_missing(tmp_path: Path) -> None:
    data = np.full((20, 20), 255, dtype=np.uint8)
    tif = write_tif(tmp_path / "c.tif", data, nodata=255)
    assert np.isnan(atlas.canopy_cover(squares(1, 20), tif)["A0"])


def test_raster_partly_outside_the_areas(tmp_path: Path) -> None:
    data = np.zeros((20, 20), dtype=np.uint8)
    data[:, 10:] = 1
    tif = write_tif(tmp_path / "c.tif", data)
    areas = gpd.GeoDataFrame(
        {"code": ["half_out", "outside", "inside"]},
        geometry=[
            shapely.box(X0 + 10, Y0 - 20, X0 + 30, Y0),  # its left half lies on the raster, all canopy
            shapely.box(X0 + 100, Y0 - 20, X0 + 120, Y0),
            shapely.box(X0, Y0 - 20, X0 + 20, Y0),
        ],
        crs="EPSG:28992",
    )
    cover = atlas.canopy_cover(areas, tif)
    assert cover["half_out"] == 100.0
    assert np.isnan(cover["outside"])
    assert cover["inside"] == 50.0
    sums = zonal_canopy(areas.geometry.values, tif)
    assert sums.pixels.tolist() == [200, 0, 400]


def test_percent_per_cell(tmp_path: Path) -> None:
    data = np.zeros((20, 20), dtype=np.uint8)
    data[:, :10] = 60
    data[:, 10:] = 20
    tif = write_tif(tmp_path / "c.tif", data, nodata=None)
    assert atlas.canopy_cover(squares(1, 20), tif)["A0"] == pytest.approx(40.0)
    assert atlas.canopy_cover(squares(1, 20), tif, values="percent")["A0"] == pytest.approx(40.0)


def test_float_raster_with_nan(tmp_path: Path) -> None:
    data = np.zeros((20, 20), dtype=np.float32)
    data[:, :10] = np.nan
    data[:5, 10:] = 1.0
    tif = write_tif(tmp_path / "c.tif", data, nodata=None)
    assert atlas.canopy_cover(squares(1, 20), tif)["A0"] == pytest.approx(25.0)


def test_values_out_of_range_are_an_error(tmp_path: Path) -> None:
    data = np.full((20, 20), 150, dtype=np.uint8)
    tif = write_tif(tmp_path / "c.tif", data, nodata=None)
    with pytest.raises(SourcesError, match="holds a value of 150") as err:
        atlas.canopy_cover(squares(1, 20), tif)
    assert err.value.file == str(tif)
    mask = write_tif(tmp_path / "m.tif", np.full((20, 20), 7, dtype=np.uint8), nodata=None)
    with pytest.raises(SourcesError, match="declared a 0/1 mask"):
        atlas.canopy_cover(squares(1, 20), mask, values="mask")


def test_raster_without_crs_is_an_error(tmp_path: Path) -> None:
    tif = write_tif(tmp_path / "c.tif", np.zeros((20, 20), dtype=np.uint8), crs=None)
    with pytest.raises(SourcesError, match="coordinate reference system"):
        atlas.canopy_cover(squares(1, 20), tif)


def test_holes_and_multipolygons(tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    data = (rng.random((60, 60)) < 0.4).astype(np.uint8)
    tif = write_tif(tmp_path / "c.tif", data, nodata=None)
    donut = shapely.box(X0 + 5, Y0 - 55, X0 + 55, Y0 - 5).difference(shapely.box(X0 + 20, Y0 - 40, X0 + 40, Y0 - 20))
    multi = shapely.MultiPolygon(
        [shapely.box(X0, Y0 - 10, X0 + 10, Y0), shapely.box(X0 + 50, Y0 - 60, X0 + 60, Y0 - 50)]
    )
    tilted = shapely.Polygon([(X0 + 3.3, Y0 - 2.2), (X0 + 57.1, Y0 - 12.9), (X0 + 30.4, Y0 - 58.6)])
    areas = gpd.GeoDataFrame({"code": ["d", "m", "t"]}, geometry=[donut, multi, tilted], crs="EPSG:28992")
    got = atlas.canopy_cover(areas, tif).to_numpy()
    np.testing.assert_allclose(got, pixel_centre_cover(areas.geometry.values, data, nodata=None), rtol=1e-12)


def test_small_strips_and_threads_give_the_same_sums(tmp_path: Path) -> None:
    rng = np.random.default_rng(9)
    data = (rng.random((64, 80)) < 0.3).astype(np.uint8)
    data[10:14, :] = 255
    tif = write_tif(tmp_path / "c.tif", data, nodata=255)
    geoms = squares(3, 21).geometry.values
    whole = zonal_canopy(geoms, tif, workers=1)
    for workers in (1, 2, 3):
        strips = zonal_canopy(geoms, tif, strip_pixels=50, workers=workers)
        np.testing.assert_array_equal(whole.canopy, strips.canopy)
        np.testing.assert_array_equal(whole.valid, strips.valid)
        np.testing.assert_array_equal(whole.pixels, strips.pixels)


_coord = st.floats(min_value=-5.0, max_value=45.0, allow_nan=False)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    seed=st.integers(0, 2**16),
    polygons=st.lists(st.lists(st.tuples(_coord, _coord), min_size=3, max_size=7), min_size=1, max_size=4),
    nodata_share=st.sampled_from([0.0, 0.2]),
)
def test_agrees_with_brute_force_pixel_centres(tmp_path_factory, seed, polygons, nodata_share) -> None:
    rng = np.random.default_rng(seed)
    data = (rng.random((40, 40)) < 0.35).astype(np.uint8)
    data[rng.random((40, 40)) < nodata_share] = 255
    tif = write_tif(tmp_path_factory.mktemp("p") / "c.tif", data, nodata=255)
    # odd offsets keep edges off the pixel centres, where membership is a convention (half-open here)
    geoms = [
        shapely.make_valid(shapely.Polygon([(X0 + x + 0.1234567, Y0 - y - 0.2345678) for x, y in ring]))
        for ring in polygons
    ]
    geoms = [g if g.area > 0 else shapely.box(X0, Y0 - 1, X0 + 1, Y0) for g in geoms]
    areas = gpd.GeoDataFrame({"code": [f"z{i}" for i in range(len(geoms))]}, geometry=geoms, crs="EPSG:28992")
    got = atlas.canopy_cover(areas, tif).to_numpy()
    expected = pixel_centre_cover(np.array(areas.geometry.values), data, nodata=255)
    np.testing.assert_allclose(got, expected, rtol=1e-9, equal_nan=True)
    assert np.all((got[~np.isnan(got)] >= 0) & (got[~np.isnan(got)] <= 100))


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**16),
    biggest=st.sampled_from([0, 1, 2, 7, 8, 31, 100, 255]),
    width=st.integers(1, 5000),
    rows=st.integers(1, 4),
)
def test_run_sums_equal_plain_sums(seed, biggest, width, rows) -> None:
    """The word-segment sums are exact for any cell values, also where a lane would overflow (long runs of 255)."""
    rng = np.random.default_rng(seed)
    data = rng.integers(0, biggest + 1, size=(rows, width), dtype=np.uint8)
    if biggest and rng.random() < 0.5:
        data[:] = biggest  # the worst case for the lanes
    raw = np.zeros((rows, 8 * (width // 8 + 2)), dtype=np.uint8)
    raw[:, :width] = data
    n_runs = 20
    row = rng.integers(0, rows, n_runs)
    a, b = rng.integers(0, width + 1, (2, n_runs))
    start, stop = np.minimum(a, b), np.maximum(a, b)
    start[0], stop[0], row[0] = 0, width, 0  # a whole row
    got = run_sums(raw.view(np.uint64), row, start, stop, int(data.max()))
    expected = [int(data[r, s:e].sum()) for r, s, e in zip(row, start, stop, strict=True)]
    np.testing.assert_array_equal(got, expected)


def test_percent_raster_wider_than_a_segment(tmp_path: Path) -> None:
    """Percent cells (0-100) in rows far longer than one lane segment: exact per-area cover."""
    rng = np.random.default_rng(4)
    data = rng.integers(0, 101, size=(30, 6000), dtype=np.uint8)
    data[:5] = 100
    tif = write_tif(tmp_path / "p.tif", data, nodata=255)
    boxes = [shapely.box(X0 + x, Y0 - 30, X0 + x + 3000, Y0) for x in (0, 3000)]
    areas = gpd.GeoDataFrame({"code": ["west", "oost"]}, geometry=boxes, crs="EPSG:28992")
    got = atlas.canopy_cover(areas, tif).to_numpy()
    expected = [data[:, :3000].mean(), data[:, 3000:].mean()]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_thread_count_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    from atlas.pipeline.groen import workers

    monkeypatch.setattr(workers, "usable_cpus", lambda: 64)
    assert workers.thread_count(1000, None) == workers.MAX_DEFAULT  # many CPUs: capped by default
    assert workers.thread_count(1000, 8) == 8  # asked for: given
    assert workers.thread_count(3, 8) == 3  # no more threads than pieces of work
    assert workers.thread_count(12_000, None, 5_000) == 2  # at least min_each pieces per thread
    assert workers.thread_count(10, 0) == workers.thread_count(0, None) == 1
