"""Facilities (``voorzieningen``), foto veerkracht part 5: presence and spread, summarised per area by the build.

:func:`compute_facilities` reads the points of the sources file's ``voorzieningen:`` section, checks them against the
types of the registry's ``voorzieningen`` overlay (``layers.yaml``, ``types:``), locates each in its buurt and writes,
per area of every level and per type:

- ``count``: how many facilities of that type lie in the area;
- the nearest facility of that type from the area's pole of inaccessibility (the point where the map writes the
  area's name, :func:`~atlas.artifact.areas.pole_points`), straight-line in RD New metres (``nearest_m``), with its
  name, address and buurt; it may lie in another area. Not for the gemeente (its centre says nothing).

Computed once in the build, so a profile only reads a table. What the build doubts is a ``facilities`` finding: a
type the registry does not list (left out), an empty name (kept, shown by its type), a point outside every buurt of
the gemeente (left out). Facilities are places, not people: nothing here is withheld.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from atlas.artifact.addresses import number_label
from atlas.artifact.areas import Areas, pole_points
from atlas.codes import LEVELS
from atlas.errors import SourcesError
from atlas.findings import Findings
from atlas.layers.registry import Overlay, Registry
from atlas.pipeline.groen.addresses import locate
from atlas.sources.spec.voorzieningen import ENTRY, VoorzieningenSource
from atlas.sources.voorzieningen import read_voorzieningen

log = logging.getLogger(__name__)

LAYER = "voorzieningen"
"""The build layer of the facilities (the registry overlay's ``layer``, the artifact's file names)."""
SUMMARY_COLUMNS = ["code", "level", "type", "count", "nearest_naam", "nearest_adres", "nearest_m", "nearest_buurt"]
"""The per-area table (one row per area and type of the registry, in registry order)."""
POINT_COLUMNS = ["type", "naam", "adres", "buurt", "geometry"]
"""The facilities that count, as the artifact keeps them (EPSG:28992)."""
EXAMPLES = 3
"""Rows named in a finding's message."""


@dataclass
class FacilitiesResult:
    """What the facilities step adds to a build."""

    points: gpd.GeoDataFrame
    """The facilities that count (:data:`POINT_COLUMNS`): a known type, inside the gemeente."""
    summary: pd.DataFrame
    """Per area and type (:data:`SUMMARY_COLUMNS`)."""
    types: tuple[str, ...]
    manifest: dict[str, Any] = field(default_factory=dict)


def facilities_overlay(registry: Registry) -> Overlay | None:
    """The registry's points overlay of the facilities (``layer: voorzieningen`` with ``types``), or None."""
    return next(
        (o for o in registry.overlays.values() if o.kind == "points" and o.layer == LAYER and o.types),
        None,
    )


def address_line(straat: str, huisnummer: Any, huisletter: str, toevoeging: str, postcode: str, woonplaats: str) -> str:
    """'Stationsweg 12A, 8011 AB Zwolle' from the BAG fields; what is not given is left out."""
    street = " ".join(part for part in (straat, number_label(huisnummer, huisletter, toevoeging)) if part)
    code = f"{postcode[:4]} {postcode[4:]}" if len(postcode) == 6 else postcode
    place = " ".join(part for part in (code, woonplaats) if part)
    return ", ".join(part for part in (street, place) if part)


def _rows_text(rows: np.ndarray) -> str:
    shown = ", ".join(str(int(r)) for r in rows[:EXAMPLES])
    return f"row {shown}" if len(rows) == 1 else f"rows {shown}" + (" …" if len(rows) > EXAMPLES else "")


def _check(
    points: gpd.GeoDataFrame,
    overlay: Overlay,
    buurt: np.ndarray,
    source: VoorzieningenSource,
    findings: Findings | None,
) -> tuple[np.ndarray, np.ndarray]:
    """The type id of every point ('' when unknown) and which points count; the doubts go to ``findings``."""
    types = np.array(
        [(t.id if (t := overlay.point_type(text)) is not None else "") for text in points["type"]], dtype=object
    )
    rows = points["row"].to_numpy()

    def warn(mask: np.ndarray, message: Callable[[int, str], str], field: str) -> None:
        if findings is not None and mask.any():
            count = int(mask.sum())
            findings.warning(
                "facilities",
                message(count, _rows_text(rows[mask])),
                file=source.path.name,
                row=int(rows[mask][0]),
                field=field,
                count=count,
            )

    unknown = types == ""
    seen = sorted({str(t) or "(leeg)" for t in points["type"][unknown]})
    allowed = ", ".join(t.id for t in overlay.types)
    warn(
        unknown,
        lambda count, where: (
            f"{count} facilities have a type layers.yaml does not list ({', '.join(seen[:5])}; "
            f"{where}): they are left out. Known types: {allowed} (or their titles)"
        ),
        source.type,
    )
    nameless = points["naam"].to_numpy(dtype=object) == ""
    warn(
        nameless,
        lambda count, where: (
            f"{count} facilities have no name ({where}): they count, and the pages call them by their type"
        ),
        source.name,
    )
    outside = buurt == ""
    warn(
        outside,
        lambda count, where: (
            f"{count} facilities lie outside every buurt of the gemeente ({where}): they are left "
            "out (wrong coordinates, or another gemeente?)"
        ),
        "geometry",
    )
    return types, ~unknown & ~outside


