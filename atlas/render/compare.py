"""An area's value against the gemeente's, in words: the difference and, where the build could judge it, whether it
is clear. The map's tooltip, its popup and its table say the same through :func:`difference_text`.

The verdict is the one the build stored with the value (:mod:`atlas.artifact.compare`, read with
:func:`~atlas.artifact.compare.verdict_of`): "duidelijk verschil" only when the gemeente's value lies outside the
area's 95 % interval, "verschilt niet duidelijk" when inside; a value without an interval gets the difference alone,
and an area too small to judge no comparison at all. A count with a denominator (support use, stapeling) is compared
as its rate per 1 000 inhabitants or households.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any

from atlas.artifact import Artifact
from atlas.artifact.compare import Verdict, verdict_of
from atlas.artifact.status import shown_value
from atlas.layers.registry import Indicator
from atlas.render.selection import dutch_number

CLEAR = "duidelijk verschil"
"""The verdict when the gemeente's value lies outside the area's 95 % interval."""
UNCLEAR = "verschilt niet duidelijk"
"""The verdict when it lies inside: the difference may be chance."""
TOO_SMALL = "te klein gebied om te vergelijken"
"""What an area too small to judge (:data:`~atlas.artifact.compare.MIN_INHABITANTS`) says instead of a difference."""


@dataclass(frozen=True)
class Reference:
    """The gemeente's published value of one indicator and year (None when it has none), and its name; for a count
    with a denominator also its rate per 1 000."""

    name: str
    value: float | None
    rate: float | None = None

    @classmethod
    def of(cls, artifact: Artifact, indicator: Indicator, year: int, gemeente: str | None = None) -> Reference:
        """The reference of the gemeente ``gemeente`` (a code; None: the artifact's gemeente, or its first)."""
        if gemeente is None:
            gemeente = (artifact.gemeente or artifact.gemeenten[0])[0] if artifact.gemeenten else ""
        if not gemeente:
            return cls("de gemeente", None)
        code, name = artifact.gemeente_of_area(gemeente)
        rows = artifact.rows(indicator.id, "gemeente", year)
        if len(rows) > 1:
            rows = rows[rows.code.astype(str) == code]
        value = rate = None
        if len(rows):
            value = shown_value(rows.status.iloc[0], rows.value.iloc[0])
            if value is not None and "rate" in rows.columns:
                rate = _number(rows.rate.iloc[0])
        return cls(name, value, rate)


def comparable(indicator: Indicator) -> bool:
    """Whether an area's value can be set against the gemeente's: a share, mean or rate can, and a count with a
    denominator as its rate; a bare count cannot (a buurt's 5.885 inwoners are not "127.101 lager" than the city's in
    any useful sense)."""
    if indicator.unit == "count":
        return indicator.denominator is not None
    return indicator.aggregate != "sum"


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def _amount(difference: float, indicator: Indicator) -> str:
    """The size of a difference in the indicator's unit: ``4,3 procentpunt``, ``€ 5.200``, ``0,4 score``, and for a
    count its rate: ``3,1 per 1.000 inwoners``."""
    if indicator.unit == "count":
        return f"{dutch_number(abs(difference), 1)} {indicator.rate_label}"
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

    A difference that rounds to zero reads "gelijk aan"; the verdict (:data:`CLEAR` or :data:`UNCLEAR`) is added only
    where the build judged it; an area too small to judge says :data:`TOO_SMALL` instead.
    """
    if value is None or not comparable(indicator):
        return ""
    verdict = verdict_of(row)
    if verdict is Verdict.TOO_SMALL:
        return TOO_SMALL
    own: float | None = value
    other, decimals = reference.value, indicator.decimals
    if indicator.unit == "count":
        own, other, decimals = _number(row.get("rate")), reference.rate, 1
    if own is None or other is None:
        return ""
    difference = own - other
    if dutch_number(abs(difference), decimals).strip("0,.") == "":
        text = f"gelijk aan {reference.name}"
    else:
        text = f"{_amount(difference, indicator)} {'hoger' if difference > 0 else 'lager'} dan {reference.name}"
    if verdict.clear:
        text += "; " + CLEAR
    elif verdict is Verdict.UNCLEAR:
        text += "; " + UNCLEAR
    return text
