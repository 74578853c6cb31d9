"""Front-end assets served by the app itself, from installed xstatic packages: no CDN, works on an intranet."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import xstatic.pkg.leaflet
from flask import Blueprint, Response, send_from_directory
from werkzeug.exceptions import NotFound

from atlas.render.maps import MapAssets

VENDOR: dict[str, ModuleType] = {"leaflet": xstatic.pkg.leaflet}
"""Vendored packages by URL name; each has BASE_DIR and VERSION (the xstatic convention)."""

bp = Blueprint("assets", __name__, url_prefix="/static/vendor")


@bp.get("/<package>/<path:filename>")
def vendor(package: str, filename: str) -> Response:
    module = VENDOR.get(package)
    if module is None:
        raise NotFound()
    return send_from_directory(Path(module.BASE_DIR), filename, max_age=86400)


def map_assets() -> MapAssets:
    """URLs of what a Folium map needs, all on this server."""
    return MapAssets(
        js=(("leaflet", "/static/vendor/leaflet/leaflet.js"),),
        css=(("leaflet_css", "/static/vendor/leaflet/leaflet.css"),),
    )
