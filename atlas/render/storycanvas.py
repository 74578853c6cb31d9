"""The drawing board of the map story (:mod:`atlas.render.story`): what a step's map shows (:class:`Frame`), the
projection of the web geometry onto an SVG of fixed width (:class:`Projection`), the areas in view with their names
placed so they do not collide (:class:`Canvas`), and the legend's swatches. Nothing here knows indicators: the story
fills the shapes."""

from __future__ import annotations

import html
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from atlas.artifact import Artifact
from atlas.artifact.status import Status
from atlas.artifact.webgeo import Bounds
from atlas.errors import NotFound
from atlas.render.maps import UNPUBLISHED_STYLES
from atlas.render.profile import Profile

WIDTH = 640
"""The maps' width in SVG units; the page scales them to its column."""
RATIO = (0.7, 1.0)
"""The least and the most height per unit of width: a long thin wijk gets a map a reader can still see it on."""
PAD = 0.06
"""Room around the view's areas, as a share of the view's size."""
EDGE = "#555555"
FADED = 0.4
"""The opacity of the areas outside the area's wijk (stadsdeel, gemeente) that the view also shows."""
PALE = "#f2f2f2"
PARENT_FILL = "#9ecae1"
LEVEL_NAMES = {"buurt": "buurten", "wijk": "wijken", "stadsdeel": "stadsdelen"}


@dataclass(frozen=True)
class LegendEntry:
    """One line of a map's legend: a swatch (a small SVG, hidden from screen readers) and its text."""

    label: str
    swatch: str


@dataclass(frozen=True)
class Frame:
    """What every map of the story shows: the areas of ``level`` in ``context`` (the area's own wijk, stadsdeel or
    gemeente) and what of their neighbours the view takes in, with the area outlined."""

    level: str
    context: frozenset[str]
    label: str
    """``de buurten van wijk Assendorp``."""
    outside: str
    """How the legend names the faded neighbours: ``buiten wijk Assendorp``; empty when there are none."""


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry.get("type") == "Polygon":
        return list(geometry["coordinates"])
    if geometry.get("type") == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []


class Projection:
    """Longitude and latitude to SVG units: longitude shortened by the cosine of the latitude (as the minimap does),
    ``bounds`` widened to :data:`RATIO` and padded by :data:`PAD`."""

    def __init__(self, bounds: Bounds, width: int = WIDTH) -> None:
        min_x, min_y, max_x, max_y = bounds
        self.k = math.cos(math.radians((min_y + max_y) / 2))
        span_x, span_y = max((max_x - min_x) * self.k, 1e-5), max(max_y - min_y, 1e-5)
        span_x, span_y = span_x * (1 + 2 * PAD), span_y * (1 + 2 * PAD)
        low, high = RATIO
        if span_y < low * span_x:
            span_y = low * span_x
        elif span_y > high * span_x:
            span_x = span_y / high
        cx, cy = (min_x + max_x) / 2 * self.k, (min_y + max_y) / 2
        self.left, self.top = cx - span_x / 2, cy + span_y / 2
        self.scale = width / span_x
        self.width, self.height = width, round(span_y * self.scale)
        self.view: Bounds = (self.left / self.k, cy - span_y / 2, (cx + span_x / 2) / self.k, self.top)

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        return round((lon * self.k - self.left) * self.scale, 1), round((self.top - lat) * self.scale, 1)

    def path(self, geometry: dict[str, Any]) -> str:
        out = []
        for ring in _rings(geometry):
            points: list[tuple[float, float]] = []
            for lon, lat, *_ in ring:
                point = self.xy(lon, lat)
                if not points or point != points[-1]:
                    points.append(point)
            if len(points) >= 3:
                out.append("M" + " ".join(f"{x:g},{y:g}" for x, y in points) + "Z")
        return "".join(out)

    def sees(self, box: Bounds) -> bool:
        return not (box[2] < self.view[0] or box[0] > self.view[2] or box[3] < self.view[1] or box[1] > self.view[3])


@dataclass(frozen=True)
class Shape:
    code: str
    naam: str
    d: str
    label: tuple[float, float]
    inside: bool
    """In the frame's context (drawn in full and named), or a neighbour in view (faded)."""


def label_point(feature: dict[str, Any], box: Bounds) -> tuple[float, float]:
    point = feature["properties"].get("label")
    if isinstance(point, list) and len(point) == 2:
        return float(point[0]), float(point[1])
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2


