"""The six doelenkaarten of the Monitor Koers Sociaal Domein: goal, sub-goals, factors and four real charts each."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.compare import judgement, verdict_of
from atlas.artifact.status import has_data, publishable, shown_status, shown_value
from atlas.errors import NotFound
from atlas.layers.registry import Goal, Indicator
from atlas.render.charts import Bar, spread_chart, trend_chart
from atlas.render.selection import format_value, records


@dataclass(frozen=True)
class GoalIndicator:
    indicator: Indicator
    latest: str
    year: int | None
    trend: str
    """SVG: the city's value per year (on the shared scale of :func:`~atlas.render.charts.axis_for`)."""
    spread: str
    """SVG: the latest value of every wijk against the city; a wijk without a published value keeps its row."""
    spread_level: str
    has_data: bool = True
    """Whether the artifact has any figure for this indicator (else the card names it without a map link)."""
    unshown: tuple[tuple[str, tuple[str, ...]], ...] = ()
    """The areas of the spread chart without a published value, by why (the status label): (label, names)."""


@dataclass(frozen=True)
class GoalCard:
    goal: Goal
    indicators: list[GoalIndicator]


def _bars(artifact: Artifact, ind: Indicator, level: str, year: int) -> list[Bar]:
    """One bar per area of ``level``: its published value and its verdict against the gemeente (the build's, as
    everywhere), or the label of its status; empty when no area of the level has data that year."""
    rows = artifact.rows(ind.id, level, year)
    if not has_data(rows).any():
        return []
    by_code = {str(r["code"]): r for r in records(rows)}
    layer = artifact.areas.level(level).sort_values("naam")
    bars = []
    for code, naam in zip(layer.code.astype(str), layer.naam.astype(str), strict=True):
        row = by_code.get(code, {})
        value = shown_value(row.get("status"), row.get("value"))
        verdict = verdict_of(row)
        words, tone = judgement(verdict, ind.better)
        note = shown_status(row.get("status"), row.get("value")).label if value is None else ""
        bars.append(Bar(naam, value, note=note, verdict=words if verdict.clear else "", tone=tone))
    return bars


def _unshown(bars: list[Bar]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """The areas without a bar, grouped by why (the status label), in the order of the labels' first area."""
    out: dict[str, list[str]] = {}
    for item in bars:
        if item.value is None:
            out.setdefault(item.note, []).append(item.name)
    return tuple((label, tuple(names)) for label, names in out.items())


def _goal_indicator(artifact: Artifact, ind: Indicator, city: str) -> GoalIndicator:
    v = artifact.values
    rows = v[v.indicator == ind.id]
    rows = rows[publishable(rows)].copy()
    rows["year"] = rows.period.str[:4].astype(int)
    rows = rows[~rows.year.isin(artifact.forecasts.get(ind.id, frozenset()))]  # a goal card shows measurements

    def fmt(x: float) -> str:
        return format_value(x, ind)

    city_rows = rows[rows.code == city].sort_values("year")
    points = [(int(y), float(x)) for y, x in zip(city_rows.year, city_rows.value, strict=True)]
    latest_year = int(rows.year.max()) if len(rows) else None
    city_latest = float(city_rows.value.iloc[-1]) if len(city_rows) else None
    level = "wijk" if "wijk" in ind.levels else "stadsdeel"
    bars = _bars(artifact, ind, level, latest_year) if latest_year else []
    city_then = city_rows[city_rows.year == latest_year].value if latest_year else pd.Series(dtype=float)
    trend_title = f"{ind.title}: {artifact.manifest.get('gemeente', {}).get('naam', 'gemeente')} per jaar"
    spread_title = f"{ind.title} per {level}, {latest_year}" if latest_year else ind.title
    return GoalIndicator(
        indicator=ind,
        latest=fmt(city_latest) if city_latest is not None else "",
        year=int(city_rows.year.iloc[-1]) if len(city_rows) else None,
        trend=trend_chart(points, trend_title, fmt, unit=ind.unit, decimals=ind.decimals),
        spread=spread_chart(
            bars, float(city_then.iloc[0]) if len(city_then) else None, spread_title, fmt, unit=ind.unit
        ),
        spread_level=level,
        has_data=bool((artifact.available.indicator == ind.id).any()),
        unshown=_unshown(bars),
    )


def goal_card(artifact: Artifact, number: int) -> GoalCard:
    goal = artifact.registry.goals.get(number)
    if goal is None:
        raise NotFound(f"doelenkaart {number} bestaat niet; kies 1 tot en met {len(artifact.registry.goals)}")
    if artifact.gemeente is None:  # the whole of a build of several gemeenten: the card of its first
        artifact = artifact.part(artifact.gemeenten[0][0])
    city = artifact.gemeente[0] if artifact.gemeente else ""
    return GoalCard(goal, [_goal_indicator(artifact, ind, city) for ind in artifact.registry.goal_indicators(number)])
