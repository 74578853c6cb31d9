"""``atlas build``: sources file in, build artifact out.

import + validate -> area hierarchy -> values completed upward -> artifact written atomically. Any error is raised
before the first byte of the artifact is written in its final place.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from atlas.artifact.areas import Areas
from atlas.artifact.compare import compare_values
from atlas.artifact.writer import file_sha256, write_artifact
from atlas.atomic import DEFAULT_KEEP
from atlas.checks import describe_parameters, did_you_mean
from atlas.codes import LEVELS
from atlas.errors import SourcesError
from atlas.findings import Findings
from atlas.layers.registry import Registry, extend_registry, load_registry
from atlas.pipeline.aggregate import complete_values
from atlas.pipeline.groen import GroenResult, compute_groen, overlay_layers, web_overlay_layers
from atlas.pipeline.hierarchy import build_hierarchy, merge_areas
from atlas.pipeline.privacy import apply_privacy, public_report
from atlas.pipeline.prognose import apply_forecasts, forecast_periods, forecast_report, forecast_verdicts
from atlas.pipeline.stapeling import stapeling_from_sources
from atlas.pipeline.timeseries import time_series_report
from atlas.pipeline.voorzieningen import FacilitiesResult, compute_facilities
from atlas.sources.areas import read_areas
from atlas.sources.indicators import read_indicators
from atlas.sources.spec import SourcesSpec, load_sources

log = logging.getLogger(__name__)

MAX_LISTED = 50
"""How many individual problems the manifest lists per kind before it only counts them."""


def created_timestamp() -> str:
    """Now, or ``SOURCE_DATE_EPOCH`` when set (reproducible builds)."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    moment = datetime.fromtimestamp(int(epoch), UTC) if epoch else datetime.now(UTC)
    return moment.replace(microsecond=0).isoformat()


def _relative(path: Path, base: Path) -> str:
    try:
        return str(path.resolve().relative_to(base))
    except ValueError:
        return str(path.resolve())


def _inputs(spec: SourcesSpec) -> list[dict[str, Any]]:
    """Every input file with its hash and size, but a confidential one (the registrations) only by its role: its
    size and hash would say how many rows it has and let anyone holding a guess confirm it."""
    base = spec.path.parent
    confidential = {spec.stapeling.path} if spec.stapeling is not None else set()
    seen: dict[Path, dict[str, Any]] = {}
    for path in spec.input_files():
        if path in seen:
            continue
        if path in confidential:
            seen[path] = {"path": "(registraties, vertrouwelijk: niet beschreven)"}
        else:
            seen[path] = {"path": _relative(path, base), "sha256": file_sha256(path), "bytes": path.stat().st_size}
    return list(seen.values())


def _public_stapeling(reports: list[dict[str, Any]], step: int) -> list[dict[str, Any]]:
    """The stapeling reports as the manifest may give them: the peildata, and every count rounded like the values."""
    return [
        {k: (v if isinstance(v, str) else int(round(v / step) * step)) for k, v in report.items()} for report in reports
    ]


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


def _registry_report(registry: Registry, base: Path) -> dict[str, Any]:
    """The registry in the manifest: the hash of the artifact's ``layers.yaml`` and the files it was merged from."""
    report: dict[str, Any] = {"sha256": registry.sha256, "indicators": len(registry.indicators)}
    if len(registry.files) > 1:
        report["files"] = [
            {"path": f.path.name if i == 0 else _relative(f.path, base), "sha256": f.sha256}
            for i, f in enumerate(registry.files)
        ]
    return report


def _gemeenten_report(spec: SourcesSpec, areas: Areas) -> dict[str, Any]:
    """The manifest's gemeenten: ``gemeenten`` lists each (``code``, ``naam``) in the sources file's order;
    ``gemeente`` is the one a single-gemeente build holds (what the web shows as "the gemeente"). With several it is
    the first by code, the one the pages take until they learn to pick one, and ``naam`` names the whole."""
    names = dict(zip(areas.gemeente["code"], areas.gemeente["naam"], strict=True))
    listed = [{"code": code, "naam": str(names[code])} for code in spec.gemeenten]
    first = str(areas.gemeente["code"].iloc[0])
    report: dict[str, Any] = {"gemeente": {"code": first, "naam": str(names[first])}, "gemeenten": listed}
    if spec.multiple:
        report["naam"] = spec.naam or f"{len(listed)} gemeenten"
    return report


def _counts(areas: Areas, values: pd.DataFrame) -> dict[str, Any]:
    return {
        "areas": {level: len(areas.level(level)) for level in LEVELS},
        "values": len(values),
        "status": {k: int(v) for k, v in values.status.value_counts().sort_index().items()},
        "indicators": int(values.indicator.nunique()),
        "periods": sorted(values.period.unique().tolist()),
    }


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


