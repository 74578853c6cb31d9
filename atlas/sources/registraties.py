"""Pseudonymised registrations of support (Wmo, Jeugdwet, Participatiewet), for stapeling.

The sources file names it in its ``stapeling`` section (:mod:`atlas.sources.spec.stapeling`). The file (CSV or
XLSX) has one row per person and regeling, with the columns :data:`COLUMNS`:

- ``persoon_id``, ``huishouden_id``: pseudonyms (any non-empty text); they never leave the build's memory;
- ``buurtcode``: the CBS code of the person's buurt (``BU…``);
- ``regeling``: ``wmo``, ``jeugdhulp`` or ``bijstand`` (case-insensitive);
- ``begindatum``: first day of the support, ``YYYY-MM-DD`` (or ``DD-MM-YYYY``);
- ``einddatum``: last day of the support (inclusive), empty while it runs.

Errors name the file, the row and the column, and never repeat an id.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atlas.codes import CODE_HINTS, CODE_PATTERNS
from atlas.errors import SourcesError
from atlas.findings import Findings
from atlas.sources.tables import no_data_rows, parse_date, read_table

COLUMNS = ("persoon_id", "huishouden_id", "buurtcode", "regeling", "begindatum", "einddatum")
REGELINGEN = ("wmo", "jeugdhulp", "bijstand")


def read_registraties(path: Path, findings: Findings | None = None) -> pd.DataFrame:
    """The checked rows: ``persoon_id, huishouden_id, buurtcode, regeling, begin, end`` (end NaT while running)."""
    frame = read_table(path)
    frame.columns = [str(c).strip().lower() for c in frame.columns]
    if frame.empty:
        no_data_rows(path, findings, what="registrations")
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
        if not CODE_PATTERNS["buurt"].match(buurt):
            raise SourcesError(
                f"{buurt!r} is not a buurt code ({CODE_HINTS['buurt']})", file=path, row=row, field="buurtcode"
            )
        regeling = regeling.lower()
        if regeling not in REGELINGEN:
            raise SourcesError(
                f"{regeling!r} is not one of {', '.join(REGELINGEN)}", file=path, row=row, field="regeling"
            )
        first = parse_date(start)
        if first is None:
            raise SourcesError(f"{start!r} is not a date (YYYY-MM-DD)", file=path, row=row, field="begindatum")
        last = None
        if stop:
            last = parse_date(stop)
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
