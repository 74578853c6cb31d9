"""No HTML from data, without a browser: the map's script hands names to Leaflet as text, and the SVG the pages
embed as markup (charts, the minimap) escapes every name. The browser test (test_browser_injection.py) runs it all."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser

import folium
import pytest

from atlas.artifact.webgeo import WebLevel
from atlas.render.charts import sparkline, spread_chart, trend_chart
from atlas.render.maplib import LIBRARY_JS
from atlas.render.maps import map_parts
from atlas.render.minimap import area_svg
from atlas.render.pagedata import PageData
from atlas.render.textlayers import TextLayerControl, TextTooltip

from .mappage import choropleth

PAYLOAD = '<img src=x onerror="window.__pwned=1"></title><script>x</script>'
SQUARE = {"type": "Polygon", "coordinates": [[[6.0, 52.5], [6.1, 52.5], [6.1, 52.6], [6.0, 52.5]]]}


class Tags(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.attributes: set[str] = set()
        self.feed(markup)

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        self.attributes.update(name for name, _ in attrs)


def _map_script() -> str:
    fmap = folium.Map(location=[52.5, 6.0], tiles=None)
    geo = {"type": "FeatureCollection", "features": [{"type": "Feature", "geometry": SQUARE, "properties": {}}]}
    geo["features"][0]["properties"] = {"naam": PAYLOAD, "waarde": "1"}
    folium.GeoJson(geo, name=PAYLOAD, tooltip=TextTooltip(fields=["naam", "waarde"], aliases=[PAYLOAD, "b"])).add_to(
        fmap
    )
    TextLayerControl().add_to(fmap)
    return map_parts(fmap).script


def test_the_map_script_never_writes_markup():
    script = _map_script()
    assert "innerHTML" not in script
    assert "textContent" in script
    assert "<img" not in script and "</script" not in script  # JSON in the script is HTML-safe
    layers = script[script.index("overlays :") :]
    assert json.dumps("&lt;img src=x onerror=&quot;").replace("&", "\\u0026")[1:-1] in layers  # escaped for Leaflet


def test_folium_s_own_tooltip_would_write_markup():
    """What the text tooltip replaces: if this fails, folium changed and TextTooltip may no longer be needed."""
    fmap = folium.Map(location=[52.5, 6.0], tiles=None)
    feature = {"type": "Feature", "geometry": SQUARE, "properties": {"naam": "a"}}
    geo = {"type": "FeatureCollection", "features": [feature]}
    folium.GeoJson(geo, tooltip=folium.GeoJsonTooltip(fields=["naam"])).add_to(fmap)
    assert "innerHTML" in map_parts(fmap).script


def test_the_map_page_never_writes_markup(client):
    body = client.get("/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024").get_data(as_text=True)
    assert "innerHTML" not in body and "innerHTML" not in LIBRARY_JS  # the page, and the library its layers call
    assert "/static/kaart/lagen.js" in body  # the page loads that library
    assert LIBRARY_JS.count("textContent") >= 4  # the tooltip, popup, names and the overlays' legends write text


@pytest.mark.parametrize(
    "svg",
    [
        lambda: spread_chart([(PAYLOAD, 1.0), ("b", 2.0)], 1.5, PAYLOAD, str),
        lambda: trend_chart([(2023, 1.0), (2024, 2.0)], PAYLOAD, str),
        lambda: trend_chart([], PAYLOAD, str),
        lambda: sparkline([(2023, 1.0), (2024, 2.0)], PAYLOAD, sources=[PAYLOAD, "b"]),
    ],
)
def test_charts_escape_names(svg):
    markup = svg()
    parsed = Tags(markup)
    assert parsed.tags <= {"svg", "title", "text", "rect", "line", "polyline", "circle", "p"}
    assert "onerror" not in parsed.attributes and "src" not in parsed.attributes


class _Artifact:
    """What area_svg reads of an artifact: the web GeoJSON of a level."""

    def web_geojson(self, level: str) -> str:
        feature = {"type": "Feature", "geometry": SQUARE, "properties": {"code": "BU1", "naam": PAYLOAD}}
        return json.dumps({"type": "FeatureCollection", "features": [feature]})

    def web_level(self, level: str) -> WebLevel:
        return WebLevel.parse(level, self.web_geojson(level))


def test_minimap_escapes_names():
    parsed = Tags(area_svg(_Artifact(), "buurt", "BU1", "buurt"))  # type: ignore[arg-type]
    assert parsed.tags <= {"svg", "path", "title"}
    assert "onerror" not in parsed.attributes


def test_the_choropleth_is_built_from_page_data_with_a_text_tooltip(client):
    """The map page's main layer: no Folium GeoJSON (nor its tooltip); the page data's function builds it and writes
    every tooltip label and value with textContent. The names themselves are only in the HTML-safe page data."""
    page = client.get("/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024").data.decode()
    script = page[page.rindex("<script>") :]
    assert "innerHTML" not in script
    assert "function atlasChoropleth(" not in script  # the function is in the library every map page loads
    assert "function atlasChoropleth(" in LIBRARY_JS and "textContent = values.aliases[i]" in LIBRARY_JS
    assert "innerHTML" not in LIBRARY_JS
    assert re.search(r"var choropleth_layer_\w+ = atlasChoropleth\(page_data_\w+\.geometry\[\"buurt\"\], ", script)
    assert re.search(r"choropleth_layer_\w+\.addTo\(map_\w+\);", script)
    assert "GeoJsonTooltip" not in script and ".bindTooltip(function (layer)" not in script
    properties = choropleth(page)["features"][0]["properties"]
    assert {"code", "naam", "waarde", "n", "bi", "verschil", "status", "bron", "jaar", "style"} <= set(properties)
    assert script.count(properties["naam"]) == 1  # once, in the page data


def test_page_data_escapes_hostile_tooltip_texts():
    fmap = folium.Map(location=[52.5, 6.0], tiles=None)
    data = PageData.of(fmap)
    data.layer("choropleth", {"columns": {"waarde": [PAYLOAD]}, "aliases": [PAYLOAD]})
    script = data.script()
    assert "<img" not in script and "</script" not in script and "<script" not in script
    assert json.loads(script.split("=", 1)[1].strip().rstrip(";"))["layers"]["choropleth"]["aliases"] == [PAYLOAD]
