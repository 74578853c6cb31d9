"""The 2-22-200 criteria per address, and their resident-weighted shares per area.

Per address (all in one metric CRS, EPSG:28992 in the build):

- ``trees``: the number of trees within ``trees_radius_m`` (distance <= radius), by one bulk
  :meth:`shapely.STRtree.query` with ``predicate="dwithin"``, counted with :func:`numpy.bincount`;
- ``canopy_pct``: the canopy cover of the address's area at ``canopy_level`` (from :mod:`.canopy`);
- ``park_m``: the Euclidean distance to the nearest park of at least ``park_min_area_m2`` (0 inside a park), by
  one bulk ``dwithin`` query up to ``park_max_distance_m`` (``inf`` when no such park lies that close).

``trees_ok``, ``canopy_ok``, ``park_ok`` and ``all_ok`` say whether each criterion (and all three) is met. One
address's result depends only on its own position and the trees, parks and canopy: moving it changes no other.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from atlas.errors import BuildError
from atlas.sources.groen_spec import GroenParams

CRITERIA = {
    "groen_2bomen": "trees_ok",
    "groen_22kroon": "canopy_ok",
    "groen_200park": "park_ok",
    "groen_2_22_200": "all_ok",
}
"""Indicator id -> per-address column."""


def locate(points: np.ndarray, areas: gpd.GeoDataFrame) -> np.ndarray:
    """The ``code`` of the area each point lies in ("" outside every area; the first area on a shared edge)."""
    tree = shapely.STRtree(areas.geometry.values)
    point_idx, area_idx = tree.query(points, predicate="intersects")
    order = np.lexsort((area_idx, point_idx))
    point_idx, area_idx = point_idx[order], area_idx[order]
    first = np.ones(len(point_idx), dtype=bool)
    first[1:] = point_idx[1:] != point_idx[:-1]
    codes = np.full(len(points), "", dtype=object)
    codes[point_idx[first]] = areas["code"].astype(str).to_numpy()[area_idx[first]]
    return codes


def count_within(points: np.ndarray, targets: np.ndarray, radius: float) -> np.ndarray:
    """How many ``targets`` lie within ``radius`` (inclusive) of each point."""
    if len(targets) == 0 or len(points) == 0:
        return np.zeros(len(points), dtype=np.int64)
    pairs = shapely.STRtree(targets).query(points, predicate="dwithin", distance=radius)
    return np.bincount(pairs[0], minlength=len(points))


def nearest_distance(points: np.ndarray, polygons: np.ndarray, max_distance: float) -> np.ndarray:
    """Euclidean distance from each point to the nearest polygon within ``max_distance`` (0 inside one).

    Points with no polygon within ``max_distance`` get ``inf``. One bulk ``dwithin`` query and one vectorised
    distance over the pairs found: several times faster than a nearest-neighbour search without a bound.
    """
    distance = np.full(len(points), np.inf)
    if len(polygons) == 0 or len(points) == 0:
        return distance
    point_idx, polygon_idx = shapely.STRtree(polygons).query(points, predicate="dwithin", distance=max_distance)
    np.minimum.at(distance, point_idx, shapely.distance(points[point_idx], polygons[polygon_idx]))
    return distance


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
) -> gpd.GeoDataFrame:
    """The 2-22-200 criteria for every address.

    ``areas`` are the areas at ``params.canopy_level`` (column ``code``) and ``canopy`` their cover in percent
    indexed by code (:func:`atlas.canopy_cover`). Everything is taken to the CRS of ``areas``, which must be
    projected in metres. Residents come from a ``residents`` column (each address counts 1 without one).
    Returns the addresses with ``code``, ``residents``, ``trees``, ``canopy_pct``, ``park_m`` and the four
    ``*_ok`` columns.
    """
    params = params or GroenParams()
    crs = areas.crs
    if crs is None or not crs.is_projected:
        raise BuildError("the areas must be in a projected CRS in metres (such as EPSG:28992)")
    addresses = _metric(addresses, "addresses", crs)
    points = addresses.geometry.values
    tree_points = _metric(trees, "trees", crs).geometry.values
    park_shapes = _metric(parks, "parks", crs).geometry.values
    big_parks = park_shapes[shapely.area(park_shapes) >= params.park_min_area_m2]

    code = locate(points, areas)
    residents = (
        addresses["residents"].to_numpy(dtype=np.float64) if "residents" in addresses.columns else np.ones(len(points))
    )
    n_trees = count_within(points, tree_points, params.trees_radius_m)
    position = pd.Index(canopy.index.astype(str)).get_indexer(code)
    cover = np.where(position >= 0, canopy.to_numpy(dtype=np.float64)[position], np.nan)
    park_m = nearest_distance(points, big_parks, params.park_max_distance_m)
    out = gpd.GeoDataFrame(
        {
            "code": code,
            "residents": residents,
            "trees": n_trees,
            "canopy_pct": cover,
            "park_m": park_m,
            "trees_ok": n_trees >= params.trees_min,
            "canopy_ok": np.nan_to_num(cover, nan=-1.0) >= params.canopy_min_pct,
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
    level, value, n, addresses`` with ``n`` the residents; areas without residents are left out (missing).
    """
    frames = []
    residents = per_address["residents"].to_numpy(dtype=np.float64)
    for level, codes in area_of.items():
        inside = codes != ""
        if not inside.any():
            continue
        base = pd.DataFrame({"code": codes[inside], "residents": residents[inside]})
        for indicator, column in CRITERIA.items():
            ok = per_address[column].to_numpy(dtype=bool)[inside]
            grouped = base.assign(met=np.where(ok, base.residents, 0.0)).groupby("code", sort=True)
            table = grouped.agg(met=("met", "sum"), n=("residents", "sum"), addresses=("residents", "size"))
            table = table[table.n > 0]
            frames.append(
                pd.DataFrame(
                    {
                        "indicator": indicator,
                        "code": table.index.astype(str),
                        "level": level,
                        "value": (100.0 * table.met / table.n).to_numpy(),
                        "n": table.n.to_numpy(),
                        "addresses": table.addresses.to_numpy(),
                    }
                )
            )
    if not frames:
        return pd.DataFrame(columns=["indicator", "code", "level", "value", "n", "addresses"])
    return pd.concat(frames, ignore_index=True)
