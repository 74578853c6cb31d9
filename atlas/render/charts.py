"""Small server-side SVG charts: no JavaScript, no CDN, they print and they work on an intranet.

Every chart carries a <title> and an aria-label that say in words what it shows.

**One scale rule for every trend** (:func:`axis_for`; the profile's sparklines and the doelenkaarten's charts):

- amounts and shares (``percent``, counts, rates per 1 000, euro, km, …) are drawn from 0 up to the highest value
  (plus a little headroom; a percentage at most to 100 %), so a line's height is its size and 79,6 → 82,0 % reads as
  the small rise it is;
- an ``index`` (the gemeente is 100) is drawn around 100 on at least 90–110 (:data:`INDEX_HALF_SPAN`), so a city
  that stays at 99,95–100,03 is a flat line, not a swing;
- a ``score`` has no natural 0 in view (a 1–10 rating, SES-WOA around 0): it is drawn on a window of at least
  :data:`SCORE_STEPS` steps of its last decimal (2 points for a score with one decimal) around its values;
- an axis that does not start at 0 (index, score, or values below 0) is marked as broken: a zigzag on the axis.

A sparkline also writes its first and last year and value, so its ends are read, not guessed.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

Number = float
Formatter = Callable[[float], str]

AXIS = "#555555"
LINE = "#00447a"
CITY = "#b35806"
MUTED = "#666666"
TONES = {"good": "#1a6b2f", "bad": "#a12a00", "": LINE}
"""Bar colours: a clear favourable difference, a clear unfavourable one, anything else (the page's .good/.bad)."""

INDEX_HALF_SPAN = 10.0
"""An index is drawn on at least 100 ± this."""
SCORE_STEPS = 20
"""A score is drawn on a window of at least this many steps of its last decimal (2,0 points for one decimal)."""
HEADROOM = 0.1
"""Room above the highest value of an axis from 0, as a share of it."""


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _finite(points: Sequence[tuple[int, float | None]]) -> list[tuple[int, float]]:
    return [(x, float(y)) for x, y in points if y is not None and math.isfinite(y)]


def _scale(lo: float, hi: float, a: float, b: float) -> Callable[[float], float]:
    if hi == lo:
        return lambda v: (a + b) / 2
    return lambda v: a + (v - lo) * (b - a) / (hi - lo)


@dataclass(frozen=True)
class Axis:
    """The value range a chart's height stands for."""

    low: float
    high: float

    @property
    def broken(self) -> bool:
        """The axis does not start at 0 (drawn with a zigzag)."""
        return self.low != 0.0


def axis_for(unit: str, values: Sequence[float], decimals: int = 1) -> Axis:
    """THE scale rule of every trend chart (see the module's docstring) for ``values`` of ``unit``."""
    known = [float(v) for v in values if v is not None and math.isfinite(v)]
    if not known:
        return Axis(0.0, 1.0)
    lo, hi = min(known), max(known)
    if unit == "index":
        half = max(INDEX_HALF_SPAN, abs(hi - 100.0) * (1 + HEADROOM), abs(100.0 - lo) * (1 + HEADROOM))
        return Axis(100.0 - half, 100.0 + half)
    if unit == "score":
        span = max(SCORE_STEPS * 10.0**-decimals, (hi - lo) * (1 + 2 * HEADROOM))
        middle = (hi + lo) / 2
        low = middle - span / 2
        if lo >= 0 > low:  # a score of positive values never dips below 0
            low = 0.0
        return Axis(low, low + span)
    low = min(0.0, lo)
    high = max(0.0, hi) * (1 + HEADROOM) if hi > 0 else 0.0
    if low < 0:
        low *= 1 + HEADROOM
    if unit == "percent" and hi <= 100.0:
        high = min(high, 100.0)
    if high == low:
        high = low + 1.0
    return Axis(low, high)


def _break_mark(x: float, y: float) -> str:
    """A zigzag across the axis at (x, y): the axis does not start at 0."""
    points = f"{x - 3:.1f},{y + 2:.1f} {x - 1:.1f},{y - 2:.1f} {x + 1:.1f},{y + 2:.1f} {x + 3:.1f},{y - 2:.1f}"
    return (
        f'<polyline class="axis-break" fill="none" stroke="{AXIS}" stroke-width="1" points="{points}">'
        "<title>De as begint niet bij 0</title></polyline>"
    )


def sparkline(
    points: Sequence[tuple[int, float | None]],
    label: str,
    *,
    sources: Sequence[str | None] | None = None,
    fmt: Formatter | None = None,
    unit: str = "other",
    decimals: int = 1,
    forecast: Sequence[tuple[int, float | None]] = (),
    width: int = 170,
    height: int = 34,
) -> str:
    """A small trend line over the years on the shared scale (:func:`axis_for`), its first and last year and value
    written under its ends; the last value is marked. Empty when fewer than two known values.

    ``sources`` (one per point) mark where the source changes between two known values: a dashed vertical line
    between those years, named in the chart's title, so a jump from one source to another does not read as a trend.
    ``forecast`` (years after the last point) continues the line dashed, labelled "prognose <year>" on the chart and
    in its title (:func:`forecast_sparkline`).
    """
    fmt = fmt or (lambda v: f"{v:g}")
    sources = list(sources) if sources is not None else [None] * len(points)
    known = [
        (x, float(y), src) for (x, y), src in zip(points, sources, strict=True) if y is not None and math.isfinite(y)
    ]
    ahead = _finite(forecast)
    if ahead:
        return forecast_sparkline(
            known, ahead, label, fmt=fmt, unit=unit, decimals=decimals, width=width, height=height
        )
    if len(known) < 2:
        return ""
    xs, ys = [p[0] for p in known], [p[1] for p in known]
    axis = axis_for(unit, ys, decimals)
    plot_top, plot_bottom = 2, height - 13
    sx = _scale(min(xs), max(xs), 5, width - 5)
    sy = _scale(axis.low, axis.high, plot_bottom, plot_top)
    changes = [(a, b) for a, b in itertools.pairwise(known) if a[2] and b[2] and a[2] != b[2]]
    marks = [f'<line class="baseline" x1="2" y1="{plot_bottom}" x2="{width - 2}" y2="{plot_bottom}" stroke="#cccccc"/>']
    if axis.broken:
        marks.append(_break_mark(5, plot_bottom))
    for (x0, _, before), (x1, _, after) in changes:
        mx = (sx(x0) + sx(x1)) / 2
        title = f"Andere bron vanaf {x1}: {after} (tot {x0}: {before})"
        marks.append(
            f'<line class="source-change" x1="{mx:.1f}" y1="1" x2="{mx:.1f}" y2="{plot_bottom}" stroke="{CITY}" '
            f'stroke-width="1.5" stroke-dasharray="2 2"><title>{_esc(title)}</title></line>'
        )
    first, last = f"{xs[0]}: {fmt(ys[0])}", f"{xs[-1]}: {fmt(ys[-1])}"
    label += f" ({first}; {last}"
    label += "; de as begint niet bij 0)" if axis.broken else "; de as begint bij 0)"
    if changes:
        label += "; andere bron vanaf " + ", ".join(str(b[0]) for _, b in changes)
    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _ in known)
    lx, ly = sx(xs[-1]), sy(ys[-1])
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(label)}"><title>{_esc(label)}</title>'
        + "".join(marks)
        + f'<polyline fill="none" stroke="{LINE}" stroke-width="1.5" points="{path}"/>'
        f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="2.5" fill="{LINE}"/>'
        f'<text class="first" x="1" y="{height - 2}" font-size="9" fill="{MUTED}">{_esc(first)}</text>'
        f'<text class="last" x="{width - 1}" y="{height - 2}" font-size="9" text-anchor="end">{_esc(last)}</text>'
        "</svg>"
    )


