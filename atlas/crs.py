"""The coordinate reference systems of the atlas, written once.

Everything is computed in RD New (metres); the web and GeoJSON downloads get WGS 84 longitude/latitude.
"""

from __future__ import annotations

RD_NEW = "EPSG:28992"
"""Amersfoort / RD New: the Dutch national grid, in metres. Every computation and ``areas.gpkg`` use it."""

WEB = "EPSG:4326"
"""WGS 84 longitude/latitude: the web geometry, the API and GeoJSON downloads (RFC 7946)."""
