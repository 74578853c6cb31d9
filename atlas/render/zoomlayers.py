"""Point and polygon overlays (trees, parks, facilities) that the browser loads from the server, drawn from a zoom
level.

Below an overlay's ``min_zoom`` (layers.yaml) its entry stays in the layer control, but the map draws nothing and
says "Zoom verder in om … te zien" instead: 48 000 trees over a whole city are a green haze that hides the map, and
small parks are specks. From ``min_zoom`` on:

- a point layer with tiles (:mod:`atlas.artifact.tiles`) loads the tile index once, then only the tiles that the
  view touches, each once (kept in the page, and cacheable by the browser);
- another layer (the parks, the facilities, or points of a build without tiles) loads its whole file once.

Points with types (the facilities: ``types`` of the overlay in ``layers.yaml``) are drawn in their type's colour
with a dark edge, and while the layer is on, the map shows its legend (a swatch and the title of every type) in the
stack of overlay legends of :mod:`atlas.render.hatching`, built with ``textContent``.

Everything is drawn on a canvas in a pane above the choropleth and its hatched overlays, and does not take the mouse.
"""

from __future__ import annotations

from typing import Any

import folium

from atlas.render.pagedata import PageData, json_script

ZOOM_LAYERS_JS = """
function atlasZoomNotice(map, key, text) {
    var control = map.atlasNotice;
    if (!control) {
        control = L.control({position: "bottomleft"});
        control.onAdd = function () {
            var box = L.DomUtil.create("div", "atlas-zoommelding");
            box.setAttribute("role", "status");
            return box;
        };
        control.lines = {};
        control.addTo(map);
        map.atlasNotice = control;
    }
    if (text) { control.lines[key] = text; } else { delete control.lines[key]; }
    var box = control.getContainer();
    box.textContent = "";
    Object.keys(control.lines).forEach(function (k) {
        L.DomUtil.create("p", "", box).textContent = control.lines[k];
    });
}
var AtlasZoomGroup = L.LayerGroup.extend({
    initialize: function (options, draw) {
        L.LayerGroup.prototype.initialize.call(this, [], options);
        this.atlasDraw = draw;
    },
    onAdd: function (map) {
        if (!map.getPane("atlas-lagen")) { map.createPane("atlas-lagen").style.zIndex = 450; }
        L.LayerGroup.prototype.onAdd.call(this, map);
        map.on("zoomend moveend", this.atlasUpdate, this);
        if (this.options.legend) {
            this.atlasLegend = this.atlasLegend || atlasTypeLegend(this.options.legend);
            atlasLegendStack(map).appendChild(this.atlasLegend);
        }
        this.atlasUpdate();
    },
    onRemove: function (map) {
        map.off("zoomend moveend", this.atlasUpdate, this);
        atlasZoomNotice(map, L.stamp(this), "");
        if (this.atlasLegend) { L.DomUtil.remove(this.atlasLegend); }
        L.LayerGroup.prototype.onRemove.call(this, map);
    },
    atlasUpdate: function () {
        var map = this._map;
        if (!map) { return; }
        var shown = map.getZoom() >= this.options.fromZoom;
        atlasZoomNotice(map, L.stamp(this), shown ? "" : this.options.notice);
        this.atlasDraw(this, map, shown);
    }
});
function atlasTypeLegend(legend) {
    var box = L.DomUtil.create("div", "atlas-laaglegenda atlas-soortlegenda");
    box.setAttribute("role", "group");
    box.setAttribute("aria-label", "Legenda van " + legend.titel);
    L.DomUtil.create("strong", "", box).textContent = legend.titel;
    if (legend.onder) { L.DomUtil.create("div", "atlas-laaglegenda-onder", box).textContent = legend.onder; }
    var list = L.DomUtil.create("ul", "", box);
    legend.soorten.forEach(function (item) {
        var line = L.DomUtil.create("li", "", list);
        line.setAttribute("data-soort", item[0]);
        var swatch = atlasSvg("svg", {"class": "atlas-soort-staal", width: 14, height: 14, "aria-hidden": "true",
                                      focusable: "false"}, line);
        atlasSvg("circle", {cx: 7, cy: 7, r: 5.5, fill: item[1], stroke: legend.rand, "stroke-width": 1}, swatch);
        L.DomUtil.create("span", "", line).textContent = item[2];
    });
    return box;
}
function atlasGeoJson(data, style, renderer, colors) {
    function styled(feature) {
        var color = colors && feature && feature.properties ? colors[feature.properties.type] : null;
        return color ? Object.assign({}, style, {fillColor: color}) : style;
    }
    return L.geoJSON(data, {
        renderer: renderer,
        interactive: false,
        style: styled,
        filter: function (feature) {
            return !colors || !feature.properties || colors[feature.properties.type] !== undefined;
        },
        pointToLayer: function (feature, latlng) {
            return L.circleMarker(latlng, Object.assign({}, styled(feature), {renderer: renderer, interactive: false}));
        }
    });
}
function atlasJson(url) {
    return fetch(url, {credentials: "same-origin"}).then(function (response) {
        if (!response.ok) { throw new Error(url + ": " + response.status); }
        return response.json();
    });
}
function atlasRemoteLayer(options) {
    var drawn = null, loading = false;
    return new AtlasZoomGroup(options, function (group, map, shown) {
        if (!shown) { group.clearLayers(); return; }
        if (drawn) { if (!group.hasLayer(drawn)) { group.addLayer(drawn); } return; }
        if (loading) { return; }
        loading = true;
        atlasJson(options.url).then(function (data) {
            drawn = atlasGeoJson(data, options.style, L.canvas({padding: 0.5, pane: "atlas-lagen"}), options.colors);
            group.atlasUpdate();
        });
    });
}
function atlasTiledPoints(options) {
    var index = null, loading = false, tiles = {}, pending = {}, renderer = null;
    function visible(map) {
        var bounds = map.getBounds(), keys = [];
        var low = map.project(bounds.getNorthWest(), index.zoom).divideBy(256).floor();
        var high = map.project(bounds.getSouthEast(), index.zoom).divideBy(256).floor();
        for (var x = low.x; x <= high.x; x++) {
            for (var y = low.y; y <= high.y; y++) {
                if (index.tiles[x + "/" + y]) { keys.push(x + "/" + y); }
            }
        }
        return keys;
    }
    function load(group, key) {
        pending[key] = true;
        var xy = key.split("/");
        var url = options.tile.replace("{z}", index.zoom).replace("{x}", xy[0]).replace("{y}", xy[1]);
        atlasJson(url).then(function (data) {
            tiles[key] = atlasGeoJson(data, options.style, renderer);
        }, function () {
            tiles[key] = L.layerGroup();  // not asked again
        }).then(function () { group.atlasUpdate(); });
    }
    return new AtlasZoomGroup(options, function (group, map, shown) {
        if (!shown) { group.clearLayers(); return; }
        if (!index) {
            if (!loading) {
                loading = true;
                atlasJson(options.index).then(function (data) {
                    index = {zoom: data.zoom, tiles: {}};
                    data.tiles.forEach(function (t) { index.tiles[t[0] + "/" + t[1]] = true; });
                    group.atlasUpdate();
                });
            }
            return;
        }
        renderer = renderer || L.canvas({padding: 0.5, pane: "atlas-lagen"});
        var wanted = {};
        visible(map).forEach(function (key) {
            wanted[key] = true;
            if (tiles[key]) {
                if (!group.hasLayer(tiles[key])) { group.addLayer(tiles[key]); }
            } else if (!pending[key]) {
                load(group, key);
            }
        });
        Object.keys(tiles).forEach(function (key) {
            if (!wanted[key] && group.hasLayer(tiles[key])) { group.removeLayer(tiles[key]); }
        });
    });
}
"""
"""The zoom-gated layers: :func:`atlasRemoteLayer` (one file) and :func:`atlasTiledPoints` (tiles of the view), both
an ``AtlasZoomGroup`` that draws only from ``options.fromZoom`` and shows ``options.notice`` below it."""


