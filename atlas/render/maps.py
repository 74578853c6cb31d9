"""Folium choropleths of one indicator at one level and year, with switchable overlays.

The map is rendered into three parts (head, body, script) that the web page places in its own layout, so the page
around the map (legend, explanations, the accessible table) is plain HTML.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from typing import Any

import branca.colormap as bcm
import branca.utilities as butil
import folium
import mapclassify
import numpy as np
import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.status import Status, shown_status, shown_value
from atlas.codes import LEVELS, Grouping
from atlas.layers.registry import Indicator
from atlas.render.compare import Reference, comparable, difference_text
from atlas.render.pagedata import PageData, pack_column
from atlas.render.selection import Selection, format_value, source_text

UNPUBLISHED_STYLES: dict[Status, dict[str, Any]] = {
    Status.SUPPRESSED: {
        "fillColor": "#bdbdbd",
        "fillOpacity": 0.8,
        "color": "#4d4d4d",
        "weight": 1,
        "dashArray": "1 3",
    },
    Status.MISSING: {"fillColor": "#ffffff", "fillOpacity": 0.6, "color": "#6b6b6b", "weight": 1, "dashArray": "4 3"},
}
"""How an area without a published value is drawn, per status: never in a colour of the classes."""

FOLIUM_VIEWPORT = re.compile(r"<meta\s+name=\"viewport\"[^>]*>", re.IGNORECASE)
"""Folium's viewport tag, which forbids zooming; the page template sets one that allows it."""


@dataclass(frozen=True)
class MapAssets:
    """Where the page loads Leaflet from: (name, URL) pairs, served by the app itself (never a CDN)."""

    js: tuple[tuple[str, str], ...]
    css: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MapParts:
    """A rendered Folium map split for embedding: what goes in <head>, the map <div>, and the script."""

    head: str
    body: str
    script: str


@dataclass(frozen=True)
class Classes:
    """Class breaks and colours of a choropleth."""

    bins: tuple[float, ...]
    colors: tuple[str, ...]
    lower: float

    def index(self, value: float) -> int:
        """The class of ``value`` (0 the lowest)."""
        return min(int(np.searchsorted(np.asarray(self.bins), value, side="left")), len(self.colors) - 1)

    def color(self, value: float) -> str:
        return self.colors[self.index(value)]

    def ranges(self) -> list[tuple[float, float, str]]:
        """(lower, upper, colour) per class."""
        out = []
        lower = self.lower
        for upper, color in zip(self.bins, self.colors, strict=True):
            out.append((lower, upper, color))
            lower = upper
        return out


def palette(name: str, k: int) -> list[str]:
    """``k`` colours of a ColorBrewer or viridis palette, light to dark."""
    if name in ("viridis", "cividis"):
        step = bcm.linear.viridis.to_step(k)  # type: ignore[attr-defined]
        rgb = ["#{:02x}{:02x}{:02x}".format(*(round(255 * c) for c in rgba[:3])) for rgba in step.colors]
        return rgb[::-1]
    colors = list(butil.color_brewer(name, n=max(k, 3)))
    return colors[:k] if k >= 3 else [colors[0], colors[-1]][:k]


def _scheme_bins(values: np.ndarray, indicator: Indicator, k: int) -> tuple[float, ...]:
    """Upper class bounds of the registry's mapclassify scheme for ``values``, ``k`` classes at most."""
    unique = np.unique(values)
    k = min(k, len(unique))
    if k < 2:
        return (float(unique[-1]),)
    scheme = getattr(mapclassify, indicator.classification.mapclassify_name)
    with warnings.catch_warnings():
        # FisherJenks says it would be faster with numba; for a few hundred areas it does not matter
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        if indicator.classification.scheme in ("head_tail_breaks", "std_mean"):
            result = scheme(values)
        else:
            result = scheme(values, k=k)
    return tuple(float(b) for b in np.unique(result.bins))


