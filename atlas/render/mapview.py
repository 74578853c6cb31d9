"""Everything the map page shows: the Folium map in parts, the legend, the overlays, the table and the notes."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import folium
import numpy as np

from atlas.artifact import Artifact
from atlas.artifact.status import has_data, present, publishable, shown_status, shown_value
from atlas.artifact.webgeo import Bounds
from atlas.findings import Finding
from atlas.layers.registry import Indicator
from atlas.render.basemap import PDOK_NAME, BaseMap
from atlas.render.compare import Reference, comparable, difference_text
from atlas.render.findings import page_findings
from atlas.render.labels import add_labels
from atlas.render.maps import (
    UNPUBLISHED_STYLES,
    ChoroplethLayer,
    Classes,
    MapAssets,
    MapParts,
    OutlineLayer,
    classify,
    format_ci,
    format_n,
    map_parts,
    new_map,
)
from atlas.render.mapstate import MapState
from atlas.render.overlays import OverlayInfo, add_overlays
from atlas.render.pagedata import PageData
from atlas.render.selection import Selection, codes_within, format_value, source_text
from atlas.render.stadsdelen import StadsdeelChoice, grouping_notes, stadsdeel_choice
from atlas.render.textlayers import TextLayerControl
from atlas.settings import PDOK_TILES

DEFAULT_BOUNDS: Bounds = (3.3, 50.7, 7.3, 53.6)
"""The Netherlands, for a level without geometry."""


@dataclass(frozen=True)
class LegendItem:
    label: str
    fill: str
    border: str
    dash: str


@dataclass(frozen=True)
class TableRow:
    code: str
    naam: str
    grouping: str
    """For a stadsdeel whose grouping the pages mark: ``indeling indicatief`` or ``wijken zonder stadsdeel``."""
    value: float | None
    waarde: str
    n: str
    ci: str
    verschil: str
    status: str


@dataclass(frozen=True)
class MapView:
    selection: Selection
    parts: MapParts
    legend: list[LegendItem]
    notes: list[str]
    overlays: list[OverlayInfo]
    rows: list[TableRow]
    has_ci: bool
    compares: bool
    """Whether the table has the column "Verschil met gemeente" (not for counts, nor on a map of the gemeente)."""
    stadsdeel: StadsdeelChoice | None
    """The stadsdeel zoomed to."""
    sources: list[str]
    """The sources of the figures shown (the values' own ``source``), most used first."""
    grouping: list[str]
    """Explanations of the stadsdeel groupings the page marks (indicative, 'overig'), when it shows stadsdelen."""
    groen: list[tuple[str, str]]
    """The 2-22-200 parameters of the build, as (name, value), for groen indicators."""
    findings: list[Finding]
    """The build's warnings about this indicator's figures."""


def class_legend(ind: Indicator, classes: Classes | None) -> list[LegendItem]:
    """One legend item per class of the choropleth, as the map page writes them (also the map story's)."""
    items = []
    if classes is not None:
        previous_single = False
        for lower, upper, color in classes.ranges():
            low, high = format_value(lower, ind), format_value(upper, ind)
            # a class of one value (e.g. every buurt at 0 %) reads as that value; the next as "meer dan"
            label = low if low == high else f"{'meer dan ' if previous_single else ''}{low} – {high}"
            previous_single = low == high
            items.append(LegendItem(label, color, "#333333", ""))
    return items


def selection_classes(selection: Selection) -> Classes | None:
    """The classes of a selection's choropleth: the registry's scheme over its published values (the map page's and
    the map story's)."""
    shown = selection.values.value[publishable(selection.values)].to_numpy(dtype="float64")
    return classify(shown, selection.indicator)


def _legend(selection: Selection, classes: Classes | None) -> tuple[list[LegendItem], list[str]]:
    items = class_legend(selection.indicator, classes)
    notes = []
    for status in present(selection.values):
        style = UNPUBLISHED_STYLES.get(status)
        if style is not None:
            items.append(
                LegendItem(status.label, str(style["fillColor"]), str(style["color"]), str(style["dashArray"]))
            )
            notes.append(status.explanation)
    return items, notes


def value_sources(selection: Selection) -> list[str]:
    """The distinct ``source`` of the rows with data, most used first; the registry's source when there are none."""
    if "source" in selection.values.columns and len(selection.values):
        with_data = has_data(selection.values).tolist()
        counts = Counter(source_text(r["source"]) for r, keep in zip(selection.records, with_data, strict=True) if keep)
        found = [text for text, _ in counts.most_common() if text]  # ties in the order the rows have them
        if found:
            return found
    return [selection.indicator.source]


def _rows(artifact: Artifact, selection: Selection, within: set[str] | None) -> list[TableRow]:
    ind = selection.indicator
    reference = Reference.of(artifact, ind, selection.year) if selection.level != "gemeente" else None
    out = []
    for row in selection.records:
        if within is not None and row["code"] not in within:
            continue
        value = shown_value(row.get("status"), row.get("value"))
        ok = value is not None
        out.append(
            TableRow(
                code=str(row["code"]),
                naam=str(row["naam"]),
                grouping=artifact.areas.grouping(str(row["code"])).label if selection.level == "stadsdeel" else "",
                value=value,
                waarde=format_value(value, ind) if ok else "",
                n=format_n(row.get("n"), ind) if ok else "",
                ci=format_ci(row, ind) if ok else "",
                verschil=difference_text(value, row, ind, reference) if reference else "",
                status=shown_status(row.get("status"), row.get("value")).label,
            )
        )
    return sorted(out, key=lambda r: r.naam)


def _plain(value: Any) -> str:
    """A parameter value as the Dutch pages write it: ``25``, ``5.000``, ``12,5``, ``buurt``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    decimals = 0 if float(value).is_integer() else 1
    return f"{value:,.{decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")


def groen_parameters(artifact: Artifact) -> list[tuple[str, str]]:
    """The build's 2-22-200 parameters as (meaning, value), in the words the build recorded with them.

    The meaning is the parameter's help text from the manifest (the parameter's name when the manifest has
    none); a value that differs from the default says so.
    """
    groen = artifact.manifest.get("groen")
    if not isinstance(groen, dict):
        return []
    params = groen.get("params", groen)
    if not isinstance(params, dict):
        return []
    help_texts = groen.get("help")
    help_texts = help_texts if isinstance(help_texts, dict) else {}
    defaults = groen.get("defaults")
    defaults = defaults if isinstance(defaults, dict) else {}
    out = []
    for name, value in params.items():
        if isinstance(value, dict | list):
            continue
        text = _plain(value)
        if name in defaults and defaults[name] != value:
            text += f" (standaard {_plain(defaults[name])})"
        out.append((str(help_texts.get(name) or name), text))
    return out


def map_frame(artifact: Artifact, level: str, assets: MapAssets, stadsdeel: str | None) -> folium.Map:
    """An empty map of ``level``'s areas, or of the stadsdeel (a code) when given, loading Leaflet from ``assets``."""
    web = artifact.web_level("stadsdeel" if stadsdeel else level)
    bounds = web.bounds([stadsdeel] if stadsdeel else None) or web.bounds() or DEFAULT_BOUNDS
    return new_map(np.asarray(bounds), assets)


