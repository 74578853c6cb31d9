"""The 2-22-200 criteria per address, and their resident-weighted shares per area.

Per address (all in one metric CRS, EPSG:28992 in the build):

- ``code``: the area it lies in: candidate areas by bounding box (:class:`shapely.STRtree`), then an exact test
  against the prepared polygons (:func:`shapely.intersects_xy`);
- ``trees``: the number of trees within ``trees_radius_m`` (distance <= radius), counted by a
  :class:`scipy.spatial.cKDTree` ball query;
- ``canopy_pct``: the canopy cover of the address's area at ``canopy_level`` (from :mod:`.canopy`);
- ``park_m``: the Euclidean distance to the nearest park of at least ``park_min_area_m2`` (0 inside a park):
  candidate parks by their bounding box widened by ``park_max_distance_m``, then exact distances only where
  the box distance shows the park can be the nearest (:class:`_NearestPolygon`); ``inf`` when no such park
  lies that close.

``trees_ok``, ``canopy_ok``, ``park_ok`` and ``all_ok`` say whether each criterion (and all three) is met;
``canopy_known`` is False where the canopy cover of the address's area is unknown (missing: the raster does not
cover it), and then neither ``canopy_ok`` nor ``all_ok`` counts in the shares (:func:`area_shares`). One
address's result depends only on its own position and the trees, parks and canopy: moving it changes no other.
That also makes the addresses independent work: the tree counts and park distances are split over ``workers``
threads (the indexes are built once and shared; shapely and scipy release the GIL while they query). Locating
the addresses stays in the calling thread: it uses prepared polygons, which GEOS does not let threads share.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from atlas.errors import BuildError
from atlas.pipeline.aggregate import MIN_COVERAGE
from atlas.pipeline.groen.workers import thread_count
from atlas.sources.spec.groen import GroenParams

CRITERIA = {
    "groen_2bomen": "trees_ok",
    "groen_22kroon": "canopy_ok",
    "groen_200park": "park_ok",
    "groen_2_22_200": "all_ok",
}
"""Indicator id -> per-address column."""
CANOPY_CRITERIA = frozenset({"canopy_ok", "all_ok"})
"""The criteria that need the canopy cover of the address's area: unknown where that cover is missing."""
MIN_CHUNK = 5_000
"""Addresses per thread at least: below that, a thread costs more than it saves."""


class _Locator:
    """Which area each point lies in. Its polygons are prepared, so it is used from one thread only."""

    def __init__(self, areas: gpd.GeoDataFrame) -> None:
        self.polygons = np.array(areas.geometry.values, dtype=object)
        shapely.prepare(self.polygons)
        self.tree = shapely.STRtree(self.polygons)
        self.codes = areas["code"].astype(str).to_numpy(dtype=object)

    def __call__(self, points: np.ndarray) -> np.ndarray:
        """The ``code`` per point ("" outside every area; the first area on a shared edge)."""
        point_idx, area_idx = self.tree.query(points)
        xy = shapely.get_coordinates(points[point_idx])
        inside = shapely.intersects_xy(self.polygons[area_idx], xy[:, 0], xy[:, 1])
        point_idx, area_idx = point_idx[inside], area_idx[inside]
        order = np.lexsort((area_idx, point_idx))
        point_idx, area_idx = point_idx[order], area_idx[order]
        first = np.ones(len(point_idx), dtype=bool)
        first[1:] = point_idx[1:] != point_idx[:-1]
        codes = np.full(len(points), "", dtype=object)
        codes[point_idx[first]] = self.codes[area_idx[first]]
        return codes


def locate(points: np.ndarray, areas: gpd.GeoDataFrame) -> np.ndarray:
    """The ``code`` of the area each point lies in ("" outside every area; the first area on a shared edge)."""
    return _Locator(areas)(np.asarray(points, dtype=object))


class _TreeCounter:
    """How many target points lie within a radius (inclusive) of each point."""

    def __init__(self, targets: np.ndarray, radius: float) -> None:
        xy = shapely.get_coordinates(targets)
        # larger leaves and no balancing: faster to build and to query for points spread like trees
        self.tree = cKDTree(xy, leafsize=64, balanced_tree=False, compact_nodes=False) if len(xy) else None
        self.radius = radius

    def __call__(self, points: np.ndarray) -> np.ndarray:
        if self.tree is None or len(points) == 0:
            return np.zeros(len(points), dtype=np.int64)
        counts = self.tree.query_ball_point(shapely.get_coordinates(points), self.radius, return_length=True)
        return np.asarray(counts, dtype=np.int64)


