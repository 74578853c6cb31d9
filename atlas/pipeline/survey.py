"""Survey percentages: a 95 % Wilson interval and whether an area differs significantly from the city.

For every value of a survey indicator (``suppression: survey``) with unit ``percent`` and a known respondent count
``n`` (``n ≥ 1``), the Wilson score interval at 95 % gives ``ci_low`` and ``ci_high`` (percent). An area differs
significantly from the city when the gemeente value of the same indicator and period lies outside the area's
interval: ``significant`` is then ``"hoger"`` (the area is higher) or ``"lager"``, otherwise ``""``. The gemeente is
treated as a fixed reference (its sample is many times larger than any area's); the gemeente row itself is never
flagged. Other values get NaN and ``""``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.codes import LEVELS
from atlas.layers.registry import Registry

Z_95 = 1.959963984540054
"""The 97.5 % quantile of the standard normal distribution."""
CI_COLUMNS = ["ci_low", "ci_high", "significant"]


def wilson(p: np.ndarray, n: np.ndarray, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions ``p`` (0..1) from ``n`` respondents; NaN where n < 1 or p unknown."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    ok = np.isfinite(p) & np.isfinite(n) & (n >= 1)
    safe_n = np.where(ok, n, 1.0)
    safe_p = np.clip(np.where(ok, p, 0.0), 0.0, 1.0)
    z2 = z * z
    denominator = 1.0 + z2 / safe_n
    centre = (safe_p + z2 / (2 * safe_n)) / denominator
    half = z * np.sqrt(safe_p * (1 - safe_p) / safe_n + z2 / (4 * safe_n * safe_n)) / denominator
    low = np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def add_intervals(values: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """``values`` with :data:`CI_COLUMNS` added (after the contract columns, which stay unchanged)."""
    out = values.copy()
    survey = {i.id: i.unit == "percent" and i.suppression == "survey" for i in registry}
    percent = out.indicator.map(survey).fillna(False).astype(bool).to_numpy()
    low, high = wilson(out.value.to_numpy(float) / 100.0, out.n.to_numpy(float))
    low = np.where(percent, low * 100.0, np.nan)
    high = np.where(percent, high * 100.0, np.nan)
    out["ci_low"] = low
    out["ci_high"] = high
    keys = ["indicator", "period"]
    city = out.loc[out.level == LEVELS[-1], [*keys, "value"]].drop_duplicates(keys).rename(columns={"value": "city"})
    reference = out[keys].merge(city, on=keys, how="left")["city"].to_numpy(dtype=float)
    flag = np.where(reference < low, "hoger", np.where(reference > high, "lager", ""))
    out["significant"] = np.where(out.level.eq(LEVELS[-1]).to_numpy(), "", flag).astype(str)
    return out
