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
import shutil
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
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
COUNTRY_SIMPLIFY_M = 50.0
"""The tolerance for the gemeenten (and the regios and Nederland) of a build of several gemeenten: their map shows
the whole build, where a screen pixel is 100 m or more, and 342 gemeenten at 2 m make a map page of megabytes.
Each gemeente's own pages draw it from its buurten and wijken, at :data:`WEB_SIMPLIFY_M`."""
COUNTRY_PRECISION = 1e-4
"""The grid (degrees, about 10 m) of that geometry: finer than its tolerance, coarser than a street."""
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


def web_geometry(
    layer: gpd.GeoDataFrame, tolerance: float = WEB_SIMPLIFY_M, precision: float = WEB_AREA_PRECISION
) -> gpd.GeoDataFrame:
    """EPSG:4326 geometry for the web, simplified as a coverage so neighbours keep shared edges, with each area's
    :func:`label_points` (property ``label``)."""
    out = layer[[*_columns(layer, with_water=False), "geometry"]].copy()
    if not out.empty:
        out["label"] = label_points(out)
        simplified = shapely.coverage_simplify(out.geometry.values, tolerance)
        out = out.set_geometry(gpd.GeoSeries(simplified, crs=layer.crs, index=out.index))
    out = out.to_crs(WEB)
    out["geometry"] = shapely.set_precision(out.geometry.values, precision)
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


def _write_gpkg(path: Path, layers: Mapping[str, gpd.GeoDataFrame], *, append: bool = False) -> None:
    """Each layer (added to the layer of that name with ``append``) through Arrow (whole columns; feature by
    feature took twice as long for the addresses), with SQLite's own fsyncs off: the artifact is a
    staging folder that :func:`~atlas.atomic.atomic_directory` fsyncs as a whole before it becomes current, and
    a file cut short is never shown. Both leave the file's bytes as they were. GDAL commits each Arrow batch on
    its own, and the number of commits is written in the file's header: so that the file does not depend on how
    a column happens to be chunked in memory (a column read through Arrow, or put together from parts), every
    Arrow-backed column is written as one chunk, and an empty layer goes the feature-by-feature way (through
    Arrow it takes more commits)."""

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
                pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", append=append)
            else:
                pyogrio.write_dataframe(
                    one_chunk(frame), path, layer=name, driver="GPKG", use_arrow=True, append=append
                )


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


@dataclass(frozen=True)
class PartFiles:
    """The tables one part of a build wrote (:mod:`atlas.pipeline.partition`): ``values.parquet``, and when it
    has them ``book.parquet`` (the address book) and ``overlay_<name>.parquet`` (GeoParquet, EPSG:28992)."""

    directory: Path
    overlays: tuple[str, ...] = ()
    book: bool = False


PART_VALUES = "values.parquet"
PART_BOOK = "book.parquet"


def part_overlay(name: str) -> str:
    """The file name of a part's overlay layer ``name``."""
    return f"overlay_{name}.parquet"


def concat_parquet(files: Sequence[Path], dest: Path) -> None:
    """The rows of ``files`` one after another in ``dest``, one file in memory at a time (each a row group).
    The schema is the first file's; a later file whose columns differ in type is cast to it (a column that is
    empty in one part is read as null)."""
    schema: pa.Schema | None = None
    writer: pq.ParquetWriter | None = None
    try:
        for path in files:
            table = pq.read_table(path)
            if schema is None:
                schema = table.schema
                writer = pq.ParquetWriter(dest, schema)
            elif not table.schema.equals(schema, check_metadata=False):
                table = table.select(schema.names).cast(schema)
            assert writer is not None
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()


def _web_features(frame: gpd.GeoDataFrame) -> str:
    """The features of :func:`_web_overlay` as the text inside a FeatureCollection's ``features`` list."""
    text = _web_overlay(frame)
    return text[text.index("[") + 1 : text.rindex("]")].strip()


def part_web_features(name: str) -> str:
    """The file name of a part's web features of overlay ``name`` (:func:`write_part_overlays`)."""
    return f"web_{name}.txt"


def part_web_points(name: str) -> str:
    """The file name of a part's points of overlay ``name`` in degrees (:func:`write_part_overlays`)."""
    return f"points_{name}.npy"


