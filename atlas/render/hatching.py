"""Indicator overlays drawn as hatching over the choropleth, each with its own small legend on the map.

A second indicator filled with colour would paint over the first, so an overlay is drawn as diagonal lines in its
own colour (with a thin white casing, so they read over dark and light classes alike): the higher its class, the
closer the lines, and the two highest classes are cross-hatched. Between the lines the choropleth stays visible (in
the densest class a third of the pixels keep its colour unmixed, :data:`HATCH_CLASSES`), and its borders stay its
own. The overlay lies in its own pane above the choropleth and does not take the mouse: the choropleth's
tooltip gets a line with the overlay's value (:data:`atlas.render.maps.CHOROPLETH_JS` asks every layer with an
``atlasTooltip``), and its popup still opens.

While an overlay is on, the map shows its legend: the indicator's title, unit, year and level, and a swatch of each
class's hatching. The legends of the overlays that are on stack in one box at the bottom right, at most under half
the map high (it scrolls when more are on), so the layer control above stays free. Every text goes in with
``textContent``.
"""

from __future__ import annotations

from typing import Any

import folium

from atlas.render.pagedata import PageData, json_script

HATCH_CLASSES: tuple[tuple[float, float, bool], ...] = (
    (16.0, 1.2, False),
    (10.0, 1.3, False),
    (7.0, 1.4, False),
    (12.0, 1.2, True),
    (9.0, 1.2, True),
)
"""(distance between the lines, line width, crossed) in screen pixels per class, lowest class first: single lines
ever closer, then crossed lines. Measured in Chromium (anti-aliasing included), the lines leave 71, 57, 43, 40 and
32 % of an area's pixels exactly as the choropleth drew them."""
HATCH_CASING = 1.0
"""How much wider the white casing under each line is (pixels)."""
OVERLAY_PANE = "atlas-arcering"
OVERLAY_PANE_Z = 420
"""Above Leaflet's overlay pane (400, the choropleth), below the point layers (450) and the tooltips."""

