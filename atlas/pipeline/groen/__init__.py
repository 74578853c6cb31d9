"""Groen: the 2-22-200 norm and canopy cover, computed in the build (DESIGN.md §6).

:func:`compute_groen` reads the inputs of the ``groen:`` section, computes ``kroonbedekking`` for every area of
every level straight from the raster (:mod:`.canopy`), the four 2-22-200 shares for every area from the
addresses (:mod:`.addresses`), and returns them as given values for the values table, with the per-address
results and the overlays (trees, parks, addresses) for the artifact.

An area whose cells the raster covers with valid values for less than :data:`MIN_RASTER_COVERAGE` gets a
``coverage`` warning, and its ``kroonbedekking``, ``groen_22kroon`` and ``groen_2_22_200`` are missing, never 0.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from atlas.artifact.areas import Areas
from atlas.codes import LEVELS
from atlas.crs import RD_NEW
from atlas.findings import Findings
from atlas.pipeline.addressbook import address_book
from atlas.pipeline.groen.addresses import CRITERIA, area_shares, groen_per_address, locate
from atlas.pipeline.groen.canopy import CanopySums, area_index, canopy_cover, canopy_sums
from atlas.sources.groen import Bounds, check_canopy, read_points, read_polygons
from atlas.sources.spec.groen import ADDRESS_FIELDS, PARAMETERS, GroenParams, GroenSpec

log = logging.getLogger(__name__)

SOURCE_CANOPY = "Kroonraster; berekend door de atlas"
SOURCE_2_22_200 = "Bomen, parken, kroonraster en adressen; berekend door de atlas (2-22-200)"

MIN_RASTER_COVERAGE = 0.95
"""The share of an area's cells the canopy raster must cover with a valid value for its canopy cover to count."""
MAX_COVERAGE_WARNINGS = 25
"""Areas warned about one by one; beyond this, the rest are counted in one more warning."""

__all__ = [
    "CRITERIA",
    "GroenResult",
    "canopy_cover",
    "compute_groen",
    "groen_per_address",
    "overlay_layers",
    "web_overlay_layers",
]


@dataclass
class GroenResult:
    """What the groen step adds to a build."""

    values: pd.DataFrame
    """``indicator, code, period, value, n, source, file, row``: given values, like an indicator file's."""
    per_address: gpd.GeoDataFrame
    trees: gpd.GeoDataFrame
    parks: gpd.GeoDataFrame
    manifest: dict[str, Any] = field(default_factory=dict)
    book: pd.DataFrame | None = None
    """The address book for the search (:func:`~atlas.pipeline.addressbook.address_book`), when the addresses
    file has the BAG fields."""


def _area_of(areas: Areas, buurt_codes: np.ndarray) -> dict[str, np.ndarray]:
    """Each address's area code at every non-empty level, walking up from its buurt."""
    area_of = {LEVELS[0]: buurt_codes}
    for level in LEVELS[1:]:
        link = areas.children(level)
        if link is None:
            continue
        child, parent_of = link
        codes = pd.Series(area_of[child]).map(parent_of).fillna("").to_numpy(dtype=object)
        area_of[level] = codes
    return area_of