def frame_of(artifact: Artifact, p: Profile) -> Frame:
    """The areas the story's maps show around ``p``'s area (see the module's description)."""
    area = p.area
    if area.level == "buurt" and p.parent is not None:
        buurten = artifact.areas.level("buurt")
        codes = frozenset(str(c) for c in buurten.code[buurten.parent == p.parent.code])
        return Frame("buurt", codes, f"de buurten van wijk {p.parent.naam}", f"buiten wijk {p.parent.naam}")
    if area.level in ("wijk", "buurt"):
        wijken = artifact.areas.level("wijk")
        if p.parent is not None and p.parent.level == "stadsdeel":
            codes = frozenset(str(c) for c in wijken.code[wijken.parent == p.parent.code])
            if len(codes) > 1:
                return Frame(
                    "wijk", codes, f"de wijken van stadsdeel {p.parent.naam}", f"buiten stadsdeel {p.parent.naam}"
                )
        return Frame("wijk", frozenset(str(c) for c in wijken.code), f"de wijken van {p.city.naam}", "")
    if area.level == "stadsdeel" and not artifact.areas.level("stadsdeel").empty:
        stadsdelen = artifact.areas.level("stadsdeel")
        return Frame("stadsdeel", frozenset(str(c) for c in stadsdelen.code), f"de stadsdelen van {p.city.naam}", "")
    wijken = artifact.areas.level("wijk")
    return Frame("wijk", frozenset(str(c) for c in wijken.code), f"de wijken van {p.city.naam}", "")


class Canvas:
    """The shapes of one frame projected once, for all the story's maps."""

    def __init__(self, artifact: Artifact, p: Profile, frame: Frame) -> None:
        web = artifact.web_level(frame.level)
        own = artifact.web_level(p.area.level)
        boxes = [b for b in (web.bounds(frame.context), own.bounds([p.area.code])) if b]
        if not boxes:
            raise NotFound(f"geen grenzen voor {p.area.naam}")
        bounds: Bounds = (
            min(b[0] for b in boxes),
            min(b[1] for b in boxes),
            max(b[2] for b in boxes),
            max(b[3] for b in boxes),
        )
        self.projection = Projection(bounds)
        self.frame = frame
        self.area = p.area
        self.shapes: list[Shape] = []
        for feature in web.features:
            code = str(feature["properties"]["code"])
            box = web.bounds_by_code.get(code)
            if box is None or not self.projection.sees(box):
                continue
            self.shapes.append(
                Shape(
                    code,
                    str(feature["properties"].get("naam", "")),
                    self.projection.path(feature["geometry"]),
                    self.projection.xy(*label_point(feature, box)),
                    code in frame.context,
                )
            )
        target = own.select([p.area.code])
        self.outline = self.projection.path(target[0]["geometry"]) if target else ""
        box = own.bounds_by_code.get(p.area.code)
        # the gemeente is the whole map: its name would sit among its wijken's as if it were one of them
        named = target and box is not None and p.area.level != "gemeente"
        self.label = self.projection.xy(*label_point(target[0], box)) if named and box is not None else None

    def svg(self, body: Iterable[str], title: str, description: str, *, labels: bool = True) -> str:
        """The map: ``body`` (the filled shapes) under the area's outline and the names of the context's areas."""
        proj = self.projection
        parts = [
            f'<svg class="verhaal-kaart" viewBox="0 0 {proj.width} {proj.height}" role="img" '
            f'aria-label="{esc(description)}" preserveAspectRatio="xMidYMid meet">',
            f"<title>{esc(title)}</title>",
            *body,
        ]
        if self.outline:
            parts.append(
                f'<path class="omlijnd" d="{self.outline}" fill="none" stroke="#fff" stroke-width="7" '
                'stroke-linejoin="round"/>'
                f'<path class="omlijnd" data-code="{esc(self.area.code)}" d="{self.outline}" fill="none" '
                'stroke="#000" stroke-width="3.5" stroke-linejoin="round"/>'
            )
        if labels:
            parts.extend(self._labels())
        parts.append("</svg>")
        return "".join(parts)

    def _labels(self) -> list[str]:
        """The names of the context's areas that do not overlap the area's own name or one another: at the font
        sizes of a wide screen, and those that would overlap at a phone's (larger, verhaal.css) marked ``breed``."""
        own = [(self.label, self.area.naam)] if self.label is not None else []
        others = [(s.label, s.naam) for s in self.shapes if s.inside and s.code != self.area.code]
        wide = _placed(own, others, LABEL_SIZES[0])
        narrow = _placed(own, others, LABEL_SIZES[1])
        out = []
        width = self.projection.width

        def inside(x: float, naam: str, size: int) -> float:  # a name near the edge moves in, not out of view
            half = min(0.31 * size * len(naam) + 4, width / 2)
            return round(min(max(x, half), width - half), 1)

        for i, ((x, y), naam) in enumerate(others):
            if i in wide:
                extra = "" if i in narrow else " breed"
                x = inside(x, naam, LABEL_SIZES[1][0] if i in narrow else LABEL_SIZES[0][0])
                out.append(f'<text class="naam{extra}" x="{x}" y="{y}">{esc(naam)}</text>')
        for (x, y), naam in own:
            out.append(f'<text class="naam eigen" x="{inside(x, naam, LABEL_SIZES[1][1])}" y="{y}">{esc(naam)}</text>')
        return out

    def shape(self, shape: Shape, fill: str, *, stroke: str = EDGE, dash: str = "", extra: str = "") -> str:
        opacity = "" if shape.inside else f' opacity="{FADED}"'
        dashed = f' stroke-dasharray="{dash}"' if dash else ""
        return (
            f'<path data-code="{esc(shape.code)}" d="{shape.d}" fill="{fill}" stroke="{stroke}" stroke-width="1"'
            f"{dashed}{opacity}{extra}><title>{esc(shape.naam)}</title></path>"
        )


