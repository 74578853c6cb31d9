"""Downloads that are safe to open in a spreadsheet: data text never becomes a formula.

Names, sources and other text come from the inputs; a cell such as ``=HYPERLINK("http://x","y")`` or
``+cmd|' /C calc'!A0`` would run as a formula in Excel or LibreOffice (CSV injection). In CSV a text cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets OWASP's leading apostrophe, which spreadsheets
read as "this is text" (and hide); numbers are never touched, so ``-2.5`` stays a number. Records end in CRLF
(RFC 4180), so a text with a carriage return or line feed in it is quoted and cannot start a row of its own (with
pandas' ``\n`` a lone ``\r`` went out unquoted, and ``x\r=cmd`` became a row starting with ``=``). In XLSX every text is
stored as a string cell, unchanged: openpyxl would store a string that starts with ``=`` as a formula.
GeoJSON and GeoPackage are not spreadsheets and keep the text exactly as it is.
"""

from __future__ import annotations

import io
from typing import Any

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""How a cell starts that a spreadsheet may read as a formula (OWASP, CSV injection)."""


def csv_cell(value: Any) -> Any:
    """``value`` with a leading apostrophe when it is text a spreadsheet could read as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are neutralised with :func:`csv_cell`; numeric columns unchanged."""
    out = frame.copy()
    for column in out.columns:
        if not (pd.api.types.is_numeric_dtype(out[column]) or pd.api.types.is_bool_dtype(out[column])):
            out[column] = out[column].astype(object).map(csv_cell)
    return out


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """``frame`` as UTF-8 CSV (RFC 4180: CRLF, a text with a line break quoted), text cells neutralised."""
    return csv_safe(frame).to_csv(index=False, lineterminator="\r\n").encode("utf-8")


def xlsx_bytes(frame: pd.DataFrame, sheet: str) -> bytes:
    """``frame`` as an Excel workbook with one sheet; every text cell is a string cell, never a formula."""
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        frame.to_excel(writer, index=False, sheet_name=sheet)
        for row in writer.sheets[sheet].iter_rows():
            for cell in row:
                if cell.data_type == "f":  # the frame holds no formulas: this is text that starts with '='
                    cell.data_type = "s"
    return buffer.getvalue()
