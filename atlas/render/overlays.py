"""Switchable overlays on a map: indicator overlays from the registry (groen, veiligheid), hatched over the
choropleth with their own legend (:mod:`atlas.render.hatching`), and the point and polygon layers that the build
wrote (trees, parks, facilities), loaded by the browser from a zoom level on (:mod:`atlas.render.zoomlayers`); the
facilities in a colour per type, with a legend of the types. Absent data means no overlay, not an error.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import folium
import numpy as np
import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.layout import FACILITIES_LAYER
from atlas.artifact.status import publishable
from atlas.layers.registry import Indicator, Overlay
from atlas.render.hatching import HATCH_CLASSES, IndicatorOverlay
from atlas.render.pagedata import PageData
from atlas.render.selection import WEB_LEVELS, availability, format_value
from atlas.render.zoomlayers import ZoomLayer

NO_VALUE = "geen gegevens"


@dataclass(frozen=True)
class OverlayInfo:
    """What the page says about an overlay next to the map, and the layer that draws it."""

    id: str
    title: str
    description: str
    color: str
    detail: str
    layer: folium.map.Layer


def overlay_file(artifact: Artifact, overlay: Overlay) -> Path | None:
    """The build's GeoJSON (EPSG:4326) of a point or polygon overlay, or None when the build has none."""
    if overlay.kind == "indicator" or not overlay.layer:
        return None
    path = artifact.path / "web" / f"overlay_{overlay.layer}.geojson"
    return path if path.is_file() else None


@dataclass(frozen=True)
class _OverlayClasses:
    """An indicator overlay at one level and year, ready for any page of that level: the level and year it uses
    (the nearest with figures); per area of that level's web geometry its class (-1: no value); per area of the
    page's level the tooltip's text; and the legend's (class, label) of the classes that occur."""

    level: str
    year: int
    klasse: list[int]
    tekst: list[str]
    legend: list[tuple[int, str]]
    without_value: bool


def _class_labels(edges: list[float], steps: set[int], ind: Indicator) -> list[tuple[int, str]]:
    """(class, ``12,5% – 20,0%``) of the classes in ``steps``; ``edges`` are the lowest value, the class bounds and
    the highest value."""
    out = []
    previous_single = False
    for k in sorted(steps):
        low, high = format_value(edges[k], ind), format_value(edges[k + 1], ind)
        # as the map's own legend: a class of one value (every area at 0 %) reads as that value, the next "meer dan"
        out.append((k, low if low == high else f"{'meer dan ' if previous_single else ''}{low} – {high}"))
        previous_single = low == high
    return out


def _page_texts(artifact: Artifact, level: str, level_used: str, values: dict[str, float], ind: Indicator) -> list[str]:
    """The overlay's value for each area of the page's ``level``: its own, or that of the area it lies in at
    ``level_used`` with that area's name; empty where the overlay has a finer level than the page."""
    out = []
    for feature in artifact.web_level(level).features:
        code = str(feature["properties"]["code"])
        if level == level_used:
            out.append(format_value(values[code], ind) if code in values else NO_VALUE)
            continue
        text = ""
        for _ in WEB_LEVELS:  # up the hierarchy to the overlay's level
            found = artifact.areas.name_and_parent(code)
            if found is None or not found[1]:
                break
            code = found[1]
            parent = artifact.areas.name_and_parent(code)
            if code in values and parent is not None:
                text = f"{format_value(values[code], ind)} ({level_used} {parent[0]})"
                break
        out.append(text)
    return out


def _overlay_classes(artifact: Artifact, overlay: Overlay, level: str, year: int) -> _OverlayClasses | None:
    ind = artifact.registry.indicators.get(overlay.indicator or "")
    if ind is None:
        return None
    available = availability(artifact, ind.id)
    levels = [lv for lv in WEB_LEVELS if lv in ind.levels and available.years(lv)]
    if not levels:
        return None
    level_used = level if level in levels else levels[0]
    years = tuple(y for y in available.years(level_used) if not available.is_forecast(y)) or available.years(level_used)
    year_used = max((y for y in years if y <= year), default=years[-1])  # measured years first: no forecast
    rows = artifact.rows(ind.id, level_used, year_used)
    published = publishable(rows)
    if not published.any():
        return None
    shown = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype="float64")[published]
    values = dict(zip(rows["code"].to_numpy(dtype=object)[published].tolist(), shown.tolist(), strict=True))
    values = {str(code): value for code, value in values.items() if np.isfinite(value)}
    finite = np.asarray(list(values.values()), dtype="float64")
    if not finite.size:
        return None
    quantiles = [0.2, 0.4, 0.6, 0.8][: len(HATCH_CLASSES) - 1]
    edges = np.quantile(finite, quantiles)
    codes = [str(f["properties"]["code"]) for f in artifact.web_level(level_used).features]
    per_area = np.array([values.get(code, np.nan) for code in codes], dtype=float)
    known = np.isfinite(per_area)
    steps = np.where(known, np.searchsorted(edges, per_area, side="left"), -1).astype(int).tolist()
    bounds = [float(finite.min()), *(float(e) for e in edges), float(finite.max())]
    return _OverlayClasses(
        level=level_used,
        year=year_used,
        klasse=steps,
        tekst=_page_texts(artifact, level, level_used, values, ind),
        legend=_class_labels(bounds, {s for s in steps if s >= 0}, ind),
        without_value=not bool(known.all()),
    )


