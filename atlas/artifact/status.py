"""Whether a value may be shown: the one rule every page, map, download and API answer goes through.

The ``status`` column of ``values.parquet`` holds one of the :class:`Status` strings (DESIGN.md §11: ``ok`` for a
published value, ``suppressed`` for a withheld one, ``missing``; new kinds are added, never renamed). A value is
published when, and only when, its status is ``ok`` *and* it has a finite value (:func:`publishable`). A forecast
(``prognose``, from an indicator file marked ``prognose: true``) is shown like a published value, always with its
label, and never counts as a measurement (:func:`is_forecast`): a page's default year is the latest measured one.
Everything else is shown as its status, never as a number: :func:`published_view` clears the value and everything
derived from it (``n``, the interval, the verdict) wherever the rule says no. The reader applies it when an artifact
is opened, so no later stage can show a withheld number by mistake; later stages ask this module instead of
comparing status strings (a test holds the code to that).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd


class Status(StrEnum):
    """The status of one value; the string values are the artifact's contract."""

    PUBLISHED = "ok"
    SUPPRESSED = "suppressed"
    MISSING = "missing"
    PROGNOSE = "prognose"
    """A forecast: shown with its number, always labelled, never taken for a measurement."""

    @property
    def label(self) -> str:
        """How pages, tooltips and tables name the status (Dutch)."""
        return _LABELS[self]

    @property
    def explanation(self) -> str:
        """One sentence for the legend: why an area shows this status instead of a number."""
        return _EXPLAINED.get(self, "")


_LABELS: Mapping[Status, str] = {
    Status.PUBLISHED: "gepubliceerd",
    Status.MISSING: "geen gegevens",
    Status.SUPPRESSED: "niet gepubliceerd (privacy)",
    Status.PROGNOSE: "prognose",
}
_EXPLAINED: Mapping[Status, str] = {
    Status.SUPPRESSED: (
        "Niet gepubliceerd (privacy): het cijfer is klein, of zou samen met de gepubliceerde cijfers een klein "
        "cijfer verraden."
    ),
    Status.MISSING: "Geen gegevens: de bron levert voor dit gebied en jaar geen cijfer.",
    Status.PROGNOSE: "Prognose: een verwachting voor dit jaar volgens de bron, geen meting.",
}

SHOWN: tuple[Status, ...] = (Status.PUBLISHED, Status.PROGNOSE)
"""The statuses whose (finite) value is shown as a number: measured and forecast."""
UNPUBLISHED: tuple[Status, ...] = tuple(s for s in Status if s not in SHOWN)
"""The statuses that stand in for a number, in the order legends list them."""
FORECAST_REMARK = "prognose (verwachting, geen meting)"
"""What downloads say (column ``opmerking``) beside a forecast value."""

HIDDEN_COLUMNS: tuple[str, ...] = ("value", "n", "ci_low", "ci_high", "reference", "rate")
"""Numbers that exist only for a published value."""
HIDDEN_TEXT_COLUMNS: tuple[str, ...] = ("significant", "verdict")
"""Texts derived from a published value (empty otherwise)."""


def _finite(value: Any) -> bool:
    try:
        return math.isfinite(float(value))  # a Python float: no numpy scalar per row
    except (TypeError, ValueError):
        return False


_SHOWN_VALUES = [s.value for s in SHOWN]


def publishable(frame: pd.DataFrame) -> np.ndarray:
    """THE rule, per row of a values table: status ``ok`` (or ``prognose``, a forecast) and a finite value."""
    status = frame["status"].to_numpy(dtype=object)
    value = pd.to_numeric(frame["value"], errors="coerce").to_numpy(dtype="float64")
    return np.asarray(np.isin(status, _SHOWN_VALUES) & np.isfinite(value), dtype=bool)


def is_published(status: Any, value: Any) -> bool:
    """The same rule for one value (a row of a profile or a feature of a map)."""
    return status in _SHOWN_VALUES and _finite(value)


def shown_status(status: Any, value: Any) -> Status:
    """The status a reader sees: ``ok`` (or ``prognose``) without a finite value, an absent or unknown status read
    as missing."""
    if is_published(status, value):
        return Status(status)
    if status == Status.SUPPRESSED.value:
        return Status.SUPPRESSED
    return Status.MISSING


def is_forecast(frame: pd.DataFrame) -> np.ndarray:
    """Per row of a values table: is it a forecast shown as such (status ``prognose``)? A forecast that privacy
    withholds is ``suppressed`` like any other value (one label for every withheld value); which years of an
    indicator are forecasts the artifact keeps apart (``manifest.json``, ``prognose``)."""
    return np.asarray(frame["status"].to_numpy(dtype=object) == Status.PROGNOSE.value, dtype=bool)


