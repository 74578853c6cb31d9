"""Writing the build artifact: every file in a staging directory, made the current version only when complete.

A failed build leaves the previous artifact byte for byte; a killed one leaves it current (:mod:`atlas.atomic`).
The files and their columns are listed in :mod:`atlas.artifact.layout`; the pipeline hands over the areas, the
values table, the manifest and the registry, and, for groen, the overlay layers.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from atlas.artifact.areas import Areas, pole_points
from atlas.artifact.compare import MIN_INHABITANTS
from atlas.artifact.geojson import feature_collection
from atlas.artifact.layout import (
    ADDRESSES_FILE,
    AREA_COLUMNS,
    AREAS_FILE,
    ARTIFACT_VERSION,
    EXTRA_VALUE_COLUMNS,
    FACILITIES_FILE,
    FACILITIES_LAYER,
    GROUPING_COLUMN,
    MANIFEST_FILE,
    OVERLAYS_FILE,
    REGISTRY_FILE,
    SIMILAR_FILE,
    VALUE_COLUMNS,
    VALUES_FILE,
    WEB_DIR,
    forecast_years,
    web_level_file,
    web_overlay_file,
)
from atlas.artifact.similar import MIN_SHARED, context_years, similar_buurten
from atlas.artifact.status import check_withheld
from atlas.artifact.tiles import write_point_tiles
from atlas.atomic import DEFAULT_KEEP, atomic_directory
from atlas.codes import LEVELS
from atlas.crs import WEB
from atlas.errors import BuildError
from atlas.layers.registry import Registry

WEB_SIMPLIFY_M = 2.0
"""Tolerance (metres) of the coverage-preserving simplification of the web geometry."""
WEB_AREA_PRECISION = 1e-5
"""Grid (degrees) the web area geometry is snapped to, five decimals: about 1 m, less than a screen pixel at street
level and below the simplification's tolerance. Shared vertices snap to the same point, so neighbours stay seamless."""
WEB_OVERLAY_PRECISION = 1e-6
"""Grid (degrees) the web overlays are snapped to: about 10 cm, plenty for trees and parks."""

