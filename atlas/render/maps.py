"""Folium choropleths of one indicator at one level and year."""

from __future__ import annotations

import html
import json
import warnings
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Any

import branca.colormap as bcm
import branca.utilities as butil
import folium
import mapclassify
import numpy as np

from atlas.build.artifact import Artifact
from atlas.layers.registry import Indicator
from atlas.render.selection import Selection, format_value

PDOK_TILES = "https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0/grijs/EPSG:3857/{z}/{x}/{y}.png"
PDOK_ATTRIBUTION = 'Kaartgegevens &copy; <a href="https://www.kadaster.nl">Kadaster</a> (BRT-Achtergrondkaart)'
TILE_HOST = "https://service.pdok.nl"

MISSING_STYLE = {
    "fillColor": "#ffffff",
    "fillOpacity": 0.6,
    "color": "#6b6b6b",
    "weight": 1,
    "dashArray": "4 3",
}
SUPPRESSED_STYLE = {
    "fillColor": "#bdbdbd",
    "fillOpacity": 0.8,
    "color": "#4d4d4d",
    "weight": 1,
    "dashArray": "1 3",
}
STATUS_LABELS = {
    "ok": "",
    "missing": "geen gegevens",
    "suppressed": "onderdrukt (te weinig waarnemingen)",
}


@dataclass(frozen=True)
class MapAssets:
    """Where the page loads Leaflet from: (name, URL) pairs, served by the app itself (never a CDN)."""

    js: tuple[tuple[str, str], ...]
    css: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class Classes:
    """Class breaks and colours of a choropleth."""

    bins: tuple[float, ...]
    colors: tuple[str, ...]
    lower: float

    def color(self, value: float) -> str:
        index = int(np.searchsorted(np.asarray(self.bins), value, side="left"))
        return self.colors[min(index, len(self.colors) - 1)]


def palette(name: str, k: int) -> list[str]:
    """``k`` colours of a ColorBrewer or viridis palette, light to dark."""
    if name == "viridis":
        step = bcm.linear.viridis.to_step(k)  # type: ignore[attr-defined]
        rgb = ["#{:02x}{:02x}{:02x}".format(*(round(255 * c) for c in rgba[:3])) for rgba in step.colors]
        return rgb[::-1]
    colors = list(butil.color_brewer(name, n=max(k, 3)))
    return colors[:k] if k >= 3 else [colors[0], colors[-1]][:k]


def classify(values: np.ndarray, indicator: Indicator) -> Classes | None:
    """Classes from the registry's mapclassify scheme and k; fewer classes when values are few."""
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    unique = np.unique(values)
    k = min(indicator.classification.k, len(unique))
    if k < 2:
        return Classes(bins=(float(unique[0]),), colors=(palette(indicator.palette, 3)[1],), lower=float(unique[0]))
    scheme = getattr(mapclassify, indicator.classification.mapclassify_name)
    with warnings.catch_warnings():
        # FisherJenks says it would be faster with numba; for a few hundred areas it does not matter
        warnings.filterwarnings("ignore", message="Numba not installed", category=UserWarning)
        if indicator.classification.scheme in ("head_tail_breaks", "std_mean"):
            result = scheme(values)
        else:
            result = scheme(values, k=k)
    bins = tuple(float(b) for b in np.unique(result.bins))
    colors = palette(indicator.palette, len(bins))
    return Classes(bins=bins, colors=tuple(colors), lower=float(values.min()))


def _legend_html(selection: Selection, classes: Classes | None) -> str:
    ind = selection.indicator
    rows = []
    if classes is not None:
        lower = classes.lower
        for upper, color in zip(classes.bins, classes.colors, strict=True):
            label = f"{format_value(lower, ind)} – {format_value(upper, ind)}"
            rows.append(f'<li><span class="sw" style="background:{color}"></span>{html.escape(label)}</li>')
            lower = upper
    statuses = set(selection.values.status)
    if "suppressed" in statuses:
        rows.append(
            '<li><span class="sw" style="background:#bdbdbd;border:1px dotted #4d4d4d"></span>'
            "onderdrukt: te weinig waarnemingen</li>"
        )
    if "missing" in statuses:
        rows.append('<li><span class="sw" style="background:#fff;border:1px dashed #6b6b6b"></span>geen gegevens</li>')
    return (
        '<div class="atlas-legend" role="region" aria-label="Legenda">'
        f"<strong>{html.escape(ind.title)}</strong><br>"
        f"<small>{html.escape(ind.unit_label)} · {selection.year} · per {selection.level}</small>"
        f"<ul>{''.join(rows)}</ul></div>"
    )


