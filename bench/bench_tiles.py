"""What a map loads for the tree layer: the one file it used to fetch against the tiles of one view.

For the demo's trees and the benchmark scene's 100 000 (``bench/scene.py``), each cut as ``atlas build`` cuts them
(:mod:`atlas.artifact.tiles`):

- ``whole_bytes``: the layer as one GeoJSON file (``/api/overlays/trees``, what every map fetched before);
- ``tiles``, ``largest_tile_bytes``, ``all_tiles_bytes``, ``index_bytes``: the tiles at zoom :data:`TILE_ZOOM`;
- ``view_<w>x<h>_centre_*``: one view of w x h pixels at zoom 15 (the zoom from which the map draws trees) around the
  middle of the trees: how many tiles it asks and their bytes with the index; ``..._worst_*``: the view, moved over
  the whole layer in steps of 64 pixels, that loads the most. 884 x 632 is the map on a 1280 x 900 window, 1920 x
  1080 a full-screen map.

``*_gzip_bytes``: the same compressed, as a proxy with gzip on would send them (the atlas itself does not compress).

Targets: the demo's largest tile below 50 kB, and for both the worst view of the map on a 1280 x 900 window below a
tenth of the whole file.
"""

from __future__ import annotations

import gzip
import math
import tempfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely

from atlas.artifact.layout import web_tile_file, web_tile_index
from atlas.artifact.tiles import TILE_ZOOM, write_point_tiles
from atlas.artifact.writer import WEB_OVERLAY_PRECISION
from atlas.crs import WEB

HERE = Path(__file__).resolve().parent
VIEW_ZOOM = 15
VIEWS = ((884, 632), (1920, 1080))
STEP = 64
TARGET_TILE_BYTES = 50_000


def _pixels(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator pixel coordinates at ``zoom`` (256-pixel tiles), as Leaflet's ``map.project`` gives them."""
    scale = 256 * 2**zoom
    x = (lon + 180.0) / 360.0 * scale
    y = (1.0 - np.arcsinh(np.tan(np.radians(lat))) / math.pi) / 2.0 * scale
    return x, y


def _view_bytes(sizes: dict[tuple[int, int], int], left: float, top: float, width: int, height: int) -> tuple[int, int]:
    """(tiles, bytes) that a view with its top-left corner at pixel (left, top) at :data:`VIEW_ZOOM` loads."""
    factor = 2 ** (VIEW_ZOOM - TILE_ZOOM) * 256
    xs = range(int(left // factor), int((left + width) // factor) + 1)
    ys = range(int(top // factor), int((top + height) // factor) + 1)
    found = [sizes[(x, y)] for x in xs for y in ys if (x, y) in sizes]
    return len(found), sum(found)


def measure(trees: gpd.GeoDataFrame, folder: Path) -> dict[str, Any]:
    web = trees.to_crs(WEB)
    lon, lat = web.geometry.x.to_numpy(), web.geometry.y.to_numpy()
    index = write_point_tiles(folder, "trees", lon, lat)
    whole = web[["geometry"]].set_geometry(shapely.set_precision(web.geometry.values, WEB_OVERLAY_PRECISION))
    texts = {(x, y): (folder / web_tile_file("trees", TILE_ZOOM, x, y)).read_bytes() for x, y, _ in index["tiles"]}
    sizes = {key: len(text) for key, text in texts.items()}
    zipped = {key: len(gzip.compress(text)) for key, text in texts.items()}
    index_bytes = (folder / web_tile_index("trees")).stat().st_size
    whole_text = whole.to_json(drop_id=True).encode()  # as the build writes web/overlay_trees.geojson
    out: dict[str, Any] = {
        "trees": len(trees),
        "whole_bytes": len(whole_text),
        "whole_gzip_bytes": len(gzip.compress(whole_text)),
        "tile_zoom": TILE_ZOOM,
        "tiles": len(sizes),
        "largest_tile_bytes": max(sizes.values()),
        "largest_tile_gzip_bytes": max(zipped.values()),
        "all_tiles_bytes": sum(sizes.values()),
        "index_bytes": index_bytes,
    }
    px, py = _pixels(lon, lat, VIEW_ZOOM)
    for width, height in VIEWS:
        name = f"view_{width}x{height}"
        left, top = float(np.median(px)) - width / 2, float(np.median(py)) - height / 2
        tiles, size = _view_bytes(sizes, left, top, width, height)
        out[f"{name}_centre_tiles"] = tiles
        out[f"{name}_centre_bytes"] = size + index_bytes
        out[f"{name}_centre_gzip_bytes"] = _view_bytes(zipped, left, top, width, height)[1] + index_bytes
        worst = max(
            _view_bytes(sizes, x, y, width, height)
            for x in np.arange(px.min() - width, px.max(), STEP)
            for y in np.arange(py.min() - height, py.max(), STEP)
        )
        out[f"{name}_worst_tiles"] = worst[0]
        out[f"{name}_worst_bytes"] = worst[1] + index_bytes
    return out


def run() -> dict[str, Any]:
    from atlas.demo import write_demo
    from bench.bench_groen import SCENE
    from bench.scene import make_scene

    result: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        sources = write_demo(root / "bron")
        demo = measure(gpd.read_file(sources.parent / "bomen.gpkg"), root / "demo")
        scene = measure(gpd.read_file(make_scene(SCENE)["trees"]), root / "scene")
    result.update({f"demo_{k}": v for k, v in demo.items()})
    result.update({f"scene_{k}": v for k, v in scene.items()})
    result["targets_met"] = demo["largest_tile_bytes"] < TARGET_TILE_BYTES and all(
        found["view_884x632_worst_bytes"] < found["whole_bytes"] / 10 for found in (demo, scene)
    )
    return result