def write_part_overlays(directory: Path, layers: Mapping[str, gpd.GeoDataFrame]) -> tuple[str, ...]:
    """A part's overlay layers, ready to be joined: each as GeoParquet (EPSG:28992), and the layers the map pages
    fetch (:data:`WEB_OVERLAY_COLUMNS`) also as their GeoJSON features and, a layer of points, their positions in
    degrees (for the tiles). The part does the work (in parallel with the others, on Dask); the artifact writer
    only joins text and arrays."""
    for name, frame in layers.items():
        frame.to_parquet(directory / part_overlay(name), index=False)
        if name not in WEB_OVERLAY_COLUMNS:
            continue
        columns = WEB_OVERLAY_COLUMNS[name]
        features = _web_features(frame[[*columns, "geometry"]]) if len(frame) else ""
        (directory / part_web_features(name)).write_text(features, encoding="utf-8")
        geometry = np.asarray(frame.geometry.values)
        if len(frame) and (shapely.get_type_id(geometry) == shapely.GeometryType.POINT).all():
            web = np.asarray(frame.to_crs(WEB).geometry.values)
            np.save(directory / part_web_points(name), np.column_stack([shapely.get_x(web), shapely.get_y(web)]))
    return tuple(layers)


BATCH_ROWS = 250_000
"""Rows of an overlay layer gathered from several parts before they are written: each write to the GeoPackage
costs a fixed time, and many small gemeenten would pay it many times; one batch is what memory holds."""


def _batches(parts: Sequence[PartFiles], name: str) -> Iterator[gpd.GeoDataFrame]:
    """The parts' layer ``name`` in order, parts joined into batches of at least :data:`BATCH_ROWS` rows (or
    one part, when larger)."""
    held: list[gpd.GeoDataFrame] = []
    rows = 0
    for part in parts:
        if name not in part.overlays:
            continue
        frame = gpd.read_parquet(part.directory / part_overlay(name))
        held.append(frame)
        rows += len(frame)
        if rows >= BATCH_ROWS:
            yield pd.concat(held, ignore_index=True) if len(held) > 1 else held[0]
            held, rows = [], 0
    if held:
        yield pd.concat(held, ignore_index=True) if len(held) > 1 else held[0]


def _web_overlay_file(tmp: Path, parts: Sequence[PartFiles], name: str) -> None:
    """``web/overlay_<name>.geojson`` from the parts' features, and the tiles of a layer of points from their
    positions."""
    with (tmp / web_overlay_file(name)).open("w", encoding="utf-8") as handle:
        handle.write('{"type": "FeatureCollection", "features": [')
        written = False
        for part in parts:
            path = part.directory / part_web_features(name)
            features = path.read_text(encoding="utf-8") if name in part.overlays and path.exists() else ""
            if features:
                handle.write((", " if written else "") + features)
                written = True
        handle.write("]}")
    found = [part.directory / part_web_points(name) for part in parts if name in part.overlays]
    if not found or not all(path.exists() for path in found):
        return  # not a layer of points (or empty)
    points = np.concatenate([np.load(path) for path in found])
    write_point_tiles(tmp, name, points[:, 0], points[:, 1])


def _stream_overlays(
    tmp: Path, parts: Sequence[PartFiles], web: Sequence[str], partitioned: Sequence[str] = ()
) -> list[str]:
    """Each overlay layer of the parts: appended to ``overlays.gpkg`` (EPSG:28992) a batch of parts at a time
    (:func:`_batches`), or, for the layers in ``partitioned``, each part's GeoParquet file moved to
    ``overlays_<name>/<part>.parquet`` as it is; for the layers in ``web`` also ``web/overlay_<name>.geojson`` and
    the tiles of a layer of points (:func:`_web_overlay_file`). Returns the layers written."""
    names = list(dict.fromkeys(name for part in parts for name in part.overlays))
    for name in names:
        if name in partitioned:
            folder = tmp / partitioned_overlay(name)
            folder.mkdir()
            for number, part in enumerate(parts):
                if name in part.overlays:
                    shutil.move(part.directory / part_overlay(name), folder / f"{number:04d}.parquet")
        else:
            for first, frame in enumerate(_batches(parts, name)):
                _write_gpkg(tmp / OVERLAYS_FILE, {name: frame}, append=first > 0)
        if name in web:
            _web_overlay_file(tmp, parts, name)
    return names


def partitioned_overlay(name: str) -> str:
    """The folder of an overlay layer written as partitioned GeoParquet (one file per part)."""
    return f"overlays_{name}"


PARTITIONED_OVERLAYS = ("addresses",)
"""The overlay layers a build of several gemeenten writes as partitioned GeoParquet (``overlays_addresses/``, one
file per part, EPSG:28992; QGIS and GDAL read GeoParquet) instead of as a layer of ``overlays.gpkg``: the per-address
results of a country are 9 million rows, which one GeoPackage would take a minute to write, one writer at a time;
each part writes its own file as it goes."""


WEB_OVERLAY_COLUMNS: dict[str, tuple[str, ...]] = {"trees": (), "parks": ("area_m2",)}
"""The overlays the map pages fetch whole and their properties (the addresses layer is for QGIS only)."""


