"""Synthetic traits per buurt that every demo value is drawn from, so the values hang together in space.

- ``kind``: ``bedrijf`` (business parks: 20–150 inhabitants, so suppression shows), ``landelijk``
  (large, rural cells) or ``woon`` (residential);
- ``population``: inhabitants per year, about 133 000 in total in 2024 and growing about 1 % a year;
- ``ses``: a socio-economic factor (standardised), mostly shared within a wijk, so poorer wijken
  score consistently lower on income and health;
- ``green``: greenness from 0 to 1, high where people live sparsely;
- ``age``: shares of the five CBS age bands;
- ``households``: private households per year (from a household size per buurt that slowly falls).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from atlas.demo.geometry import DemoGeometry

YEARS: tuple[int, ...] = (2019, 2020, 2021, 2022, 2023, 2024)
TOTAL_2024 = 133_000
AGE_BANDS: tuple[tuple[int, int | None], ...] = ((0, 15), (15, 25), (25, 45), (45, 65), (65, None))
"""The CBS age bands: [low, high) in years; ``None`` is open-ended."""
_AGE_MEAN = np.array([0.17, 0.14, 0.26, 0.25, 0.18])
_BUSINESS_WORDS = ("bedrijventerrein", "kantorenterrein")
_RURAL_KM2 = 3.0


def rng_for(seed: int, *key: str) -> np.random.Generator:
    """A generator from the seed and a key only: adding an indicator changes no other."""
    return np.random.default_rng([seed, *(zlib.crc32(k.encode("utf-8")) for k in key)])


@dataclass(frozen=True)
class BuurtTraits:
    """Arrays aligned with ``codes`` (buurten sorted by code); ``population`` is years × buurten."""

    codes: np.ndarray
    wijk: np.ndarray
    kind: np.ndarray
    area_km2: np.ndarray
    ses: np.ndarray
    green: np.ndarray
    age: np.ndarray
    """Buurten × 5 shares of :data:`AGE_BANDS`; each row sums to 1."""
    population: np.ndarray
    households: np.ndarray
    """Years × buurten, like ``population``."""

    def population_in(self, year: int) -> np.ndarray:
        return self.population[YEARS.index(year)]


def _kinds(names: pd.Series, area_km2: np.ndarray) -> np.ndarray:
    lower = names.str.lower()
    business = lower.str.contains("|".join(_BUSINESS_WORDS)).to_numpy()
    return np.where(business, "bedrijf", np.where(area_km2 > _RURAL_KM2, "landelijk", "woon"))


def _population_2024(kind: np.ndarray, rng: np.random.Generator, total: int) -> np.ndarray:
    small = rng.integers(20, 151, size=len(kind))
    rural = rng.integers(300, 1800, size=len(kind))
    residential = rng.lognormal(np.log(1900.0), 0.45, size=len(kind))
    fixed = np.where(kind == "bedrijf", small, np.where(kind == "landelijk", rural, 0))
    woon = kind == "woon"
    scale = (total - fixed.sum()) / residential[woon].sum()
    return np.where(woon, np.round(residential * scale), fixed).astype(np.int64)


def _population(kind: np.ndarray, wijk: np.ndarray, rng: np.random.Generator, total: int) -> np.ndarray:
    """Inhabitants per year: each wijk grows at its own pace (about 1 % a year on average)."""
    pop_2024 = _population_2024(kind, rng, total)
    wijken = np.unique(wijk)
    wijk_growth = dict(zip(wijken, rng.normal(0.010, 0.007, size=len(wijken)), strict=True))
    growth = np.array([wijk_growth[w] for w in wijk]) + rng.normal(0.0, 0.003, size=len(wijk))
    growth = np.clip(growth, -0.004, 0.04)
    years_back = np.array([YEARS[-1] - y for y in YEARS])[:, None]
    population = np.round(pop_2024[None, :] / (1.0 + growth[None, :]) ** years_back)
    jitter = rng.integers(-4, 5, size=population.shape)
    small = kind == "bedrijf"
    population[:, small] = np.clip(pop_2024[small] + jitter[:, small], 20, 150)
    return population.astype(np.int64)


def _ses(wijk: np.ndarray, kind: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    wijken = np.unique(wijk)
    wijk_factor = dict(zip(wijken, rng.normal(0.0, 1.0, size=len(wijken)), strict=True))
    raw = np.array([wijk_factor[w] for w in wijk]) * 0.8 + rng.normal(0.0, 0.45, size=len(wijk))
    raw = raw + np.where(kind == "landelijk", 0.3, 0.0)
    return (raw - raw.mean()) / raw.std()


def _green(kind: np.ndarray, density: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    logit = 1.1 * (np.log(np.median(density)) - np.log(np.maximum(density, 1.0)))
    logit = logit + rng.normal(0.0, 0.35, size=len(kind)) - np.where(kind == "bedrijf", 1.0, 0.0)
    return 1.0 / (1.0 + np.exp(-logit))


def _age(kind: np.ndarray, ses: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Age band shares: Dirichlet around Zwolle's profile, older where it is rural."""
    shares = rng.dirichlet(_AGE_MEAN * 60.0, size=len(kind))
    older = np.where(kind == "landelijk", 1.25, 1.0) * np.exp(0.1 * ses)
    shares[:, 4] *= older
    return shares / shares.sum(axis=1, keepdims=True)


def _households(population: np.ndarray, kind: np.ndarray, ses: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Households per year: a buurt's household size (larger where it is rural) falls 0.4 % a year."""
    size = 2.1 + 0.12 * ses + np.where(kind == "landelijk", 0.35, 0.0)
    size = np.clip(size + rng.normal(0.0, 0.18, size=len(kind)), 1.35, 3.2)
    years_back = np.array([YEARS[-1] - y for y in YEARS])[:, None]
    sizes = size[None, :] * 1.004**years_back
    return np.maximum(np.round(population / sizes), 1).astype(np.int64)


def build_traits(geometry: DemoGeometry, seed: int, total: int = TOTAL_2024) -> BuurtTraits:
    """Draw every buurt's traits from ``seed``; the buurt areas come from the synthetic geometry.

    ``total``: the gemeente's inhabitants in 2024 (Zwolle's by default; the synthetic country gives each
    gemeente its own).
    """
    buurten = geometry.buurten
    rng = rng_for(seed, "traits")
    area_km2 = buurten.geometry.area.to_numpy() / 1e6
    wijk = buurten.wijkcode.to_numpy().astype(str)
    kind = _kinds(buurten.buurtnaam, area_km2)
    population = _population(kind, wijk, rng, total)
    ses = _ses(wijk, kind, rng)
    green = _green(kind, population[-1] / area_km2, rng)
    age = _age(kind, ses, rng)
    return BuurtTraits(
        codes=buurten.buurtcode.to_numpy().astype(str),
        wijk=wijk,
        kind=kind,
        area_km2=area_km2,
        ses=ses,
        green=green,
        age=age,
        population=population,
        households=_households(population, kind, ses, rng),
    )
