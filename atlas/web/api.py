"""The JSON/GeoJSON API, described by the OpenAPI document at /api/openapi.json."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Response, jsonify, send_file

from atlas.artifact.compare import COLUMNS as COMPARE_COLUMNS
from atlas.artifact.reader import ABOVE_LEVELS
from atlas.artifact.status import shown_status, shown_value
from atlas.codes import LEVELS
from atlas.errors import NotFound
from atlas.render.overlays import overlay_file
from atlas.render.selection import availability, select
from atlas.web.cache import cached
from atlas.web.current import artifact
from atlas.web.openapi import openapi_document
from atlas.web.params import AreasQuery, Query, TileIndexQuery, TileQuery, ValuesQuery, parsed

bp = Blueprint("api", __name__, url_prefix="/api")
OVERLAY_MAX_AGE = 300
"""Seconds a browser may keep an overlay file or tile without asking again (then it revalidates by ETag): a new
build is picked up within minutes."""


def _number(value: Any) -> float | None:
    if value is None:
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isnan(number) else number


@bp.get("/openapi.json")
@parsed(Query)
@cached
def openapi(query: Query) -> Response:
    return jsonify(openapi_document(artifact()))


@bp.get("/indicators")
@parsed(Query)
@cached
def indicators(query: Query) -> Response:
    art = artifact()
    out = []
    for ind in art.registry:
        available = availability(art, ind.id)
        out.append(
            {
                "id": ind.id,
                "title": ind.title,
                "description": ind.description,
                "hoofddoel": ind.hoofddoel,
                "theme": ind.theme,
                "unit": ind.unit,
                "unit_label": ind.unit_label,
                "better": ind.better,
                "source": ind.source,
                "levels": list(ind.levels),
                "aggregate": ind.aggregate,
                "interval": ind.interval,
                "denominator": ind.denominator,
                "years": list(available.years()),
                "available": {level: list(years) for level, years in available.by_level.items()},
                "forecast_years": sorted(y for y in available.years() if available.is_forecast(y)),
            }
        )
    return jsonify(out)


@bp.get("/areas")
@parsed(AreasQuery)
@cached
def areas(query: AreasQuery) -> Response:
    body = artifact().web_geojson(query.niveau)
    return Response(body, mimetype="application/geo+json")


@bp.get("/values")
@parsed(ValuesQuery)
@cached
def values(query: ValuesQuery) -> Response:
    if query.code is not None:
        return _area_values(query, query.code)
    sel = select(artifact(), query.indicator, query.niveau, query.jaar)
    return jsonify(
        {
            "indicator": sel.indicator.id,
            "niveau": sel.level,
            "jaar": sel.year,
            "levels": list(LEVELS),
            "values": _value_rows(sel.values, sel.year),
        }
    )


def _area_values(query: ValuesQuery, code: str) -> Response:
    """The rows of one indicator of the area ``code``: every year, or ``jaar``; an area above the gemeente too."""
    art = artifact()
    ind = art.registry.indicator(query.indicator)
    above = art.above.get(code)
    level = above.level if above is not None else art.areas.level_of(code)
    naam = above.naam if above is not None else (art.areas.name_and_parent(code) or ("", ""))[0]
    if query.niveau is not None and query.niveau != level:
        raise NotFound(f"{code} is een {level}, geen {query.niveau}")
    rows = art.rows_of_codes({code})
    rows = rows[rows.indicator.astype(str) == ind.id]
    years = rows.period.astype(str).str[:4]
    if query.jaar is not None:
        rows = rows[(years == str(query.jaar)).to_numpy()]
    if rows.empty:
        when = f" in {query.jaar}" if query.jaar is not None else ""
        raise NotFound(f"geen cijfers voor {ind.title} in {naam or code}{when}")
    rows = rows.sort_values("period").assign(naam=naam)
    latest = int(str(rows.period.iloc[-1])[:4])
    return jsonify(
        {
            "indicator": ind.id,
            "niveau": level,
            "jaar": query.jaar if query.jaar is not None else latest,
            "code": code,
            "levels": list(LEVELS) + [lv for lv in ABOVE_LEVELS if any(a.level == lv for a in art.above.values())],
            "values": _value_rows(rows, latest),
        }
    )


def _value_rows(frame: Any, year: int) -> list[dict[str, Any]]:
    """The rows of the API's ``values``: unpublished values are null."""
    extra = [c for c in COMPARE_COLUMNS if c in frame.columns]
    rows = []
    for r in frame.to_dict("records"):
        value = shown_value(r.get("status"), r.get("value"))
        published = value is not None
        row: dict[str, Any] = {
            "code": r["code"],
            "naam": r["naam"],
            "value": value,
            "n": _number(r.get("n")) if published else None,
            "status": str(shown_status(r.get("status"), r.get("value"))),
            "period": r["period"] if isinstance(r.get("period"), str) else str(year),
            "source": r["source"] if isinstance(r.get("source"), str) else None,
        }
        for column in extra:
            raw = r.get(column)
            if column in ("significant", "verdict"):
                row[column] = raw if published and isinstance(raw, str) else ""
            else:
                row[column] = _number(raw) if published else None
        rows.append(row)
    return rows


@bp.get("/overlays/<layer>")
def overlay(layer: str) -> Response:
    """A point or polygon overlay of the registry (trees, parks) as the build wrote it, GeoJSON in EPSG:4326."""
    art = artifact()
    match = next((o for o in art.registry.overlays.values() if o.kind != "indicator" and o.layer == layer), None)
    path = overlay_file(art, match) if match is not None else None
    if path is None:
        raise NotFound(f"onbekende kaartlaag {layer[:40]!r}")
    return send_file(path.resolve(), mimetype="application/geo+json", max_age=OVERLAY_MAX_AGE, conditional=True)


@bp.get("/overlays/<layer>/tiles.json")
@parsed(TileIndexQuery)
def tile_index(query: TileIndexQuery) -> Response:
    """Which tiles of a point overlay the build wrote (:mod:`atlas.artifact.tiles`): its zoom and ``[x, y, count]``."""
    path = artifact().tile_index_path(query.layer)
    if path is None:
        raise NotFound(f"de kaartlaag {query.layer!r} heeft geen tegels")
    return send_file(path.resolve(), mimetype="application/json", max_age=OVERLAY_MAX_AGE, conditional=True)


@bp.get("/overlays/<layer>/<z>/<x>/<y>.geojson")
@parsed(TileQuery)
def tile(query: TileQuery) -> Response:
    """One tile of a point overlay, the file as the build wrote it: the route picks a file, it filters nothing."""
    path = artifact().tile_path(query.layer, query.z, query.x, query.y)
    if path is None:
        raise NotFound(f"tegel {query.z}/{query.x}/{query.y} van {query.layer!r} bestaat niet (geen punten daar)")
    return send_file(path.resolve(), mimetype="application/geo+json", max_age=OVERLAY_MAX_AGE, conditional=True)
