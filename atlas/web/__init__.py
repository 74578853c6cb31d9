"""The Flask web atlas: an app factory over one build artifact.

The web reads the artifact (never the raw sources), parses requests into typed values and hands them to
:mod:`atlas.render`. It does no joins and no raster work.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from flask import Flask

from atlas.artifact import Artifact


def create_app(build_dir: str | Path | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app for the artifact in ``build_dir`` (or ``$ATLAS_BUILD``)."""
    app = Flask(__name__)
    app.config.from_mapping(ATLAS_BUILD=build_dir or os.environ.get("ATLAS_BUILD"), ATLAS_TILES=True)
    if test_config:
        app.config.update(test_config)
    if not app.config["ATLAS_BUILD"]:
        raise RuntimeError("no build artifact: pass build_dir or set ATLAS_BUILD")
    app.extensions["atlas"] = Artifact.open(app.config["ATLAS_BUILD"])

    from atlas.web import api, assets, cache, downloads, errors, pages, security

    errors.init_app(app)
    security.init_app(app)
    cache.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(assets.bp)
    return app


def artifact() -> Artifact:
    """The artifact of the current app."""
    from flask import current_app

    art: Artifact = current_app.extensions["atlas"]
    return art
