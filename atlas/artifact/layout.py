"""What an artifact directory holds: its files, their columns and its version (DESIGN.md §11).

::

    DIR/areas.gpkg                 layers buurt, wijk, stadsdeel, gemeente; columns code, naam, parent (wijk and
                                   stadsdeel also indeling); EPSG:28992
    DIR/values.parquet             indicator, code, level, period, value, n, source, status (+ ci_low, ci_high,
                                   significant, verdict, reference, rate: atlas.artifact.compare)
    DIR/manifest.json              inputs with hashes, registry hash, creation time, counts, reports
    DIR/layers.yaml                the registry the build used, so the artifact is self-contained
    DIR/web/<level>.geojson        areas in EPSG:4326, simplified without gaps or overlaps (2 m), coordinates
                                   rounded to 5 decimals (about 1 m): what every map page and minimap draws
    DIR/overlays.gpkg              with groen only: layers trees, parks, addresses; EPSG:28992
    DIR/web/overlay_<layer>.geojson  the point and polygon overlays in EPSG:4326, whole (for QGIS and scripts)
    DIR/web/tiles/<layer>/         a point overlay cut into tiles for the map pages: index.json and
                                   <zoom>/<x>/<y>.geojson (:mod:`atlas.artifact.tiles`)
    DIR/addresses.parquet          with groen and BAG fields only: the address book of the search (id, street,
                                   number, postcode, place, buurt, lon/lat, the address's own 2-22-200 result)
    DIR/similar.parquet            the five most similar buurten of every buurt (code, rank, other, distance,
                                   shared), by the context indicators of :mod:`atlas.artifact.similar`
    DIR/voorzieningen.parquet      with voorzieningen only: per area and type the number of facilities in it and
                                   the nearest one (name, address, buurt, metres from the area's label point);
                                   the points themselves are the overlays.gpkg layer voorzieningen (EPSG:28992)
                                   and web/overlay_voorzieningen.geojson (type, naam; not cut into tiles)

The writer (:mod:`atlas.artifact.writer`) and the reader (:mod:`atlas.artifact.reader`) both take the names from
here.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

ARTIFACT_VERSION = 1

AREAS_FILE = "areas.gpkg"
VALUES_FILE = "values.parquet"
MANIFEST_FILE = "manifest.json"
REGISTRY_FILE = "layers.yaml"
WEB_DIR = "web"
OVERLAYS_FILE = "overlays.gpkg"
ADDRESSES_FILE = "addresses.parquet"
FACILITIES_FILE = "voorzieningen.parquet"
SIMILAR_FILE = "similar.parquet"
FACILITIES_LAYER = "voorzieningen"
"""The layer of ``overlays.gpkg`` and the web overlay of the facilities."""

AREA_COLUMNS = ["code", "naam", "parent"]
"""Columns of every layer of ``areas.gpkg`` (the buurt layer also has ``water``)."""
GROUPING_COLUMN = "indeling"
"""Column of the wijk and stadsdeel layers (and their web GeoJSON): how certain the grouping into stadsdelen is, an
:class:`atlas.codes.Grouping` value (``gedocumenteerd``, ``indicatief``, ``overig``, or empty: not stated)."""
GROUPED_LEVELS = ("wijk", "stadsdeel")
"""The levels that carry :data:`GROUPING_COLUMN`."""

VALUE_COLUMNS = ["indicator", "code", "level", "period", "value", "n", "source", "status"]
"""Columns of ``values.parquet`` (DESIGN.md §4)."""
EXTRA_VALUE_COLUMNS = ["ci_low", "ci_high", "significant", "verdict", "reference", "rate"]
"""Columns after :data:`VALUE_COLUMNS` in ``values.parquet``: the 95 % interval, the comparison with the gemeente
and a count's rate per 1 000 (:mod:`atlas.artifact.compare`, whose ``COLUMNS`` they are)."""


def web_level_file(level: str) -> Path:
    """The web geometry of one level, relative to the artifact."""
    return Path(WEB_DIR) / f"{level}.geojson"


def web_overlay_file(layer: str) -> Path:
    """The web GeoJSON of a point or polygon overlay, relative to the artifact."""
    return Path(WEB_DIR) / f"overlay_{layer}.geojson"


def web_tile_dir(layer: str) -> Path:
    """The tiles of a point overlay (:mod:`atlas.artifact.tiles`), relative to the artifact."""
    return Path(WEB_DIR) / "tiles" / layer


def web_tile_index(layer: str) -> Path:
    """The index of a point overlay's tiles, relative to the artifact."""
    return web_tile_dir(layer) / "index.json"


def web_tile_file(layer: str, zoom: int, x: int, y: int) -> Path:
    """One tile of a point overlay, relative to the artifact."""
    return web_tile_dir(layer) / str(zoom) / str(x) / f"{y}.geojson"


def forecast_years(manifest: Mapping[str, Any]) -> dict[str, frozenset[int]]:
    """Indicator -> the years whose values are forecasts (``prognose``), from the manifest's ``forecasts`` (periods)."""
    listed = manifest.get("forecasts") or {}
    return {str(ind): frozenset(int(str(p)[:4]) for p in periods) for ind, periods in listed.items()}
