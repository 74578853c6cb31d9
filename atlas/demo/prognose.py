"""The demo's bevolkingsprognose: forecasts of the inhabitants and the age bands per buurt (foto veerkracht, part 6).

A municipality's population forecast comes as a table per buurt and year; the demo writes one long CSV (``code,
indicator, year, value, n``) for :data:`FORECAST_YEARS`, named in the sources file with ``prognose: true``. The
forecast goes on from the buurt's traits (:mod:`atlas.demo.traits`): inhabitants grow at the buurt's own pace of
2019-2024, and the city ages, the share of 65 and older rising a little each year and the youngest band falling,
with a small scatter per buurt; the five shares of a buurt still add up to 100 %.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atlas.demo.draw import band_share
from atlas.demo.rules import rule_for
from atlas.demo.traits import YEARS, BuurtTraits, rng_for
from atlas.layers.registry import Registry
from atlas.sources.spec.indicators import FORECAST_WORD

FORECAST_YEARS: tuple[int, ...] = (2025, 2030)
"""The forecast years: next year and five years on (the foto veerkracht: "leeftijdsverdeling 2015 en prognose
2020")."""
FILE = "bevolkingsprognose_2025_2030.csv"
SOURCE = "Gemeente Zwolle, bevolkingsprognose 2025 (synthetische demodata)"
AGEING = (-0.012, -0.004, 0.0, 0.002, 0.02)
"""Relative change per year of the five CBS age bands' shares (0-15, 15-25, 25-45, 45-65, 65+)."""


def _age_bands(registry: Registry) -> list[tuple[str, tuple[int, int | None]]]:
    """(id, band) of the registry's age-band percentages (``leeftijd_0_14`` ...)."""
    out = []
    for ind in registry:
        rule = rule_for(ind)
        if rule.kind == "age" and rule.age_band is not None and ind.unit == "percent":
            out.append((ind.id, rule.age_band))
    return out


def forecast_rows(registry: Registry, traits: BuurtTraits, seed: int) -> pd.DataFrame:
    """The forecast per buurt and year: ``code, indicator, year, value`` (inhabitants whole, shares 1 decimal)."""
    rng = rng_for(seed, "bevolkingsprognose")
    last = traits.population[-1].astype("float64")
    first = np.maximum(traits.population[0].astype("float64"), 1.0)
    growth = np.clip((last / first) ** (1.0 / (len(YEARS) - 1)) - 1.0, -0.01, 0.03)
    scatter = rng.normal(0.0, 0.004, size=(len(FORECAST_YEARS), len(traits.codes)))
    frames = []
    for y, year in enumerate(FORECAST_YEARS):
        ahead = year - YEARS[-1]
        shares = traits.age * (1.0 + np.array(AGEING)[None, :] * ahead) * (1.0 + scatter[y][:, None])
        shares = shares / shares.sum(axis=1, keepdims=True)
        if "inwoners" in registry.indicators:
            people = np.round(last * (1.0 + growth) ** ahead)
            frames.append(pd.DataFrame({"code": traits.codes, "indicator": "inwoners", "year": year, "value": people}))
        for ident, band in _age_bands(registry):
            value = np.round(100.0 * band_share(shares, band), 1)
            frames.append(pd.DataFrame({"code": traits.codes, "indicator": ident, "year": year, "value": value}))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def write_prognose(folder: Path, registry: Registry, traits: BuurtTraits, seed: int) -> dict[str, Any] | None:
    """The forecast file and its sources entry (``prognose: true``), or None when the registry has no age bands."""
    rows = forecast_rows(registry, traits, seed)
    if rows.empty:
        return None
    text = pd.DataFrame(
        {
            "code": rows.code,
            "indicator": rows.indicator,
            "year": rows.year,
            "value": [
                f"{v:.0f}" if i == "inwoners" else f"{v:.1f}" for v, i in zip(rows.value, rows.indicator, strict=True)
            ],
            "n": "",
        }
    )
    text.to_csv(folder / FILE, index=False, lineterminator="\n")
    return {"path": FILE, "format": "long", "source": SOURCE, FORECAST_WORD: True}
