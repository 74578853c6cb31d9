"""Bivariate maps: two indicators at once, as a 3×3 choropleth (issue 13, item 4).

Each indicator is divided into tertiles (low, middle, high) over the areas that have a published value for both; the
pair of classes picks one of nine colours of :data:`PALETTE`. An area without a published value for either indicator
gets no class: it is drawn as withheld or missing (:data:`atlas.render.maps.UNPUBLISHED_STYLES`).

The palette is oriented by each indicator's ``better``: the corner where both are unfavourable ("needs attention")
gets the darkest colour, the corner where both are favourable the lightest. An indicator that is neither better high
nor low keeps "higher is darker".
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from atlas.artifact import Artifact
from atlas.errors import BadRequest
from atlas.layers.registry import Indicator
from atlas.render.selection import WEB_LEVELS, NoData, Selection, availability, select

PALETTE: tuple[tuple[str, str, str], tuple[str, str, str], tuple[str, str, str]] = (
    ("#e8e8e8", "#e4acac", "#c85a5a"),
    ("#b0d5df", "#ad9ea5", "#985356"),
    ("#64acbe", "#627f8c", "#574249"),
)
"""Joshua Stevens' 3×3 grey–red–blue scheme ("Bivariate choropleth maps: a how-to guide", 2015; ``GrPink`` in the R
package biscale, ``stevens.bluered`` in pals), as ``PALETTE[tone_y][tone_x]``: red grows along x, blue along y,
the darkest at (2, 2).

Chosen among the well-known bivariate schemes for colour-blind readers: under a simulation of full protanopia,
deuteranopia and tritanopia (Machado, Oliveira and Fernandes 2009) its nine colours stay at least ΔE*ab 9 apart
(protanopia, the worst), and none is the grey or white of a withheld or missing area (tests/test_bivariate.py holds it
to that). Stevens' popular pink–blue scheme falls below ΔE 5 under protanopia."""

CLASS_NAMES = ("laag", "midden", "hoog")
"""The tertiles in words, low to high."""

READY_PAIRS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("kroonbedekking", ("veilig_buurt",)),
    ("groen_2_22_200", ("laag_inkomen_120",)),
    ("groen_2_22_200", ("stapeling", "stapeling_huishoudens_2", "stapeling_personen_2")),
)
"""The pairs the home page offers: (x, candidates for y); the first candidate the artifact has is used. The registry
has no single stapeling indicator: households with support from two laws at once stand for it."""


@dataclass(frozen=True)
class Tertiles:
    """Three classes of one indicator's values: low is ``value <= bounds[0]``, middle ``<= bounds[1]``, high above.

    Equal values always share a class, so classes may differ in size or be empty; with one distinct value every
    area is in the middle class.
    """

    bounds: tuple[float, float]
    ranges: tuple[tuple[float, float] | None, tuple[float, float] | None, tuple[float, float] | None]
    """The lowest and highest value in each class; None for an empty class."""
    single: bool = False

    def of(self, value: float) -> int:
        if self.single:
            return 1
        return 0 if value <= self.bounds[0] else 1 if value <= self.bounds[1] else 2

    @property
    def empty(self) -> tuple[int, ...]:
        """The classes without areas."""
        return tuple(i for i, r in enumerate(self.ranges) if r is None)


def _below(unique: np.ndarray, value: float) -> float:
    """The largest of ``unique`` (sorted) below ``value``."""
    return float(unique[np.searchsorted(unique, value, side="left") - 1])


def tertile_bounds(values: np.ndarray) -> tuple[float, float] | None:
    """Upper bounds of the low and middle class: the 1/3 and 2/3 quantiles, adjusted so that ties never straddle a
    bound and no class is empty while there are three or more distinct values. None for one distinct value.

    With two distinct values they are low and high (the middle stays empty); with three, one class each. When one
    value holds both quantiles (many areas at 0 %), that value gets a class of its own: the low class when it is the
    minimum, else the middle; when the maximum holds the upper quantile, it is the high class on its own. The other
    values fill the other classes (split at their median).
    """
    unique = np.unique(values)
    if unique.size <= 1:
        return None
    if unique.size == 2:
        return float(unique[0]), float(unique[0])
    if unique.size == 3:
        return float(unique[0]), float(unique[1])

    def snap(q: float) -> float:  # the largest value at or below q: the same classes, bounds that occur
        return float(unique[np.searchsorted(unique, q, side="right") - 1])

    low, high = (snap(float(q)) for q in np.quantile(values, [1 / 3, 2 / 3]))
    top = float(unique[-1])
    if high == top:  # the maximum holds the upper tertile: it is the high class on its own
        below = _below(unique, top)
        return min(low, snap(float(np.median(values[values < top]))), _below(unique, below)), below
    if low < high:
        return low, high
    if low == unique[0]:  # the minimum holds both tertiles: the low class; the rest split at its median
        return low, min(snap(float(np.median(values[values > low]))), _below(unique, top))
    return _below(unique, low), low  # a value inside holds both: the middle class on its own