def mark_forecasts(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """``frame`` with the rows of ``mask`` that are published (``ok``) marked as forecasts (``prognose``); rows that
    are withheld or missing keep their status (a withheld forecast is withheld, with the one label)."""
    out = frame.copy()
    mark = np.asarray(mask, dtype=bool) & (out["status"].to_numpy(dtype=object) == Status.PUBLISHED.value)
    if mark.any():
        out.loc[mark, "status"] = Status.PROGNOSE.value
    return out


def total_status(parts: pd.DataFrame) -> Status:
    """The status of a value computed from published parts (a regio from its gemeenten,
    :mod:`atlas.pipeline.above`): a forecast when one of them is, else published. Parts that may not be shown give
    no total at all; the caller leaves them out first (:func:`publishable`)."""
    if not publishable(parts).all():
        raise ValueError("a total is only made of published parts")
    return Status.PROGNOSE if is_forecast(parts).any() else Status.PUBLISHED


def pair_status(first: Status, second: Status) -> Status:
    """The status of a pair of shown statuses (a bivariate map's area): published when both are (a forecast when
    either is), withheld when either is withheld, else missing."""
    if first in SHOWN and second in SHOWN:
        return Status.PROGNOSE if Status.PROGNOSE in (first, second) else Status.PUBLISHED
    if Status.SUPPRESSED in (first, second):
        return Status.SUPPRESSED
    return Status.MISSING


def shown_value(status: Any, value: Any) -> float | None:
    """The value when it is published, else None."""
    return float(value) if is_published(status, value) else None


def shown_statuses(frame: pd.DataFrame) -> np.ndarray:
    """:func:`shown_status` for every row of a values table (an array of status strings)."""
    status = frame["status"].to_numpy(dtype=object)
    shown = publishable(frame)
    withheld = np.isin(status, [s.value for s in UNPUBLISHED])
    return np.where(shown | withheld, status, Status.MISSING.value).astype(object)


def remarks(statuses: np.ndarray) -> np.ndarray:
    """Per status string of :func:`shown_statuses`: why a reader sees no number (its label), that a number is a
    forecast (:data:`FORECAST_REMARK`), or "" for a measured number."""
    labels = {s.value: s.label for s in UNPUBLISHED} | {Status.PROGNOSE.value: FORECAST_REMARK}
    return np.array([labels.get(str(s), "") for s in statuses], dtype=object)


def present(frame: pd.DataFrame) -> list[Status]:
    """The statuses that occur in a values table, in :class:`Status` order."""
    found = set(shown_statuses(frame).tolist()) if len(frame) else set()
    return [s for s in Status if s.value in found]


def has_data(frame: pd.DataFrame) -> np.ndarray:
    """Per row: does the source have a figure here, published or withheld? (Not: the status a reader sees is missing.)

    This is the rule by which pages decide where data exists: menus offer an indicator, a map offers a level and a
    year, and a profile takes its latest year, only where some row has data.
    """
    return np.asarray(shown_statuses(frame) != Status.MISSING.value, dtype=bool) if len(frame) else np.zeros(0, bool)


def status_of_values(values: pd.Series) -> np.ndarray:
    """The status of freshly computed values: ``ok`` where there is a value, ``missing`` where not."""
    return np.where(values.notna().to_numpy(), Status.PUBLISHED.value, Status.MISSING.value).astype(object)


def published_view(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with every status a :class:`Status` string and nothing shown that is not published.

    Rows that fail :func:`publishable` lose ``value``, ``n``, the interval, reference and rate (NaN) and their
    verdict (empty); ``ok`` without a value, an absent and an unknown status become ``missing``.
    """
    out = frame.copy()
    if "value" not in out.columns:
        out["value"] = np.nan
    if "status" not in out.columns:
        out["status"] = Status.MISSING.value
    elif out["status"].isna().any():
        out["status"] = out["status"].where(out["status"].notna(), Status.MISSING.value)
    status = out["status"].to_numpy(dtype=object)
    shown = shown_statuses(out)
    relabel = shown != status
    if relabel.any():
        out.loc[relabel, "status"] = shown[relabel]
    _clear(out, ~publishable(out))
    return out


def withhold(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """``frame`` with the rows of ``mask`` suppressed: status ``suppressed``, no value, ``n``, interval or flag."""
    out = frame.copy()
    out.loc[mask, "status"] = Status.SUPPRESSED.value
    _clear(out, mask)
    return out


def _clear(frame: pd.DataFrame, mask: np.ndarray) -> None:
    """Clear, in place, every number and text derived from the value in the rows of ``mask``."""
    if not mask.any():
        return
    for column in HIDDEN_COLUMNS:
        if column in frame.columns:
            frame.loc[mask, column] = np.nan
    for column in HIDDEN_TEXT_COLUMNS:
        if column in frame.columns:
            frame.loc[mask, column] = ""


def check_withheld(frame: pd.DataFrame) -> int:
    """How many rows carry a number, or an interval, rate or verdict derived from one, although :func:`publishable`
    says no (a writer refuses them). (A missing value's ``n`` is what its source gave; the reader clears it.)"""
    hidden = ~publishable(frame)
    carries = frame["value"].notna().to_numpy()
    for column in HIDDEN_COLUMNS:
        if column not in ("value", "n") and column in frame.columns:
            carries = carries | pd.to_numeric(frame[column], errors="coerce").notna().to_numpy()
    for column in HIDDEN_TEXT_COLUMNS:
        if column in frame.columns:
            carries = carries | (frame[column].fillna("").astype(str) != "").to_numpy()
    return int((hidden & carries).sum())