def _covered_cover(zones: gpd.GeoDataFrame, sums: CanopySums, file: str, findings: Findings | None) -> pd.Series:
    """Percent cover per zone, missing (NaN) where the raster covers less than :data:`MIN_RASTER_COVERAGE` of
    the zone's cells; each such zone is reported as a ``coverage`` warning."""
    coverage = sums.coverage()
    short = np.flatnonzero(coverage < MIN_RASTER_COVERAGE)
    cover = np.where(coverage < MIN_RASTER_COVERAGE, np.nan, sums.percent())
    if findings is not None:
        levels = zones["level"].to_numpy(dtype=object)
        codes = zones["code"].astype(str).to_numpy(dtype=object)
        names = zones["naam"].astype(str).to_numpy(dtype=object) if "naam" in zones.columns else codes
        limit = MIN_RASTER_COVERAGE * 100
        for i in short[:MAX_COVERAGE_WARNINGS]:
            findings.warning(
                "coverage",
                f"the canopy raster covers {100 * coverage[i]:.0f} % of the cells of {levels[i]} {codes[i]} "
                f"({names[i]}), less than {limit:.0f} %: its kroonbedekking, groen_22kroon and groen_2_22_200 are "
                "missing",
                file=file,
                code=str(codes[i]),
                indicator="kroonbedekking",
            )
        rest = short[MAX_COVERAGE_WARNINGS:]
        if len(rest):
            shown = ", ".join(str(codes[i]) for i in rest[:10])
            findings.warning(
                "coverage",
                f"the canopy raster covers less than {limit:.0f} % of the cells of {len(rest)} more areas "
                f"(e.g. {shown}): their kroonbedekking, groen_22kroon and groen_2_22_200 are missing",
                file=file,
                indicator="kroonbedekking",
                count=len(rest),
            )
    return pd.Series(cover, index=area_index(zones), name="kroonbedekking")


def partition_bounds(areas: Areas, params: GroenParams) -> tuple[Bounds, Bounds]:
    """The extent of ``areas``' buurten, and that extent widened by the farthest a tree or park may lie from an
    address and still count: the addresses of a partition lie in the first, everything they look at in the second."""
    xmin, ymin, xmax, ymax = (float(v) for v in areas.level(LEVELS[0]).total_bounds)
    margin = max(params.trees_radius_m, params.park_max_distance_m) + 1.0
    return (xmin, ymin, xmax, ymax), (xmin - margin, ymin - margin, xmax + margin, ymax + margin)


