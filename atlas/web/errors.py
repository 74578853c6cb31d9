"""One place that maps exceptions to HTTP: JSON for the API, an HTML page for everything else."""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from atlas.errors import ArtifactError, AtlasError, BadRequest, NotFound, Unavailable
from atlas.render.selection import NoData
from atlas.web.params import current_query

log = logging.getLogger(__name__)

STATUS: dict[type[AtlasError], int] = {NotFound: 404, BadRequest: 400, ArtifactError: 503, Unavailable: 503}
"""HTTP status per atlas exception class; anything else is a 500 with a safe message."""

TITLES = {400: "Ongeldige vraag", 404: "Niet gevonden", 405: "Methode niet toegestaan", 500: "Fout"}


def _alternatives(exc: NoData) -> list[dict[str, Any]]:
    """The same request for every (level, year) that has data: ``{niveau, jaar, url}``."""
    query = current_query()
    kept = {k: v for k, v in (query.args() if query else {}).items() if k not in ("niveau", "jaar")}
    out = []
    for level, year in exc.options:
        args = dict(kept)
        args.update(niveau=level, jaar=str(year))
        out.append({"niveau": level, "jaar": year, "url": f"{request.path}?{urlencode(args)}"})
    return out


def error_response(status: int, message: str, alternatives: list[dict[str, Any]] | None = None) -> Response:
    """The one JSON error shape of the API, or an HTML error page; ``alternatives`` link to what does exist."""
    if request.path.startswith("/api/"):
        error: dict[str, Any] = {"status": status, "message": message}
        if alternatives is not None:
            error["available"] = alternatives
        response = jsonify({"error": error})
    else:
        by_level: dict[str, list[dict[str, Any]]] = {}
        for item in alternatives or []:
            by_level.setdefault(item["niveau"], []).append(item)
        body = render_template(
            "error.html", status=status, title=TITLES.get(status, "Fout"), message=message, alternatives=by_level
        )
        response = Response(body, mimetype="text/html")
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(AtlasError)
    def atlas_error(exc: AtlasError) -> Response:
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 500)
        if status >= 500:
            log.exception("request failed")
        return error_response(status, str(exc), _alternatives(exc) if isinstance(exc, NoData) else None)

    @app.errorhandler(HTTPException)
    def http_error(exc: HTTPException) -> Response:
        status = exc.code or 500
        message = {404: "Deze pagina bestaat niet.", 405: "Alleen GET en HEAD zijn toegestaan."}.get(
            status, exc.description or "Fout"
        )
        response = error_response(status, message)
        if status == 405:
            response.headers["Allow"] = "GET, HEAD"
        return response

    @app.errorhandler(Exception)
    def unexpected(exc: Exception) -> Response:
        log.exception("unexpected error")
        return error_response(500, "Er ging iets mis aan onze kant.")
