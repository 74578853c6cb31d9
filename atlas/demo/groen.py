"""Demo groen inputs: a 1 m canopy GeoTIFF, trees, parks and addresses consistent with the demo geometry.

Per buurt, from its traits (:mod:`atlas.demo.traits`):

- **addresses**: one per household (2024), with ``inwoners`` summing to the buurt's population; spread over
  the buurt outside its parks, clustered in a few hamlets in rural buurten; with made-up BAG fields (street,
  number, postcode, place: :mod:`atlas.demo.addresses`) for the address search;
- **parks**: residential buurten get a share of park that grows with their greenness (dense old buurten
  little, park-rich ones much), plus sometimes a pocket park below the 0.5 ha minimum; rural buurten get woods
  (canopy that no tree register lists);
- **trees**: street trees near the addresses (more per address where the buurt is green) and park trees;
- **canopy**: the crowns of all trees and the woods, rasterised at 1 m (0/1 mask, nodata 255 outside the
  gemeente), tiled and DEFLATE-compressed.

So ``kroonbedekking`` comes out low in dense old buurten and high in park-rich ones, and the 2-22-200 shares
vary with it. Everything depends only on the geometry, the traits and the seed: two runs give identical bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pyogrio
import shapely

from atlas.demo.addresses import FIRST_POSTCODE, address_fields
from atlas.demo.canopy_raster import write_canopy_tif
from atlas.demo.geometry import CRS, DemoGeometry
from atlas.demo.gpkg import FIXED_TIMESTAMP, gdal_config, quiet
from atlas.demo.traits import BuurtTraits, rng_for

YEAR = 2024
RESOLUTION_M = 1.0
CANOPY_FILE = "kroonbedekking_1m.tif"
TREES_FILE = "bomen.gpkg"
PARKS_FILE = "parken.gpkg"
ADDRESSES_FILE = "adressen.gpkg"
COMPUTED = ("kroonbedekking", "groen_2bomen", "groen_22kroon", "groen_200park", "groen_2_22_200")
"""Indicators the build computes from these inputs; the demo's indicator files leave them out."""


def _sample(polygon: Any, n: int, rng: np.random.Generator, avoid: Any = None) -> np.ndarray:
    """``n`` uniform points in ``polygon`` (outside ``avoid``), by vectorised rejection sampling."""
    if n <= 0:
        return np.empty((0, 2))
    area = polygon if avoid is None or avoid.is_empty else shapely.difference(polygon, avoid)
    shapely.prepare(area)
    xmin, ymin, xmax, ymax = area.bounds
    got: list[np.ndarray] = []
    total = 0
    while total < n:
        xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(2 * (n - total) + 16, 2))
        xy = xy[shapely.contains_xy(area, xy[:, 0], xy[:, 1])]
        got.append(xy)
        total += len(xy)
    return np.vstack(got)[:n]


