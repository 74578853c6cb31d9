"""Polygons to pixel runs: which cells of a raster row have their centre inside each polygon (a scanline).

Every ring edge, oriented upwards in pixel space, covers the rows whose pixel-centre line ``v = row + 0.5`` lies in
``[v0, v1)``. For one strip of rows, the edges crossing it give, for every (polygon, row), the x-crossings at the
centre line; sorted and paired (even-odd rule, so holes and multipolygons need nothing special) they are the runs
``[c0, c1)`` of columns whose centres lie inside: column ``c`` is inside when ``x_a <= c + 0.5 < x_b``. The
half-open rules put a cell centre that lies exactly on an edge shared by two neighbours in one of them only.
Polygons may overlap: each has its own runs. Cost: a few operations per crossing, nothing per pixel.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import shapely
from affine import Affine


@dataclass(frozen=True)
class Edges:
    """Polygon edges in pixel space, oriented so that ``v0 < v1``; ``zone`` is the polygon's position."""

    u0: np.ndarray
    v0: np.ndarray
    slope: np.ndarray
    """du/dv along the edge."""
    r0: np.ndarray
    r1: np.ndarray
    """First row and one past the last row whose pixel-centre line the edge crosses."""
    zone: np.ndarray


def pixel_edges(geoms: np.ndarray, transform: Affine) -> Edges:
    """The non-horizontal edges of every ring of ``geoms`` (polygons in the raster CRS) in pixel space."""
    parts, part_zone = shapely.get_parts(geoms, return_index=True)
    while np.isin(shapely.get_type_id(parts), (4, 5, 6, 7)).any():  # collections inside collections (make_valid)
        parts, inner = shapely.get_parts(parts, return_index=True)
        part_zone = part_zone[inner]
    polygons = shapely.get_type_id(parts) == 3
    parts, part_zone = parts[polygons], part_zone[polygons]
    rings, ring_part = shapely.get_rings(parts, return_index=True)
    coords, coord_ring = shapely.get_coordinates(rings, return_index=True)
    inverse = ~transform
    u = (coords[:, 0] - transform.c) * inverse.a
    v = (coords[:, 1] - transform.f) * inverse.e
    same = coord_ring[1:] == coord_ring[:-1]
    ua, va, ub, vb = u[:-1][same], v[:-1][same], u[1:][same], v[1:][same]
    zone = part_zone[ring_part[coord_ring[:-1][same]]]
    keep = va != vb
    ua, va, ub, vb, zone = ua[keep], va[keep], ub[keep], vb[keep], zone[keep]
    up = va < vb
    u0, v0 = np.where(up, ua, ub), np.where(up, va, vb)
    u1, v1 = np.where(up, ub, ua), np.where(up, vb, va)
    slope = (u1 - u0) / (v1 - v0)
    r0 = np.ceil(v0 - 0.5).astype(np.int64)
    r1 = np.ceil(v1 - 0.5).astype(np.int64)
    crosses = r1 > r0
    return Edges(u0[crosses], v0[crosses], slope[crosses], r0[crosses], r1[crosses], zone[crosses].astype(np.int64))


def strip_edges(edges: Edges, row0: int, height: int, n_strips: int) -> Iterator[tuple[int, np.ndarray]]:
    """For every strip (in order), the indices of the edges that cross one of its rows."""
    first = np.clip((edges.r0 - row0) // height, 0, n_strips - 1)
    last = np.clip((edges.r1 - 1 - row0) // height, 0, n_strips - 1)
    inside = (edges.r1 > row0) & (edges.r0 < row0 + n_strips * height)
    index = np.flatnonzero(inside)
    first, last = first[inside], last[inside]
    count = last - first + 1
    edge = np.repeat(index, count)
    offset = np.arange(len(edge)) - np.repeat(np.cumsum(count) - count, count)
    strip = np.repeat(first, count) + offset
    order = np.argsort(strip, kind="stable")
    edge, strip = edge[order], strip[order]
    bounds = np.searchsorted(strip, np.arange(n_strips + 1))
    for s in range(n_strips):
        yield s, edge[bounds[s] : bounds[s + 1]]


def strip_runs(
    edges: Edges, chosen: np.ndarray, row_lo: int, row_hi: int, col_lo: int, col_hi: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Runs ``(zone, row, c0, c1)`` of pixel centres inside each zone for rows ``[row_lo, row_hi)``.

    Rows and columns are relative to ``row_lo`` and ``col_lo``; columns are clipped to ``[col_lo, col_hi)``.
    """
    lo = np.maximum(edges.r0[chosen], row_lo)
    hi = np.minimum(edges.r1[chosen], row_hi)
    count = np.maximum(hi - lo, 0)
    edge = np.repeat(chosen, count)
    row = np.repeat(lo, count) + (np.arange(len(edge)) - np.repeat(np.cumsum(count) - count, count))
    x = edges.u0[edge] + (row + 0.5 - edges.v0[edge]) * edges.slope[edge]
    zone = edges.zone[edge]
    order = crossing_order(zone, row - row_lo, x)
    x, row, zone = x[order], row[order], zone[order]
    start = np.clip(np.ceil(x[0::2] - 0.5), col_lo, col_hi).astype(np.int64) - col_lo
    stop = np.clip(np.ceil(x[1::2] - 0.5), col_lo, col_hi).astype(np.int64) - col_lo
    row, zone = row[0::2] - row_lo, zone[0::2]
    keep = stop > start
    return zone[keep], row[keep], start[keep], stop[keep]


_RADIX = 1 << 16
"""Below this, zones and rows are sorted as uint16 keys: numpy radix-sorts those, in linear time."""


def crossing_order(zone: np.ndarray, row: np.ndarray, x: np.ndarray) -> np.ndarray:
    """The order of the crossings by zone, row and x (``row`` counted from 0 within the strip).

    Each (zone, row) has an even number of crossings, most often two: the crossings are grouped with two
    stable radix sorts, pairs are put in order by one comparison, and only the larger groups are sorted by x.
    """
    if len(x) == 0 or zone.max() >= _RADIX or row.max() >= _RADIX:
        return np.lexsort((x, row, zone))
    order = np.argsort(row.astype(np.uint16), kind="stable")
    order = order[np.argsort(zone[order].astype(np.uint16), kind="stable")]
    z, r, xs = zone[order], row[order], x[order]
    first = np.flatnonzero(np.concatenate([[True], (z[1:] != z[:-1]) | (r[1:] != r[:-1])]))
    size = np.diff(np.append(first, len(x)))
    pair = first[size == 2]
    swap = pair[xs[pair] > xs[pair + 1]]
    order[swap], order[swap + 1] = order[swap + 1], order[swap]
    larger = size > 2
    if larger.any():
        members = np.flatnonzero(np.repeat(larger, size))
        group = np.repeat(np.arange(len(first)), size)[members]
        order[members] = order[members[np.lexsort((xs[members], group))]]
    return order
