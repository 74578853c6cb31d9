"""What a request handler may ask of the current app: its artifact, that artifact's version, and its settings.

The artifact is bound to the request when it starts (:func:`bind`), so every value, page, overlay and download
of one request comes from the same version, even when a new build becomes current meanwhile
(:mod:`atlas.web.follow`). The request keeps that version open until it ends.
"""

from __future__ import annotations

from flask import current_app, g

from atlas.artifact import Artifact
from atlas.settings import Settings
from atlas.web.follow import Follower

ARTIFACT = "atlas"
"""``app.extensions[ARTIFACT]``: the artifact the app serves now (the newest version it opened)."""
FOLLOWER = "atlas_follower"
SETTINGS = "atlas_settings"
_BOUND = "atlas_artifact"


def bind() -> None:
    """Bind the version to serve to the request that starts (a ``before_request`` hook)."""
    follower: Follower = current_app.extensions[FOLLOWER]
    setattr(g, _BOUND, follower.current())


def artifact() -> Artifact:
    """The artifact of the current request: the same for all of it (bound when first asked, if not at its start)."""
    bound: Artifact | None = g.get(_BOUND)
    if bound is None:
        bind()
        bound = g.get(_BOUND)
        assert bound is not None
    return bound


def version() -> str:
    """The version of the current request's artifact (the name of its version folder, see atlas.atomic)."""
    return artifact().version


def settings() -> Settings:
    """The settings of the current app."""
    found: Settings = current_app.extensions[SETTINGS]
    return found
