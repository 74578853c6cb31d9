"""The benchmark scene of issue 3: 11 × 11 km, about 100 buurten, 60 000 addresses, 100 000 trees, 300 parks.

Generated deterministically (seed) into a directory, never committed::

    buurten.gpkg    ~100 Voronoi buurten (code, naam, parent), EPSG:28992
    trees.gpkg      100 000 points        parks.gpkg   300 polygons (0.1-6 ha)
    addresses.gpkg  60 000 points with ``inwoners``
    canopy_1m.tif, canopy_0.5m.tif   0/1 canopy mask (tree crowns, woods), tiled, DEFLATE

Canopy varies between buurten (a density per buurt), with woods in some and parks full of trees.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from atlas.demo.canopy_raster import write_canopy_tif

CRS = "EPSG:28992"
ORIGIN = (190_000.0, 495_000.0)
SIZE = 11_000.0
N_BUURTEN = 100
N_ADDRESSES = 60_000
N_TREES = 100_000
N_PARKS = 300
RESOLUTIONS = (1.0, 0.5)


def _points_in(polygons: np.ndarray, weights: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` random points spread over ``polygons`` in proportion to ``weights`` (rejection sampling)."""
    counts = rng.multinomial(n, weights / weights.sum())
    out = []
    for polygon, count in zip(polygons, counts, strict=True):
        xmin, ymin, xmax, ymax = polygon.bounds
        got = np.empty((0, 2))
        while len(got) < count:
            xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(2 * (count - len(got)) + 8, 2))
            got = np.vstack([got, xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]])
        out.append(got[:count])
    return np.vstack(out)


def scene_paths(folder: Path) -> dict[str, Path]:
    names = ["buurten.gpkg", "trees.gpkg", "parks.gpkg", "addresses.gpkg"]
    paths = {name.split(".")[0]: folder / name for name in names}
    for res in RESOLUTIONS:
        paths[f"canopy_{res:g}m"] = folder / f"canopy_{res:g}m.tif"
    return paths


def make_scene(folder: Path, seed: int = 3) -> dict[str, Path]:
    """Write the scene into ``folder`` (kept when already complete); returns the file paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = scene_paths(folder)
    if all(p.exists() for p in paths.values()):
        return paths
    rng = np.random.default_rng(seed)
    x0, y0 = ORIGIN
    extent = shapely.box(x0, y0, x0 + SIZE, y0 + SIZE)
    step = SIZE / 10
    gx, gy = np.meshgrid(np.arange(10) * step + step / 2, np.arange(10) * step + step / 2)
    seeds = np.column_stack([gx.ravel(), gy.ravel()]) + rng.uniform(-step / 3, step / 3, (N_BUURTEN, 2)) + ORIGIN
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=extent, ordered=True))
    cells = shapely.set_precision(shapely.intersection(cells, extent), 0.001)
    codes = [f"BU0999{i // 10:02d}{i % 10:02d}" for i in range(N_BUURTEN)]
    buurten = gpd.GeoDataFrame(
        {
            "code": codes,
            "naam": [f"Buurt {i}" for i in range(N_BUURTEN)],
            "parent": [c[:8].replace("BU", "WK") for c in codes],
        },
        geometry=cells,
        crs=CRS,
    )
    buurten.to_file(paths["buurten"], driver="GPKG")
    green = rng.beta(2, 3, N_BUURTEN)  # 0..1 greenness per buurt
    density = rng.lognormal(0, 0.5, N_BUURTEN) * (1.3 - green)

    addr = _points_in(cells, density, N_ADDRESSES, rng)
    residents = rng.choice([1, 1, 2, 2, 2, 3, 4, 5], size=N_ADDRESSES)
    gpd.GeoDataFrame({"inwoners": residents}, geometry=shapely.points(addr), crs=CRS).to_file(
        paths["addresses"], driver="GPKG"
    )

    park_centres = _points_in(cells, green + 0.1, N_PARKS, rng)
    park_radius = np.sqrt(rng.uniform(1_000, 60_000, N_PARKS) / np.pi)
    parks = shapely.intersection(shapely.buffer(shapely.points(park_centres), park_radius, quad_segs=8), extent)
    gpd.GeoDataFrame({"naam": [f"Park {i}" for i in range(N_PARKS)]}, geometry=parks, crs=CRS).to_file(
        paths["parks"], driver="GPKG"
    )

    n_park_trees = N_TREES // 5
    park_trees = _points_in(parks, shapely.area(parks), n_park_trees, rng)
    street_trees = _points_in(cells, green * np.sqrt(density + 0.2), N_TREES - n_park_trees, rng)
    trees = np.vstack([street_trees, park_trees])
    gpd.GeoDataFrame({"id": np.arange(N_TREES)}, geometry=shapely.points(trees), crs=CRS).to_file(
        paths["trees"], driver="GPKG"
    )

    crown = shapely.buffer(shapely.points(trees), rng.uniform(2.5, 7.0, N_TREES), quad_segs=4)
    wood_centres = _points_in(cells, green**3, 120, rng)
    woods = shapely.buffer(shapely.points(wood_centres), rng.uniform(60, 260, 120), quad_segs=6)
    shapes = np.concatenate([crown, woods])
    for res in RESOLUTIONS:
        write_canopy_tif(paths[f"canopy_{res:g}m"], shapes, (x0, y0, x0 + SIZE, y0 + SIZE), res)
    return paths
