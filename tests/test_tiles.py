"""Point overlays cut into tiles (atlas.artifact.tiles): every point in exactly one tile, the one that holds its
rounded coordinate; the index lists exactly the files written; the demo's trees are all there, in small files."""

from __future__ import annotations

import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pyogrio
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyproj import Transformer

from atlas.artifact import Artifact
from atlas.artifact.layout import WEB_DIR, web_overlay_file, web_tile_file, web_tile_index
from atlas.artifact.tiles import TILE_PRECISION, TILE_ZOOM, point_tiles, tile_bounds, tile_indices, write_point_tiles

WEB_MERCATOR = Transformer.from_crs(4326, 3857, always_xy=True)


def _inside(lon: float, lat: float, zoom: int, x: int, y: int) -> bool:
    west, south, east, north = tile_bounds(zoom, x, y)
    return west <= lon < east and south < lat <= north


@pytest.mark.parametrize(
    ("lon", "lat", "zoom", "expected"),
    [
        (0.0, 0.0, 0, (0, 0)),
        (-180.0, 85.0, 1, (0, 0)),
        (0.0, 0.0, 1, (1, 1)),  # the corner where four tiles meet belongs to the one east and south of it
        (-0.000001, 0.000001, 1, (0, 0)),
        (179.999999, -85.0, 1, (1, 1)),
        (180.0, 89.9, 3, (7, 0)),  # the edges of the world clamp to its last tile
        (6.0923, 52.5126, 15, (16938, 10747)),  # Zwolle's Grote Kerk
    ],
)
def test_tile_indices_follow_the_xyz_scheme(lon, lat, zoom, expected):
    x, y = tile_indices(np.array([lon]), np.array([lat]), zoom)
    assert (int(x[0]), int(y[0])) == expected


@settings(max_examples=100, deadline=None, database=None, derandomize=True)
@given(lon=st.floats(-179.9, 179.9), lat=st.floats(-85.0, 85.0), zoom=st.integers(0, 18))
def test_tile_indices_agree_with_pyproj_s_web_mercator(lon, lat, zoom):
    """The tile of a position from its EPSG:3857 metres (what Leaflet's map.project gives the browser)."""
    half = 20037508.342789244
    x_m, y_m = WEB_MERCATOR.transform(lon, lat)
    fx, fy = (x_m + half) / (2 * half) * 2**zoom, (half - y_m) / (2 * half) * 2**zoom
    assume(abs(fx - round(fx)) > 1e-6 and abs(fy - round(fy)) > 1e-6)  # not on a tile edge, where rounding decides
    x, y = tile_indices(np.array([lon]), np.array([lat]), zoom)
    assert (int(x[0]), int(y[0])) == (math.floor(fx), math.floor(fy))


def test_tile_bounds_meet_without_gaps():
    west, south, east, _ = tile_bounds(15, 16938, 10747)
    assert west == pytest.approx(6.0864, abs=1e-4) and east - west == pytest.approx(360 / 2**15)
    assert _inside(6.0923, 52.5126, 15, 16938, 10747)
    assert tile_bounds(15, 16939, 10747)[0] == east and tile_bounds(15, 16938, 10748)[3] == south
    assert tile_bounds(0, 0, 0) == pytest.approx((-180.0, -85.0511287798, 180.0, 85.0511287798))


def test_points_are_rounded_and_kept_once_each_duplicates_too():
    lon = np.array([6.092512345, 6.092512345, 6.1, 6.0864 - 1e-7, 6.0864 + 1e-7])
    lat = np.array([52.51151, 52.51151, 52.52, 52.5, 52.5])
    tiles = point_tiles(lon, lat, 15)
    coords = np.concatenate(list(tiles.values()))
    assert len(coords) == len(lon)  # the two trees at the same spot stay two
    assert Counter(map(tuple, coords.tolist()))[(6.09251, 52.51151)] == 2
    assert np.array_equal(coords, np.round(coords, TILE_PRECISION))
    for (x, y), points in tiles.items():
        assert all(_inside(a, b, 15, x, y) for a, b in points.tolist())


def test_points_without_a_position_are_left_out():
    tiles = point_tiles(np.array([6.09, np.nan, np.inf]), np.array([52.5, 52.5, 52.5]), 15)
    assert sum(len(c) for c in tiles.values()) == 1
    assert point_tiles(np.array([]), np.array([]), 15) == {}


