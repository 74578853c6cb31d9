"""Switchable overlays on a map: indicator overlays from the registry (groen, veiligheid) and point/polygon layers
that the build wrote to ``web/overlay_<layer>.geojson`` (trees, parks). Absent data means no overlay, not an error.
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
from atlas.artifact.status import publishable
from atlas.layers.registry import Overlay
from atlas.render.pagedata import PageData, json_script
from atlas.render.selection import WEB_LEVELS, availability, format_value


@dataclass(frozen=True)
class OverlayInfo:
    """What the page says about an overlay next to the map."""

    id: str
    title: str
    description: str
    color: str
    detail: str


def overlay_file(artifact: Artifact, overlay: Overlay) -> Path | None:
    """The build's GeoJSON (EPSG:4326) of a point or polygon overlay, or None when the build has none."""
    if overlay.kind == "indicator" or not overlay.layer:
        return None
    path = artifact.path / "web" / f"overlay_{overlay.layer}.geojson"
    return path if path.is_file() else None


INDICATOR_OVERLAY_JS = """
function atlasIndicatorOverlay(shapes, values, title) {
    var layer = L.geoJson(null, {
        style: function (feature) { return feature.properties.style; },
        onEachFeature: function (feature, shape) {
            shape.bindTooltip(function () {
                var box = document.createElement("div");
                [["Gebied", feature.properties.naam], [title, feature.properties.waarde]].forEach(function (pair) {
                    var line = document.createElement("div");
                    var label = document.createElement("b");
                    label.textContent = pair[0] + ": ";
                    line.appendChild(label);
                    line.appendChild(document.createTextNode(pair[1]));
                    box.appendChild(line);
                });
                return box;
            }, {sticky: true});
        }
    });
    shapes.geometry.forEach(function (geometry, i) {
        layer.addData({type: "Feature", geometry: geometry, properties: {
            naam: shapes.naam[i],
            waarde: values.waarde[i],
            style: {color: values.color, weight: 1, fillColor: values.color, fillOpacity: values.opacity[i]}
        }});
    });
    return layer;
}
"""
"""Builds an indicator overlay from the page data: one shape per area, darker for higher values; the tooltip gets
the name and value as text, never as markup."""


class IndicatorOverlay(folium.map.Layer):
    """An indicator drawn lightly over the map, hidden until switched on in the layer control.

    Folium renders nothing for it: the layer is made in the :class:`~atlas.render.maps.PageData` script (by
    :data:`INDICATOR_OVERLAY_JS`, from the page's one copy of the level's geometry), under this element's name, so
    the layer control finds it as it finds any layer.
    """

    def __init__(self, data: PageData, shapes: str, values: str, name: str, title: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=False)
        self._name = "IndicatorOverlay"
        data.add_script("atlasIndicatorOverlay", INDICATOR_OVERLAY_JS)
        data.add_script(
            self.get_name(),
            f"var {self.get_name()} = atlasIndicatorOverlay({shapes}, {values}, {json_script(title)});\n",
        )


@dataclass(frozen=True)
class _OverlayClasses:
    """An indicator overlay at one level and year, ready for any page of that level: the level and year it uses
    (the nearest with figures), and per area of the level's web geometry its value as text and its opacity."""

    level: str
    year: int
    waarde: list[str]
    opacity: list[float]


def _overlay_classes(artifact: Artifact, overlay: Overlay, level: str, year: int) -> _OverlayClasses | None:
    ind = artifact.registry.indicators.get(overlay.indicator or "")
    if ind is None:
        return None
    available = availability(artifact, ind.id)
    levels = [lv for lv in WEB_LEVELS if lv in ind.levels and available.years(lv)]
    if not levels:
        return None
    level_used = level if level in levels else levels[0]
    years = available.years(level_used)
    year_used = max((y for y in years if y <= year), default=years[-1])
    rows = artifact.rows(ind.id, level_used, year_used)
    published = publishable(rows)
    if not published.any():
        return None
    shown = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype="float64")[published]
    values = dict(zip(rows["code"].to_numpy(dtype=object)[published].tolist(), shown.tolist(), strict=True))
    finite = shown[np.isfinite(shown)]
    edges = np.quantile(finite, [0.2, 0.4, 0.6, 0.8]) if finite.size else np.array([])
    codes = [f["properties"]["code"] for f in artifact.web_level(level_used).features]
    per_area = np.array([values.get(code, np.nan) for code in codes], dtype=float)
    known = np.isfinite(per_area)
    steps = np.searchsorted(edges, per_area, side="left")
    pairs = list(zip(per_area.tolist(), steps.tolist(), known.tolist(), strict=True))
    waarde = [format_value(value, ind) if known else "geen gegevens" for value, _, known in pairs]
    opacity = [round(0.1 + 0.12 * step, 2) if known else 0.0 for _, step, known in pairs]
    return _OverlayClasses(level_used, year_used, waarde, opacity)


