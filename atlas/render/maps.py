"""Folium choropleths of one indicator at one level and year, with switchable overlays.

The map is rendered into three parts (head, body, script) that the web page places in its own layout, so the page
around the map (legend, explanations, the accessible table) is plain HTML.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import branca.colormap as bcm
import branca.utilities as butil
import folium
import mapclassify
import numpy as np
import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.status import Status, shown_status, shown_value
from atlas.artifact.webgeo import feature
from atlas.codes import Grouping
from atlas.layers.registry import Indicator
from atlas.render.pagedata import PageData
from atlas.render.selection import Selection, format_value, source_text
from atlas.render.textlayers import TextTooltip

PDOK_TILES = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png"
PDOK_ATTRIBUTION = 'Kaartgegevens &copy; <a href="https://www.kadaster.nl">Kadaster</a> (BRT-Achtergrondkaart)'
TILE_HOST = "https://service.pdok.nl"

UNPUBLISHED_STYLES: dict[Status, dict[str, Any]] = {
    Status.SUPPRESSED: {
        "fillColor": "#bdbdbd",
        "fillOpacity": 0.8,
        "color": "#4d4d4d",
        "weight": 1,
        "dashArray": "1 3",
    },
    Status.MISSING: {"fillColor": "#ffffff", "fillOpacity": 0.6, "color": "#6b6b6b", "weight": 1, "dashArray": "4 3"},
}
"""How an area without a published value is drawn, per status: never in a colour of the classes."""

FOLIUM_VIEWPORT = re.compile(r"<meta\s+name=\"viewport\"[^>]*>", re.IGNORECASE)
"""Folium's viewport tag, which forbids zooming; the page template sets one that allows it."""


@dataclass(frozen=True)
class MapAssets:
    """Where the page loads Leaflet from: (name, URL) pairs, served by the app itself (never a CDN)."""

    js: tuple[tuple[str, str], ...]
    css: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class MapParts:
    """A rendered Folium map split for embedding: what goes in <head>, the map <div>, and the script."""

    head: str
    body: str
    script: str


@dataclass(frozen=True)
class Classes:
    """Class breaks and colours of a choropleth."""

    bins: tuple[float, ...]
    colors: tuple[str, ...]
    lower: float

    def color(self, value: float) -> str:
        index = int(np.searchsorted(np.asarray(self.bins), value, side="left"))
        return self.colors[min(index, len(self.colors) - 1)]

    def ranges(self) -> list[tuple[float, float, str]]:
        """(lower, upper, colour) per class."""
        out = []
        lower = self.lower
        for upper, color in zip(self.bins, self.colors, strict=True):
            out.append((lower, upper, color))
            lower = upper
        return out


def palette(name: str, k: int) -> list[str]:
    """``k`` colours of a ColorBrewer or viridis palette, light to dark."""
    if name in ("viridis", "cividis"):
        step = bcm.linear.viridis.to_step(k)  # type: ignore[attr-defined]
        rgb = ["#{:02x}{:02x}{:02x}".format(*(round(255 * c) for c in rgba[:3])) for rgba in step.colors]
        return rgb[::-1]
    colors = list(butil.color_brewer(name, n=max(k, 3)))
    return colors[:k] if k >= 3 else [colors[0], colors[-1]][:k]


def _scheme_bins(values: np.ndarray, indicator: Indicator, k: int) -> tuple[float, ...]:
    """Upper class bounds of the registry's mapclassify scheme for ``values``, ``k`` classes at most."""
    unique = np.unique(values)
    k = min(k, len(unique))
    if k < 2:
        return (float(unique[-1]),)
    scheme = getattr(mapclassify, indicator.classification.mapclassify_name)
    with warnings.catch_warnings():
        # FisherJenks says it would be faster with numba; for a few hundred areas it does not matter
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        if indicator.classification.scheme in ("head_tail_breaks", "std_mean"):
            result = scheme(values)
        else:
            result = scheme(values, k=k)
    return tuple(float(b) for b in np.unique(result.bins))


def classify(values: np.ndarray, indicator: Indicator) -> Classes | None:
    """Classes from the registry's mapclassify scheme and k; fewer classes when values are few.

    When more than one area in k shares the lowest value (many buurten at 0 %, as with the 2-22-200 norm),
    quantile-like schemes would spend all their classes on it; that value then gets a class of its own and
    the scheme divides the other values over the remaining classes.
    """
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    unique = np.unique(values)
    k = min(indicator.classification.k, len(unique))
    if k < 2:
        return Classes(bins=(float(unique[0]),), colors=(palette(indicator.palette, 3)[1],), lower=float(unique[0]))
    low = float(unique[0])
    if k >= 3 and np.count_nonzero(values == low) * k > values.size:
        bins = (low, *_scheme_bins(values[values > low], indicator, k - 1))
    else:
        bins = _scheme_bins(values, indicator, k)
    return Classes(bins=bins, colors=tuple(palette(indicator.palette, len(bins))), lower=low)


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


N_UNKNOWN = "onbekend"
"""What a published survey value without a respondent count shows as its n."""


def format_n(value: Any, indicator: Indicator | None = None) -> str:
    """A count the Dutch way (``1.234``); a survey indicator's unknown respondent count says :data:`N_UNKNOWN`."""
    number = _finite(value)
    if number is None:
        return N_UNKNOWN if indicator is not None and indicator.suppression == "survey" else ""
    return f"{round(number):,}".replace(",", ".")