@settings(max_examples=60, deadline=None, database=None, derandomize=True)
@given(
    points=st.lists(
        st.tuples(st.floats(3.3, 7.3, allow_nan=False), st.floats(50.7, 53.6, allow_nan=False)),
        min_size=1,
        max_size=300,
    ),
    zoom=st.integers(8, 17),
)
def test_no_point_is_lost_or_duplicated_and_each_lies_in_its_tile(points, zoom):
    lon, lat = np.array(points).T
    tiles = point_tiles(lon, lat, zoom)
    assert sum(len(c) for c in tiles.values()) == len(points)
    written = Counter(map(tuple, np.concatenate(list(tiles.values())).tolist()))
    assert written == Counter(map(tuple, np.round(np.array(points), TILE_PRECISION).tolist()))
    for (x, y), coords in tiles.items():
        assert 0 <= x < 2**zoom and 0 <= y < 2**zoom
        assert all(_inside(a, b, zoom, x, y) for a, b in coords.tolist())


def test_written_tiles_and_their_index_agree(tmp_path: Path):
    rng = np.random.default_rng(7)
    lon, lat = rng.uniform(6.0, 6.2, 2000), rng.uniform(52.45, 52.57, 2000)
    index = write_point_tiles(tmp_path, "trees", lon, lat, zoom=14)
    assert index == json.loads((tmp_path / web_tile_index("trees")).read_text())
    assert index["layer"] == "trees" and index["zoom"] == 14 and index["count"] == 2000
    files = sorted(tmp_path.rglob("*.geojson"))
    assert sorted(tmp_path / web_tile_file("trees", 14, x, y) for x, y, _ in index["tiles"]) == files
    total = 0
    for x, y, count in index["tiles"]:
        text = (tmp_path / web_tile_file("trees", 14, x, y)).read_text()
        geo = json.loads(text)
        (feature,) = geo["features"]
        assert geo["type"] == "FeatureCollection" and feature["geometry"]["type"] == "MultiPoint"
        coords = feature["geometry"]["coordinates"]
        assert len(coords) == count == feature["properties"]["count"] > 0
        assert all(_inside(a, b, 14, x, y) for a, b in coords)
        assert all(len(str(v).split(".")[1]) <= TILE_PRECISION for v in (coords[0][0], coords[0][1]))
        total += count
    assert total == 2000


# --- the demo build ---------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def tiled(demo_build: Path) -> tuple[Artifact, dict]:
    art = Artifact.open(demo_build)
    return art, json.loads((art.path / web_tile_index("trees")).read_text())


def test_the_demo_s_trees_are_all_in_the_tiles(tiled):
    art, index = tiled
    trees = pyogrio.read_dataframe(art.path / "overlays.gpkg", layer="trees")
    assert index["zoom"] == TILE_ZOOM
    assert index["count"] == len(trees) == sum(count for _, _, count in index["tiles"]) > 40_000
    whole = json.loads((art.path / web_overlay_file("trees")).read_text())
    expected = Counter(
        (round(lon, 5), round(lat, 5)) for lon, lat in (f["geometry"]["coordinates"] for f in whole["features"])
    )
    found: Counter = Counter()
    for x, y, _ in index["tiles"]:
        geo = json.loads((art.path / web_tile_file("trees", TILE_ZOOM, x, y)).read_text())
        found.update((round(a, 5), round(b, 5)) for a, b in geo["features"][0]["geometry"]["coordinates"])
    assert sum(found.values()) == sum(expected.values())
    # the whole file keeps 6 decimals, the tiles 5: the same trees, up to half a 1e-5 step
    assert abs(len(found) - len(expected)) < 0.01 * len(expected)


def test_the_demo_s_tiles_are_small_and_listed_in_the_manifest(tiled):
    art, index = tiled
    sizes = [(art.path / web_tile_file("trees", TILE_ZOOM, x, y)).stat().st_size for x, y, _ in index["tiles"]]
    whole = (art.path / web_overlay_file("trees")).stat().st_size
    assert max(sizes) < 20_000 < 5_000_000 < whole  # the largest tile against the old one file of 5.2 MB
    assert sum(sizes) < whole / 4  # a MultiPoint per tile, not a Feature per tree
    files = art.manifest["files"]
    assert str(web_tile_index("trees")) in files
    assert sum(name.startswith(f"{WEB_DIR}/tiles/trees/{TILE_ZOOM}/") for name in files) == len(index["tiles"])
    assert not (art.path / web_tile_index("parks")).exists()  # polygons are not cut: one file of some 190 kB


def test_the_tile_zoom_fits_about_a_dozen_tiles_in_a_view():
    west, south, east, north = tile_bounds(TILE_ZOOM, 16938, 10747)
    metres = (east - west) * 111_320 * math.cos(math.radians((south + north) / 2))
    assert 700 < metres < 800  # about 750 m wide around Zwolle
