"""HTML pages: parse the request into typed values, call atlas.render, fill a template."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from atlas.errors import BadRequest, NotFound
from atlas.render.goals import goal_card
from atlas.render.mapview import map_view
from atlas.render.profile import profile
from atlas.render.search import search_areas
from atlas.render.selection import WEB_LEVELS, parse_level, parse_stadsdeel, parse_year, select, years_of
from atlas.web.assets import map_assets
from atlas.web.cache import cached
from atlas.web.current import artifact, settings

bp = Blueprint("pages", __name__)


def _html(body: str) -> Response:
    return Response(body, mimetype="text/html")


@bp.get("/favicon.ico")
def favicon() -> Response:
    return current_app.send_static_file("favicon.svg")


@bp.get("/")
@cached
def index() -> Response:
    art = artifact()
    reg = art.registry
    themes = [(theme, reg.theme_indicators(theme.id)) for theme in reg.themes.values()]
    goals = [(goal, reg.goal_indicators(goal.number)) for goal in reg.goals.values()]
    years = sorted({y for ind in reg for y in years_of(art, ind.id)})
    areas = [
        (level, art.areas.level(level).sort_values("naam")[["code", "naam"]].itertuples(index=False))
        for level in ("stadsdeel", "wijk", "buurt")
    ]
    return _html(
        render_template(
            "index.html",
            art=art,
            themes=[t for t in themes if t[1]],
            goals=goals,
            years=years,
            levels=WEB_LEVELS,
            stadsdelen=art.areas.level("stadsdeel").sort_values("naam"),
            areas=areas,
        )
    )


@bp.get("/kaart")
def kaart_form() -> WerkzeugResponse:
    """The chooser's form posts here with GET; redirect to the canonical map URL."""
    indicator = (request.args.get("indicator") or "").strip()
    if not indicator:
        raise BadRequest("kies een indicator")
    artifact().registry.indicator(indicator)
    query: dict[str, Any] = {
        k: v for k in ("niveau", "jaar", "stadsdeel") if (v := (request.args.get(k) or "").strip())
    }
    return redirect(url_for("pages.kaart", indicator=indicator, **query))


@bp.get("/kaart/<indicator>")
@cached
def kaart(indicator: str) -> Response:
    art = artifact()
    niveau = request.args.get("niveau")
    level = parse_level(niveau) if niveau else None
    if level == "gemeente":
        raise BadRequest("een kaart toont buurten, wijken of stadsdelen; kies niveau buurt, wijk of stadsdeel")
    stadsdeel = parse_stadsdeel(art, request.args.get("stadsdeel"))
    sel = select(art, indicator, level, parse_year(request.args.get("jaar")))
    view = map_view(art, sel, map_assets(), stadsdeel=stadsdeel, tiles=settings().tiles)
    return _html(
        render_template(
            "kaart.html",
            art=art,
            view=view,
            sel=sel,
            ind=sel.indicator,
            levels=[lv for lv in WEB_LEVELS if lv in sel.indicator.levels],
            stadsdelen=art.areas.level("stadsdeel").sort_values("naam"),
        )
    )


@bp.get("/gebied/<code>")
@cached
def gebied(code: str) -> Response:
    art = artifact()
    return _html(render_template("gebied.html", art=art, p=profile(art, code)))


@bp.get("/doelen")
@cached
def doelen() -> Response:
    art = artifact()
    reg = art.registry
    return _html(
        render_template("doelen.html", art=art, goals=[(g, reg.goal_indicators(g.number)) for g in reg.goals.values()])
    )


@bp.get("/doelen/<number>")
@cached
def doel(number: str) -> Response:
    if not number.isdecimal() or not number.isascii() or len(number) > 2:
        raise NotFound(f"doelenkaart {number[:20]!r} bestaat niet")
    art = artifact()
    return _html(render_template("doel.html", art=art, card=goal_card(art, int(number))))


@bp.get("/zoek")
@cached
def zoek() -> Response:
    art = artifact()
    query = (request.args.get("q") or "").strip()
    if len(query) > 100:
        raise BadRequest("zoekterm is te lang (hoogstens 100 tekens)")
    return _html(render_template("zoek.html", art=art, q=query, results=search_areas(art, query) if query else []))
