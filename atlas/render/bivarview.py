"""Everything a bivariate map page shows (:mod:`atlas.render.bivariate`): the map, the 3×3 legend with both axes and
the corner that needs attention, the statuses without a class, the table of both values, and the notes."""

from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import numpy as np

from atlas.artifact import Artifact
from atlas.artifact.status import Status, pair_status, shown_status, shown_value
from atlas.findings import Finding
from atlas.layers.registry import Indicator
from atlas.render.bivariate import (
    CLASS_NAMES,
    Pair,
    Tertiles,
    attention_class,
    attention_text,
    color,
    tertiles,
)
from atlas.render.findings import page_findings
from atlas.render.maps import UNPUBLISHED_STYLES, AreaLayer, MapAssets, MapParts
from atlas.render.mapview import LegendItem, finish_map, groen_parameters, map_frame, value_sources
from atlas.render.overlays import OverlayInfo
from atlas.render.pagedata import PageData
from atlas.render.selection import Selection, codes_within, format_value, source_text
from atlas.render.stadsdelen import StadsdeelChoice, grouping_notes

PLURAL = {"buurt": "buurten", "wijk": "wijken", "stadsdeel": "stadsdelen"}


@dataclass(frozen=True)
class LegendCell:
    """One of the nine cells: class ``x`` of the horizontal and ``y`` of the vertical indicator (0 low, 2 high)."""

    x: int
    y: int
    color: str
    text_color: str
    """Black or white, whichever reads better on ``color``."""
    count: int
    """The areas of the map in this cell."""
    label: str
    attention: bool


@dataclass(frozen=True)
class Axis:
    indicator: Indicator
    year: int
    classes: tuple[str, str, str]
    """Per class, low to high, the range of its values in words (``3,1% – 12,0%``; ``geen`` when empty)."""


@dataclass(frozen=True)
class PairRow:
    code: str
    naam: str
    grouping: str
    value_x: float | None
    waarde_x: str
    status_x: str
    value_y: float | None
    waarde_y: str
    status_y: str
    klasse: str
    klasse_sort: str


@dataclass(frozen=True)
class BivariateView:
    pair: Pair
    parts: MapParts
    grid: list[list[LegendCell]]
    """The legend's rows, top (vertical indicator high) to bottom; each row left (horizontal low) to right."""
    x_axis: Axis
    y_axis: Axis
    attention: str
    unpublished: list[LegendItem]
    """Legend entries for the areas without a class (withheld or missing in either indicator)."""
    notes: list[str]
    overlays: list[OverlayInfo]
    rows: list[PairRow]
    stadsdeel: StadsdeelChoice | None
    sources: list[str]
    grouping: list[str]
    findings: list[Finding]
    areas_name: str
    """The level's areas in the plural: ``buurten``."""
    groen: list[tuple[str, str]]
    """The 2-22-200 parameters of the build, as (name, value), when either indicator is a groen one."""


@dataclass(frozen=True)
class _Area:
    """One area's two figures: value (None unless published) and status each, its class pair when both are
    published."""

    value_x: float | None
    status_x: Status
    value_y: float | None
    status_y: Status
    cell: tuple[int, int] | None
    status: Status
    source: str


def _by_code(selection: Selection) -> dict[str, dict[Hashable, Any]]:
    return {str(r["code"]): r for r in selection.records}


def _areas(pair: Pair) -> tuple[dict[str, _Area], Tertiles | None, Tertiles | None]:
    """Per area code of the level its figures and class; the tertiles of both over the areas published for both."""
    rows_x, rows_y = _by_code(pair.x), _by_code(pair.y)
    raw = {}
    for code in rows_x.keys() | rows_y.keys():
        rx, ry = rows_x.get(code, {}), rows_y.get(code, {})
        raw[code] = (
            shown_value(rx.get("status"), rx.get("value")),
            shown_status(rx.get("status"), rx.get("value")),
            shown_value(ry.get("status"), ry.get("value")),
            shown_status(ry.get("status"), ry.get("value")),
            _source(pair, rx, ry),
        )
    both = [(vx, vy) for vx, _, vy, _, _ in raw.values() if vx is not None and vy is not None]
    tx = tertiles(np.array([v for v, _ in both], dtype="float64"))
    ty = tertiles(np.array([v for _, v in both], dtype="float64"))
    out = {}
    for code, (vx, sx, vy, sy, source) in raw.items():
        cell = (tx.of(vx), ty.of(vy)) if vx is not None and vy is not None and tx and ty else None
        out[code] = _Area(vx, sx, vy, sy, cell, pair_status(sx, sy), source)
    return out, tx, ty


