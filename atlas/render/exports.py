"""Downloads of one selection: CSV, Excel, GeoJSON (EPSG:4326) and GeoPackage (EPSG:28992, for QGIS).

A value that is not published (suppressed or missing) stays empty in every format: never 0, never the raw number.
Text never becomes a spreadsheet formula (:mod:`atlas.render.spreadsheet`); GeoJSON and GeoPackage keep it as is.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from atlas.artifact import Artifact
from atlas.artifact.status import publishable, remarks, shown_statuses
from atlas.crs import WEB
from atlas.errors import NotFound
from atlas.render.maps import N_UNKNOWN
from atlas.render.selection import Selection
from atlas.render.spreadsheet import csv_bytes, xlsx_bytes

FORMATS: dict[str, str] = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "geojson": "application/geo+json",
    "gpkg": "application/geopackage+sqlite3",
}
"""Download formats and their media types."""

COLUMNS = ["code", "naam", "niveau", "indicator", "titel", "eenheid", "jaar", "waarde", "n", "status", "bron"]
OPTIONAL = {
    "ci_low": "bi_onder",
    "ci_high": "bi_boven",
    "significant": "verschil_gemeente",
    "verdict": "oordeel_gemeente",
    "reference": "vergeleken_met",
    "rate": "per_1000",
}
"""Columns the build may add (95 % interval, the comparison with the gemeente and what it was compared with, a
count's rate per 1 000: :mod:`atlas.artifact.compare`), with their download names."""
HIDDEN_WHEN_UNPUBLISHED = [
    "waarde",
    "n",
    "bi_onder",
    "bi_boven",
    "verschil_gemeente",
    "oordeel_gemeente",
    "vergeleken_met",
    "per_1000",
]


@dataclass(frozen=True)
class Download:
    body: bytes
    mimetype: str
    filename: str


def table(selection: Selection, artifact: Artifact | None = None) -> pd.DataFrame:
    """One row per area: the published values, with unpublished ones left empty.

    ``bron`` is each value's own source; per stadsdeel (with ``artifact``) ``indeling`` says how certain the grouping
    into stadsdelen is (``gedocumenteerd``, ``indicatief``, ``overig`` or empty).
    """
    ind = selection.indicator
    src = selection.values
    out = pd.DataFrame(
        {
            "code": src.code.astype(str),
            "naam": src.naam.astype(str),
            "niveau": selection.level,
            "indicator": ind.id,
            "titel": ind.title,
            "eenheid": ind.unit_label,
            "jaar": selection.year,
            "waarde": pd.to_numeric(src["value"], errors="coerce").astype("float64"),
            "n": pd.to_numeric(src["n"], errors="coerce").astype("float64"),
            "status": src.status.astype(str),
            "bron": src.get("source", pd.Series(ind.source, index=src.index)).fillna(ind.source).astype(str),
        }
    )
    for column, name in OPTIONAL.items():
        if column in src.columns:
            out[name] = src[column].to_numpy()
    published = publishable(src)
    out["status"] = shown_statuses(src)
    # the remark a reader sees: why a value is absent (one label for every withheld value), or that n is unknown
    unknown_n = (ind.suppression == "survey") & published & src["n"].isna().to_numpy()
    out["opmerking"] = np.where(unknown_n, f"n {N_UNKNOWN}", remarks(out["status"].to_numpy()))
    if artifact is not None and selection.level == "stadsdeel":
        out["indeling"] = [str(artifact.areas.grouping(code)) for code in out["code"]]
    for column in HIDDEN_WHEN_UNPUBLISHED:
        if column in out.columns:
            if out[column].dtype.kind in "fiu":
                out.loc[~published, column] = np.nan
            else:
                out[column] = out[column].astype(object)
                out.loc[~published, column] = None
    return out.sort_values("code").reset_index(drop=True)


def _geo(artifact: Artifact, selection: Selection, frame: pd.DataFrame) -> gpd.GeoDataFrame:
    geometry = artifact.areas.level(selection.level)[["code", "geometry"]]
    return gpd.GeoDataFrame(geometry.merge(frame, on="code", how="inner"), geometry="geometry", crs=geometry.crs)


def export(artifact: Artifact, selection: Selection, fmt: str) -> Download:
    """The selection as a file in ``fmt`` (one of :data:`FORMATS`)."""
    if fmt not in FORMATS:
        raise NotFound(f"onbekend formaat {fmt[:20]!r}; kies uit {', '.join(FORMATS)}")
    frame = table(selection, artifact)
    name = f"{selection.indicator.id}_{selection.level}_{selection.year}.{fmt}"
    if fmt == "csv":
        body = csv_bytes(frame)
    elif fmt == "xlsx":
        body = xlsx_bytes(frame, selection.indicator.id[:31])
    elif fmt == "geojson":
        body = _geo(artifact, selection, frame).to_crs(WEB).to_json(drop_id=True, na="null").encode("utf-8")
    else:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / name
            pyogrio.write_dataframe(_geo(artifact, selection, frame), path, layer=selection.indicator.id, driver="GPKG")
            body = path.read_bytes()
    return Download(body, FORMATS[fmt], name)
