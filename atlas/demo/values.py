"""Demo values for every registry indicator, at the levels a real source would publish them.

For each indicator: draw the true buurt values (:mod:`atlas.demo.draw`), take them to the level its
source publishes (GGD per wijk, the rest per buurt, or the lowest level the registry lists), add
survey sampling noise with respondent counts; for ``aggregate: none``, derive the values of every
further listed level from those consistently (sums, or means weighted by respondents, households,
inhabitants or area); finally leave a few cells of small areas empty (missing, never 0).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd

from atlas.codes import LEVELS
from atlas.demo.draw import true_values
from atlas.demo.levels import Hierarchy, sum_up, weighted_mean
from atlas.demo.rules import (
    Family,
    Rule,
    area_weighted,
    direction,
    emission_level,
    family,
    is_survey,
    rule_for,
)
from atlas.demo.traits import YEARS, BuurtTraits, rng_for
from atlas.layers.registry import Indicator, Registry

MISSING_RATE = 0.15
"""Chance that a small area's cell is left empty, to show 'missing' (as a source would for it)."""
SMALL_AREA = 500
"""Only areas with fewer inhabitants than this and :data:`SMALL_SHARE` of their parent area may miss
values, so that means upward stay covered."""
SMALL_SHARE = 0.1
_RESPONSE_RATE: dict[Family, float] = {"bvb": 0.045, "ggd": 0.02, "cbs": 0.01, "overig": 0.012}
"""Respondents per adult inhabitant, per source family."""

LONG_COLUMNS = ["indicator", "code", "level", "year", "value", "n"]


@dataclass(frozen=True)
class LevelValues:
    """One indicator at one level: values and respondents (or None), both years × areas."""

    level: str
    codes: np.ndarray
    values: np.ndarray
    n: np.ndarray | None = None


@dataclass(frozen=True)
class IndicatorValues:
    """Everything published for one indicator; ``parts[0]`` is the level its source publishes."""

    indicator: Indicator
    family: Family
    parts: tuple[LevelValues, ...]


@dataclass
class Panels:
    """Respondents per family, level and year, shared by all questions of one survey."""

    traits: BuurtTraits
    hierarchy: Hierarchy
    seed: int
    _cache: dict[tuple[Family, str], np.ndarray] = field(default_factory=dict)

    def adults(self, level: str) -> np.ndarray:
        share = 1.0 - self.traits.age[:, 0]
        return self.hierarchy.sum_to(level, self.traits.population * share[None, :])

    def respondents(self, fam: Family, level: str) -> np.ndarray:
        key = (fam, level)
        if key not in self._cache:
            rng = rng_for(self.seed, "panel", fam, level)
            decline = np.linspace(1.1, 0.9, len(YEARS))[:, None]
            rate = _RESPONSE_RATE[fam] * decline
            self._cache[key] = rng.binomial(np.round(self.adults(level)).astype(np.int64), rate)
        return self._cache[key]


def _additive(rule: Rule, ind: Indicator) -> bool:
    additive = rule.kind in ("count", "population", "households")
    return additive or (rule.kind == "age" and ind.unit == "count")


def _weights(ind: Indicator, rule: Rule, traits: BuurtTraits) -> np.ndarray:
    """What a mean over areas is weighted by: area, households or (by default) inhabitants."""
    if area_weighted(ind, rule):
        return np.broadcast_to(traits.area_km2[None, :], traits.population.shape).astype(np.float64)
    if rule.kind == "household_size":
        return traits.households.astype(np.float64)
    return traits.population.astype(np.float64)


def _sample(values: np.ndarray, n: np.ndarray, rule: Rule, rng: np.random.Generator) -> np.ndarray:
    """What a survey with ``n`` respondents would report; no respondents, no value."""
    safe_n = np.maximum(n, 1)
    if rule.kind == "share":
        observed = 100.0 * rng.binomial(safe_n, np.clip(values / 100.0, 0.0, 1.0)) / safe_n
    else:
        scale = 1.5 if rule.kind == "score" else 0.3 * np.abs(values)
        observed = values + rng.normal(0.0, 1.0, size=values.shape) * scale / np.sqrt(safe_n)
        if rule.low is not None or rule.high is not None:
            observed = np.clip(observed, rule.low, rule.high)
    return np.where(n > 0, observed, np.nan)


