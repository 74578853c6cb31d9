"""Split the demo values into files in the real input formats, and describe each for the sources file.

- Buurt-voor-Buurt: one wide XLSX with a ``jaar`` column, styled after Zwolle's Zebra export (``GEOITEM``,
  ``jaar``, ``buurtcode``, ``buurtnaam``, ``b_*`` variables and their respondent counts ``b_n*``);
- GGD monitor, CBS context and every other source: long CSVs (``code, indicator, year, value, n``).

Empty cells are missing values, never 0.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atlas.demo.reference import Reference
from atlas.demo.traits import YEARS
from atlas.demo.values import IndicatorValues, long_table
from atlas.demo.xlsx import write_xlsx

DEMO = "synthetische demodata"
BVB_FILE = "buurtvoorbuurt_2019_2024.xlsx"
BVB_SHEET = "buurtvoorbuurt"
LABELS = {
    "bvb": f"Buurt-voor-Buurt-onderzoek gemeente Zwolle ({DEMO})",
    "ggd": f"GGD IJsselland, Gezondheidsmonitor ({DEMO})",
    "cbs": f"CBS Kerncijfers wijken en buurten ({DEMO})",
}
LONG_FILES = {"bvb": "buurtvoorbuurt_overig", "ggd": "ggd_gezondheidsmonitor", "cbs": "cbs_kerncijfers"}
"""File stems (``.csv``) of the long files per family."""
REGISTRATIONS = ("registraties", f"Registraties gemeente Zwolle ({DEMO})")
GROEN = ("groen", f"Bomen, kroonraster, parken en adressen; berekend door de atlas ({DEMO})")

BVB_CODES: dict[str, str] = {
    # real variables of the Zebra / Buurt-voor-Buurt export
    "vrijwilligerswerk": "b_mivrij",
    "eenzaamheid": "b_sceenz",
    "mantelzorg": "b_mimant",
    "verbonden_buurt": "b_shecht",
    "betrokken_openbare_ruimte": "b_fbetrv",
    "voorzieningen_score": "b_vzrvrz",
    "vertrouwen_buurt": "b_scoh",
    "maatschappelijke_betrokkenheid": "b_miinz",
    "inzet_buurt": "b_miinzb",
    # new questions (invented codes in the same style)
    "persoonlijke_relaties": "b_screl",
    "gerespecteerd_buurt": "b_sresp",
    "huisvesting_passend": "b_wpasw",
    "veilig_buurt": "b_vhveil",
    "terugvallen_netwerk": "b_scterug",
}
"""Buurt-voor-Buurt variable codes; ids not listed get an invented ``b_*`` code from their id."""


def _invented_code(ident: str, taken: set[str]) -> str:
    words = [w for w in re.split(r"[^a-z0-9]+", ident.lower()) if w and w != "bvb"]
    stem = "b_" + "".join(w[:3] for w in words)[:9]
    code, i = stem, 2
    while code in taken:
        code, i = f"{stem}{i}", i + 1
    return code


def bvb_codes(idents: list[str]) -> dict[str, str]:
    """A distinct ``b_*`` column per indicator id: the real code where one exists."""
    codes: dict[str, str] = {}
    taken: set[str] = set()
    for ident in idents:
        code = BVB_CODES.get(ident)
        if code is None or code in taken:
            code = _invented_code(ident, taken)
        codes[ident] = code
        taken.add(code)
    return codes


def respondents_column(code: str) -> str:
    """The respondent count of a ``b_*`` variable, as in the Zebra export (``b_mivrij`` → ``b_nmivrij``)."""
    return "b_n" + code.removeprefix("b_")


def _cell(value: float, decimals: int) -> float | int | None:
    if np.isnan(value):
        return None
    return round(float(value)) if decimals == 0 else round(float(value), decimals)


def _text(value: float, decimals: int) -> str:
    return "" if np.isnan(value) else f"{value:.{decimals}f}"


def _fits_wide(item: IndicatorValues) -> bool:
    return len(item.parts) == 1 and item.parts[0].level == "buurt"


def write_bvb(folder: Path, items: list[IndicatorValues], reference: Reference) -> dict[str, Any]:
    """The wide Buurt-voor-Buurt workbook (buurt rows for every year) and its sources entry."""
    codes = bvb_codes([item.indicator.id for item in items])
    names = dict(zip(reference.buurten.buurtcode, reference.buurten.buurtnaam, strict=True))
    buurtcodes = [str(code) for code in items[0].parts[0].codes]
    header = ["GEOITEM", "jaar", "buurtcode", "buurtnaam"]
    header += [codes[i.indicator.id] for i in items]
    header += [respondents_column(codes[i.indicator.id]) for i in items]
    rows = []
    for y, year in enumerate(YEARS):
        for b, buurtcode in enumerate(buurtcodes):
            row: list[Any] = [int(buurtcode[6:9]), year, buurtcode, names[buurtcode]]
            row += [_cell(i.parts[0].values[y, b], _decimals(i)) for i in items]
            row += [_cell(_n(i)[y, b], 0) for i in items]
            rows.append(row)
    write_xlsx(folder / BVB_FILE, BVB_SHEET, header, rows)
    columns = {
        codes[i.indicator.id]: {
            "indicator": i.indicator.id,
            "n": respondents_column(codes[i.indicator.id]),
        }
        for i in items
    }
    return {
        "path": BVB_FILE,
        "format": "wide",
        "source": LABELS["bvb"],
        "sheet": BVB_SHEET,
        "code": "buurtcode",
        "year_column": "jaar",
        "columns": columns,
    }


def _n(item: IndicatorValues) -> np.ndarray:
    part = item.parts[0]
    return part.n.astype(np.float64) if part.n is not None else np.full(part.values.shape, np.nan)


def write_long(path: Path, items: list[IndicatorValues], label: str) -> dict[str, Any]:
    """A long CSV (``code, indicator, year, value, n``) and its sources entry."""
    table = long_table(items)
    decimals = {i.indicator.id: _decimals(i) for i in items}
    out = pd.DataFrame(
        {
            "code": table.code,
            "indicator": table.indicator,
            "year": table.year,
            "value": [_text(v, decimals[i]) for v, i in zip(table.value, table.indicator, strict=True)],
            "n": [_text(n, 0) for n in table.n],
        }
    )
    out.to_csv(path, index=False, lineterminator="\n")
    return {"path": path.name, "format": "long", "source": label}


def _decimals(item: IndicatorValues) -> int:
    """Counts are whole numbers; everything else keeps the registry's decimals."""
    return 0 if item.indicator.unit == "count" else item.indicator.decimals


