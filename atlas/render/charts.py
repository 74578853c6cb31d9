"""Small server-side SVG charts: no JavaScript, no CDN, they print and they work on an intranet.

Every chart carries a <title> and an aria-label that say in words what it shows.
"""

from __future__ import annotations

import html
import itertools
import math
from collections.abc import Callable, Sequence

Number = float
Formatter = Callable[[float], str]

AXIS = "#555555"
LINE = "#00447a"
CITY = "#b35806"


def _esc(text: str) -> str:
    return html.escape(text, quote=True)


def _finite(points: Sequence[tuple[int, float | None]]) -> list[tuple[int, float]]:
    return [(x, float(y)) for x, y in points if y is not None and math.isfinite(y)]


def _scale(lo: float, hi: float, a: float, b: float) -> Callable[[float], float]:
    if hi == lo:
        return lambda v: (a + b) / 2
    return lambda v: a + (v - lo) * (b - a) / (hi - lo)


def sparkline(
    points: Sequence[tuple[int, float | None]],
    label: str,
    *,
    sources: Sequence[str | None] | None = None,
    width: int = 110,
    height: int = 28,
) -> str:
    """A tiny trend line over the years; the last value is marked. Empty when fewer than two known values.

    ``sources`` (one per point) mark where the source changes between two known values: a dashed vertical line
    between those years, named in the chart's title, so a jump from one source to another does not read as a trend.
    """
    sources = list(sources) if sources is not None else [None] * len(points)
    known = [
        (x, float(y), src) for (x, y), src in zip(points, sources, strict=True) if y is not None and math.isfinite(y)
    ]
    if len(known) < 2:
        return ""
    xs, ys = [p[0] for p in known], [p[1] for p in known]
    sx = _scale(min(xs), max(xs), 3, width - 3)
    sy = _scale(min(ys), max(ys), height - 3, 3)
    changes = [(a, b) for a, b in itertools.pairwise(known) if a[2] and b[2] and a[2] != b[2]]
    marks = []
    for (x0, _, before), (x1, _, after) in changes:
        mx = (sx(x0) + sx(x1)) / 2
        title = f"Andere bron vanaf {x1}: {after} (tot {x0}: {before})"
        marks.append(
            f'<line class="source-change" x1="{mx:.1f}" y1="1" x2="{mx:.1f}" y2="{height - 1}" stroke="{CITY}" '
            f'stroke-width="1.5" stroke-dasharray="2 2"><title>{_esc(title)}</title></line>'
        )
    if changes:
        label += "; andere bron vanaf " + ", ".join(str(b[0]) for _, b in changes)
    path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _ in known)
    lx, ly = sx(xs[-1]), sy(ys[-1])
    return (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(label)}"><title>{_esc(label)}</title>'
        + "".join(marks)
        + f'<polyline fill="none" stroke="{LINE}" stroke-width="1.5" points="{path}"/>'
        f'<circle cx="{lx:.1f}" cy="{ly:.1f}" r="2.5" fill="{LINE}"/></svg>'
    )


def _ticks(lo: float, hi: float, count: int = 4) -> list[float]:
    if hi == lo:
        return [lo]
    raw = (hi - lo) / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    start = math.ceil(lo / step) * step
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
    width: int = 420,
    height: int = 200,
) -> str:
    """A line chart of the city's value per year, with labelled axes."""
    known = _finite(points)
    if not known:
        return f'<p class="nodata">Geen cijfers voor {_esc(title)}.</p>'
    xs, ys = [p[0] for p in known], [p[1] for p in known]
    left, right, top, bottom = 64, 16, 14, 30
    lo, hi = min(ys), max(ys)
    pad = (hi - lo) * 0.15 or abs(hi) * 0.1 or 1.0
    lo, hi = lo - pad, hi + pad
    sx = _scale(min(xs), max(xs), left + 10, width - right - 10)
    sy = _scale(lo, hi, height - bottom, top)
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width - right}" y2="{height - bottom}" stroke="{AXIS}"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}" stroke="{AXIS}"/>',
    ]
    for tick in _ticks(lo, hi):
        y = sy(tick)
        parts.append(f'<line x1="{left}" y1="{y:.1f}" x2="{width - right}" y2="{y:.1f}" stroke="#e0e0e0"/>')
        parts.append(f'<text x="{left - 6}" y="{y + 4:.1f}" text-anchor="end" font-size="11">{_esc(fmt(tick))}</text>')
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


def spread_chart(
    items: Sequence[tuple[str, float]],
    reference: float | None,
    title: str,
    fmt: Formatter,
    *,
    width: int = 420,
    bar: int = 14,
) -> str:
    """Horizontal bars, one per area (e.g. every wijk), sorted by value, with the city as a vertical line."""
    if not items:
        return f'<p class="nodata">Geen cijfers per wijk voor {_esc(title)}.</p>'
    items = sorted(items, key=lambda item: item[1])
    left, right, top = 150, 60, 8
    height = top + len(items) * (bar + 4) + 22
    values = [v for _, v in items] + ([reference] if reference is not None else [])
    lo = min(0.0, min(values))
    hi = max(values) or 1.0
    sx = _scale(lo, hi, left, width - right)
    parts = [
        f'<svg class="chart" width="{width}" height="{height}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{_esc(title)}"><title>{_esc(title)}</title>'
    ]
    for i, (name, value) in enumerate(items):
        y = top + i * (bar + 4)
        short = name if len(name) <= 22 else name[:21] + "…"
        parts.append(f'<text x="{left - 6}" y="{y + bar - 3}" text-anchor="end" font-size="11">{_esc(short)}</text>')
        parts.append(
            f'<rect x="{sx(lo):.1f}" y="{y}" width="{max(sx(value) - sx(lo), 1):.1f}" height="{bar}" fill="{LINE}">'
            f"<title>{_esc(name)}: {_esc(fmt(value))}</title></rect>"
        )
        parts.append(f'<text x="{sx(value) + 4:.1f}" y="{y + bar - 3}" font-size="11">{_esc(fmt(value))}</text>')
    if reference is not None:
        x = sx(reference)
        bottom = top + len(items) * (bar + 4)
        parts.append(
            f'<line x1="{x:.1f}" y1="{top - 4}" x2="{x:.1f}" y2="{bottom}" stroke="{CITY}" stroke-width="2" '
            'stroke-dasharray="5 3"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 14}" text-anchor="middle" font-size="11" fill="{CITY}">'
            f"gemeente {_esc(fmt(reference))}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)