def _area_codes(areas: Areas, buurt: np.ndarray) -> dict[str, np.ndarray]:
    """Each facility's area code at every level, up from its buurt ('' where a level is empty)."""
    out = {LEVELS[0]: buurt}
    for level in LEVELS[1:]:
        link = areas.children(level)
        if link is None:
            out[level] = np.full(len(buurt), "", dtype=object)
            continue
        child, parent_of = link
        out[level] = pd.Series(out[child]).map(parent_of).fillna("").to_numpy(dtype=object)
    return out


def _summary(areas: Areas, points: gpd.GeoDataFrame, types: tuple[str, ...]) -> pd.DataFrame:
    codes_of = _area_codes(areas, points["buurt"].to_numpy(dtype=object))
    xy = shapely.get_coordinates(points.geometry.values) if len(points) else np.zeros((0, 2))
    kinds = points["type"].to_numpy(dtype=object)
    trees = {t: (cKDTree(xy[kinds == t]), np.flatnonzero(kinds == t)) for t in types if (kinds == t).any()}
    frames = []
    for level in LEVELS:
        layer = areas.level(level)
        if layer.empty:
            continue
        codes = layer["code"].to_numpy(dtype=object)
        poles = pole_points(layer.geometry.values) if level != LEVELS[-1] else np.full(len(layer), None, object)
        has_pole = np.array([p is not None for p in poles], dtype=bool)
        from_xy = shapely.get_coordinates(np.asarray(list(poles[has_pole]), dtype=object)) if has_pole.any() else None
        counts = pd.crosstab(codes_of[level], kinds) if len(points) else pd.DataFrame()
        for t in types:
            count = counts[t].reindex(codes, fill_value=0) if t in counts.columns else pd.Series(0, index=codes)
            frame = pd.DataFrame(
                {
                    "code": codes,
                    "level": level,
                    "type": t,
                    "count": count.to_numpy(dtype="int64"),
                    "nearest_naam": "",
                    "nearest_adres": "",
                    "nearest_m": np.nan,
                    "nearest_buurt": "",
                }
            )
            if t in trees and from_xy is not None:
                tree, positions = trees[t]
                distance, index = tree.query(from_xy)
                found = positions[np.asarray(index, dtype="int64")]
                where = np.flatnonzero(has_pole)
                frame.loc[where, "nearest_m"] = np.round(np.asarray(distance, dtype="float64"), 1)
                for column in ("naam", "adres", "buurt"):
                    frame.loc[where, f"nearest_{column}"] = points[column].to_numpy(dtype=object)[found]
            frames.append(frame)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in SUMMARY_COLUMNS})
    return pd.concat(frames, ignore_index=True)[SUMMARY_COLUMNS]


def compute_facilities(
    source: VoorzieningenSource, areas: Areas, registry: Registry, findings: Findings | None = None
) -> FacilitiesResult:
    """Read, check and summarise the facilities of the sources file's ``voorzieningen:`` section."""
    overlay = facilities_overlay(registry)
    if overlay is None:
        raise SourcesError(
            f"the registry ({registry.file_names}) has no points overlay with 'layer: {LAYER}' and its 'types:'; "
            "the facilities cannot be drawn or counted without their types",
            file=source.file,
            entry=ENTRY,
        )
    raw = read_voorzieningen(source, findings)
    buurt = locate(raw.geometry.values, areas.level(LEVELS[0])) if len(raw) else np.zeros(0, dtype=object)
    types, keep = _check(raw, overlay, buurt, source, findings)
    titles = {t.id: t.title for t in overlay.types}
    names = np.array([naam or titles.get(str(t), "") for naam, t in zip(raw["naam"], types, strict=True)], dtype=object)
    adres = np.array(
        [
            address_line(*parts)
            for parts in zip(
                raw.straat, raw.huisnummer, raw.huisletter, raw.toevoeging, raw.postcode, raw.woonplaats, strict=True
            )
        ],
        dtype=object,
    )
    points = gpd.GeoDataFrame(
        {"type": types, "naam": names, "adres": adres, "buurt": buurt}, geometry=raw.geometry.values, crs=raw.crs
    )[keep].reset_index(drop=True)
    order = tuple(t.id for t in overlay.types)
    summary = _summary(areas, points, order)
    per_type = points["type"].value_counts()
    log.info("voorzieningen: %d of %d facilities count", len(points), len(raw))
    manifest = {
        "file": source.path.name,
        "year": source.year,
        "source": source.source,
        "read": len(raw),
        "counted": len(points),
        "types": {t: int(per_type.get(t, 0)) for t in order},
        "distance": "straight line (RD New) from each area's pole of inaccessibility to the nearest facility",
    }
    return FacilitiesResult(points=points[POINT_COLUMNS], summary=summary, types=order, manifest=manifest)
