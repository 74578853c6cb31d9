"""``atlas build``: sources file in, build artifact out.

import + validate -> area hierarchy -> values completed upward -> artifact written atomically. Any error is raised
before the first byte of the artifact is written in its final place.
"""

from __future__ import annotations

import logging
import os
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from atlas.artifact.areas import Areas
from atlas.artifact.writer import PART_VALUES, PartFiles, file_sha256, write_artifact, write_part_values
from atlas.atomic import DEFAULT_KEEP
from atlas.checks import describe_parameters
from atlas.codes import LEVELS
from atlas.findings import Findings
from atlas.layers.registry import Registry
from atlas.pipeline.above import Above, level_above
from atlas.pipeline.hierarchy import merge_areas
from atlas.pipeline.merge import (
    merge_counts,
    merge_groen,
    merge_privacy,
    merge_series,
    merge_stapeling,
    merge_unmatched,
)
from atlas.pipeline.partition import Task, group_parts, run_part, split_indicators
from atlas.pipeline.prepare import (
    MAX_LISTED,
    Prepared,
    evaluate,
    load,
    prepare,
    prepare_gemeenten,
    read_hierarchy,
    report_inputs,
)
from atlas.pipeline.privacy import public_report
from atlas.pipeline.prognose import forecast_periods, forecast_report
from atlas.pipeline.schedule import run_tasks
from atlas.pipeline.voorzieningen import compute_facilities
from atlas.sources.areas import buurten_per_gemeente
from atlas.sources.regio import read_regios
from atlas.sources.spec import SourcesSpec

__all__ = [
    "Prepared",
    "build",
    "evaluate",
    "load",
    "prepare",
    "prepare_gemeenten",
    "read_hierarchy",
    "validate_sources",
]

log = logging.getLogger(__name__)


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
    if p.spec.areas.regio is not None:
        regios = read_regios(p.spec.areas.regio, p.spec.gemeenten)
        lines.append(
            f"regio: {regios.code.nunique()} regio's of {len(regios)} gemeenten ({p.spec.areas.regio.path.name})"
        )
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


def _above(
    spec: SourcesSpec,
    areas: Areas,
    parts: list[PartFiles],
    registry: Registry,
    regios: pd.DataFrame | None,
    directory: Path,
) -> Above | None:
    """The regio and nederland levels (:mod:`atlas.pipeline.above`) from the parts' published gemeente values; their
    values written to ``directory`` as one more part."""
    if regios is None and not spec.every:
        return None
    gemeente_values = pd.concat(
        [pd.read_parquet(part.directory / PART_VALUES, filters=[("level", "==", "gemeente")]) for part in parts],
        ignore_index=True,
    )
    above = level_above(areas, gemeente_values, registry, regios, nederland=spec.every)
    if above is not None:
        write_part_values(directory, above.values)
    return above


def build(
    sources: str | Path,
    out: str | Path,
    *,
    registry: Registry | None = None,
    keep: int = DEFAULT_KEEP,
    scheduler: str = "process",
    address: str | None = None,
) -> dict[str, Any]:
    """Run the whole build; returns the manifest written to ``out/manifest.json``.

    The build runs in parts of one or a few gemeenten (:mod:`atlas.pipeline.partition`) on ``scheduler``
    (:mod:`atlas.pipeline.schedule`: ``process`` or ``dask``, at ``address`` or on a local cluster) and streams
    their tables into the artifact. ``out`` becomes a symlink to the new version; ``keep`` versions stay, the
    current one included (:mod:`atlas.atomic`). Raises :class:`~atlas.errors.FindingsError` (and writes nothing)
    when the findings include an error.
    """
    spec, registry = load(sources, registry)
    regios = read_regios(spec.areas.regio, spec.gemeenten) if spec.areas.regio is not None else None
    findings = Findings()
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".atlas-parts-", dir=out.parent) as staging:
        split = split_indicators(spec, registry, findings, Path(staging) / "indicators")
        forecasts = forecast_periods(split.forecast_rows, findings)
        groups = group_parts(spec.gemeenten, buurten_per_gemeente(spec.areas)) if spec.multiple else [spec.gemeenten]
        tasks = [
            Task(
                index=number,
                gemeenten=group,
                sources=spec.path,
                registry=registry,
                shards=tuple(split.shards[code] for code in group),
                staging=Path(staging) / "parts" / f"{number:04d}",
                forecasts=forecasts,
                periods=split.periods,
                clip=spec.multiple,
            )
            for number, group in enumerate(groups)
        ]
        parts = run_tasks(run_part, tasks, scheduler, address=address, label=lambda task: "+".join(task.gemeenten))
        areas = merge_areas([part.areas for part in parts])
        for part in parts:
            findings.extend(part.findings)
        notes = [note for part in parts for note in part.notes]
        unmatched = merge_unmatched(spec, split, parts)
        off_level = [item for part in parts for item in part.off_level][:MAX_LISTED]
        series = merge_series(parts)
        report_inputs(findings, notes, unmatched, off_level, series)
        facilities = None
        if spec.voorzieningen is not None:
            facilities = compute_facilities(spec.voorzieningen, areas, registry, findings)
        for part in parts:
            findings.extend(part.judged)
        findings.stop_on_errors()
        files = [part.files for part in parts]
        above = _above(spec, areas, files, registry, regios, Path(staging) / "above")
        stapeling = merge_stapeling(parts)
        manifest: dict[str, Any] = {
            "created": created_timestamp(),
            "demo": spec.demo,
            **_gemeenten_report(spec, areas),
            "sources_file": spec.path.name,
            "inputs": _inputs(spec),
            "registry": _registry_report(registry, spec.path.parent),
            "counts": merge_counts(areas, parts, above.values if above is not None else None),
            "checks": findings.as_manifest(),
            "notes": notes,
            "unmatched_codes": unmatched,
            "values_outside_registry_levels": off_level,
            "privacy": public_report(merge_privacy([part.privacy for part in parts])),
            "stapeling": _public_stapeling(stapeling, max(1, spec.privacy.round_to)),
            "time_series": series,
            "forecasts": forecast_report(forecasts),
        }
        if above is not None:
            manifest["counts"]["areas"].update({level: len(layer) for level, layer in above.layers.items()})
            manifest["above"] = {
                "levels": list(above.layers),
                "areas": [
                    {"code": code, "naam": naam, "level": level, "gemeenten": list(above.members[code])}
                    for level, layer in above.layers.items()
                    for code, naam in zip(layer.code, layer.naam, strict=True)
                ],
                "rule": "computed from the published gemeente values only, when every gemeente has one",
            }
            files.append(PartFiles(Path(staging) / "above"))
        groen = merge_groen(parts, spec)
        if groen is not None:
            manifest["groen"] = groen
        if facilities is not None:
            manifest["voorzieningen"] = facilities.manifest
        context = pd.concat([part.context for part in parts], ignore_index=True)
        manifest = write_artifact(
            out,
            areas,
            files,
            context,
            manifest,
            registry,
            facilities=(facilities.points, facilities.summary) if facilities is not None else None,
            above=above.layers if above is not None else None,
            partitioned=spec.multiple,
            keep=keep,
        )
    log.info("artifact written to %s (%d values)", out, manifest["counts"]["values"])
    return manifest