FORECAST_WIDTH = 40
"""Extra width of a sparkline with a forecast: room for the dashed part and its label."""


def _source_changes(
    known: Sequence[tuple[int, float, str | None]], sx: Callable[[float], float], bottom: float, label: str
) -> tuple[list[str], str]:
    """The dashed vertical lines (down to ``bottom``) where the source changes between two known values, and
    ``label`` saying so (as :func:`sparkline` draws them)."""
    changes = [(a, b) for a, b in itertools.pairwise(known) if a[2] and b[2] and a[2] != b[2]]
    marks = []
    for (x0, _, before), (x1, _, after) in changes:
        mx = (sx(x0) + sx(x1)) / 2
        title = f"Andere bron vanaf {x1}: {after} (tot {x0}: {before})"
        marks.append(
            f'<line class="source-change" x1="{mx:.1f}" y1="1" x2="{mx:.1f}" y2="{bottom}" stroke="{CITY}" '
            f'stroke-width="1.5" stroke-dasharray="2 2"><title>{_esc(title)}</title></line>'
        )
    if changes:
        label += "; andere bron vanaf " + ", ".join(str(b[0]) for _, b in changes)
    return marks, label


def forecast_sparkline(
    known: Sequence[tuple[int, float, str | None]],
    ahead: Sequence[tuple[int, float]],
    label: str,
    *,
    fmt: Formatter,
    unit: str = "other",
    decimals: int = 1,
    width: int = 170,
    height: int = 34,
) -> str:
    """:func:`sparkline` of measured values (``known``: year, value, source) continued by a forecast (``ahead``):
    on the same scale (:func:`axis_for`, over both), the forecast dashed from the last measured value, its end an
    open dot, and under the right end "prognose <year>: <value>" instead of the last measured value. Empty without
    two points to draw."""
    if len(known) + len(ahead) < 2:
        return ""
    width += FORECAST_WIDTH
    xs = [p[0] for p in known] + [p[0] for p in ahead]
    ys = [p[1] for p in known] + [p[1] for p in ahead]
    axis = axis_for(unit, ys, decimals)
    plot_top, plot_bottom = 2, height - 13
    sx = _scale(min(xs), max(xs), 5, width - 5)
    sy = _scale(axis.low, axis.high, plot_bottom, plot_top)
    marks = [f'<line class="baseline" x1="2" y1="{plot_bottom}" x2="{width - 2}" y2="{plot_bottom}" stroke="#cccccc"/>']
    if axis.broken:
        marks.append(_break_mark(5, plot_bottom))
    changes, label = _source_changes(known, sx, plot_bottom, label)
    year, value = ahead[-1]
    last = f"prognose {year}: {fmt(value)}"
    first = f"{known[0][0]}: {fmt(known[0][1])}" if known else ""
    label += f" ({first}; " if first else " ("
    label += f"{known[-1][0]}: {fmt(known[-1][1])}; " if len(known) > 1 else ""
    label += f"gestippeld: {last}" + ("; de as begint niet bij 0)" if axis.broken else "; de as begint bij 0)")
    parts = [
        f'<svg class="spark spark-prognose" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_esc(label)}"><title>{_esc(label)}</title>',
        *marks,
        *changes,
    ]
    if len(known) >= 2:
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _ in known)
        parts.append(f'<polyline fill="none" stroke="{LINE}" stroke-width="1.5" points="{path}"/>')
    dashed = ([(known[-1][0], known[-1][1])] if known else []) + list(ahead)
    if len(dashed) >= 2:
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in dashed)
        parts.append(
            f'<polyline class="prognose" fill="none" stroke="{LINE}" stroke-width="1.5" stroke-dasharray="3 2" '
            f'points="{path}"><title>{_esc(last)}</title></polyline>'
        )
    if known:
        parts.append(f'<circle cx="{sx(known[-1][0]):.1f}" cy="{sy(known[-1][1]):.1f}" r="2.5" fill="{LINE}"/>')
    parts.append(
        f'<circle cx="{sx(year):.1f}" cy="{sy(value):.1f}" r="2.5" fill="#ffffff" stroke="{LINE}" stroke-width="1.2"/>'
    )
    if first:
        parts.append(f'<text class="first" x="1" y="{height - 2}" font-size="9" fill="{MUTED}">{_esc(first)}</text>')
    parts.append(
        f'<text class="last prognose-label" x="{width - 1}" y="{height - 2}" font-size="9" text-anchor="end">'
        f"{_esc(last)}</text></svg>"
    )
    return "".join(parts)


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi == lo:
        return [lo]
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(lo / step - 1e-9) * step
    out = []
    value = start
    while value <= hi + 1e-9:
        out.append(round(value, 10))
        value += step
    return out


