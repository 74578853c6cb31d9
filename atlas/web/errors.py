"""One place that maps exceptions to HTTP: JSON for the API, an HTML page for everything else."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify, render_template, request
from werkzeug.exceptions import HTTPException

from atlas.errors import ArtifactError, AtlasError, BadRequest, NotFound

log = logging.getLogger(__name__)

STATUS: dict[type[AtlasError], int] = {NotFound: 404, BadRequest: 400, ArtifactError: 503}
"""HTTP status per atlas exception class; anything else is a 500 with a safe message."""

TITLES = {400: "Ongeldige vraag", 404: "Niet gevonden", 405: "Methode niet toegestaan", 500: "Fout"}


def error_response(status: int, message: str) -> Response:
    """The one JSON error shape of the API, or an HTML error page."""
    if request.path.startswith("/api/"):
        response = jsonify({"error": {"status": status, "message": message}})
    else:
        body = render_template("error.html", status=status, title=TITLES.get(status, "Fout"), message=message)
        response = Response(body, mimetype="text/html")
    response.status_code = status
    return response


def init_app(app: Flask) -> None:
    @app.errorhandler(AtlasError)
    def atlas_error(exc: AtlasError) -> Response:
        status = next((s for cls, s in STATUS.items() if isinstance(exc, cls)), 500)
        if status >= 500:
            log.exception("request failed")
        return error_response(status, str(exc))

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
