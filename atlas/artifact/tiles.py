"""Point overlays cut into static tiles: the browser loads only the tiles of its view, never the whole layer.

The demo's 47 840 trees are 5.2 MB as one GeoJSON file: every map that switched the trees on downloaded and drew all
of them. The build therefore also writes a point layer as one small file per slippy-map tile (the XYZ scheme of
OpenStreetMap and Leaflet, Web Mercator) at one zoom level, :data:`TILE_ZOOM`, plus an index of the tiles that
exist::

    web/tiles/<layer>/index.json                 {"layer", "zoom", "count", "tiles": [[x, y, points], ...]}
    web/tiles/<layer>/<zoom>/<x>/<y>.geojson     one FeatureCollection: one MultiPoint of the tile's points

Why static tiles, not clustering or a query per view: the web code only picks a file (no geometry is filtered per
request, DESIGN.md §3), a tile is cacheable by the browser and any proxy, and the index lets the page ask only for
tiles that exist. Clustering would still send every point to the browser. Coordinates are rounded to 5 decimals
(about 1 m, :data:`TILE_PRECISION`), then each point goes to the tile that holds its rounded coordinate, so every
coordinate of a tile lies inside the tile and every point is in exactly one tile. A MultiPoint of ``[lon, lat]``
pairs costs some 19 bytes a point, a fifth of a Feature per point. The whole layer stays in the artifact too
(``web/overlay_<layer>.geojson``, served whole at ``/api/overlays/<layer>``) for QGIS and scripts.

Measured (``python -m bench tiles``; ``tests/test_browser_overlays.py`` prints what its view loads): the demo's
47 840 trees are 5 156 135 bytes as one file; as 218 tiles at zoom 15 the largest is 14 253 bytes (743 trees) and
all together 938 473, with an index of 3 840. The map on a 1280 x 900 window (884 x 632 pixels) at zoom 15 loads 15
to 20 tiles: 134 528 bytes with the index around the Grote Kerk, 196 066 at worst anywhere; a full-screen 1920 x
1080 map at most 54 tiles, 396 135 bytes. Behind a proxy that gzips, the whole file would be 321 424 bytes and a
map's view about 48 000. The denser benchmark scene (100 000 trees on 11 x 11 km): 10.8 MB whole, the largest tile
101 kB, a map's view at most 670 kB.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np

from atlas.artifact.layout import web_tile_file, web_tile_index

TILE_ZOOM = 15
"""The zoom level the point tiles are cut at: a tile is about 750 m wide in the Netherlands. It matches the zoom
from which the map draws trees (``min_zoom`` in layers.yaml), so one view needs about a dozen tiles; a view further
out would need four times as many per zoom level, which is why the map does not draw them there."""
TILE_PRECISION = 5
"""Decimals of a tile's coordinates: 1e-5 degrees is 1.1 m north-south and 0.7 m east-west here."""
MAX_LATITUDE = 85.0511287798066
"""The edge of Web Mercator: beyond it there are no tiles."""


def tile_indices(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """The (x, y) of the tile at ``zoom`` that holds each position (degrees), as the XYZ scheme numbers them."""
    n = 2**zoom
    lat = np.clip(np.asarray(lat, dtype="float64"), -MAX_LATITUDE, MAX_LATITUDE)
    x = np.floor((np.asarray(lon, dtype="float64") + 180.0) / 360.0 * n)
    y = np.floor((1.0 - np.arcsinh(np.tan(np.radians(lat))) / math.pi) / 2.0 * n)
    return np.clip(x, 0, n - 1).astype("int64"), np.clip(y, 0, n - 1).astype("int64")


def tile_bounds(zoom: int, x: int, y: int) -> tuple[float, float, float, float]:
    """West, south, east, north (degrees) of one tile."""
    n = 2**zoom

    def latitude(row: int) -> float:
        return math.degrees(math.atan(math.sinh(math.pi * (1 - 2 * row / n))))

    return x / n * 360.0 - 180.0, latitude(y + 1), (x + 1) / n * 360.0 - 180.0, latitude(y)


def point_tiles(
    lon: np.ndarray, lat: np.ndarray, zoom: int = TILE_ZOOM, precision: int = TILE_PRECISION
) -> dict[tuple[int, int], np.ndarray]:
    """The points by tile: (x, y) -> an (n, 2) array of rounded [lon, lat], in input order within each tile."""
    coords = np.round(np.column_stack([np.asarray(lon, dtype="float64"), np.asarray(lat, dtype="float64")]), precision)
    coords = coords[np.isfinite(coords).all(axis=1)]
    if not len(coords):
        return {}
    xs, ys = tile_indices(coords[:, 0], coords[:, 1], zoom)
    order = np.lexsort((ys, xs))  # stable: a tile keeps its points in input order
    keys = np.column_stack([xs, ys])[order]
    starts = np.flatnonzero(np.r_[True, (keys[1:] != keys[:-1]).any(axis=1)])
    ends = np.r_[starts[1:], len(keys)]
    return {(int(keys[s, 0]), int(keys[s, 1])): coords[order[s:e]] for s, e in zip(starts, ends, strict=True)}


def tile_geojson(coords: np.ndarray, precision: int = TILE_PRECISION) -> str:
    """One tile as a GeoJSON FeatureCollection with one MultiPoint feature (and its point count)."""
    # one %-format over the whole tile (in C; the same text as f"{x:.5f}" per number)
    pair = f"[%.{precision}f,%.{precision}f]"
    points = ",".join([pair] * len(coords)) % tuple(np.asarray(coords, dtype="float64").ravel().tolist())
    head = f'{{"type":"FeatureCollection","features":[{{"type":"Feature","properties":{{"count":{len(coords)}}},'
    return f'{head}"geometry":{{"type":"MultiPoint","coordinates":[{points}]}}}}]}}'


def write_point_tiles(
    root: Path, layer: str, lon: np.ndarray, lat: np.ndarray, zoom: int = TILE_ZOOM
) -> dict[str, Any]:
    """Write the tiles of one point layer (positions in degrees) and their index into the artifact being written at
    ``root`` (:func:`~atlas.artifact.layout.web_tile_file`, :func:`~atlas.artifact.layout.web_tile_index`); the
    index as written."""
    tiles = point_tiles(lon, lat, zoom)
    for (x, y), coords in sorted(tiles.items()):
        path = root / web_tile_file(layer, zoom, x, y)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(tile_geojson(coords), encoding="utf-8")
    (root / web_tile_index(layer)).parent.mkdir(parents=True, exist_ok=True)
    index = {
        "layer": layer,
        "zoom": zoom,
        "count": int(sum(len(c) for c in tiles.values())),
        "tiles": [[x, y, len(coords)] for (x, y), coords in sorted(tiles.items())],
    }
    (root / web_tile_index(layer)).write_text(json.dumps(index, separators=(",", ":")), encoding="utf-8")
    return index
