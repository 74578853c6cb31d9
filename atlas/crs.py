"""The coordinate reference systems of the atlas, written once.

Everything is computed in RD New (metres); the web and GeoJSON downloads get WGS 84 longitude/latitude. Inputs may
come in any CRS they declare; :func:`crs_problem` says when their coordinates cannot be in it.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from pyproj import CRS, Transformer
from pyproj.exceptions import ProjError

RD_NEW = "EPSG:28992"
"""Amersfoort / RD New: the Dutch national grid, in metres. Every computation and ``areas.gpkg`` use it."""

WEB = "EPSG:4326"
"""WGS 84 longitude/latitude: the web geometry, the API and GeoJSON downloads (RFC 7946)."""

AREA_OF_USE_MARGIN = 1.0
"""Degrees by which coordinates may lie outside their CRS's area of use (a UTM zone is often used a little beyond)."""

_RD_BOX = (-100_000.0, 250_000.0, 400_000.0, 900_000.0)  # xmin, ymin, xmax, ymax
"""Roughly where RD New coordinates of the Netherlands lie (metres): for the hint in :func:`crs_problem`."""


def crs_problem(crs: Any, bounds: Sequence[float]) -> str | None:
    """Why coordinates within ``bounds`` (xmin, ymin, xmax, ymax) cannot be in ``crs``; None when they can.

    They must be finite and lie inside the area of use pyproj gives for ``crs`` (with a margin of
    :data:`AREA_OF_USE_MARGIN` degrees): RD New coordinates in a file that declares WGS 84, or longitude and latitude
    in a file that declares RD New, are named as a CRS problem here instead of surfacing later as broken geometry.
    """
    crs = CRS.from_user_input(crs)
    label = f"{crs.to_string()} ({crs.name})"
    xmin, ymin, xmax, ymax = (float(b) for b in bounds)
    shown = f"x {xmin:.6g} to {xmax:.6g}, y {ymin:.6g} to {ymax:.6g}"
    if not all(math.isfinite(b) for b in (xmin, ymin, xmax, ymax)):
        return f"CRS problem: the coordinates ({shown}) are not finite numbers in the declared CRS {label}"
    area = crs.area_of_use
    if area is None and crs.to_epsg() is not None:  # a CRS read from WKT (rasterio) may lack its usage
        area = CRS.from_epsg(crs.to_epsg()).area_of_use
    if area is None:
        return None
    if crs.is_geographic:
        west, south, east, north = xmin, ymin, xmax, ymax
    else:
        try:
            to_degrees = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
            west, south, east, north = to_degrees.transform_bounds(xmin, ymin, xmax, ymax, densify_pts=21)
        except ProjError:
            west = south = east = north = math.inf
    m = AREA_OF_USE_MARGIN
    inside = all(math.isfinite(v) for v in (west, south, east, north)) and south >= area.south - m
    inside = inside and north <= area.north + m
    if area.west <= area.east:  # else the area crosses the antimeridian: longitude is not checked
        inside = inside and west >= area.west - m and east <= area.east + m
    if inside:
        return None
    hint = ""
    if crs.is_geographic and _within((xmin, ymin, xmax, ymax), _RD_BOX):
        hint = "; they look like RD New coordinates: declare EPSG:28992"
    elif not crs.is_geographic and _within((xmin, ymin, xmax, ymax), (-180.0, -90.0, 180.0, 90.0)):
        hint = "; they look like longitude and latitude: declare EPSG:4326"
    return (
        f"CRS problem: the coordinates ({shown}) lie outside the area of use of the declared CRS {label}, "
        f"{area.name.rstrip('.')} (longitude {area.west:g} to {area.east:g}, latitude {area.south:g} to "
        f"{area.north:g}){hint or '; is the declared CRS the right one?'}"
    )


def _within(bounds: Sequence[float], box: Sequence[float]) -> bool:
    """Whether ``bounds`` (xmin, ymin, xmax, ymax) lie inside ``box`` (the same order)."""
    return bool(box[0] <= bounds[0] and bounds[2] <= box[2] and box[1] <= bounds[1] and bounds[3] <= box[3])