def write_artifact(
    out: Path,
    areas: Areas,
    parts: Sequence[PartFiles],
    context: pd.DataFrame,
    manifest: dict[str, Any],
    registry: Registry,
    *,
    facilities: tuple[gpd.GeoDataFrame, pd.DataFrame] | None = None,
    above: Mapping[str, gpd.GeoDataFrame] | None = None,
    partitioned: bool = False,
    keep: int = DEFAULT_KEEP,
) -> dict[str, Any]:
    """Write the artifact as a new version of ``out`` from the tables its parts wrote, make it current, and return
    the manifest as written.

    ``out`` becomes a symlink to the new version (:mod:`atlas.atomic`); ``keep`` versions stay, the current one
    included. The parts' tables are streamed one part at a time, so memory holds one part's table, not the
    country's: the values (``values.parquet``), the address book (``addresses.parquet``) and the overlay layers
    (trees, parks, addresses) to ``overlays.gpkg`` (EPSG:28992, for QGIS), the trees and parks also to
    ``web/overlay_<name>.geojson`` (EPSG:4326, whole) and the trees, a layer of points, to tiles under
    ``web/tiles/trees/`` for the map pages (:mod:`atlas.artifact.tiles`). ``context`` holds the buurt values
    :func:`~atlas.artifact.similar.similar_buurten` reads; ``similar.parquet`` gets the most similar buurten of
    each buurt (the years used go to the manifest's ``similar``). ``facilities`` (the points, EPSG:28992, and the
    per-area summary) go to the ``voorzieningen`` layer of ``overlays.gpkg``, to
    ``web/overlay_voorzieningen.geojson`` (type and name; whole, not in tiles: a few hundred points that the map
    shows at every zoom) and to ``voorzieningen.parquet``. ``above``: the levels above the gemeente (``regio``,
    ``nederland``, :mod:`atlas.pipeline.above`), one more layer each in ``areas.gpkg`` and ``web/<level>.geojson``.
    ``partitioned``: a build of several gemeenten, whose per-address layer is partitioned GeoParquet
    (:data:`PARTITIONED_OVERLAYS`).
    """
    above = dict(above or {})
    with atomic_directory(out, keep=keep, digest_file=MANIFEST_FILE) as tmp:
        _write_gpkg(tmp / AREAS_FILE, {**_area_layers(areas), **above})
        concat_parquet([part.directory / PART_VALUES for part in parts], tmp / VALUES_FILE)
        forecasts = forecast_years(manifest)
        similar_buurten(context, forecasts).to_parquet(tmp / SIMILAR_FILE, index=False)
        (tmp / REGISTRY_FILE).write_bytes(registry.text or registry.path.read_bytes())
        (tmp / WEB_DIR).mkdir()
        for level, frame in [*((level, areas.level(level)) for level in LEVELS), *above.items()]:
            broad = len(areas.level("gemeente")) > 1 and level not in LEVELS[:-1]
            layer = web_geometry(frame, COUNTRY_SIMPLIFY_M, COUNTRY_PRECISION) if broad else web_geometry(frame)
            (tmp / web_level_file(level)).write_text(layer.to_json(drop_id=True), encoding="utf-8")
        _stream_overlays(tmp, parts, list(WEB_OVERLAY_COLUMNS), PARTITIONED_OVERLAYS if partitioned else ())
        if facilities is not None:
            points, summary = facilities
            _write_gpkg(tmp / OVERLAYS_FILE, {FACILITIES_LAYER: points})
            web = _web_overlay(points[["type", "naam", "geometry"]])
            (tmp / web_overlay_file(FACILITIES_LAYER)).write_text(web, encoding="utf-8")
            summary.to_parquet(tmp / FACILITIES_FILE, index=False)
        books = [part.directory / PART_BOOK for part in parts if part.book]
        if books:
            concat_parquet(books, tmp / ADDRESSES_FILE)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        manifest = {
            **manifest,
            "artifact_version": ARTIFACT_VERSION,
            "similar": {
                "indicators": context_years(context, forecasts),
                "min_shared": MIN_SHARED,
                "min_inhabitants": MIN_INHABITANTS,
            },
            "files": {str(p.relative_to(tmp)): file_sha256(p) for p in files},
        }
        (tmp / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8"
        )
    return manifest


def write_part_values(directory: Path, values: pd.DataFrame) -> None:
    """A part's values table, refused when a row that may not be shown
    (:func:`~atlas.artifact.status.publishable`) still carries a number: nothing of it is written."""
    leaking = check_withheld(values)
    if leaking:
        raise BuildError(f"{leaking} values that may not be shown still carry a number; nothing was written")
    directory.mkdir(parents=True, exist_ok=True)
    extra_columns = [c for c in EXTRA_VALUE_COLUMNS if c in values.columns]
    values[VALUE_COLUMNS + extra_columns].to_parquet(directory / PART_VALUES, index=False)