def format_ci(row: dict[Hashable, Any] | pd.Series, indicator: Indicator) -> str:
    """``12,3% – 15,0%`` when the row has a confidence interval, else empty."""
    low, high = _finite(row.get("ci_low")), _finite(row.get("ci_high"))
    if low is None or high is None:
        return ""
    return f"{format_value(low, indicator)} – {format_value(high, indicator)}"


def format_significance(row: dict[Hashable, Any] | pd.Series) -> str:
    """The significance against the city, in words, when the build computed it."""
    value = row.get("significant")
    if value in ("hoger", "lager"):
        return f"significant {value} dan de gemeente"
    return ""


def feature_collection(artifact: Artifact, selection: Selection, classes: Classes | None) -> dict[str, Any]:
    """The level's web geometry (parsed once per artifact, shared) with the selection's values and styles in each
    feature's new properties."""
    ind = selection.indicator
    features = [feature(f, f["properties"]) for f in artifact.web_level(selection.level).features]
    rows: dict[str, dict[Hashable, Any]] = {str(r["code"]): r for r in selection.records}
    for item in features:
        props = item["properties"]
        row = rows.get(props["code"], {})
        status = shown_status(row.get("status"), row.get("value"))
        value = shown_value(row.get("status"), row.get("value"))
        if value is not None and classes is not None:
            style = {"fillColor": classes.color(value), "fillOpacity": 0.75, "color": "#333", "weight": 1}
        else:
            style = UNPUBLISHED_STYLES.get(status, UNPUBLISHED_STYLES[Status.MISSING])
        source = row.get("source")
        shown = value is not None
        try:
            grouping = Grouping(str(props.get("indeling") or ""))
        except ValueError:
            grouping = Grouping.UNSTATED
        props.update(
            {
                "waarde": format_value(value, ind) if shown else status.label,
                "n": format_n(row.get("n"), ind) if shown else "",
                "bi": format_ci(row, ind) if shown else "",
                "verschil": format_significance(row) if shown else "",
                "status": status.label,
                "bron": source_text(source, ind.source),
                "jaar": str(selection.year),
                "indeling": GROUPING_TOOLTIP[grouping],
                "style": style,
            }
        )
    return {"type": "FeatureCollection", "features": features}


GROUPING_TOOLTIP: dict[Grouping, str] = {
    Grouping.DOCUMENTED: "gedocumenteerd",
    Grouping.INDICATIVE: "indicatief (afgeleid, niet vastgesteld)",
    Grouping.UNGROUPED: "wijken zonder stadsdeel",
    Grouping.UNSTATED: "",
}
"""How a stadsdeel's grouping reads in the tooltip of a map per stadsdeel."""


def new_map(bounds: np.ndarray, assets: MapAssets, *, tiles: bool) -> folium.Map:
    """An empty Folium map over ``bounds`` (minx, miny, maxx, maxy in degrees), loading Leaflet from ``assets``."""
    fmap = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=12,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
        zoom_snap=0.25,  # fit the gemeente or a stadsdeel snugly, not at the nearest whole zoom level
        zoom_delta=0.5,
    )
    fmap.default_js = list(assets.js)
    fmap.default_css = list(assets.css)
    if tiles:
        folium.TileLayer(
            PDOK_TILES, attr=PDOK_ATTRIBUTION, name="Achtergrondkaart (PDOK)", max_zoom=19, overlay=False
        ).add_to(fmap)
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    return fmap


def choropleth_layer(
    geo: dict[str, Any], indicator: Indicator, *, with_ci: bool, with_grouping: bool = False
) -> folium.GeoJson:
    fields = ["naam", "waarde", "n"]
    aliases = ["Gebied", indicator.title, "Aantal (n)"]
    if with_grouping:
        fields += ["indeling"]
        aliases += ["Indeling in stadsdelen"]
    if with_ci:
        fields += ["bi", "verschil"]
        aliases += ["95%-betrouwbaarheidsinterval", "Verschil"]
    fields += ["status", "bron", "jaar"]
    aliases += ["Status", "Bron", "Jaar"]
    return folium.GeoJson(
        geo,
        name=f"{indicator.title} ({indicator.unit_label})",
        overlay=True,
        control=True,
        style_function=lambda feature: feature["properties"]["style"],
        highlight_function=lambda feature: {"weight": 3, "color": "#000"},
        tooltip=TextTooltip(fields=fields, aliases=aliases, sticky=True),
    )


def map_parts(fmap: folium.Map) -> MapParts:
    """Render the map and split it into head, body and script for a page of our own (its :class:`PageData` first)."""
    root = fmap.get_root()
    for child in root._children.values():  # what Figure.render does before its template
        child.render()
    head = root.header.render()  # type: ignore[attr-defined]
    # the page has its own viewport; Folium's forbids pinch zoom (user-scalable=no, WCAG 1.4.4)
    head = FOLIUM_VIEWPORT.sub("", head)
    body = root.html.render()  # type: ignore[attr-defined]
    script = root.script.render()  # type: ignore[attr-defined]
    data = [child for child in fmap._children.values() if isinstance(child, PageData)]
    return MapParts(head=head, body=body, script="".join(d.script() for d in data) + script)
