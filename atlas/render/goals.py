"""The six doelenkaarten of the Monitor Koers Sociaal Domein: goal, sub-goals, factors and four real charts each."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.status import publishable
from atlas.errors import NotFound
from atlas.layers.registry import Goal, Indicator
from atlas.render.charts import spread_chart, trend_chart
from atlas.render.selection import format_value


@dataclass(frozen=True)
class GoalIndicator:
    indicator: Indicator
    latest: str
    year: int | None
    trend: str
    """SVG: the city's value per year."""
    spread: str
    """SVG: the latest value of every wijk against the city."""
    spread_level: str
    has_data: bool = True
    """Whether the artifact has any figure for this indicator (else the card names it without a map link)."""


@dataclass(frozen=True)
class GoalCard:
    goal: Goal
    indicators: list[GoalIndicator]


def _goal_indicator(artifact: Artifact, ind: Indicator, city: str) -> GoalIndicator:
    v = artifact.values
    rows = v[v.indicator == ind.id]
    rows = rows[publishable(rows)].copy()
    rows["year"] = rows.period.str[:4].astype(int)

    def fmt(x: float) -> str:
        return format_value(x, ind)

    city_rows = rows[rows.code == city].sort_values("year")
    points = [(int(y), float(x)) for y, x in zip(city_rows.year, city_rows.value, strict=True)]
    latest_year = int(rows.year.max()) if len(rows) else None
    city_latest = float(city_rows.value.iloc[-1]) if len(city_rows) else None
    level = "wijk" if "wijk" in ind.levels else "stadsdeel"
    names = dict(zip(artifact.areas.level(level).code, artifact.areas.level(level).naam, strict=True))
    spread_rows = rows[(rows.level == level) & (rows.year == latest_year)] if latest_year else pd.DataFrame()
    items = [
        (names.get(str(c), str(c)), float(x))
        for c, x in zip(spread_rows.get("code", []), spread_rows.get("value", []), strict=True)
    ]
    trend_title = f"{ind.title}: {artifact.manifest.get('gemeente', {}).get('naam', 'gemeente')} per jaar"
    spread_title = f"{ind.title} per {level}, {latest_year}" if latest_year else ind.title
    return GoalIndicator(
        indicator=ind,
        latest=fmt(city_latest) if city_latest is not None else "",
        year=int(city_rows.year.iloc[-1]) if len(city_rows) else None,
        trend=trend_chart(points, trend_title, fmt),
        spread=spread_chart(items, city_latest, spread_title, fmt),
        spread_level=level,
        has_data=bool((artifact.available.indicator == ind.id).any()),
    )


def goal_card(artifact: Artifact, number: int) -> GoalCard:
    goal = artifact.registry.goals.get(number)
    if goal is None:
        raise NotFound(f"doelenkaart {number} bestaat niet; kies 1 tot en met {len(artifact.registry.goals)}")
    city = str(artifact.areas.level("gemeente").code.iloc[0])
    return GoalCard(goal, [_goal_indicator(artifact, ind, city) for ind in artifact.registry.goal_indicators(number)])
