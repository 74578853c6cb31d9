"""The ``stapeling:`` section of the sources file: the registrations and the peildata.

::

    stapeling: {path: registraties.csv, peildatum: 2024-01-01}       # or peildatum: [2023-01-01, 2024-01-01]
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atlas.checks import Entry
from atlas.errors import SourcesError
from atlas.sources.tables import parse_date


@dataclass(frozen=True)
class StapelingSource:
    """The ``stapeling`` section: the registrations file and one or more peildata (one per year)."""

    path: Path
    peildata: tuple[dt.date, ...]


def parse_stapeling(file: Path, raw: Any, *, roots: Sequence[Path] = ()) -> StapelingSource:
    """The ``stapeling`` section of sources file ``file``; ``path`` is relative to it (inside its folder or
    ``roots``)."""
    e = Entry(file, "stapeling", raw, ("path", "peildatum"), error=SourcesError, roots=roots)
    if e.data.get("path") is None:
        raise e.fail("path", "is required: the registrations file")
    path = e.path()
    if not path.is_file():
        raise e.fail("path", f"is not a file: {path}")
    given = e.data.get("peildatum")
    if given is None:
        raise e.fail("peildatum", "is required, e.g. 2024-01-01")
    peildata: list[dt.date] = []
    for item in given if isinstance(given, list) else [given]:
        date = parse_date(item)
        if date is None:
            raise e.fail("peildatum", f"{item!r} is not a date such as 2024-01-01")
        if any(p.year == date.year for p in peildata):
            raise e.fail("peildatum", f"two peildata in {date.year}: one per year")
        peildata.append(date)
    return StapelingSource(path=path, peildata=tuple(sorted(peildata)))