_LEGEND_CSS = """
<style>
.atlas-legend{position:absolute;bottom:24px;right:10px;z-index:1000;background:#fff;padding:8px 10px;
  border:1px solid #999;border-radius:4px;font:13px/1.4 system-ui,sans-serif;max-width:260px}
.atlas-legend ul{list-style:none;margin:4px 0 0;padding:0}
.atlas-legend .sw{display:inline-block;width:18px;height:12px;margin-right:6px;vertical-align:middle;
  border:1px solid #777}
.atlas-banner{position:absolute;top:10px;left:50px;z-index:1000;background:#fff;padding:6px 10px;
  border:1px solid #999;border-radius:4px;font:14px/1.4 system-ui,sans-serif;max-width:60%}
.atlas-banner .demo{color:#8a1c00;font-weight:bold}
</style>
"""


def feature_collection(artifact: Artifact, selection: Selection, classes: Classes | None) -> dict[str, Any]:
    """The level's web geometry with the selection's values and styles in each feature's properties."""
    ind = selection.indicator
    geo = json.loads(artifact.web_geojson(selection.level))
    rows: dict[str, dict[Hashable, Any]] = {str(r["code"]): r for r in selection.values.to_dict("records")}
    for feature in geo["features"]:
        props = feature["properties"]
        row = rows.get(props["code"])
        status = str(row["status"]) if row is not None else "missing"
        value = float(row["value"]) if row is not None and status == "ok" else float("nan")
        n = float(row["n"]) if row is not None else float("nan")
        if status == "ok" and classes is not None:
            style = {"fillColor": classes.color(value), "fillOpacity": 0.75, "color": "#333", "weight": 1}
        else:
            style = SUPPRESSED_STYLE if status == "suppressed" else MISSING_STYLE
        props.update(
            {
                "waarde": format_value(value, ind) if status == "ok" else STATUS_LABELS.get(status, status),
                "n": "" if n is None or np.isnan(n) else f"{int(n):,}".replace(",", "."),
                "status": STATUS_LABELS.get(status, status) or "gepubliceerd",
                "bron": str(row["source"]) if row is not None and isinstance(row["source"], str) else ind.source,
                "jaar": str(selection.year),
                "style": style,
            }
        )
    return geo


def choropleth(artifact: Artifact, selection: Selection, assets: MapAssets, *, tiles: bool = True) -> folium.Map:
    """A Folium map of one selection: classified choropleth, tooltip, legend and demo notice."""
    ind = selection.indicator
    ok = selection.values[selection.values.status == "ok"].value.to_numpy(dtype="float64")
    classes = classify(ok, ind)
    geo = feature_collection(artifact, selection, classes)
    bounds = artifact.areas.level(selection.level).to_crs(4326).total_bounds
    fmap = folium.Map(
        location=[(bounds[1] + bounds[3]) / 2, (bounds[0] + bounds[2]) / 2],
        zoom_start=12,
        tiles=None,
        control_scale=True,
        prefer_canvas=False,
    )
    fmap.default_js = list(assets.js)
    fmap.default_css = list(assets.css)
    if tiles:
        folium.TileLayer(PDOK_TILES, attr=PDOK_ATTRIBUTION, name="Achtergrondkaart (PDOK)", max_zoom=19).add_to(fmap)
    folium.GeoJson(
        geo,
        name=ind.title,
        style_function=lambda feature: feature["properties"]["style"],
        highlight_function=lambda feature: {"weight": 3, "color": "#000"},
        tooltip=folium.GeoJsonTooltip(
            fields=["naam", "waarde", "n", "status", "bron", "jaar"],
            aliases=["Gebied", ind.title, "Aantal (n)", "Status", "Bron", "Jaar"],
            sticky=True,
        ),
    ).add_to(fmap)
    fmap.fit_bounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]])
    root = fmap.get_root()
    root.header.add_child(folium.Element(_LEGEND_CSS))  # type: ignore[attr-defined]
    banner = f"<strong>{html.escape(ind.title)}</strong> per {selection.level}, {selection.year}"
    if artifact.is_demo:
        banner += ' <span class="demo">Let op: demo-gegevens, geen echte cijfers.</span>'
    root.html.add_child(folium.Element(f'<div class="atlas-banner">{banner}</div>'))  # type: ignore[attr-defined]
    root.html.add_child(folium.Element(_legend_html(selection, classes)))  # type: ignore[attr-defined]
    return fmap


def render_map(artifact: Artifact, selection: Selection, assets: MapAssets, *, tiles: bool = True) -> str:
    """The map as a complete HTML document."""
    return choropleth(artifact, selection, assets, tiles=tiles).get_root().render()
