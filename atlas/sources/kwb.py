"""CBS Kerncijfers wijken en buurten (KWB) as recorded from ``cbsodata.get_data``.

Sources file entry::

    - {path: kwb_2024_GM0193.json, format: cbsodata, table: 85984NED}      # year: 2024 optional

The file is the JSON list of records ``cbsodata.get_data(table)`` returns: keys such as ``WijkenEnBuurten``,
``SoortRegio_2``, ``Codering_3``, ``AantalInwoners_5``; codes and labels padded with spaces; numbers as numbers
(typed) or as text (untyped). The importer

- strips the numeric suffix of every key (``AantalInwoners_5`` → ``AantalInwoners``; the suffix differs per year);
- takes the area code from ``Codering`` (``cbsodata`` turns ``WijkenEnBuurten`` into the area's *name*), else from
  ``WijkenEnBuurten``, stripped; rows of other regions (``NL00``) are skipped;
- maps measures to registry indicators through each indicator's ``cbs_key``, dividing by ``cbs_denominator`` where
  the registry says so (× 100 for percent, × 1000 per 1 000);
- converts units: a measure in "x 1 000 euro" (incomes, WOZ) is multiplied by 1 000. The unit comes from the table's
  DataProperties when they lie next to the records (``<table>_DataProperties.json``, as ``atlas fetch cbs`` writes
  them), else from :data:`KNOWN_UNITS`;
- keeps CBS's secrecy and missing markers missing: ``None``, ``"."``, ``"x"``, ``""``, ``"-"``, ``"?"`` and the
  ``-99995 … -99999`` codes of older exports.

The period is the table's year: ``year`` in the entry, else :data:`KWB_TABLES`.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atlas.checks import decode_utf8, resolve_inside
from atlas.codes import CBS_CODE
from atlas.errors import SourcesError
from atlas.findings import Findings
from atlas.layers.registry import SHARE_UNITS, Registry
from atlas.sources.spec.indicators import IndicatorSource
from atlas.sources.tables import MISSING_MARKERS, RAW_COLUMNS, empty_raw

KWB_TABLES: dict[int, str] = {
    2019: "84583NED",
    2020: "84799NED",
    2021: "85039NED",
    2022: "85318NED",
    2023: "85618NED",
    2024: "85984NED",
    2025: "86165NED",
}
"""The StatLine table of the Kerncijfers wijken en buurten per year."""
YEAR_OF_TABLE = {table: year for year, table in KWB_TABLES.items()}

KNOWN_UNITS: dict[str, str] = {
    "GemiddeldeWOZWaardeVanWoningen": "x 1 000 euro",
    "GemiddeldInkomenPerInkomensontvanger": "x 1 000 euro",
    "GemiddeldInkomenPerInwoner": "x 1 000 euro",
    "GemGestandaardiseerdInkomenVanHuish": "x 1 000 euro",
    "MediaanVermogenVanParticuliereHuish": "x 1 000 euro",
}
"""Units of KWB measures that need converting, as 85984NED's DataProperties give them (used without DataProperties)."""

_SUFFIX = re.compile(r"_\d+$")
_SECRET_CODES = range(-99999, -99994)
_FACTORS = {"x 1 000": 1_000.0, "x 1 000 000": 1_000_000.0, "x 1 mln": 1_000_000.0, "x 1 miljoen": 1_000_000.0}


def stem(key: str) -> str:
    """A cbsodata key without its numeric suffix: ``AantalInwoners_5`` → ``AantalInwoners``."""
    return _SUFFIX.sub("", key)


def unit_factor(unit: str | None) -> float:
    """The factor a CBS unit text asks for: "x 1 000 euro" → 1000; anything else → 1."""
    if not unit:
        return 1.0
    text = " ".join(unit.lower().split())
    for prefix, factor in sorted(_FACTORS.items(), key=lambda kv: -len(kv[0])):
        if text.startswith(prefix):
            return factor
    return 1.0


def properties_path(records: Path, table: str) -> Path:
    """Where the DataProperties of ``table`` are expected next to the records."""
    return records.with_name(f"{table}_DataProperties.json")


