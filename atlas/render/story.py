"""The foto veerkracht as a map story (``/verhaal/<code>``): the six parts of :mod:`atlas.render.foto`, each with a map.

The monitor's foto veerkracht was an ArcGIS MapJournal: per part a map zoomed to the buurt, beside that part's text.
This module draws those maps as static SVG, so the story works without a script, prints sharply (one A4 page per
step) and can be read by a screen reader (each map has a title and a description in words):

- part 1 (definition): where the area lies: the area, its wijk and the other wijken of the gemeente;
- parts 2, 3, 4 and 6: the part's headline indicator (:attr:`~atlas.render.foto.FotoPart.indicator`) as a
  choropleth of the area among its neighbours (:class:`Frame`: a buurt among the buurten of its wijk, a wijk among
  the wijken of its stadsdeel, a stadsdeel among the stadsdelen, the gemeente over its wijken), in the year of the
  figure the part's sentence names, with the classes and colours of the map page (``/kaart/<indicator>``:
  :func:`~atlas.render.mapview.selection_classes`); a withheld area is grey and hatched, one without figures white
  with a dashed edge, as the legend says;
- part 5 (facilities): the facilities of the registry's typed points overlay within the view, one colour per type.

The texts (titles, sentences, verdicts, sources) are the foto's own, so the story and the printed sheet agree.
"""

from __future__ import annotations

import json
import math
from collections.abc import Hashable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from atlas.artifact import Artifact
from atlas.artifact.compare import RATE_DECIMALS
from atlas.artifact.layout import FACILITIES_LAYER
from atlas.artifact.status import Status, publishable, shown_status, shown_value
from atlas.errors import NotFound
from atlas.layers.registry import Indicator
from atlas.render.foto import Foto, FotoPart, foto
from atlas.render.maps import UNPUBLISHED_STYLES, Classes, classify
from atlas.render.mapview import class_legend, selection_classes
from atlas.render.minimap import HIGHLIGHT
from atlas.render.profile import Profile
from atlas.render.selection import WEB_LEVELS, Selection, format_value, select
from atlas.render.storycanvas import (
    EDGE,
    FADED,
    LEVEL_NAMES,
    PALE,
    PARENT_FILL,
    Canvas,
    Frame,
    LegendEntry,
    Projection,
    esc,
    frame_of,
    hatch,
    label_point,
    outline_swatch,
    swatch,
)
from atlas.render.veerkracht import facilities_overlay


@dataclass(frozen=True)
class StoryMap:
    svg: str
    title: str
    """What the map shows, e.g. ``Voelt zich eenzaam (%) per buurt, 2024``."""
    description: str
    """The map in words (the SVG's accessible name)."""
    legend: tuple[LegendEntry, ...] = ()
    notes: tuple[str, ...] = ()
    """What the legend's withheld and missing entries mean."""
    link: str = ""
    """The map page of the same indicator, level and year."""


@dataclass(frozen=True)
class Step:
    part: FotoPart
    map: StoryMap


@dataclass(frozen=True)
class Story:
    foto: Foto
    steps: tuple[Step, ...]
    frame: Frame

    @property
    def profile(self) -> Profile:
        return self.foto.profile


@dataclass(frozen=True)
class Classed:
    """A map page's selection with its classes and its rows by area code; for a count with a denominator (support
    use, stapeling) the rows' ``value`` is its rate per 1 000 and :attr:`indicator` says so."""

    selection: Selection
    classes: Classes | None
    rows: dict[str, dict[Hashable, Any]]
    indicator: Indicator


def _as_rate(ind: Indicator) -> Indicator:
    """The indicator of a count's rate: ``Inwoners met Wmo-ondersteuning per 1.000 inwoners``, unit per 1 000."""
    return replace(ind, title=f"{ind.title} {ind.rate_label}", unit="per_1000", decimals=RATE_DECIMALS)


def _rated(sel: Selection) -> Classed:
    """A count mapped as its rate, as the sentence and the comparison read it: a map of counts shows where many
    people live, not where the share is high."""
    ind = _as_rate(sel.indicator)
    ok = publishable(sel.values).tolist()
    rows = {}
    for record, published in zip(sel.records, ok, strict=True):
        rate = record.get("rate")
        usable = published and isinstance(rate, int | float) and math.isfinite(rate)
        rows[str(record["code"])] = {**record, "value": float(rate) if usable and rate is not None else None}
    rates = np.array([r["value"] for r in rows.values() if r["value"] is not None], dtype="float64")
    return Classed(sel, classify(rates, ind), rows, ind)


