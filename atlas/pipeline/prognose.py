"""Forecasts (``prognose``): which indicator years are expected rather than measured, kept apart from measurements.

An indicator file marked ``prognose: true`` (or a long file's ``status`` column) gives forecasts: a bevolkingsprognose
of the age bands, for example. They go through the same build as measured values (aggregation upward by the
indicator's rule, intervals, disclosure control: a small forecast is withheld like any small number), and then
every published value of a forecast year gets the status ``prognose`` (:func:`~atlas.artifact.status.mark_forecasts`)
and no verdict against the gemeente (:func:`forecast_verdicts`: a forecast has no interval).

A forecast is a property of an indicator's year: the values of wijken and stadsdelen aggregated from forecast buurten
are forecasts too. When one indicator's year has both measured and forecast values, every value of that year is
marked a forecast (a sum of measured and forecast parts is no measurement) and a ``forecast_mix`` warning says so.
The manifest lists the forecast years per indicator (:func:`forecast_report`), which is how the artifact knows them
even where privacy withheld every value.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from atlas.artifact.compare import Verdict
from atlas.artifact.status import mark_forecasts
from atlas.findings import Findings
from atlas.sources.indicators import FORECAST_COLUMN

Forecasts = Mapping[str, frozenset[str]]
"""Indicator id -> the periods that are forecasts."""


def forecast_periods(raw: pd.DataFrame, findings: Findings | None = None) -> dict[str, frozenset[str]]:
    """The forecast periods of every indicator in the imported values (column :data:`FORECAST_COLUMN`), with a
    ``forecast_mix`` warning for a period that mixes measured and forecast values."""
    if FORECAST_COLUMN not in raw.columns or raw.empty:
        return {}
    flags = raw[FORECAST_COLUMN].fillna(False).astype(bool)
    if not flags.any():
        return {}
    keyed = pd.DataFrame({"indicator": raw.indicator.astype(str), "period": raw.period.astype(str), "f": flags})
    per_key = keyed.groupby(["indicator", "period"], sort=True)["f"].agg(["any", "all"]).reset_index()
    out: dict[str, set[str]] = {}
    for indicator, period, every in per_key[per_key["any"]][["indicator", "period", "all"]].itertuples(index=False):
        out.setdefault(str(indicator), set()).add(str(period))
        if not every and findings is not None:
            first = raw[(raw.indicator == indicator) & (raw.period == period) & ~flags].iloc[0]
            findings.warning(
                "forecast_mix",
                f"{indicator} in {period} has measured values and forecasts; every value of that year is shown "
                "as a forecast (prognose)",
                file=str(first.get("file", "")) or None,
                row=int(first["row"]) if pd.notna(first.get("row")) and int(first["row"]) > 0 else None,
                indicator=str(indicator),
                period=str(period),
            )
    return {indicator: frozenset(periods) for indicator, periods in out.items()}


def apply_forecasts(values: pd.DataFrame, forecasts: Forecasts) -> pd.DataFrame:
    """``values`` with every published value of a forecast period marked ``prognose`` (withheld ones stay withheld)."""
    if not forecasts or values.empty:
        return values
    return mark_forecasts(values, _forecast_rows(values, forecasts))


def _forecast_rows(values: pd.DataFrame, forecasts: Forecasts) -> np.ndarray:
    keys = {(indicator, period) for indicator, periods in forecasts.items() for period in periods}
    pairs = zip(values.indicator.astype(str), values.period.astype(str), strict=True)
    return np.fromiter(((i, p) in keys for i, p in pairs), dtype=bool, count=len(values))


def forecast_verdicts(values: pd.DataFrame, forecasts: Forecasts) -> pd.DataFrame:
    """``values`` (judged by :func:`~atlas.artifact.compare.compare_values`) without a verdict for a forecast: it is
    no sample and counts no events, so it has no interval and no difference with the gemeente is "clear"; its verdict
    is ``geen_interval`` (the values stay side by side on the pages)."""
    if not forecasts or values.empty or "verdict" not in values.columns:
        return values
    rows = _forecast_rows(values, forecasts)
    if not rows.any():
        return values
    judged = rows & np.isin(
        values["verdict"].astype(str), [v.value for v in Verdict if v.clear or v is Verdict.UNCLEAR]
    )
    out = values.copy()
    out.loc[judged, "verdict"] = Verdict.NO_INTERVAL.value
    for column in ("ci_low", "ci_high"):  # no interval at all, also where no verdict was asked (the gemeente)
        if column in out.columns:
            out.loc[rows, column] = np.nan
    if "significant" in out.columns:
        out.loc[rows, "significant"] = ""
    return out


def forecast_report(forecasts: Forecasts) -> dict[str, list[str]]:
    """The manifest's ``prognose``: indicator -> its forecast periods, sorted."""
    return {indicator: sorted(periods) for indicator, periods in sorted(forecasts.items())}