def classify(values: np.ndarray, indicator: Indicator) -> Classes | None:
    """Classes from the registry's mapclassify scheme and k; fewer classes when values are few.

    When more than one area in k shares the lowest value (many buurten at 0 %, as with the 2-22-200 norm),
    quantile-like schemes would spend all their classes on it; that value then gets a class of its own and
    the scheme divides the other values over the remaining classes.
    """
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    unique = np.unique(values)
    k = min(indicator.classification.k, len(unique))
    if k < 2:
        return Classes(bins=(float(unique[0]),), colors=(palette(indicator.palette, 3)[1],), lower=float(unique[0]))
    low = float(unique[0])
    if k >= 3 and np.count_nonzero(values == low) * k > values.size:
        bins = (low, *_scheme_bins(values[values > low], indicator, k - 1))
    else:
        bins = _scheme_bins(values, indicator, k)
    return Classes(bins=bins, colors=tuple(palette(indicator.palette, len(bins))), lower=low)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


N_UNKNOWN = "onbekend"
"""What a published survey value without a respondent count shows as its n."""


def format_n(value: Any, indicator: Indicator | None = None) -> str:
    """A count the Dutch way (``1.234``); a survey indicator's unknown respondent count says :data:`N_UNKNOWN`."""
    number = _finite(value)
    if number is None:
        return N_UNKNOWN if indicator is not None and indicator.suppression == "survey" else ""
    return f"{round(number):,}".replace(",", ".")


def format_ci(row: dict[Hashable, Any] | pd.Series, indicator: Indicator) -> str:
    """``12,3% – 15,0%`` when the row has a confidence interval, else empty."""
    low, high = _finite(row.get("ci_low")), _finite(row.get("ci_high"))
    if low is None or high is None:
        return ""
    return f"{format_value(low, indicator)} – {format_value(high, indicator)}"


TOOLTIP_COLUMNS = ("waarde", "n", "bi", "verschil", "status", "bron", "jaar", "indeling", "ouder", "gemeente")
"""What the choropleth's page data holds per area besides its code and name (from the level's geometry): the
tooltip's texts, and for the popup the same figure of the area it lies in (``ouder``) and of the gemeente."""

TAP_SIZE = 44
"""Pixels an area needs on a touch screen before a tap opens it (WCAG 2.5.5's target size); a smaller one is zoomed
in on first."""

HIGHLIGHT_STYLE: dict[str, Any] = {"weight": 3, "color": "#000"}
"""How an area of the choropleth is drawn while the mouse is over it."""


def choropleth_values(artifact: Artifact, selection: Selection, classes: Classes | None) -> dict[str, Any]:
    """The selection's values and styles for every area of the level's web geometry, in its order, as columns.

    ``columns`` holds one text per area for each of :data:`TOOLTIP_COLUMNS`; ``style`` one index per area into
    ``styles`` (the distinct styles: a class colour or the style of a status without a published value).
    """
    ind = selection.indicator
    rows: dict[str, dict[Hashable, Any]] = {str(r["code"]): r for r in selection.records}
    columns: dict[str, list[str]] = {name: [] for name in TOOLTIP_COLUMNS}
    styles: list[dict[str, Any]] = []
    style_index: dict[str, int] = {}
    style: list[int] = []
    year = selection.available.year_label(selection.year)  # "2030 (prognose)" for a forecast
    compare = _comparisons(artifact, selection)
    reference = Reference.of(artifact, ind, selection.year) if selection.level != "gemeente" else None
    for item in artifact.web_level(selection.level).features:
        props = item["properties"]
        row = rows.get(props["code"], {})
        status = shown_status(row.get("status"), row.get("value"))
        value = shown_value(row.get("status"), row.get("value"))
        if value is not None and classes is not None:
            shape_style = {"fillColor": classes.color(value), "fillOpacity": 0.75, "color": "#333", "weight": 1}
        else:
            shape_style = UNPUBLISHED_STYLES.get(status, UNPUBLISHED_STYLES[Status.MISSING])
        key = repr(sorted(shape_style.items()))
        if key not in style_index:
            style_index[key] = len(styles)
            styles.append(shape_style)
        style.append(style_index[key])
        shown = value is not None
        try:
            grouping = Grouping(str(props.get("indeling") or ""))
        except ValueError:
            grouping = Grouping.UNSTATED
        columns["waarde"].append(format_value(value, ind) if shown else status.label)
        columns["n"].append(format_n(row.get("n"), ind) if shown else "")
        columns["bi"].append(format_ci(row, ind) if shown else "")
        columns["verschil"].append(difference_text(value, row, ind, reference) if reference else "")
        columns["status"].append(status.label)
        columns["bron"].append(source_text(row.get("source"), ind.source))
        columns["jaar"].append(year)
        columns["indeling"].append(GROUPING_TOOLTIP[grouping])
        parent, city = compare(props["code"])
        columns["ouder"].append(parent)
        columns["gemeente"].append(city)
    return {"columns": {name: pack_column(texts) for name, texts in columns.items()}, "styles": styles, "style": style}


