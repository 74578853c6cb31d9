"""The build artifact: a directory written atomically, read by the web and by notebooks.

Layout (DESIGN.md §11)::

    DIR/areas.gpkg          layers buurt, wijk, stadsdeel, gemeente; columns code, naam, parent; EPSG:28992
    DIR/values.parquet      indicator, code, level, period, value, n, source, status (+ ci_low, ci_high, significant)
    DIR/manifest.json       inputs with hashes, registry hash, creation time, counts, reports
    DIR/layers.yaml         the registry the build used, so the artifact is self-contained
    DIR/web/<level>.geojson areas in EPSG:4326, simplified without gaps or overlaps, for the web

The build writes everything into a temporary sibling directory and renames it into place only when complete, so a
failed build leaves the previous artifact byte for byte.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import shapely

from atlas.atomic import atomic_directory
from atlas.build.aggregate import EXTRA_VALUE_COLUMNS, VALUE_COLUMNS
from atlas.build.hierarchy import Areas
from atlas.errors import ArtifactError
from atlas.layers.registry import LEVELS, Registry, load_registry

ARTIFACT_VERSION = 1
AREA_COLUMNS = ["code", "naam", "parent"]
WEB_SIMPLIFY_M = 2.0
"""Tolerance (metres) of the coverage-preserving simplification of the web geometry."""

FIXED_GPKG_DATE = "2000-01-01T00:00:00Z"
"""GeoPackages carry a 'last change' timestamp; a fixed one keeps the build byte-for-byte reproducible."""


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def web_geometry(layer: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """EPSG:4326 geometry for the web, simplified as a coverage so neighbours keep shared edges."""
    out = layer[[*AREA_COLUMNS, "geometry"]].copy()
    if not out.empty:
        simplified = shapely.coverage_simplify(out.geometry.values, WEB_SIMPLIFY_M)
        out = out.set_geometry(gpd.GeoSeries(simplified, crs=layer.crs, index=out.index))
    out = out.to_crs(4326)
    out["geometry"] = shapely.set_precision(out.geometry.values, 1e-7)
    return out


def _write_gpkg(path: Path, areas: Areas) -> None:
    with _gdal_config(OGR_CURRENT_DATE=FIXED_GPKG_DATE):
        for level in LEVELS:
            layer = areas.level(level)
            columns = [*AREA_COLUMNS, *(["water"] if "water" in layer.columns else []), "geometry"]
            pyogrio.write_dataframe(layer[columns], path, layer=level, driver="GPKG")


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


def write_artifact(
    out: Path,
    areas: Areas,
    values: pd.DataFrame,
    manifest: dict[str, Any],
    registry: Registry,
    extra: Callable[[Path], None] | None = None,
) -> dict[str, Any]:
    """Write the artifact atomically and return the manifest as written.

    ``extra(tmpdir)`` may add more files before the rename.
    """
    with atomic_directory(out) as tmp:
        _write_gpkg(tmp / "areas.gpkg", areas)
        extra_columns = [c for c in EXTRA_VALUE_COLUMNS if c in values.columns]
        values[VALUE_COLUMNS + extra_columns].to_parquet(tmp / "values.parquet", index=False)
        shutil.copyfile(registry.path, tmp / "layers.yaml")
        web = tmp / "web"
        web.mkdir()
        for level in LEVELS:
            layer = web_geometry(areas.level(level))
            (web / f"{level}.geojson").write_text(layer.to_json(drop_id=True), encoding="utf-8")
        if extra is not None:
            extra(tmp)
        files = sorted(p for p in tmp.rglob("*") if p.is_file())
        manifest = {
            **manifest,
            "artifact_version": ARTIFACT_VERSION,
            "files": {str(p.relative_to(tmp)): file_sha256(p) for p in files},
        }
        (tmp / "manifest.json").write_text(
            json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=False) + "\n", encoding="utf-8"
        )
    return manifest


@dataclass
class Artifact:
    """A build artifact opened for reading (by the web app, a notebook or a script)."""

    path: Path
    manifest: dict[str, Any]
    registry: Registry
    values: pd.DataFrame
    areas: Areas
    _web: dict[str, str] = field(default_factory=dict, repr=False)

    @classmethod
    def open(cls, path: str | Path) -> Artifact:
        path = Path(path)
        manifest_path = path / "manifest.json"
        if not manifest_path.is_file():
            raise ArtifactError(f"{path} is not a build artifact (no manifest.json); run 'atlas build'")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        if manifest.get("artifact_version") != ARTIFACT_VERSION:
            raise ArtifactError(
                f"{path}: artifact version {manifest.get('artifact_version')} is not "
                f"{ARTIFACT_VERSION}; rebuild it with this version of the atlas"
            )
        registry = load_registry(path / "layers.yaml")
        values = pd.read_parquet(path / "values.parquet")
        layers = {level: pyogrio.read_dataframe(path / "areas.gpkg", layer=level) for level in LEVELS}
        for level, layer in layers.items():
            for column in AREA_COLUMNS:
                layers[level][column] = layer[column].fillna("").astype(str)
        areas = Areas(**layers)
        return cls(path=path, manifest=manifest, registry=registry, values=values, areas=areas)

    @property
    def is_demo(self) -> bool:
        return bool(self.manifest.get("demo"))

    def web_geojson(self, level: str) -> str:
        """The simplified EPSG:4326 GeoJSON of one level, as written by the build."""
        if level not in self._web:
            self._web[level] = (self.path / "web" / f"{level}.geojson").read_text(encoding="utf-8")
        return self._web[level]
