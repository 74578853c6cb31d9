"""GeoJSON text of a layer, written without a Python dict per feature.

:meth:`geopandas.GeoDataFrame.to_json` builds a dict for every feature and asks shapely for each geometry's
``__geo_interface__``: for the 100 000 trees of a sixteen-gemeente build that took a second and a half, the largest
single cost of writing the artifact. :func:`feature_collection` writes the same text (byte for byte, as
``to_json(drop_id=True)`` with its defaults) from whole columns: a point's coordinates come from one
:func:`shapely.get_coordinates` call, properties from one conversion of the property columns. Other geometry types,
and points that ``to_json`` would write otherwise (3D, empty, not finite), go through shapely's mapping as before.
"""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from shapely.geometry import mapping

_POINT = 0  # shapely type id


def _properties(frame: gpd.GeoDataFrame) -> list[str]:
    """Each row's properties as JSON, converted as :meth:`~geopandas.GeoDataFrame.iterfeatures` converts them:
    Python scalars (``astype(object)``), missing values as null."""
    columns = frame.columns.drop(frame.geometry.name)
    if not len(columns):
        return ["{}"] * len(frame)
    values = frame[columns].astype(object)
    values[pd.isna(frame[columns]).to_numpy()] = None
    dumps = json.dumps
    return [dumps(dict(zip(columns, row, strict=True))) for row in values.to_numpy()]


def _geometries(geometry: np.ndarray) -> list[str]:
    """Each geometry as JSON: plain 2D points formatted directly (``repr`` of a float is what :mod:`json` writes),
    anything else through :func:`shapely.geometry.mapping`; missing and empty geometries as null."""
    out: list[str] = ["null"] * len(geometry)
    present = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    plain = present & (shapely.get_type_id(geometry) == _POINT) & ~shapely.has_z(geometry)
    points = np.flatnonzero(plain)
    coords = shapely.get_coordinates(geometry[points])
    finite = np.isfinite(coords).all(axis=1)
    for i, (x, y) in zip(points[finite].tolist(), coords[finite].tolist(), strict=True):
        out[i] = f'{{"type": "Point", "coordinates": [{x!r}, {y!r}]}}'
    plain[points[~finite]] = False
    for i in np.flatnonzero(present & ~plain).tolist():
        out[i] = json.dumps(mapping(geometry[i]))
    return out


_BARE_POINT = '{"type": "Feature", "properties": {}, "geometry": {"type": "Point", "coordinates": '


def _bare_points(geometry: np.ndarray) -> str | None:
    """The features of a layer of plain 2D points without properties (the trees), or None for any other layer.

    :mod:`json` writes all coordinate pairs in one call (in C; the same float text as ``repr``) and the text of a
    feature goes between the pairs: the layer with by far the most features costs no Python per point."""
    if not len(geometry):
        return None
    plain = ~(shapely.is_missing(geometry) | shapely.is_empty(geometry))
    plain &= (shapely.get_type_id(geometry) == _POINT) & ~shapely.has_z(geometry)
    if not plain.all():
        return None
    coords = shapely.get_coordinates(geometry)
    if not np.isfinite(coords).all():
        return None
    pairs = json.dumps(coords.tolist())[1:-1]  # "[x, y], [x, y], ..."
    return _BARE_POINT + pairs.replace("], [", "]}}, " + _BARE_POINT + "[") + "}}"


def feature_collection(frame: gpd.GeoDataFrame) -> str:
    """``frame.to_json(drop_id=True)`` for a layer in EPSG:4326 (no ``crs`` member); other layers are handed to
    geopandas itself, which adds one."""
    if frame.crs is not None and not frame.crs.equals("epsg:4326"):
        return frame.to_json(drop_id=True)
    geometry = np.asarray(frame.geometry.values)
    bare = _bare_points(geometry) if len(frame.columns) == 1 else None
    if bare is not None:
        return f'{{"type": "FeatureCollection", "features": [{bare}]}}'
    properties = _properties(frame)
    geometries = _geometries(geometry)
    features = ", ".join(
        f'{{"type": "Feature", "properties": {p}, "geometry": {g}}}'
        for p, g in zip(properties, geometries, strict=True)
    )
    return f'{{"type": "FeatureCollection", "features": [{features}]}}'
