"""Disclosure control: the interval audit's time against the upward aggregation, and what it withholds.

Baseline (same run, same prepared demo inputs): ``complete_values``, the step that completes every indicator over
every level. Measured:

- ``apply_privacy`` with the interval audit and the defaults (round_to 5, protection = min_count), once (it takes
  seconds, not milliseconds);
- the method before issue 11 (``method="exact"``: no withheld cell solves exactly from the published sums, counts
  published unrounded), for the loss it is compared with;
- the audit with stapeling published from wijk level up (its buurt cells not published at all), one of the choices
  the README names to reduce loss;
- stapeling from the raw registrations (all six peildata).

Loss is the share of the guarded cells (indicators with ``suppression``) that is withheld, per level and kind
(counts, shares, surveys) and per indicator, in percent.
"""

from __future__ import annotations

import dataclasses
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd

from bench.measure import once, timed

KINDS = {"count": "counts", "share": "shares", "survey": "surveys"}


def _kind(registry: Any) -> dict[str, str]:
    out = {}
    for ind in registry:
        if ind.suppression == "survey":
            out[ind.id] = "surveys"
        elif ind.suppression == "count":
            out[ind.id] = "counts" if ind.unit == "count" else "shares"
    return out


def _loss(values: pd.DataFrame, published: pd.DataFrame, kinds: dict[str, str]) -> pd.DataFrame:
    """Per guarded cell with a true value: indicator, kind, level, withheld."""
    known = values[values.indicator.isin(list(kinds)) & values.value.notna()]
    shown = published.set_index(["indicator", "code", "period"]).status
    status = shown.reindex(pd.MultiIndex.from_frame(known[["indicator", "code", "period"]])).to_numpy()
    return pd.DataFrame(
        {
            "indicator": known.indicator.to_numpy(),
            "kind": known.indicator.map(kinds).to_numpy(),
            "level": known.level.to_numpy(),
            "withheld": status == "suppressed",
        }
    )


def _percent(frame: pd.DataFrame, by: list[str]) -> dict[str, float]:
    rates = frame.groupby(by, sort=True).withheld.mean() * 100
    return {" ".join(map(str, k)) if isinstance(k, tuple) else str(k): round(float(v), 1) for k, v in rates.items()}


def run() -> dict[str, Any]:
    import logging

    from atlas.demo import write_demo
    from atlas.pipeline.aggregate import complete_values
    from atlas.pipeline.privacy import apply_privacy
    from atlas.pipeline.run import prepare
    from atlas.pipeline.stapeling import INDICATORS as STAPELING
    from atlas.pipeline.stapeling import stapeling_from_sources

    logging.disable(logging.WARNING)
    with tempfile.TemporaryDirectory() as tmp:
        sources = write_demo(Path(tmp) / "bron")
        p = prepare(sources)
        policy = p.spec.privacy
        complete_s, values = timed(lambda: complete_values(p.raw, p.areas, p.registry), repeat=3)
        interval_s, (now, report) = once(lambda: apply_privacy(values, p.areas, p.registry, policy))
        before_policy = dataclasses.replace(policy, round_to=1)
        exact_s, (before, before_report) = timed(
            lambda: apply_privacy(values, p.areas, p.registry, before_policy, method="exact"), repeat=3
        )
        from_wijk = values[~(values.indicator.isin(STAPELING) & values.level.eq("buurt"))]
        wijk_s, (wijk_up, _) = once(lambda: apply_privacy(from_wijk, p.areas, p.registry, policy))
        stapeling_s, _ = timed(lambda: stapeling_from_sources(p.spec.stapeling, p.areas, p.registry), repeat=3)
    kinds = _kind(p.registry)
    loss_now, loss_before = _loss(values, now, kinds), _loss(values, before, kinds)
    stapeling_cells = values[values.indicator.isin(STAPELING) & values.level.ne("buurt")]
    loss_wijk_up = _loss(stapeling_cells, wijk_up, kinds)
    loss_stapeling_now = _loss(stapeling_cells, now, kinds)
    per_indicator = pd.DataFrame(
        {"before": pd.Series(_percent(loss_before, ["indicator"])), "now": pd.Series(_percent(loss_now, ["indicator"]))}
    )
    per_level = _percent(loss_now, ["kind", "level"])
    return {
        "values": len(values),
        "guarded_cells": len(loss_now),
        "primary": report["primary"],
        "secondary": report["secondary"],
        "cells_by_level": report["by_level"],
        "withheld_before": int(before_report["primary"] + before_report["secondary"]),
        "complete_values_s": round(complete_s, 3),
        "privacy_s": round(interval_s, 2),
        "privacy_vs_complete_values": round(interval_s / complete_s, 1),
        "privacy_before_s": round(exact_s, 3),
        "stapeling_s": round(stapeling_s, 3),
        "stapeling_vs_complete_values": round(stapeling_s / complete_s, 2),
        "loss_pct_now": per_level,
        "loss_pct_before": _percent(loss_before, ["kind", "level"]),
        "loss_pct_per_indicator": {
            str(i): [float(r.before), float(r.now)] for i, r in per_indicator.iterrows() if r.before or r.now
        },
        "stapeling_above_buurt_loss_pct": _percent(loss_stapeling_now, ["level"]),
        "stapeling_from_wijk_up_loss_pct": _percent(loss_wijk_up, ["level"]),
        "stapeling_from_wijk_up_privacy_s": round(wijk_s, 2),
        "unprotected": int(report["unprotected"]),
    }
