"""The map pages' script library: the functions that make every map page's layers from its page data, and its state.

They do not depend on the page, so they are not written into every page (some 15 kB) but served once, as a file the
browser keeps (:data:`LIBRARY_JS`, by :func:`atlas.web.assets.map_assets`), after Leaflet and before the page's
own script. :data:`LIBRARY_VERSION` changes with its content, so its URL can be cached for long.
"""

from __future__ import annotations

import hashlib

from atlas.render.hatching import hatching_js
from atlas.render.labels import LABELS_JS
from atlas.render.maps import CHOROPLETH_JS, OUTLINE_JS
from atlas.render.mapstate import MAP_STATE_JS
from atlas.render.pagedata import COLUMN_JS
from atlas.render.zoomlayers import ZOOM_LAYERS_JS


def compact_js(text: str) -> str:
    """``text`` without indentation and empty lines (line ends kept, so ``//`` comments stay comments); for scripts
    without multi-line strings."""
    return "".join(f"{line.strip()}\n" for line in text.splitlines() if line.strip())


LIBRARY_JS = compact_js(
    "\n".join([COLUMN_JS, CHOROPLETH_JS, OUTLINE_JS, LABELS_JS, hatching_js(), ZOOM_LAYERS_JS, MAP_STATE_JS])
)
"""The main layer and the outline (:mod:`atlas.render.maps`), the names (:mod:`atlas.render.labels`), the hatched
indicator overlays (:mod:`atlas.render.hatching`), the zoom-gated point and polygon layers
(:mod:`atlas.render.zoomlayers`) and the state in the URL (:mod:`atlas.render.mapstate`)."""
LIBRARY_VERSION = hashlib.sha256(LIBRARY_JS.encode()).hexdigest()[:12]
