"""The parts of the foto veerkracht that show more than a row per indicator on an area's profile.

The monitor sociaal domein (seed 000) describes six parts; three of them get their own chart or table here, added
to the profile's section of their theme (:class:`VeerkrachtParts`):

- **economische veerkracht** (part 2): the koopkrachtindex per huishouden of the area, its parent and the city over
  the years (:func:`koopkracht_chart`), when the artifact has it;
- **voorzieningen** (part 5): per type of facility how many lie in the area and the nearest one with its distance
  from the area's label point, as the build computed them (:func:`area_facilities`; ``voorzieningen.parquet``);
- **leeftijdsverdeling** (part 6): the age bands of the area in the latest measured year and in the last forecast
  year (``prognose``), side by side (:func:`age_chart`).

Everything is read from the artifact: no distance or sum is computed per request. Charts are SVG with a title and an
aria-label in words, and escape every name.
"""

from __future__ import annotations

import html
import math
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from atlas.artifact import Artifact
from atlas.artifact.layout import FACILITIES_LAYER
from atlas.layers.registry import Indicator, Overlay
from atlas.render.charts import AXIS, CITY, LINE, axis_for
from atlas.render.selection import dutch_number, format_value

KOOPKRACHT = "koopkracht_index"
"""The indicator of the economic part's chart."""
AGE_PREFIX = "leeftijd_"
"""The age-band indicators (percentages of the inhabitants) of the age chart, in registry order."""
FACILITIES_THEME = "voorzieningen"
"""The theme whose section shows the facilities table."""
PARENT_COLOR = "#6a51a3"

SeriesRows = Mapping[tuple[str, str], list[dict[Hashable, Any]]]
"""(indicator, code) -> that area's rows by year, each with ``year``, ``status``, ``value``, ``publishable``."""


@dataclass(frozen=True)
class FacilityRow:
    """One type of facility for one area."""

    type: str
    title: str
    color: str
    count: int
    nearest: str = ""
    """The nearest facility's name ('' when the gemeente has none of this type, or for the gemeente itself)."""
    address: str = ""
    distance: str = ""
    """Straight-line distance from the area's label point, ``350 m`` or ``1,2 km``."""
    buurt: str = ""
    """The code of the buurt the nearest lies in."""
    buurt_naam: str = ""


@dataclass(frozen=True)
class Facilities:
    """The facilities of one area, per type of the registry's facilities overlay."""

    level: str
    rows: tuple[FacilityRow, ...]
    source: str = ""
    year: int | None = None

    @property
    def total(self) -> int:
        return sum(row.count for row in self.rows)

    @property
    def has_nearest(self) -> bool:
        """Whether the build measured the nearest ones (not for the gemeente)."""
        return any(row.distance for row in self.rows)


@dataclass(frozen=True)
class Chart:
    """A chart of a part: its caption (what it shows, in words) and the SVG."""

    caption: str
    svg: str


@dataclass(frozen=True)
class VeerkrachtParts:
    """The charts per theme and the facilities table an area's profile shows besides its rows."""

    charts: Mapping[str, tuple[Chart, ...]] = field(default_factory=dict)
    facilities: Facilities | None = None
    facilities_theme: str = FACILITIES_THEME

    def charts_of(self, theme: str) -> tuple[Chart, ...]:
        return tuple(self.charts.get(theme, ()))

    def themes(self) -> list[str]:
        """The themes that have a chart or the facilities table."""
        out = [theme for theme, charts in self.charts.items() if charts]
        if self.facilities is not None and self.facilities_theme not in out:
            out.append(self.facilities_theme)
        return out


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _scale(lo: float, hi: float, a: float, b: float) -> Callable[[float], float]:
    if hi == lo:
        return lambda v: (a + b) / 2
    return lambda v: a + (v - lo) * (b - a) / (hi - lo)


def distance_text(metres: float) -> str:
    """``350 m`` (to 10 m) below a kilometre, else ``1,2 km``."""
    if not math.isfinite(metres):
        return ""
    if metres < 995:
        return f"{dutch_number(round(metres, -1))} m"
    return f"{dutch_number(metres / 1000, 1)} km"