class _NearestPolygon:
    """Distance to the nearest polygon up to a maximum (0 inside one, ``inf`` beyond the maximum).

    Candidates are the polygons whose bounding box, widened by the maximum, holds the point (one query of a
    tree of widened boxes, no distances). The distance to a polygon is at least the distance to its box, so per
    point only the candidate nearest by box is measured first, and then only those whose box is nearer than
    that distance and within the maximum: a fraction of the exact distances a ``dwithin`` query computes.
    """

    def __init__(self, polygons: np.ndarray, max_distance: float) -> None:
        self.polygons = np.asarray(polygons, dtype=object)
        self.max_distance = max_distance
        self.bounds = shapely.bounds(self.polygons).reshape(-1, 4)
        widened = shapely.box(*(self.bounds + np.array([-1, -1, 1, 1]) * max_distance).T)
        self.tree = shapely.STRtree(widened) if len(self.polygons) else None

    def __call__(self, points: np.ndarray) -> np.ndarray:
        distance = np.full(len(points), np.inf)
        if self.tree is None or len(points) == 0:
            return distance
        point_idx, polygon_idx = self.tree.query(points)
        if (point_idx[1:] < point_idx[:-1]).any():  # shapely returns them by point; not promised, so checked
            order = np.argsort(point_idx, kind="stable")
            point_idx, polygon_idx = point_idx[order], polygon_idx[order]
        xy = shapely.get_coordinates(points)[point_idx]
        box = self.bounds[polygon_idx]
        dx = np.maximum(np.maximum(box[:, 0] - xy[:, 0], xy[:, 0] - box[:, 2]), 0.0)
        dy = np.maximum(np.maximum(box[:, 1] - xy[:, 1], xy[:, 1] - box[:, 3]), 0.0)
        to_box = np.hypot(dx, dy)
        close = to_box <= self.max_distance
        point_idx, polygon_idx, to_box = point_idx[close], polygon_idx[close], to_box[close]
        if len(point_idx) == 0:
            return distance
        first = np.flatnonzero(np.concatenate([[True], point_idx[1:] != point_idx[:-1]]))
        nearest_box = np.repeat(np.minimum.reduceat(to_box, first), np.diff(np.append(first, len(point_idx))))
        candidate = np.flatnonzero(to_box == nearest_box)
        chosen = candidate[np.concatenate([[True], point_idx[candidate[1:]] != point_idx[candidate[:-1]]])]
        distance[point_idx[chosen]] = self._measure(points, point_idx[chosen], polygon_idx[chosen])
        others = to_box < distance[point_idx]
        others[chosen] = False
        if others.any():
            measured = self._measure(points, point_idx[others], polygon_idx[others])
            np.minimum.at(distance, point_idx[others], measured)
        distance[distance > self.max_distance] = np.inf
        return distance

    def _measure(self, points: np.ndarray, point_idx: np.ndarray, polygon_idx: np.ndarray) -> np.ndarray:
        return np.asarray(shapely.distance(points[point_idx], self.polygons[polygon_idx]), dtype=np.float64)


def _metric(frame: gpd.GeoDataFrame, what: str, crs: object) -> gpd.GeoDataFrame:
    if frame.crs is None:
        raise BuildError(f"the {what} have no CRS")
    return frame.to_crs(crs) if frame.crs != crs else frame


