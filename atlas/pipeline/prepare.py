"""Reading a build's inputs and turning them into a values table: areas, indicators, registrations, groen and
facilities in (:func:`prepare`, :func:`prepare_gemeenten`), the completed, protected and compared values out
(:func:`evaluate`). ``atlas build`` runs this per gemeente (:mod:`atlas.pipeline.partition`); ``atlas validate``
and notebooks for the whole sources file at once.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from atlas.artifact.areas import Areas
from atlas.artifact.compare import compare_values
from atlas.checks import did_you_mean
from atlas.codes import LEVELS
from atlas.errors import SourcesError
from atlas.findings import Findings
from atlas.layers.registry import Registry, extend_registry, load_registry
from atlas.pipeline.aggregate import complete_values
from atlas.pipeline.groen import GroenResult, compute_groen
from atlas.pipeline.hierarchy import build_hierarchy, merge_areas
from atlas.pipeline.privacy import apply_privacy
from atlas.pipeline.prognose import apply_forecasts, forecast_periods, forecast_verdicts
from atlas.pipeline.stapeling import stapeling_from_sources
from atlas.pipeline.timeseries import time_series_report
from atlas.pipeline.voorzieningen import FacilitiesResult, compute_facilities
from atlas.sources.areas import buurten_per_gemeente, read_areas
from atlas.sources.indicators import read_indicators
from atlas.sources.spec import SourcesSpec, load_sources

log = logging.getLogger(__name__)

MAX_LISTED = 50
"""How many individual problems the manifest lists per kind before it only counts them."""


def _unmatched(raw: pd.DataFrame, areas: Areas) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Split off values for area codes the boundaries do not have; they are reported, not silently lost."""
    known = raw.code.isin(areas.codes())
    lost = raw[~known]
    report = [
        {
            "file": r["file"],
            "row": int(r["row"]),
            "code": r["code"],
            "indicator": r["indicator"],
            "period": r["period"],
        }
        for r in lost.head(MAX_LISTED).to_dict("records")
    ]
    if len(lost):
        log.warning(
            "%d values name area codes that are not in the boundaries (e.g. %s in %s row %d)",
            len(lost),
            lost.code.iloc[0],
            lost.file.iloc[0],
            lost.row.iloc[0],
        )
    return raw[known], {"count": len(lost), "examples": report}


def _off_level(raw: pd.DataFrame, areas: Areas, registry: Registry) -> list[dict[str, Any]]:
    """Values given for a level the registry does not list for that indicator."""
    level_of = {code: level for level in LEVELS for code in areas.level(level).code}
    levels = raw.code.map(level_of)
    allowed = raw.indicator.map({i.id: set(i.levels) for i in registry})
    off = raw[[lvl not in ok for lvl, ok in zip(levels, allowed, strict=True)]]
    return [
        {"file": r["file"], "row": int(r["row"]), "code": r["code"], "indicator": r["indicator"]}
        for r in off.head(MAX_LISTED).to_dict("records")
    ]


@dataclass
class Prepared:
    """Everything imported and checked, before anything is written."""

    spec: SourcesSpec
    registry: Registry
    areas: Areas
    notes: list[str]
    raw: pd.DataFrame
    unmatched: dict[str, Any]
    off_level: list[dict[str, Any]]
    findings: Findings
    """Every doubt about the inputs so far (errors stop the build before anything is written)."""
    stapeling: list[dict[str, Any]] = field(default_factory=list)
    """One report per peildatum (counts only, never ids)."""
    time_series: dict[str, Any] = field(default_factory=dict)
    groen: GroenResult | None = None
    """Canopy cover and 2-22-200 (when the sources file has a ``groen:`` section)."""
    forecasts: dict[str, frozenset[str]] = field(default_factory=dict)
    """Indicator -> its forecast periods (``prognose``, :mod:`atlas.pipeline.prognose`)."""
    facilities: FacilitiesResult | None = None
    """The facilities and their summary per area (when the sources file has a ``voorzieningen:`` section)."""


def report_inputs(
    findings: Findings,
    notes: list[str],
    unmatched: dict[str, Any],
    off_level: list[dict[str, Any]],
    series: dict[str, Any],
) -> None:
    """The doubts found while reading: notes, unknown codes, values off their levels, codes that come and go."""
    for note in notes:
        findings.info("note", note)
    if unmatched["count"]:
        first = unmatched["examples"][0]
        findings.warning(
            "unmatched_codes",
            f"{unmatched['count']} values name area codes that are not in the boundaries and are not used "
            f"(e.g. {first['code']}, {first['indicator']} {first['period']})",
            file=first["file"],
            row=first["row"],
            count=unmatched["count"],
        )
    by_indicator: dict[str, list[dict[str, Any]]] = {}
    for item in off_level:
        by_indicator.setdefault(item["indicator"], []).append(item)
    for indicator, items in by_indicator.items():
        findings.warning(
            "off_level",
            f"{len(items)} values of {indicator} are for a level the registry does not list for it "
            f"(e.g. {items[0]['code']}); they are not shown",
            file=items[0]["file"],
            indicator=indicator,
            count=len(items),
        )
    if series.get("gaps"):
        findings.info(
            "time_series_gap",
            f"{series['gaps']} area codes are absent in some periods of an indicator "
            f"(e.g. {', '.join(series['codes_with_gaps'][:5])})",
            count=int(series["gaps"]),
        )


