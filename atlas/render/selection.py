"""Typed selections of the artifact: one indicator at one level and year.

Request parsing happens in :mod:`atlas.web.params`; these functions take typed values, check them against the artifact
and raise :class:`NotFound` with a Dutch message that is safe to show.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.status import published_view
from atlas.codes import LEVELS
from atlas.errors import NotFound
from atlas.layers.registry import Indicator

WEB_LEVELS = LEVELS[:-1]
"""Levels a map can show: all but the gemeente (one polygon: it is the reference, not a map)."""


@dataclass(frozen=True)
class Availability:
    """Where one indicator has data in the artifact (:func:`~atlas.artifact.status.has_data`): years per level."""

    indicator: str
    by_level: Mapping[str, tuple[int, ...]]
    """Level -> the years with data at that level (ascending); only levels with data, in :data:`LEVELS` order.
    Forecast years (``prognose``) are among them: :attr:`forecast` says which."""
    forecast: frozenset[int] = frozenset()
    """The years whose figures are forecasts, not measurements: never a default year (:meth:`latest`)."""

    def years(self, level: str | None = None) -> tuple[int, ...]:
        """The years with data at ``level`` (any level when None)."""
        if level is not None:
            return self.by_level.get(level, ())
        return tuple(sorted({y for years in self.by_level.values() for y in years}))

    def levels(self, year: int | None = None) -> tuple[str, ...]:
        """The levels with data in ``year`` (in any year when None), finest first."""
        return tuple(lv for lv, years in self.by_level.items() if year is None or year in years)

    def options(self, levels: Sequence[str] = LEVELS) -> tuple[tuple[str, int], ...]:
        """Every (level, year) with data among ``levels``: finest level first, latest year first."""
        return tuple((lv, y) for lv in levels for y in reversed(self.years(lv)))

    def is_forecast(self, year: int | None) -> bool:
        """Are the figures of ``year`` forecasts?"""
        return year is not None and int(year) in self.forecast

    def latest(self, years: Sequence[int]) -> int:
        """The default among ``years`` (not empty): the latest measured year; only without one the first forecast
        year (a forecast is never taken for the latest figures)."""
        measured = [y for y in years if y not in self.forecast]
        return max(measured) if measured else min(years)

    def year_label(self, year: int) -> str:
        """``2024``, or ``2030 (prognose)`` for a forecast year: how choosers and titles name it."""
        return f"{year} (prognose)" if self.is_forecast(year) else str(year)

    def __bool__(self) -> bool:
        return bool(self.by_level)


class NoData(NotFound):
    """A request for a combination without data (HTTP 404); ``options`` are the (level, year) pairs that have data,
    so the error page can link to them."""

    def __init__(self, message: str, indicator: Indicator | None = None, options: Sequence[tuple[str, int]] = ()):
        super().__init__(message)
        self.indicator = indicator
        self.options = tuple(options)


@dataclass(frozen=True)
class Selection:
    indicator: Indicator
    level: str
    year: int
    years: tuple[int, ...]
    """The years with data at this level (the map's year chooser)."""
    values: pd.DataFrame
    """Rows of values.parquet for this selection, with the area name ``naam``; one row per area."""
    available: Availability = field(default_factory=lambda: Availability("", {}))
    """Where this indicator has data, for the choosers and the links to other combinations."""

    @property
    def forecast(self) -> bool:
        """Are this selection's figures forecasts (``prognose``) rather than measurements?"""
        return self.available.is_forecast(self.year)

    @functools.cached_property
    def records(self) -> list[dict[Hashable, Any]]:
        """:attr:`values` as one dict per row (column by column: much faster than ``to_dict("records")``)."""
        return records(self.values)

    @property
    def levels(self) -> tuple[str, ...]:
        """The levels a map of this indicator can show that have data (any year), finest first."""
        return tuple(lv for lv in WEB_LEVELS if lv in self.available.by_level and lv in self.indicator.levels)


def records(frame: pd.DataFrame) -> list[dict[Hashable, Any]]:
    """The rows of ``frame`` as dicts of Python values, like ``frame.to_dict("records")``."""
    columns = {name: frame[name].tolist() for name in frame.columns}
    return [dict(zip(columns, row, strict=True)) for row in zip(*columns.values(), strict=True)]


def availability(artifact: Artifact, indicator_id: str) -> Availability:
    """Where ``indicator_id`` has data: the years per level, published or withheld."""
    years = artifact.years(indicator_id)
    forecast = artifact.forecasts.get(indicator_id, frozenset())
    return Availability(indicator_id, {level: years[level] for level in LEVELS if level in years}, forecast)


def indicators_with_data(artifact: Artifact) -> list[Indicator]:
    """The registry's indicators that have data in the artifact (any level, any year), in registry order."""
    present = set(artifact.available.indicator)
    return [ind for ind in artifact.registry if ind.id in present]


def years_text(years: Sequence[int]) -> str:
    """Years in words: ``2015–2021`` when consecutive, else ``2014, 2024`` (runs of three or more as a span)."""
    ordered = sorted(set(years))
    runs: list[list[int]] = []
    for year in ordered:
        if runs and year == runs[-1][-1] + 1:
            runs[-1].append(year)
        else:
            runs.append([year])
    parts = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{run[0]}–{run[-1]}")
        else:
            parts.extend(str(y) for y in run)
    return ", ".join(parts)


def _plural(level: str) -> str:
    return {"buurt": "buurten", "wijk": "wijken", "stadsdeel": "stadsdelen"}.get(level, level)


def select(
    artifact: Artifact,
    indicator_id: str,
    level: str | None,
    year: int | None,
    *,
    levels: Sequence[str] = LEVELS,
) -> Selection:
    """One indicator at one level and year, chosen among ``levels`` where data exists.

    Without a level and year: the latest year with data, at the finest level that has data in it. With only a
    level: its latest year with data; with only a year: the finest level with data in it. The latest year is the
    latest *measured* one (:meth:`Availability.latest`): a forecast year is shown only when asked for. A combination
    without data raises :class:`NoData` with the combinations that have data.
    """
    indicator = artifact.registry.indicator(indicator_id)
    available = availability(artifact, indicator.id)
    shown = [lv for lv in levels if lv in indicator.levels and not artifact.areas.level(lv).empty]
    options = available.options(shown)
    title = indicator.title
    if not available:
        raise NoData(f"deze atlas heeft geen cijfers voor {title}", indicator)
    if not options:
        where = ", ".join(f"per {lv}" if lv != "gemeente" else "voor de hele gemeente" for lv in available.levels())
        raise NoData(f"{title} heeft in deze atlas alleen cijfers {where}", indicator)
    if level is not None:
        if level not in indicator.levels:
            raise NoData(f"{title} bestaat niet per {level}", indicator, options)
        if artifact.areas.level(level).empty:
            raise NoData(f"deze atlas heeft geen {_plural(level)}", indicator, options)
        here = available.years(level)
        if not here:
            raise NoData(f"geen cijfers voor {title} per {level}", indicator, options)
        if year is None:
            year = available.latest(here)
        elif year not in here:
            raise NoData(
                f"geen cijfers voor {title} per {level} in {year}; wel in {', '.join(map(str, here))}",
                indicator,
                options,
            )
    else:
        if year is None:
            year = available.latest([y for _, y in options])
        in_year = [lv for lv, y in options if y == year]
        if not in_year:
            raise NoData(f"geen cijfers voor {title} in {year}", indicator, options)
        level = in_year[0]
    rows = artifact.rows(indicator.id, level, year)
    layer = artifact.areas.level(level)
    names = pd.DataFrame({"code": layer["code"].to_numpy(dtype=object), "naam": layer["naam"].to_numpy(dtype=object)})
    rows = published_view(names.merge(rows, on="code", how="left"))
    return Selection(indicator, level, year, available.years(level), rows.reset_index(drop=True), available)


def codes_within(artifact: Artifact, level: str, stadsdeel: str | None) -> set[str] | None:
    """Codes of ``level`` that lie in the stadsdeel (all when None); the stadsdeel itself at its own level."""
    if stadsdeel is None:
        return None
    if level == "stadsdeel":
        return {stadsdeel}
    if level == "gemeente":
        return set(artifact.areas.level("gemeente").code)
    wijken = artifact.areas.level("wijk")
    wijk_codes = set(wijken.code[wijken.parent == stadsdeel])
    if level == "wijk":
        return wijk_codes
    buurten = artifact.areas.level("buurt")
    return set(buurten.code[buurten.parent.isin(wijk_codes)])


_DUTCH_DIGITS = str.maketrans(",.", ".,")


def dutch_number(value: float, decimals: int = 0) -> str:
    """A number as Dutch text: decimal comma, thousands dot (``5.000``, ``12,5``)."""
    return f"{value:,.{decimals}f}".translate(_DUTCH_DIGITS)


def format_value(value: float | None, indicator: Indicator) -> str:
    """A value as the Dutch UI shows it: decimal comma, thousands dot, unit."""
    if isinstance(value, float):  # also numpy's float64; the common case, without pandas' checks
        if value != value:
            return ""
    elif value is None or pd.isna(value):
        return ""
    return indicator.with_unit(dutch_number(value, indicator.decimals))


_STEP = r" \((?:benadering: gewogen naar inwoners, )?berekend uit [^()]+\)"
_DERIVED = re.compile(rf"(?P<first>{_STEP})(?:{_STEP})+$")


def source_text(source: Any, fallback: str = "") -> str:
    """A value's ``source`` as pages show it: ``fallback`` when empty, and a chain of derivations
    (``… (berekend uit buurten) (berekend uit wijken)``) shortened to the first, which names the level the source
    delivered."""
    if not isinstance(source, str) or not source.strip():
        return fallback
    return _DERIVED.sub(lambda m: m.group("first"), source.strip())
