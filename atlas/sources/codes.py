"""Area codes: the CBS patterns, normalisation (stripped, upper case) and checks that name file, row and column."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from atlas.errors import AreaError

CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    "buurt": re.compile(r"^BU\d{8}$"),
    "wijk": re.compile(r"^WK\d{6}$"),
    "stadsdeel": re.compile(r"^SD\d{6}$"),
    "gemeente": re.compile(r"^GM\d{4}$"),
}
"""The code of each level: the CBS codes, and ``SD`` + gemeente digits + 2 digits for stadsdelen."""

CODE_HINTS: dict[str, str] = {
    "buurt": "BU + 8 digits, e.g. BU01930101",
    "wijk": "WK + 6 digits, e.g. WK019301",
    "stadsdeel": "SD + 6 digits, e.g. SD019301",
    "gemeente": "GM + 4 digits, e.g. GM0193",
}


def text(value: Any) -> str:
    """A cell as stripped text; None and NaN become ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def normalise_code(value: Any) -> str:
    """A code as CBS writes it: stripped and upper case (``" bu01930101"`` -> ``"BU01930101"``)."""
    return text(value).upper()


def check_code(
    code: str,
    level: str,
    *,
    file: str | Path | None = None,
    row: int | None = None,
    field: str | None = None,
) -> None:
    """Raise :class:`AreaError` unless ``code`` is a valid code of ``level``."""
    if CODE_PATTERNS[level].match(code):
        return
    problem = f"{code!r} is not a valid {level} code" if code else f"empty {level} code"
    raise AreaError(f"{problem} (expected {CODE_HINTS[level]})", file=file, row=row, field=field)


def gemeente_code(value: str) -> str:
    """The normalised gemeente code; raises :class:`AreaError` when it is not ``GM`` + 4 digits."""
    code = normalise_code(value)
    check_code(code, "gemeente")
    return code


def code_column(values: Iterable[Any], rows: Sequence[int], level: str, path: Path, column: str) -> list[str]:
    """Normalised codes of one column, each checked against the pattern of ``level``."""
    codes = [normalise_code(value) for value in values]
    for code, row in zip(codes, rows, strict=True):
        check_code(code, level, file=path, row=row, field=column)
    return codes
