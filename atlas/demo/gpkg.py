"""Write the synthetic boundaries as a CBS-style wijk- en buurtkaart GeoPackage.

Like the real ``wijkenbuurten_YYYY_v1.gpkg`` (2022 and later): layers ``buurten``, ``wijken`` and
``gemeenten`` with lower-case CBS columns, EPSG:28992, a few statistics of the year, counts rounded
to fives and the CBS sentinel ``-99995`` (secret) where a buurt has too few inhabitants. GDAL stamps
the current time into the file; the demo pins it with ``OGR_CURRENT_DATE`` so two runs give
identical bytes.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio

from atlas.demo.draw import band_share
from atlas.demo.geometry import DemoGeometry
from atlas.demo.levels import Hierarchy
from atlas.demo.traits import AGE_BANDS, YEARS, BuurtTraits, rng_for

SECRET = -99995
"""CBS code for a value kept secret (too few inhabitants)."""
SECRET_BELOW = 50
"""Buurten with fewer inhabitants get :data:`SECRET` for their shares and households."""
FIXED_TIMESTAMP = "2024-01-01T00:00:00.000Z"
YEAR = 2024

_AGE_COLUMNS = [
    f"percentage_personen_{low}_tot_{high}_jaar" if high is not None else f"percentage_personen_{low}_jaar_en_ouder"
    for low, high in AGE_BANDS
]


@contextmanager
def gdal_config(**options: str) -> Iterator[None]:
    """Set GDAL configuration options for the duration of the block, then restore them."""
    previous = {key: pyogrio.get_gdal_config_option(key) for key in options}
    pyogrio.set_gdal_config_options(options)
    try:
        yield
    finally:
        pyogrio.set_gdal_config_options(previous)


@contextmanager
def quiet(logger_name: str) -> Iterator[None]:
    """Hide a library's INFO messages (pyogrio logs every layer it writes) for the duration of the block."""
    logger = logging.getLogger(logger_name)
    previous = logger.level
    logger.setLevel(max(previous, logging.WARNING))
    try:
        yield
    finally:
        logger.setLevel(previous)


def _round5(values: np.ndarray) -> np.ndarray:
    return (np.round(values / 5.0) * 5).astype(np.int64)


def _statistics(
    population: np.ndarray,
    men: np.ndarray,
    age_counts: np.ndarray,
    households: np.ndarray,
    area_m2: np.ndarray,
) -> pd.DataFrame:
    """CBS statistics columns for areas with the given totals (one row per area)."""
    inwoners = _round5(population)
    secret = population < SECRET_BELOW
    hectares = np.round(area_m2 / 1e4).astype(np.int64)
    with np.errstate(invalid="ignore", divide="ignore"):
        density = np.round(population / (area_m2 / 1e6)).astype(np.int64)
        shares = np.round(100.0 * age_counts / population[:, None]).astype(np.int64)
        size = np.round(population / households, 1)
    columns: dict[str, object] = {
        "bevolkingsdichtheid_inwoners_per_km2": density,
        "aantal_inwoners": inwoners,
        "mannen": _round5(men),
        "vrouwen": _round5(population - men),
    }
    for i, name in enumerate(_AGE_COLUMNS):
        columns[name] = np.where(secret, SECRET, shares[:, i])
    columns["aantal_huishoudens"] = np.where(secret, SECRET, _round5(households))
    columns["gemiddelde_huishoudsgrootte"] = np.where(secret, float(SECRET), size)
    columns["oppervlakte_totaal_in_ha"] = hectares
    columns["oppervlakte_land_in_ha"] = hectares
    columns["oppervlakte_water_in_ha"] = np.zeros(len(hectares), dtype=np.int64)
    return pd.DataFrame(columns)


def _buurt_totals(traits: BuurtTraits, seed: int) -> dict[str, np.ndarray]:
    rng = rng_for(seed, "wijkbuurtkaart")
    population = traits.population_in(YEAR).astype(np.float64)
    bands = np.stack([band_share(traits.age, band) for band in AGE_BANDS], axis=1)
    return {
        "population": population,
        "men": np.round(population * rng.uniform(0.47, 0.52, len(population))),
        "age": np.round(bands * population[:, None]),
        "households": traits.households[YEARS.index(YEAR)].astype(np.float64),
    }


def _layer(codes: pd.DataFrame, geometry: gpd.GeoSeries, totals: dict[str, np.ndarray]) -> gpd.GeoDataFrame:
    """One layer: code columns, ``jrstatcode``, ``water``, statistics, ``jaar``."""
    frame = codes.reset_index(drop=True).copy()
    frame.insert(1, "jrstatcode", [f"{YEAR}{c}" for c in frame.iloc[:, 0]])
    frame["indelingswijziging_wijken_en_buurten"] = 1
    frame["water"] = "NEE"
    area = geometry.area.to_numpy()
    stats = _statistics(totals["population"], totals["men"], totals["age"], totals["households"], area)
    frame = pd.concat([frame, stats], axis=1)
    frame["jaar"] = YEAR
    return gpd.GeoDataFrame(frame, geometry=geometry.reset_index(drop=True), crs=geometry.crs)


def _sum_totals(totals: dict[str, np.ndarray], hierarchy: Hierarchy, level: str) -> dict[str, np.ndarray]:
    member = hierarchy.membership(level)
    return {key: member.T @ value for key, value in totals.items()}


def cbs_layers(
    geometry: DemoGeometry, traits: BuurtTraits, hierarchy: Hierarchy, seed: int
) -> dict[str, gpd.GeoDataFrame]:
    """The three layers, named and shaped as in the CBS wijk- en buurtkaart."""
    totals = _buurt_totals(traits, seed)
    gemeente = geometry.gemeente.iloc[0]
    common = {"gemeentecode": gemeente.gemeentecode, "gemeentenaam": gemeente.gemeentenaam}
    b = geometry.buurten
    buurten = _layer(b[["buurtcode", "buurtnaam", "wijkcode"]].assign(**common), b.geometry, totals)
    w = geometry.wijken
    wijken = _layer(
        w[["wijkcode", "wijknaam"]].assign(**common),
        w.geometry,
        _sum_totals(totals, hierarchy, "wijk"),
    )
    g = geometry.gemeente
    gemeenten = _layer(g[["gemeentecode", "gemeentenaam"]], g.geometry, _sum_totals(totals, hierarchy, "gemeente"))
    return {"buurten": buurten, "wijken": wijken, "gemeenten": gemeenten}


def write_wijkbuurtkaart(path: Path, layers: dict[str, gpd.GeoDataFrame], *, append: bool = False) -> Path:
    """Write the layers into one GeoPackage with reproducible bytes; ``append`` adds their rows to its layers."""
    with gdal_config(OGR_CURRENT_DATE=FIXED_TIMESTAMP), quiet("pyogrio"):
        for name, frame in layers.items():
            multi = name != "buurten"
            pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG", promote_to_multi=multi, append=append)
    return path
