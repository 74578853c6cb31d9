"""HTML pages."""

from __future__ import annotations

from flask import Blueprint, Response, current_app, render_template, request

from atlas.render.maps import render_map
from atlas.render.selection import parse_level, parse_year, select
from atlas.web import artifact
from atlas.web.assets import map_assets

bp = Blueprint("pages", __name__)


@bp.get("/favicon.ico")
def favicon() -> Response:
    return current_app.send_static_file("favicon.svg")


@bp.get("/")
def index() -> str:
    art = artifact()
    themes = [(theme, art.registry.theme_indicators(theme.id)) for theme in art.registry.themes.values()]
    return render_template("index.html", art=art, themes=[t for t in themes if t[1]])


@bp.get("/kaart/<indicator>")
def kaart(indicator: str) -> Response:
    art = artifact()
    niveau = request.args.get("niveau")
    level = parse_level(niveau) if niveau else None
    sel = select(art, indicator, level, parse_year(request.args.get("jaar")))
    body = render_map(art, sel, map_assets(), tiles=current_app.config["ATLAS_TILES"])
    return Response(body, mimetype="text/html")
