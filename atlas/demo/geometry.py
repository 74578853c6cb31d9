"""Synthetic boundaries: a Voronoi tessellation of the real buurt points, clipped to a synthetic outline.

The outline is a concave hull of the points, buffered by the distance (found by bisection) that
gives the real area of the gemeente. Every buurt is one valid polygon that contains its reference
point; wijken and the gemeente are dissolves of their buurten. Coordinates are rounded to the
millimetre, so the result is exactly repeatable.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from atlas.crs import RD_NEW
from atlas.demo.reference import Reference

CRS = RD_NEW
TARGET_AREA_M2 = 119.36e6
"""Area of gemeente Zwolle according to CBS (119.36 km²)."""
HULL_RATIO = 0.3
"""Concavity of the hull around the buurt points (0 = most concave, 1 = convex)."""
GRID_SIZE = 0.001
"""Coordinates are rounded to this grid (metres)."""
_BUFFER_SEGMENTS = 16


def outline_for_area(points: np.ndarray, target_area: float = TARGET_AREA_M2) -> BaseGeometry:
    """The concave hull of ``points``, buffered to an area of ``target_area`` (± 1 m²)."""
    hull = shapely.concave_hull(shapely.multipoints(points), ratio=HULL_RATIO)
    if hull.area > target_area:
        raise ValueError(f"the hull of the points already covers {hull.area:.0f} m² > {target_area:.0f} m²")
    low, high = 0.0, float(np.sqrt(target_area))
    outline = shapely.buffer(hull, high, quad_segs=_BUFFER_SEGMENTS)
    for _ in range(80):
        middle = (low + high) / 2
        outline = shapely.buffer(hull, middle, quad_segs=_BUFFER_SEGMENTS)
        if abs(outline.area - target_area) < 1.0:
            break
        if outline.area < target_area:
            low = middle
        else:
            high = middle
    return outline


def _shared_length(a: BaseGeometry, b: BaseGeometry) -> float:
    return float(shapely.length(shapely.intersection(shapely.boundary(a), shapely.boundary(b))))


def _merge_fragments(cells: list[BaseGeometry], points: np.ndarray) -> list[BaseGeometry]:
    """One polygon per cell: cut-off parts go to the neighbour sharing most edge."""
    result = list(cells)
    fragments: list[BaseGeometry] = []
    for i, cell in enumerate(result):
        parts = shapely.get_parts(shapely.make_valid(cell))
        parts = parts[shapely.area(parts) > 0]
        own = parts[shapely.intersects(parts, points[i])]
        result[i] = own[0] if len(own) else parts[np.argmax(shapely.area(parts))]
        fragments.extend(part for part in parts if not part.equals(result[i]))
    for fragment in sorted(fragments, key=lambda g: -g.area):
        lengths = [_shared_length(fragment, cell) for cell in result]
        best = int(np.argmax(lengths))
        if lengths[best] > 0:
            merged = shapely.union(result[best], fragment)
            if merged.geom_type == "Polygon":
                result[best] = merged
    return result


def tessellate(points: np.ndarray, outline: BaseGeometry) -> np.ndarray:
    """One polygon per point (same order): its Voronoi cell in ``outline``, on a mm grid."""
    voronoi = shapely.voronoi_polygons(shapely.multipoints(points), extend_to=outline, ordered=True)
    cells = shapely.intersection(shapely.get_parts(voronoi), outline)
    polygons = _merge_fragments(list(cells), points)
    rounded = shapely.set_precision(np.array(polygons, dtype=object), GRID_SIZE)
    return np.array([_largest_polygon(g) for g in rounded], dtype=object)


def _largest_polygon(geometry: BaseGeometry) -> BaseGeometry:
    if geometry.geom_type == "Polygon":
        return geometry
    parts = shapely.get_parts(geometry)
    return parts[int(np.argmax(shapely.area(parts)))]


@dataclass(frozen=True)
class DemoGeometry:
    """Synthetic boundaries in EPSG:28992: buurten (Polygon), wijken and gemeente (dissolved)."""

    buurten: gpd.GeoDataFrame
    """``buurtcode, buurtnaam, wijkcode, geometry``, sorted by code."""
    wijken: gpd.GeoDataFrame
    """``wijkcode, wijknaam, geometry``, sorted by code."""
    gemeente: gpd.GeoDataFrame
    """``gemeentecode, gemeentenaam, geometry``: one row."""


def _dissolve(geometries: np.ndarray) -> BaseGeometry:
    return shapely.coverage_union_all(geometries)


def build_geometry(reference: Reference, target_area: float = TARGET_AREA_M2) -> DemoGeometry:
    """Grow the buurten from the reference points and dissolve them into wijken and the gemeente."""
    table = reference.buurten
    points = shapely.points(table.x.to_numpy(), table.y.to_numpy())
    polygons = tessellate(points, outline_for_area(points, target_area))
    buurten = gpd.GeoDataFrame(table[["buurtcode", "buurtnaam", "wijkcode"]].copy(), geometry=polygons, crs=CRS)
    wijken_table = reference.wijken
    wijk_geoms = [_dissolve(polygons[(table.wijkcode == code).to_numpy()]) for code in wijken_table.wijkcode]
    wijken = gpd.GeoDataFrame(wijken_table[["wijkcode", "wijknaam"]].copy(), geometry=wijk_geoms, crs=CRS)
    gemeente = gpd.GeoDataFrame(
        {"gemeentecode": [reference.gemeente], "gemeentenaam": [reference.naam]},
        geometry=[_dissolve(polygons)],
        crs=CRS,
    )
    return DemoGeometry(buurten=buurten, wijken=wijken, gemeente=gemeente)
