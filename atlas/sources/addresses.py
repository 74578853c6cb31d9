"""The BAG fields of an addresses file (street, house number, letter, addition, postcode, place), checked.

They are optional: a file without them still gives the 2-22-200 shares, only the address search has nothing to
find. A field's column is the field's name unless the sources file maps it (``fields:``, e.g. PDOK's BAG
GeoPackage names the street ``openbare_ruimte_naam``). A value that cannot be an address part raises
:class:`~atlas.errors.SourcesError` naming the file, the 1-based feature number and the column.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from atlas.errors import SourcesError
from atlas.sources.spec.groen import ADDRESS_FIELDS, VectorInput

POSTCODE = re.compile(r"[1-9][0-9]{3}[A-Z]{2}")
"""A Dutch postcode without its space: four digits (not starting with 0) and two capitals."""
HUISLETTER = re.compile(r"[A-Z]")
TOEVOEGING = re.compile(r"[0-9A-Z]{1,4}")
MAX_HUISNUMMER = 99_999


def _text(series: pd.Series) -> pd.Series:
    """Stripped text; missing values and blanks become ''. Kept as pandas' Arrow-backed ``str``: turning millions
    of addresses into Python strings cost more than all the checks."""
    return series.astype("string").fillna("").str.strip().astype(str)


def _fail(vector: VectorInput, entry: str, column: str, row: int, message: str) -> SourcesError:
    return SourcesError(message, file=vector.path, entry=entry, row=row, field=column)


def _each_distinct(values: pd.Series, func: Callable[[str], Any]) -> pd.Series:
    """``values.map(func)``, with ``func`` called once per distinct value: a country's millions of addresses share
    a few hundred thousand postcodes and a handful of letters and additions, so this costs a hash per address
    instead of a Python call."""
    codes, distinct = pd.factorize(values, use_na_sentinel=False)
    return pd.Series([func(v) for v in distinct]).take(codes).set_axis(values.index)


def _check(
    vector: VectorInput, entry: str, column: str, values: pd.Series, pattern: re.Pattern[str], what: str
) -> None:
    matches = _each_distinct(values, lambda v: bool(pattern.fullmatch(v))).to_numpy(dtype=bool)
    bad = (values != "").to_numpy() & ~matches
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + 1
        raise _fail(vector, entry, column, row, f"must be {what}, got {values.iloc[row - 1]!r}")


def _huisnummer(frame: pd.DataFrame, vector: VectorInput, entry: str, straat: pd.Series) -> pd.Series:
    column = vector.column_of("huisnummer")
    if column not in frame.columns:
        return pd.Series(pd.NA, index=frame.index, dtype="Int64")
    raw = frame[column]
    number = pd.to_numeric(raw, errors="coerce")
    given = _text(raw) != ""
    whole = number.notna() & (number == np.floor(number)) & (number >= 1) & (number <= MAX_HUISNUMMER)
    bad = (given & ~whole) | ((straat != "") & ~given)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        value = raw.iloc[row - 1]
        message = f"must be a house number from 1 to {MAX_HUISNUMMER}, got {value!r}"
        raise _fail(vector, entry, column, row, message if given.iloc[row - 1] else "is empty where a street is given")
    return number.where(given).astype("Int64")


def read_address_fields(frame: pd.DataFrame, vector: VectorInput, entry: str) -> pd.DataFrame | None:
    """The :data:`ADDRESS_FIELDS` of ``frame`` (one row per feature, in order), or None when it has no street and
    no postcode column. Postcodes come without their space (``8011AB``), letters and additions in capitals."""
    for field, column in vector.fields:
        if column not in frame.columns:
            present = ", ".join(str(c) for c in frame.columns if c != "geometry")
            raise SourcesError(
                f"no such column for '{field}' (columns: {present})", file=vector.path, entry=entry, field=column
            )
    if vector.column_of("straat") not in frame.columns and vector.column_of("postcode") not in frame.columns:
        return None
    out = pd.DataFrame(index=frame.index)
    for field in ADDRESS_FIELDS:
        column = vector.column_of(field)
        out[field] = _text(frame[column]) if column in frame.columns else ""
    out["postcode"] = _each_distinct(out["postcode"], lambda v: v.replace(" ", "").upper())
    for field in ("huisletter", "toevoeging"):
        out[field] = _each_distinct(out[field], str.upper)
    _check(vector, entry, vector.column_of("postcode"), out["postcode"], POSTCODE, "a postcode such as 8011 AB")
    _check(vector, entry, vector.column_of("huisletter"), out["huisletter"], HUISLETTER, "one letter")
    _check(vector, entry, vector.column_of("toevoeging"), out["toevoeging"], TOEVOEGING, "1 to 4 letters or digits")
    out["huisnummer"] = _huisnummer(frame, vector, entry, out["straat"])
    return out