def _comparisons(artifact: Artifact, selection: Selection) -> Callable[[str], tuple[str, str]]:
    """For an area code: 'Wijk Assendorp: 12,3 %' for the area it lies in and 'Zwolle: 13,4 %' for the gemeente
    (the same indicator and year; a withheld or missing figure says so). Empty where there is no such area."""
    ind = selection.indicator
    levels = list(LEVELS)

    def texts(level: str) -> dict[str, str]:
        frame = artifact.rows(ind.id, level, selection.year)
        out = {}
        for code, status, value in zip(frame.code, frame.status, frame.value, strict=True):
            shown = shown_value(status, value)
            out[str(code)] = format_value(shown, ind) if shown is not None else shown_status(status, value).label
        return out

    parent_level = levels[levels.index(selection.level) + 1] if selection.level in levels[:-1] else None
    parents = texts(parent_level) if parent_level else {}
    cities = texts("gemeente")

    def compare(code: str) -> tuple[str, str]:
        found = artifact.areas.name_and_parent(code)
        parent = artifact.areas.name_and_parent(found[1]) if found and found[1] else None
        parent_text = ""
        if parent is not None and parent_level and parent_level != "gemeente" and found is not None:
            parent_text = f"{parent_level.capitalize()} {parent[0]}: {parents.get(found[1], Status.MISSING.label)}"
        if selection.level == "gemeente" and len(cities) > 1:  # a map of the gemeenten: each is its own figure
            return parent_text, ""
        city_code, city_name = artifact.gemeente_of_area(code)
        return parent_text, f"{city_name}: {cities.get(city_code, Status.MISSING.label)}"

    return compare


GROUPING_TOOLTIP: dict[Grouping, str] = {
    Grouping.DOCUMENTED: "gedocumenteerd",
    Grouping.INDICATIVE: "indicatief (afgeleid, niet vastgesteld)",
    Grouping.UNGROUPED: "wijken zonder stadsdeel",
    Grouping.UNSTATED: "",
}
"""How a stadsdeel's grouping reads in the tooltip of a map per stadsdeel."""


def new_map(bounds: np.ndarray, assets: MapAssets) -> folium.Map:
    """An empty Folium map over ``bounds`` (minx, miny, maxx, maxy in degrees), loading Leaflet from ``assets``;
    the base map and the scale bar come with :class:`~atlas.render.basemap.BaseMap`."""
    fmap = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=12,
        tiles=None,
        control_scale=False,
        prefer_canvas=False,
        zoom_snap=0.25,  # fit the gemeente or a stadsdeel snugly, not at the nearest whole zoom level
        zoom_delta=0.5,
    )
    fmap.default_js = list(assets.js)
    fmap.default_css = list(assets.css)
    fit = folium.map.FitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    # at once, not animated: a zoom animation still running would undo the view a shared link restores
    fit.options["animate"] = False
    fit.add_to(fmap)
    return fmap


def tooltip_fields(indicator: Indicator, *, with_ci: bool, with_grouping: bool = False) -> list[tuple[str, str]]:
    """(property, label) of each line of the choropleth's tooltip: a glance that fits beside the mouse (the popup
    of a click holds the rest, :func:`popup_fields`)."""
    fields = [("naam", "Gebied"), ("waarde", indicator.title), ("n", "Aantal (n)")]
    if with_grouping:
        fields.append(("indeling", "Indeling in stadsdelen"))
    if with_ci:
        fields.append(("bi", "95%-interval"))
    return [*fields, ("verschil", "Verschil")] if comparable(indicator) else fields


def popup_fields(indicator: Indicator, *, with_ci: bool) -> list[tuple[str, str]]:
    """(label, property) of each line of the popup a click opens, under the area's name; an empty label shows the
    value alone (the comparisons carry their own names)."""
    lines = [(indicator.title, "waarde"), ("Aantal (n)", "n")]
    if with_ci:
        lines.append(("95%-interval", "bi"))
    if comparable(indicator):
        lines.append(("Verschil", "verschil"))
    return [*lines, ("", "ouder"), ("", "gemeente"), ("Bron", "bron"), ("Jaar", "jaar")]