def _source(pair: Pair, rx: dict[Hashable, Any], ry: dict[Hashable, Any]) -> str:
    sx = source_text(rx.get("source"), pair.x.indicator.source)
    sy = source_text(ry.get("source"), pair.y.indicator.source)
    return sx if sx == sy else f"{sx}; {sy}"


def _text(value: float | None, status: Status, indicator: Indicator) -> str:
    return format_value(value, indicator) if value is not None else status.label


def klasse_text(pair: Pair, cell: tuple[int, int] | None, status: Status = Status.MISSING) -> str:
    """An area's class in words: ``Kroonbedekking laag, Voelt zich veilig hoog``, or why it has none (``status``)."""
    if cell is None:
        return f"geen klasse: {status.label}"
    return f"{pair.x.indicator.title} {CLASS_NAMES[cell[0]]}, {pair.y.indicator.title} {CLASS_NAMES[cell[1]]}"


def _layer_values(artifact: Artifact, pair: Pair, areas: dict[str, _Area]) -> dict[str, Any]:
    """The choropleth's columns and styles per area of the level's web geometry (as
    :func:`atlas.render.maps.choropleth_values` makes them for one indicator)."""
    x, y = pair.x.indicator, pair.y.indicator
    ax, ay = attention_class(x), attention_class(y)
    names = ("waarde", "waarde_y", "klasse", "bron", "jaar")
    columns: dict[str, list[str]] = {name: [] for name in names}
    styles: list[dict[str, Any]] = []
    style: list[int] = []
    missing = _Area(None, Status.MISSING, None, Status.MISSING, None, Status.MISSING, "")
    for item in artifact.web_level(pair.level).features:
        area = areas.get(item["properties"]["code"], missing)
        if area.cell is not None:
            shape = {"fillColor": color(*area.cell, ax, ay), "fillOpacity": 0.8, "color": "#333", "weight": 1}
        else:
            shape = UNPUBLISHED_STYLES.get(area.status, UNPUBLISHED_STYLES[Status.MISSING])
        if shape not in styles:
            styles.append(shape)
        style.append(styles.index(shape))
        columns["waarde"].append(_text(area.value_x, area.status_x, x))
        columns["waarde_y"].append(_text(area.value_y, area.status_y, y))
        columns["klasse"].append(klasse_text(pair, area.cell, area.status))
        columns["bron"].append(area.source or x.source)
        columns["jaar"].append(pair.year_text)
    return {"columns": columns, "styles": styles, "style": style}