class ZoomLayer(folium.map.Layer):
    """A point or polygon overlay loaded by the browser and drawn from ``min_zoom`` on, hidden until switched on.

    ``tiles`` (the URLs of the tile index and of one tile, with ``{z}``, ``{x}``, ``{y}``) makes it load the tiles of
    the view; else it loads ``url`` whole. ``colors`` (type -> colour) draws each point in the colour of its
    property ``type`` (points of another type are not drawn), and ``legend`` (``titel``, ``onder``, ``rand``: the
    edge colour, ``soorten``: [type, colour, text] per type) is shown while the layer is on. Like the indicator
    overlays, it is made in the page-data script.
    """

    def __init__(
        self,
        data: PageData,
        name: str,
        style: dict[str, Any],
        *,
        min_zoom: int,
        notice: str,
        url: str,
        tiles: tuple[str, str] | None = None,
        colors: dict[str, str] | None = None,
        legend: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=False)
        self._name = "ZoomLayer"
        # not Leaflet's minZoom: with it, the layer control would grey the entry out below that zoom
        options: dict[str, Any] = {"fromZoom": min_zoom, "notice": notice, "style": style, "url": url}
        if tiles is not None:
            options.update(index=tiles[0], tile=tiles[1])
        if colors is not None:
            options["colors"] = colors
        if legend is not None:
            options["legend"] = legend
        make = "atlasTiledPoints" if tiles is not None else "atlasRemoteLayer"
        data.add_script(self.get_name(), f"var {self.get_name()} = {make}({json_script(options)});\n")
