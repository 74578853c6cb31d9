"""Time series: which periods each indicator holds, and which area codes come and go between them.

A code a source gives for one period and not for another (a buurt that was split, merged or renamed, or a source
that skipped it) is reported in the manifest instead of disappearing silently. Presence means the source has a row
for the code, even an empty one (missing is not absent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

MAX_LISTED = 50


def time_series_report(raw: pd.DataFrame, known: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """Periods per indicator and the codes missing from some of an indicator's periods. ``known``: periods of each
    indicator in the whole build, when ``raw`` is one part of it (a code is missing from a period any part has)."""
    known = known or {}
    periods = {
        str(ident): sorted(set(map(str, group.unique())) | set(known.get(str(ident), ())))
        for ident, group in raw.groupby("indicator", sort=True).period
    }
    gaps: list[dict[str, Any]] = []
    for ident, group in raw.groupby("indicator", sort=True):
        every = periods[str(ident)]
        if len(every) < 2:
            continue
        held = group.groupby("code", sort=True).period.agg(lambda s: sorted(set(map(str, s))))
        for code, present in held.items():
            if len(present) < len(every):
                absent = [p for p in every if p not in present]
                gaps.append({"indicator": str(ident), "code": str(code), "present": present, "absent": absent})
    codes = sorted({g["code"] for g in gaps})
    return {
        "periods": periods,
        "gaps": len(gaps),
        "codes_with_gaps": codes[:MAX_LISTED],
        "examples": gaps[:MAX_LISTED],
    }