def _classed(artifact: Artifact, indicator: str, level: str, year: int | None) -> Classed | None:
    """The map page's selection of ``indicator`` at ``level`` in ``year`` (its latest year without it) and its
    classes, or None; made once per artifact (every story of the level shares it)."""

    def make() -> Classed | None:
        for wanted in (year, None) if year is not None else (None,):
            try:
                sel = select(artifact, indicator, level, wanted, levels=WEB_LEVELS)
            except NotFound:
                continue
            if sel.indicator.rate_label and "rate" in sel.values.columns:
                return _rated(sel)
            rows = {str(r["code"]): r for r in sel.records}
            return Classed(sel, selection_classes(sel), rows, sel.indicator)
        return None

    found: Classed | None = artifact.derived(("story", indicator, level, year), make)
    return found


def _location_map(artifact: Artifact, p: Profile) -> StoryMap:
    """Part 1: the area in its wijk (or stadsdeel) in the gemeente, over the wijken (or stadsdelen) of the gemeente."""
    level = "stadsdeel" if p.area.level == "stadsdeel" else "wijk"
    web = artifact.web_level(level)
    city = artifact.web_level("gemeente")
    bounds = city.bounds() or web.bounds()
    own = artifact.web_level(p.area.level).select([p.area.code])
    if bounds is None or not own:
        return StoryMap("", "", "")
    proj = Projection(bounds)
    parent = p.parent if p.parent is not None and p.parent.level == level and p.area.level == "buurt" else None
    body = []
    for feature in web.features:
        code = str(feature["properties"]["code"])
        fill = PARENT_FILL if parent is not None and code == parent.code else PALE
        body.append(
            f'<path data-code="{esc(code)}" d="{proj.path(feature["geometry"])}" fill="{fill}" stroke="#8c8c8c" '
            f'stroke-width="1"><title>{esc(feature["properties"].get("naam", ""))}</title></path>'
        )
    for feature in city.features:
        body.append(f'<path d="{proj.path(feature["geometry"])}" fill="none" stroke="#333" stroke-width="2"/>')
    fill = "none" if p.area.level == "gemeente" else HIGHLIGHT
    body.append(
        f'<path class="omlijnd" data-code="{esc(p.area.code)}" d="{proj.path(own[0]["geometry"])}" fill="{fill}" '
        f'fill-opacity="0.85" stroke="#000" stroke-width="2.5" stroke-linejoin="round"/>'
    )
    box = artifact.web_level(p.area.level).bounds_by_code.get(p.area.code)
    legend = []
    if p.area.level != "gemeente" and box is not None:
        x, y = proj.xy(*label_point(own[0], box))
        x0, y0 = proj.xy(box[0], box[3])
        x1, y1 = proj.xy(box[2], box[1])
        if max(x1 - x0, y1 - y0) < 24:  # too small to find at the gemeente's scale: a ring around it
            body.append(f'<circle cx="{x}" cy="{y}" r="16" fill="none" stroke="#000" stroke-width="3"/>')
        body.append(f'<text class="naam eigen" x="{x}" y="{y - 20 if y > 40 else y + 30}">{esc(p.area.naam)}</text>')
        legend.append(LegendEntry(f"{p.area.level.capitalize()} {p.area.naam}", swatch(HIGHLIGHT, stroke="#000")))
    if parent is not None:
        legend.append(LegendEntry(f"Wijk {parent.naam}", swatch(PARENT_FILL, stroke="#8c8c8c")))
    others = "de stadsdelen" if level == "stadsdeel" else "de wijken"
    legend.append(LegendEntry(f"{others.capitalize()} van {p.city.naam}", swatch(PALE, stroke="#8c8c8c")))
    where = f" in wijk {parent.naam}" if parent is not None else ""
    title = f"Ligging van {p.area.naam}" if p.area.level != "gemeente" else f"{p.city.naam} en zijn wijken"
    description = (
        f"Kaart: {p.area.naam}{where} tussen {others} van {p.city.naam}."
        if p.area.level != "gemeente"
        else f"Kaart: de grens van {p.city.naam} met {others}."
    )
    svg = (
        f'<svg class="verhaal-kaart" viewBox="0 0 {proj.width} {proj.height}" role="img" '
        f'aria-label="{esc(description)}"><title>{esc(title)}</title>{"".join(body)}</svg>'
    )
    return StoryMap(svg, title, description, tuple(legend))


