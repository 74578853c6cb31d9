"""What a request handler may ask of the current app: its artifact, the artifact's version and its settings."""

from __future__ import annotations

import hashlib

from flask import current_app

from atlas.artifact import Artifact
from atlas.artifact.layout import MANIFEST_FILE
from atlas.settings import Settings

ARTIFACT = "atlas"
SETTINGS = "atlas_settings"
VERSION = "atlas_version"


def artifact() -> Artifact:
    """The artifact of the current app."""
    art: Artifact = current_app.extensions[ARTIFACT]
    return art


def manifest_hash(art: Artifact) -> str:
    """The SHA-256 of the artifact's manifest: it changes with every build."""
    return hashlib.sha256((art.path / MANIFEST_FILE).read_bytes()).hexdigest()


def version() -> str:
    """The version of the artifact the current app serves; cache entries carry it, so a new build never serves an
    old page."""
    found: str = current_app.extensions[VERSION]
    return found


def settings() -> Settings:
    """The settings of the current app."""
    found: Settings = current_app.extensions[SETTINGS]
    return found
