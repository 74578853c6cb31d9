"""The app factory: settings read once, the artifact opened and followed, the blueprints registered."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flask import Flask

from atlas.errors import SettingsError
from atlas.settings import read_settings
from atlas.web import api, assets, cache, downloads, errors, pages, security
from atlas.web.current import ARTIFACT, FOLLOWER, SETTINGS, bind
from atlas.web.follow import Follower


def create_app(build_dir: str | Path | None = None, test_config: dict[str, Any] | None = None) -> Flask:
    """Create the app for the artifact in ``build_dir`` (or the setting ``ATLAS_BUILD``).

    When a new build becomes current in that folder, the app serves it as a whole, checking at most every
    ``ATLAS_RELOAD_SECONDS`` (:mod:`atlas.web.follow`).

    ``test_config`` holds Flask options and settings by name (``ATLAS_TILES``, ``ATLAS_CACHE_SIZE``); settings
    come from the environment otherwise (:mod:`atlas.settings`). An unknown ``ATLAS_*`` name is an error.
    """
    overrides = dict(test_config or {})
    if build_dir is not None:
        overrides["ATLAS_BUILD"] = Path(build_dir)
    settings = read_settings(overrides=overrides)
    if settings.build is None:
        raise SettingsError("no build artifact to serve: pass --build DIR or set ATLAS_BUILD")
    app = Flask(__name__)
    app.config.update({k: v for k, v in overrides.items() if not k.startswith("ATLAS_")})
    app.extensions[SETTINGS] = settings
    app.extensions[FOLLOWER] = Follower(
        settings.build, settings.reload_seconds, on_open=lambda art: app.extensions.__setitem__(ARTIFACT, art)
    )
    app.before_request(bind)
    errors.init_app(app)
    security.init_app(app)
    cache.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.register_blueprint(downloads.bp)
    app.register_blueprint(assets.bp)
    app.add_url_rule(assets.LIBRARY_PATH, "map_library", assets.map_library, methods=["GET"])
    return app