def _indicator_layer(
    fmap: folium.Map, artifact: Artifact, overlay: Overlay, level: str, year: int, key: str
) -> tuple[folium.map.Layer, str, str] | None:
    # the same for every page of this level and year: computed once per artifact version
    classes = artifact.derived(
        ("overlay", overlay.id, level, year), lambda: _overlay_classes(artifact, overlay, level, year)
    )
    ind = artifact.registry.indicators.get(overlay.indicator or "")
    if classes is None or ind is None:
        return None
    data = PageData.of(fmap)
    values = {
        "key": key,
        "color": overlay.color,
        "klasse": classes.klasse,
        "tekst": classes.tekst,
        "legenda": {
            "titel": ind.title,
            "onder": f"{ind.unit_label} · {classes.year} · per {classes.level}; hoe dichter de arcering, hoe hoger",
            "klassen": [list(item) for item in classes.legend],
            "leeg": f"zonder arcering: {NO_VALUE}" if classes.without_value else "",
        },
    }
    name = f"{ind.title} ({ind.unit_label}, {classes.year})"
    layer = IndicatorOverlay(data, data.level(artifact, classes.level), overlay.id, values, name=name)
    detail = (
        f"per {classes.level}, {classes.year}; gearceerd over de kaart, hoe dichter hoe hoger, "
        "met een eigen legenda op de kaart"
    )
    return layer, ind.title, detail


TYPE_EDGE = "#1a1a1a"
"""The dark edge of a typed point (a facility), so it reads over light and dark classes alike."""


def type_legend(artifact: Artifact, overlay: Overlay) -> tuple[dict[str, str], dict[str, Any]]:
    """The colour of each type of a typed points overlay, and its legend: per type the title and, when the build
    counted them (the facilities), how many there are."""
    counted = (
        (artifact.manifest.get("voorzieningen") or {}).get("types", {}) if overlay.layer == FACILITIES_LAYER else {}
    )
    items = []
    for t in overlay.types:
        text = f"{t.title} ({counted[t.id]})" if t.id in counted else t.title
        items.append([t.id, t.color, text])
    under = "per soort een kleur"
    if counted:
        under = f"{sum(int(v) for v in counted.values())} voorzieningen, {under}"
    legend = {"titel": overlay.title, "onder": under, "rand": TYPE_EDGE, "soorten": items}
    return {t.id: t.color for t in overlay.types}, legend


def _feature_layer(
    fmap: folium.Map, artifact: Artifact, overlay: Overlay, layer_url: Callable[[str], str]
) -> tuple[folium.map.Layer, str, str] | None:
    layer_name = overlay.layer or ""
    url = layer_url(layer_name)
    if overlay_file(artifact, overlay) is None:
        return None
    tiles = None
    colors = legend = None
    if overlay.kind == "points" and overlay.types:
        style = {"radius": 5, "stroke": True, "color": TYPE_EDGE, "weight": 1, "fill": True, "fillOpacity": 0.95}
        kind = "punten, per soort een kleur, met een eigen legenda op de kaart"
        colors, legend = type_legend(artifact, overlay)
    elif overlay.kind == "points":
        style = {"radius": 1.5, "stroke": False, "fill": True, "fillOpacity": 0.6, "fillColor": overlay.color}
        kind = "punten"
        if artifact.tile_index_path(layer_name) is not None:
            tiles = (f"{url}/tiles.json", f"{url}/{{z}}/{{x}}/{{y}}.geojson")
    else:
        style = {"color": overlay.color, "weight": 1, "fillColor": overlay.color, "fillOpacity": 0.5}
        kind = "vlakken"
    min_zoom = overlay.min_zoom or 0
    if min_zoom:
        shown = f"te zien als u ver genoeg inzoomt, vanaf zoomniveau {min_zoom}"
    else:
        shown = "worden geladen als u de laag aanzet"
    loaded = "; alleen die van het kaartbeeld worden geladen" if tiles else ""
    layer = ZoomLayer(
        PageData.of(fmap),
        overlay.title,
        style,
        min_zoom=min_zoom,
        notice=f"Zoom verder in om de laag ‘{overlay.title}’ te zien.",
        url=url,
        tiles=tiles,
        colors=colors,
        legend=legend,
    )
    return layer, overlay.title, f"{kind}; {shown}{loaded}"


def add_overlays(
    fmap: folium.Map,
    artifact: Artifact,
    level: str,
    year: int,
    skip: str | tuple[str, ...],
    layer_url: Callable[[str], str] = lambda layer: f"/api/overlays/{layer}",
) -> list[OverlayInfo]:
    """Add every overlay the artifact has data for (hidden until switched on); ``skip`` the indicator(s) shown.

    Point and polygon overlays are fetched by the browser from ``layer_url(layer)`` (a point layer's tiles from
    below it: ``/tiles.json`` and ``/<z>/<x>/<y>.geojson``).
    """
    infos: list[OverlayInfo] = []
    skipped = (skip,) if isinstance(skip, str) else skip
    for overlay in artifact.registry.overlays.values():
        if overlay.kind == "indicator":
            if overlay.indicator in skipped:
                continue
            made = _indicator_layer(fmap, artifact, overlay, level, year, key=f"o{len(infos)}")
        else:
            made = _feature_layer(fmap, artifact, overlay, layer_url)
        if made is None:
            continue
        layer, title, detail = made
        layer.add_to(fmap)
        infos.append(OverlayInfo(overlay.id, title, overlay.description, overlay.color, detail, layer))
    return infos
