"""Draw the 'true' value of one indicator for every buurt and year from its rule and the buurt traits.

The result is an array of shape (years, buurten). Shares stay inside (0, 100) because they are drawn
on the logit scale; amounts stay positive because they are drawn on the log scale; counts are
Poisson draws around a rate per inhabitant, so they are whole numbers and small buurten get small
counts.
"""

from __future__ import annotations

import numpy as np

from atlas.demo.rules import Rule
from atlas.demo.traits import AGE_BANDS, YEARS, BuurtTraits

_OPEN_BAND_WIDTH = 30
"""Years assumed in the open top age band (65 and older) when a requested band cuts through it."""


def _driver(rule: Rule, traits: BuurtTraits) -> np.ndarray:
    green = (traits.green - traits.green.mean()) / traits.green.std()
    if rule.driver == "green":
        return green
    if rule.driver == "urban":
        return -green
    return traits.ses


def _signal(rule: Rule, sign: float, traits: BuurtTraits, rng: np.random.Generator) -> np.ndarray:
    """Driver effect + trend + lasting buurt scatter + yearly noise, on the rule's own scale."""
    years = np.arange(len(YEARS), dtype=np.float64)[:, None]
    lasting = rng.normal(0.0, rule.noise, size=len(traits.codes))[None, :]
    yearly = rng.normal(0.0, rule.noise / 3, size=(len(YEARS), len(traits.codes)))
    return sign * rule.spread * _driver(rule, traits)[None, :] + rule.trend * years + lasting + yearly


def band_share(age: np.ndarray, band: tuple[int, int | None]) -> np.ndarray:
    """Share of each buurt's inhabitants in ``band`` (ages spread evenly within a CBS band)."""
    low, high = band
    top = float(high) if high is not None else float(AGE_BANDS[-1][0] + _OPEN_BAND_WIDTH)
    share = np.zeros(age.shape[0])
    for i, (b_low, b_high) in enumerate(AGE_BANDS):
        b_top = float(b_high) if b_high is not None else float(b_low + _OPEN_BAND_WIDTH)
        overlap = max(0.0, min(top, b_top) - max(float(low), float(b_low)))
        share += age[:, i] * overlap / (b_top - b_low)
    return share


def _age(rule: Rule, traits: BuurtTraits, rng: np.random.Generator, percent: bool) -> np.ndarray:
    assert rule.age_band is not None
    share = band_share(traits.age, rule.age_band)[None, :]
    drift = 1.0 + rng.normal(0.0, 0.01, size=(len(YEARS), len(traits.codes)))
    share = np.clip(share * drift, 0.0, 1.0)
    if percent:
        return 100.0 * share
    return np.round(share * traits.population).astype(np.float64)


def true_values(rule: Rule, sign: float, traits: BuurtTraits, rng: np.random.Generator, *, percent: bool) -> np.ndarray:
    """Values (years × buurten); ``percent``: the registry unit is a percentage."""
    population = traits.population.astype(np.float64)
    if rule.kind == "population":
        return population
    if rule.kind == "density":
        return population / traits.area_km2[None, :]
    if rule.kind == "households":
        return traits.households.astype(np.float64)
    if rule.kind == "household_size":
        return population / traits.households
    if rule.kind == "age":
        return _age(rule, traits, rng, percent)
    signal = _signal(rule, sign, traits, rng)
    if rule.kind == "share":
        logit = np.log(rule.base / (100.0 - rule.base)) + signal
        return 100.0 / (1.0 + np.exp(-logit))
    if rule.kind == "count":
        return rng.poisson(rule.base * np.exp(signal) * population).astype(np.float64)
    if rule.kind == "level":
        return rule.base * np.exp(signal)
    if rule.kind == "index":
        level = np.exp(signal)
        city = (level * population).sum(axis=1, keepdims=True) / population.sum(axis=1, keepdims=True)
        return rule.base * level / city
    if rule.kind == "score":
        low = rule.low if rule.low is not None else -np.inf
        high = rule.high if rule.high is not None else np.inf
        return np.clip(rule.base + signal, low, high)
    raise ValueError(f"unknown rule kind {rule.kind!r}")
