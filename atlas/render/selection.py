"""Typed selections of the artifact: one indicator at one level and year.

Request parsing stops at the web route; these functions take typed values, check them against the artifact and
raise :class:`NotFound` / :class:`BadRequest` with a Dutch message that is safe to show.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.status import published_view
from atlas.codes import LEVELS
from atlas.errors import BadRequest, NotFound
from atlas.layers.registry import Indicator

WEB_LEVELS = LEVELS[:-1]
"""Levels a map can show: all but the gemeente (one polygon: it is the reference, not a map)."""


@dataclass(frozen=True)
class Selection:
    indicator: Indicator
    level: str
    year: int
    years: tuple[int, ...]
    values: pd.DataFrame
    """Rows of values.parquet for this selection, with the area name ``naam``; one row per area."""


def parse_level(text: str | None, default: str = "buurt") -> str:
    """A level name; ``default`` when the parameter is absent."""
    level = (text or default).strip().lower()
    if level not in LEVELS:
        raise BadRequest(f"onbekend niveau {text!r}; kies uit {', '.join(LEVELS)}")
    return level


def parse_year(text: str | None) -> int | None:
    if text is None or not text.strip():
        return None
    if not text.strip().isdigit():
        raise BadRequest(f"jaar {text!r} is geen jaartal")
    return int(text)


def years_of(artifact: Artifact, indicator_id: str) -> tuple[int, ...]:
    periods = artifact.values.loc[artifact.values.indicator == indicator_id, "period"].unique()
    return tuple(sorted({int(str(p)[:4]) for p in periods}))


def default_level(indicator: Indicator) -> str:
    """The finest level a map of this indicator can show."""
    return next((level for level in WEB_LEVELS if level in indicator.levels), indicator.levels[0])


def select(artifact: Artifact, indicator_id: str, level: str | None, year: int | None) -> Selection:
    """One indicator at one level (its finest when None) for one year (the latest when None)."""
    indicator = artifact.registry.indicator(indicator_id)
    if level is None:
        level = default_level(indicator)
    if level not in indicator.levels:
        raise NotFound(f"{indicator.title} bestaat niet op niveau {level}")
    if artifact.areas.level(level).empty:
        raise NotFound(f"deze atlas heeft geen gebieden op niveau {level}")
    years = years_of(artifact, indicator.id)
    if not years:
        raise NotFound(f"er zijn geen cijfers voor {indicator.title}")
    if year is None:
        year = years[-1]
    elif year not in years:
        raise NotFound(f"geen cijfers voor {indicator.title} in {year}; wel in {', '.join(map(str, years))}")
    v = artifact.values
    rows = v[(v.indicator == indicator.id) & (v.level == level) & (v.period.str[:4] == str(year))]
    names = artifact.areas.level(level)[["code", "naam"]]
    rows = published_view(names.merge(rows, on="code", how="left"))
    return Selection(indicator, level, year, years, rows.reset_index(drop=True))


def parse_stadsdeel(artifact: Artifact, text: str | None) -> str | None:
    """The code of a stadsdeel given by code or by name (case-insensitive); None when the parameter is absent."""
    if text is None or not text.strip():
        return None
    wanted = text.strip().lower()
    layer = artifact.areas.level("stadsdeel")
    for code, naam in zip(layer.code, layer.naam, strict=True):
        if wanted in (str(code).lower(), str(naam).lower()):
            return str(code)
    names = ", ".join(sorted(str(n) for n in layer.naam))
    raise NotFound(f"onbekend stadsdeel {text.strip()[:60]!r}; kies uit {names}")


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


def format_value(value: float | None, indicator: Indicator) -> str:
    """A value as the Dutch UI shows it: decimal comma, thousands dot, unit."""
    if value is None or pd.isna(value):
        return ""
    text = f"{value:,.{indicator.decimals}f}".replace(",", "_").replace(".", ",").replace("_", ".")
    return indicator.with_unit(text)