def tertiles(values: np.ndarray) -> Tertiles | None:
    """The tertiles of the finite ``values``; None when there are none."""
    values = np.asarray(values, dtype="float64")
    values = values[np.isfinite(values)]
    if values.size == 0:
        return None
    bounds = tertile_bounds(values)
    if bounds is None:
        value = float(values[0])
        return Tertiles((value, value), (None, (value, value), None), single=True)
    classes = np.where(values <= bounds[0], 0, np.where(values <= bounds[1], 1, 2))
    ranges = []
    for k in range(3):
        inside = values[classes == k]
        ranges.append((float(inside.min()), float(inside.max())) if inside.size else None)
    return Tertiles(bounds, (ranges[0], ranges[1], ranges[2]))


def attention_class(indicator: Indicator) -> int | None:
    """The class that needs attention: low (0) when higher is better, high (2) when lower is better, else None."""
    return {"higher": 0, "lower": 2}.get(indicator.better)


def tone(klass: int, attention: int | None) -> int:
    """How dark a class is drawn on its axis: darkest (2) where it needs attention."""
    return 2 - klass if attention == 0 else klass


def color(cx: int, cy: int, attention_x: int | None, attention_y: int | None) -> str:
    """The colour of class ``cx`` of the horizontal and ``cy`` of the vertical indicator."""
    return PALETTE[tone(cy, attention_y)][tone(cx, attention_x)]


def attention_text(x: Indicator, y: Indicator) -> str:
    """One sentence: which corner (or side) of the legend needs attention, from both indicators' ``better``."""
    ax, ay = attention_class(x), attention_class(y)
    if ax is not None and ay is not None:
        corner = ("rechts" if ax == 2 else "links") + ("boven" if ay == 2 else "onder")
        return (
            f"Aandacht nodig: de donkerste hoek, {corner}: {x.title} {CLASS_NAMES[ax]} én {y.title} {CLASS_NAMES[ay]}."
        )
    if ax is None and ay is None:
        return f"Voor {x.title} en voor {y.title} is hoger noch lager gunstiger: geen hoek vraagt vanzelf aandacht."
    if ay is None:
        side = "rechterkolom" if ax == 2 else "linkerkolom"
        return (
            f"Voor {y.title} is hoger noch lager gunstiger; aandacht vraagt vooral de {side}: {x.title} "
            f"{CLASS_NAMES[ax or 0]}."
        )
    side = "bovenste rij" if ay == 2 else "onderste rij"
    return (
        f"Voor {x.title} is hoger noch lager gunstiger; aandacht vraagt vooral de {side}: {y.title} {CLASS_NAMES[ay]}."
    )


# --- which level and years the two indicators share ------------------------------------------------------------


@dataclass(frozen=True)
class Pair:
    """Two indicators at one level: ``x`` (the map's own, horizontal) and ``y`` (``tegen``, vertical)."""

    x: Selection
    y: Selection
    options: tuple[tuple[str, int], ...]
    """Every (level, year) a map of this pair can be asked for: finest level first, latest year first."""
    requested: int | None
    """The year asked for (None: the latest)."""

    @property
    def level(self) -> str:
        return self.x.level

    @property
    def levels(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(lv for lv, _ in self.options))

    def years(self, level: str) -> tuple[int, ...]:
        """The years a map of this pair can be asked for at ``level``, ascending."""
        return tuple(sorted(y for lv, y in self.options if lv == level))

    @property
    def same_year(self) -> bool:
        return self.x.year == self.y.year

    @property
    def year_text(self) -> str:
        return str(self.x.year) if self.same_year else f"{self.x.year} en {self.y.year}"

    def year_note(self) -> str:
        """When the years differ: which figures the map shows, and why."""
        if self.same_year and self.requested in (None, self.x.year):
            return ""
        why = (
            "er is geen jaar waarin beide cijfers hebben; van elk het laatste jaar met cijfers"
            if self.requested is None
            else f"{self.requested} heeft niet voor beide cijfers; van elk het laatste jaar in of vóór {self.requested}"
        )
        return (
            f"De jaren verschillen: {self.x.indicator.title} per {self.level} uit {self.x.year}, "
            f"{self.y.indicator.title} uit {self.y.year} ({why})."
        )


def _usable(artifact: Artifact, indicator: Indicator, levels: Sequence[str]) -> dict[str, tuple[int, ...]]:
    """Level -> measured years with data, for the levels a map of ``indicator`` can show (a pair is drawn from
    measurements only: forecast years are left out)."""
    available = availability(artifact, indicator.id)
    measured = {lv: tuple(y for y in available.years(lv) if not available.is_forecast(y)) for lv in levels}
    return {
        lv: measured[lv]
        for lv in levels
        if lv in indicator.levels and measured[lv] and not artifact.areas.level(lv).empty
    }