INDICATOR_OVERLAY_JS = """
function atlasSvg(tag, attributes, parent) {
    var element = document.createElementNS("http://www.w3.org/2000/svg", tag);
    Object.keys(attributes).forEach(function (name) { element.setAttribute(name, attributes[name]); });
    if (parent) { parent.appendChild(element); }
    return element;
}
function atlasHatchPatterns(key, color, hatch, casing) {
    var defs = document.getElementById("atlas-arcering-defs");
    if (!defs) {
        var holder = atlasSvg("svg", {"class": "atlas-arcering-defs", width: 0, height: 0, "aria-hidden": "true",
                                      focusable: "false"});
        holder.style.position = "absolute";
        document.body.appendChild(holder);
        defs = atlasSvg("defs", {id: "atlas-arcering-defs"}, holder);
    }
    return hatch.map(function (step, k) {
        var id = "atlas-arcering-" + key + "-" + k;
        if (!document.getElementById(id)) {
            var gap = step[0], middle = step[0] / 2;
            var pattern = atlasSvg("pattern", {id: id, patternUnits: "userSpaceOnUse", width: gap, height: gap,
                                               patternTransform: "rotate(45)"}, defs);
            var lines = [[middle, 0, middle, gap]].concat(step[2] ? [[0, middle, gap, middle]] : []);
            [["#ffffff", step[1] + casing, 0.85], [color, step[1], 1]].forEach(function (pen) {
                lines.forEach(function (xy) {
                    atlasSvg("line", {x1: xy[0], y1: xy[1], x2: xy[2], y2: xy[3], stroke: pen[0],
                                      "stroke-width": pen[1], "stroke-opacity": pen[2]}, pattern);
                });
            });
        }
        return "url(#" + id + ")";
    });
}
function atlasLegendStack(map) {
    if (!map.atlasLegends) {
        var control = L.control({position: "bottomright"});
        control.onAdd = function () {
            var stack = L.DomUtil.create("div", "atlas-laaglegendas");
            stack.setAttribute("role", "region");
            stack.setAttribute("aria-label", "Legenda's van de extra kaartlagen");
            stack.tabIndex = 0;  // it scrolls when several are on: reachable by keyboard too
            L.DomEvent.disableClickPropagation(stack);
            L.DomEvent.disableScrollPropagation(stack);
            return stack;
        };
        control.addTo(map);
        var fit = function () {  // at most under half the map: the layer control above stays free
            control.getContainer().style.maxHeight = Math.round(map.getSize().y * 0.45) + "px";
        };
        map.on("resize", fit);
        fit();
        map.atlasLegends = control;
    }
    return map.atlasLegends.getContainer();
}
function atlasOverlayLegend(values, fills) {
    var box = L.DomUtil.create("div", "atlas-laaglegenda");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Legenda van " + values.legenda.titel);
    L.DomUtil.create("strong", "", box).textContent = values.legenda.titel;
    L.DomUtil.create("div", "atlas-laaglegenda-onder", box).textContent = values.legenda.onder;
    var list = L.DomUtil.create("ul", "", box);
    values.legenda.klassen.forEach(function (item) {
        var line = L.DomUtil.create("li", "", list);
        var swatch = atlasSvg("svg", {"class": "atlas-arcering-staal", width: 28, height: 14,
                                      "aria-hidden": "true", focusable: "false"}, line);
        atlasSvg("rect", {x: 0.5, y: 0.5, width: 27, height: 13, fill: "#f0f0f0", stroke: "#767676"}, swatch);
        atlasSvg("rect", {x: 0.5, y: 0.5, width: 27, height: 13, fill: fills[item[0]]}, swatch);
        L.DomUtil.create("span", "", line).textContent = item[1];
    });
    if (values.legenda.leeg) {
        L.DomUtil.create("div", "atlas-laaglegenda-onder", box).textContent = values.legenda.leeg;
    }
    return box;
}
var AtlasHatchedLayer = L.GeoJSON.extend({
    onAdd: function (map) {
        if (!map.getPane(ATLAS_HATCH_PANE)) {
            var pane = map.createPane(ATLAS_HATCH_PANE);
            pane.style.zIndex = ATLAS_HATCH_PANE_Z;
            pane.style.pointerEvents = "none";
        }
        L.GeoJSON.prototype.onAdd.call(this, map);
        atlasLegendStack(map).appendChild(this.atlasLegend);
    },
    onRemove: function (map) {
        L.DomUtil.remove(this.atlasLegend);
        L.GeoJSON.prototype.onRemove.call(this, map);
    }
});
function atlasIndicatorOverlay(shapes, values) {
    var fills = atlasHatchPatterns(values.key, values.color, ATLAS_HATCH_CLASSES, ATLAS_HATCH_CASING);
    var renderer = L.svg({pane: ATLAS_HATCH_PANE});
    var layer = new AtlasHatchedLayer(null, {
        renderer: renderer,
        interactive: false,
        style: function (feature) {
            var k = values.klasse[feature.properties.index];
            if (k < 0) { return {stroke: false, fill: false}; }
            return {stroke: false, fill: true, fillColor: fills[k], fillOpacity: 1};
        }
    });
    layer.atlasLegend = atlasOverlayLegend(values, fills);
    layer.atlasTooltip = function (index) {
        var text = values.tekst[index];
        return text ? [values.legenda.titel, text] : null;
    };
    shapes.geometry.forEach(function (geometry, i) {
        layer.addData({type: "Feature", geometry: geometry, properties: {index: i}});
    });
    return layer;
}
"""
"""Builds an indicator overlay from the page data: one hatched shape per area of its level, its legend, and the
line it adds to the choropleth's tooltip (``values.tekst``, per area of the map's level)."""


def hatching_js() -> str:
    """:data:`INDICATOR_OVERLAY_JS` with the constants it uses, for :mod:`atlas.render.maplib`."""
    return (
        f"var ATLAS_HATCH_PANE = {json_script(OVERLAY_PANE)}, ATLAS_HATCH_PANE_Z = {OVERLAY_PANE_Z};\n"
        f"var ATLAS_HATCH_CLASSES = {json_script(HATCH_CLASSES)}, ATLAS_HATCH_CASING = {HATCH_CASING};\n"
        + INDICATOR_OVERLAY_JS
    )


class IndicatorOverlay(folium.map.Layer):
    """An indicator hatched over the map, hidden until switched on in the layer control.

    Folium renders nothing for it: the layer is made in the :class:`~atlas.render.pagedata.PageData` script (by
    ``atlasIndicatorOverlay`` of :mod:`atlas.render.maplib`, from the page's one copy of the level's geometry),
    under this element's name, so
    the layer control finds it as it finds any layer. ``values`` holds ``key`` (a name for its patterns), ``color``,
    ``klasse`` (per area of its level: 0 for the lowest class, -1 without a value), ``tekst`` (per area of the map's
    level: the tooltip's line) and ``legenda`` (``titel``, ``onder``, ``klassen`` as [class, label], ``leeg``).
    """

    def __init__(self, data: PageData, shapes: str, key: str, values: dict[str, Any], name: str) -> None:
        super().__init__(name=name, overlay=True, control=True, show=False)
        self._name = "IndicatorOverlay"
        layer_values = data.layer(key, values)
        data.add_script(self.get_name(), f"var {self.get_name()} = atlasIndicatorOverlay({shapes}, {layer_values});\n")