def _knock_out(values: np.ndarray, level: str, ctx: Panels, rng: np.random.Generator) -> np.ndarray:
    """Empty a few cells of small areas (missing, never 0)."""
    if level == LEVELS[-1]:
        return values
    population = ctx.hierarchy.sum_to(level, ctx.traits.population)
    parent = LEVELS[LEVELS.index(level) + 1]
    link = ctx.hierarchy.link(level, parent)
    share = population / ((population @ link) @ link.T)
    small = (population < SMALL_AREA) & (share < SMALL_SHARE)
    hit = small & (rng.random(values.shape) < MISSING_RATE)
    return np.where(hit, np.nan, values)


def _round(values: np.ndarray, decimals: int) -> np.ndarray:
    """Round to the registry's decimals (+ 0.0 turns -0.0 into 0.0)."""
    return np.round(values, decimals) + 0.0


def _publish_level(ind: Indicator, rule: Rule, truth: np.ndarray, ctx: Panels, rng: np.random.Generator) -> LevelValues:
    """Values at the level the source publishes, with respondents (surveys) or denominators (count suppression)."""
    level = emission_level(ind)
    hierarchy, traits = ctx.hierarchy, ctx.traits
    link = hierarchy.membership(level)
    if level == "buurt":
        values = truth
    elif _additive(rule, ind):
        values = sum_up(truth, link)
    else:
        values = weighted_mean(truth, _weights(ind, rule, traits), link)
    n = None
    if is_survey(ind) and not _additive(rule, ind):
        panel = ctx.respondents(family(ind), level)
        n = panel - rng.binomial(panel, rng.uniform(0.01, 0.08))
        values = _sample(values, n, rule, rng)
    elif ind.suppression == "count" and not _additive(rule, ind):
        n = np.round(hierarchy.sum_to(level, traits.population)).astype(np.int64)
    decimals = 0 if _additive(rule, ind) else ind.decimals
    return LevelValues(level, hierarchy.codes(level), _round(values, decimals), n)


def _derive_upward(ind: Indicator, rule: Rule, base: LevelValues, ctx: Panels) -> list[LevelValues]:
    """For ``aggregate: none``: every listed level above the published one, computed from it."""
    parts = []
    weights = ctx.hierarchy.sum_to(base.level, _weights(ind, rule, ctx.traits))
    decimals = 0 if _additive(rule, ind) else ind.decimals
    for upper in LEVELS[LEVELS.index(base.level) + 1 :]:
        if upper not in ind.levels:
            continue
        link = ctx.hierarchy.link(base.level, upper)
        n = base.n @ link if base.n is not None else None
        if _additive(rule, ind):
            values = sum_up(base.values, link)
        elif base.n is not None:
            values = weighted_mean(base.values, base.n.astype(np.float64), link)
        else:
            values = weighted_mean(base.values, weights, link)
        parts.append(LevelValues(upper, ctx.hierarchy.codes(upper), _round(values, decimals), n))
    return parts


def indicator_values(ind: Indicator, ctx: Panels) -> IndicatorValues:
    """All values the demo publishes for one indicator."""
    rule = rule_for(ind)
    rng = rng_for(ctx.seed, "indicator", ind.id)
    truth = true_values(rule, direction(ind, rule), ctx.traits, rng, percent=ind.unit == "percent")
    base = _publish_level(ind, rule, truth, ctx, rng)
    upward = _derive_upward(ind, rule, base, ctx) if ind.aggregate == "none" else []
    if not _additive(rule, ind):
        # the source knows every value but leaves some small areas empty; what it publishes for larger
        # areas is still computed from all of them
        base = replace(base, values=_knock_out(base.values, base.level, ctx, rng))
    return IndicatorValues(ind, family(ind), (base, *upward))


def generate_values(registry: Registry, traits: BuurtTraits, hierarchy: Hierarchy, seed: int) -> list[IndicatorValues]:
    """Values for every registry indicator, in registry order."""
    if list(hierarchy.codes("buurt")) != list(traits.codes):
        raise ValueError("traits and hierarchy must list the same buurten in code order")
    ctx = Panels(traits, hierarchy, seed)
    return [indicator_values(ind, ctx) for ind in registry]


def long_table(values: list[IndicatorValues]) -> pd.DataFrame:
    """``indicator, code, level, year, value, n`` (NaN where missing or unknown)."""
    frames = []
    for item in values:
        for part in item.parts:
            years = np.repeat(np.array(YEARS), len(part.codes))
            n = part.n.ravel().astype(np.float64) if part.n is not None else np.nan
            frames.append(
                pd.DataFrame(
                    {
                        "indicator": item.indicator.id,
                        "code": np.tile(part.codes, len(YEARS)),
                        "level": part.level,
                        "year": years,
                        "value": part.values.ravel(),
                        "n": n,
                    }
                )
            )
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LONG_COLUMNS})
    return pd.concat(frames, ignore_index=True)[LONG_COLUMNS]