def _report_inputs(
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


def read_hierarchy(spec: SourcesSpec, findings: Findings) -> tuple[Areas, list[str]]:
    """The areas of every gemeente of the sources file and the notes on them: each gemeente read and built on its
    own (its wijken and stadsdelen nest in it), then put together; ``naam`` names a gemeente only when it is the
    one."""
    built = []
    for code in spec.gemeenten:
        raw = read_areas(spec.areas, code, findings, one_of_several=spec.multiple)
        naam = None if spec.multiple else spec.naam
        built.append(build_hierarchy(raw, code, naam, source=spec.areas.buurt.path.name, findings=findings))
    return merge_areas([areas for areas, _ in built]), [note for _, notes in built for note in notes]


def prepare(sources: str | Path, registry: Registry | None = None) -> Prepared:
    """Import and check every input named by the sources file; raises on the first unreadable input.

    Doubts that do not stop reading are collected in ``Prepared.findings``.
    """
    findings = Findings()
    spec = load_sources(sources)
    registry = extend_registry(registry or load_registry(), spec.registry)
    for ident in spec.indicator_options:
        if ident not in registry.indicators:
            raise SourcesError(
                f"unknown indicator {ident!r}{did_you_mean(ident, registry.indicators)}",
                file=spec.path,
                entry="indicator_options",
                field=ident,
            )
    log.info("areas from %s", spec.areas.buurt.path.name)
    areas, notes = read_hierarchy(spec, findings)
    log.info("%s", ", ".join(f"{len(areas.level(level))} {level}" for level in LEVELS))
    raw = read_indicators(spec.indicators, registry, findings)
    log.info("%d values read from %d indicator files", len(raw), len(spec.indicators))
    forecasts = forecast_periods(raw, findings)
    stapeling, stapeling_reports = stapeling_from_sources(spec.stapeling, areas, registry, findings)
    if len(stapeling):
        log.info("stapeling on %s", ", ".join(r["peildatum"] for r in stapeling_reports))
        raw = pd.concat([raw, stapeling], ignore_index=True)
    groen = None
    if spec.groen is not None:
        groen = compute_groen(spec.groen, areas, findings)
        raw = pd.concat([raw, groen.values[groen.values.indicator.isin(registry.indicators)]], ignore_index=True)
    facilities = None
    if spec.voorzieningen is not None:
        facilities = compute_facilities(spec.voorzieningen, areas, registry, findings)
    series = time_series_report(raw)
    raw, unmatched = _unmatched(raw, areas)
    off_level = _off_level(raw, areas, registry)
    _report_inputs(findings, notes, unmatched, off_level, series)
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
        forecasts=forecasts,
        facilities=facilities,
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


def validate_sources(sources: str | Path, registry: Registry | None = None) -> tuple[list[str], Findings]:
    """Check a sources file and every file it names, as a build would, without writing.

    Returns a short summary and the findings (the caller prints them; errors mean the build would stop).
    """
    p = prepare(sources, registry)
    evaluate(p)
    lines = [
        f"{p.spec.path}: read",
        f"registry: {p.registry.file_names}: {len(p.registry.indicators)} indicators",
        "areas: " + ", ".join(f"{len(p.areas.level(level))} {level}" for level in LEVELS),
        f"values: {len(p.raw)} from {len(p.spec.indicators)} files",
    ]
    lines += describe_parameters("privacy.", p.spec.privacy)
    if p.groen is not None and p.spec.groen is not None:
        counts = p.groen.manifest["counts"]
        lines.append(f"groen: {counts['trees']} trees, {counts['parks']} parks, {counts['addresses']} addresses: ok")
        lines += describe_parameters("groen.params.", p.spec.groen.params)
    for r in p.stapeling:
        lines.append(f"stapeling {r['peildatum']}: {r['active_registrations']} active registrations: ok")
    for indicator, periods in forecast_report(p.forecasts).items():
        lines.append(f"forecasts (prognose) of {indicator}: {', '.join(periods)}")
    if p.facilities is not None:
        m = p.facilities.manifest
        lines.append(f"voorzieningen: {m['counted']} of {m['read']} facilities count ({m['file']})")
    return lines, p.findings


def build(
    sources: str | Path, out: str | Path, *, registry: Registry | None = None, keep: int = DEFAULT_KEEP
) -> dict[str, Any]:
    """Run the whole build; returns the manifest written to ``out/manifest.json``.

    ``out`` becomes a symlink to the new version; ``keep`` versions stay, the current one included
    (:mod:`atlas.atomic`). Raises :class:`~atlas.errors.FindingsError` (and writes nothing) when the findings
    include an error.
    """
    p = prepare(sources, registry)
    values, privacy = evaluate(p)
    p.findings.stop_on_errors()
    manifest: dict[str, Any] = {
        "created": created_timestamp(),
        "demo": p.spec.demo,
        **_gemeenten_report(p.spec, p.areas),
        "sources_file": p.spec.path.name,
        "inputs": _inputs(p.spec),
        "registry": _registry_report(p.registry, p.spec.path.parent),
        "counts": _counts(p.areas, values),
        "checks": p.findings.as_manifest(),
        "notes": p.notes,
        "unmatched_codes": p.unmatched,
        "values_outside_registry_levels": p.off_level,
        "privacy": public_report(privacy),
        "stapeling": _public_stapeling(p.stapeling, max(1, p.spec.privacy.round_to)),
        "time_series": p.time_series,
        "forecasts": forecast_report(p.forecasts),
    }
    groen = p.groen
    if groen is not None:
        manifest["groen"] = groen.manifest
    facilities = p.facilities
    if facilities is not None:
        manifest["voorzieningen"] = facilities.manifest
    manifest = write_artifact(
        Path(out),
        p.areas,
        values,
        manifest,
        p.registry,
        overlays=overlay_layers(groen) if groen is not None else None,
        web_overlays=web_overlay_layers(groen) if groen is not None else None,
        addresses=groen.book if groen is not None else None,
        facilities=(facilities.points, facilities.summary) if facilities is not None else None,
        keep=keep,
    )
    log.info("artifact written to %s (%d values)", out, len(values))
    return manifest
