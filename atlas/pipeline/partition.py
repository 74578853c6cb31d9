"""One partition of a build: a gemeente (or a few small ones) imported, completed, protected and compared, its files
written.

Everything the build computes for an area depends on its own gemeente only: the hierarchy nests in it, values add up
to it, the rounding unit is read per gemeente, the disclosure audit's relations live inside it and every verdict
compares with it. So a build of many gemeenten is one :func:`run_part` per part (a gemeente, or small ones together,
:func:`group_parts`), in one process or on Dask (:mod:`atlas.pipeline.schedule`), and one assembly
(:func:`atlas.artifact.writer.write_artifact`). A part reads only its own rows: its buurten and wijken from the
boundary file, its indicator rows from the shard the driver split off (:func:`split_indicators`), and, for groen,
the trees and parks near it and the addresses within its extent (``clip``). It writes its large tables to its own
directory as Parquet (the values, the address book and the per-address results, GeoParquet for the overlay layers)
and returns the rest, which is small: its areas, findings and reports. Memory is bounded by the largest gemeente,
not by the country.
"""

from __future__ import annotations

import logging
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from atlas.artifact.areas import Areas
from atlas.artifact.similar import context_rows
from atlas.artifact.writer import PART_BOOK, PartFiles, write_part_overlays, write_part_values
from atlas.codes import gemeente_of
from atlas.findings import Findings
from atlas.layers.registry import Registry
from atlas.pipeline.prepare import evaluate, prepare_gemeenten
from atlas.sources.indicators import FORECAST_COLUMN, check_duplicates, empty_indicators, read_indicator_source
from atlas.sources.spec import SourcesSpec

log = logging.getLogger(__name__)

MAX_LISTED = 50
"""How many unmatched values are listed (the rest only counted)."""


@dataclass(frozen=True)
class Task:
    """What one part needs; small and picklable, so a Dask worker gets it as it is."""

    index: int
    gemeenten: tuple[str, ...]
    """The part's gemeenten (:func:`group_parts`)."""
    sources: Path
    registry: Registry
    shards: tuple[Path, ...]
    """Each gemeente's indicator rows (:func:`split_indicators`), a directory of Parquet files; absent when none."""
    staging: Path
    """The directory the part writes its files to (removed and made again)."""
    forecasts: Mapping[str, frozenset[str]]
    """The forecast periods of every indicator, read from all indicator files by the driver."""
    periods: Mapping[str, tuple[str, ...]]
    """The periods of every indicator in all indicator files (for the time series report)."""
    clip: bool
    """Whether this is one of several parts (then groen reads only what lies near it)."""


@dataclass
class PartResult:
    """What a part returns to the driver: its areas, findings and reports; its tables are on disk."""

    index: int
    gemeenten: tuple[str, ...]
    directory: Path
    areas: Areas
    notes: list[str]
    findings: Findings
    """The doubts about the part's inputs."""
    judged: Findings
    """The doubts found completing, protecting and comparing its values (after the inputs' in the manifest)."""
    privacy: dict[str, Any]
    unmatched: dict[str, Any]
    off_level: list[dict[str, Any]]
    time_series: dict[str, Any]
    stapeling: list[dict[str, Any]]
    counts: dict[str, Any]
    """Values per status, their indicators and periods."""
    context: pd.DataFrame
    """The buurt values :func:`~atlas.artifact.similar.similar_buurten` reads (context indicators and inhabitants)."""
    groen: dict[str, Any] | None = None
    overlays: tuple[str, ...] = ()
    book: bool = False

    @property
    def files(self) -> PartFiles:
        """The part's tables on disk, as :func:`~atlas.artifact.writer.write_artifact` reads them."""
        return PartFiles(self.directory, self.overlays, self.book)


# --- the driver's first pass: indicator rows split by gemeente ------------------------------------------------


@dataclass
class Split:
    """The indicator files read once and split per gemeente (:func:`split_indicators`)."""

    shards: dict[str, Path]
    forecast_rows: pd.DataFrame
    """One row per (indicator, period, forecast flag) with its first file and row, for
    :func:`~atlas.pipeline.prognose.forecast_periods`."""
    periods: dict[str, tuple[str, ...]]
    unmatched: pd.DataFrame
    """Values of gemeenten the sources file does not list (their first :data:`MAX_LISTED`)."""
    unmatched_count: int = 0