LABEL_SIZES = ((13, 17), (19, 25))
"""The names' font sizes in map units (the other areas', the area's own) on a wide screen and on a phone, as
verhaal.css sets them."""


def _placed(
    own: list[tuple[tuple[float, float], str]], others: list[tuple[tuple[float, float], str]], sizes: tuple[int, int]
) -> set[int]:
    """Which of ``others`` (label point, name) fit beside ``own`` and the others placed before them."""

    def box(point: tuple[float, float], naam: str, size: int) -> tuple[float, float, float, float]:
        half_w, half_h = 0.31 * size * len(naam) + 2, 0.6 * size
        return point[0] - half_w, point[1] - half_h, point[0] + half_w, point[1] + half_h

    taken = [box(point, naam, sizes[1]) for point, naam in own]
    out = set()
    for i, (point, naam) in enumerate(others):
        b = box(point, naam, sizes[0])
        if all(b[2] < t[0] or b[0] > t[2] or b[3] < t[1] or b[1] > t[3] for t in taken):
            taken.append(b)
            out.add(i)
    return out


def hatch(pattern_id: str) -> str:
    """The hatching of a withheld area: dark diagonal lines on its grey (the map page's grey and edge)."""
    style = UNPUBLISHED_STYLES[Status.SUPPRESSED]
    return (
        f'<pattern id="{pattern_id}" width="7" height="7" patternUnits="userSpaceOnUse" '
        f'patternTransform="rotate(45)"><rect width="7" height="7" fill="{style["fillColor"]}"/>'
        f'<line x1="0" y1="0" x2="0" y2="7" stroke="{style["color"]}" stroke-width="2"/></pattern>'
    )


def swatch(
    fill: str, *, stroke: str = "#333", dash: str = "", defs: str = "", circle: bool = False, opacity: float = 1
) -> str:
    dashed = f' stroke-dasharray="{dash}"' if dash else ""
    dashed += f' opacity="{opacity}"' if opacity != 1 else ""
    shape = (
        f'<circle cx="12" cy="9" r="6" fill="{fill}" stroke="{stroke}" stroke-width="1.2"/>'
        if circle
        else f'<rect x="1" y="1" width="26" height="16" fill="{fill}" stroke="{stroke}" stroke-width="1.2"{dashed}/>'
    )
    return f'<svg class="vakje" width="28" height="18" viewBox="0 0 28 18" aria-hidden="true">{defs}{shape}</svg>'


def outline_swatch() -> str:
    return (
        '<svg class="vakje" width="28" height="18" viewBox="0 0 28 18" aria-hidden="true">'
        '<rect x="3" y="3" width="22" height="12" fill="none" stroke="#000" stroke-width="3.5"/></svg>'
    )