def _luminance(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def text_color(background: str) -> str:
    """Black or white: whichever contrasts more with ``background`` (at least 4.5:1 for any colour)."""
    lum = _luminance(background)
    return "#000000" if (lum + 0.05) / 0.05 >= 1.05 / (lum + 0.05) else "#ffffff"


def _grid(pair: Pair, areas: dict[str, _Area]) -> list[list[LegendCell]]:
    x, y = pair.x.indicator, pair.y.indicator
    ax, ay = attention_class(x), attention_class(y)
    counts: dict[tuple[int, int], int] = {}
    for area in areas.values():
        if area.cell is not None:
            counts[area.cell] = counts.get(area.cell, 0) + 1
    plural = PLURAL.get(pair.level, pair.level)
    rows = []
    for cy in (2, 1, 0):
        row = []
        for cx in (0, 1, 2):
            fill = color(cx, cy, ax, ay)
            count = counts.get((cx, cy), 0)
            label = f"{klasse_text(pair, (cx, cy))}: {count} {plural}"
            row.append(LegendCell(cx, cy, fill, text_color(fill), count, label, (cx, cy) == (ax, ay)))
        rows.append(row)
    return rows


def _axis(selection: Selection, classes: Tertiles | None) -> Axis:
    ind = selection.indicator
    texts = []
    for found in classes.ranges if classes is not None else (None, None, None):
        if found is None:
            texts.append("geen")
        else:
            low, high = (format_value(v, ind) for v in found)
            texts.append(low if low == high else f"{low} – {high}")
    return Axis(ind, selection.year, (texts[0], texts[1], texts[2]))


def _class_notes(pair: Pair, tx: Tertiles | None, ty: Tertiles | None, classified: int) -> list[str]:
    plural = PLURAL.get(pair.level, pair.level)
    if not classified:
        return [f"Geen enkele {pair.level} heeft voor beide indicatoren een gepubliceerd cijfer: er zijn geen klassen."]
    notes = [
        f"Klassen: per indicator drie groepen (tertielen) over de {classified} {plural} met een gepubliceerd cijfer "
        "voor beide; gebieden met dezelfde waarde vallen altijd in dezelfde klasse."
    ]
    for sel, classes in ((pair.x, tx), (pair.y, ty)):
        if classes is None:
            continue
        if classes.single:
            same = f"alle {plural} hebben dezelfde waarde"
            notes.append(f"{sel.indicator.title}: {same}; ze staan in de middelste klasse.")
        elif classes.empty:
            empty = " en ".join(CLASS_NAMES[k] for k in classes.empty)
            notes.append(f"{sel.indicator.title}: te weinig verschillende waarden; klasse {empty} blijft leeg.")
    return notes


def _rows(artifact: Artifact, pair: Pair, areas: dict[str, _Area], within: set[str] | None) -> list[PairRow]:
    x, y = pair.x.indicator, pair.y.indicator
    out = []
    for record in pair.x.records:
        code = str(record["code"])
        if within is not None and code not in within:
            continue
        area = areas[code]
        out.append(
            PairRow(
                code=code,
                naam=str(record["naam"]),
                grouping=artifact.areas.grouping(code).label if pair.level == "stadsdeel" else "",
                value_x=area.value_x,
                waarde_x=format_value(area.value_x, x),
                status_x=area.status_x.label,
                value_y=area.value_y,
                waarde_y=format_value(area.value_y, y),
                status_y=area.status_y.label,
                klasse=klasse_text(pair, area.cell, area.status),
                klasse_sort=f"{area.cell[0]}{area.cell[1]}" if area.cell is not None else "",
            )
        )
    return sorted(out, key=lambda r: r.naam)


def _unpublished(pair: Pair, areas: dict[str, _Area]) -> tuple[list[LegendItem], list[str]]:
    found = {area.status for area in areas.values() if area.cell is None}
    items, notes = [], []
    for status in (Status.SUPPRESSED, Status.MISSING):
        if status not in found:
            continue
        style = UNPUBLISHED_STYLES[status]
        label = f"{status.label} voor {pair.x.indicator.title} of {pair.y.indicator.title}: geen klasse"
        items.append(LegendItem(label, str(style["fillColor"]), str(style["color"]), str(style["dashArray"])))
        notes.append(status.explanation)
    return items, notes


def bivariate_view(
    artifact: Artifact,
    pair: Pair,
    assets: MapAssets,
    *,
    stadsdeel: str | None = None,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
) -> BivariateView:
    """The map page of ``pair``, zoomed to ``stadsdeel`` (a code) when given, over the base map from ``tiles``."""
    x, y = pair.x.indicator, pair.y.indicator
    areas, tx, ty = _areas(pair)
    fmap = map_frame(artifact, pair.level, assets, stadsdeel)
    fields = [("naam", "Gebied"), ("waarde", x.title), ("waarde_y", y.title), ("klasse", "Klasse")]
    AreaLayer(
        PageData.of(fmap),
        artifact,
        pair.level,
        name=f"{x.title} tegen {y.title}",
        fields=[*fields, ("bron", "Bron"), ("jaar", "Jaar")],
        popup=[(x.title, "waarde"), (y.title, "waarde_y"), ("", "klasse")],
        values=_layer_values(artifact, pair, areas),
    ).add_to(fmap)
    parts, choice, overlays = finish_map(
        fmap,
        artifact,
        pair.level,
        pair.x.year,
        skip=(x.id, y.id),
        stadsdeel=stadsdeel,
        tiles=tiles,
        tiles_attribution=tiles_attribution,
    )
    groupings = [artifact.areas.grouping(code) for code in areas] if pair.level == "stadsdeel" else []
    if choice is not None:
        groupings.append(choice.grouping)
    unpublished, status_notes = _unpublished(pair, areas)
    classified = sum(1 for area in areas.values() if area.cell is not None)
    notes = [pair.year_note()] if not pair.same_year else []
    return BivariateView(
        pair=pair,
        parts=parts,
        grid=_grid(pair, areas),
        x_axis=_axis(pair.x, tx),
        y_axis=_axis(pair.y, ty),
        attention=attention_text(x, y),
        unpublished=unpublished,
        notes=[*notes, *_class_notes(pair, tx, ty, classified), *status_notes],
        overlays=overlays,
        rows=_rows(artifact, pair, areas, codes_within(artifact, pair.level, stadsdeel)),
        stadsdeel=choice,
        sources=list(dict.fromkeys([*value_sources(pair.x), *value_sources(pair.y)])),
        grouping=grouping_notes(groupings),
        findings=[*page_findings(artifact, indicator=x.id), *page_findings(artifact, indicator=y.id)],
        areas_name=PLURAL.get(pair.level, pair.level),
        groen=groen_parameters(artifact) if "groen" in (x.theme, y.theme) else [],
    )
