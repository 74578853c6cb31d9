"""``atlas demo --gemeenten N``: a synthetic country of N gemeenten in the demo's real formats (issue 15, item 4).

Each gemeente gets a made-up CBS code (``GM9001``, ``GM9002``, …: four digits, none of them a real gemeente), a
made-up name, 2–5 wijken (``WK900101``) of 2–6 buurten each (``BU90010101``), an area of 4–9 km² and 700–1 900
inhabitants per buurt, all drawn from the seed and the gemeente's code only: gemeente *i* is the same whatever N,
and the same N gives the same bytes. Gemeenten lie side by side on a grid of :data:`CELL_M` cells,
:data:`COLUMNS` to a row, inside the RD New bounds; each grows from buurt points like the Zwolle demo
(:func:`atlas.demo.geometry.build_geometry`) and gets its traits, values and groen features from the demo's own
functions. The files, written one gemeente at a time (memory stays that of one gemeente and one tile):

- ``wijkbuurtkaart_demo.gpkg``: one national wijk- en buurtkaart, layers ``buurten``, ``wijken``, ``gemeenten``
  with the CBS columns (:mod:`atlas.demo.gpkg`);
- ``kwb_<year>_<table>.json`` and ``<table>_DataProperties.json``: the cbsodata records of every gemeente, wijk
  and buurt, per year 2019–2024 (:mod:`atlas.demo.cbs`);
- ``adressen.gpkg``, ``bomen.gpkg``, ``parken.gpkg``: addresses (each gemeente its own postcode range), trees and
  parks of the whole country;
- ``kroonbedekking/GMxxxx.tif``: one 1 m canopy tile per gemeente cell, a Cloud-Optimized GeoTIFF, and
  ``kroonbedekking_1m.vrt``, the mosaic over them (:mod:`atlas.demo.mosaic`);
- ``regios.csv``: the gemeenten in regions of :data:`REGIO_SIZE` (``RG0001``, …), like a GGD region;
- ``sources.yaml``: the whole country (``gemeente: [GM9001, …]``, one build of every gemeente, with the regions
  above them: ``areas.regio``); ``nederland.yaml``: the same as ``gemeente: all``, with ``nederland`` on top;
- ``GMxxxx/sources.yaml``: one gemeente (``gemeente: GMxxxx``): it reads the national files above and keeps the
  gemeente's rows.

Only the CBS records carry indicators (no Buurt-voor-Buurt, GGD, registrations, forecasts or facilities): the
country is for tests and benchmarks of the scale, not of every importer.
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import yaml

from atlas.atomic import atomic_directory
from atlas.codes import SYNTHETIC_GEMEENTEN
from atlas.demo.cbs import KwbRecords, kwb_entry, kwb_json, kwb_paths
from atlas.demo.files import LABELS
from atlas.demo.geometry import build_geometry
from atlas.demo.gpkg import cbs_layers, write_wijkbuurtkaart
from atlas.demo.groen import ADDRESSES_FILE, PARKS_FILE, TREES_FILE, groen_features, groen_section, write_layer
from atlas.demo.levels import Hierarchy
from atlas.demo.mosaic import Tile, to_cog, write_vrt
from atlas.demo.reference import Reference
from atlas.demo.traits import YEARS, build_traits, rng_for
from atlas.demo.values import generate_values
from atlas.demo.writer import GPKG_FILE, SOURCES_FILE
from atlas.layers.registry import Registry, load_registry

MAX_GEMEENTEN = 342
"""The number of gemeenten of the Netherlands (2024); the synthetic country has at most as many."""
FIRST_CODE = SYNTHETIC_GEMEENTEN.start
"""The digits of the first synthetic gemeente: 9001–9342 are no real CBS gemeente codes."""
COLUMNS = 19
"""Gemeenten per row of the grid (19 × 18 = 342)."""
CELL_M = 4000
"""Side of one gemeente's square cell (metres); the gemeente lies inside it, its canopy tile covers it."""
ORIGIN = (100_000.0, 520_000.0)
"""Top-left corner of the grid in EPSG:28992 (all 18 rows stay within the RD New bounds)."""
CANOPY_DIR = "kroonbedekking"
CANOPY_VRT = "kroonbedekking_1m.vrt"
RESOLUTION_M = 1
POSTCODES_PER_GEMEENTE = 26
"""Four-digit postcode numbers set aside per gemeente (from 1000 up: 342 × 26 stays below 10 000)."""
_STEMS = (
    "Aalden", "Beek", "Bergen", "Borne", "Dalen", "Eelde", "Emmen", "Gieten", "Haren", "Holten", "Hoorn", "Laren",
    "Lochem", "Marum", "Norg", "Olst", "Putten", "Rijssen", "Sneek", "Tiel", "Uden", "Vaals", "Weert", "Zeist",
)  # fmt: skip
_SUFFIXES = ("", "veen", "dam", "horst", "wolde", "hoven", "dijk", "broek", "kamp", "rade", "lo", "sum", "ingen", "erf")
_QUARTERS = ("Centrum", "Noord", "Oost", "Zuid", "West", "Buiten")
_BUURT_WORDS = ("Eiken", "Beuken", "Linden", "Wilgen", "Essen", "Berken", "Iepen", "Populieren", "Elzen", "Hazelaar")
_BUURT_SUFFIXES = ("hof", "kwartier", "veld", "laan", "park", "weide")
_SPREAD = 0.72
"""Buurt points fill a disc of this share of the radius of a circle with the gemeente's area."""