def facilities_overlay(artifact: Artifact) -> Overlay | None:
    """The registry's typed points overlay of the facilities, or None."""
    return next(
        (
            o
            for o in artifact.registry.overlays.values()
            if o.kind == "points" and o.layer == FACILITIES_LAYER and o.types
        ),
        None,
    )


def area_facilities(artifact: Artifact, code: str, level: str) -> Facilities | None:
    """The facilities of area ``code`` per type (the build's table), or None without facilities."""
    overlay = facilities_overlay(artifact)
    table = artifact.facilities_of(code)
    if overlay is None or table is None:
        return None
    by_type = {str(r["type"]): r for r in table.to_dict("records")}
    rows = []
    for t in overlay.types:
        r = by_type.get(t.id, {})
        metres = float(r.get("nearest_m", math.nan))
        buurt = str(r.get("nearest_buurt") or "")
        found = artifact.areas.name_and_parent(buurt) if buurt else None
        rows.append(
            FacilityRow(
                type=t.id,
                title=t.title,
                color=t.color,
                count=int(r.get("count", 0) or 0),
                nearest=str(r.get("nearest_naam") or "") if math.isfinite(metres) else "",
                address=str(r.get("nearest_adres") or "") if math.isfinite(metres) else "",
                distance=distance_text(metres),
                buurt=buurt if math.isfinite(metres) else "",
                buurt_naam=found[0] if found is not None and math.isfinite(metres) else "",
            )
        )
    about = artifact.manifest.get("voorzieningen") or {}
    year = about.get("year")
    return Facilities(level, tuple(rows), str(about.get("source") or ""), int(year) if year else None)


def _points(series: SeriesRows, indicator: str, code: str) -> list[tuple[int, float]]:
    return [
        (int(r["year"]), float(r["value"]))
        for r in series.get((indicator, code), [])
        if r.get("publishable") and r.get("value") is not None and math.isfinite(float(r["value"]))
    ]


def lines_chart(
    lines: Sequence[tuple[str, str, list[tuple[int, float]]]],
    title: str,
    fmt: Callable[[float], str],
    *,
    forecast: frozenset[int] = frozenset(),
    unit: str = "other",
    decimals: int = 1,
    width: int = 460,
    height: int = 190,
) -> str:
    """Lines over the years, each ``(name, colour, points)``, named at their right end with their last value, on the
    scale every trend chart uses (:func:`~atlas.render.charts.axis_for`: from 0, an index around 100); the years in
    ``forecast`` are drawn dashed and marked "prognose". Empty without two years of the first line."""
    drawn = [(name, color, sorted(points)) for name, color, points in lines if points]
    if not drawn or len(drawn[0][2]) < 2:
        return ""
    xs = [x for _, _, pts in drawn for x, _ in pts]
    ys = [y for _, _, pts in drawn for _, y in pts]
    left, right, top, bottom = 44, 150, 12, 28
    axis = axis_for(unit, ys, decimals)
    lo, hi = axis.low, axis.high
    sx = _scale(min(xs), max(xs), left + 8, width - right)
    sy = _scale(lo, hi, height - bottom, top)
    parts = [
        f'<svg class="chart veerkracht-chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_esc(title)}"><title>{_esc(title)}</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right + 8}" y2="{height - bottom}" stroke="{AXIS}"/>',
    ]
    for value in sorted({lo, hi, *([100.0] if unit == "index" else [])}):
        y = sy(value)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right + 8}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        parts.append(f'<text x="{left - 4}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_esc(fmt(value))}</text>')
    for x in sorted(set(xs)):
        label = f"{x}*" if x in forecast else str(x)
        parts.append(
            f'<text x="{sx(x):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">{label}</text>'
        )
    for i, (name, color, pts) in enumerate(drawn):
        measured = [p for p in pts if p[0] not in forecast]
        ahead = [p for p in pts if p[0] in forecast]
        weight = 2.5 if i == 0 else 1.5
        if len(measured) >= 2:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in measured)
            parts.append(f'<polyline fill="none" stroke="{color}" stroke-width="{weight}" points="{path}"/>')
        if ahead:
            path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in (measured[-1:] + ahead))
            parts.append(
                f'<polyline class="prognose" fill="none" stroke="{color}" stroke-width="{weight}" '
                f'stroke-dasharray="4 3" points="{path}"/>'
            )
        for x, y in pts:
            what = f"{name}, {'prognose ' if x in forecast else ''}{x}: {fmt(y)}"
            parts.append(
                f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{color}"><title>{_esc(what)}</title></circle>'
            )
        x, y = pts[-1]
        short = name if len(name) <= 16 else name[:15] + "…"
        parts.append(
            f'<text x="{width - right + 12}" y="{sy(y) + 4:.1f}" font-size="11" fill="{color}">'
            f"{_esc(short)} {_esc(fmt(y))}</text>"
        )
    if forecast & set(xs):
        parts.append(f'<text x="{left}" y="{height - 2}" font-size="10" fill="{AXIS}">* prognose (gestippeld)</text>')
    parts.append("</svg>")
    return "".join(parts)


