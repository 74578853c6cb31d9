"""Time series: which periods each indicator holds, and which area codes come and go between them.

A code a source gives for one period and not for another (a buurt that was split, merged or renamed, or a source
that skipped it) is reported in the manifest instead of disappearing silently. Presence means the source has a row
for the code, even an empty one (missing is not absent).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np
import pandas as pd

MAX_LISTED = 50


def _labels(periods: pd.Series) -> np.ndarray:
    """``str`` of every period, called once per distinct period."""
    keys, distinct = pd.factorize(periods, use_na_sentinel=False)
    return np.array([str(p) for p in distinct], dtype=object)[keys]


def time_series_report(raw: pd.DataFrame, known: Mapping[str, Sequence[str]] | None = None) -> dict[str, Any]:
    """Periods per indicator and the codes missing from some of an indicator's periods. ``known``: periods of each
    indicator in the whole build, when ``raw`` is one part of it (a code is missing from a period any part has).

    The periods each (indicator, code) holds are counted by one group-by over the distinct rows; only the codes
    that miss some get their lists built in Python (a function per code and indicator cost a national build
    seconds)."""
    known = known or {}
    periods = {
        str(ident): sorted(set(map(str, group.unique())) | set(known.get(str(ident), ())))
        for ident, group in raw.groupby("indicator", sort=True).period
    }
    keyed = pd.DataFrame(
        {"indicator": raw["indicator"].to_numpy(), "code": raw["code"].to_numpy(), "period": _labels(raw["period"])}
    )
    keyed = keyed.dropna(subset=["indicator", "code"]).drop_duplicates()
    held = keyed.groupby(["indicator", "code"], sort=True).size()
    every = np.array([len(periods[str(ident)]) for ident in held.index.get_level_values("indicator")], dtype=int)
    short = held[(every >= 2) & (held.to_numpy() < every)]
    present_of = (
        keyed.merge(short.index.to_frame(index=False), on=["indicator", "code"])
        .groupby(["indicator", "code"], sort=True)
        .period.agg(sorted)
    )
    gaps: list[dict[str, Any]] = []
    for key, present in present_of.items():
        ident, code = cast(tuple[Any, Any], key)
        absent = [p for p in periods[str(ident)] if p not in present]
        gaps.append({"indicator": str(ident), "code": str(code), "present": present, "absent": absent})
    codes = sorted({g["code"] for g in gaps})
    return {
        "periods": periods,
        "gaps": len(gaps),
        "codes_with_gaps": codes[:MAX_LISTED],
        "examples": gaps[:MAX_LISTED],
    }