FIXED_GPKG_DATE = "2000-01-01T00:00:00Z"
"""GeoPackages carry a 'last change' timestamp; a fixed one keeps the build byte-for-byte reproducible."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def label_points(layer: gpd.GeoDataFrame) -> list[list[float] | None]:
    """Where each area's name goes on the map: the centre of the largest circle inside it (the pole of
    inaccessibility, found to a metre, :func:`~atlas.artifact.areas.pole_points`), so a label sits inside a crescent
    or an L-shaped area, never beside it; as [longitude, latitude] rounded like the web geometry. None for an area
    without geometry."""
    poles = pole_points(layer.geometry.values)
    found = np.flatnonzero(poles != None)  # noqa: E711 (element-wise)
    out: list[list[float] | None] = [None] * len(layer)
    if len(found):
        centres = gpd.GeoSeries(list(poles[found]), crs=layer.crs).to_crs(WEB)
        decimals = round(-np.log10(WEB_AREA_PRECISION))
        points = np.round(shapely.get_coordinates(centres.values), decimals)
        for position, point in zip(found, points.tolist(), strict=True):
            out[position] = point
    return out


def web_geometry(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """EPSG:4326 geometry for the web, simplified as a coverage so neighbours keep shared edges, with each area's
    :func:`label_points` (property ``label``)."""
    out = layer[[*_columns(layer, with_water=False), "geometry"]].copy()
    if not out.empty:
        out["label"] = label_points(out)
        simplified = shapely.coverage_simplify(out.geometry.values, WEB_SIMPLIFY_M)
        out = out.set_geometry(gpd.GeoSeries(simplified, crs=layer.crs, index=out.index))
    out = out.to_crs(WEB)
    out["geometry"] = shapely.set_precision(out.geometry.values, WEB_AREA_PRECISION)
    return out


@contextlib.contextmanager
def _gdal_config(**options: str) -> Iterator[None]:
    previous = {key: os.environ.get(key) for key in options}
    os.environ.update(options)
    pyogrio.set_gdal_config_options(dict(options))
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        pyogrio.set_gdal_config_options(dict.fromkeys(options))


def _write_gpkg(path: Path, layers: Mapping[str, gpd.GeoDataFrame]) -> None:
    """Each layer through Arrow (whole columns; the feature-by-feature path took twice as long for the addresses),
    with SQLite's own fsyncs off: the artifact is a staging folder that :func:`~atlas.atomic.atomic_directory`
    fsyncs as a whole before it becomes current, and a file cut short is never shown. Both leave the file's bytes
    as they were. GDAL commits each Arrow batch on its own, and the number of commits is written in the file's
    header: so that the file does not depend on how a column happens to be chunked in memory (a column read
    through Arrow, or put together from parts), every Arrow-backed column is written as one chunk, and an empty
    layer goes the feature-by-feature way (through Arrow it takes more commits)."""

    def one_chunk(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        chunked = {
            column: frame[column].array.__arrow_array__()
            for column in frame.columns
            if isinstance(frame[column].array, pd.arrays.ArrowExtensionArray)
        }
        return frame.assign(
            **{
                column: frame[column].dtype.__from_arrow__(array.combine_chunks())
                for column, array in chunked.items()
                if array.num_chunks > 1
            }
        )

    with _gdal_config(OGR_CURRENT_DATE=FIXED_GPKG_DATE, OGR_SQLITE_SYNCHRONOUS="OFF"):
        for name, frame in layers.items():
            if frame.empty:
                pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
            else:
                pyogrio.write_dataframe(one_chunk(frame), path, layer=name, driver="GPKG", use_arrow=True)


def _columns(layer: gpd.GeoDataFrame, *, with_water: bool) -> list[str]:
    """The contract columns a layer has: code, naam, parent, then water (buurt) and indeling (wijk, stadsdeel)."""
    extra = (["water"] if with_water else []) + [GROUPING_COLUMN]
    return [*AREA_COLUMNS, *(c for c in extra if c in layer.columns)]


def _area_layers(areas: Areas) -> dict[str, gpd.GeoDataFrame]:
    return {level: areas.level(level)[[*_columns(areas.level(level), with_water=True), "geometry"]] for level in LEVELS}


def _web_overlay(frame: gpd.GeoDataFrame) -> str:
    web = frame.to_crs(WEB)
    web["geometry"] = shapely.set_precision(web.geometry.values, WEB_OVERLAY_PRECISION)
    return feature_collection(web)  # web.to_json(drop_id=True), without a dict per tree


def _point_tiles(root: Path, name: str, frame: gpd.GeoDataFrame) -> None:
    """A layer of points (only) is also written as tiles for the map pages (:mod:`atlas.artifact.tiles`)."""
    geometry = frame.geometry.values
    if not len(geometry) or not (shapely.get_type_id(geometry) == shapely.GeometryType.POINT).all():
        return
    web = frame.to_crs(WEB).geometry.values
    write_point_tiles(root, name, shapely.get_x(web), shapely.get_y(web))


def write_artifact(
    out: Path,
    areas: Areas,
    values: pd.DataFrame,
    manifest: dict[str, Any],
    registry: Registry,
    *,
    overlays: Mapping[str, gpd.GeoDataFrame] | None = None,
    web_overlays: Mapping[str, gpd.GeoDataFrame] | None = None,
    addresses: pd.DataFrame | None = None,
    facilities: tuple[gpd.GeoDataFrame, pd.DataFrame] | None = None,
    keep: int = DEFAULT_KEEP,
) -> dict[str, Any]:
    """Write the artifact as a new version of ``out``, make it current, and return the manifest as written.

    ``out`` becomes a symlink to the new version (:mod:`atlas.atomic`); ``keep`` versions stay, the current one
    included.

    ``overlays`` go to ``overlays.gpkg`` (one layer each, EPSG:28992, for QGIS); ``web_overlays`` to
    ``web/overlay_<name>.geojson`` (EPSG:4326, whole) and, a layer of points, to tiles under ``web/tiles/<name>/``
    for the map pages (:mod:`atlas.artifact.tiles`); ``addresses`` (the address book) to
    ``addresses.parquet``. ``facilities`` (the points, EPSG:28992, and the per-area summary) go to the
    ``voorzieningen`` layer of ``overlays.gpkg``, to ``web/overlay_voorzieningen.geojson`` (type and name; whole, not
    in tiles: a few hundred points that the map shows at every zoom) and to ``voorzieningen.parquet``. A values table
    in which a row that may not be shown (:func:`~atlas.artifact.status.publishable`) still carries a number is
    refused before anything is written. Every artifact also gets ``similar.parquet``, the most similar buurten of
    each buurt by the published values of the latest measured year (:mod:`atlas.artifact.similar`; the years used
    go to the manifest's ``similar``).
    """
    leaking = check_withheld(values)
    if leaking:
        raise BuildError(f"{leaking} values that may not be shown still carry a number; nothing was written")
    with atomic_directory(out, keep=keep, digest_file=MANIFEST_FILE) as tmp:
        _write_gpkg(tmp / AREAS_FILE, _area_layers(areas))
        extra_columns = [c for c in EXTRA_VALUE_COLUMNS if c in values.columns]
        values[VALUE_COLUMNS + extra_columns].to_parquet(tmp / VALUES_FILE, index=False)
        forecasts = forecast_years(manifest)
        similar_buurten(values, forecasts).to_parquet(tmp / SIMILAR_FILE, index=False)
        (tmp / REGISTRY_FILE).write_bytes(registry.text or registry.path.read_bytes())
        (tmp / WEB_DIR).mkdir()
        for level in LEVELS:
            layer = web_geometry(areas.level(level))
            (tmp / web_level_file(level)).write_text(layer.to_json(drop_id=True), encoding="utf-8")
        gpkg_layers = dict(overlays or {})
        if facilities is not None:
            gpkg_layers[FACILITIES_LAYER] = facilities[0]
        if gpkg_layers:
            _write_gpkg(tmp / OVERLAYS_FILE, gpkg_layers)
        for name, frame in (web_overlays or {}).items():
            (tmp / web_overlay_file(name)).write_text(_web_overlay(frame), encoding="utf-8")
            _point_tiles(tmp, name, frame)
        if facilities is not None:
            points, summary = facilities
            web = _web_overlay(points[["type", "naam", "geometry"]])
            (tmp / web_overlay_file(FACILITIES_LAYER)).write_text(web, encoding="utf-8")
            summary.to_parquet(tmp / FACILITIES_FILE, index=False)
        if addresses is not None:
            addresses.to_parquet(tmp / ADDRESSES_FILE, index=False)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        manifest = {
            **manifest,
            "artifact_version": ARTIFACT_VERSION,
            "similar": {
                "indicators": context_years(values, forecasts),
                "min_shared": MIN_SHARED,
                "min_inhabitants": MIN_INHABITANTS,
            },
            "files": {str(p.relative_to(tmp)): file_sha256(p) for p in files},
        }
        (tmp / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8"
        )
    return manifest
