"""The Flask web atlas: an app factory over one build artifact.

The web reads the artifact (never the raw sources), parses requests into typed values and hands them to
:mod:`atlas.render`. It does no joins and no raster work. :func:`create_app` is in :mod:`atlas.web.app`.
"""

from __future__ import annotations

from atlas.web.app import create_app

__all__ = ["create_app"]