def groen_per_address(
    addresses: gpd.GeoDataFrame,
    trees: gpd.GeoDataFrame,
    parks: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    canopy: pd.Series,
    params: GroenParams | None = None,
    *,
    workers: int | None = None,
) -> gpd.GeoDataFrame:
    """The 2-22-200 criteria for every address.

    ``areas`` are the areas at ``params.canopy_level`` (column ``code``) and ``canopy`` their cover in percent
    indexed by code (:func:`atlas.canopy_cover`). Everything is taken to the CRS of ``areas``, which must be
    projected in metres. Residents come from a ``residents`` column (each address counts 1 without one).
    Returns the addresses with ``code``, ``residents``, ``trees``, ``canopy_pct``, ``park_m`` and the four
    ``*_ok`` columns. ``workers``: threads to spread the addresses over (default: the CPUs this process may use,
    at most :data:`~atlas.pipeline.groen.workers.MAX_DEFAULT`; at least :data:`MIN_CHUNK` addresses each).
    The trees are points (their coordinates are used).
    """
    params = params or GroenParams()
    crs = areas.crs
    if crs is None or not crs.is_projected:
        raise BuildError("the areas must be in a projected CRS in metres (such as EPSG:28992)")
    addresses = _metric(addresses, "addresses", crs)
    points = addresses.geometry.values
    tree_points = _metric(trees, "trees", crs).geometry.values
    park_shapes = np.asarray(_metric(parks, "parks", crs).geometry.values, dtype=object)
    big_parks = park_shapes[shapely.area(park_shapes) >= params.park_min_area_m2]

    # in this thread: GEOS prepared geometries are not safe to share between threads (libgeos/geos#825)
    code = _Locator(areas)(np.asarray(points, dtype=object))
    counter = _TreeCounter(tree_points, params.trees_radius_m)
    nearest = _NearestPolygon(big_parks, params.park_max_distance_m)

    def criteria(part: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        return counter(part), nearest(part)

    n_workers = thread_count(len(points), workers, MIN_CHUNK)
    parts = np.array_split(np.asarray(points, dtype=object), n_workers)
    if n_workers == 1:
        results = [criteria(parts[0])]
    else:
        with ThreadPoolExecutor(n_workers) as pool:
            results = list(pool.map(criteria, parts))
    n_trees, park_m = (np.concatenate(columns) for columns in zip(*results, strict=True))
    residents = (
        addresses["residents"].to_numpy(dtype=np.float64) if "residents" in addresses.columns else np.ones(len(points))
    )
    position = pd.Index(canopy.index.astype(str)).get_indexer(code)
    cover = np.where(position >= 0, canopy.to_numpy(dtype=np.float64)[position], np.nan)
    out = gpd.GeoDataFrame(
        {
            "code": code,
            "residents": residents,
            "trees": n_trees,
            "canopy_pct": cover,
            "park_m": park_m,
            "trees_ok": n_trees >= params.trees_min,
            "canopy_ok": np.nan_to_num(cover, nan=-1.0) >= params.canopy_min_pct,
            "canopy_known": ~np.isnan(cover),
            "park_ok": park_m <= params.park_max_distance_m,
        },
        geometry=points,
        crs=crs,
        index=addresses.index,
    )
    out["all_ok"] = out.trees_ok & out.canopy_ok & out.park_ok
    return out


def area_shares(per_address: pd.DataFrame, area_of: dict[str, np.ndarray]) -> pd.DataFrame:
    """Resident-weighted % of addresses meeting each criterion, per area of every level.

    ``area_of[level]`` gives each address's area code at that level ("" = none). Returns ``indicator, code,
    level, value, n, addresses`` with ``n`` the residents counted; areas without residents are left out (missing).
    Addresses whose canopy is unknown (``canopy_known`` False) are not counted for the canopy criteria; an area
    where the residents counted are fewer than :data:`~atlas.pipeline.aggregate.MIN_COVERAGE` of its residents
    gets a missing value (NaN), never a share of the rest.
    """
    frames = []
    residents = per_address["residents"].to_numpy(dtype=np.float64)
    canopy_known = (
        per_address["canopy_known"].to_numpy(dtype=bool)
        if "canopy_known" in per_address.columns
        else np.ones(len(per_address), dtype=bool)
    )
    for level, codes in area_of.items():
        inside = codes != ""
        if not inside.any():
            continue
        # one group-by per level for every criterion (the group-by's own sums, so the same numbers as one each)
        base = {"code": codes[inside], "residents": residents[inside]}
        for i, column in enumerate(CRITERIA.values()):
            ok = per_address[column].to_numpy(dtype=bool)[inside]
            known = canopy_known[inside] if column in CANOPY_CRITERIA else np.ones(len(ok), dtype=bool)
            base[f"met_{i}"] = np.where(ok & known, base["residents"], 0.0)
            base[f"counted_{i}"] = np.where(known, base["residents"], 0.0)
        sums = {f"{kind}_{i}": (f"{kind}_{i}", "sum") for i in range(len(CRITERIA)) for kind in ("met", "counted")}
        table = (
            pd.DataFrame(base)
            .groupby("code", sort=True)
            .agg(total=("residents", "sum"), addresses=("residents", "size"), **sums)
        )
        table = table[table.total > 0]
        for i, indicator in enumerate(CRITERIA):
            met, n = table[f"met_{i}"], table[f"counted_{i}"]
            enough = (n > 0) & (n >= MIN_COVERAGE * table.total)
            frames.append(
                pd.DataFrame(
                    {
                        "indicator": indicator,
                        "code": table.index.astype(str),
                        "level": level,
                        "value": np.where(enough, 100.0 * met / n.where(n > 0), np.nan),
                        "n": np.where(enough, n, np.nan),
                        "addresses": table.addresses.to_numpy(),
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=["indicator", "code", "level", "value", "n", "addresses"])
    return pd.concat(frames, ignore_index=True)