def trend_chart(
    points: Sequence[tuple[int, float | None]],
    title: str,
    fmt: Formatter,
    *,
    unit: str = "other",
    decimals: int = 1,
    width: int = 420,
    height: int = 200,
) -> str:
    """A line chart of the city's value per year, with labelled axes on the shared scale (:func:`axis_for`)."""
    known = _finite(points)
    if not known:
        return f'<p class="nodata">Geen cijfers voor {_esc(title)}.</p>'
    xs, ys = [p[0] for p in known], [p[1] for p in known]
    left, right, top, bottom = 64, 16, 14, 30
    axis = axis_for(unit, ys, decimals)
    ticks = _ticks(axis.low, axis.high)
    lo, hi = min(axis.low, *ticks), max(axis.high, *ticks)
    sx = _scale(min(xs), max(xs), left + 10, width - right - 10)
    sy = _scale(lo, hi, height - bottom, top)
    words = "de as begint niet bij 0" if lo != 0 else "de as begint bij 0"
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(title)} ({words})"><title>{_esc(title)} ({words})</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="{AXIS}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="{AXIS}"/>',
    ]
    if lo != 0:
        parts.append(_break_mark(left, height - bottom - 6))
    for tick in ticks:
        y = sy(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        parts.append(
            f'<text class="tick" x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">'
            f"{_esc(fmt(tick))}</text>"
        )
    for x in xs:
        parts.append(f'<text x="{sx(x):.1f}" y="{height - bottom + 16}" text-anchor="middle" font-size="11">{x}</text>')
    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in known)
    parts.append(f'<polyline fill="none" stroke="{LINE}" stroke-width="2" points="{path}"/>')
    for x, y in known:
        label = f"{x}: {fmt(y)}"
        parts.append(
            f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3.5" fill="{LINE}"><title>{_esc(label)}</title></circle>'
        )
    parts.append("</svg>")
    return "".join(parts)


