"""Suppression (primary + secondary with the exact audit) and stapeling, against the upward aggregation.

Baseline (same run, same prepared demo inputs): ``complete_values``, the step that completes every indicator over
every level. Measured: stapeling from the raw registrations (all six peildata), and ``apply_privacy`` on the
completed table. The ratios say what issue 4 adds to a build; the national case (14 500 buurten) scales with the
connected groups of suppressed cells, which stay local to a wijk.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from bench.measure import timed


def run() -> dict[str, Any]:
    import logging

    from atlas.demo import write_demo
    from atlas.pipeline.aggregate import complete_values
    from atlas.pipeline.privacy import apply_privacy
    from atlas.pipeline.run import prepare
    from atlas.pipeline.stapeling import stapeling_from_sources
    from atlas.pipeline.survey import add_intervals

    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        sources = write_demo(Path(tmp) / "bron")
        p = prepare(sources)
        policy = p.spec.privacy
        complete_s, values = timed(lambda: complete_values(p.raw, p.areas, p.registry), repeat=3)
        values = add_intervals(values, p.registry)
        privacy_s, (_, report) = timed(lambda: apply_privacy(values, p.areas, p.registry, policy), repeat=3)
        stapeling_s, _ = timed(lambda: stapeling_from_sources(p.spec.stapeling, p.areas, p.registry), repeat=3)
    return {
        "values": len(values),
        "primary": report["primary"],
        "secondary": report["secondary"],
        "complete_values_s": round(complete_s, 3),
        "privacy_s": round(privacy_s, 3),
        "privacy_vs_complete_values": round(privacy_s / complete_s, 2),
        "stapeling_s": round(stapeling_s, 3),
        "stapeling_vs_complete_values": round(stapeling_s / complete_s, 2),
    }
