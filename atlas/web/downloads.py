"""Downloads: ``/download/<indicator>.<csv|xlsx|geojson|gpkg>?niveau=&jaar=``."""

from __future__ import annotations

from flask import Blueprint, Response

from atlas.render.exports import export
from atlas.render.selection import select
from atlas.web.cache import cached
from atlas.web.current import artifact
from atlas.web.params import DownloadQuery, parsed

bp = Blueprint("downloads", __name__, url_prefix="/download")


@bp.get("/<filename>")
@parsed(DownloadQuery)
@cached
def download(query: DownloadQuery) -> Response:
    art = artifact()
    sel = select(art, query.indicator, query.niveau, query.jaar)
    file = export(art, sel, query.format)
    response = Response(file.body, mimetype=file.mimetype.split(";")[0])
    if file.mimetype.startswith("text/"):
        response.headers["Content-Type"] = file.mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response