def _owned(frame: gpd.GeoDataFrame, buurten: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The features of ``frame`` that lie in one of ``buurten`` (a polygon by a point on its surface): a partition
    reads what lies near it, but writes only what is its own, so no tree or park is written twice."""
    points = shapely.point_on_surface(np.asarray(frame.geometry.values, dtype=object))
    return frame[locate(points, buurten) != ""].reset_index(drop=True)


def compute_groen(
    spec: GroenSpec, areas: Areas, findings: Findings | None = None, *, clip: bool = False
) -> GroenResult:
    """Canopy cover and the 2-22-200 shares for every area of ``areas`` (EPSG:28992).

    ``clip``: ``areas`` are one partition (a gemeente) of a larger build (:mod:`atlas.pipeline.partition`): only the
    trees and parks near its buurten and the addresses within their extent are read (:func:`partition_bounds`), and
    only the addresses, trees and parks inside its buurten are kept; the addresses outside every buurt are counted
    for the whole build, not here."""
    params = spec.params
    raster = check_canopy(spec.canopy)
    inside, near = partition_bounds(areas, params) if clip else (None, None)
    trees = read_points(spec.trees, "groen.trees", RD_NEW, bounds=near)
    parks = read_polygons(spec.parks, "groen.parks", RD_NEW, bounds=near)
    addresses = read_points(spec.addresses, "groen.addresses", RD_NEW, addresses=True, bounds=inside)
    log.info("groen: %d trees, %d parks, %d addresses", len(trees), len(parks), len(addresses))

    # every level in one pass over the raster: the zones may overlap
    layers = [
        areas.level(level)[["code", "naam", "geometry"]].assign(level=level)
        for level in LEVELS
        if not areas.level(level).empty
    ]
    zones = gpd.GeoDataFrame(pd.concat(layers, ignore_index=True), geometry="geometry", crs=layers[0].crs)
    sums = canopy_sums(zones, spec.canopy.path, values=spec.canopy.values, band=spec.canopy.band)
    cover = _covered_cover(zones, sums, spec.canopy.path.name, findings)
    level_areas = areas.level(params.canopy_level)
    per_address = groen_per_address(addresses, trees, parks, level_areas, cover, params)
    if params.canopy_level == LEVELS[0]:
        buurt = per_address["code"].to_numpy(dtype=object)  # located in the buurten already
    else:
        buurt = locate(per_address.geometry.values, areas.level(LEVELS[0]))
    if clip:  # the addresses in the extent but not in these buurten belong to a neighbouring partition
        own = buurt != ""
        per_address, addresses, buurt = (
            per_address[own].reset_index(drop=True),
            addresses[own].reset_index(drop=True),
            buurt[own],
        )
        trees, parks = _owned(trees, areas.level(LEVELS[0])), _owned(parks, areas.level(LEVELS[0]))
    area_of = _area_of(areas, buurt)
    per_address["buurt"] = buurt
    fields = [f for f in ADDRESS_FIELDS if f in addresses.columns]
    per_address[fields] = addresses[fields]
    shares = area_shares(per_address, area_of)
    book = address_book(per_address, spec.addresses.path.name, findings)

    period = str(spec.year)
    canopy_rows = pd.DataFrame(
        {"indicator": "kroonbedekking", "code": cover.index.astype(str), "value": cover.to_numpy(), "n": np.nan}
    ).dropna(subset=["value"])
    canopy_rows["source"] = SOURCE_CANOPY
    canopy_rows["file"] = spec.canopy.path.name
    share_rows = shares[["indicator", "code", "value", "n"]].assign(
        source=SOURCE_2_22_200, file=spec.addresses.path.name
    )
    values = pd.concat([canopy_rows, share_rows], ignore_index=True)
    values["period"] = period
    values["row"] = 0
    outside = int((buurt == "").sum())
    if outside:
        log.warning("groen: %d addresses lie outside every buurt and are not counted", outside)
    manifest = {
        "year": spec.year,
        "params": params.as_dict(),
        "defaults": {p.name: p.default for p in PARAMETERS},
        "help": {p.name: p.help for p in PARAMETERS},
        "canopy": {
            "file": spec.canopy.path.name,
            "crs": raster.crs,
            "resolution_m": list(raster.res),
            "nodata": raster.nodata,
            "values": spec.canopy.values,
            "membership": "pixel centre; nodata and cells outside the raster are not counted",
            "min_coverage": MIN_RASTER_COVERAGE,
            "areas_not_covered": int((sums.coverage() < MIN_RASTER_COVERAGE).sum()),
        },
        "counts": {
            "trees": len(trees),
            "parks": len(parks),
            "parks_large_enough": int((parks.area >= params.park_min_area_m2).sum()),
            "addresses": len(per_address),
            "residents": float(per_address.residents.sum()),
            "addresses_outside_buurten": outside,
            "addresses_searchable": 0 if book is None else len(book),
        },
    }
    return GroenResult(values=values, per_address=per_address, trees=trees, parks=parks, manifest=manifest, book=book)


def overlay_layers(result: GroenResult) -> dict[str, gpd.GeoDataFrame]:
    """The layers of ``overlays.gpkg`` (EPSG:28992): trees, parks and addresses.

    The addresses layer holds the BAG fields (when given), the per-address criteria and the buurt, not the
    residents per address.
    """
    trees = result.trees[["row", "geometry"]]
    parks = result.parks[["row", "geometry"]].assign(area_m2=result.parks.area.round(1))
    columns = ["buurt", "trees", "canopy_pct", "park_m", "trees_ok", "canopy_ok", "park_ok", "all_ok"]
    columns = [*(f for f in ADDRESS_FIELDS if f in result.per_address.columns), *columns]
    addresses = result.per_address[[*columns, "geometry"]]
    addresses = addresses.assign(park_m=addresses.park_m.replace(np.inf, np.nan).round(1))
    return {"trees": trees, "parks": parks, "addresses": addresses}


def web_overlay_layers(result: GroenResult) -> dict[str, gpd.GeoDataFrame]:
    """The overlays the map pages fetch (:data:`WEB_OVERLAYS`): tree points, and parks with their area."""
    layers = overlay_layers(result)
    return {"trees": layers["trees"][["geometry"]], "parks": layers["parks"][["area_m2", "geometry"]]}
