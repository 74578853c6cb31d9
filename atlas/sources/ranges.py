"""Values a source cannot mean: a percentage outside 0-100, a negative count, a negative respondent count.

Each is an ``out_of_range`` error naming the file, the row and the column; all are listed before the build stops.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from atlas.errors import SourcesError
from atlas.findings import Findings
from atlas.layers.registry import Registry

MAX_LISTED = 20
"""Out-of-range cells reported one by one per file and column; the rest are counted."""


def check_ranges(
    frame: pd.DataFrame,
    registry: Registry,
    findings: Findings | None,
    path: Path,
    value_column: str,
    n_column: str | None,
) -> None:
    """``out_of_range`` errors: a percentage outside 0-100, a negative count, a negative respondent count ``n``.

    ``frame`` is in :data:`RAW_COLUMNS`, its ``value`` read from ``value_column`` and ``n`` from ``n_column``.
    Without a collector the first problem is raised at once.
    """
    unit = frame.indicator.map({i.id: i.unit for i in registry}).to_numpy(dtype=object)
    value = frame.value.to_numpy(dtype="float64")
    n = frame.n.to_numpy(dtype="float64")
    problems = [
        (value_column, ((unit == "percent") & ((value < 0) | (value > 100))), "is not a percentage (0 to 100)"),
        (value_column, ((unit == "count") & (value < 0)), "is a negative count"),
        (n_column or "n", (n < 0), "is a negative number of respondents (n)"),
    ]
    for column, bad, what in problems:
        rows = np.flatnonzero(bad)
        if rows.size == 0:
            continue
        numbers = value if column == value_column else n
        for k in rows[:MAX_LISTED]:
            message = f"{numbers[k]:g} {what} ({frame.indicator.iloc[k]}, {frame.code.iloc[k]})"
            row = int(frame.row.iloc[k])
            if findings is None:
                raise SourcesError(message, file=path, row=row, field=column)
            findings.error(
                "out_of_range", message, file=str(path), row=row, field=column, indicator=frame.indicator.iloc[k]
            )
        if rows.size > MAX_LISTED:
            assert findings is not None
            findings.error(
                "out_of_range",
                f"{rows.size - MAX_LISTED} more cells {what}",
                file=str(path),
                field=column,
                count=int(rows.size - MAX_LISTED),
            )
