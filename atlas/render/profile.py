"""The area profile (foto veerkracht): every indicator of one area against its parent and the city, over time."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.compare import RATE_DECIMALS, Verdict, judgement, verdict_of
from atlas.artifact.reader import AboveArea
from atlas.artifact.status import Status, has_data, publishable, shown_status, shown_value
from atlas.codes import Grouping
from atlas.errors import NotFound
from atlas.findings import Finding
from atlas.layers.registry import Indicator
from atlas.render.charts import sparkline
from atlas.render.findings import page_findings
from atlas.render.maps import format_ci, format_n
from atlas.render.minimap import area_svg
from atlas.render.selection import dutch_number, format_value, records, source_text
from atlas.render.veerkracht import VeerkrachtParts, veerkracht_parts

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
class ForecastPoint:
    """One forecast year of a profile row: the value as text (or the status of a withheld one) and its source."""

    year: int
    value: str
    source: str


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
    """Against the city, as the build judged it (:func:`~atlas.artifact.compare.judgement`): ``hoger (gunstig)`` only
    for a clear difference, else ``verschilt niet duidelijk`` or why there is no verdict."""
    tone: str
    """``good``, ``bad`` or ``""`` for the comparison's colour (only a clear difference has one)."""
    spark: str
    source: str = ""
    """The source of the value shown (the values' own ``source``, e.g. the sources file's ``source:``)."""
    sources: tuple[SourceRun, ...] = ()
    """Every source of the series, with its years, when there is more than one."""
    verdict: Verdict = Verdict.NONE
    """The stored verdict of the value shown (:func:`~atlas.artifact.compare.verdict_of`)."""
    rate: str = ""
    """For a count with a denominator (support use, stapeling): its rate, ``24,3`` (per 1.000 of
    :attr:`rate_label`); the comparison is about the rate."""
    parent_rate: str = ""
    city_rate: str = ""
    rate_label: str = ""
    """``per 1.000 inwoners`` or ``per 1.000 huishoudens`` (empty without a rate)."""
    forecast: tuple[ForecastPoint, ...] = ()
    """The forecast years after :attr:`year` (``prognose``), shown beside the value and dashed in :attr:`spark`."""
    above: tuple[str, ...] = ()
    """Of a gemeente: the published values of :attr:`Profile.above` (its regio, Nederland) in :attr:`year`, as plain
    values (nothing is compared with them); ``""`` where one has none."""


@dataclass(frozen=True)
class ProfileGroup:
    title: str
    description: str
    rows: list[ProfileRow] = field(default_factory=list)
    theme: str = ""
    """The registry theme (a part of the foto veerkracht), so the page can add that part's own chart or table."""

    @property
    def source(self) -> str:
        """The source most rows of the group share (named once above the table); rows with another say so."""
        counts = Counter(row.source for row in self.rows if row.source and not row.sources)
        return counts.most_common(1)[0][0] if counts else ""

    @property
    def forecast_source(self) -> str:
        """The source most of the group's forecasts share (named once above the table); rows with another say so."""
        counts = Counter(row.forecast[-1].source for row in self.rows if row.forecast and row.forecast[-1].source)
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
    parts: VeerkrachtParts = field(default_factory=VeerkrachtParts)
    """What some parts of the foto veerkracht show besides their rows: the koopkrachtindex and the age distribution
    as charts, the facilities of the area (:mod:`atlas.render.veerkracht`)."""
    above: tuple[AboveArea, ...] = ()
    """Of a gemeente in a build with levels above it: its regio and Nederland, whose values its rows show beside its
    own (:attr:`ProfileRow.above`)."""

    @property
    def compared(self) -> bool:
        """Whether the area is set against the gemeente (every area but the gemeente itself)."""
        return self.area.code != self.city.code


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


