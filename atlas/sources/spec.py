"""The sources file: which input files a build reads, and how.

The file is YAML; paths in it are relative to the file itself. It is parsed once into frozen dataclasses, and every
problem names the file, the entry and the field::

    gemeente: GM0193
    naam: Zwolle                     # optional; else taken from the boundaries
    areas:
      buurt: {path: buurten.geojson, code: buurtcode, name: buurtnaam, parent: wijkcode}
      wijk: {path: wijken.geojson, code: wijkcode, name: wijknaam}      # optional
      stadsdelen: {path: stadsdelen.csv}
    indicators:
      - {path: x.csv, format: long}
      - {path: y.xlsx, format: wide, code: buurtcode, year: 2024, columns: {b_mivrij: vrijwilligerswerk}}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas.checks import Entry, load_yaml
from atlas.errors import SourcesError

AREA_FORMATS = ("cbs-gpkg", "cbs-shp", "file")
INDICATOR_FORMATS = ("long", "wide", "cbsodata")
GEMEENTE_CODE = re.compile(r"^GM\d{4}$")


@dataclass(frozen=True)
class AreaSource:
    """One boundary file. ``format`` is ``cbs-gpkg``, ``cbs-shp`` or ``file`` (columns named here)."""

    path: Path
    format: str = "file"
    code: str | None = None
    name: str | None = None
    parent: str | None = None
    layer: str | None = None
    water: str | None = None


@dataclass(frozen=True)
class StadsdelenSource:
    """CSV with columns ``wijkcode,stadsdeel`` (and optionally ``stadsdeelcode``)."""

    path: Path


@dataclass(frozen=True)
class ColumnMap:
    """One source column of a wide file: the indicator it holds and, optionally, its respondents column."""

    indicator: str
    n: str | None = None


@dataclass(frozen=True)
class IndicatorSource:
    """One indicator file: ``long`` (code, indicator, year, value, n), ``wide`` or ``cbsodata``."""

    entry: str
    path: Path
    format: str
    source: str | None = None
    code: str = "code"
    year: int | None = None
    year_column: str | None = None
    n: str | None = None
    sheet: str | None = None
    table: str | None = None
    columns: dict[str, ColumnMap] = field(default_factory=dict)


@dataclass(frozen=True)
class AreasSpec:
    buurt: AreaSource
    wijk: AreaSource | None = None
    stadsdelen: StadsdelenSource | None = None


@dataclass(frozen=True)
class SourcesSpec:
    path: Path
    gemeente: str
    areas: AreasSpec
    naam: str | None = None
    demo: bool = False
    indicators: tuple[IndicatorSource, ...] = ()
    groen: dict[str, Any] | None = None
    stapeling: dict[str, Any] | None = None
    privacy: dict[str, Any] | None = None

    def input_files(self) -> list[Path]:
        """Every file this spec names, for the manifest."""
        files = [self.path, self.areas.buurt.path]
        if self.areas.wijk is not None:
            files.append(self.areas.wijk.path)
        if self.areas.stadsdelen is not None:
            files.append(self.areas.stadsdelen.path)
        files.extend(source.path for source in self.indicators)
        return files


_TOP = ("gemeente", "naam", "demo", "areas", "indicators", "groen", "stapeling", "privacy")


def _entry(file: Path, entry: str, data: Any, allowed: tuple[str, ...]) -> Entry:
    return Entry(file, entry, data, allowed, error=SourcesError)


def _area(file: Path, entry: str, raw: Any, *, needs_parent: bool) -> AreaSource:
    e = _entry(file, entry, raw, ("path", "format", "code", "name", "parent", "layer", "water"))
    fmt = e.choice("format", AREA_FORMATS, "file")
    source = AreaSource(
        path=e.path(),
        format=fmt,
        code=e.text("code"),
        name=e.text("name"),
        parent=e.text("parent"),
        layer=e.text("layer"),
        water=e.text("water"),
    )
    if fmt == "file":
        for key in ("code", "name") + (("parent",) if needs_parent else ()):
            if getattr(source, key) is None:
                raise e.fail(key, "is required for format 'file' (the column that holds it)")
    return source


def _columns(e: Entry) -> dict[str, ColumnMap]:
    raw = e.data.get("columns")
    if not isinstance(raw, dict) or not raw:
        raise e.fail("columns", "is required for format 'wide': a mapping {source_column: indicator_id}")
    columns: dict[str, ColumnMap] = {}
    for column, target in raw.items():
        if isinstance(target, str):
            columns[str(column)] = ColumnMap(indicator=target)
        elif isinstance(target, dict) and isinstance(target.get("indicator"), str):
            extra = set(target) - {"indicator", "n"}
            if extra:
                raise e.fail(f"columns.{column}", f"unknown key {sorted(extra)[0]!r}; use indicator, n")
            n = target.get("n")
            columns[str(column)] = ColumnMap(indicator=target["indicator"], n=str(n) if n else None)
        else:
            raise e.fail(f"columns.{column}", "must be an indicator id or {indicator: id, n: column}")
    return columns


def _indicator_source(file: Path, index: int, raw: Any) -> IndicatorSource:
    entry = f"indicators[{index}]"
    allowed = ("path", "format", "source", "code", "year", "year_column", "n", "sheet", "table", "columns")
    e = _entry(file, entry, raw, allowed)
    fmt = e.choice("format", INDICATOR_FORMATS, "long")
    year = e.data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100):
        raise e.fail("year", f"must be a year such as 2024, got {year!r}")
    source = IndicatorSource(
        entry=entry,
        path=e.path(),
        format=fmt,
        source=e.text("source"),
        code=e.text("code") or ("code" if fmt == "long" else "WijkenEnBuurten"),
        year=year,
        year_column=e.text("year_column"),
        n=e.text("n"),
        sheet=e.text("sheet"),
        table=e.text("table"),
        columns=_columns(e) if fmt == "wide" else {},
    )
    if fmt == "wide" and source.year is None and source.year_column is None:
        raise e.fail("year", "a wide file needs 'year' (e.g. 2024) or 'year_column'")
    if fmt == "cbsodata" and source.table is None:
        raise e.fail("table", "is required for format 'cbsodata' (e.g. 85984NED)")
    return source


def _section(e: Entry, name: str) -> dict[str, Any] | None:
    value = e.data.get(name)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise e.fail(name, "must be a mapping")
    return value


def load_sources(path: str | Path) -> SourcesSpec:
    """Read and check a sources file; raises :class:`SourcesError` naming file, entry and field."""
    file = Path(path).resolve()
    data, _ = load_yaml(file, SourcesError)
    top = _entry(file, "(top level)", data, _TOP)

    gemeente = (top.text("gemeente", required=True) or "").upper()
    if not GEMEENTE_CODE.match(gemeente):
        raise top.fail("gemeente", f"{gemeente!r} is not a CBS gemeente code such as GM0193")

    areas_raw = top.data.get("areas")
    a = _entry(file, "areas", areas_raw, ("buurt", "wijk", "stadsdelen"))
    if a.data.get("buurt") is None:
        raise a.fail("buurt", "is required")
    wijk_raw = a.data.get("wijk")
    sd_raw = a.data.get("stadsdelen")
    stadsdelen = None
    if sd_raw is not None:
        sd = _entry(file, "areas.stadsdelen", sd_raw, ("path",))
        stadsdelen = StadsdelenSource(path=sd.path())
    areas = AreasSpec(
        buurt=_area(file, "areas.buurt", a.data["buurt"], needs_parent=True),
        wijk=_area(file, "areas.wijk", wijk_raw, needs_parent=False) if wijk_raw is not None else None,
        stadsdelen=stadsdelen,
    )

    indicators_raw = top.data.get("indicators") or []
    if not isinstance(indicators_raw, list):
        raise top.fail("indicators", "must be a list of {path, format, ...}")
    indicators = tuple(_indicator_source(file, i, raw) for i, raw in enumerate(indicators_raw))

    demo = top.data.get("demo", False)
    if not isinstance(demo, bool):
        raise top.fail("demo", "must be true or false")

    return SourcesSpec(
        path=file,
        gemeente=gemeente,
        naam=top.text("naam"),
        demo=demo,
        areas=areas,
        indicators=indicators,
        groen=_section(top, "groen"),
        stapeling=_section(top, "stapeling"),
        privacy=_section(top, "privacy"),
    )
