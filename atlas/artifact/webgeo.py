"""The web geometry of one level, parsed once: what every map page, overlay and minimap of that level draws.

The build writes ``web/<level>.geojson`` (EPSG:4326, simplified as a coverage, coordinates rounded to what a screen
shows); :meth:`atlas.artifact.Artifact.web_level` parses it on first use and keeps this object, so a page never
parses or reprojects geometry. The features are shared between requests: read them, never change them (build new
feature dicts around their ``geometry``, as :func:`feature` does).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

Bounds = tuple[float, float, float, float]
"""minx, miny, maxx, maxy in degrees (longitude, latitude)."""


def _coordinates(geometry: Mapping[str, Any]) -> np.ndarray:
    """Every position of a Polygon or MultiPolygon as an (n, 2) array."""
    kind, coords = geometry.get("type"), geometry.get("coordinates") or []
    rings = coords if kind == "Polygon" else [ring for polygon in coords for ring in polygon] if kind else []
    points = [point[:2] for ring in rings for point in ring]
    return np.asarray(points, dtype="float64").reshape(-1, 2)


def _bounds(points: np.ndarray) -> Bounds | None:
    if not len(points):
        return None
    low, high = points.min(axis=0), points.max(axis=0)
    return float(low[0]), float(low[1]), float(high[0]), float(high[1])


@dataclass(frozen=True)
class WebLevel:
    """The parsed features of one level, by code, with their bounds."""

    level: str
    features: tuple[dict[str, Any], ...]
    bounds_by_code: Mapping[str, Bounds]
    derived: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    """What a renderer derives from the features once and keeps with them (the map page's encoded geometry,
    :meth:`atlas.render.pagedata.PageData.level`): it lives as long as the artifact that parsed them."""

    def labels(self) -> list[tuple[str, str, tuple[float, float]]]:
        """(code, name, [lon, lat]) of each area's label, largest area first (so where labels collide, the larger
        area's name stays). The build's label point (``label``); the centre of the bounds for an artifact without
        one."""
        out = []
        for f in self.features:
            code = str(f["properties"]["code"])
            point = f["properties"].get("label")
            box = self.bounds_by_code.get(code)
            if not (isinstance(point, list) and len(point) == 2) and box is not None:
                point = [(box[0] + box[2]) / 2, (box[1] + box[3]) / 2]
            if point is not None and box is not None:
                size = (box[2] - box[0]) * (box[3] - box[1])
                out.append((size, code, str(f["properties"].get("naam", "")), (float(point[0]), float(point[1]))))
        out.sort(key=lambda item: -item[0])
        return [(code, name, point) for _, code, name, point in out]

    @classmethod
    def parse(cls, level: str, text: str) -> WebLevel:
        features = tuple(json.loads(text).get("features") or ())
        bounds = {}
        for f in features:
            box = _bounds(_coordinates(f.get("geometry") or {}))
            if box is not None:
                bounds[str(f["properties"]["code"])] = box
        return cls(level, features, bounds)

    def bounds(self, codes: Iterable[str] | None = None) -> Bounds | None:
        """The bounds of the areas ``codes`` (every area when None); None when none of them has geometry."""
        if codes is None:
            boxes = list(self.bounds_by_code.values())
        else:
            boxes = [self.bounds_by_code[c] for c in codes if c in self.bounds_by_code]
        if not boxes:
            return None
        array = np.asarray(boxes)
        return (
            float(array[:, 0].min()),
            float(array[:, 1].min()),
            float(array[:, 2].max()),
            float(array[:, 3].max()),
        )

    def within(self, codes: Iterable[str]) -> WebLevel:
        """The level with only the areas ``codes`` (their features shared, in the file's order)."""
        wanted = set(codes)
        features = tuple(f for f in self.features if f["properties"]["code"] in wanted)
        bounds = {code: box for code, box in self.bounds_by_code.items() if code in wanted}
        return WebLevel(self.level, features, bounds)

    def select(self, codes: Iterable[str]) -> list[dict[str, Any]]:
        """The features of ``codes``, in the file's order (shared: do not change them)."""
        wanted = set(codes)
        return [f for f in self.features if f["properties"]["code"] in wanted]


def feature(source: Mapping[str, Any], properties: Mapping[str, Any]) -> dict[str, Any]:
    """A new GeoJSON feature with the geometry of ``source`` (shared, not copied) and ``properties``."""
    return {"type": "Feature", "geometry": source["geometry"], "properties": dict(properties)}
