"""What a map's script declares before Folium's: the page's data as one JavaScript variable, and the layers made
from it (the choropleth and outline of :mod:`atlas.render.maps`, the overlays of :mod:`atlas.render.overlays`).

Folium compiles every rendered piece of a map once more as a Jinja template, which costs about a millisecond a piece
and grows with its length (some 3 ms for the geometry of 78 buurten). Layers made here cost no such piece, and all
of them share one copy of a level's geometry in the page. :func:`atlas.render.maps.map_parts` writes it first.
"""

from __future__ import annotations

import json
from typing import Any

import folium
from branca.element import MacroElement
from jinja2.utils import htmlsafe_json_dumps

from atlas.artifact import Artifact

ENCODED = "page_geometry"
"""The key of a level's encoded geometry in :attr:`atlas.artifact.webgeo.WebLevel.derived`."""


class PageData(MacroElement):
    """The data of one map as one JavaScript variable (:attr:`variable`), then the statements that layers add
    (:meth:`add_script`); all of it HTML-safe. Folium renders nothing for it."""

    def __init__(self) -> None:
        super().__init__()
        self._name = "PageData"
        self.data: dict[str, dict[str, Any]] = {"geometry": {}, "labels": {}, "layers": {}}
        self._encoded: dict[str, str] = {}
        self.scripts: dict[str, str] = {}

    @classmethod
    def of(cls, fmap: folium.Map) -> PageData:
        """The map's page data, added to it on first use."""
        for child in fmap._children.values():
            if isinstance(child, PageData):
                return child
        data = cls()
        data.add_to(fmap)
        return data

    @property
    def variable(self) -> str:
        return self.get_name()

    def level(self, artifact: Artifact, level: str) -> str:
        """Put the web geometry and names of ``level`` in the data once; the JavaScript expression that reads it.
        Its JSON is encoded once per artifact and kept with the parsed geometry (:attr:`WebLevel.derived`): the
        geometry of 342 gemeenten takes 8 ms to encode, as much as the rest of the page."""
        if level not in self.data["geometry"]:
            web = artifact.web_level(level)
            if ENCODED not in web.derived:
                shapes = {
                    "code": [f["properties"]["code"] for f in web.features],
                    "naam": [f["properties"].get("naam", "") for f in web.features],
                    "geometry": [f["geometry"] for f in web.features],
                }
                web.derived[ENCODED] = (shapes, json_script(shapes))
            self.data["geometry"][level] = web.derived[ENCODED][0]
            self._encoded[level] = web.derived[ENCODED][1]
        return f"{self.variable}.geometry[{json_script(level)}]"

    def labels(self, artifact: Artifact, level: str) -> str:
        """Put the label points of ``level`` in the data once (largest area first), with their names, or, when the
        level's geometry is in the data already, the position of each name there (``index``); the JavaScript
        expression that reads them (:data:`atlas.render.labels.LABELS_JS` reads either)."""
        if level not in self.data["labels"]:
            labels = artifact.web_level(level).labels()
            entry: dict[str, Any] = {"point": [[point[1], point[0]] for _, _, point in labels]}  # Leaflet's [lat, lon]
            shapes = self.data["geometry"].get(level)
            if shapes is not None:
                position = {code: i for i, code in enumerate(shapes["code"])}
                entry["index"] = [position[code] for code, _, _ in labels]
                entry["of"] = level
            else:
                entry["naam"] = [name for _, name, _ in labels]
            self.data["labels"][level] = entry
        return f"{self.variable}.labels[{json_script(level)}]"

    def layer(self, key: str, values: dict[str, Any]) -> str:
        """Put one layer's values in the data; the JavaScript expression that reads them."""
        self.data["layers"][key] = values
        return f"{self.variable}.layers[{json_script(key)}]"

    def add_script(self, key: str, statement: str) -> None:
        """A statement to run after the data is declared, before Folium's script (once per ``key``). Whatever it
        takes from data must be written with :func:`json_script`."""
        self.scripts.setdefault(key, statement)

    def script(self) -> str:
        """The data as one variable (the geometry from its encoded JSON, the same text :func:`json_script` gives
        for the whole), then the layers' statements."""
        geometry = ",".join(f"{json_script(level)}:{text}" for level, text in self._encoded.items())
        rest = ",".join(
            f"{json_script(key)}:{json_script(value)}" for key, value in self.data.items() if key != "geometry"
        )
        data = f"{{{json_script('geometry')}:{{{geometry}}},{rest}}}"
        return "".join([f"var {self.variable} = {data};\n", *self.scripts.values()])


def pack_column(texts: list[str]) -> list[str] | dict[str, list[Any]]:
    """A column of per-area texts for the page data: as it is, or, when most areas repeat a text (the gemeente's
    figure, the year, the source, the status), as its distinct ``values`` and an ``index`` into them per area.
    ``atlasColumn(column, i)`` in the page reads either."""
    distinct: dict[str, int] = {}
    index = [distinct.setdefault(text, len(distinct)) for text in texts]
    if len(distinct) * 2 > len(texts):
        return texts
    return {"values": list(distinct), "index": index}


COLUMN_JS = """
function atlasColumn(column, i) { return Array.isArray(column) ? column[i] : column.values[column.index[i]]; }
"""
"""Reads the text of area ``i`` from a column written by :func:`pack_column`."""


def json_script(value: Any) -> str:
    """``value`` as JSON that is safe inside an HTML ``<script>`` (``<``, ``>``, ``&`` and ``'`` escaped)."""
    return str(htmlsafe_json_dumps(value, dumps=_compact))


def _compact(obj: Any, **kwargs: Any) -> str:
    return json.dumps(obj, separators=(",", ":"), **kwargs)