CHOROPLETH_JS = """
function atlasChoropleth(shapes, values) {
    var layer = L.geoJson(null, {
        style: function (feature) { return values.styles[values.style[feature.properties.index]]; },
        onEachFeature: function (feature, shape) {
            shape.on({
                mouseover: function (e) { e.target.setStyle(values.highlight); },
                mouseout: function (e) { layer.resetStyle(e.target); }
            });
        }
    });
    function content(shape) {
        var p = (shape.feature && shape.feature.properties) || {};
        var box = L.DomUtil.create("div", "atlas-popup");
        L.DomUtil.create("strong", "", box).textContent = p.naam;
        values.popup.forEach(function (line) {
            var text = p[line[1]];
            if (!text) { return; }
            var row = L.DomUtil.create("div", line[1] === "bron" || line[1] === "jaar" ? "muted" : "", box);
            row.textContent = line[0] ? line[0] + ": " + text : text;
        });
        var link = L.DomUtil.create("a", "", box);
        link.href = "/gebied/" + encodeURIComponent(p.code);
        link.textContent = "Bekijk profiel";
        return box;
    }
    var coarse = window.matchMedia && window.matchMedia("(pointer: coarse)").matches;
    function open(shape, latlng) {
        var map = layer._map;
        var box = shape.getBounds(), ne = map.latLngToContainerPoint(box.getNorthEast());
        var sw = map.latLngToContainerPoint(box.getSouthWest());
        var size = Math.min(Math.abs(ne.x - sw.x), Math.abs(ne.y - sw.y));
        if (coarse && size < values.tapSize) {
            // too small for a finger: zoom in around it first, the next tap opens it
            var zoom = Math.min(map.getMaxZoom(), map.getZoom() + Math.log2(values.tapSize / Math.max(size, 1)));
            map.setView(latlng, Math.ceil(zoom * 4) / 4);
            return null;
        }
        var popup = L.popup({maxWidth: 280, autoPanPadding: [10, 10]});
        return popup.setLatLng(latlng).setContent(content(shape)).openOn(map);
    }
    layer.on("click", function (e) { open(e.layer, e.latlng); });
    layer.atlasOpen = function (code) {
        var found = null;
        layer.eachLayer(function (shape) { if (shape.feature.properties.code === code) { found = shape; } });
        if (!found) { return null; }
        layer._map.fitBounds(found.getBounds(), {maxZoom: Math.max(layer._map.getZoom(), 14), padding: [40, 40]});
        return open(found, found.getCenter());
    };
    window.atlasOpenArea = layer.atlasOpen;  // for the table's "op de kaart" buttons (atlas.js)
    // a tooltip needs a mouse: on a touch screen a tap opens the popup, which says all the tooltip says
    if (window.matchMedia && !window.matchMedia("(hover: hover)").matches) { values.fields = null; }
    if (values.fields) layer.bindTooltip(function (shape) {
        var properties = (shape.feature && shape.feature.properties) || {};
        var table = document.createElement("table");
        values.fields.forEach(function (field, i) {
            var value = properties[field];
            var row = table.insertRow();
            var label = document.createElement("th");
            label.textContent = values.aliases[i];
            row.appendChild(label);
            row.insertCell().textContent = value === null || value === undefined ? "" : String(value);
        });
        if (shape._map) {  // a line for each overlay switched on that has a value here
            shape._map.eachLayer(function (other) {
                var line = other.atlasTooltip && other.atlasTooltip(properties.index);
                if (!line) { return; }
                var row = table.insertRow();
                var label = document.createElement("th");
                label.textContent = line[0];
                row.appendChild(label);
                row.insertCell().textContent = line[1];
            });
        }
        var box = L.DomUtil.create("div");
        box.appendChild(table);
        return box;
    }, {sticky: true, className: "foliumtooltip"});
    shapes.geometry.forEach(function (geometry, i) {
        var properties = {index: i, code: shapes.code[i], naam: shapes.naam[i]};
        Object.keys(values.columns).forEach(function (name) {
            properties[name] = atlasColumn(values.columns[name], i);
        });
        layer.addData({type: "Feature", geometry: geometry, properties: properties});
    });
    return layer;
}
"""
"""Builds the choropleth from the page data: one shape per area in its style, outlined while the mouse is over it,
with a tooltip table and a popup (its lines: ``values.popup``, pairs of label and column) whose labels and values are
inserted as text (``textContent``), never as markup. The tooltip table ends with a line per switched-on layer that
has an ``atlasTooltip`` (the hatched indicator overlays of :mod:`atlas.render.hatching`, which do not take the mouse
themselves)."""


