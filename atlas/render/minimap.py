"""A small static SVG map: the area highlighted among its neighbours. It prints sharply and needs no script."""

from __future__ import annotations

import html
import math
from typing import Any

from atlas.artifact import Artifact

HIGHLIGHT = "#00447a"


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


def area_svg(
    artifact: Artifact,
    level: str,
    code: str,
    context_level: str,
    *,
    context_codes: set[str] | None = None,
    width: int = 320,
    mark: tuple[float, float] | None = None,
    mark_label: str = "",
) -> str:
    """The area ``code`` (of ``level``) filled, on the outlines of the areas of ``context_level`` (those in
    ``context_codes`` when given); ``mark`` (lon, lat) is drawn as a point, named ``mark_label``."""
    around = artifact.web_level(context_level)
    context = list(around.features) if context_codes is None else around.select(context_codes)
    own = artifact.web_level(level)
    target = own.select([code])
    boxes = [b for b in (around.bounds(f["properties"]["code"] for f in context), own.bounds([code])) if b]
    if not target or not boxes:
        return ""
    min_x, min_y = min(b[0] for b in boxes), min(b[1] for b in boxes)
    max_x, max_y = max(b[2] for b in boxes), max(b[3] for b in boxes)
    kx = math.cos(math.radians((min_y + max_y) / 2))  # degrees of longitude are shorter at 52° N
    span_x, span_y = (max_x - min_x) * kx or 1e-6, (max_y - min_y) or 1e-6
    height = max(120, round(width * span_y / span_x))
    scale = min((width - 8) / span_x, (height - 8) / span_y)

    def at(x: float, y: float) -> str:
        return f"{4 + (x - min_x) * kx * scale:.1f},{4 + (max_y - y) * scale:.1f}"

    def path(rings: list[list[list[float]]]) -> str:
        return " ".join("M" + " ".join(at(x, y) for x, y, *_ in ring) + "Z" for ring in rings)

    parts = [
        f'<svg class="minimap" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="Ligging van {html.escape(str(target[0]["properties"]["naam"]))}">'
    ]
    for feature in context:
        name = html.escape(str(feature["properties"]["naam"]))
        parts.append(
            f'<path d="{path(_rings(feature["geometry"]))}" fill="#f2f2f2" stroke="#8c8c8c" stroke-width="0.8">'
            f"<title>{name}</title></path>"
        )
    parts.append(
        f'<path d="{path(_rings(target[0]["geometry"]))}" fill="{HIGHLIGHT}" fill-opacity="0.75" '
        f'stroke="{HIGHLIGHT}" stroke-width="2" fill-rule="evenodd"/>'
    )
    if mark is not None:
        cx, cy = at(*mark).split(",")
        parts.append(
            f'<circle class="adres" cx="{cx}" cy="{cy}" r="6" fill="#ffb000" stroke="#000" stroke-width="2">'
            f"<title>{html.escape(mark_label)}</title></circle>"
        )
    parts.append("</svg>")
    return "".join(parts)
