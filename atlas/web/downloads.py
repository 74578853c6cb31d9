"""Downloads: ``/download/<indicator>.<csv|xlsx|geojson|gpkg>?niveau=&jaar=``."""

from __future__ import annotations

from flask import Blueprint, Response, request

from atlas.errors import NotFound
from atlas.render.exports import FORMATS, export
from atlas.render.selection import parse_level, parse_year, select
from atlas.web.cache import cached
from atlas.web.current import artifact

bp = Blueprint("downloads", __name__, url_prefix="/download")


@bp.get("/<filename>")
@cached
def download(filename: str) -> Response:
    indicator, dot, fmt = filename.rpartition(".")
    if not dot or fmt not in FORMATS:
        raise NotFound(f"onbekend downloadformaat; kies uit {', '.join(FORMATS)}, bijvoorbeeld /download/inwoners.csv")
    art = artifact()
    niveau = request.args.get("niveau")
    sel = select(art, indicator, parse_level(niveau) if niveau else None, parse_year(request.args.get("jaar")))
    file = export(art, sel, fmt)
    response = Response(file.body, mimetype=file.mimetype.split(";")[0])
    if file.mimetype.startswith("text/"):
        response.headers["Content-Type"] = file.mimetype
    response.headers["Content-Disposition"] = f'attachment; filename="{file.filename}"'
    return response
