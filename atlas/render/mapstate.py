"""The map page's address keeps the switched-on overlays and the view, so a map can be shared as a link.

The state lives in the URL's fragment, ``#lagen=bomen,veiligheid&kaart=15/52.51234/6.09123`` (overlay ids of
layers.yaml; zoom/latitude/longitude), written with ``history.replaceState`` after every change: it never reaches
the server or its cache, and the back button is not filled with map moves. On load the page restores it; what it
does not understand (an unknown overlay, a malformed or impossible view, a plain ``#tabel``) is ignored quietly.
"""

from __future__ import annotations

import folium
from folium.template import Template

from atlas.render.pagedata import PageData, json_script

MAP_STATE_JS = """
function atlasMapState(map, layers) {
    var ids = Object.keys(layers);
    var view = /^([0-9]{1,2}(?:[.][0-9]{1,2})?)[/](-?[0-9]{1,2}(?:[.][0-9]{1,7})?)[/](-?[0-9]{1,3}(?:[.][0-9]{1,7})?)$/;
    var state = new URLSearchParams(window.location.hash.replace(/^#/, ""));
    var found = view.exec(state.get("kaart") || "");
    if (found) {
        var zoom = Number(found[1]), lat = Number(found[2]), lng = Number(found[3]);
        if (zoom >= map.getMinZoom() && zoom <= map.getMaxZoom() && Math.abs(lat) <= 85 && Math.abs(lng) <= 180) {
            map.setView([lat, lng], zoom, {animate: false});
        }
    }
    (state.get("lagen") || "").split(",").forEach(function (id) {
        if (Object.prototype.hasOwnProperty.call(layers, id) && !map.hasLayer(layers[id])) {
            map.addLayer(layers[id]);
        }
    });
    function write() {
        var on = ids.filter(function (id) { return map.hasLayer(layers[id]); });
        var centre = map.getCenter();
        var parts = on.length ? ["lagen=" + on.map(encodeURIComponent).join(",")] : [];
        parts.push("kaart=" + Math.round(map.getZoom() * 100) / 100 + "/" + centre.lat.toFixed(5) + "/" +
                   centre.lng.toFixed(5));
        window.history.replaceState(window.history.state, "", "#" + parts.join("&"));
    }
    map.on("moveend", write);
    ids.forEach(function (id) { layers[id].on("add remove", write); });
}
"""
"""Restores the state from the fragment, then writes it back on every move and every overlay switched."""


class MapState(folium.MacroElement):
    """Keeps the overlays ``layers`` (overlay id -> the layer's Folium element) and the view in the URL's fragment.

    Add it to the map after the layers, the layer control and the fitted bounds: its script runs last.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        atlasMapState({{ this._parent.get_name() }}, {{ this.layers_js }});
        {% endmacro %}
        """
    )

    def __init__(self, data: PageData, layers: dict[str, folium.map.Layer]) -> None:
        super().__init__()
        self._name = "MapState"
        pairs = ", ".join(f"{json_script(key)}: {layer.get_name()}" for key, layer in layers.items())
        self.layers_js = "{" + pairs + "}"
