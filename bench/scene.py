"""The benchmark scene of issue 3: 11 × 11 km, about 100 buurten, 60 000 addresses, 100 000 trees, 300 parks.

Generated deterministically (seed) into a directory, never committed::

    buurten.gpkg    100 buurten (code, naam, parent), EPSG:28992
    trees.gpkg      100 000 points        parks.gpkg   300 polygons (0.1-6 ha)
    addresses.gpkg  60 000 points with ``inwoners``
    canopy_1m.tif, canopy_0.5m.tif   0/1 canopy mask (tree crowns, woods), tiled, DEFLATE

Canopy varies between buurten (a density per buurt), with woods in some and parks full of trees.

The buurten are shaped like a real municipality's, because the cost of zonal statistics depends on it (a
bounding-box reader such as rasterstats reads and masks every buurt's box): a dense core of small buurten and a
ring of large rural ones, with winding boundaries of a few hundred vertices and some buurten in two parts. They
are Voronoi cells of seeds clustered around the centre, with the plane warped by smooth noise, traced on a 5 m
grid and simplified as a coverage (shared edges stay shared). :func:`shape_figures` compares them with Zwolle's
real buurten (``python -m bench groen`` prints both when ``../shared/realdata`` is present).
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import rasterio.features
import shapely
from affine import Affine
from scipy import ndimage
from scipy.spatial import cKDTree

from atlas.atomic import atomic_directory
from atlas.demo.canopy_raster import write_canopy_tif

CRS = "EPSG:28992"
ORIGIN = (190_000.0, 495_000.0)
SIZE = 11_000.0
N_BUURTEN = 100
N_ADDRESSES = 60_000
N_TREES = 100_000
N_PARKS = 300
RESOLUTIONS = (1.0, 0.5)
VERSION = 4
"""Raised whenever the scene changes: an older scene on disk is then written anew."""
N_CORE = 75
"""Seeds of the dense core (normally spread around the centre); the others are spread evenly (rural)."""
CORE_SIGMA = 1_800.0
WARP_M = (350.0, 80.0)
"""Standard deviation of the coarse and the fine warp of the plane, in metres."""
TRACE_M = 5.0
TRACE_TURN_DEG = 7.0


def _warped_cells(seeds: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One polygon (or multipolygon) per seed: the cells of the nearest seed in a plane warped by smooth noise.

    Traced on a grid turned by :data:`TRACE_TURN_DEG` against the raster's, so that what is left of its
    staircase after simplification does not line up with the raster's cells (real boundaries do not either).
    """
    x0, y0 = ORIGIN
    turn = np.radians(TRACE_TURN_DEG)
    side = SIZE * (np.cos(turn) + np.sin(turn)) + 4 * TRACE_M  # the turned grid covers the whole extent
    n = int(np.ceil(side / TRACE_M))
    grid = (
        Affine.translation(x0 + SIZE / 2, y0 + SIZE / 2)
        * Affine.rotation(TRACE_TURN_DEG)
        * Affine.translation(-n * TRACE_M / 2, n * TRACE_M / 2)
        * Affine.scale(TRACE_M, -TRACE_M)
    )
    shift = np.zeros((2, n, n))
    for sigma, knots in zip(WARP_M, (8, 40), strict=True):
        for axis in range(2):
            coarse = rng.normal(0.0, sigma, (knots + 1, knots + 1))
            shift[axis] += ndimage.zoom(coarse, n / (knots + 1), order=3)[:n, :n]
    col, row = np.meshgrid(np.arange(n) + 0.5, np.arange(n) + 0.5)
    gx = grid.a * col + grid.b * row + grid.c
    gy = grid.d * col + grid.e * row + grid.f
    warped = np.column_stack([(gx + shift[0]).ravel(), (gy + shift[1]).ravel()])
    _, label = cKDTree(seeds).query(warped)
    parts: dict[int, list[object]] = {}
    for geometry, value in rasterio.features.shapes(label.reshape(n, n).astype(np.int32), transform=grid):
        parts.setdefault(int(value), []).append(shapely.geometry.shape(geometry))
    cells = np.array([shapely.union_all(parts.get(i, [])) for i in range(len(seeds))], dtype=object)
    cells = shapely.coverage_simplify(cells, tolerance=0.8 * TRACE_M)
    cells = shapely.set_precision(shapely.intersection(cells, shapely.box(x0, y0, x0 + SIZE, y0 + SIZE)), 0.001)
    if shapely.is_empty(cells).any():
        raise RuntimeError("a buurt of the scene came out empty: choose another seed")
    return cells


def _seeds(rng: np.random.Generator) -> np.ndarray:
    x0, y0 = ORIGIN
    low, high = np.array([x0, y0]), np.array([x0 + SIZE, y0 + SIZE])
    core = np.empty((0, 2))
    while len(core) < N_CORE:
        drawn = rng.normal(low + SIZE / 2, CORE_SIGMA, (N_CORE, 2))
        core = np.vstack([core, drawn[((drawn >= low) & (drawn < high)).all(axis=1)]])
    return np.vstack([core[:N_CORE], rng.uniform(low, high, (N_BUURTEN - N_CORE, 2))])


def shape_figures(areas: gpd.GeoDataFrame) -> dict[str, float]:
    """How the areas are shaped: box area over area (summed), vertices per area, spread of the areas."""
    geoms = areas.geometry.values
    bounds = shapely.bounds(geoms)
    boxes = (bounds[:, 2] - bounds[:, 0]) * (bounds[:, 3] - bounds[:, 1])
    area = shapely.area(geoms)
    return {
        "areas": len(geoms),
        "box_over_area": round(float(boxes.sum() / area.sum()), 2),
        "vertices_median": float(np.median(shapely.get_num_coordinates(geoms))),
        "area_cv": round(float(area.std() / area.mean()), 2),
        "area_median_km2": round(float(np.median(area)) / 1e6, 2),
        "area_max_km2": round(float(area.max()) / 1e6, 2),
    }


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
    """The scene in ``folder``, written (atomically) unless the same version and seed are already there."""
    stamp = json.dumps({"version": VERSION, "seed": seed})
    paths = scene_paths(folder)
    done = folder / "scene.json"
    if done.exists() and done.read_text() == stamp and all(p.exists() for p in paths.values()):
        return paths
    with atomic_directory(folder, keep=1) as staging:
        _write_scene(scene_paths(staging), seed)
        (staging / "scene.json").write_text(stamp)
    return paths


def _write_scene(paths: dict[str, Path], seed: int) -> None:
    rng = np.random.default_rng(seed)
    x0, y0 = ORIGIN
    extent = shapely.box(x0, y0, x0 + SIZE, y0 + SIZE)
    cells = _warped_cells(_seeds(rng), rng)
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
    rural = np.arange(N_BUURTEN) >= N_CORE
    density = rng.lognormal(0, 0.5, N_BUURTEN) * (1.3 - green) * np.where(rural, 0.3, 1.0)

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
