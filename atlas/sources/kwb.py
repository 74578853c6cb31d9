"""CBS Kerncijfers wijken en buurten (KWB) as recorded from ``cbsodata.get_data``.

Sources file entry::

    - {path: kwb_2024_GM0193.json, format: cbsodata, table: 85984NED}      # year: 2024 optional

The file is the JSON list of records ``cbsodata.get_data(table)`` returns, the whole table or part of it: keys such
as ``WijkenEnBuurten``, ``SoortRegio_2``, ``Codering_3``, ``AantalInwoners_5``; codes and labels padded with spaces;
numbers as numbers (typed) or as text (untyped). The importer

- matches registry indicators to keys by the key's *stem*, the key without its numeric suffix
  (``AantalInwoners_5`` → ``AantalInwoners``; the suffix differs per year). Where several keys of a table share a
  stem (85984NED has ``Nederland_17`` under *Herkomstland* and ``Nederland_20`` under *Geboren in Nederland*), the
  registry says which one it means with ``cbs_key: {stem: Nederland, group: Herkomstland}``: ``group`` is (part of)
  the title of a TopicGroup above the key in the table's DataProperties. An ambiguous stem without a group, or with a
  group that does not pick exactly one key, is an error that lists the candidates with their groups;
- takes the area code from ``Codering`` (``cbsodata`` turns ``WijkenEnBuurten`` into the area's *name*), else from
  ``WijkenEnBuurten``, stripped. Records of regions above the gemeente (``NL00``) are not used (an ``info``
  finding); records without a usable area code are not used either (a ``dropped_rows`` warning with examples);
- maps measures to registry indicators through each indicator's ``cbs_key``, dividing by ``cbs_denominator`` where
  the registry says so (× 100 for percent, × 1000 per 1 000). A key an indicator names that the table lacks is a
  ``missing_columns`` warning; the table's measures no indicator uses are counted in one ``unused_columns`` info;
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atlas.checks import decode_utf8, resolve_inside
from atlas.codes import CBS_CODE
from atlas.errors import SourcesError
from atlas.findings import Findings
from atlas.layers.registry import SHARE_UNITS, Indicator, Registry
from atlas.sources.ranges import check_ranges
from atlas.sources.spec.indicators import IndicatorSource
from atlas.sources.tables import MISSING_MARKERS, RAW_COLUMNS, empty_raw, no_data_rows

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

DIMENSION_STEMS: tuple[str, ...] = (
    "ID",
    "WijkenEnBuurten",
    "Gemeentenaam",
    "SoortRegio",
    "Codering",
    "IndelingswijzigingGemeenteWijkBuurt",
)
"""Keys that say which region a record is (its *Regioaanduiding*), not measures: never reported as unused."""

EXAMPLES = 5
"""How many examples a finding names."""

_REGION = re.compile(r"^(NL|LD|PV)\d{2}$")
"""Codes of the regions above the gemeente in CBS tables: the country (NL00), landsdelen, provincies."""
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


@dataclass(frozen=True)
class KeyInfo:
    """What a table's DataProperties say about one key."""

    key: str
    title: str = ""
    unit: str = ""
    groups: tuple[str, ...] = ()
    """Titles of the TopicGroups above the key, outermost first: ``("Bevolking", ..., "Herkomstland")``."""

    @property
    def where(self) -> str:
        return " > ".join(self.groups) if self.groups else "no group"


def _normal(text: str) -> str:
    return " ".join(text.split()).casefold()


def in_group(group: str, info: KeyInfo) -> bool:
    """Whether ``group`` is (part of) the title of a TopicGroup above the key, ignoring case and spacing."""
    wanted = _normal(group)
    return any(wanted in _normal(title) for title in info.groups)