def koopkracht_chart(artifact: Artifact, area: Any, parent: Any | None, city: Any, series: SeriesRows) -> Chart | None:
    """The koopkrachtindex per huishouden of the area, its wijk or stadsdeel and the city over the years; None when
    the artifact has fewer than two years of it for the area."""
    ind = artifact.registry.indicators.get(KOOPKRACHT)
    if ind is None:
        return None
    fmt = _formatter(ind)
    lines = [(area.naam, LINE, _points(series, ind.id, area.code))]
    if parent is not None and parent.code != city.code:
        lines.append((f"{parent.level} {parent.naam}", PARENT_COLOR, _points(series, ind.id, parent.code)))
    if area.code != city.code:
        lines.append((city.naam, CITY, _points(series, ind.id, city.code)))
    years = sorted({x for _, _, pts in lines for x, _ in pts})
    span = f"{years[0]}–{years[-1]}" if years else ""
    title = f"{ind.title}: {area.naam}" + (f" tegen {city.naam}" if area.code != city.code else "") + f", {span}"
    forecast = artifact.forecasts.get(ind.id, frozenset())
    svg = lines_chart(lines, title, fmt, forecast=forecast, unit=ind.unit, decimals=ind.decimals)
    return Chart(f"{title} ({city.naam} = 100)" if ind.unit == "index" else title, svg) if svg else None


def _formatter(ind: Indicator) -> Callable[[float], str]:
    return lambda v: format_value(float(v), ind)


def _band_label(ind: Indicator) -> str:
    """``0 tot 15 jaar`` from ``Inwoners van 0 tot 15 jaar``."""
    title = ind.title
    for prefix in ("Inwoners van ", "Aandeel inwoners van "):
        if title.startswith(prefix):
            return title[len(prefix) :]
    return title


