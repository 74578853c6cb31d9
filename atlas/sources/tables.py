"""Reading tables (CSV, XLSX) and their cells: numbers, dates and the markers that mean "missing".

Shared by the indicator importers, the KWB importer and the registrations. Empty cells and the usual missing
markers stay missing (NaN); they never become 0. Anything else that is not a number is an error naming the file,
the row and the column.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import numpy as np
import pandas as pd
from openpyxl.utils.exceptions import InvalidFileException

from atlas.checks import decode_utf8
from atlas.errors import AreaError, InputError, SourcesError
from atlas.findings import Findings

RAW_COLUMNS = ["indicator", "code", "period", "value", "n", "source", "file", "row"]
"""Columns of an imported indicator table; ``file`` and ``row`` say where each value came from."""

MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "nb", "?", ".", "-", "x", "null", "none"})
"""Cell texts read as missing (compared case-insensitively). CBS uses '.' and 'x' for missing and secret."""

_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DUTCH_DATE = re.compile(r"^\d{2}-\d{2}-\d{4}$")


def empty_raw() -> pd.DataFrame:
    """An indicator table without rows."""
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RAW_COLUMNS})


_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # the old Excel 97-2003 (.xls) container
_BROKEN_WORKBOOK = (zipfile.BadZipFile, zlib.error, EOFError, KeyError, InvalidFileException, ParseError)
"""What openpyxl raises for a file that is not a whole .xlsx (a ZIP archive of XML parts)."""


def _not_a_workbook(path: Path) -> str:
    """Why a file named .xlsx could not be opened, judged from its first bytes (never quoting them)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(2048)
    except OSError as exc:
        return f"cannot be read: {exc.strerror}"
    if head.startswith(_ZIP):
        return "is a damaged or incomplete (truncated?) Excel workbook; save or copy it again"
    if head.startswith(_OLE):
        return "is an old Excel 97-2003 workbook (.xls); save it as .xlsx"
    if head and b"\x00" not in head:
        return "is not an Excel workbook but text (a CSV file named .xlsx?); rename it to .csv or save it as .xlsx"
    return "is not an Excel workbook (.xlsx)"


def read_csv_text(path: Path, error: type[InputError] = SourcesError, **options: Any) -> pd.DataFrame:
    """A CSV file with every cell as text; the separator (comma, semicolon or tab) is taken from the header line.

    The file must be UTF-8: otherwise the error names the line (``row``) and column and says how to save it.
    """
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise error(f"cannot read: {exc.strerror}", file=path) from None
    header = raw.split(b"\n", 1)[0].decode("utf-8-sig", errors="replace")
    sep = max((",", ";", "\t"), key=header.count)
    text = decode_utf8(raw, path, error, separator=sep)
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False, **options)


def read_table(path: Path, sheet: str | None = None) -> pd.DataFrame:
    """Read a CSV (comma or semicolon separated) or an XLSX sheet with every cell as text."""
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            try:
                frame = pd.read_excel(path, sheet_name=sheet or 0, dtype=object, engine="openpyxl")
            except _BROKEN_WORKBOOK:
                raise SourcesError(_not_a_workbook(path), file=path) from None
            return frame.map(lambda v: "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v))
        if suffix in (".csv", ".txt", ".tsv"):
            return read_csv_text(path)
    except (ValueError, OSError) as exc:
        raise SourcesError(f"cannot read table: {exc}", file=path) from None
    raise SourcesError(f"unsupported file type {suffix!r}; use .csv or .xlsx", file=path)


def no_data_rows(path: Path, findings: Findings | None, *, sheet: str | None = None, what: str = "data rows") -> None:
    """An input without data: an ``empty_input`` error in ``findings`` (all errors are listed before the build
    stops), or raised at once without a collector."""
    message = f"has no {what} (only a header, or nothing): an empty input would silently remove its indicators"
    if findings is None:
        raise SourcesError(message, file=path, field=sheet)
    findings.error("empty_input", message, file=str(path), field=sheet)


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


def parse_date(value: Any) -> dt.date | None:
    """A date from a cell or a YAML value: ``YYYY-MM-DD``, ``DD-MM-YYYY`` or a date object; None otherwise."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if _ISO_DATE.match(text):
            return dt.date.fromisoformat(text)
        if _DUTCH_DATE.match(text):
            return dt.datetime.strptime(text, "%d-%m-%Y").date()
    except ValueError:
        return None
    return None


def read_grouping_csv(path: Path, required: Sequence[str], what: str) -> pd.DataFrame:
    """A hand-made grouping CSV (stadsdelen of wijken, regio's of gemeenten) as text, its column names stripped;
    a missing file, an unreadable or empty one, or a missing column in ``required`` is an :class:`AreaError`
    naming the file and the column (``what``: the file's kind in messages, "stadsdelen")."""
    if not path.exists():
        raise AreaError(f"{what} file not found", file=path)
    try:
        table = read_csv_text(path, AreaError)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AreaError(f"cannot read the {what} CSV: {exc}", file=path) from None
    table.columns = [str(column).strip() for column in table.columns]
    for column in required:
        if column not in table.columns:
            present = ", ".join(table.columns) or "(none)"
            raise AreaError(f"column {column!r} not found; the file has columns: {present}", file=path, field=column)
    if table.empty:
        raise AreaError(f"the {what} CSV has no rows", file=path)
    return table
