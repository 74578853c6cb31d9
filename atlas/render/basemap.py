"""The base map under the atlas maps: tiles from a URL the settings choose, asked for only when they load.

A Folium tile layer requests every tile of the view at once; when the tile server cannot be reached (offline, an
intranet without internet) the console fills with failed requests and the map shows grey without a word. Instead
this element's script first asks for **one** tile of the opening view. When it loads, the tile layer is added, with
"geen achtergrond" beside it in the layer control. When it fails, no tile layer is made at all, so the page logs at
most that one failed request, and a quiet notice on the map says "achtergrondkaart niet bereikbaar". Should tiles
stop loading later, the layer is taken off after a few failures and the same notice appears. The scale bar is
metric only.
"""

from __future__ import annotations

import html
from urllib.parse import urlsplit

import folium
from branca.element import MacroElement
from jinja2 import Template
from jinja2.utils import htmlsafe_json_dumps

from atlas.settings import PDOK_TILES

PDOK_NAME = "Achtergrondkaart (PDOK, grijs)"
PDOK_ATTRIBUTION = 'Kaartgegevens &copy; <a href="https://www.kadaster.nl">Kadaster</a> (BRT-Achtergrondkaart)'
NO_BACKGROUND = "geen achtergrond"
NOTICE = "achtergrondkaart niet bereikbaar"
FAILURES_BEFORE_OFF = 3
"""Tiles that may fail after the probe before the layer is taken off (a flaky network, not a dead server)."""


def tile_origin(url: str) -> str:
    """The scheme, host and port of a tile URL template: what the CSP's ``img-src`` must allow."""
    parts = urlsplit(url.replace("{s}", "a"))
    return f"{parts.scheme}://{parts.netloc}"


def attribution_html(url: str, attribution: str | None) -> str:
    """PDOK's own attribution (with its link) for PDOK's tiles; any other attribution as escaped text."""
    if url == PDOK_TILES and not attribution:
        return PDOK_ATTRIBUTION
    return html.escape(attribution or "")


def _js(value: object) -> str:
    """A JavaScript literal that is safe inside a <script> element."""
    return str(htmlsafe_json_dumps(value))


class BaseMap(MacroElement):
    """The probed base map, the "geen achtergrond" choice, the notice and a metric scale bar."""

    _template = Template(
        """{% macro script(this, kwargs) %}
(function (map, control) {
  L.control.scale({imperial: false, metric: true}).addTo(map);
  var url = {{ this.url_json }};
  if (!url) { return; }
  function notice() {
    if (map._atlasNotice) { return; }
    var box = L.control({position: "bottomleft"});
    box.onAdd = function () {
      var div = L.DomUtil.create("div", "atlas-notice");
      div.setAttribute("role", "status");
      div.textContent = {{ this.notice_json }};
      return div;
    };
    map._atlasNotice = box.addTo(map);
  }
  var zoom = Math.round(map.getZoom());
  var tile = map.project(map.getCenter(), zoom).divideBy(256).floor();
  var probe = new Image();
  probe.onload = function () {
    var layer = L.tileLayer(url, {attribution: {{ this.attribution_json }}, maxZoom: 19});
    var failed = 0;
    layer.on("tileerror", function () {
      failed += 1;
      if (failed === {{ this.failures }}) { map.removeLayer(layer); layer.off(); notice(); }
    });
    layer.addTo(map);
    layer.bringToBack();
    if (control) {
      control.addBaseLayer(layer, {{ this.name_json }});
      control.addBaseLayer(L.layerGroup(), {{ this.none_json }});
    }
  };
  probe.onerror = notice;
  probe.src = L.Util.template(url, {s: "a", z: zoom, x: tile.x, y: tile.y});
})({{ this._parent.get_name() }}, {{ this.control_name }});
{% endmacro %}"""
    )

    def __init__(
        self, url: str | None, attribution: str | None, name: str, control: folium.LayerControl | None
    ) -> None:
        super().__init__()
        self._name = "BaseMap"
        self.url_json = _js(url)
        self.attribution_json = _js(attribution_html(url, attribution) if url else "")
        self.name_json = _js(html.escape(name))  # the layer control inserts names as HTML
        self.none_json = _js(NO_BACKGROUND)
        self.notice_json = _js(NOTICE)
        self.failures = FAILURES_BEFORE_OFF
        self.control_name = control.get_name() if control is not None else "null"
