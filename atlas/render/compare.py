"""An area's value against the gemeente's, in words: the difference and, where the build could test it, whether it is
clear. The map's tooltip, its popup and its table say the same through :func:`difference_text`.

The verdict comes from the build (``significant``: the gemeente value lies outside the area's 95 % interval,
:mod:`atlas.pipeline.survey`); a value without an interval gets the difference alone, never a verdict.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from atlas.artifact import Artifact
from atlas.artifact.status import shown_value
from atlas.layers.registry import Indicator
from atlas.render.selection import dutch_number

CLEAR = "duidelijk verschil"
"""The verdict when the gemeente's value lies outside the area's 95 % interval."""
UNCLEAR = "verschilt niet duidelijk"
"""The verdict when it lies inside: the difference may be chance."""


@dataclass(frozen=True)
class Reference:
    """The gemeente's published value of one indicator and year (None when it has none), and its name."""

    name: str
    value: float | None

    @classmethod
    def of(cls, artifact: Artifact, indicator: Indicator, year: int) -> Reference:
        gemeente = artifact.areas.level("gemeente")
        name = str(gemeente.naam.iloc[0]) if len(gemeente) else "de gemeente"
        rows = artifact.rows(indicator.id, "gemeente", year)
        value = None
        if len(rows):
            value = shown_value(rows.status.iloc[0], rows.value.iloc[0])
        return cls(name, value)


def comparable(indicator: Indicator) -> bool:
    """Whether an area's value can be set against the gemeente's: a share, mean or rate can, a count cannot (a
    buurt's 5.885 inwoners are not "127.101 lager" than the city's in any useful sense)."""
    return indicator.unit != "count" and indicator.aggregate != "sum"


def _amount(difference: float, indicator: Indicator) -> str:
    """The size of a difference in the indicator's unit: ``4,3 procentpunt``, ``€ 5.200``, ``0,4 score``."""
    number = dutch_number(abs(difference), indicator.decimals)
    if indicator.unit == "percent":
        return f"{number} procentpunt"
    if indicator.unit_spec.template != "{}":
        return indicator.with_unit(number)
    return f"{number} ({indicator.unit_label})" if indicator.unit_label else number


def difference_text(
    value: float | None, row: Mapping[Hashable, Any], indicator: Indicator, reference: Reference
) -> str:
    """``4,3 procentpunt hoger dan Zwolle; verschilt niet duidelijk``; empty without both values, and for an
    indicator that is not :func:`comparable`.

    A difference that rounds to zero reads "gelijk aan"; the verdict is added only when the row has an interval.
    """
    if value is None or reference.value is None or not comparable(indicator):
        return ""
    difference = value - reference.value
    if dutch_number(abs(difference), indicator.decimals).strip("0,.") == "":
        text = f"gelijk aan {reference.name}"
    else:
        text = f"{_amount(difference, indicator)} {'hoger' if difference > 0 else 'lager'} dan {reference.name}"
    if _has_interval(row):
        text += "; " + (CLEAR if row.get("significant") in ("hoger", "lager") else UNCLEAR)
    return text


def _has_interval(row: Mapping[Hashable, Any]) -> bool:
    bounds = [row.get("ci_low"), row.get("ci_high")]
    numbers = [b for b in bounds if isinstance(b, int | float) and not isinstance(b, bool)]
    return len(numbers) == 2 and all(math.isfinite(b) for b in numbers)  # neither missing nor NaN
