"""Earlier releases in the audit: what they published is known, so a new area set cannot be subtracted from an old one.

``privacy.audit_against: [earlier artifact dirs]``. Areas of different releases are related by geometry, not by code
(a merged buurt gets a new code): the current buurten and every earlier release's buurten are cut into their common
refinement, the *units*. Stapeling atoms and the buurt cells of count indicators are then kept per unit; a current
buurt is the sum of its units, and so is every area of an earlier release (a buurt, and through its own hierarchy
its wijk, stadsdeel and gemeente). The earlier release's published counts of the same period are knowledge of those
sums, its withheld counts must keep their protection interval too, and complements are only chosen in the new
release. Slivers (less than 1 % of the smaller polygon, or less than 1 m²) are not pieces: boundaries drawn again
with other precision are the same boundaries.

Only counts (the stapeling indicators and other ``sum`` indicators with count suppression) are related across
releases; surveys and shares of an earlier release are not (their respondents and weights differ by release).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import shapely

from atlas.artifact.areas import Areas
from atlas.artifact.reader import Artifact
from atlas.artifact.status import Status, shown_status
from atlas.codes import LEVELS

SLIVER_SHARE = 0.01
SLIVER_M2 = 1.0


@dataclass
class Release:
    """An earlier release: its published counts and how its areas are made of units."""

    name: str
    values: pd.DataFrame
    """indicator, code, level, period, value (published, rounded), status."""
    units_of: dict[str, list[str]]
    round_to: int
    min_count: int
    created: str = ""
    """When the earlier release was built (its manifest's ``created``): how the manifest names it."""


@dataclass
class Releases:
    """The units every current buurt is cut into, and the earlier releases."""

    units: dict[str, list[str]] = field(default_factory=dict)
    earlier: list[Release] = field(default_factory=list)


def _pieces(units: dict[str, object], old: dict[str, object]) -> dict[str, object]:
    """Cut every unit (id -> polygon) by the old polygons; keep the pieces that are not slivers."""
    ids = list(units)
    geoms = np.array([units[i] for i in ids], dtype=object)
    old_codes = list(old)
    old_geoms = np.array([old[c] for c in old_codes], dtype=object)
    tree = shapely.STRtree(old_geoms)
    out: dict[str, object] = {}
    for k, (uid, geom) in enumerate(zip(ids, geoms, strict=True)):
        parts = []
        for j in tree.query(geom, predicate="intersects"):
            piece = shapely.intersection(geom, old_geoms[j])
            area = shapely.area(piece)
            smaller = min(shapely.area(geom), shapely.area(old_geoms[j]))
            if area >= SLIVER_M2 and area >= SLIVER_SHARE * smaller:
                parts.append(piece)
        if len(parts) <= 1:
            out[uid] = geom
        else:
            for n, piece in enumerate(parts):
                out[f"{uid}/{k}.{n}"] = piece
    return out


def _units_of(units: dict[str, object], polygons: dict[str, object]) -> dict[str, list[str]]:
    """Each polygon -> the units that lie (mostly) in it; only polygons the units cover (all but slivers): an area
    of an earlier release that reaches outside the current gemeente counts people the current units do not hold."""
    ids = list(units)
    geoms = np.array([units[i] for i in ids], dtype=object)
    points = shapely.point_on_surface(geoms)
    out: dict[str, list[str]] = {}
    for code, polygon in polygons.items():
        inside = shapely.contains(polygon, points) | (
            shapely.area(shapely.intersection(geoms, polygon)) > 0.5 * shapely.area(geoms)
        )
        covered = float(shapely.area(shapely.intersection(shapely.union_all(geoms[inside]), polygon)))
        if inside.any() and covered >= (1 - SLIVER_SHARE) * float(shapely.area(polygon)):
            out[code] = [ids[i] for i in np.flatnonzero(inside)]
    return out


def relate(current: Areas, artifacts: list[tuple[str, Artifact]]) -> Releases:
    """The units of the current buurten and of every earlier release's areas."""
    if not artifacts:
        return Releases()
    crs = current.buurt.crs
    units: dict[str, object] = dict(zip(current.buurt.code, current.buurt.geometry.values, strict=True))
    olds = []
    for name, art in artifacts:
        buurt = art.areas.buurt.to_crs(crs)
        old = dict(zip(buurt.code, buurt.geometry.values, strict=True))
        units = _pieces(units, old)
        olds.append((name, art))
    current_units = _units_of(units, dict(zip(current.buurt.code, current.buurt.geometry.values, strict=True)))
    releases = Releases(units=current_units)
    for name, art in olds:
        polygons: dict[str, object] = {}
        for level in LEVELS:
            layer = art.areas.level(level).to_crs(crs)
            polygons.update(zip(layer.code, layer.geometry.values, strict=True))
        values = art.values[["indicator", "code", "level", "period", "value", "status"]].copy()
        privacy = art.manifest.get("privacy", {}) if isinstance(art.manifest.get("privacy"), dict) else {}
        releases.earlier.append(
            Release(
                name=name,
                values=values,
                units_of=_units_of(units, polygons),
                round_to=int(privacy.get("round_to", 1)),
                min_count=int(privacy.get("min_count", 10)),
                created=str(art.manifest.get("created", name)),
            )
        )
    return releases


def open_releases(paths: list[Path]) -> list[tuple[str, Artifact]]:
    """The earlier artifacts, opened (any location: they are the atlas's own outputs)."""
    return [(str(path), Artifact.open(path)) for path in paths]


def knowledge(release: Release, status: str, value: float, level: str) -> tuple[float, float] | None:
    """What a cell of an earlier release tells: its published value within rounding (0, or at least min_count below
    the gemeente), or at least 1 when it was withheld; None for a missing cell."""
    shown = shown_status(status, value)
    if shown is Status.SUPPRESSED:
        return 1.0, np.inf
    if shown is Status.MISSING:
        return None
    half = float(release.round_to // 2)
    low, high = max(0.0, value - half), value + half
    if level != LEVELS[-1]:
        if value == 0:
            return 0.0, 0.0
        low = max(low, float(release.min_count))
    return low, high
