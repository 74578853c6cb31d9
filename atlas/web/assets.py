"""Front-end assets served by the app itself, from installed xstatic packages: no CDN, works on an intranet."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import xstatic.pkg.leaflet
from flask import Blueprint, Response, request, send_from_directory
from werkzeug.exceptions import NotFound

from atlas.render.maplib import LIBRARY_JS, LIBRARY_VERSION
from atlas.render.maps import MapAssets

VENDOR: dict[str, ModuleType] = {"leaflet": xstatic.pkg.leaflet}
"""Vendored packages by URL name; each has BASE_DIR and VERSION (the xstatic convention)."""

bp = Blueprint("assets", __name__, url_prefix="/static/vendor")
LIBRARY_PATH = "/static/kaart/lagen.js"
"""Where the map pages' own script library (:mod:`atlas.render.maplib`) is served."""


@bp.get("/<package>/<path:filename>")
def vendor(package: str, filename: str) -> Response:
    module = VENDOR.get(package)
    if module is None:
        raise NotFound()
    return send_from_directory(Path(module.BASE_DIR), filename, max_age=86400)


def map_library() -> Response:
    """The map pages' script library; its URL carries its version, so the browser may keep it a day."""
    response = Response(LIBRARY_JS, mimetype="text/javascript")
    response.set_etag(LIBRARY_VERSION)
    response.cache_control.public = True
    response.cache_control.max_age = 86400
    response.make_conditional(request)  # 304 for a browser that has it
    return response


def map_assets() -> MapAssets:
    """URLs of what a Folium map needs, all on this server: Leaflet, then the map pages' own library."""
    return MapAssets(
        js=(
            ("leaflet", "/static/vendor/leaflet/leaflet.js"),
            ("atlas_kaartlagen", f"{LIBRARY_PATH}?v={LIBRARY_VERSION}"),
        ),
        css=(("leaflet_css", "/static/vendor/leaflet/leaflet.css"),),
    )