def read_properties(records: Path, table: str) -> dict[str, KeyInfo] | None:
    """The Topics of the DataProperties next to the records (key → title, unit, groups); None when absent."""
    path = properties_path(records, table)
    if not path.is_file():
        return None
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
    if not isinstance(properties, list) or not all(isinstance(p, dict) for p in properties):
        raise SourcesError("expected a JSON list of DataProperties entries", file=path)
    groups = {p.get("ID"): p for p in properties if p.get("Type") == "TopicGroup" and p.get("ID") is not None}

    def chain(parent: Any, index: int) -> tuple[str, ...]:
        titles: list[str] = []
        seen: set[Any] = set()
        while parent is not None and parent in groups:  # a subset of the DataProperties may lack a group
            if parent in seen:
                raise SourcesError("the chain of TopicGroups loops", file=path, row=index + 1, field="ParentID")
            seen.add(parent)
            titles.append(str(groups[parent].get("Title") or "").strip())
            parent = groups[parent].get("ParentID")
        return tuple(reversed(titles))

    topics: dict[str, KeyInfo] = {}
    for i, p in enumerate(properties):
        if p.get("Type") != "Topic" or not p.get("Key"):
            continue
        key = str(p["Key"])
        title = str(p.get("Title") or "").strip()
        topics[key] = KeyInfo(key, title, str(p.get("Unit") or "").strip(), chain(p.get("ParentID"), i))
    return topics


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
    """The JSON list of records, keys as cbsodata gives them (suffixes kept: stems may be shared)."""
    try:
        data = json.loads(decode_utf8(path.read_bytes(), path, SourcesError))
    except (OSError, ValueError) as exc:
        raise SourcesError(f"cannot read cbsodata records: {exc}", file=path) from None
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        raise SourcesError("expected a JSON list of records as cbsodata.get_data returns them", file=path)
    return data


@dataclass(frozen=True)
class KwbTable:
    """The keys of one recorded table and, when they lie beside it, its DataProperties."""

    path: Path
    table: str
    keys: tuple[str, ...]
    """Every key of the records, in the order the records have them."""
    properties: Mapping[str, KeyInfo] | None
    """Per key what the DataProperties say; None when there are no DataProperties beside the records."""

    @classmethod
    def read(cls, path: Path, table: str, records: Sequence[dict[str, Any]]) -> KwbTable:
        keys = dict.fromkeys(str(k) for record in records for k in record)
        return cls(path, table, tuple(keys), read_properties(path, table))

    def with_stem(self, short: str) -> list[str]:
        return [k for k in self.keys if stem(k) == short]

    def first(self, short: str) -> str | None:
        """The (first) key of a dimension stem such as ``Codering``."""
        keys = self.with_stem(short)
        return keys[0] if keys else None

    def info(self, key: str) -> KeyInfo:
        return (self.properties or {}).get(key) or KeyInfo(key)

    def unit(self, key: str) -> str:
        """The key's unit: from the DataProperties, else :data:`KNOWN_UNITS`."""
        info = (self.properties or {}).get(key)
        return info.unit if info is not None else KNOWN_UNITS.get(stem(key), "")

    def describe(self, keys: Sequence[str]) -> str:
        return "; ".join(f"{k} ({self.info(k).where})" for k in keys)

    def resolve(self, short: str, group: str | None, ind: Indicator, field: str, registry: Registry) -> str | None:
        """The one key ``short`` (and ``group``) means in this table; None when the table has no such key.

        Raises :class:`SourcesError` when the stem is shared by several keys and ``group`` does not pick one.
        """
        candidates = self.with_stem(short)
        if not candidates:
            return None
        if len(candidates) == 1 and (group is None or self.properties is None):
            return candidates[0]
        asked = f"{field} {short!r}" if group is None else f"{field} {{stem: {short}, group: {group}}}"
        start = f"indicator {ind.id!r} of {registry.path.name} asks for {asked}; "
        if self.properties is None:
            raise SourcesError(
                start + f"{len(candidates)} keys of table {self.table} share that stem ({', '.join(candidates)}) "
                "and only the table's DataProperties say which is which: put "
                f"{properties_path(self.path, self.table).name} beside the records (as 'atlas fetch cbs' writes "
                f"it, from cbsodata.get_meta('{self.table}', 'DataProperties'))",
                file=self.path,
                field=field,
            )
        if group is None:
            example = self._distinct_group(candidates[0], candidates)
            raise SourcesError(
                start + f"{len(candidates)} keys of table {self.table} share that stem: {self.describe(candidates)}. "
                f"Say which one in {registry.path.name}, e.g. {field}: {{stem: {short}, group: {example}}}",
                file=self.path,
                field=field,
            )
        chosen = [k for k in candidates if in_group(group, self.info(k))]
        if len(chosen) == 1:
            return chosen[0]
        problem = "no key with that stem lies" if not chosen else f"{len(chosen)} keys with that stem lie"
        raise SourcesError(
            start + f"in table {self.table} {problem} in a group titled like {group!r}; the keys with that stem: "
            f"{self.describe(candidates)}",
            file=self.path,
            field=field,
        )

    def _distinct_group(self, key: str, candidates: Sequence[str]) -> str:
        """A group title of ``key`` that picks it and no other candidate (to suggest in a message)."""
        others = [self.info(k) for k in candidates if k != key]
        own = [t for t in self.info(key).groups if not any(in_group(t, other) for other in others)]
        return own[-1] if own else "<group title>"


