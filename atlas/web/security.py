"""Security headers on every response, and only GET and HEAD.

Folium writes its map as inline scripts. Instead of allowing every inline script ('unsafe-inline'), the CSP lists the
SHA-256 hash of each inline script of the page. A hash is a property of the body, so a cached page keeps a valid CSP
and ETag/304 revalidation stays correct (a per-response nonce would make every response body different and a 304
would pair an old body with a new nonce). Inline *styles* are allowed: Leaflet positions its panes with style
attributes, which cannot be hashed.
"""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask, Response, current_app, has_app_context, request
from werkzeug.exceptions import MethodNotAllowed

from atlas.render.basemap import tile_origin
from atlas.web.current import SETTINGS

ALLOWED_METHODS = ("GET", "HEAD")
_INLINE_SCRIPT = re.compile(rb"<script(?![^>]*\bsrc\s*=)[^>]*>(.*?)</script>", re.S | re.I)


def script_hashes(body: bytes) -> list[str]:
    """CSP source expressions for every inline script of an HTML body."""
    return sorted(
        {
            f"'sha256-{base64.b64encode(hashlib.sha256(m.group(1)).digest()).decode()}'"
            for m in _INLINE_SCRIPT.finditer(body)
        }
    )


def csp(body: bytes | None = None, tiles: str | None = None) -> str:
    """The Content-Security-Policy of a response: the hashes of the body's inline scripts, and the base map's tile
    server (``tiles``: its URL template) among the image sources."""
    scripts = " ".join(["'self'", *(script_hashes(body) if body else [])])
    images = " ".join(["'self'", "data:", *([tile_origin(tiles)] if tiles else [])])
    return (
        f"default-src 'self'; script-src {scripts}; style-src 'self' 'unsafe-inline'; "
        f"img-src {images}; connect-src 'self'; font-src 'self'; object-src 'none'; "
        "base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
    )


def secure(response: Response) -> Response:
    """Set the security headers (the CSP from the body's inline scripts, when the body is HTML)."""
    if "Content-Security-Policy" not in response.headers:
        html = response.mimetype == "text/html" and not response.direct_passthrough
        tiles = current_app.extensions[SETTINGS].tiles if has_app_context() else None
        response.headers["Content-Security-Policy"] = csp(response.get_data() if html else None, tiles)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    return response


def init_app(app: Flask) -> None:
    @app.before_request
    def only_get_and_head() -> None:
        if request.method not in ALLOWED_METHODS:
            raise MethodNotAllowed(valid_methods=list(ALLOWED_METHODS))

    app.after_request(secure)
