"""Indicator importers: long and wide tables, from CSV or XLSX.

Every importer returns the same tidy frame (:data:`RAW_COLUMNS`): one row per indicator, area code and period, with
the value and, where known, the respondent count ``n``. Empty cells and the usual missing markers stay missing (NaN);
they never become 0. Anything else that is not a number is an error naming the file, the row and the column.
"""

from __future__ import annotations

import difflib
import re
from pathlib import Path

import numpy as np
import pandas as pd

from atlas.errors import SourcesError
from atlas.layers.registry import Registry
from atlas.sources.spec import IndicatorSource

RAW_COLUMNS = ["indicator", "code", "period", "value", "n", "source", "file", "row"]
"""Columns of an imported indicator table; ``file`` and ``row`` say where each value came from."""

MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "nb", "?", ".", "-", "x", "null", "none"})
"""Cell texts read as missing (compared case-insensitively). CBS uses '.' and 'x' for missing and secret."""

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_AREA_CODE = re.compile(r"^(BU\d{8}|WK\d{6}|SD\d{6}|GM\d{4})$")


def read_table(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV (comma or semicolon separated) or an XLSX sheet with every cell as text."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine="openpyxl")
            return frame.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
        if suffix in (".csv", ".txt", ".tsv"):
            with path.open(encoding="utf-8-sig") as handle:
                header = handle.readline()
            sep = max((",", ";", "\t"), key=header.count)
            return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (ValueError, OSError, UnicodeDecodeError) as exc:
        raise SourcesError(f"cannot read table: {exc}", file=path) from None
    raise SourcesError(f"unsupported file type {suffix!r}; use .csv or .xlsx", file=path)


def parse_number(text: str, *, file: Path, row: int, column: str) -> float:
    """Parse one cell; missing markers give NaN, anything else non-numeric is an error."""
    cell = str(text).strip()
    if cell.lower() in MISSING_MARKERS:
        return float("nan")
    if _DECIMAL_COMMA.match(cell):
        cell = cell.replace(",", ".")
    try:
        value = float(cell)
    except ValueError:
        raise SourcesError(f"{text!r} is not a number", file=file, row=row, field=column) from None
    if not np.isfinite(value):
        raise SourcesError(f"{text!r} is not a finite number", file=file, row=row, field=column)
    return value


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
    codes = [str(c).strip().upper() for c in frame[column].tolist()]
    for i, code in enumerate(codes):
        if not _AREA_CODE.match(code):
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


def _check_indicator(registry: Registry, ident: str, *, file: Path, row: int | None, field: str) -> None:
    if ident not in registry.indicators:
        hint = difflib.get_close_matches(ident, list(registry.indicators), n=1)
        extra = f"; did you mean {hint[0]!r}?" if hint else ""
        raise SourcesError(f"unknown indicator {ident!r} (not in layers.yaml){extra}", file=file, row=row, field=field)


def read_long(source: IndicatorSource, registry: Registry) -> pd.DataFrame:
    """A long table: columns ``code, indicator, year, value`` and optionally ``n``."""
    path = source.path
    frame = read_table(path, source.sheet)
    frame.columns = [str(c).strip() for c in frame.columns]
    _require(frame, [source.code, "indicator", "year", "value"], path, source.entry)
    indicators = [str(v).strip() for v in frame["indicator"].tolist()]
    for i, ident in enumerate(indicators):
        _check_indicator(registry, ident, file=path, row=i + 2, field="indicator")
    n = _numbers(frame, "n", path) if "n" in frame.columns else np.full(len(frame), np.nan)
    return pd.DataFrame(
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


def read_wide(source: IndicatorSource, registry: Registry) -> pd.DataFrame:
    """A wide table: one row per area, one column per indicator (mapped by ``columns``)."""
    path = source.path
    frame = read_table(path, source.sheet)
    frame.columns = [str(c).strip() for c in frame.columns]
    needed = [source.code, *source.columns]
    needed += [m.n for m in source.columns.values() if m.n]
    if source.n:
        needed.append(source.n)
    if source.year_column:
        needed.append(source.year_column)
    _require(frame, list(dict.fromkeys(needed)), path, source.entry)
    for column, mapping in source.columns.items():
        _check_indicator(registry, mapping.indicator, file=path, row=None, field=f"columns.{column}")

    codes = _codes(frame, source.code, path)
    periods = _years(frame, source.year_column, path) if source.year_column else [str(source.year)] * len(frame)
    shared_n = _numbers(frame, source.n, path) if source.n else np.full(len(frame), np.nan)
    parts = []
    for column, mapping in source.columns.items():
        n = _numbers(frame, mapping.n, path) if mapping.n else shared_n
        parts.append(
            pd.DataFrame(
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
        )
    return pd.concat(parts, ignore_index=True)[RAW_COLUMNS]


def read_indicator_source(source: IndicatorSource, registry: Registry) -> pd.DataFrame:
    """Dispatch on ``source.format``."""
    if source.format == "long":
        return read_long(source, registry)
    if source.format == "wide":
        return read_wide(source, registry)
    if source.format == "cbsodata":
        from atlas.sources.cbsodata_ import read_cbsodata

        return read_cbsodata(source, registry)
    raise SourcesError(f"unknown format {source.format!r}", file=source.path, entry=source.entry)


def read_indicators(sources: tuple[IndicatorSource, ...], registry: Registry) -> pd.DataFrame:
    """Read every indicator file; a value given twice (same indicator, area and period) is an error."""
    frames = [read_indicator_source(source, registry) for source in sources]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in RAW_COLUMNS})
    values = pd.concat(frames, ignore_index=True)
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
    return values