def age_chart(artifact: Artifact, area: Any, series: SeriesRows) -> Chart | None:
    """The age bands of the area in the latest measured year and, when there is one, the last forecast year, as
    pairs of bars (the forecast hatched with a dashed edge, labelled "prognose"); empty without two bands."""
    bands = [ind for ind in artifact.registry if ind.id.startswith(AGE_PREFIX) and ind.unit == "percent"]
    now: dict[str, tuple[int, float]] = {}
    later: dict[str, tuple[int, float]] = {}
    for ind in bands:
        forecast = artifact.forecasts.get(ind.id, frozenset())
        points = _points(series, ind.id, area.code)
        measured = [p for p in points if p[0] not in forecast]
        ahead = [p for p in points if p[0] in forecast and (not measured or p[0] > measured[-1][0])]
        if measured:
            now[ind.id] = measured[-1]
        if ahead:
            later[ind.id] = ahead[-1]
    shown = [ind for ind in bands if ind.id in now]
    if len(shown) < 2:
        return None
    year_now = max(y for y, _ in now.values())
    year_later = max((y for y, _ in later.values()), default=None)
    values = [v for _, v in now.values()] + [v for _, v in later.values()]
    bar, gap, left, right, top = 12, 10, 120, 60, 34
    rows = 2 if year_later is not None else 1
    height = top + len(shown) * (rows * bar + gap) + 8
    width = 460
    sx = _scale(0.0, max(values) or 1.0, left, width - right)
    title = f"Leeftijdsopbouw van {area.naam}: {year_now}" + (
        f" en prognose {year_later}" if year_later is not None else ""
    )
    parts = [
        f'<svg class="chart veerkracht-chart leeftijd-chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="{_esc(title)}"><title>{_esc(title)}</title>',
        '<defs><pattern id="leeftijd-prognose" patternUnits="userSpaceOnUse" width="6" height="6" '
        f'patternTransform="rotate(45)"><line x1="3" y1="0" x2="3" y2="6" stroke="{LINE}" stroke-width="1.5"/>'
        "</pattern></defs>",
        f'<rect x="{left}" y="6" width="12" height="10" fill="{LINE}"/>'
        f'<text x="{left + 16}" y="15" font-size="11">{year_now}</text>',
    ]
    if year_later is not None:
        parts.append(
            f'<rect x="{left + 70}" y="6" width="12" height="10" fill="url(#leeftijd-prognose)" stroke="{LINE}" '
            f'stroke-dasharray="3 2"/><text x="{left + 86}" y="15" font-size="11">prognose {year_later}</text>'
        )
    for i, ind in enumerate(shown):
        y = top + i * (rows * bar + gap)
        parts.append(
            f'<text x="{left - 6}" y="{y + bar - 2}" text-anchor="end" font-size="11">{_esc(_band_label(ind))}</text>'
        )
        year, value = now[ind.id]
        text = format_value(value, ind)
        parts.append(
            f'<rect x="{left}" y="{y}" width="{max(sx(value) - left, 1):.1f}" height="{bar}" fill="{LINE}">'
            f"<title>{_esc(f'{_band_label(ind)}, {year}: {text}')}</title></rect>"
            f'<text x="{sx(value) + 4:.1f}" y="{y + bar - 2}" font-size="11">{_esc(text)}</text>'
        )
        if year_later is not None and ind.id in later:
            year, value = later[ind.id]
            text = format_value(value, ind)
            yy = y + bar
            parts.append(
                f'<rect class="prognose" x="{left}" y="{yy}" width="{max(sx(value) - left, 1):.1f}" height="{bar}" '
                f'fill="url(#leeftijd-prognose)" stroke="{LINE}" stroke-dasharray="3 2">'
                f"<title>{_esc(f'{_band_label(ind)}, prognose {year}: {text}')}</title></rect>"
                f'<text x="{sx(value) + 4:.1f}" y="{yy + bar - 2}" font-size="11">{_esc(text)}</text>'
            )
    parts.append("</svg>")
    return Chart(title, "".join(parts))


def veerkracht_parts(
    artifact: Artifact, area: Any, parent: Any | None, city: Any, series: SeriesRows
) -> VeerkrachtParts:
    """The koopkracht and age charts (each in its indicator's theme) and the facilities of ``area``."""
    charts: dict[str, list[Chart]] = {}
    koopkracht = artifact.registry.indicators.get(KOOPKRACHT)
    if koopkracht is not None and area.level in koopkracht.levels:
        chart = koopkracht_chart(artifact, area, parent, city, series)
        if chart is not None:
            charts.setdefault(koopkracht.theme, []).append(chart)
    bands = [ind for ind in artifact.registry if ind.id.startswith(AGE_PREFIX) and area.level in ind.levels]
    if bands:
        chart = age_chart(artifact, area, series)
        if chart is not None:
            charts.setdefault(bands[0].theme, []).append(chart)
    facilities = area_facilities(artifact, area.code, area.level)
    return VeerkrachtParts({k: tuple(v) for k, v in charts.items()}, facilities)