def _slug(text: str) -> str:
    head = re.split(r"[,;(]", text)[0]
    return re.sub(r"[^a-z0-9]+", "_", head.lower()).strip("_")[:32] or "bron"


def _long_file(item: IndicatorValues) -> tuple[str, str]:
    """File stem and source label of a long file: per family, registrations, groen, or per source."""
    if item.family in LONG_FILES:
        return LONG_FILES[item.family], LABELS[item.family]
    source = item.indicator.source
    if item.indicator.theme == "groen":
        return GROEN
    if source.lower().startswith("registratie"):
        return REGISTRATIONS
    return f"overig_{_slug(source)}", f"{source} ({DEMO})"


def _unique_names(stems: list[str]) -> list[str]:
    """``stem.csv``, or ``stem_2.csv`` when two sources would share a name."""
    names: list[str] = []
    for stem in stems:
        name, i = f"{stem}.csv", 2
        while name in names:
            name, i = f"{stem}_{i}.csv", i + 1
        names.append(name)
    return names


def write_indicator_files(folder: Path, values: list[IndicatorValues], reference: Reference) -> list[dict[str, Any]]:
    """Every indicator file; returns their entries for the sources file, in the order written."""
    entries: list[dict[str, Any]] = []
    bvb_wide = [v for v in values if v.family == "bvb" and _fits_wide(v)]
    if bvb_wide:
        entries.append(write_bvb(folder, bvb_wide, reference))
    groups: dict[tuple[str, str], list[IndicatorValues]] = {}
    for item in values:
        if not (item.family == "bvb" and _fits_wide(item)):
            groups.setdefault(_long_file(item), []).append(item)
    names = _unique_names([stem for stem, _ in groups])
    for name, ((_, label), items) in zip(names, groups.items(), strict=True):
        entries.append(write_long(folder / name, items, label))
    return entries
