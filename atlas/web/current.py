"""What a request handler may ask of the current app: its artifact and its settings."""

from __future__ import annotations

from flask import current_app

from atlas.artifact import Artifact
from atlas.settings import Settings

ARTIFACT = "atlas"
SETTINGS = "atlas_settings"


def artifact() -> Artifact:
    """The artifact of the current app."""
    art: Artifact = current_app.extensions[ARTIFACT]
    return art


def settings() -> Settings:
    """The settings of the current app."""
    found: Settings = current_app.extensions[SETTINGS]
    return found