def _first_match(record: dict[str, Any], keys: Sequence[str], pattern: re.Pattern[str]) -> str:
    """The first of ``keys`` whose (stripped, upper-case) text matches ``pattern``, or ""."""
    for key in keys:
        value = record.get(key)
        if isinstance(value, str) and pattern.match(value.strip().upper()):
            return value.strip().upper()
    return ""


def _code(record: dict[str, Any], keys: Sequence[str]) -> str:
    """The area code of a gemeente, wijk or buurt record, or ""."""
    return _first_match(record, keys, CBS_CODE)


def _region(record: dict[str, Any], keys: Sequence[str]) -> str:
    """The code of a region above the gemeente (``NL00``), or ""."""
    return _first_match(record, keys, _REGION)


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


@dataclass(frozen=True)
class _Measure:
    """One registry indicator and the keys of this table it is read from."""

    indicator: Indicator
    key: str
    denominator: str | None


def _measures(kwb: KwbTable, registry: Registry, findings: Findings | None) -> list[_Measure]:
    """The registry's KWB indicators this table has, with their keys; keys the table lacks are reported."""
    measures = []
    lacking: list[tuple[Indicator, list[tuple[str, str]]]] = []
    for ind in registry:
        if not ind.cbs_key:
            continue
        key = kwb.resolve(ind.cbs_key, ind.cbs_group, ind, "cbs_key", registry)
        denominator = None
        if ind.cbs_denominator:
            denominator = kwb.resolve(ind.cbs_denominator, ind.cbs_denominator_group, ind, "cbs_denominator", registry)
        absent = [
            (field, short)
            for field, short, found in (
                ("cbs_key", ind.cbs_key, key),
                ("cbs_denominator", ind.cbs_denominator, denominator),
            )
            if short and found is None
        ]
        if absent:
            lacking.append((ind, absent))
            continue
        assert key is not None
        if findings is not None:
            _report_unchecked(kwb, ind, findings, (key, ind.cbs_group), (denominator, ind.cbs_denominator_group))
        measures.append(_Measure(ind, key, denominator))
    if findings is not None:
        _report_lacking(kwb, lacking, findings)
    return measures


MAX_LACKING_ONE_BY_ONE = 3
"""Indicators whose keys a table lacks, reported one by one; more (a stripped table) make one warning."""


def _report_lacking(kwb: KwbTable, lacking: list[tuple[Indicator, list[tuple[str, str]]]], findings: Findings) -> None:
    """``missing_columns``: keys registry indicators name that the table does not have."""
    if len(lacking) <= MAX_LACKING_ONE_BY_ONE:
        for ind, absent in lacking:
            names = " and ".join(f"{short!r} ({field})" for field, short in absent)
            findings.warning(
                "missing_columns",
                f"table {kwb.table} has no key {names} for indicator {ind.id}; it gets no values from this file",
                file=kwb.path.name,
                indicator=ind.id,
                field=absent[0][1],
            )
        return
    listed = ", ".join(f"{ind.id} ({absent[0][1]})" for ind, absent in lacking[:8])
    more = f" and {len(lacking) - 8} more" if len(lacking) > 8 else ""
    findings.warning(
        "missing_columns",
        f"table {kwb.table} lacks the keys of {len(lacking)} indicators that name a CBS key ({listed}{more}); they get "
        "no values from this file (a table with only some of CBS's measures?)",
        file=kwb.path.name,
        count=len(lacking),
    )


def _report_unchecked(kwb: KwbTable, ind: Indicator, findings: Findings, *keys: tuple[str | None, str | None]) -> None:
    """What the DataProperties could not confirm about the keys of an indicator: its group, its unit."""
    properties = properties_path(kwb.path, kwb.table).name
    for key, group in keys:
        if key is None:
            continue
        if kwb.properties is None:
            if group:
                findings.info(
                    "note",
                    f"{key} is the only key with the stem {stem(key)!r}, so it is used for indicator {ind.id}; its "
                    f"group {group!r} is not checked because {properties} is not beside the records",
                    file=kwb.path.name,
                    indicator=ind.id,
                )
        elif key not in kwb.properties:
            unit = KNOWN_UNITS.get(stem(key))
            findings.warning(
                "missing_columns",
                f"{properties} does not describe {key} (indicator {ind.id}): its unit is taken as "
                + (repr(unit) if unit else "given")
                + "; are these the DataProperties of this table?",
                file=properties,
                indicator=ind.id,
                field=key,
            )