def read_units(records: Path, table: str) -> dict[str, str]:
    """Unit per key stem: from the DataProperties next to the records, else :data:`KNOWN_UNITS`."""
    path = properties_path(records, table)
    if not path.is_file():
        return dict(KNOWN_UNITS)
    try:  # the records lie where the sources file allows; a link beside them must not lead elsewhere
        path = resolve_inside(records.parent, path.name)
    except ValueError:
        raise SourcesError(
            "leads outside the folder of the records (a symbolic link?); put the file itself beside them", file=path
        ) from None
    try:
        properties = json.loads(decode_utf8(path.read_bytes(), path, SourcesError))
    except (OSError, ValueError) as exc:
        raise SourcesError(f"cannot read DataProperties: {exc}", file=path) from None
    if not isinstance(properties, list):
        raise SourcesError("expected a JSON list of DataProperties entries", file=path)
    return {
        stem(str(p["Key"])): str(p.get("Unit") or "")
        for p in properties
        if isinstance(p, dict) and p.get("Key") and p.get("Type") == "Topic"
    }


def parse_cell(value: Any, *, file: Path, row: int, key: str) -> float:
    """One measure: a number, or NaN for CBS's secrecy and missing markers."""
    if value is None:
        return math.nan
    if isinstance(value, bool):
        raise SourcesError(f"{value!r} is not a number", file=file, row=row, field=key)
    if isinstance(value, int | float):
        number = float(value)
    else:
        text = str(value).strip()
        if text.lower() in MISSING_MARKERS:
            return math.nan
        try:
            number = float(text.replace(",", "."))
        except ValueError:
            raise SourcesError(f"{value!r} is not a number", file=file, row=row, field=key) from None
    if not math.isfinite(number) or (number.is_integer() and int(number) in _SECRET_CODES):
        return math.nan
    return number


def read_records(path: Path) -> list[dict[str, Any]]:
    """The JSON list of records, with key suffixes stripped."""
    try:
        data = json.loads(decode_utf8(path.read_bytes(), path, SourcesError))
    except (OSError, ValueError) as exc:
        raise SourcesError(f"cannot read cbsodata records: {exc}", file=path) from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise SourcesError("expected a JSON list of records as cbsodata.get_data returns them", file=path)
    records = []
    for i, record in enumerate(data):
        normal: dict[str, Any] = {}
        for key, value in record.items():
            short = stem(str(key))
            if short in normal:
                raise SourcesError(f"two keys share the stem {short!r}", file=path, row=i + 1, field=str(key))
            normal[short] = value
        records.append(normal)
    return records


def _code(record: dict[str, Any], column: str) -> str:
    for key in ("Codering", column):
        value = record.get(key)
        if isinstance(value, str) and CBS_CODE.match(value.strip().upper()):
            return value.strip().upper()
    return ""


def _year(source: IndicatorSource) -> int:
    if source.year is not None:
        return source.year
    table = (source.table or "").upper()
    if table in YEAR_OF_TABLE:
        return YEAR_OF_TABLE[table]
    raise SourcesError(
        f"unknown KWB table {source.table!r}; give 'year' (known: "
        + ", ".join(f"{y} {t}" for y, t in KWB_TABLES.items())
        + ")",
        file=source.path,
        entry=source.entry,
        field="year",
    )


def read_cbsodata(source: IndicatorSource, registry: Registry, findings: Findings | None = None) -> pd.DataFrame:
    """The registry's KWB indicators from one recorded table, in :data:`RAW_COLUMNS`."""
    path = source.path
    table = (source.table or "").upper()
    period = str(_year(source))
    records = read_records(path)
    units = read_units(path, table)
    present = set().union(*(r.keys() for r in records)) if records else set()
    wanted = [
        i
        for i in registry
        if i.cbs_key and i.cbs_key in present and (not i.cbs_denominator or i.cbs_denominator in present)
    ]
    rows: list[dict[str, Any]] = []
    for number, record in enumerate(records, start=1):
        code = _code(record, source.code)
        if not code:
            continue
        for ind in wanted:
            assert ind.cbs_key is not None
            value = parse_cell(record.get(ind.cbs_key), file=path, row=number, key=ind.cbs_key)
            value *= unit_factor(units.get(ind.cbs_key))
            n = math.nan
            if ind.cbs_denominator:
                denominator = parse_cell(
                    record.get(ind.cbs_denominator), file=path, row=number, key=ind.cbs_denominator
                )
                value = value / denominator * SHARE_UNITS[ind.unit] if denominator > 0 else math.nan
                n = denominator
            rows.append(
                {
                    "indicator": ind.id,
                    "code": code,
                    "period": period,
                    "value": value,
                    "n": n,
                    "source": source.source or ind.source,
                    "file": path.name,
                    "row": number,
                }
            )
    if not rows:
        return empty_raw()
    frame = pd.DataFrame(rows, columns=RAW_COLUMNS)
    frame["value"] = frame.value.astype(np.float64)
    frame["n"] = frame.n.astype(np.float64)
    return frame