@dataclass(frozen=True)
class Bar:
    """One area of a spread chart: its value (None when not published), why there is none (``note``: the status
    label), and its verdict against the gemeente in words with its tone (``good``, ``bad`` or ``""``)."""

    name: str
    value: float | None
    note: str = ""
    verdict: str = ""
    tone: str = ""


def spread_chart(
    items: Sequence[Bar | tuple[str, float]],
    reference: float | None,
    title: str,
    fmt: Formatter,
    *,
    unit: str = "other",
    width: int = 520,
    bar: int = 14,
) -> str:
    """Horizontal bars, one per area (e.g. every wijk), sorted by value, with the city as a vertical line.

    An area without a published value keeps its row, with its ``note`` ("niet gepubliceerd (privacy)") where the bar
    would be, at the end; a clear difference from the city is coloured by its tone and named after the value.
    """
    bars = [item if isinstance(item, Bar) else Bar(item[0], item[1]) for item in items]
    if not bars:
        return f'<p class="nodata">Geen cijfers per wijk voor {_esc(title)}.</p>'
    shown = sorted((b for b in bars if b.value is not None), key=lambda b: float(b.value or 0.0))
    bars = shown + [b for b in bars if b.value is None]
    left, right, top = 150, 150, 8
    height = top + len(bars) * (bar + 4) + 22
    values = [float(b.value) for b in shown if b.value is not None] + ([reference] if reference is not None else [])
    axis = axis_for("other" if unit in ("index", "score") else unit, values)
    lo, hi = min(axis.low, *values) if values else 0.0, max(axis.high, *values) if values else 1.0
    sx = _scale(lo, hi, left, width - right)
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>'
    ]
    for i, item in enumerate(bars):
        y = top + i * (bar + 4)
        short = item.name if len(item.name) <= 22 else item.name[:21] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + bar - 3}" text-anchor="end" font-size="11">{_esc(short)}</text>')
        if item.value is None:
            parts.append(
                f'<text class="withheld" x="{left + 4}" y="{y + bar - 3}" font-size="11" font-style="italic" '
                f'fill="{MUTED}">{_esc(item.note or "geen cijfer")}</text>'
            )
            continue
        value = float(item.value)
        said = fmt(value) + (f" · {item.verdict}" if item.verdict else "")
        colour = TONES.get(item.tone, LINE)
        origin, end = sx(max(lo, 0.0)), sx(value)
        parts.append(
            f'<rect x="{min(origin, end):.1f}" y="{y}" width="{max(abs(end - origin), 1):.1f}" height="{bar}" '
            f'fill="{colour}"><title>{_esc(item.name)}: {_esc(said)}</title></rect>'
        )
        parts.append(f'<text x="{sx(value) + 4:.1f}" y="{y + bar - 3}" font-size="11">{_esc(said)}</text>')
    if reference is not None:  # over the bars only: the rows without one keep their note readable
        x = sx(reference)
        bottom = top + max(len(shown), 1) * (bar + 4)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" stroke="{CITY}" stroke-width="2" '
            'stroke-dasharray="5 3"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{top + len(bars) * (bar + 4) + 14}" text-anchor="middle" font-size="11" '
            f'fill="{CITY}">gemeente {_esc(fmt(reference))}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)