def _indicator_layer(
    fmap: folium.Map, artifact: Artifact, overlay: Overlay, level: str, year: int
) -> tuple[folium.map.Layer, str] | None:
    # the same for every page of this level and year: computed once per artifact version
    classes = artifact.derived(
        ("overlay", overlay.id, level, year), lambda: _overlay_classes(artifact, overlay, level, year)
    )
    ind = artifact.registry.indicators.get(overlay.indicator or "")
    if classes is None or ind is None:
        return None
    data = PageData.of(fmap)
    shapes = data.level(artifact, classes.level)
    layer_values = data.layer(
        overlay.id, {"color": overlay.color, "waarde": classes.waarde, "opacity": classes.opacity}
    )
    layer = IndicatorOverlay(
        data, shapes, layer_values, name=f"{overlay.title} ({ind.unit_label}, {classes.year})", title=overlay.title
    )
    detail = f"{ind.title} per {classes.level}, {classes.year}; hoe donkerder, hoe hoger"
    return layer, detail


REMOTE_LAYER_JS = """
function atlasRemoteLayer(url, style) {
    var group = L.layerGroup();
    group.once("add", function () {
        var map = group._map;
        fetch(url, {credentials: "same-origin"})
            .then(function (response) { return response.json(); })
            .then(function (data) {
                if (!map.getPane("atlas-lagen")) {
                    map.createPane("atlas-lagen").style.zIndex = 450;  // above the choropleth
                }
                var renderer = L.canvas({padding: 0.5, pane: "atlas-lagen"});
                L.geoJSON(data, {
                    renderer: renderer,
                    interactive: false,
                    style: function () { return style; },
                    pointToLayer: function (feature, latlng) {
                        var options = Object.assign({}, style, {renderer: renderer, interactive: false});
                        return L.circleMarker(latlng, options);
                    }
                }).addTo(group);
            });
    });
    return group;
}
"""
"""Makes a layer that fetches its GeoJSON from ``url`` the first time it is switched on and draws it on a canvas."""


class RemoteGeoJson(folium.map.Layer):
    """A point or polygon overlay that the browser fetches from ``url`` the first time it is switched on.

    Tens of thousands of trees do not belong inline in every map page: the page stays small and cacheable, the layer
    comes from this server (same origin, allowed by the CSP's connect-src) and is drawn on a canvas, not as SVG paths.
    Like :class:`IndicatorOverlay`, it is made in the page-data script (:data:`REMOTE_LAYER_JS`), hidden until
    switched on.
    """

    def __init__(self, data: PageData, url: str, name: str, style: dict[str, Any]) -> None:
        super().__init__(name=name, overlay=True, control=True, show=False)
        self._name = "RemoteGeoJson"
        self.url = url
        self.style = style
        data.add_script("atlasRemoteLayer", REMOTE_LAYER_JS)
        data.add_script(
            self.get_name(), f"var {self.get_name()} = atlasRemoteLayer({json_script(url)}, {json_script(style)});\n"
        )


def _feature_layer(
    fmap: folium.Map, artifact: Artifact, overlay: Overlay, url: str
) -> tuple[folium.map.Layer, str] | None:
    path = overlay_file(artifact, overlay)
    if path is None:
        return None
    if overlay.kind == "points":
        style = {"radius": 1.5, "stroke": False, "fill": True, "fillOpacity": 0.6, "fillColor": overlay.color}
        detail = "punten; worden geladen als u de laag aanzet"
    else:
        style = {"color": overlay.color, "weight": 1, "fillColor": overlay.color, "fillOpacity": 0.5}
        detail = "vlakken; worden geladen als u de laag aanzet"
    return RemoteGeoJson(PageData.of(fmap), url, overlay.title, style), detail


def add_overlays(
    fmap: folium.Map,
    artifact: Artifact,
    level: str,
    year: int,
    skip: str | tuple[str, ...],
    layer_url: Callable[[str], str] = lambda layer: f"/api/overlays/{layer}",
) -> list[OverlayInfo]:
    """Add every overlay the artifact has data for (hidden until switched on); ``skip`` the indicator(s) shown.

    Point and polygon overlays are fetched by the browser from ``layer_url(layer)``.
    """
    infos = []
    skipped = (skip,) if isinstance(skip, str) else skip
    for overlay in artifact.registry.overlays.values():
        if overlay.kind == "indicator":
            if overlay.indicator in skipped:
                continue
            made = _indicator_layer(fmap, artifact, overlay, level, year)
        else:
            made = _feature_layer(fmap, artifact, overlay, layer_url(overlay.layer or ""))
        if made is None:
            continue
        layer, detail = made
        layer.add_to(fmap)
        infos.append(OverlayInfo(overlay.id, overlay.title, overlay.description, overlay.color, detail))
    return infos
