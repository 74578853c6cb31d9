"""Pseudonymised registrations of support (Wmo, Jeugdwet, Participatiewet), for stapeling.

Sources file::

    stapeling: {path: registraties.csv, peildatum: 2024-01-01}       # or peildatum: [2023-01-01, 2024-01-01]

The file (CSV or XLSX) has one row per person and regeling, with the columns :data:`COLUMNS`:

- ``persoon_id``, ``huishouden_id``: pseudonyms (any non-empty text); they never leave the build's memory;
- ``buurtcode``: the CBS code of the person's buurt (``BU…``);
- ``regeling``: ``wmo``, ``jeugdhulp`` or ``bijstand`` (case-insensitive);
- ``begindatum``: first day of the support, ``YYYY-MM-DD`` (or ``DD-MM-YYYY``);
- ``einddatum``: last day of the support (inclusive), empty while it runs.

Errors name the file, the row and the column, and never repeat an id.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atlas.errors import SourcesError
from atlas.sources.indicators import read_table

COLUMNS = ("persoon_id", "huishouden_id", "buurtcode", "regeling", "begindatum", "einddatum")
REGELINGEN = ("wmo", "jeugdhulp", "bijstand")
_BUURT = re.compile(r"^BU\d{8}$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DUTCH = re.compile(r"^\d{2}-\d{2}-\d{4}$")


@dataclass(frozen=True)
class StapelingSource:
    """The ``stapeling`` section: the registrations file and one or more peildata (one per year)."""

    path: Path
    peildata: tuple[dt.date, ...]


def _date(value: Any) -> dt.date | None:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    try:
        if _ISO.match(text):
            return dt.date.fromisoformat(text)
        if _DUTCH.match(text):
            return dt.datetime.strptime(text, "%d-%m-%Y").date()
    except ValueError:
        return None
    return None


def stapeling_source(raw: dict[str, Any], file: Path) -> StapelingSource:
    """Parse the ``stapeling`` section; ``path`` is relative to the sources file."""
    entry = "stapeling"
    for key in raw:
        if key not in ("path", "peildatum"):
            raise SourcesError("unknown key; allowed: path, peildatum", file=file, entry=entry, field=str(key))
    if not isinstance(raw.get("path"), str) or not raw["path"].strip():
        raise SourcesError("is required: the registrations file", file=file, entry=entry, field="path")
    path = (file.parent / raw["path"]).resolve()
    if not path.is_file():
        raise SourcesError(f"file not found: {path}", file=file, entry=entry, field="path")
    given = raw.get("peildatum")
    if given is None:
        raise SourcesError("is required, e.g. 2024-01-01", file=file, entry=entry, field="peildatum")
    items = given if isinstance(given, list) else [given]
    peildata: list[dt.date] = []
    for item in items:
        date = _date(item)
        if date is None:
            raise SourcesError(f"{item!r} is not a date such as 2024-01-01", file=file, entry=entry, field="peildatum")
        if any(p.year == date.year for p in peildata):
            raise SourcesError(f"two peildata in {date.year}: one per year", file=file, entry=entry, field="peildatum")
        peildata.append(date)
    return StapelingSource(path=path, peildata=tuple(sorted(peildata)))


def read_registraties(path: Path) -> pd.DataFrame:
    """The checked rows: ``persoon_id, huishouden_id, buurtcode, regeling, begin, end`` (end NaT while running)."""
    frame = read_table(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    for column in COLUMNS:
        if column not in frame.columns:
            raise SourcesError(
                f"column {column!r} not found; the file has: {', '.join(frame.columns)}", file=path, field=column
            )
    out: dict[str, list[Any]] = {c: [] for c in ("persoon_id", "huishouden_id", "buurtcode", "regeling")}
    begin: list[dt.date] = []
    end: list[dt.date | None] = []
    for i, record in enumerate(frame[list(COLUMNS)].itertuples(index=False, name=None)):
        row = i + 2
        person, household, buurt, regeling, start, stop = (str(v).strip() for v in record)
        for column, value in (("persoon_id", person), ("huishouden_id", household)):
            if not value:
                raise SourcesError("is empty; every row needs a pseudonym", file=path, row=row, field=column)
        buurt = buurt.upper()
        if not _BUURT.match(buurt):
            raise SourcesError(f"{buurt!r} is not a buurt code (BU + 8 digits)", file=path, row=row, field="buurtcode")
        regeling = regeling.lower()
        if regeling not in REGELINGEN:
            raise SourcesError(
                f"{regeling!r} is not one of {', '.join(REGELINGEN)}", file=path, row=row, field="regeling"
            )
        first = _date(start)
        if first is None:
            raise SourcesError(f"{start!r} is not a date (YYYY-MM-DD)", file=path, row=row, field="begindatum")
        last = None
        if stop:
            last = _date(stop)
            if last is None:
                raise SourcesError(
                    f"{stop!r} is not a date (YYYY-MM-DD); leave it empty while the support runs",
                    file=path,
                    row=row,
                    field="einddatum",
                )
            if last < first:
                raise SourcesError("lies before the begindatum", file=path, row=row, field="einddatum")
        out["persoon_id"].append(person)
        out["huishouden_id"].append(household)
        out["buurtcode"].append(buurt)
        out["regeling"].append(regeling)
        begin.append(first)
        end.append(last)
    return pd.DataFrame(
        {
            **out,
            "begin": pd.to_datetime(pd.Series(begin, dtype=object)),
            "end": pd.to_datetime(pd.Series([np.nan if e is None else e for e in end], dtype=object)),
        }
    )
