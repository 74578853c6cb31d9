"""Indicator importers: long and wide tables (CSV or XLSX), and the one table of readers per format.

Every reader returns the same tidy frame (:data:`~atlas.sources.tables.RAW_COLUMNS`): one row per indicator, area
code and period, with the value and, where known, the respondent count ``n``. :data:`READERS` names the reader of
each format of the sources file (``long``, ``wide``, ``cbsodata``). :func:`read_indicator_source` adds the column
:data:`FORECAST_COLUMN`: whether a value is a forecast (``prognose: true`` on the file, or a long file's ``status``
column).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from atlas.codes import ANY_CODE, normalise_code
from atlas.errors import SourcesError
from atlas.findings import Findings
from atlas.layers.registry import Registry
from atlas.sources.kwb import read_cbsodata
from atlas.sources.ranges import check_ranges
from atlas.sources.spec.indicators import FORECAST_WORD, MEASURED_WORDS, STATUS_COLUMN, IndicatorSource
from atlas.sources.tables import RAW_COLUMNS, empty_raw, no_data_rows, parse_number, read_table


def _numbers(frame: pd.DataFrame, column: str, path: Path) -> np.ndarray:
    return np.array(
        [parse_number(cell, file=path, row=i + 2, column=column) for i, cell in enumerate(frame[column].tolist())],
        dtype="float64",
    )


def _require(frame: pd.DataFrame, columns: list[str], path: Path, entry: str) -> None:
    for column in columns:
        if column not in frame.columns:
            present = ", ".join(map(str, frame.columns))
            raise SourcesError(
                f"column {column!r} not found; the file has: {present}",
                file=path,
                entry=entry,
                field=column,
            )


def _codes(frame: pd.DataFrame, column: str, path: Path) -> list[str]:
    codes = [normalise_code(c) for c in frame[column].tolist()]
    for i, code in enumerate(codes):
        if not ANY_CODE.match(code):
            raise SourcesError(
                f"{frame[column].iloc[i]!r} is not an area code (BU…, WK…, SD…, GM…)",
                file=path,
                row=i + 2,
                field=column,
            )
    return codes


def _years(frame: pd.DataFrame, column: str, path: Path) -> list[str]:
    years: list[str] = []
    for i, cell in enumerate(frame[column].tolist()):
        text = str(cell).strip()
        if text.endswith(".0"):
            text = text[:-2]
        if not (text.isdigit() and 1900 <= int(text) <= 2100):
            raise SourcesError(f"{cell!r} is not a year", file=path, row=i + 2, field=column)
        years.append(text)
    return years


FORECAST_COLUMN = "forecast"
"""The column of an imported table that says per row whether the value is a forecast (True) or measured."""


def _forecasts(frame: pd.DataFrame, source: IndicatorSource) -> np.ndarray:
    """Per row of a long file: a forecast? From its ``status`` column (when it has one) and ``prognose: true``."""
    if STATUS_COLUMN not in frame.columns:
        return np.full(len(frame), source.prognose)
    out = np.zeros(len(frame), dtype=bool)
    words = ", ".join(repr(w) for w in MEASURED_WORDS)
    for i, cell in enumerate(frame[STATUS_COLUMN].tolist()):
        word = str(cell).strip().lower()
        if word == FORECAST_WORD:
            out[i] = True
        elif word not in ("", *MEASURED_WORDS):
            raise SourcesError(
                f"{cell!r} is not a status: write {FORECAST_WORD!r} for a forecast, or {words} (or nothing) for a "
                "measured value",
                file=source.path,
                row=i + 2,
                field=STATUS_COLUMN,
            )
        elif word and source.prognose:
            raise SourcesError(
                f"says {cell!r} (measured), but the sources file marks every value of this file as a forecast "
                f"('{FORECAST_WORD}: true'); leave the cell empty or remove '{FORECAST_WORD}: true'",
                file=source.path,
                entry=source.entry,
                row=i + 2,
                field=STATUS_COLUMN,
            )
    return out | source.prognose


def unknown_indicator_hint(registry: Registry, ident: str) -> str:
    """What to do about an indicator id the registry does not have: add it in an extra registry file."""
    close = difflib.get_close_matches(ident, list(registry.indicators), n=1)
    similar = f"; if you meant the existing {close[0]!r}, use that id" if close else ""
    return (
        f"unknown indicator {ident!r} (not in {registry.file_names}){similar}. To add a new indicator, describe it "
        "(id, title, theme, unit, source, aggregate) in an extra registry file and name that file in the sources "
        "file: 'registry: [extra.yaml]' (see the README, 'Adding an indicator')"
    )


def _check_indicator(registry: Registry, ident: str, *, file: Path, row: int | None, field: str) -> None:
    if ident not in registry.indicators:
        raise SourcesError(unknown_indicator_hint(registry, ident), file=file, row=row, field=field)


def read_long(source: IndicatorSource, registry: Registry, findings: Findings | None = None) -> pd.DataFrame:
    """A long table: columns ``code, indicator, year, value`` and optionally ``n``."""
    path = source.path
    frame = read_table(path, source.sheet)
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        no_data_rows(path, findings, sheet=source.sheet)
        return empty_raw()
    _require(frame, [source.code, "indicator", "year", "value"], path, source.entry)
    indicators = [str(v).strip() for v in frame["indicator"].tolist()]
    for i, ident in enumerate(indicators):
        _check_indicator(registry, ident, file=path, row=i + 2, field="indicator")
    n = _numbers(frame, "n", path) if "n" in frame.columns else np.full(len(frame), np.nan)
    out = pd.DataFrame(
        {
            "indicator": indicators,
            "code": _codes(frame, source.code, path),
            "period": _years(frame, "year", path),
            "value": _numbers(frame, "value", path),
            "n": n,
            "source": [source.source or registry.indicators[i].source for i in indicators],
            "file": path.name,
            "row": np.arange(2, len(frame) + 2),
        },
        columns=RAW_COLUMNS,
    )
    check_ranges(out, registry, findings, path, "value", "n")
    out[FORECAST_COLUMN] = _forecasts(frame, source)
    return out


def read_wide(source: IndicatorSource, registry: Registry, findings: Findings | None = None) -> pd.DataFrame:
    """A wide table: one row per area, one column per indicator (mapped by ``columns``)."""
    path = source.path
    frame = read_table(path, source.sheet)
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        no_data_rows(path, findings, sheet=source.sheet)
        return empty_raw()
    needed = [source.code, *source.columns]
    needed += [m.n for m in source.columns.values() if m.n]
    if source.n:
        needed.append(source.n)
    if source.year_column:
        needed.append(source.year_column)
    _require(frame, list(dict.fromkeys(needed)), path, source.entry)
    unused = [c for c in frame.columns if c not in needed]
    if unused and findings is not None:
        shown = ", ".join(unused[:8]) + (f" and {len(unused) - 8} more" if len(unused) > 8 else "")
        findings.info(
            "unused_columns",
            f"{len(unused)} of the {len(frame.columns)} columns are not mapped to an indicator ({shown}); "
            "map one under 'columns' to use it",
            file=path.name,
            count=len(unused),
        )
    for column, mapping in source.columns.items():
        _check_indicator(registry, mapping.indicator, file=path, row=None, field=f"columns.{column}")

    codes = _codes(frame, source.code, path)
    periods = _years(frame, source.year_column, path) if source.year_column else [str(source.year)] * len(frame)
    shared_n = _numbers(frame, source.n, path) if source.n else np.full(len(frame), np.nan)
    parts = []
    for column, mapping in source.columns.items():
        n = _numbers(frame, mapping.n, path) if mapping.n else shared_n
        part = pd.DataFrame(
            {
                "indicator": mapping.indicator,
                "code": codes,
                "period": periods,
                "value": _numbers(frame, column, path),
                "n": n,
                "source": source.source or registry.indicators[mapping.indicator].source,
                "file": path.name,
                "row": np.arange(2, len(frame) + 2),
            }
        )
        check_ranges(part, registry, findings, path, column, mapping.n or source.n)
        parts.append(part)
    return pd.concat(parts, ignore_index=True)[RAW_COLUMNS]


Reader = Callable[[IndicatorSource, Registry, Findings | None], pd.DataFrame]

READERS: dict[str, Reader] = {"long": read_long, "wide": read_wide, "cbsodata": read_cbsodata}
"""The reader of each indicator format of the sources file (:data:`~atlas.sources.spec.INDICATOR_FORMATS`)."""


def read_indicator_source(
    source: IndicatorSource, registry: Registry, findings: Findings | None = None
) -> pd.DataFrame:
    """Read one indicator file with the reader of its format; its doubts go to ``findings``."""
    reader = READERS.get(source.format)
    if reader is None:
        raise SourcesError(f"unknown format {source.format!r}", file=source.path, entry=source.entry)
    frame = reader(source, registry, findings)
    if FORECAST_COLUMN not in frame.columns:
        frame[FORECAST_COLUMN] = source.prognose
    frame[FORECAST_COLUMN] = frame[FORECAST_COLUMN].astype(bool)
    return frame


def empty_indicators() -> pd.DataFrame:
    """An indicator table without rows, with the columns :func:`read_indicators` gives."""
    return empty_raw().assign(**{FORECAST_COLUMN: pd.Series(dtype=bool)})


def check_duplicates(values: pd.DataFrame) -> None:
    """A value given twice (same indicator, area and period) is an error naming both places."""
    dup = values.duplicated(["indicator", "code", "period"], keep="first")
    if dup.any():
        again = values[dup].iloc[0]
        first = values[
            (values.indicator == again.indicator) & (values.code == again.code) & (values.period == again.period)
        ].iloc[0]
        raise SourcesError(
            f"{again.indicator} for {again.code} in {again.period} is given twice "
            f"(first in {first.file} row {first.row})",
            file=again.file,
            row=int(again.row),
        )


def read_indicators(
    sources: tuple[IndicatorSource, ...], registry: Registry, findings: Findings | None = None
) -> pd.DataFrame:
    """Read every indicator file; a value given twice (same indicator, area and period) is an error."""
    frames = [read_indicator_source(source, registry, findings) for source in sources]
    if not frames:
        return empty_indicators()
    values = pd.concat(frames, ignore_index=True)
    check_duplicates(values)
    return values
