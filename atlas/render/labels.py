"""Area names on the map: one switchable layer of labels at the label points the build chose.

A map per wijk or stadsdeel names its areas at every zoom. A map per buurt names the wijken while the whole gemeente
is in view and the buurten once zoomed in (:data:`BUURT_LABEL_ZOOM`): some eighty buurt names over a city do not
fit. Where labels would still overlap, the larger area's name stays and the other waits for a closer zoom.
"""

from __future__ import annotations

import folium

from atlas.artifact import Artifact
from atlas.render.pagedata import PageData, json_script

BUURT_LABEL_ZOOM = 13.5
"""From this zoom on a buurt map names its buurten, below it its wijken: a stadsdeel fills the map at about 13.5."""

LABELS_NAME = "Namen van gebieden"
"""The labels' entry in the layer control."""

LABELS_JS = """
function atlasLabels(sets, data) {
    var group = L.layerGroup(), map = null, items = [];
    sets.forEach(function (set) {
        var names = set.labels.naam || set.labels.index.map(function (i) {
            return data.geometry[set.labels.of].naam[i];  // the names of the level drawn are in the page once
        });
        names.forEach(function (name, i) {
            var text = document.createElement("span");
            text.textContent = name;
            var icon = L.divIcon({className: "atlas-label", html: text, iconSize: null});
            var marker = L.marker(set.labels.point[i], {icon: icon, interactive: false, keyboard: false});
            items.push({marker: marker, min: set.min, max: set.max});
        });
    });
    function update() {
        if (!map) { return; }
        var zoom = map.getZoom(), size = map.getSize(), placed = [];
        var frame = map.getContainer().getBoundingClientRect();
        map.getContainer().querySelectorAll(".leaflet-control").forEach(function (control) {
            var r = control.getBoundingClientRect();  // a name does not hide under the zoom buttons or the legend
            placed.push([r.left - frame.left, r.top - frame.top, r.right - frame.left, r.bottom - frame.top]);
        });
        items.forEach(function (item) {
            var p = map.latLngToContainerPoint(item.marker.getLatLng());
            var wanted = zoom >= item.min && zoom < item.max && p.x >= 0 && p.y >= 0 && p.x <= size.x && p.y <= size.y;
            if (!wanted) { group.removeLayer(item.marker); return; }
            group.addLayer(item.marker);
            var element = item.marker.getElement();
            element.setAttribute("aria-hidden", "true");  // the table under the map names every area
            var w = element.firstChild.offsetWidth / 2 + 2, h = element.firstChild.offsetHeight / 2 + 1;
            var box = [p.x - w, p.y - h, p.x + w, p.y + h];
            var free = placed.every(function (b) {
                return box[2] < b[0] || box[0] > b[2] || box[3] < b[1] || box[1] > b[3];
            });
            element.style.visibility = free ? "" : "hidden";
            if (free) { placed.push(box); }
        });
    }
    group.on("add", function () { map = group._map; map.on("zoomend moveend resize", update); update(); });
    group.on("remove", function () { if (map) { map.off("zoomend moveend resize", update); } map = null; });
    return group;
}
"""
"""Makes the labels layer: per set of labels the zoom range it shows in; on every move only the labels in view and
in range are on the map, and of those that overlap each other or a map control only the first (the larger area) is
visible. Names are text
(``textContent``), never markup."""


def label_sets(level: str, *, several: bool = False) -> list[tuple[str, float, float]]:
    """(level, from zoom, below zoom) of the names a map of ``level`` shows; a map of the gemeente shows none, one of
    ``several`` gemeenten (a build of more than one) their names."""
    if level == "buurt":
        return [("wijk", 0, BUURT_LABEL_ZOOM), ("buurt", BUURT_LABEL_ZOOM, 99)]
    if level in ("wijk", "stadsdeel") or (level == "gemeente" and several):
        return [(level, 0, 99)]
    return []


class LabelLayer(folium.map.Layer):
    """The names of the areas (:func:`label_sets`), made in the page-data script by :data:`LABELS_JS`; shown, and
    switchable in the layer control."""

    def __init__(self, data: PageData, artifact: Artifact, level: str) -> None:
        super().__init__(name=LABELS_NAME, overlay=True, control=True, show=True)
        self._name = "LabelLayer"
        found = label_sets(level, several=len(artifact.areas.level("gemeente")) > 1)
        sets = [(data.labels(artifact, lv), low, high) for lv, low, high in found]
        entries = ", ".join(
            f"{{labels: {expr}, min: {json_script(low)}, max: {json_script(high)}}}" for expr, low, high in sets
        )
        data.add_script(self.get_name(), f"var {self.get_name()} = atlasLabels([{entries}], {data.variable});\n")


def add_labels(fmap: folium.Map, artifact: Artifact, level: str) -> None:
    """Add the labels of a map of ``level`` (none for a map of the one gemeente)."""
    if label_sets(level, several=len(artifact.areas.level("gemeente")) > 1):
        LabelLayer(PageData.of(fmap), artifact, level).add_to(fmap)
