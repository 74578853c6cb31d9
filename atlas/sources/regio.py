"""The regio CSV: gemeenten grouped into regions (a GGD region, a province, a wijkteam organisation working for
several gemeenten), the level above the gemeente in a build of several (issue 15).

By default the columns are ``gemeentecode``, ``regiocode`` and ``regionaam`` (the sources file may name others:
``areas.regio: {path, gemeente: col, code: col, naam: col}``); other columns are ignored. A regio code is two
capital letters and 2 to 4 digits as its owner writes it (GGD ``GG3406``, province ``PV23``, or an own ``RG0001``),
but not a prefix of a CBS level or ``NL`` (Nederland's own code). Every gemeente of the build must lie in exactly
one regio; rows of gemeenten the build does not hold are left out (the same file serves other builds).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import pandas as pd

from atlas.codes import PREFIXES, normalise_code, text
from atlas.errors import AreaError
from atlas.sources.spec.areas import RegioSource
from atlas.sources.tables import read_grouping_csv

REGIO_CODE = re.compile(r"^[A-Z]{2}\d{2,4}$")
"""A regio code: two capital letters and 2 to 4 digits."""
NEDERLAND = "NL01"
"""The code CBS gives Nederland in its tables (Kerncijfers wijken en buurten): the top of ``gemeente: all``."""
RESERVED = (*PREFIXES, NEDERLAND[:2])


def read_regios(source: RegioSource, gemeenten: Sequence[str]) -> pd.DataFrame:
    """One row per gemeente of ``gemeenten``: ``gemeente``, ``code`` and ``naam`` of its regio; in the order of
    ``gemeenten``. Errors name the file, the row (the CSV's line, the header being line 1) and the column."""
    path = source.path
    table = read_grouping_csv(path, (source.gemeente, source.code, source.naam), "regio")
    wanted = set(gemeenten)
    found: dict[str, tuple[str, str, int]] = {}
    name_of: dict[str, tuple[str, int]] = {}
    for number, (gemeente, code, naam) in enumerate(
        zip(table[source.gemeente], table[source.code], table[source.naam], strict=True), start=2
    ):
        gemeente, code, naam = normalise_code(gemeente), normalise_code(code), text(naam)
        if gemeente not in wanted:
            continue
        if not REGIO_CODE.match(code) or code[:2] in RESERVED:
            raise AreaError(
                f"{code!r} is not a regio code (two capital letters and 2 to 4 digits, e.g. GG3406 or RG0001; not "
                f"{', '.join(RESERVED)}, which name other levels)",
                file=path,
                row=number,
                field=source.code,
            )
        if not naam:
            raise AreaError("the regio has no name", file=path, row=number, field=source.naam)
        if gemeente in found:
            raise AreaError(
                f"{gemeente} is placed in a regio twice (first in row {found[gemeente][2]})",
                file=path,
                row=number,
                field=source.gemeente,
            )
        if code in name_of and name_of[code][0] != naam:
            raise AreaError(
                f"regio {code} is called {name_of[code][0]!r} in row {name_of[code][1]} and {naam!r} here",
                file=path,
                row=number,
                field=source.naam,
            )
        name_of.setdefault(code, (naam, number))
        found[gemeente] = (code, naam, number)
    missing = [g for g in gemeenten if g not in found]
    if missing:
        shown = ", ".join(missing[:8]) + (f" and {len(missing) - 8} more" if len(missing) > 8 else "")
        raise AreaError(
            f"{len(missing)} gemeenten of the build are in no regio: {shown}", file=path, field=source.gemeente
        )
    return pd.DataFrame(
        {
            "gemeente": list(gemeenten),
            "code": [found[g][0] for g in gemeenten],
            "naam": [found[g][1] for g in gemeenten],
        }
    )
