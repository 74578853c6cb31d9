"""No HTML from data, without a browser: the map's script hands names to Leaflet as text, and the SVG the pages
embed as markup (charts, the minimap) escapes every name. The browser test (test_browser_injection.py) runs it all."""

from __future__ import annotations

import json
from html.parser import HTMLParser

import folium
import pytest

from atlas.render.charts import sparkline, spread_chart, trend_chart
from atlas.render.maps import map_parts
from atlas.render.minimap import area_svg
from atlas.render.textlayers import TextLayerControl, TextTooltip

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
    assert "innerHTML" not in body
    assert body.count("textContent") >= 2  # the choropleth's tooltip and the overlays'


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


def test_minimap_escapes_names():
    parsed = Tags(area_svg(_Artifact(), "buurt", "BU1", "buurt"))  # type: ignore[arg-type]
    assert parsed.tags <= {"svg", "path", "title"}
    assert "onerror" not in parsed.attributes
