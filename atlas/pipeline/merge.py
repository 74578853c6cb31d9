"""The parts of a build put together: the reports each part made about its own gemeente become the build's
(:mod:`atlas.pipeline.partition`, :func:`atlas.pipeline.run.build`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyogrio

from atlas.artifact.areas import Areas
from atlas.codes import LEVELS
from atlas.pipeline.partition import PartResult, Split
from atlas.pipeline.prepare import MAX_LISTED
from atlas.sources.spec import SourcesSpec


def merge_unmatched(spec: SourcesSpec, split: Split, parts: Sequence[PartResult]) -> dict[str, Any]:
    """The values for unknown area codes of the whole build: those of gemeenten the sources file does not list
    and those each part did not know, listed in the order of the files and their rows."""
    order = {source.path.name: number for number, source in enumerate(spec.indicators)}
    examples = [
        {"file": r["file"], "row": int(r["row"]), "code": r["code"], "indicator": r["indicator"], "period": r["period"]}
        for r in split.unmatched.to_dict("records")
    ]
    examples += [e for part in parts for e in part.unmatched["examples"]]
    examples.sort(key=lambda e: (order.get(e["file"], len(order)), e["row"]))
    count = split.unmatched_count + sum(int(part.unmatched["count"]) for part in parts)
    return {"count": count, "examples": examples[:MAX_LISTED]}


def merge_series(parts: Sequence[PartResult]) -> dict[str, Any]:
    """The parts' time series reports as one (:func:`~atlas.pipeline.timeseries.time_series_report`)."""
    periods: dict[str, set[str]] = {}
    for part in parts:
        for ident, held in part.time_series.get("periods", {}).items():
            periods.setdefault(ident, set()).update(held)
    examples = sorted(
        (e for part in parts for e in part.time_series.get("examples", [])), key=lambda e: (e["indicator"], e["code"])
    )
    codes = sorted({c for part in parts for c in part.time_series.get("codes_with_gaps", [])})
    return {
        "periods": {ident: sorted(held) for ident, held in sorted(periods.items())},
        "gaps": sum(int(part.time_series.get("gaps", 0)) for part in parts),
        "codes_with_gaps": codes[:MAX_LISTED],
        "examples": examples[:MAX_LISTED],
    }


def merge_counts(areas: Areas, parts: Sequence[PartResult], above: pd.DataFrame | None = None) -> dict[str, Any]:
    """The manifest's counts: areas per level, values (with ``above``, the values above the gemeente) per status,
    indicators, periods."""
    status: dict[str, int] = {}
    for part in parts:
        for key, count in part.counts["status"].items():
            status[key] = status.get(key, 0) + count
    indicators = {i for part in parts for i in part.counts["indicators"]}
    periods = {q for part in parts for q in part.counts["periods"]}
    counts = {level: len(areas.level(level)) for level in LEVELS}
    values = sum(part.counts["values"] for part in parts)
    if above is not None:
        for key, count in above.status.value_counts().items():
            status[str(key)] = status.get(str(key), 0) + int(count)
        values += len(above)
    return {
        "areas": counts,
        "values": values,
        "status": dict(sorted(status.items())),
        "indicators": len(indicators),
        "periods": sorted(periods),
    }


def merge_stapeling(parts: Sequence[PartResult]) -> list[dict[str, Any]]:
    """One report per peildatum. Each part read the whole registrations file, so its counts of the file are the
    same in every part; what lies outside the areas is what no part placed in its own."""
    if len(parts) == 1:
        return parts[0].stapeling
    out = []
    for number, first in enumerate(parts[0].stapeling):
        inside = sum(
            int(part.stapeling[number]["active_registrations"])
            - int(part.stapeling[number]["registrations_outside_the_areas"])
            for part in parts
        )
        out.append({**first, "registrations_outside_the_areas": int(first["active_registrations"]) - inside})
    return out


def merge_groen(parts: Sequence[PartResult], spec: SourcesSpec) -> dict[str, Any] | None:
    """The groen manifest of the whole build: the parts' counts added up. With several parts the addresses
    outside every buurt are those of the file that no part placed in one of its buurten."""
    found = [part.groen for part in parts if part.groen is not None]
    if not found or spec.groen is None:
        return None
    if len(found) == 1:
        return found[0]
    counts = {key: sum(g["counts"][key] for g in found) for key in found[0]["counts"]}
    features = int(pyogrio.read_info(spec.groen.addresses.path, layer=spec.groen.addresses.layer)["features"])
    counts["addresses_outside_buurten"] = features - int(counts["addresses"])
    canopy = {**found[0]["canopy"], "areas_not_covered": sum(g["canopy"]["areas_not_covered"] for g in found)}
    return {**found[0], "canopy": canopy, "counts": counts}


def merge_privacy(reports: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """The parts' privacy reports as one: counts added up (also per indicator and level), rules from the first."""

    def merge(a: Any, b: Any) -> Any:
        if isinstance(a, dict) and isinstance(b, dict):
            return {k: merge(a[k], b[k]) if k in a and k in b else a.get(k, b.get(k)) for k in {**a, **b}}
        if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool):
            return a + b
        return a

    out = reports[0]
    for report in reports[1:]:
        out = merge(out, report)
    return out
