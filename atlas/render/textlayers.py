"""Folium elements that hand data to Leaflet as text, never as markup.

Folium's ``GeoJsonTooltip`` builds its table as a string and assigns it to ``innerHTML``, and Leaflet's layer control
writes each layer's name with ``innerHTML``. Area names, indicator titles and sources are data (a sources file or an
extended registry may hold anything), so a buurt named ``<img src=x onerror=...>`` would become live DOM. The
tooltip here builds its table with DOM calls and ``textContent``; the layer control gets every name HTML-escaped,
which Leaflet's ``innerHTML`` turns back into the same text.
"""

from __future__ import annotations

import html
from collections import OrderedDict
from typing import Any

import folium
from folium.template import Template


class TextTooltip(folium.GeoJsonTooltip):
    """A GeoJSON tooltip of (alias, property) rows whose labels and values are inserted as text."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        {{ this._parent.get_name() }}.bindTooltip(function (layer) {
            var fields = {{ this.fields|tojson }};
            var aliases = {{ this.aliases|tojson }};
            var properties = (layer.feature && layer.feature.properties) || {};
            var table = document.createElement("table");
            fields.forEach(function (field, i) {
                var value = properties[field];
                var row = table.insertRow();
                {% if this.labels %}var label = document.createElement("th");
                label.textContent = aliases[i];
                row.appendChild(label);{% endif %}
                row.insertCell().textContent = value === null || value === undefined ? "" : String(value);
            });
            var div = L.DomUtil.create("div");
            div.appendChild(table);
            return div;
        }, {{ this.tooltip_options|tojavascript }});
        {% endmacro %}
        """
    )

    def __init__(self, fields: list[str], aliases: list[str], **kwargs: Any) -> None:
        super().__init__(fields=fields, aliases=aliases, **kwargs)
        self._name = "TextTooltip"


class _EscapedNames(OrderedDict[str, str]):
    """Layer name -> layer variable, the name stored HTML-escaped."""

    def __setitem__(self, key: str, value: str) -> None:
        super().__setitem__(html.escape(key, quote=True), value)


class TextLayerControl(folium.LayerControl):
    """Folium's layer control, with every layer name escaped: Leaflet inserts the names as HTML."""

    def reset(self) -> None:
        self.base_layers = _EscapedNames()
        self.overlays = _EscapedNames()