def _years_for(years: tuple[int, ...], year: int | None, both: set[int]) -> int | None:
    """The year of one indicator shown for request ``year``: the latest common one when None, else the nearest at or
    before it (None when there is none)."""
    if year is None:
        return max(both) if both else years[-1]
    return max((y for y in years if y <= year), default=None)


def pair_options(
    artifact: Artifact, x: Indicator, y: Indicator, levels: Sequence[str] = WEB_LEVELS
) -> tuple[tuple[str, int], ...]:
    """Every (level, year) at which both have a figure in or before that year: finest level, latest year first."""
    xs, ys = _usable(artifact, x, levels), _usable(artifact, y, levels)
    out: list[tuple[str, int]] = []
    for lv in (lv for lv in levels if lv in xs and lv in ys):
        start = max(xs[lv][0], ys[lv][0])
        out.extend((lv, year) for year in sorted({*xs[lv], *ys[lv]}, reverse=True) if year >= start)
    return tuple(out)


def _levels_text(usable: dict[str, tuple[int, ...]]) -> str:
    return ", ".join(f"per {lv}" for lv in usable) or "nergens"


@dataclass(frozen=True)
class PairChoice:
    """Where a pair map is drawn: one level, and per indicator its year; the options of the pair."""

    level: str
    year_x: int
    year_y: int
    options: tuple[tuple[str, int], ...]


def choose_pair(
    artifact: Artifact,
    x: Indicator,
    y: Indicator,
    level: str | None,
    year: int | None,
    levels: Sequence[str] = WEB_LEVELS,
) -> PairChoice:
    """The level and years of a map of ``x`` against ``y``: ``level`` (else the finest both have figures at), and
    per indicator the year asked for or, when it lacks that year, its nearest year before it; without a year, the
    latest year both have (each its own latest when they share none). Raises :class:`NoData` (404) when they share
    no level, when neither has the year asked for, or when one has no year at or before it.
    """
    if x.id == y.id:
        raise BadRequest("kies voor 'tegen' een andere indicator dan die van de kaart")
    xs, ys = _usable(artifact, x, levels), _usable(artifact, y, levels)
    options = pair_options(artifact, x, y, levels)
    common = [lv for lv in levels if lv in xs and lv in ys]
    if not common:
        raise NoData(
            f"{x.title} en {y.title} hebben geen gebiedsniveau samen: {x.title} heeft cijfers {_levels_text(xs)}, "
            f"{y.title} {_levels_text(ys)}",
            x,
        )
    if level is not None and level not in common:
        raise NoData(
            f"{x.title} en {y.title} hebben niet allebei cijfers per {level}; samen wel per {', '.join(common)}",
            x,
            options,
        )
    candidates = [level] if level is not None else common
    for lv in candidates:
        if (lv, year) in options or year is None:
            both = set(xs[lv]) & set(ys[lv])
            year_x, year_y = _years_for(xs[lv], year, both), _years_for(ys[lv], year, both)
            if year_x is not None and year_y is not None:
                return PairChoice(lv, year_x, year_y, options)
    where = f"per {level} " if level is not None else ""
    in_year = [lv for lv in candidates if year in xs[lv] or year in ys[lv]]
    if not in_year:
        raise NoData(f"geen cijfers voor {x.title} of {y.title} {where}in {year}", x, options)
    lacking = x if all(min(xs[lv]) > (year or 0) for lv in in_year) else y
    raise NoData(f"{lacking.title} heeft {where}geen cijfers in of vóór {year}", x, options)


def select_pair(
    artifact: Artifact,
    x_id: str,
    y_id: str,
    level: str | None,
    year: int | None,
    *,
    levels: Sequence[str] = WEB_LEVELS,
) -> Pair:
    """``x_id`` against ``y_id`` at the level and years :func:`choose_pair` chooses."""
    x, y = artifact.registry.indicator(x_id), artifact.registry.indicator(y_id)
    choice = choose_pair(artifact, x, y, level, year, levels)
    sel_x = select(artifact, x.id, choice.level, choice.year_x, levels=levels)
    sel_y = select(artifact, y.id, choice.level, choice.year_y, levels=levels)
    return Pair(sel_x, sel_y, choice.options, year)


def ready_pairs(artifact: Artifact) -> list[tuple[Indicator, Indicator]]:
    """The pairs of :data:`READY_PAIRS` that the artifact can map (both indicators with figures at a shared level)."""
    reg = artifact.registry
    out: list[tuple[Indicator, Indicator]] = []
    for x_id, candidates in READY_PAIRS:
        for y_id in candidates:
            if x_id in reg.indicators and y_id in reg.indicators:
                x, y = reg.indicator(x_id), reg.indicator(y_id)
                if pair_options(artifact, x, y):
                    out.append((x, y))
                    break
    return out