def _choropleth_map(canvas: Canvas, artifact: Artifact, part: FotoPart) -> StoryMap | None:
    """A part's indicator over the frame's areas, in the map page's classes and colours; None without figures."""
    frame = canvas.frame
    year = part.headline.row.year if part.headline is not None else None
    found = _classed(artifact, part.indicator, frame.level, year)
    if found is None:
        return None
    sel, classes, rows, ind = found.selection, found.classes, found.rows, found.indicator
    pattern = f"arcering-{part.number}"
    body = [f"<defs>{hatch(pattern)}</defs>"]
    seen: set[Status] = set()
    own_text = ""
    for shape in canvas.shapes:
        row = rows.get(shape.code, {})
        value = shown_value(row.get("status"), row.get("value"))
        status = shown_status(row.get("status"), row.get("value"))
        if value is not None and classes is not None:
            body.append(canvas.shape(shape, classes.color(value), extra=' data-status="ok"'))
            text = format_value(value, ind)
            if shape.code == canvas.area.code:
                text += f", in de klasse {class_legend(ind, classes)[classes.index(value)].label}"
        else:
            style = UNPUBLISHED_STYLES.get(status, UNPUBLISHED_STYLES[Status.MISSING])
            key = Status.SUPPRESSED if status == Status.SUPPRESSED else Status.MISSING
            seen.add(key)
            fill = f"url(#{pattern})" if key == Status.SUPPRESSED else str(style["fillColor"])
            dash = "" if key == Status.SUPPRESSED else str(style["dashArray"])
            body.append(
                canvas.shape(shape, fill, stroke=str(style["color"]), dash=dash, extra=f' data-status="{key.value}"')
            )
            text = key.label.lower()
        if shape.code == canvas.area.code:
            own_text = text
    year_label = sel.available.year_label(sel.year)
    per = LEVEL_NAMES.get(frame.level, frame.level)
    unit = f" ({ind.unit_label})" if ind.unit_label else ""
    title = f"{ind.title}{unit} per {frame.level}, {year_label}"
    legend = [LegendEntry(item.label, swatch(item.fill)) for item in class_legend(ind, classes)]
    notes = []
    for key in (Status.SUPPRESSED, Status.MISSING):
        if key in seen:
            style = UNPUBLISHED_STYLES[key]
            defs = f"<defs>{hatch(f'{pattern}-{key.value}')}</defs>" if key == Status.SUPPRESSED else ""
            fill = f"url(#{pattern}-{key.value})" if key == Status.SUPPRESSED else str(style["fillColor"])
            dash = "" if key == Status.SUPPRESSED else str(style["dashArray"])
            legend.append(LegendEntry(key.label, swatch(fill, stroke=str(style["color"]), dash=dash, defs=defs)))
            notes.append(key.explanation)
    legend.append(LegendEntry(f"{canvas.area.naam} (dik omlijnd)", outline_swatch()))
    if frame.outside and any(not s.inside for s in canvas.shapes):
        middle = classes.colors[len(classes.colors) // 2] if classes is not None else PALE
        legend.append(LegendEntry(f"Lichter: {per} {frame.outside}", swatch(middle, stroke=EDGE, opacity=FADED)))
    where = f"{canvas.area.naam} (dik omlijnd): {own_text}" if own_text else f"{canvas.area.naam} is dik omlijnd"
    description = f"Kaart: {title}, in {frame.label}. {where}."
    if ind is not sel.indicator:
        notes.append(
            f"Gekleurd naar het aantal {sel.indicator.rate_label}: zo ziet u waar het aandeel hoog is, niet waar "
            "veel mensen wonen. De kaart van de gemeente toont de aantallen."
        )
    link = f"/kaart/{ind.id}?niveau={frame.level}&jaar={sel.year}"
    if artifact.scope:  # a part of a build of several gemeenten: the map of its gemeente
        link += f"&gemeente={artifact.scope}"
    return StoryMap(canvas.svg(body, title, description), title, description, tuple(legend), tuple(notes), link)


def _plain_map(canvas: Canvas, why: str) -> StoryMap:
    body = [canvas.shape(shape, PALE, stroke="#8c8c8c") for shape in canvas.shapes]
    title = f"Ligging van {canvas.area.naam} tussen {canvas.frame.label}"
    description = f"Kaart: {canvas.area.naam} (dik omlijnd) tussen {canvas.frame.label}. {why}"
    legend = (LegendEntry(f"{canvas.area.naam} (dik omlijnd)", outline_swatch()),)
    return StoryMap(canvas.svg(body, title, description), title, description, legend, (why,) if why else ())


def _facility_points(artifact: Artifact) -> list[tuple[str, str, float, float]]:
    """(type, name, lon, lat) of every facility, parsed once per artifact."""

    def load() -> list[tuple[str, str, float, float]]:
        path = artifact.overlay_path(FACILITIES_LAYER)
        if path is None:
            return []
        out = []
        for feature in json.loads(path.read_text(encoding="utf-8")).get("features") or []:
            geometry = feature.get("geometry") or {}
            props = feature.get("properties") or {}
            if geometry.get("type") == "Point":
                lon, lat = geometry["coordinates"][:2]
                out.append((str(props.get("type", "")), str(props.get("naam", "")), float(lon), float(lat)))
        return out

    found: list[tuple[str, str, float, float]] = artifact.derived(("story", "facilities"), load)
    return found


def _facilities_map(canvas: Canvas, artifact: Artifact, part: FotoPart) -> StoryMap | None:
    """Part 5: the facilities in view, in the colour of their type, over the frame's areas (the area pale blue)."""
    overlay = facilities_overlay(artifact)
    if overlay is None or artifact.overlay_path(FACILITIES_LAYER) is None:
        return None
    body = [
        canvas.shape(shape, PARENT_FILL if shape.code == canvas.area.code else "#ffffff", stroke="#8c8c8c")
        for shape in canvas.shapes
    ]
    proj = canvas.projection
    west, south, east, north = proj.view
    counts: dict[str, int] = {}
    colors = {t.id: t.color for t in overlay.types}
    for kind, naam, lon, lat in _facility_points(artifact):
        if kind not in colors or not (west <= lon <= east and south <= lat <= north):
            continue
        x, y = proj.xy(lon, lat)
        counts[kind] = counts.get(kind, 0) + 1
        body.append(
            f'<circle class="voorziening" data-type="{esc(kind)}" cx="{x}" cy="{y}" r="6.5" fill="{colors[kind]}" '
            f'stroke="#1a1a1a" stroke-width="1.5"><title>{esc(naam)}</title></circle>'
        )
    legend = [
        LegendEntry(f"{t.title} ({counts[t.id]})", swatch(t.color, stroke="#1a1a1a", circle=True))
        for t in overlay.types
        if counts.get(t.id)
    ]
    legend.append(LegendEntry(f"{canvas.area.naam} (dik omlijnd)", outline_swatch()))
    total = sum(counts.values())
    kinds = ", ".join(f"{counts[t.id]} {t.title.lower()}" for t in overlay.types if counts.get(t.id))
    title = f"Voorzieningen in en rond {canvas.area.naam}"
    description = (
        f"Kaart van de voorzieningen in en rond {canvas.area.naam} (dik omlijnd), tussen {canvas.frame.label}: "
        + (f"{total} op de kaart: {kinds}." if total else "geen voorzieningen op deze kaart.")
    )
    notes = () if total else ("Op deze kaart ligt geen van de getelde voorzieningen.",)
    return StoryMap(canvas.svg(body, title, description), title, description, tuple(legend), notes, "")


def _map(canvas: Canvas, artifact: Artifact, p: Profile, part: FotoPart) -> StoryMap:
    if part.number == 1:
        return _location_map(artifact, p)
    if part.number == 5:
        found = _facilities_map(canvas, artifact, part)
        if found is not None:
            return found
    if part.indicator:
        found = _choropleth_map(canvas, artifact, part)
        if found is not None:
            return found
        return _plain_map(canvas, f"Dit cijfer is er niet per {canvas.frame.level}.")
    return _plain_map(canvas, "Voor dit deel is er geen cijfer om op de kaart te zetten.")


def story(artifact: Artifact, code: str) -> Story:
    """The map story of area ``code``: the six parts of its foto veerkracht (:func:`~atlas.render.foto.foto`), each
    with its map."""
    f = foto(artifact, code)
    p = f.profile
    frame = frame_of(artifact, p)
    canvas = Canvas(artifact, p, frame)
    return Story(f, tuple(Step(part, _map(canvas, artifact, p, part)) for part in f.parts), frame)
