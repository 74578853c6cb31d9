"""Importers of the groen inputs: tree points, park polygons, address points (pyogrio) and the canopy raster.

Vector files may be in any CRS that their file declares; they are reprojected to the CRS the computation asks
for (EPSG:28992 in the build). Problems raise :class:`~atlas.errors.SourcesError` naming the file, the 1-based
feature number (``row``) and the column (``field``).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pyproj
import rasterio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError
from rasterio.errors import RasterioIOError

from atlas.crs import RD_NEW, crs_problem
from atlas.errors import SourcesError
from atlas.sources.addresses import read_address_fields
from atlas.sources.spec.groen import CanopyInput, VectorInput

_POINT, _POLYGON, _MULTIPOLYGON = 0, 3, 6  # shapely type ids


Bounds = tuple[float, float, float, float]
"""``xmin, ymin, xmax, ymax`` in EPSG:28992."""


def _file_bbox(vector: VectorInput, bounds: Bounds) -> tuple[Bounds, int]:
    """``bounds`` (EPSG:28992) in the file's own CRS, and the feature id of its first feature (GeoPackages count
    from 1, shapefiles from 0), so a feature id gives the 1-based feature number errors name."""
    info = pyogrio.read_info(vector.path, layer=vector.layer)
    crs = info.get("crs")
    box = bounds
    if crs and not pyproj.CRS.from_user_input(crs).equals(pyproj.CRS.from_user_input(RD_NEW)):
        box = pyproj.Transformer.from_crs(RD_NEW, crs, always_xy=True).transform_bounds(*bounds, densify_pts=21)
    first = pyogrio.read_dataframe(
        vector.path, layer=vector.layer, columns=[], read_geometry=False, max_features=1, fid_as_index=True
    )
    return box, int(first.index[0]) if len(first) else 0


def _read(vector: VectorInput, entry: str, bounds: Bounds | None = None) -> gpd.GeoDataFrame:
    """The file's features; with ``bounds`` (EPSG:28992) only those whose extent meets them (the file's spatial
    index finds them), their feature numbers kept in ``attrs["rows"]`` for :func:`_rows`."""
    try:
        if bounds is None:
            frame = pyogrio.read_dataframe(vector.path, layer=vector.layer, use_arrow=True)
        else:
            box, first = _file_bbox(vector, bounds)
            frame = pyogrio.read_dataframe(vector.path, layer=vector.layer, bbox=box, fid_as_index=True, use_arrow=True)
            rows = frame.index.to_numpy(dtype=np.int64) - first + 1
            frame = frame.reset_index(drop=True)
            frame.attrs["rows"] = rows
    except (DataSourceError, DataLayerError) as exc:
        raise SourcesError(
            f"cannot read: {exc}", file=vector.path, entry=entry, field="layer" if vector.layer else None
        ) from None
    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        raise SourcesError("has no geometry", file=vector.path, entry=entry)
    if frame.crs is None:
        raise SourcesError("declares no coordinate reference system (CRS)", file=vector.path, entry=entry)
    return frame


def to_crs(frame: gpd.GeoDataFrame, crs: Any, vector: VectorInput, entry: str) -> gpd.GeoDataFrame:
    """``frame`` in ``crs``; coordinates outside the area of use of the file's CRS (or of ``crs``) are an error."""
    if frame.empty:
        return frame.to_crs(crs)
    problem = crs_problem(frame.crs, frame.total_bounds)
    out = frame.to_crs(crs) if problem is None else frame
    if problem is None and not out.crs.equals(frame.crs):
        problem = crs_problem(out.crs, out.total_bounds)
        problem = problem and f"after reprojection from {frame.crs.to_string()} to {out.crs.to_string()}: {problem}"
    if problem is not None:
        raise SourcesError(problem, file=vector.path, entry=entry, field="geometry")
    return out


