"""Write a canopy GeoTIFF from crown polygons, strip by strip (demo and benchmark scenes).

The raster is a 0/1 mask (``uint8``; 255 = nodata outside ``valid``), tiled and DEFLATE-compressed like the
canopy products municipalities receive. It is written strip by strip, so memory stays bounded whatever the
resolution; the bytes depend only on the inputs (no timestamps). A cell is canopy when its centre lies in a
crown: the same pixel runs the canopy computation uses (:func:`atlas.pipeline.groen.scanline.strip_runs`), painted
with a difference array, which is much faster than rasterising tens of thousands of small polygons one by one.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import rasterio
from rasterio.transform import from_origin
from rasterio.windows import Window
from shapely.geometry.base import BaseGeometry

from atlas.crs import RD_NEW
from atlas.pipeline.groen.scanline import Edges, pixel_edges, strip_edges, strip_runs

NODATA = 255
BLOCK = 512


def write_canopy_tif(
    path: Path,
    crowns: np.ndarray,
    bounds: tuple[float, float, float, float],
    resolution: float,
    *,
    valid: BaseGeometry | None = None,
    crs: str = RD_NEW,
    strip_rows: int = BLOCK,
) -> Path:
    """Rasterise ``crowns`` (polygons, ``crs``) at ``resolution`` over ``bounds``; nodata outside ``valid``."""
    xmin, ymin, xmax, ymax = bounds
    width = round((xmax - xmin) / resolution)
    height = round((ymax - ymin) / resolution)
    transform = from_origin(xmin, ymax, resolution, resolution)
    edges = pixel_edges(np.asarray(crowns, dtype=object), transform)
    valid_edges = pixel_edges(np.array([valid], dtype=object), transform) if valid is not None else None
    profile = {
        "driver": "GTiff",
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "uint8",
        "crs": crs,
        "transform": transform,
        "nodata": NODATA,
        "tiled": True,
        "blockxsize": BLOCK,
        "blockysize": BLOCK,
        "compress": "deflate",
        "zlevel": 1,
    }
    with rasterio.Env(GDAL_CACHEMAX=64), rasterio.open(path, "w", **profile) as ds:
        n_strips = -(-height // strip_rows)
        valid_strips = strip_edges(valid_edges, 0, strip_rows, n_strips) if valid_edges is not None else None
        for s, chosen in strip_edges(edges, 0, strip_rows, n_strips):
            top = s * strip_rows
            rows = min(strip_rows, height - top)
            data = _paint(edges, chosen, top, rows, width)
            if valid_strips is not None and valid_edges is not None:
                _, valid_chosen = next(valid_strips)
                data[_paint(valid_edges, valid_chosen, top, rows, width) == 0] = NODATA
            ds.write(data, 1, window=Window(0, top, width, rows))
    return path


def _paint(edges: Edges, chosen: np.ndarray, top: int, rows: int, width: int) -> np.ndarray:
    """1 where a pixel centre of rows ``[top, top + rows)`` lies in any of the polygons, else 0."""
    data = np.zeros((rows, width), dtype=np.uint8)
    if len(chosen) == 0:
        return data
    _, row, start, stop = strip_runs(edges, chosen, top, top + rows, 0, width)
    diff = np.zeros((rows, width + 1), dtype=np.int32)
    np.add.at(diff, (row, start), 1)
    np.add.at(diff, (row, stop), -1)
    np.cumsum(diff, axis=1, out=diff)
    data[diff[:, :width] > 0] = 1
    return data