@dataclass(frozen=True)
class GemeenteSpec:
    """One synthetic gemeente: its code, name, place on the grid and size."""

    index: int
    code: str
    naam: str
    buurten_per_wijk: tuple[int, ...]
    area_m2: float
    inhabitants: int
    seed: int
    """The gemeente's own seed (from the country's seed and its code) for the demo's generators."""

    @property
    def digits(self) -> str:
        return self.code[2:]

    @property
    def cell(self) -> tuple[float, float, float, float]:
        """``xmin, ymin, xmax, ymax`` of the gemeente's grid cell."""
        row, column = divmod(self.index, COLUMNS)
        xmin = ORIGIN[0] + column * CELL_M
        ymax = ORIGIN[1] - row * CELL_M
        return xmin, ymax - CELL_M, xmin + CELL_M, ymax

    @property
    def first_postcode(self) -> int:
        return 1000 + POSTCODES_PER_GEMEENTE * self.index


def gemeente_name(index: int) -> str:
    """A made-up Dutch-sounding place name, distinct for every index below :data:`MAX_GEMEENTEN`."""
    stem, suffix = divmod(index, len(_SUFFIXES))
    name = _STEMS[stem % len(_STEMS)] + _SUFFIXES[suffix]
    return name if stem < len(_STEMS) else f"{name} {stem // len(_STEMS) + 1}"


WIJKEN = (2, 6)
"""Wijken per synthetic gemeente: at least the first, fewer than the second (2–5: about 15 buurten). Real gemeenten
have about 42 buurten on average (14 500 in 342); ``wijken=(7, 14)`` gives that, for benchmarks of a country's
size."""


def gemeente_spec(index: int, seed: int, wijken_range: tuple[int, int] = WIJKEN) -> GemeenteSpec:
    """Gemeente ``index`` (0-based) of the country of ``seed``; it does not depend on the country's size."""
    code = f"GM{FIRST_CODE + index:04d}"
    rng = rng_for(seed, "country", code)
    wijken = int(rng.integers(*wijken_range))
    per_wijk = tuple(int(n) for n in rng.integers(2, 7, size=wijken))
    area = float(rng.uniform(4e6, 9e6))
    inhabitants = int(sum(per_wijk) * rng.uniform(700, 1900))
    return GemeenteSpec(
        index=index,
        code=code,
        naam=gemeente_name(index),
        buurten_per_wijk=per_wijk,
        area_m2=round(area, -3),
        inhabitants=inhabitants,
        seed=zlib.crc32(f"{seed}:{code}".encode()),
    )


