"""The demo's CBS Kerncijfers wijken en buurten: one cbsodata record file per year, as ``atlas fetch cbs`` caches it.

For every year 2019–2024, ``kwb_<year>_<table>.json`` holds the records ``cbsodata.get_data(<table>)`` would return
for the gemeente, its wijken and buurten (stadsdelen are not a CBS level): keys with that year's numeric suffixes,
``WijkenEnBuurten`` as the area's name, ``Codering`` and ``SoortRegio`` padded with spaces, typed numbers, ``None`` for
secret or missing cells; beside it ``<table>_DataProperties.json`` with the unit of every key. Registry indicators
with a ``cbs_key`` go here: counts as counts (wijk and gemeente are the sums of the buurten), shares with a
``cbs_denominator`` as the count CBS publishes, euro amounts in "x 1 000 euro", other measures as given for the
buurten and population-weighted for wijk and gemeente (or, for ``aggregate: none``, as the demo derived them).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np

from atlas.demo.levels import Hierarchy, weighted_mean
from atlas.demo.reference import Reference
from atlas.demo.traits import YEARS, BuurtTraits
from atlas.demo.values import IndicatorValues
from atlas.layers.registry import SHARE_UNITS
from atlas.sources.kwb import KWB_TABLES

CBS_LEVELS = ("gemeente", "wijk", "buurt")
SOORT = {"gemeente": "Gemeente", "wijk": "Wijk", "buurt": "Buurt"}
REGION_KEYS = ("WijkenEnBuurten", "Gemeentenaam", "SoortRegio", "Codering", "IndelingswijzigingGemeenteWijkBuurt")
THOUSANDS = "x 1 000 euro"
_UNITS = {"count": "aantal", "percent": "%", "km": "km", "per_1000": "per 1 000 inwoners", "per_household": "aantal"}


def kwb_items(values: list[IndicatorValues]) -> list[IndicatorValues]:
    """The items the KWB files carry: a ``cbs_key`` at buurt level whose denominator the demo also has."""
    keys = {v.indicator.cbs_key for v in values if v.indicator.unit == "count" and v.indicator.cbs_key}
    return [
        v
        for v in values
        if v.indicator.cbs_key
        and v.parts[0].level == "buurt"
        and (v.indicator.cbs_denominator is None or v.indicator.cbs_denominator in keys)
        and {p.level for p in v.parts} <= set(CBS_LEVELS)
    ]


def _key_names(stems: list[str], year: int) -> dict[str, str]:
    """Stem -> key with a numeric suffix; the numbering shifts from year to year, as CBS's does."""
    shift = (2024 - year) % 4
    names = {"WijkenEnBuurten": "WijkenEnBuurten"}
    for i, stem in enumerate(stems[1:], start=1):
        names[stem] = f"{stem}_{i if i < len(REGION_KEYS) else i + shift}"
    return names


def _level_arrays(item: IndicatorValues, counts: dict[str, np.ndarray], h: Hierarchy, weights: np.ndarray) -> dict:
    """Per CBS level: the values (years × areas) as CBS would publish them, in the unit CBS uses."""
    ind = item.indicator
    base = item.parts[0].values
    own = {p.level: p.values for p in item.parts}
    out: dict[str, np.ndarray] = {}
    if ind.cbs_denominator:
        denominator = counts[ind.cbs_denominator]
        buurt = np.round(base / SHARE_UNITS[ind.unit] * denominator)
        for level in CBS_LEVELS:
            out[level] = np.nan_to_num(buurt) @ h.link("buurt", level) if level != "buurt" else buurt
        return out
    for level in CBS_LEVELS:
        if level in own:
            out[level] = own[level]
        elif ind.unit == "count":
            out[level] = np.nan_to_num(base) @ h.link("buurt", level)
        else:
            out[level] = weighted_mean(base, weights, h.link("buurt", level))
    if ind.unit == "euro":
        out = {k: v / 1000.0 for k, v in out.items()}
    return out


def _cell(value: float, decimals: int) -> int | float | None:
    if not np.isfinite(value):
        return None
    return round(float(value)) if decimals == 0 else round(float(value), decimals)


def _decimals(item: IndicatorValues) -> int:
    ind = item.indicator
    if ind.unit == "count" or ind.cbs_denominator:
        return 0
    if ind.unit == "euro":
        return 0 if "woz" in ind.id else 1
    return ind.decimals