def _rate(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _forecast(ind: Indicator, rows: list[dict[Hashable, Any]], after: int | None) -> tuple[ForecastPoint, ...]:
    """The forecast rows after the last measured year (``after``), as the profile shows them."""
    return tuple(
        ForecastPoint(
            int(r["year"]),
            format_value(value, ind) if (value := shown_value(r["status"], r["value"])) is not None else "",
            source_text(r["source"], ind.source),
        )
        for r in rows
        if after is None or int(r["year"]) > after
    )


def _spark(
    ind: Indicator,
    title: str,
    data: list[dict[Hashable, Any]],
    sources: list[str],
    ahead: list[dict[Hashable, Any]],
) -> str:
    """The row's sparkline: the measured years ``data``, continued dashed by the forecast years ``ahead``."""
    if ind.rate_label:  # a count is followed and compared as its rate
        points = [(int(r["year"]), _rate(r.get("rate")) if r["publishable"] else None) for r in data]
        later = [(int(r["year"]), _rate(r.get("rate")) if r["publishable"] else None) for r in ahead]
        return sparkline(
            points,
            f"{title} {ind.rate_label}",
            sources=sources,
            fmt=lambda x: dutch_number(x, RATE_DECIMALS),
            unit="per_1000",
            decimals=RATE_DECIMALS,
            forecast=later,
        )
    points = [(int(r["year"]), shown_value(r["status"], r["value"])) for r in data]
    later = [(int(r["year"]), shown_value(r["status"], r["value"])) for r in ahead]
    return sparkline(
        points,
        title,
        sources=sources,
        fmt=lambda x: format_value(x, ind),
        unit=ind.unit,
        decimals=ind.decimals,
        forecast=later,
    )


def _row(
    ind: Indicator,
    series: Series,
    area: Area,
    parent: Area | None,
    city: Area,
    forecast_years: frozenset[int] = frozenset(),
    above: tuple[str, ...] = (),
) -> ProfileRow:
    """The latest measured year with data for this area (an empty row, without year, when it has none); forecast
    years (``forecast_years``) after it continue the row (:attr:`ProfileRow.forecast`), never replace it."""
    everything = [r for r in series.get((ind.id, area.code), []) if r["has_data"]]
    data = [r for r in everything if int(r["year"]) not in forecast_years]
    ahead = [r for r in everything if int(r["year"]) in forecast_years]
    if not data:
        forecast = _forecast(ind, ahead, None)
        spark = _spark(ind, f"{ind.title} in {area.naam}", [], [], ahead) if forecast else ""
        status = "alleen een prognose" if forecast else Status.MISSING.label
        return ProfileRow(ind, None, "", status, "", "", "", "", "", "", spark, forecast=forecast)
    last = data[-1]
    year = int(last["year"])
    value = shown_value(last["status"], last["value"])

    def published(code: str) -> dict[Hashable, Any] | None:
        found = [r for r in series.get((ind.id, code), []) if r["year"] == year and r["publishable"]]
        return found[0] if found else None

    def at(code: str) -> float | None:
        found = published(code)
        return float(found["value"]) if found is not None else None

    def rate_at(code: str) -> str:
        found = published(code)
        rate = _rate(found.get("rate")) if found is not None else None
        return dutch_number(rate, RATE_DECIMALS) if rate is not None else ""

    parent_code = parent.code if parent is not None and parent.code != city.code else None
    parent_value = at(parent_code) if parent_code is not None else None
    city_value = at(city.code) if area.code != city.code else None
    verdict = verdict_of(last) if area.code != city.code else Verdict.NONE
    comparison, tone = judgement(verdict, ind.better)
    sources = [source_text(r["source"], ind.source) for r in data]
    runs = _runs([int(r["year"]) for r in data], sources)
    title = f"{ind.title} in {area.naam}"
    later = [r for r in ahead if int(r["year"]) > year]
    spark = _spark(ind, title, data, sources, later)
    return ProfileRow(
        indicator=ind,
        year=year,
        value=format_value(value, ind) if value is not None else "",
        status=shown_status(last["status"], last["value"]).label,
        n=format_n(last.get("n"), ind) if value is not None else "",
        ci=format_ci(last, ind) if value is not None and not ind.rate_label else "",
        parent=format_value(parent_value, ind),
        city=format_value(city_value, ind),
        comparison=comparison,
        tone=tone,
        spark=spark,
        source=sources[-1],
        sources=runs if len(runs) > 1 else (),
        verdict=verdict,
        rate=rate_at(area.code) if value is not None and ind.rate_label else "",
        parent_rate=rate_at(parent_code) if parent_code is not None and ind.rate_label else "",
        city_rate=rate_at(city.code) if ind.rate_label and area.code != city.code else "",
        rate_label=ind.rate_label,
        forecast=_forecast(ind, later, year),
        above=tuple(format_value(at(code), ind) for code in above),
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
    city = Area(*artifact.gemeente_of_area(area.code), "gemeente")
    codes = {area.code, city.code} | ({parent.code} if parent is not None else set())
    above = artifact.whole.above_of(area.code) if area.level == "gemeente" else ()
    rows = artifact.rows_of_codes(codes)
    if above:  # the rows of its regio and Nederland are the whole artifact's, not a gemeente's part's
        rows = pd.concat([rows, artifact.whole.rows_of_codes({a.code for a in above})])
    series = _series_of(rows)
    with_data = set(artifact.available.indicator[artifact.available.level == area.level])
    forecasts = artifact.forecasts
    groups: dict[str, ProfileGroup] = {}
    stapeling: list[ProfileRow] = []
    for ind in artifact.registry:
        if area.level not in ind.levels or ind.id not in with_data:
            continue
        row = _row(ind, series, area, parent, city, forecasts.get(ind.id, frozenset()), tuple(a.code for a in above))
        if ind.id.startswith(STAPELING_PREFIXES):
            stapeling.append(row)
            continue
        theme = artifact.registry.themes.get(ind.theme)
        group = groups.setdefault(
            ind.theme,
            ProfileGroup(theme.title if theme else ind.theme, theme.description if theme else "", theme=ind.theme),
        )
        group.rows.append(row)
    parts = veerkracht_parts(artifact, area, parent, city, series)
    for theme_id in parts.themes():  # a part with a chart or table but no rows still gets its section
        theme = artifact.registry.themes.get(theme_id)
        if theme is not None:
            groups.setdefault(theme_id, ProfileGroup(theme.title, theme.description, theme=theme_id))
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
        parts=parts,
        above=above,
    )
