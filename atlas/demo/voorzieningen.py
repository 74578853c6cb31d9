"""The demo's facilities (voorzieningen): a CSV of points with a type, a name and a made-up address.

Per buurt, from its traits (:mod:`atlas.demo.traits`): residential buurten get general practices, supermarkets,
primary schools, childcare, community centres and sports facilities in proportion to their inhabitants
(:data:`PER_INHABITANTS`), rural buurten fewer, business parks now and then a supermarket or a sports hall; the
biggest buurten of a few wijken get a library. Each point lies inside its buurt. The file is the one a municipality
would export from its register: ``x`` and ``y`` in EPSG:28992, ``soort`` (the type by its title, as people write it),
``naam`` and the address fields ``straat``, ``huisnummer``, ``postcode``, ``woonplaats`` (made up, like the
addresses of :mod:`atlas.demo.addresses`). Names and places are synthetic; two runs give identical bytes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import shapely

from atlas.demo.addresses import WORDS, address_fields
from atlas.demo.geometry import DemoGeometry
from atlas.demo.traits import BuurtTraits, rng_for

FILE = "voorzieningen.csv"
SOURCE = "Gemeente Zwolle, voorzieningenregister (synthetische demodata)"
PER_INHABITANTS: dict[str, float] = {
    "huisarts": 3000.0,
    "supermarkt": 3500.0,
    "basisschool": 2200.0,
    "kinderopvang": 2000.0,
    "buurthuis": 7000.0,
    "sport": 6000.0,
}
"""Inhabitants per facility of each type in a residential buurt (rural buurten: twice as many)."""
TITLES: dict[str, str] = {
    "huisarts": "Huisartsenpraktijk",
    "supermarkt": "Supermarkt",
    "basisschool": "Basisschool",
    "kinderopvang": "Kinderopvang",
    "buurthuis": "Buurthuis of wijkcentrum",
    "sport": "Sportvoorziening",
    "bibliotheek": "Bibliotheek",
}
"""How the file writes each type: by its title in ``layers.yaml`` (the build matches ids and titles)."""
NAMES: dict[str, str] = {
    "huisarts": "Huisartsenpraktijk {word}",
    "supermarkt": "Supermarkt {buurt}",
    "basisschool": "Basisschool De {word}",
    "kinderopvang": "Kinderopvang {word}",
    "buurthuis": "Buurthuis {buurt}",
    "sport": "Sporthal {word}",
    "bibliotheek": "Bibliotheek {buurt}",
}
LIBRARIES = 5


def _inside(polygon: Any, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` points spread uniformly inside ``polygon``."""
    if n <= 0:
        return np.empty((0, 2))
    xmin, ymin, xmax, ymax = polygon.bounds
    shapely.prepare(polygon)
    found: list[np.ndarray] = []
    total = 0
    while total < n:
        xy = rng.uniform((xmin, ymin), (xmax, ymax), size=(4 * n + 16, 2))
        xy = xy[shapely.contains_xy(polygon, xy[:, 0], xy[:, 1])]
        found.append(xy)
        total += len(xy)
    return np.vstack(found)[:n]


def _counts(traits: BuurtTraits, rng: np.random.Generator) -> np.ndarray:
    """Buurten × types (:data:`TITLES` order): how many facilities of each type."""
    people = traits.population[-1].astype("float64")
    kinds = list(TITLES)
    counts = np.zeros((len(traits.codes), len(kinds)), dtype=np.int64)
    for k, kind in enumerate(kinds):
        if kind == "bibliotheek":
            continue
        rate = PER_INHABITANTS[kind] * np.where(traits.kind == "landelijk", 2.0, 1.0)
        expected = np.where(traits.kind == "bedrijf", 0.15 if kind in ("supermarkt", "sport") else 0.0, people / rate)
        counts[:, k] = rng.poisson(expected)
    largest = np.argsort(-people, kind="stable")
    wijken_done: set[str] = set()
    for i in largest:  # one library in the biggest buurt of each of the first LIBRARIES wijken
        if len(wijken_done) == LIBRARIES:
            break
        if str(traits.wijk[i]) not in wijken_done:
            counts[i, kinds.index("bibliotheek")] = 1
            wijken_done.add(str(traits.wijk[i]))
    return counts


def facility_table(geometry: DemoGeometry, traits: BuurtTraits, seed: int) -> pd.DataFrame:
    """The facilities as the CSV holds them, buurt by buurt."""
    rng = rng_for(seed, "voorzieningen")
    counts = _counts(traits, rng)
    kinds = list(TITLES)
    names = dict(zip(geometry.buurten.buurtcode.astype(str), geometry.buurten.buurtnaam.astype(str), strict=True))
    points: list[np.ndarray] = []
    rows: list[dict[str, Any]] = []
    for i, polygon in enumerate(geometry.buurten.geometry.values):
        code = str(traits.codes[i])
        here = []
        for k, kind in enumerate(kinds):
            for _ in range(int(counts[i, k])):
                word = WORDS[int(rng.integers(len(WORDS)))]
                name = NAMES[kind].format(word=word, buurt=names.get(code, code))
                here.append({"soort": TITLES[kind], "naam": name})
        xy = _inside(polygon, len(here), rng_for(seed, "voorzieningen", code))
        points.append(np.round(xy, 1))
        rows.extend(here)
    fields = address_fields(
        points,
        [str(c) for c in traits.codes],
        [str(w) for w in traits.wijk],
        str(geometry.gemeente.gemeentenaam.iloc[0]),
        seed + 1,
    )
    xy = np.vstack(points) if points else np.empty((0, 2))
    table = pd.DataFrame(rows)
    table.insert(0, "x", xy[:, 0])
    table.insert(1, "y", xy[:, 1])
    for column in ("straat", "huisnummer", "postcode", "woonplaats"):
        table[column] = fields[column].to_numpy()
    return table


def write_voorzieningen(folder: Path, geometry: DemoGeometry, traits: BuurtTraits, seed: int) -> dict[str, Any]:
    """Write the facilities CSV; returns the ``voorzieningen:`` section of the sources file."""
    table = facility_table(geometry, traits, seed)
    table.to_csv(folder / FILE, index=False, lineterminator="\n", float_format="%.1f")
    return {"path": FILE, "type": "soort", "name": "naam", "source": SOURCE, "year": 2024}