def _records(count: int) -> str:
    return f"{count} record" + ("" if count == 1 else "s")


def _examples(items: Sequence[str]) -> str:
    shown = ", ".join(items[:EXAMPLES])
    return shown + (f" and {len(items) - EXAMPLES} more" if len(items) > EXAMPLES else "")


def _report_unused(kwb: KwbTable, measures: Sequence[_Measure], registry: Registry, findings: Findings) -> None:
    used = {m.key for m in measures} | {m.denominator for m in measures if m.denominator}
    measured = [k for k in kwb.keys if stem(k) not in DIMENSION_STEMS]
    unused = [k for k in measured if k not in used]
    if unused:
        findings.info(
            "unused_columns",
            f"{len(unused)} of the {len(measured)} measures of table {kwb.table} are not used: no indicator of "
            f"{registry.path.name} names them as cbs_key or cbs_denominator ({_examples(unused)})",
            file=kwb.path.name,
            count=len(unused),
        )


def read_cbsodata(source: IndicatorSource, registry: Registry, findings: Findings | None = None) -> pd.DataFrame:
    """The registry's KWB indicators from one recorded table, in :data:`RAW_COLUMNS`.

    Doubts go to ``findings``: records that are not used (``dropped_rows``), keys the registry names that the table
    lacks (``missing_columns``) and measures no indicator uses (``unused_columns``).
    """
    path = source.path
    table = (source.table or "").upper()
    period = str(_year(source))
    records = read_records(path)
    if not records:
        no_data_rows(path, findings, what="records")
        return empty_raw()
    kwb = KwbTable.read(path, table, records)
    measures = _measures(kwb, registry, findings)
    code_keys = [k for k in (kwb.first("Codering"), kwb.first(stem(source.code))) if k]
    rows: list[dict[str, Any]] = []
    regions: list[str] = []
    unusable: list[str] = []
    # what is the same for every record, worked out once per measure (a national table has millions of cells)
    factors = [unit_factor(kwb.unit(m.key)) for m in measures]
    sources = [source.source or m.indicator.source for m in measures]
    file = path.name
    for number, record in enumerate(records, start=1):
        code = _code(record, code_keys)
        if not code:
            region = _region(record, code_keys)
            if region:
                regions.append(region)
            else:
                cells = ", ".join(f"{k} {record.get(k)!r}" for k in code_keys) or "no Codering or WijkenEnBuurten"
                unusable.append(f"row {number}: {cells}")
            continue
        for m, factor, cited in zip(measures, factors, sources, strict=True):
            value = parse_cell(record.get(m.key), file=path, row=number, key=m.key)
            value *= factor
            n = math.nan
            if m.denominator:
                denominator = parse_cell(record.get(m.denominator), file=path, row=number, key=m.denominator)
                value = value / denominator * SHARE_UNITS[m.indicator.unit] if denominator > 0 else math.nan
                n = denominator
            rows.append(
                {
                    "indicator": m.indicator.id,
                    "code": code,
                    "period": period,
                    "value": value,
                    "n": n,
                    "source": cited,
                    "file": file,
                    "row": number,
                }
            )
    if findings is not None:
        if regions:
            findings.info(
                "dropped_rows",
                f"{_records(len(regions))} of regions above the gemeente not used "
                f"({_examples(sorted(set(regions)))}): the atlas maps gemeenten, wijken and buurten",
                file=path.name,
                count=len(regions),
            )
        if unusable:
            findings.warning(
                "dropped_rows",
                f"{_records(len(unusable))} without a usable area code (GM…, WK…, BU…) not used "
                f"(e.g. {'; '.join(unusable[:EXAMPLES])})",
                file=path.name,
                count=len(unusable),
            )
        _report_unused(kwb, measures, registry, findings)
    if not rows:
        return empty_raw()
    frame = pd.DataFrame(rows, columns=RAW_COLUMNS)
    frame["value"] = frame.value.astype(np.float64)
    frame["n"] = frame.n.astype(np.float64)
    for m in measures:
        part = frame[frame.indicator == m.indicator.id]
        check_ranges(part, registry, findings, path, m.key, m.denominator)
    return frame
