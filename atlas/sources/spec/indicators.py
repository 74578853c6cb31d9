"""The ``indicators:`` section of the sources file: one entry per indicator file.

::

    indicators:
      - {path: cijfers.csv, format: long}          # columns code, indicator, year, value, n
      - {path: bvb_2024.xlsx, format: wide, code: buurtcode, year: 2024, n: respondenten,
         columns: {b_mivrij: vrijwilligerswerk, b_sceenz: eenzaamheid}}
      - {path: kwb_2024_GM0193.json, format: cbsodata, table: 85984NED}   # records of cbsodata.get_data
      - {path: bevolkingsprognose.csv, format: long, prognose: true}   # every value a forecast

A forecast is a value the source expects, not one it measured: ``prognose: true`` marks every value of a file as a
forecast, or a long file says so per row in an optional column ``status`` (:data:`FORECAST_WORD` or
:data:`MEASURED_WORDS`, empty meaning measured). The build keeps forecasts apart (status ``prognose``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from atlas.checks import Entry
from atlas.errors import SourcesError

INDICATOR_FORMATS: dict[str, str] = {
    "long": "one row per area, indicator and year: columns code, indicator, year, value and optionally n",
    "wide": "one row per area, one column per indicator (mapped by 'columns')",
    "cbsodata": "the JSON records cbsodata.get_data returns for a CBS table (Kerncijfers wijken en buurten)",
}
"""The formats an indicator file may have; :data:`atlas.sources.indicators.READERS` has a reader for each."""

FORECAST_WORD = "prognose"
"""The sources file's key that marks a file as forecasts, and the word in a long file's ``status`` column."""
MEASURED_WORDS = ("gemeten", "meting", "realisatie")
"""Words of a long file's ``status`` column for a measured value (an empty cell is measured too)."""
STATUS_COLUMN = "status"
"""The optional column of a long file that says per row whether a value is a forecast."""

DEFAULT_CODE_COLUMN: dict[str, str] = {"long": "code", "wide": "WijkenEnBuurten", "cbsodata": "WijkenEnBuurten"}
"""The column (or key) that holds the area code when the entry does not name one."""


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
    prognose: bool = False
    """``prognose: true``: every value of the file is a forecast."""


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


def parse_indicator(file: Path, index: int, raw: Any, *, roots: Sequence[Path] = ()) -> IndicatorSource:
    """Entry ``indicators[index]`` of sources file ``file``; its path must lie in the file's folder or ``roots``."""
    entry = f"indicators[{index}]"
    allowed = (
        "path",
        "format",
        "source",
        "code",
        "year",
        "year_column",
        "n",
        "sheet",
        "table",
        "columns",
        FORECAST_WORD,
    )
    e = Entry(file, entry, raw, allowed, error=SourcesError, roots=roots)
    fmt = e.choice("format", INDICATOR_FORMATS, "long")
    source = IndicatorSource(
        entry=entry,
        path=e.path(),
        format=fmt,
        source=e.text("source"),
        code=e.text("code") or DEFAULT_CODE_COLUMN[fmt],
        year=e.year("year"),
        year_column=e.text("year_column"),
        n=e.text("n"),
        sheet=e.text("sheet"),
        table=e.text("table"),
        columns=_columns(e) if fmt == "wide" else {},
        prognose=e.flag(FORECAST_WORD, False),
    )
    if fmt == "wide" and source.year is None and source.year_column is None:
        raise e.fail("year", "a wide file needs 'year' (e.g. 2024) or 'year_column'")
    if fmt == "cbsodata" and source.table is None:
        raise e.fail("table", "is required for format 'cbsodata' (e.g. 85984NED)")
    return source