def read_hierarchy(
    spec: SourcesSpec, findings: Findings, gemeenten: Sequence[str] | None = None
) -> tuple[Areas, list[str]]:
    """The areas of ``gemeenten`` (all of the sources file's by default) and the notes on them: each gemeente read
    and built on its own (its wijken and stadsdelen nest in it), then put together; ``naam`` names a gemeente only
    when it is the one."""
    built = []
    for code in gemeenten if gemeenten is not None else spec.gemeenten:
        raw = read_areas(spec.areas, code, findings, one_of_several=spec.multiple)
        naam = None if spec.multiple else spec.naam
        built.append(build_hierarchy(raw, code, naam, source=spec.areas.buurt.path.name, findings=findings))
    return merge_areas([areas for areas, _ in built]), [note for _, notes in built for note in notes]


def load(sources: str | Path, registry: Registry | None = None) -> tuple[SourcesSpec, Registry]:
    """The sources file and the registry extended by it; an unknown indicator in ``indicator_options`` is an
    error. ``gemeente: all`` becomes every gemeente of the buurt file, by code."""
    spec = load_sources(sources)
    if spec.every:
        every = tuple(sorted(buurten_per_gemeente(spec.areas)))
        if not every:
            raise SourcesError("gemeente: all, but the buurt file has no buurten", file=spec.areas.buurt.path)
        spec = dataclasses.replace(spec, gemeenten=every)
    registry = extend_registry(registry or load_registry(), spec.registry)
    for ident in spec.indicator_options:
        if ident not in registry.indicators:
            raise SourcesError(
                f"unknown indicator {ident!r}{did_you_mean(ident, registry.indicators)}",
                file=spec.path,
                entry="indicator_options",
                field=ident,
            )
    return spec, registry


def prepare(sources: str | Path, registry: Registry | None = None) -> Prepared:
    """Import and check every input named by the sources file, every gemeente at once; raises on the first
    unreadable input. Doubts that do not stop reading are collected in ``Prepared.findings``. (``atlas build``
    runs it per gemeente, :mod:`atlas.pipeline.partition`.)
    """
    findings = Findings()
    spec, registry = load(sources, registry)
    raw = read_indicators(spec.indicators, registry, findings)
    log.info("%d values read from %d indicator files", len(raw), len(spec.indicators))
    p = prepare_gemeenten(spec, registry, spec.gemeenten, raw, findings, forecasts=forecast_periods(raw, findings))
    report_inputs(findings, p.notes, p.unmatched, p.off_level, p.time_series)
    return p


def prepare_gemeenten(
    spec: SourcesSpec,
    registry: Registry,
    gemeenten: Sequence[str],
    raw: pd.DataFrame,
    findings: Findings,
    *,
    forecasts: Mapping[str, frozenset[str]],
    periods: Mapping[str, Sequence[str]] | None = None,
    clip: bool = False,
    facilities: bool = True,
) -> Prepared:
    """The areas of ``gemeenten`` with ``raw`` (their indicator rows), the registrations, groen and the
    facilities. ``periods``: every indicator's periods in the whole build (for the time series report);
    ``clip``: ``gemeenten`` are one part of a larger build (groen reads only what lies near them); without
    ``facilities`` the facilities are left to the caller (a build reads them once, for all its areas). The doubts about
    notes, unknown codes and time series are not yet reported (:func:`_report_inputs`, once for the whole build)."""
    log.info("areas of %s from %s", ", ".join(gemeenten), spec.areas.buurt.path.name)
    areas, notes = read_hierarchy(spec, findings, gemeenten)
    log.info("%s", ", ".join(f"{len(areas.level(level))} {level}" for level in LEVELS))
    stapeling, stapeling_reports = stapeling_from_sources(spec.stapeling, areas, registry, findings)
    if len(stapeling):
        log.info("stapeling on %s", ", ".join(r["peildatum"] for r in stapeling_reports))
        raw = pd.concat([raw, stapeling], ignore_index=True)
    groen = None
    if spec.groen is not None:
        groen = compute_groen(spec.groen, areas, findings, clip=clip)
        raw = pd.concat([raw, groen.values[groen.values.indicator.isin(registry.indicators)]], ignore_index=True)
    found = None
    if spec.voorzieningen is not None and facilities:
        found = compute_facilities(spec.voorzieningen, areas, registry, findings)
    series = time_series_report(raw, periods)
    raw, unmatched = _unmatched(raw, areas)
    off_level = _off_level(raw, areas, registry)
    return Prepared(
        spec,
        registry,
        areas,
        notes,
        raw,
        unmatched,
        off_level,
        findings,
        stapeling_reports,
        series,
        groen,
        forecasts=dict(forecasts),
        facilities=found,
    )


def evaluate(p: Prepared) -> tuple[pd.DataFrame, dict[str, Any]]:
    """The values table of every area and level, with disclosure control and then the comparison with the gemeente
    (intervals and verdicts, :mod:`atlas.artifact.compare`: judged on what is published only); and the privacy
    report."""
    values = complete_values(p.raw, p.areas, p.registry, p.findings, p.spec.indicator_options)
    values, privacy = apply_privacy(values, p.areas, p.registry, p.spec.privacy, p.findings)
    log.info("privacy: %d primary and %d secondary suppressions", privacy["primary"], privacy["secondary"])
    values = apply_forecasts(values, p.forecasts)  # after privacy: a small forecast is withheld like any value
    return forecast_verdicts(compare_values(values, p.registry), p.forecasts), privacy