def _clustered(polygon: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points in a few hamlets (rural buurten)."""
    centres = _sample(polygon, int(rng.integers(3, 7)), rng)
    shapely.prepare(polygon)
    got: list[np.ndarray] = []
    total = 0
    while total < n:
        pick = centres[rng.integers(0, len(centres), size=2 * (n - total) + 16)]
        xy = pick + rng.normal(0.0, 120.0, size=pick.shape)
        xy = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        got.append(xy)
        total += len(xy)
    return np.vstack(got)[:n]


def _discs(centres: np.ndarray, radius: np.ndarray, clip: Any) -> np.ndarray:
    shapes = shapely.buffer(shapely.points(centres), radius, quad_segs=8)
    shapes = shapely.intersection(shapes, clip)
    return shapes[~shapely.is_empty(shapes)]


class _Buurt:
    """The groen features of one buurt."""

    def __init__(
        self, polygon: Any, kind: str, green: float, households: int, population: int, rng: np.random.Generator
    ):
        area = polygon.area
        parks: list[Any] = []
        woods: list[Any] = []
        if kind == "woon":
            share = 0.015 + 0.17 * green**1.5
            count = 2 + round(3 * green)
            sizes = np.maximum(share * area * rng.dirichlet(np.ones(count)), 6000.0)
            parks += list(_discs(_sample(polygon, count, rng), np.sqrt(sizes / np.pi), polygon))
            patches = int(rng.integers(2, 6))  # plantsoenen and tree groups: canopy no register lists
            sizes = 0.4 * green**2 * area * rng.dirichlet(np.ones(patches))
            woods += list(_discs(_sample(polygon, patches, rng), np.sqrt(sizes / np.pi), polygon))
            if rng.random() < 0.5:  # a pocket park below the minimum area
                parks += list(_discs(_sample(polygon, 1, rng), np.sqrt(rng.uniform(800, 3500, 1) / np.pi), polygon))
        elif kind == "landelijk":
            count = 2 + round(6 * green)
            radius = rng.uniform(70, 220, count) * (0.6 + green)
            woods += list(_discs(_sample(polygon, count, rng), radius, polygon))
            parks += list(_discs(_sample(polygon, 1, rng), np.array([rng.uniform(50, 90)]), polygon))
        self.parks = np.array(parks, dtype=object)
        self.woods = np.array(woods, dtype=object)
        avoid = shapely.union_all(self.parks) if len(self.parks) else None
        if kind == "landelijk":
            self.addresses = _clustered(polygon, households, rng)
        else:
            self.addresses = _sample(polygon, households, rng, avoid)
        extra: np.ndarray = np.zeros(households, dtype=np.int64)
        if households:
            extra = rng.multinomial(max(population - households, 0), np.ones(households) / households)
        self.residents = np.ones(households, dtype=np.int64) + np.asarray(extra, dtype=np.int64)
        per_address = 0.1 + 1.1 * green**1.3
        street = rng.random(households) < min(per_address, 1.0)
        near = self.addresses[street] + rng.normal(0.0, 9.0, size=(int(street.sum()), 2))
        shapely.prepare(polygon)
        self.street_trees = near[shapely.contains_xy(polygon, near[:, 0], near[:, 1])]
        park_area = float(shapely.area(self.parks).sum()) if len(self.parks) else 0.0
        n_park_trees = int(0.55 * park_area / 180.0)
        self.park_trees = (
            _sample(shapely.union_all(self.parks), n_park_trees, rng) if n_park_trees else np.empty((0, 2))
        )
        self.street_r = rng.uniform(3.0, 6.5, len(self.street_trees))
        self.park_r = rng.uniform(4.5, 8.5, len(self.park_trees))


def write_layer(path: Path, frame: gpd.GeoDataFrame, *, append: bool = False) -> None:
    """One GeoPackage layer named after the file, with reproducible bytes; ``append`` adds rows to it."""
    with gdal_config(OGR_CURRENT_DATE=FIXED_TIMESTAMP), quiet("pyogrio"):
        pyogrio.write_dataframe(frame, path, layer=path.stem, driver="GPKG", append=append)


@dataclass(frozen=True)
class GroenFeatures:
    """The groen features of one gemeente: the three vector layers and the canopy's crowns."""

    addresses: gpd.GeoDataFrame
    parks: gpd.GeoDataFrame
    trees: gpd.GeoDataFrame
    crowns: np.ndarray
    """Tree crowns and woods (polygons) to rasterise."""
    outline: Any
    """The gemeente's outline; the canopy is nodata beyond 25 m outside it."""

    def canopy_bounds(self) -> tuple[float, float, float, float]:
        """The outline's bounds on a 10 m grid, widened by 50 m."""
        bounds = (np.array(self.outline.bounds) / 10).round() * 10 + np.array([-50, -50, 50, 50])
        xmin, ymin, xmax, ymax = (float(v) for v in bounds)
        return xmin, ymin, xmax, ymax

    def write_canopy(self, path: Path, bounds: tuple[float, float, float, float] | None = None) -> Path:
        """The 1 m canopy GeoTIFF over ``bounds`` (default :meth:`canopy_bounds`)."""
        return write_canopy_tif(
            path,
            self.crowns,
            bounds or self.canopy_bounds(),
            RESOLUTION_M,
            valid=shapely.buffer(self.outline, 25.0),
        )


def groen_features(
    geometry: DemoGeometry,
    traits: BuurtTraits,
    seed: int,
    *,
    first_postcode: int = FIRST_POSTCODE,
    park_prefix: str = "",
) -> GroenFeatures:
    """Draw the groen features of every buurt of ``geometry``; ``park_prefix`` goes before the parks' names."""
    year_index = -1  # 2024, the last demo year
    buurten = [
        _Buurt(
            polygon,
            str(traits.kind[i]),
            float(traits.green[i]),
            int(traits.households[year_index, i]),
            int(traits.population[year_index, i]),
            rng_for(seed, "groen", str(traits.codes[i])),
        )
        for i, polygon in enumerate(geometry.buurten.geometry.values)
    ]
    addresses = np.vstack([b.addresses for b in buurten])
    residents = np.concatenate([b.residents for b in buurten])
    fields = address_fields(
        [b.addresses for b in buurten],
        [str(c) for c in traits.codes],
        [str(w) for w in traits.wijk],
        str(geometry.gemeente.gemeentenaam.iloc[0]),
        seed,
        first_postcode=first_postcode,
    )
    parks = shapely.set_precision(np.concatenate([b.parks for b in buurten]), 0.01)
    trees = np.round(np.vstack([v for b in buurten for v in (b.street_trees, b.park_trees)]), 2)
    radius = np.concatenate([v for b in buurten for v in (b.street_r, b.park_r)])
    woods = np.concatenate([b.woods for b in buurten])
    return GroenFeatures(
        addresses=gpd.GeoDataFrame(
            {"inwoners": residents, **fields}, geometry=shapely.points(np.round(addresses, 2)), crs=CRS
        ),
        parks=gpd.GeoDataFrame(
            {"naam": [f"{park_prefix}Park {i + 1}" for i in range(len(parks))]}, geometry=parks, crs=CRS
        ),
        trees=gpd.GeoDataFrame({"kroon_m": np.round(2 * radius, 1)}, geometry=shapely.points(trees), crs=CRS),
        crowns=np.concatenate([shapely.buffer(shapely.points(trees), radius, quad_segs=4), woods]),
        outline=geometry.gemeente.geometry.iloc[0],
    )


def groen_section(canopy: str, trees: str, parks: str, addresses: str) -> dict[str, Any]:
    """The ``groen:`` section of a sources file for these input paths."""
    return {
        "year": YEAR,
        "canopy": {"path": canopy},
        "trees": {"path": trees},
        "parks": {"path": parks},
        "addresses": {"path": addresses, "residents": "inwoners"},
        "params": {
            "trees_min": 2,
            "trees_radius_m": 25,
            "canopy_min_pct": 22,
            "canopy_level": "buurt",
            "park_max_distance_m": 200,
            "park_min_area_m2": 5000,
        },
    }


def write_groen(folder: Path, geometry: DemoGeometry, traits: BuurtTraits, seed: int) -> dict[str, Any]:
    """Write the four groen inputs into ``folder``; returns the ``groen:`` section of the sources file."""
    features = groen_features(geometry, traits, seed)
    write_layer(folder / ADDRESSES_FILE, features.addresses)
    write_layer(folder / PARKS_FILE, features.parks)
    write_layer(folder / TREES_FILE, features.trees)
    features.write_canopy(folder / CANOPY_FILE)
    return groen_section(CANOPY_FILE, TREES_FILE, PARKS_FILE, ADDRESSES_FILE)