def _rows(frame: pd.DataFrame) -> np.ndarray:
    """The 1-based feature number of each row of a frame :func:`_read` returned."""
    rows = frame.attrs.get("rows")
    return np.asarray(rows) if rows is not None else np.arange(1, len(frame) + 1)


@contextlib.contextmanager
def _file_rows(frame: pd.DataFrame) -> Iterator[None]:
    """Errors raised inside name the feature number in the file, also when only part of it was read."""
    try:
        yield
    except SourcesError as exc:
        rows = frame.attrs.get("rows")
        if rows is None or exc.row is None:
            raise
        raise SourcesError(
            exc.message, file=exc.file, entry=exc.entry, row=int(rows[exc.row - 1]), field=exc.field
        ) from None


def _first_bad(mask: np.ndarray) -> int:
    return int(np.flatnonzero(mask)[0]) + 1


def read_points(
    vector: VectorInput,
    entry: str,
    crs: Any = RD_NEW,
    *,
    addresses: bool = False,
    text: Sequence[str] = (),
    bounds: Bounds | None = None,
) -> gpd.GeoDataFrame:
    """Points (trees, addresses) as ``row`` (feature number), optional ``residents`` and geometry in ``crs``;
    with ``addresses`` also the BAG fields the file has (:func:`~atlas.sources.addresses.read_address_fields`), and
    the columns ``text`` as stripped text (empty where missing; a column the file lacks is an error naming it).

    Multipoints with one point are accepted; empty geometries and other types are an error naming the row.
    ``bounds`` (EPSG:28992): only the points within (a partition of a build, :mod:`atlas.pipeline.partition`).
    """
    frame = _read(vector, entry, bounds)
    with _file_rows(frame):
        return _points(frame, vector, entry, crs, addresses=addresses, text=text)


def _points(
    frame: gpd.GeoDataFrame, vector: VectorInput, entry: str, crs: Any, *, addresses: bool, text: Sequence[str]
) -> gpd.GeoDataFrame:
    geoms = np.asarray(frame.geometry.values)  # a plain array: shapely's functions skip pandas' dispatch
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise SourcesError("has no point", file=vector.path, entry=entry, row=_first_bad(missing), field="geometry")
    types = shapely.get_type_id(geoms)
    single = (types == 4) & (shapely.get_num_geometries(geoms) == 1)
    if single.any():  # only those: taking the first part of every point would copy them all
        geoms = geoms.copy()
        geoms[single] = shapely.get_geometry(geoms[single], 0)
    bad = shapely.get_type_id(geoms) != _POINT
    if bad.any():
        row = _first_bad(bad)
        kind = shapely.get_type_id(geoms[row - 1])
        raise SourcesError(
            f"must be a point, got {shapely.GeometryType(kind).name.lower()}",
            file=vector.path,
            entry=entry,
            row=row,
            field="geometry",
        )
    out = gpd.GeoDataFrame({"row": _rows(frame)}, geometry=geoms, crs=frame.crs)
    for column in text:
        out[column] = text_column(frame, column, vector.path, entry)
    if vector.residents is not None:
        out["residents"] = _residents(frame, vector, entry)
    fields = read_address_fields(frame, vector, entry) if addresses else None
    if fields is not None:
        for column in fields.columns:
            out[column] = fields[column].array
    return to_crs(out, crs, vector, entry)


def text_column(frame: pd.DataFrame, column: str, path: Any, entry: str) -> np.ndarray:
    """Column ``column`` of ``frame`` as stripped text ('' where missing); an error naming it when absent."""
    if column not in frame.columns:
        geometry = getattr(frame, "_geometry_column_name", None)
        present = ", ".join(str(c) for c in frame.columns if c != geometry)
        raise SourcesError(f"no such column (columns: {present})", file=path, entry=entry, field=column)
    return frame[column].astype("string").fillna("").str.strip().to_numpy(dtype=object)


