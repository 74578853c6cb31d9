"""HTML pages: parse the request into typed values, call atlas.render, fill a template."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from flask import Blueprint, Response, current_app, redirect, render_template, url_for
from werkzeug.wrappers import Response as WerkzeugResponse

from atlas.artifact import Artifact
from atlas.artifact.compare import MIN_INHABITANTS, MIN_RESPONDENTS
from atlas.artifact.status import Status
from atlas.errors import NotFound
from atlas.render.above import above_profile, above_values, find_above
from atlas.render.address import address_card
from atlas.render.bivariate import ready_pairs, select_pair
from atlas.render.bivarview import BivariateView, bivariate_view
from atlas.render.comparison import area_choices, comparison, parts_table, similar_of
from atlas.render.foto import foto
from atlas.render.goals import goal_card
from atlas.render.mapview import MapView, map_view
from atlas.render.pdf import html_to_pdf
from atlas.render.profile import find_area, profile
from atlas.render.search import search
from atlas.render.selection import (
    WEB_LEVELS,
    Selection,
    availability,
    format_value,
    indicators_with_data,
    select,
    years_text,
)
from atlas.render.stadsdelen import grouping_notes, stadsdeel_choices
from atlas.render.story import story
from atlas.web.assets import map_assets
from atlas.web.cache import cached
from atlas.web.current import artifact, settings
from atlas.web.params import (
    AreaQuery,
    ChooserQuery,
    CompareFormQuery,
    CompareQuery,
    GoalQuery,
    GoalsQuery,
    MapQuery,
    Query,
    SearchQuery,
    SheetQuery,
    map_levels,
    parsed,
)

bp = Blueprint("pages", __name__)


def _html(body: str) -> Response:
    return Response(body, mimetype="text/html")


@bp.app_template_filter("in_gemeente")
def in_gemeente(url: str, art: Artifact) -> str:
    """``url`` (a map, a goal card) for the gemeente of ``art``, a part of a build of several (``gemeente=``);
    unchanged for a build of one gemeente and for the whole of several."""
    if not art.scope:
        return url
    return f"{url}{'&' if '?' in url else '?'}gemeente={quote(art.scope, safe='')}"


@bp.get("/favicon.ico")
def favicon() -> Response:
    return current_app.send_static_file("favicon.svg")


@bp.get("/")
@parsed(Query)
@cached
def index(query: Query) -> Response:
    art = artifact()
    reg = art.registry
    present = indicators_with_data(art)
    ids = {ind.id for ind in present}
    themes = [(theme, [i for i in reg.theme_indicators(theme.id) if i.id in ids]) for theme in reg.themes.values()]
    goals = [(goal, reg.goal_indicators(goal.number)) for goal in reg.goals.values()]
    levels_of = {}
    for ind in present:  # the chooser offers measured years: a map's own chooser adds the forecasts (prognose)
        found = availability(art, ind.id)
        measured = {lv: [y for y in found.by_level[lv] if not found.is_forecast(y)] for lv in found.by_level}
        levels_of[ind.id] = {lv: measured[lv] for lv in map_levels(art) if measured.get(lv) and lv in ind.levels}
    years = sorted({y for by_level in levels_of.values() for years in by_level.values() for y in years})
    # the names the search box suggests: every area of one gemeente; of several, the gemeenten (a country's 17 000
    # areas would make a home page of a megabyte; the search finds the rest)
    suggested = ("gemeente",) if art.several else ("stadsdeel", "wijk", "buurt")
    areas = [
        (level, art.areas.level(level).sort_values("naam")[["code", "naam"]].itertuples(index=False))
        for level in suggested
    ]
    stadsdelen = stadsdeel_choices(art)
    return _html(
        render_template(
            "index.html",
            art=art,
            themes=[t for t in themes if t[1]],
            goals=goals,
            with_data=ids,
            available={ident: json.dumps(by_level, separators=(",", ":")) for ident, by_level in levels_of.items()},
            years=years,
            levels=[lv for lv in map_levels(art) if any(lv in by_level for by_level in levels_of.values())],
            stadsdelen=stadsdelen,
            grouping=grouping_notes(sd.grouping for sd in stadsdelen),
            areas=areas,
            pairs=ready_pairs(art),
            gemeenten=_gemeenten(art),
            default_map=next((i for i in present if "buurt" in levels_of[i.id]), None),
            by_gemeente=[i for i in present if "gemeente" in levels_of[i.id]] if art.several else [],
            above=list(art.above.values()) if art.several else [],
        )
    )


def _gemeenten(art: Artifact) -> list[tuple[str, str]]:
    """The gemeenten a page of a build of several offers to choose from, by name; none for a build of one."""
    return sorted(art.gemeenten, key=lambda g: (g[1].lower(), g[0])) if art.several else []


def _map_part(art: Artifact, query: MapQuery) -> Artifact:
    """What a map shows: of a build of several gemeenten the whole at ``niveau=gemeente`` (only the gemeenten of the
    regio asked for), else one gemeente's part (the one asked for, or the first)."""
    if query.regio is not None:
        return art.region(query.regio)
    if not art.several or query.niveau == "gemeente":
        return art
    return art.part(query.gemeente or art.gemeenten[0][0])


