"""The JSON/GeoJSON API."""

from __future__ import annotations

import math
from typing import Any

from flask import Blueprint, Response, jsonify, request

from atlas.layers.registry import LEVELS
from atlas.render.selection import parse_level, parse_year, select, years_of
from atlas.web import artifact

bp = Blueprint("api", __name__, url_prefix="/api")


def _number(value: Any) -> float | None:
    return None if value is None or (isinstance(value, float) and math.isnan(value)) else float(value)


@bp.get("/indicators")
def indicators() -> Response:
    art = artifact()
    return jsonify(
        [
            {
                "id": ind.id,
                "title": ind.title,
                "description": ind.description,
                "hoofddoel": ind.hoofddoel,
                "theme": ind.theme,
                "unit": ind.unit,
                "better": ind.better,
                "source": ind.source,
                "levels": list(ind.levels),
                "aggregate": ind.aggregate,
                "years": list(years_of(art, ind.id)),
            }
            for ind in art.registry
        ]
    )


@bp.get("/areas")
def areas() -> Response:
    level = parse_level(request.args.get("niveau"))
    body = artifact().web_geojson(level)
    return Response(body, mimetype="application/geo+json")


@bp.get("/values")
def values() -> Response:
    indicator = request.args.get("indicator")
    if not indicator:
        from atlas.errors import BadRequest

        raise BadRequest("parameter 'indicator' ontbreekt")
    niveau = request.args.get("niveau")
    level = parse_level(niveau) if niveau else None
    sel = select(artifact(), indicator, level, parse_year(request.args.get("jaar")))
    rows = [
        {
            "code": r.code,
            "naam": r.naam,
            "value": _number(r.value) if r.status == "ok" else None,
            "n": _number(r.n) if r.status == "ok" else None,
            "status": r.status,
            "period": r.period if isinstance(r.period, str) else str(sel.year),
        }
        for r in sel.values.itertuples()
    ]
    return jsonify(
        {
            "indicator": sel.indicator.id,
            "niveau": sel.level,
            "jaar": sel.year,
            "levels": list(LEVELS),
            "values": rows,
        }
    )