def _points(spec: GemeenteSpec, rng: np.random.Generator) -> np.ndarray:
    """Buurt points on a jittered sunflower spiral around the cell's centre."""
    n = sum(spec.buurten_per_wijk)
    xmin, ymin, xmax, ymax = spec.cell
    radius = _SPREAD * np.sqrt(spec.area_m2 / np.pi)
    k = np.arange(n) + 0.5
    r = radius * np.sqrt(k / n)
    theta = k * np.pi * (3.0 - np.sqrt(5.0)) + rng.uniform(0, 2 * np.pi)
    jitter = rng.normal(0.0, 0.12 * radius / np.sqrt(n), size=(n, 2))
    centre = np.array([(xmin + xmax) / 2, (ymin + ymax) / 2])
    return np.round(centre + np.column_stack([r * np.cos(theta), r * np.sin(theta)]) + jitter, 1)


def synthetic_reference(spec: GemeenteSpec) -> Reference:
    """The reference table of one synthetic gemeente: buurt codes, names and points, wijken by sector."""
    rng = rng_for(spec.seed, "reference")
    points = _points(spec, rng)
    centre = points.mean(axis=0)
    order = np.argsort(np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0]), kind="stable")
    rows = []
    start = 0
    for w, count in enumerate(spec.buurten_per_wijk, start=1):
        wijkcode = f"WK{spec.digits}{w:02d}"
        lap, quarter = divmod(w - 1, len(_QUARTERS))
        wijknaam = f"{spec.naam}-{_QUARTERS[quarter]}" + (f" {lap + 1}" if lap else "")
        for b, p in enumerate(order[start : start + count], start=1):
            word = _BUURT_WORDS[int(rng.integers(len(_BUURT_WORDS)))]
            naam = f"{word}{_BUURT_SUFFIXES[(b - 1) % len(_BUURT_SUFFIXES)]}"
            if w == len(spec.buurten_per_wijk) and b == count:
                naam = f"Bedrijventerrein {spec.naam}"  # a business park: few inhabitants, so suppression shows
            rows.append((f"BU{spec.digits}{w:02d}{b:02d}", naam, wijkcode, wijknaam, *points[p]))
        start += count
    buurten = pd.DataFrame(rows, columns=["buurtcode", "buurtnaam", "wijkcode", "wijknaam", "x", "y"])
    buurten["stadsdeelcode"] = "SD" + buurten.wijkcode.str[2:]  # one stadsdeel per wijk: not written anywhere
    stadsdelen = pd.DataFrame({"stadsdeelcode": buurten.stadsdeelcode.unique(), "stadsdeel": buurten.wijknaam.unique()})
    return Reference(
        buurten=buurten.sort_values("buurtcode").reset_index(drop=True),
        stadsdelen=stadsdelen,
        stadsdelen_path=Path(),
        gemeente=spec.code,
        naam=spec.naam,
    )


class _KwbStreams:
    """The six cbsodata record files, written one gemeente's records at a time as one JSON list each."""

    def __init__(self, folder: Path, stack: ExitStack):
        self.folder = folder
        self.files: list[IO[str]] = [
            stack.enter_context(kwb_paths(folder, y)[0].open("w", encoding="utf-8")) for y in range(len(YEARS))
        ]
        self.count = 0
        self.properties_written = False

    def add(self, kwb: KwbRecords) -> None:
        records = [kwb.records(y, self.count) for y in range(len(YEARS))]
        for file, rows in zip(self.files, records, strict=True):
            for i, row in enumerate(rows):
                file.write(("[\n" if self.count + i == 0 else ",\n") + json.dumps(row, ensure_ascii=False, indent=0))
        if records[0] and self.count == 0:
            for y in range(len(YEARS)):  # the same for every gemeente: they share the registry
                kwb_paths(self.folder, y)[1].write_text(kwb_json(kwb.properties(y)), encoding="utf-8")
        self.count += len(records[0])

    def close(self) -> None:
        for file in self.files:
            file.write("\n]\n" if self.count else "[]\n")