def _properties(stems: list[str], keys: dict[str, str], items: dict[str, IndicatorValues]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [{"Type": "GeoDetail", "Key": "WijkenEnBuurten", "Title": "Wijken en buurten"}]
    for stem in stems[1:]:
        item = items.get(stem)
        if item is None:
            unit = "code" if stem in ("Codering", "IndelingswijzigingGemeenteWijkBuurt") else "omschrijving"
            rows.append({"Type": "Topic", "Key": keys[stem], "Title": stem, "Datatype": "String", "Unit": unit})
            continue
        ind = item.indicator
        unit = THOUSANDS if ind.unit == "euro" else ("aantal" if ind.cbs_denominator else _UNITS.get(ind.unit, ""))
        rows.append({"Type": "Topic", "Key": keys[stem], "Title": ind.title, "Datatype": "Double", "Unit": unit})
    return rows


class KwbRecords:
    """The cbsodata records of one gemeente, its wijken and buurten, per year, from the demo's values."""

    def __init__(self, values: list[IndicatorValues], traits: BuurtTraits, h: Hierarchy, reference: Reference):
        items = kwb_items(values)
        self.ids = {i.indicator.id for i in items}
        self.by_key = {i.indicator.cbs_key: i for i in items if i.indicator.cbs_key}
        counts = {k: i.parts[0].values for k, i in self.by_key.items() if i.indicator.unit == "count"}
        weights = traits.population.astype(np.float64)
        self.arrays = {k: _level_arrays(i, counts, h, weights) for k, i in self.by_key.items()}
        self.stems = [*REGION_KEYS, *self.by_key]
        self.hierarchy = h
        self.naam = reference.naam
        self.names = {
            "gemeente": {reference.gemeente: reference.naam},
            "wijk": dict(zip(reference.wijken.wijkcode, reference.wijken.wijknaam, strict=True)),
            "buurt": dict(zip(reference.buurten.buurtcode, reference.buurten.buurtnaam, strict=True)),
        }

    def records(self, y: int, first_id: int = 0) -> list[dict[str, Any]]:
        """The records of year ``YEARS[y]``, numbered (``ID``) from ``first_id``."""
        keys = _key_names(self.stems, YEARS[y])
        records: list[dict[str, Any]] = []
        for level in CBS_LEVELS:
            for a, code in enumerate(self.hierarchy.codes(level)):
                record: dict[str, Any] = {
                    "ID": first_id + len(records),
                    keys["WijkenEnBuurten"]: self.names[level].get(str(code), str(code)),
                    keys["Gemeentenaam"]: self.naam.ljust(40),
                    keys["SoortRegio"]: SOORT[level].ljust(10),
                    keys["Codering"]: str(code).ljust(10),
                    keys["IndelingswijzigingGemeenteWijkBuurt"]: "1",
                }
                for stem, item in self.by_key.items():
                    record[keys[stem]] = _cell(self.arrays[stem][level][y, a], _decimals(item))
                records.append(record)
        return records

    def properties(self, y: int) -> list[dict[str, Any]]:
        """The ``DataProperties`` of year ``YEARS[y]``."""
        return _properties(self.stems, _key_names(self.stems, YEARS[y]), self.by_key)


def kwb_json(rows: list[dict[str, Any]]) -> str:
    """A record or properties file's text, as the demo writes it."""
    return json.dumps(rows, ensure_ascii=False, indent=0) + "\n"


def kwb_paths(folder: Path, y: int) -> tuple[Path, Path]:
    """The record file and the DataProperties file of year ``YEARS[y]`` in ``folder``."""
    table = KWB_TABLES[YEARS[y]]
    return folder / f"kwb_{YEARS[y]}_{table}.json", folder / f"{table}_DataProperties.json"


def kwb_entry(path: Path, y: int, label: str) -> dict[str, Any]:
    """The sources entry of one year's record file (``path`` as the sources file names it)."""
    return {"path": str(path), "format": "cbsodata", "table": KWB_TABLES[YEARS[y]], "source": label}


def write_kwb(
    folder: Path, values: list[IndicatorValues], traits: BuurtTraits, h: Hierarchy, reference: Reference, label: str
) -> tuple[list[dict[str, Any]], set[str]]:
    """Write the record files and DataProperties per year; returns their sources entries and the ids they carry."""
    kwb = KwbRecords(values, traits, h, reference)
    if not kwb.ids:
        return [], set()
    entries = []
    for y in range(len(YEARS)):
        path, properties = kwb_paths(folder, y)
        path.write_text(kwb_json(kwb.records(y)), encoding="utf-8")
        properties.write_text(kwb_json(kwb.properties(y)), encoding="utf-8")
        entries.append(kwb_entry(Path(path.name), y, label))
    return entries, kwb.ids