def _residents(frame: pd.DataFrame, vector: VectorInput, entry: str) -> np.ndarray:
    column = vector.residents
    assert column is not None
    if column not in frame.columns:
        present = ", ".join(str(c) for c in frame.columns if c != frame.geometry.name)
        raise SourcesError(f"no such column (columns: {present})", file=vector.path, entry=entry, field=column)
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values) | (values < 0)
    if bad.any():
        row = _first_bad(bad)
        raise SourcesError(
            f"must be a number of residents >= 0, got {frame[column].iloc[row - 1]!r}",
            file=vector.path,
            entry=entry,
            row=row,
            field=column,
        )
    return values


def read_polygons(
    vector: VectorInput, entry: str, crs: Any = RD_NEW, *, bounds: Bounds | None = None
) -> gpd.GeoDataFrame:
    """Polygons (parks) as ``row`` and valid geometry in ``crs``; other geometry types are an error. ``bounds``
    (EPSG:28992): only the polygons whose extent meets them."""
    frame = _read(vector, entry, bounds)
    with _file_rows(frame):
        return _polygons(frame, vector, entry, crs)


def _polygons(frame: gpd.GeoDataFrame, vector: VectorInput, entry: str, crs: Any) -> gpd.GeoDataFrame:
    geoms = frame.geometry.values
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        raise SourcesError("has no polygon", file=vector.path, entry=entry, row=_first_bad(missing), field="geometry")
    bad = ~np.isin(shapely.get_type_id(geoms), (_POLYGON, _MULTIPOLYGON))
    if bad.any():
        row = _first_bad(bad)
        kind = shapely.GeometryType(shapely.get_type_id(geoms[row - 1])).name.lower()
        raise SourcesError(f"must be a polygon, got {kind}", file=vector.path, entry=entry, row=row, field="geometry")
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    out = gpd.GeoDataFrame({"row": _rows(frame)}, geometry=geoms, crs=frame.crs)
    return to_crs(out, crs, vector, entry)


@dataclass(frozen=True)
class RasterInfo:
    """What :func:`check_canopy` found: size, CRS, pixel size and nodata of the canopy raster."""

    width: int
    height: int
    crs: str
    res: tuple[float, float]
    nodata: float | None
    dtype: str


def check_canopy(canopy: CanopyInput, entry: str = "groen.canopy") -> RasterInfo:
    """Open the canopy raster with rasterio (headers only) and check it can be used."""
    try:
        with rasterio.open(canopy.path) as ds:
            if ds.crs is None:
                raise SourcesError("declares no coordinate reference system (CRS)", file=canopy.path, entry=entry)
            if canopy.band > ds.count:
                raise SourcesError(
                    f"has {ds.count} band(s), no band {canopy.band}", file=canopy.path, entry=entry, field="band"
                )
            if ds.transform.b != 0 or ds.transform.d != 0:
                raise SourcesError("is rotated; warp it to a north-up grid first", file=canopy.path, entry=entry)
            dtype = ds.dtypes[canopy.band - 1]
            if dtype.startswith("complex"):
                raise SourcesError(f"has complex values ({dtype})", file=canopy.path, entry=entry)
            problem = crs_problem(ds.crs, tuple(ds.bounds))
            if problem is not None:
                raise SourcesError(problem, file=canopy.path, entry=entry)
            nodata = ds.nodatavals[canopy.band - 1]
            if nodata == 0:
                raise SourcesError(
                    "declares nodata = 0, but 0 means 'no canopy' here: those cells would be left out and every "
                    "area would read 100 %. Give the raster another nodata value (gdal_edit.py -a_nodata 255) "
                    "or none (gdal_edit.py -unsetnodata)",
                    file=canopy.path,
                    entry=entry,
                )
            return RasterInfo(ds.width, ds.height, ds.crs.to_string(), ds.res, nodata, dtype)
    except RasterioIOError as exc:
        raise SourcesError(f"not a readable raster: {exc}", file=canopy.path, entry=entry, field="path") from None
