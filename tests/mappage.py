"""Reading a map page's data back in tests: the page data block and the choropleth made from it."""

from __future__ import annotations

import json
import re
from typing import Any

from atlas.render.maps import CHOROPLETH_KEY

_PAGE_DATA = re.compile(r"var page_data_\w+ = (\{.*?\});\n", re.S)


def page_data(page: str) -> dict[str, Any]:
    """The page's one data block (``var page_data_... = {...};``), parsed."""
    found = _PAGE_DATA.findall(page)
    assert len(found) == 1, f"{len(found)} page data blocks"
    data: dict[str, Any] = json.loads(found[0])
    return data


def column_text(column: list[str] | dict[str, list[Any]], i: int) -> str:
    """Area ``i``'s text of a page-data column, plain or packed (:func:`atlas.render.pagedata.pack_column`)."""
    if isinstance(column, list):
        return str(column[i])
    return str(column["values"][column["index"][i]])


def choropleth(page: str) -> dict[str, Any]:
    """The choropleth as the page's script builds it: a FeatureCollection with one feature per area of the level,
    each with its code, name, tooltip texts and style as properties."""
    data = page_data(page)
    values = data["layers"][CHOROPLETH_KEY]
    shapes = data["geometry"][values["level"]]
    features = []
    for i, geometry in enumerate(shapes["geometry"]):
        properties = {"code": shapes["code"][i], "naam": shapes["naam"][i]}
        properties.update({name: column_text(column, i) for name, column in values["columns"].items()})
        properties["style"] = values["styles"][values["style"][i]]
        features.append({"type": "Feature", "geometry": geometry, "properties": properties})
    return {"type": "FeatureCollection", "features": features}