def finish_map(
    fmap: folium.Map,
    artifact: Artifact,
    level: str,
    year: int,
    *,
    skip: str | tuple[str, ...],
    stadsdeel: str | None = None,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
) -> tuple[MapParts, StadsdeelChoice | None, list[OverlayInfo]]:
    """Add to a map whose main layer is in place the stadsdeel's border, the overlays (but those of ``skip``), the
    layer control and the base map from the tile URL ``tiles`` (none when None); the rendered parts."""
    choice = stadsdeel_choice(artifact, stadsdeel) if stadsdeel else None
    if choice is not None:
        web = artifact.web_level("stadsdeel")
        OutlineLayer(
            PageData.of(fmap),
            [f["geometry"] for f in web.select([choice.code])],
            name=f"Grens stadsdeel {choice.naam}",
            style={"fill": False, "color": "#000000", "weight": 4},
        ).add_to(fmap)
    add_labels(fmap, artifact, level)
    overlays = add_overlays(fmap, artifact, level, year, skip=skip)
    control = TextLayerControl(collapsed=True, position="topright")
    control.add_to(fmap)
    name = PDOK_NAME if tiles == PDOK_TILES else "Achtergrondkaart"
    BaseMap(tiles, tiles_attribution, name, control).add_to(fmap)
    MapState(PageData.of(fmap), {o.id: o.layer for o in overlays}).add_to(fmap)  # last: after the layers and view
    return map_parts(fmap), choice, overlays


def map_view(
    artifact: Artifact,
    selection: Selection,
    assets: MapAssets,
    *,
    stadsdeel: str | None = None,
    tiles: str | None = None,
    tiles_attribution: str | None = None,
) -> MapView:
    """The map page of one selection, zoomed to ``stadsdeel`` (a code) when given, over the base map from the tile
    URL ``tiles`` (none when None)."""
    ind = selection.indicator
    classes = selection_classes(selection)
    fmap = map_frame(artifact, selection.level, assets, stadsdeel)
    has_ci = "ci_low" in selection.values.columns and bool(selection.values["ci_low"].notna().any())
    groupings = (
        [artifact.areas.grouping(str(code)) for code in selection.values.code] if selection.level == "stadsdeel" else []
    )
    with_grouping = any(g.label for g in groupings)
    data = PageData.of(fmap)
    ChoroplethLayer(data, artifact, selection, classes, with_ci=has_ci, with_grouping=with_grouping).add_to(fmap)
    parts, choice, overlays = finish_map(
        fmap,
        artifact,
        selection.level,
        selection.year,
        skip=ind.id,
        stadsdeel=stadsdeel,
        tiles=tiles,
        tiles_attribution=tiles_attribution,
    )
    if choice is not None:
        groupings.append(choice.grouping)
    legend, notes = _legend(selection, classes)
    return MapView(
        selection=selection,
        parts=parts,
        legend=legend,
        notes=notes,
        overlays=overlays,
        rows=_rows(artifact, selection, codes_within(artifact, selection.level, stadsdeel)),
        has_ci=has_ci,
        compares=comparable(ind) and selection.level != "gemeente",
        stadsdeel=choice,
        groen=groen_parameters(artifact) if ind.theme == "groen" else [],
        findings=page_findings(artifact, indicator=ind.id),
        sources=value_sources(selection),
        grouping=grouping_notes(groupings),
    )
