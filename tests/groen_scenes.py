"""Hand-built groen scenes for the tests: rasters and vector files written in the real formats."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import rasterio
import shapely
from rasterio.transform import from_origin

X0, Y0 = 150_000.0, 450_000.0
"""Top-left corner of the test rasters (RD New)."""


def write_tif(
    path: Path,
    data: np.ndarray,
    *,
    x0: float = X0,
    y0: float = Y0,
    res: float = 1.0,
    crs: Any = "EPSG:28992",
    nodata: float | None = 255,
    block: int = 16,
) -> Path:
    profile: dict[str, Any] = {
        "driver": "GTiff",
        "width": data.shape[1],
        "height": data.shape[0],
        "count": 1,
        "dtype": data.dtype.name,
        "crs": crs,
        "transform": from_origin(x0, y0, res, res),
        "nodata": nodata,
        "compress": "deflate",
    }
    if data.shape[0] >= block and data.shape[1] >= block:
        profile.update(tiled=True, blockxsize=block, blockysize=block)
    with rasterio.open(path, "w", **profile) as ds:
        ds.write(data, 1)
    return path


def squares(n: int, size: float, *, x0: float = X0, y0: float = Y0) -> gpd.GeoDataFrame:
    """``n`` × ``n`` square areas of ``size`` metres below and right of (x0, y0), codes ``A0, A1, ...``."""
    boxes, codes = [], []
    for i in range(n):
        for j in range(n):
            boxes.append(shapely.box(x0 + j * size, y0 - (i + 1) * size, x0 + (j + 1) * size, y0 - i * size))
            codes.append(f"A{i * n + j}")
    return gpd.GeoDataFrame({"code": codes}, geometry=boxes, crs="EPSG:28992")


def pixel_centre_cover(
    geoms: np.ndarray, data: np.ndarray, *, nodata: float | None = 255, res: float = 1.0
) -> np.ndarray:
    """Brute force: canopy % of each polygon over the valid cells whose centre it contains (mask raster)."""
    rows, cols = np.mgrid[0 : data.shape[0], 0 : data.shape[1]]
    x = X0 + (cols.ravel() + 0.5) * res
    y = Y0 - (rows.ravel() + 0.5) * res
    flat = data.ravel().astype(np.float64)
    valid = np.ones(flat.shape, dtype=bool) if nodata is None else flat != nodata
    out = []
    for geom in geoms:
        inside = shapely.contains_xy(geom, x, y) & valid
        out.append(100.0 * flat[inside].sum() / inside.sum() if inside.any() else np.nan)
    return np.array(out)


def write_points(path: Path, xy: np.ndarray, crs: Any = "EPSG:28992", **columns: Any) -> Path:
    frame = gpd.GeoDataFrame(dict(columns), geometry=shapely.points(np.asarray(xy, dtype=float)), crs="EPSG:28992")
    frame.to_crs(crs).to_file(path, driver="GPKG")
    return path


def write_polygons(path: Path, polygons: list[Any], crs: Any = "EPSG:28992") -> Path:
    frame = gpd.GeoDataFrame({"naam": [f"p{i}" for i in range(len(polygons))]}, geometry=polygons, crs="EPSG:28992")
    frame.to_crs(crs).to_file(path, driver="GPKG")
    return path