@bp.get("/kaart")
@parsed(ChooserQuery)
def kaart_form(query: ChooserQuery) -> WerkzeugResponse:
    """The chooser's form posts here with GET; redirect to the canonical map URL."""
    args: dict[str, Any] = {k: v for k, v in query.args().items() if k != "indicator"}
    return redirect(url_for("pages.kaart", indicator=query.indicator, **args))


@bp.get("/kaart/<indicator>")
@parsed(MapQuery)
@cached
def kaart(query: MapQuery) -> Response:
    if query.tegen is not None:
        return _bivariate(query, query.tegen)
    whole = artifact()
    art = _map_part(whole, query)
    levels = map_levels(whole) if art is whole or query.regio else WEB_LEVELS
    sel = select(art, query.indicator, query.niveau, query.jaar, levels=levels)
    view = map_view(
        art,
        sel,
        map_assets(),
        stadsdeel=query.stadsdeel if sel.level != "gemeente" else None,
        tiles=settings().tiles,
        tiles_attribution=settings().tiles_attribution,
    )
    years = {lv: sel.available.years(lv) for lv in sel.levels}
    return _map_page(
        whole,
        art,
        view,
        sel,
        _with_gemeenten(whole, sel.indicator.id, years),
        bv=None,
        chosen_year=sel.year,
        regio=query.regio,
    )


def _with_gemeenten(whole: Artifact, indicator: str, years: dict[str, tuple[int, ...]]) -> dict[str, tuple[int, ...]]:
    """The years per level of a map's choosers and, of a build of several gemeenten, those of the map of the
    gemeenten."""
    if not whole.several or indicator not in whole.registry.indicators:
        return years
    if "gemeente" not in whole.registry.indicator(indicator).levels:
        return years
    found = availability(whole, indicator).years("gemeente")
    return {**years, "gemeente": found} if found else years


def _bivariate(query: MapQuery, tegen: str) -> Response:
    whole = artifact()
    art = _map_part(whole, query)
    levels = map_levels(whole) if art is whole or query.regio else WEB_LEVELS
    pair = select_pair(art, query.indicator, tegen, query.niveau, query.jaar, levels=levels)
    view = bivariate_view(
        art,
        pair,
        map_assets(),
        stadsdeel=query.stadsdeel if pair.x.level != "gemeente" else None,
        tiles=settings().tiles,
        tiles_attribution=settings().tiles_attribution,
    )
    years = {lv: pair.years(lv) for lv in pair.levels}
    chosen = query.jaar if query.jaar is not None else pair.x.year
    return _map_page(whole, art, view, pair.x, years, bv=view, chosen_year=chosen, regio=query.regio)


def _map_page(
    whole: Artifact,
    art: Artifact,
    view: MapView | BivariateView,
    sel: Selection,
    years: dict[str, tuple[int, ...]],
    *,
    bv: BivariateView | None,
    chosen_year: int,
    regio: str | None = None,
) -> Response:
    """The map page (one indicator, or two with ``bv``) of ``art``, the whole artifact, the part of one gemeente or
    the gemeenten of ``regio`` (:func:`_map_part`); ``years``: per level the years its choosers offer."""
    extra = f"&tegen={quote(bv.pair.y.indicator.id, safe='')}" if bv else ""
    place = art.gemeente if whole.several and art is not whole and regio is None else None
    above = (
        [(a, format_value(v, sel.indicator)) for a, v in above_values(whole, sel.indicator.id, sel.year)]
        if sel.level == "gemeente" and whole.above
        else []
    )
    return _html(
        render_template(
            "kaart.html",
            art=art,
            view=view,
            bv=bv,
            sel=sel,
            ind=sel.indicator,
            tegen=bv.pair.y.indicator if bv else None,
            year_text=bv.pair.year_text if bv else sel.available.year_label(sel.year),
            forecast_note=Status.PROGNOSE.explanation if sel.forecast and not bv else "",
            extra=extra + (f"&gemeente={place[0]}" if place else ""),
            chosen_year=chosen_year,
            levels=tuple(years),
            level_years={lv: " ".join(map(str, ys)) for lv, ys in years.items()},
            forecast_years={
                lv: " ".join(str(y) for y in ys if sel.available.is_forecast(y)) for lv, ys in years.items()
            },
            options={lv: list(reversed(ys)) for lv, ys in years.items()},
            spans={lv: years_text(ys) for lv, ys in years.items()},
            stadsdelen=stadsdeel_choices(art) if sel.level != "gemeente" else [],
            gemeenten=_gemeenten(whole),
            place=place,
            regio=whole.above[regio] if regio else None,
            regios=[a for a in whole.above.values() if a.level == "regio"] if sel.level == "gemeente" else [],
            above=above,
        )
    )