OUTLINE_JS = """
function atlasOutline(geometries, style) {
    var layer = L.geoJson(null, {interactive: false, style: function () { return style; }});
    geometries.forEach(function (geometry) { layer.addData({type: "Feature", geometry: geometry, properties: {}}); });
    return layer;
}
"""
"""Draws shapes as outlines only, not reacting to the mouse (the border of the stadsdeel zoomed to)."""


CHOROPLETH_KEY = "choropleth"
"""The choropleth's entry in the page data's layers."""
OUTLINE_KEY = "outline"
"""The outline's entry in the page data's layers."""


class AreaLayer(folium.map.Layer):
    """A map's main layer: one shape per area of a level in its own style, with a tooltip table and a popup.

    Like the overlays of :mod:`atlas.render.overlays`, it is made in the :class:`PageData` script (by
    :data:`CHOROPLETH_JS`), from the page's one copy of the level's geometry and per area its ``values``
    (``columns``, ``styles`` and ``style``, as :func:`choropleth_values` makes them); ``fields`` are the tooltip's
    (column, label) pairs, ``popup`` the popup's (label, column) lines. Folium renders only its ``addTo`` and its
    entry in the layer control.
    """

    def __init__(
        self,
        data: PageData,
        artifact: Artifact,
        level: str,
        *,
        name: str,
        fields: list[tuple[str, str]],
        popup: list[tuple[str, str]],
        values: dict[str, Any],
    ) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "ChoroplethLayer"
        shapes = data.level(artifact, level)
        layer = data.layer(
            CHOROPLETH_KEY,
            {
                "level": level,
                "fields": [field for field, _ in fields],
                "aliases": [alias for _, alias in fields],
                "popup": [list(line) for line in popup],
                "tapSize": TAP_SIZE,
                "highlight": HIGHLIGHT_STYLE,
                **values,
            },
        )
        data.add_script(self.get_name(), f"var {self.get_name()} = atlasChoropleth({shapes}, {layer});\n")


class ChoroplethLayer(AreaLayer):
    """One indicator's choropleth: each area in the colour of its class, or the style of its status."""

    def __init__(
        self,
        data: PageData,
        artifact: Artifact,
        selection: Selection,
        classes: Classes | None,
        *,
        with_ci: bool,
        with_grouping: bool = False,
    ) -> None:
        ind = selection.indicator
        super().__init__(
            data,
            artifact,
            selection.level,
            name=f"{ind.title} ({ind.unit_label})",
            fields=tooltip_fields(ind, with_ci=with_ci, with_grouping=with_grouping),
            popup=popup_fields(ind, with_ci=with_ci),
            values=choropleth_values(artifact, selection, classes),
        )


class OutlineLayer(folium.map.Layer):
    """Shapes drawn as outlines from the page data (:data:`OUTLINE_JS`), shown, not interactive."""

    def __init__(self, data: PageData, geometries: list[dict[str, Any]], name: str, style: dict[str, Any]) -> None:
        super().__init__(name=name, overlay=True, control=True, show=True)
        self._name = "OutlineLayer"
        shapes = data.layer(OUTLINE_KEY, {"geometry": geometries, "style": style})
        data.add_script(self.get_name(), f"var {self.get_name()} = atlasOutline({shapes}.geometry, {shapes}.style);\n")


def map_parts(fmap: folium.Map) -> MapParts:
    """Render the map and split it into head, body and script for a page of our own (its :class:`PageData` first)."""
    root = fmap.get_root()
    for child in root._children.values():  # what Figure.render does before its template
        child.render()
    head = root.header.render()  # type: ignore[attr-defined]
    # the page has its own viewport; Folium's forbids pinch zoom (user-scalable=no, WCAG 1.4.4)
    head = FOLIUM_VIEWPORT.sub("", head)
    body = root.html.render()  # type: ignore[attr-defined]
    script = root.script.render()  # type: ignore[attr-defined]
    data = [child for child in fmap._children.values() if isinstance(child, PageData)]
    return MapParts(head=head, body=body, script="".join(d.script() for d in data) + script)