REGIO_SIZE = 11
"""Gemeenten per synthetic region (the GGD region IJsselland has 11)."""
REGIOS_FILE = "regios.csv"
NEDERLAND_FILE = "nederland.yaml"


def regios_csv(codes: list[str], names: list[str]) -> str:
    """The regio CSV of the country: every :data:`REGIO_SIZE` gemeenten in a region named after its first."""
    lines = ["gemeentecode,regiocode,regionaam"]
    for number, (code, _) in enumerate(zip(codes, names, strict=True)):
        first = names[number - number % REGIO_SIZE]
        lines.append(f"{code},RG{number // REGIO_SIZE + 1:04d},Regio {first}")
    return "\n".join(lines) + "\n"


def _sources(
    codes: list[str] | str, naam: str, kwb_ids: bool, seed: int, up: str, *, regio: bool = False, groen: bool = True
) -> str:
    """A sources file of the gemeenten ``codes`` (or ``all``) that reads the national files (``up``: the way to
    them); with ``regio`` the regions above them."""
    areas: dict[str, Any] = {"buurt": {"path": up + GPKG_FILE, "format": "cbs-gpkg"}}
    if regio:
        areas["regio"] = {"path": up + REGIOS_FILE}
    document: dict[str, Any] = {
        "demo": True,
        "gemeente": codes[0] if len(codes) == 1 else codes,
        "naam": naam,
        **({"allowed_roots": [".."]} if up else {}),
        "areas": areas,
        "indicators": [kwb_entry(Path(up + kwb_paths(Path(), y)[0].name), y, LABELS["cbs"]) for y in range(len(YEARS))]
        if kwb_ids
        else [],
        **(
            {"groen": groen_section(up + CANOPY_VRT, up + TREES_FILE, up + PARKS_FILE, up + ADDRESSES_FILE)}
            if groen
            else {}
        ),
    }
    which = f"Gemeente {codes[0]} ({naam})" if len(codes) == 1 else f"All {len(codes)} gemeenten"
    if isinstance(codes, str):
        which = "Every gemeente (gemeente: all, with Nederland on top)"
    header = (
        "# SYNTHETISCHE DEMODATA - synthetic demo data, not real figures.\n"
        f"# {which} of the synthetic country written by `atlas demo --gemeenten N`\n"
        f"# (seed {seed}); every code, name, geometry and value is invented. It reads the national files\n"
        "# and keeps the rows of its gemeenten. Build it with:  atlas build --sources sources.yaml --out DIR\n"
    )
    return header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=120)


def _write_gemeente(
    folder: Path, spec: GemeenteSpec, registry: Registry, kwb: _KwbStreams, seed: int, *, groen: bool = True
) -> Tile | None:
    """Append one gemeente to the national files, write its canopy tile (``groen``) and its sources file."""
    reference = synthetic_reference(spec)
    geometry = build_geometry(reference, spec.area_m2)
    hierarchy = Hierarchy.from_reference(reference)
    traits = build_traits(geometry, spec.seed, spec.inhabitants)
    write_wijkbuurtkaart(folder / GPKG_FILE, cbs_layers(geometry, traits, hierarchy, spec.seed), append=spec.index > 0)
    records = KwbRecords(generate_values(registry, traits, hierarchy, spec.seed), traits, hierarchy, reference)
    kwb.add(records)
    if not groen:
        (folder / spec.code).mkdir()
        text = _sources([spec.code], spec.naam, bool(records.ids), seed, "../", groen=False)
        (folder / spec.code / SOURCES_FILE).write_text(text, encoding="utf-8")
        return None
    features = groen_features(
        geometry, traits, spec.seed, first_postcode=spec.first_postcode, park_prefix=f"{spec.naam} "
    )
    layers = {ADDRESSES_FILE: features.addresses, TREES_FILE: features.trees, PARKS_FILE: features.parks}
    for name, frame in layers.items():
        write_layer(folder / name, frame, append=spec.index > 0)
    tif = folder / CANOPY_DIR / f"{spec.code}.tif"
    features.write_canopy(tif.with_suffix(".tmp.tif"), spec.cell)
    to_cog(tif.with_suffix(".tmp.tif"), tif)
    (folder / spec.code).mkdir()
    text = _sources([spec.code], spec.naam, bool(records.ids), seed, "../")
    (folder / spec.code / SOURCES_FILE).write_text(text, encoding="utf-8")
    row, column = divmod(spec.index, COLUMNS)
    size = CELL_M // RESOLUTION_M
    return Tile(path=tif, column=column * size, row=row * size, width=size, height=size)