@bp.get("/gebied/<code>")
@parsed(AreaQuery)
@cached
def gebied(query: AreaQuery) -> Response:
    whole = artifact()
    if find_above(whole, query.code) is not None:  # a regio, or Nederland: its own page
        if query.adres is not None:
            raise NotFound(f"adres {query.adres} ligt niet in één buurt van {query.code[:20]!r}; zoek het via /zoek")
        return _html(render_template("boven.html", art=whole, a=above_profile(whole, query.code)))
    card = None
    if query.adres is not None:
        card = address_card(whole, query.adres)
        if card is None or card.buurt != query.code:
            raise NotFound(f"adres {query.adres} ligt niet in {query.code[:20]!r}; zoek het via /zoek")
    mark = (card.lon, card.lat) if card is not None else None
    art = whole.part_of_area(query.code)  # the area among the areas of its own gemeente
    p = profile(art, query.code, mark=mark)
    return _html(
        render_template(
            "gebied.html",
            art=art,
            p=p,
            address=card,
            min_inhabitants=MIN_INHABITANTS,
            min_respondents=MIN_RESPONDENTS,
            parts=parts_table(art, p.children),
            similar=similar_of(whole, p.area),
        )
    )


@bp.get("/vergelijk")
@parsed(CompareQuery)
@cached
def vergelijk(query: CompareQuery) -> Response:
    art = artifact()
    return _html(
        render_template(
            "vergelijk.html",
            art=art,
            c=comparison(art, query.gebieden),
            choices=area_choices(art),
            min_inhabitants=MIN_INHABITANTS,
            min_respondents=MIN_RESPONDENTS,
        )
    )


def _sheet(code: str, *, pdf: bool) -> str:
    art = artifact().part_of_area(code)
    return render_template(
        "foto.html",
        art=art,
        f=foto(art, code),
        pdf=pdf,
        min_inhabitants=MIN_INHABITANTS,
        min_respondents=MIN_RESPONDENTS,
    )


@bp.get("/gebied/<code>/foto")
@parsed(SheetQuery)
@cached
def foto_sheet(query: SheetQuery) -> Response:
    """The conversation sheet: the six parts of the foto veerkracht on at most two A4 pages."""
    return _html(_sheet(query.code, pdf=False))


@bp.get("/gebied/<code>/foto.pdf")
@parsed(SheetQuery)
@cached
def foto_pdf(query: SheetQuery) -> Response:
    """The conversation sheet as a PDF, laid out on the server (WeasyPrint)."""
    area = find_area(artifact(), query.code)
    body = html_to_pdf(_sheet(area.code, pdf=True))
    response = Response(body, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="foto-veerkracht-{area.code}.pdf"'
    return response


@bp.get("/vergelijk/kies")
@parsed(CompareFormQuery)
def vergelijk_form(query: CompareFormQuery) -> WerkzeugResponse:
    """The comparison form posts here with GET; redirect to the canonical comparison URL."""
    return redirect(url_for("pages.vergelijk", gebieden=",".join(query.gebieden)))


@bp.get("/verhaal/<code>")
@parsed(SheetQuery)
@cached
def verhaal(query: SheetQuery) -> Response:
    """The foto veerkracht as a map story: six steps, each a map with its part's figure and sentence."""
    art = artifact().part_of_area(query.code)
    return _html(render_template("verhaal.html", art=art, s=story(art, query.code)))


def _goals_part(art: Artifact, gemeente: str | None) -> Artifact:
    """The goal cards of a build of several gemeenten are those of one gemeente: the one asked for, or the first."""
    return art.part(gemeente or art.gemeenten[0][0]) if art.several else art


@bp.get("/doelen")
@parsed(GoalsQuery)
@cached
def doelen(query: GoalsQuery) -> Response:
    whole = artifact()
    art = _goals_part(whole, query.gemeente)
    reg = art.registry
    return _html(
        render_template(
            "doelen.html",
            art=art,
            goals=[(g, reg.goal_indicators(g.number)) for g in reg.goals.values()],
            gemeenten=_gemeenten(whole),
        )
    )


@bp.get("/doelen/<number>")
@parsed(GoalQuery)
@cached
def doel(query: GoalQuery) -> Response:
    whole = artifact()
    art = _goals_part(whole, query.gemeente)
    return _html(render_template("doel.html", art=art, card=goal_card(art, query.number), gemeenten=_gemeenten(whole)))


@bp.get("/zoek")
@parsed(SearchQuery)
@cached
def zoek(query: SearchQuery) -> Response:
    art = artifact()
    results = search(art, query.q) if query.q else []
    if len(results) == 1:  # one hit: go there
        return Response(status=303, headers={"Location": results[0].url})
    addresses = art.addresses is not None
    return _html(render_template("zoek.html", art=art, q=query.q, results=results, addresses=addresses))
