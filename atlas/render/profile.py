"""The area profile (foto veerkracht): every indicator of one area against its parent and the city, over time."""

from __future__ import annotations

from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.status import Status, has_data, publishable, shown_status, shown_value
from atlas.codes import Grouping
from atlas.errors import NotFound
from atlas.findings import Finding
from atlas.layers.registry import Indicator
from atlas.render.charts import sparkline
from atlas.render.findings import page_findings
from atlas.render.maps import format_ci, format_n
from atlas.render.minimap import area_svg
from atlas.render.selection import format_value, records, source_text

STAPELING_PREFIXES = ("gebruik_", "stapeling_")


@dataclass(frozen=True)
class Area:
    code: str
    naam: str
    level: str


@dataclass(frozen=True)
class SourceRun:
    """One source over consecutive years of a profile row's series."""

    source: str
    first: int
    last: int

    @property
    def years(self) -> str:
        return str(self.first) if self.first == self.last else f"{self.first}–{self.last}"


@dataclass(frozen=True)
class ProfileRow:
    indicator: Indicator
    year: int | None
    """The latest year with data for this area (published or withheld); None when the area has none."""
    value: str
    status: str
    n: str
    ci: str
    parent: str
    city: str
    comparison: str
    """Against the city in one word: hoger, lager or gelijk (within 5 %)."""
    tone: str
    """``good``, ``bad`` or ``""`` for the comparison's colour."""
    spark: str
    source: str = ""
    """The source of the value shown (the values' own ``source``, e.g. the sources file's ``source:``)."""
    sources: tuple[SourceRun, ...] = ()
    """Every source of the series, with its years, when there is more than one."""


@dataclass(frozen=True)
class ProfileGroup:
    title: str
    description: str
    rows: list[ProfileRow] = field(default_factory=list)

    @property
    def source(self) -> str:
        """The source most rows of the group share (named once above the table); rows with another say so."""
        counts = Counter(row.source for row in self.rows if row.source and not row.sources)
        return counts.most_common(1)[0][0] if counts else ""


@dataclass(frozen=True)
class Profile:
    area: Area
    parent: Area | None
    city: Area
    children: list[Area]
    minimap: str
    groups: list[ProfileGroup]
    stapeling: list[ProfileRow]
    findings: list[Finding] = field(default_factory=list)
    """The build's warnings about this area's figures."""
    stadsdeel: Area | None = None
    """The stadsdeel a wijk or buurt lies in."""
    grouping: Grouping = Grouping.UNSTATED
    """How certain the stadsdeel grouping is: of the stadsdeel itself, or of the wijk (of a buurt) in its stadsdeel."""
    stadsdeel_grouping: Grouping = Grouping.UNSTATED
    """The grouping of :attr:`stadsdeel` as a whole (indicative when any of its wijken is), for its figures."""


def find_area(artifact: Artifact, code: str) -> Area:
    level = artifact.areas.level_of(code)
    if level is None:
        raise NotFound(f"onbekend gebied {code[:40]!r}")
    wanted = code.strip().upper()
    found = artifact.areas.name_and_parent(wanted)  # codes of different levels differ in their prefix
    if found is None:
        raise NotFound(f"onbekend gebied {code[:40]!r}")
    return Area(wanted, found[0], level)


def _parent(artifact: Artifact, area: Area) -> Area | None:
    if area.level == "gemeente":
        return None
    found = artifact.areas.name_and_parent(area.code)
    if found is None:
        return None
    parent_code = found[1]
    level = artifact.areas.level_of(parent_code)
    if level is None:
        return None
    return find_area(artifact, parent_code)


def _children(artifact: Artifact, area: Area) -> list[Area]:
    below = artifact.areas.children(area.level)
    if below is None:
        return []
    child_level, parents = below
    layer = artifact.areas.level(child_level)
    codes = set(parents[parents == area.code].index)
    rows = layer[layer.code.isin(codes)].sort_values("naam")
    return [Area(str(c), str(n), child_level) for c, n in zip(rows.code, rows.naam, strict=True)]


def _compare(ind: Indicator, value: float, city: float | None) -> tuple[str, str]:
    if city is None or not np.isfinite(city) or ind.unit == "count":
        return "", ""
    tolerance = max(abs(city) * 0.05, 10**-ind.decimals)
    if abs(value - city) <= tolerance:
        return "gelijk", ""
    higher = value > city
    words = "hoger" if higher else "lager"
    if ind.better == "neutral":
        return words, ""
    good = higher == (ind.better == "higher")
    return words, "good" if good else "bad"


Series = dict[tuple[str, str], list[dict[Hashable, Any]]]
"""(indicator, code) -> the rows of that indicator and area as dicts, by year; each with ``year``, ``has_data`` and
``publishable`` (the rules of :mod:`atlas.artifact.status`, applied once to the whole frame)."""


def _series_of(frame: pd.DataFrame) -> Series:
    """Every (indicator, code) series of ``frame`` at once: a page asks for each of them, so it never filters again."""
    rows = frame.assign(
        year=frame.period.astype(str).str[:4].astype(int),
        has_data=has_data(frame),
        publishable=publishable(frame),
    )
    out: Series = {}
    for record in records(rows):
        out.setdefault((str(record["indicator"]), str(record["code"])), []).append(record)
    for series in out.values():
        series.sort(key=lambda r: (r["year"], str(r["period"])))
    return out


def _runs(years: list[int], sources: list[str]) -> tuple[SourceRun, ...]:
    runs: list[SourceRun] = []
    for year, source in zip(years, sources, strict=True):
        if runs and runs[-1].source == source:
            runs[-1] = SourceRun(source, runs[-1].first, year)
        else:
            runs.append(SourceRun(source, year, year))
    return tuple(runs)


