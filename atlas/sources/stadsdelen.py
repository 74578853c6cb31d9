"""The stadsdelen CSV: a municipal grouping of wijken (not a CBS level).

By default the columns are ``wijkcode`` and ``stadsdeel``, and ``stadsdeelcode`` and ``status`` when the file has
them; the sources file may name other columns (``{path, wijk: col, stadsdeel: col, code: col, status: col}``). A
row with an empty stadsdeel leaves its wijk without a stadsdeel: the hierarchy puts such wijken, and those the file
does not list, in a stadsdeel ``overig`` and says so (:mod:`atlas.pipeline.hierarchy`). The status of a row says
whether the grouping is documented or indicative (:data:`atlas.codes.GROUPING_WORDS`); other columns are ignored.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from atlas.codes import (
    GROUPING_WORDS,
    Grouping,
    check_code,
    code_column,
    gemeente_code,
    gemeente_of,
    grouping_of,
    normalise_code,
    stadsdeel_code,
    text,
)
from atlas.errors import AreaError
from atlas.sources.spec.areas import StadsdelenSource
from atlas.sources.tables import read_csv_text

DEFAULT_CODE_COLUMN = "stadsdeelcode"
DEFAULT_STATUS_COLUMN = "status"


def _stadsdelen_table(path: Path, required: Sequence[str]) -> pd.DataFrame:
    try:
        if not path.exists():
            raise AreaError("stadsdelen file not found", file=path)
        table = read_csv_text(path, AreaError)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AreaError(f"cannot read the stadsdelen CSV: {exc}", file=path) from None
    table.columns = [str(column).strip() for column in table.columns]
    for column in required:
        if column not in table.columns:
            present = ", ".join(table.columns) or "(none)"
            raise AreaError(
                f"column {column!r} not found; the file has columns: {present}",
                file=path,
                field=column,
            )
    if table.empty:
        raise AreaError("the stadsdelen CSV has no rows", file=path)
    return table


def _check_stadsdeel_codes(codes: list[str], names: list[str], rows: list[int], path: Path, column: str) -> None:
    """Given codes must be valid, and one name must have one code (and the other way round)."""
    code_of: dict[str, str] = {}
    name_of: dict[str, str] = {}
    for code, name, row in zip(codes, names, rows, strict=True):
        if not name:
            continue
        check_code(code, "stadsdeel", file=path, row=row, field=column)
        if code_of.setdefault(name, code) != code:
            raise AreaError(
                f"stadsdeel {name!r} has two codes: {code_of[name]} and {code}",
                file=path,
                row=row,
                field=column,
            )
        if name_of.setdefault(code, name) != name:
            raise AreaError(
                f"stadsdeelcode {code} is used for {name_of[code]!r} and {name!r}",
                file=path,
                row=row,
                field=column,
            )


def stadsdeel_codes(wijkcodes: Sequence[str], names: Sequence[str], gemeente: str) -> list[str]:
    """Generated stadsdeel codes: ``SD`` + gemeente digits + a 2-digit ordinal ("" where the name is empty).

    Stadsdelen are numbered in the order of the smallest wijk code each holds, so the codes do not
    depend on the order of the rows or on the names.
    """
    smallest: dict[str, str] = {}
    for wijk, name in zip(wijkcodes, names, strict=True):
        if name:
            smallest[name] = min(smallest.get(name, wijk), wijk)
    order = sorted(smallest, key=lambda name: smallest[name])
    ordinal = {name: index for index, name in enumerate(order, start=1)}
    return [stadsdeel_code(gemeente, ordinal[name]) if name else "" for name in names]


def _groupings(table: pd.DataFrame, column: str | None, names: list[str], rows: list[int], path: Path) -> list[str]:
    """The :class:`Grouping` of each row from the status column ("" without one; rows without a stadsdeel: "")."""
    if column is None:
        return [Grouping.UNSTATED.value] * len(names)
    allowed = "; ".join(f"{g.value}: {', '.join(words)}" for g, words in GROUPING_WORDS.items())
    out = []
    for cell, name, row in zip(table[column], names, rows, strict=True):
        grouping = grouping_of(cell)
        if grouping is None and name:
            shown = text(cell)
            problem = f"unknown status {shown!r}" if shown else "empty status"
            raise AreaError(
                f"{problem}; the status of a grouping starts with one of these words ({allowed})",
                file=path,
                row=row,
                field=column,
            )
        out.append(grouping.value if grouping is not None and name else Grouping.UNSTATED.value)
    return out


def read_stadsdelen(source: StadsdelenSource | Path, gemeente: str, *, own_rows: bool = False) -> pd.DataFrame:
    """Read a stadsdelen CSV with the columns ``source`` names (a bare path: the default columns).

    Returns columns ``row`` (line number in the file; the header is line 1), ``wijkcode``, ``stadsdeel`` (""
    where the file gives none), ``stadsdeelcode`` ("" there too) and ``indeling`` (a :class:`Grouping` value),
    in file order. Wijk codes are stripped and upper case; without a code column the codes are generated by
    :func:`stadsdeel_codes`. With ``own_rows`` (a sources file of several gemeenten sharing one stadsdelen file) only
    the rows of wijken that nest in ``gemeente`` are kept, before codes are generated; none is an error.
    """
    if isinstance(source, Path):
        source = StadsdelenSource(path=source)
    path = source.path
    gemeente = gemeente_code(gemeente)
    required = [source.wijk, source.stadsdeel, *(c for c in (source.code, source.status) if c is not None)]
    table = _stadsdelen_table(path, required)
    code_column_name = source.code or (DEFAULT_CODE_COLUMN if DEFAULT_CODE_COLUMN in table.columns else None)
    status_column = source.status or (DEFAULT_STATUS_COLUMN if DEFAULT_STATUS_COLUMN in table.columns else None)
    rows = list(range(2, len(table) + 2))
    wijkcodes = code_column(table[source.wijk], rows, "wijk", path, source.wijk)
    if own_rows:
        own = [gemeente_of(wijk) == gemeente for wijk in wijkcodes]
        if not any(own):
            raise AreaError(
                f"no wijken of gemeente {gemeente}: with several gemeenten, the stadsdelen file must group the wijken "
                "of every one of them (a mix with and without stadsdelen is not supported yet)",
                file=path,
                field=source.wijk,
            )
        table = table[own].reset_index(drop=True)
        rows = [row for row, keep in zip(rows, own, strict=True) if keep]
        wijkcodes = [wijk for wijk, keep in zip(wijkcodes, own, strict=True) if keep]
    names = [text(value) for value in table[source.stadsdeel]]
    seen: dict[str, int] = {}
    for wijk, row in zip(wijkcodes, rows, strict=True):
        if wijk in seen:
            raise AreaError(
                f"wijk {wijk} appears twice (rows {seen[wijk]} and {row})",
                file=path,
                row=row,
                field=source.wijk,
            )
        seen[wijk] = row
    if code_column_name is not None:
        given = zip(table[code_column_name], names, strict=True)
        codes = [normalise_code(value) if name else "" for value, name in given]
        _check_stadsdeel_codes(codes, names, rows, path, code_column_name)
    elif len({name for name in names if name}) > 99:
        raise AreaError("more than 99 stadsdelen: give them a 'stadsdeelcode' column", file=path)
    else:
        codes = stadsdeel_codes(wijkcodes, names, gemeente)
    return pd.DataFrame(
        {
            "row": rows,
            "wijkcode": pd.Series(wijkcodes, dtype=object),
            "stadsdeel": pd.Series(names, dtype=object),
            "stadsdeelcode": pd.Series(codes, dtype=object),
            "indeling": pd.Series(_groupings(table, status_column, names, rows, path), dtype=object),
        }
    )