def country_specs(gemeenten: int, seed: int, wijken: tuple[int, int] = WIJKEN) -> Iterator[GemeenteSpec]:
    """The specs of the first ``gemeenten`` gemeenten (1 to :data:`MAX_GEMEENTEN`)."""
    if not 1 <= gemeenten <= MAX_GEMEENTEN:
        raise ValueError(f"gemeenten must be 1 to {MAX_GEMEENTEN}, not {gemeenten}")
    return (gemeente_spec(i, seed, wijken) for i in range(gemeenten))


def write_country_files(
    folder: Path,
    gemeenten: int,
    registry: Registry,
    seed: int,
    *,
    wijken: tuple[int, int] = WIJKEN,
    groen: bool = True,
) -> list[Path]:
    """Write the country into ``folder`` (which must exist); returns the per-gemeente sources files (the sources
    file of the whole country is ``folder/sources.yaml``). Without ``groen`` no addresses, trees, parks or canopy
    (a country for the web's benchmarks, written in a fraction of the time)."""
    tiles: list[Tile] = []
    sources: list[Path] = []
    if groen:
        (folder / CANOPY_DIR).mkdir()
    with ExitStack() as stack:
        kwb = _KwbStreams(folder, stack)
        for spec in country_specs(gemeenten, seed, wijken):
            tile = _write_gemeente(folder, spec, registry, kwb, seed, groen=groen)
            if tile is not None:
                tiles.append(tile)
            sources.append(folder / spec.code / SOURCES_FILE)
        kwb.close()
    size = CELL_M // RESOLUTION_M
    if groen:
        write_vrt(
            folder / CANOPY_VRT,
            tiles,
            width=min(gemeenten, COLUMNS) * size,
            height=-(-gemeenten // COLUMNS) * size,
            origin=ORIGIN,
            resolution=float(RESOLUTION_M),
        )
    codes = [p.parent.name for p in sources]
    names = [gemeente_name(index) for index in range(gemeenten)]
    (folder / REGIOS_FILE).write_text(regios_csv(codes, names), encoding="utf-8")
    naam = f"Synthetisch land van {gemeenten} gemeenten"
    text = _sources(codes, naam, kwb.count > 0, seed, "", regio=True, groen=groen)
    (folder / SOURCES_FILE).write_text(text, encoding="utf-8")
    text = _sources("all", naam, kwb.count > 0, seed, "", regio=True, groen=groen)
    (folder / NEDERLAND_FILE).write_text(text, encoding="utf-8")
    return sources


def write_country(
    out: Path,
    gemeenten: int,
    *,
    registry: Registry | None = None,
    seed: int = 2024,
    wijken: tuple[int, int] = WIJKEN,
    groen: bool = True,
) -> list[Path]:
    """Write a synthetic country of ``gemeenten`` gemeenten into ``out`` (atomically, like :func:`write_demo`);
    ``wijken`` and ``groen`` as :func:`write_country_files`.

    Returns the sources file of every gemeente (``out/GMxxxx/sources.yaml``).
    """
    registry = registry if registry is not None else load_registry()
    target = Path(out).absolute()
    with atomic_directory(target, keep=1) as staging:
        sources = write_country_files(staging, gemeenten, registry, seed, wijken=wijken, groen=groen)
    return [target / p.relative_to(staging) for p in sources]