def split_indicators(spec: SourcesSpec, registry: Registry, findings: Findings, staging: Path) -> Split:
    """Read each indicator file once (one at a time: memory is one file, not all) and write its rows per gemeente
    to ``staging/<gemeente>/<file number>.parquet``; rows of a gemeente the sources file does not list are
    unmatched (counted, the first listed). The duplicate check of :func:`~atlas.sources.indicators.read_indicators`
    is done per part: a value given twice names one area, so one gemeente."""
    wanted = set(spec.gemeenten)
    combos: list[pd.DataFrame] = []
    lost: list[pd.DataFrame] = []
    lost_count = 0
    periods: dict[str, set[str]] = {}
    for number, source in enumerate(spec.indicators):
        frame = read_indicator_source(source, registry, findings)
        combos.append(
            frame[["indicator", "period", FORECAST_COLUMN, "file", "row"]].drop_duplicates(
                ["indicator", "period", FORECAST_COLUMN]
            )
        )
        for ident, group in frame.groupby("indicator", sort=False).period:
            periods.setdefault(str(ident), set()).update(map(str, group.unique()))
        gemeente = frame.code.astype(str).map(gemeente_of)
        outside = ~gemeente.isin(wanted)
        if outside.any():
            lost_count += int(outside.sum())
            if sum(len(x) for x in lost) < MAX_LISTED:
                lost.append(frame[outside].head(MAX_LISTED))
        for code, rows in frame[~outside].groupby(gemeente[~outside], sort=False):
            shard = staging / str(code)
            shard.mkdir(parents=True, exist_ok=True)
            rows.to_parquet(shard / f"{number:04d}.parquet", index=False)
        del frame
    return Split(
        shards={code: staging / code for code in spec.gemeenten},
        forecast_rows=pd.concat(combos, ignore_index=True) if combos else pd.DataFrame(),
        periods={ident: tuple(sorted(p)) for ident, p in periods.items()},
        unmatched=pd.concat(lost, ignore_index=True).head(MAX_LISTED) if lost else pd.DataFrame(),
        unmatched_count=lost_count,
    )


def read_shards(shards: Sequence[Path]) -> pd.DataFrame:
    """The indicator rows of one part: each gemeente's in the order of the files of the sources file."""
    files = [f for shard in shards if shard.is_dir() for f in sorted(shard.glob("*.parquet"))]
    if not files:
        return empty_indicators()
    raw = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
    check_duplicates(raw)
    return raw


PART_BUURTEN = 400
"""About how many buurten a part holds. A part costs a fixed time besides its size (a few hundred pandas calls);
small gemeenten go together so they pay it once, and no part is larger than its largest gemeente or about this
many buurten, which bounds the memory (a few hundred MB)."""


def group_parts(
    gemeenten: Sequence[str], buurten: Mapping[str, int], size: int = PART_BUURTEN
) -> list[tuple[str, ...]]:
    """The gemeenten in parts, in their order: a part is closed when adding the next gemeente would take it past
    ``size`` buurten. The same sources file always gives the same parts (whatever runs them), so the artifact does
    not depend on the scheduler."""
    parts: list[list[str]] = []
    held = 0
    for code in gemeenten:
        count = int(buurten.get(code, 0))
        if not parts or (held and held + count > size):
            parts.append([])
            held = 0
        parts[-1].append(code)
        held += count
    return [tuple(part) for part in parts]


# --- one part ---------------------------------------------------------------------------------------------------


def _counts(values: pd.DataFrame) -> dict[str, Any]:
    return {
        "values": len(values),
        "status": {str(k): int(v) for k, v in values.status.value_counts().items()},
        "indicators": sorted(map(str, values.indicator.unique())),
        "periods": sorted(map(str, values.period.unique())),
    }


def run_part(task: Task) -> PartResult:
    """Build one gemeente and write its tables to ``task.staging`` (see the module's docstring)."""
    from atlas.sources.spec import load_sources

    spec = load_sources(task.sources)
    findings = Findings()
    raw = read_shards(task.shards)
    p = prepare_gemeenten(
        spec,
        task.registry,
        task.gemeenten,
        raw,
        findings,
        forecasts=task.forecasts,
        periods=task.periods,
        clip=task.clip,
    )
    judged = Findings()
    p.findings = judged
    values, privacy = evaluate(p)
    directory = task.staging
    shutil.rmtree(directory, ignore_errors=True)
    write_part_values(directory, values)
    result = PartResult(
        index=task.index,
        gemeenten=task.gemeenten,
        directory=directory,
        areas=p.areas,
        notes=p.notes,
        findings=findings,
        judged=judged,
        privacy=privacy,
        unmatched=p.unmatched,
        off_level=p.off_level,
        time_series=p.time_series,
        stapeling=p.stapeling,
        counts=_counts(values),
        context=context_rows(values),
    )
    if p.groen is not None:
        from atlas.pipeline.groen import overlay_layers

        result.overlays = write_part_overlays(directory, overlay_layers(p.groen))
        if p.groen.book is not None:
            p.groen.book.to_parquet(directory / PART_BOOK, index=False)
            result.book = True
        result.groen = p.groen.manifest
    log.info("part %d (%s): %d values", task.index, ", ".join(task.gemeenten), len(values))
    return result