def _row(ind: Indicator, series: Series, area: Area, parent: Area | None, city: Area) -> ProfileRow:
    """The latest year with data for this area (an empty row, without year, when it has none)."""
    data = [r for r in series.get((ind.id, area.code), []) if r["has_data"]]
    if not data:
        return ProfileRow(ind, None, "", Status.MISSING.label, "", "", "", "", "", "", "")
    last = data[-1]
    year = int(last["year"])
    value = shown_value(last["status"], last["value"])

    def at(code: str) -> float | None:
        found = [r for r in series.get((ind.id, code), []) if r["year"] == year and r["publishable"]]
        return float(found[0]["value"]) if found else None

    parent_value = at(parent.code) if parent is not None and parent.code != city.code else None
    city_value = at(city.code) if area.code != city.code else None
    comparison, tone = _compare(ind, value, city_value) if value is not None else ("", "")
    sources = [source_text(r["source"], ind.source) for r in data]
    points = [(int(r["year"]), shown_value(r["status"], r["value"])) for r in data]
    runs = _runs([int(r["year"]) for r in data], sources)
    return ProfileRow(
        indicator=ind,
        year=year,
        value=format_value(value, ind) if value is not None else "",
        status=shown_status(last["status"], last["value"]).label,
        n=format_n(last.get("n"), ind) if value is not None else "",
        ci=format_ci(last, ind) if value is not None else "",
        parent=format_value(parent_value, ind),
        city=format_value(city_value, ind),
        comparison=comparison,
        tone=tone,
        spark=sparkline(points, f"{ind.title} in {area.naam}, {points[0][0]}–{points[-1][0]}", sources=sources),
        source=sources[-1],
        sources=runs if len(runs) > 1 else (),
    )


def _minimap(artifact: Artifact, area: Area, parent: Area | None, mark: tuple[float, float] | None = None) -> str:
    """A buurt among the buurten of its stadsdeel (or wijk); a wijk among all wijken; larger areas on the city.
    ``mark`` (lon, lat): an address in a buurt, shown with the buurt among its wijk's buurten."""
    if area.level == "buurt" and mark is not None and parent is not None:
        buurten = artifact.areas.level("buurt")
        in_wijk = set(buurten.code[buurten.parent == parent.code])
        return area_svg(artifact, "buurt", area.code, "buurt", context_codes=in_wijk, mark=mark, mark_label="adres")
    if area.level == "buurt" and parent is not None:
        wijken = artifact.areas.level("wijk")
        sd = wijken.loc[wijken.code == parent.code, "parent"]
        wijk_codes = set(wijken.code[wijken.parent == sd.iloc[0]]) if len(sd) and sd.iloc[0] else {parent.code}
        buurten = artifact.areas.level("buurt")
        return area_svg(
            artifact, "buurt", area.code, "buurt", context_codes=set(buurten.code[buurten.parent.isin(wijk_codes)])
        )
    context = "wijk" if area.level in ("wijk", "buurt") else "stadsdeel"
    if artifact.areas.level(context).empty:
        context = "wijk"
    return area_svg(artifact, area.level, area.code, context)


def _stadsdeel_of(artifact: Artifact, area: Area, parent: Area | None) -> Area | None:
    """The stadsdeel a wijk or buurt lies in (None without stadsdelen)."""
    wijk = area if area.level == "wijk" else parent if area.level == "buurt" else None
    if wijk is None or wijk.level != "wijk":
        return None
    up = _parent(artifact, wijk)
    return up if up is not None and up.level == "stadsdeel" else None


def profile(artifact: Artifact, code: str, *, mark: tuple[float, float] | None = None) -> Profile:
    """The profile of the buurt, wijk, stadsdeel or gemeente ``code``; ``mark`` (lon, lat) an address on its
    minimap."""
    area = find_area(artifact, code)
    parent = _parent(artifact, area)
    gemeente = artifact.areas.level("gemeente")
    city = Area(str(gemeente.code.iloc[0]), str(gemeente.naam.iloc[0]), "gemeente")
    codes = {area.code, city.code} | ({parent.code} if parent is not None else set())
    series = _series_of(artifact.rows_of_codes(codes))
    with_data = set(artifact.available.indicator[artifact.available.level == area.level])
    groups: dict[str, ProfileGroup] = {}
    stapeling: list[ProfileRow] = []
    for ind in artifact.registry:
        if area.level not in ind.levels or ind.id not in with_data:
            continue
        row = _row(ind, series, area, parent, city)
        if ind.id.startswith(STAPELING_PREFIXES):
            stapeling.append(row)
            continue
        theme = artifact.registry.themes.get(ind.theme)
        group = groups.setdefault(
            ind.theme,
            ProfileGroup(theme.title if theme else ind.theme, theme.description if theme else ""),
        )
        group.rows.append(row)
    order = {theme: i for i, theme in enumerate(artifact.registry.themes)}
    stadsdeel = _stadsdeel_of(artifact, area, parent)
    wijk = area.code if area.level in ("wijk", "stadsdeel") else parent.code if parent is not None else area.code
    return Profile(
        area=area,
        parent=parent,
        city=city,
        children=_children(artifact, area),
        minimap=_minimap(artifact, area, parent, mark),
        groups=[groups[t] for t in sorted(groups, key=lambda t: order.get(t, len(order)))],
        stapeling=stapeling,
        findings=page_findings(artifact, code=area.code),
        stadsdeel=stadsdeel,
        grouping=artifact.areas.grouping(wijk) if area.level != "gemeente" else Grouping.UNSTATED,
        stadsdeel_grouping=artifact.areas.grouping(stadsdeel.code) if stadsdeel is not None else Grouping.UNSTATED,
    )
