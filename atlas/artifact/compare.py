"""Whether an area's value differs clearly from the gemeente's: the one rule behind every verdict the atlas gives.

The profile's "Vergeleken met" column, the map's tooltip and table, the doelenkaarten and the API all read the
verdict the build stored with each value (:func:`compare_values`, columns :data:`COLUMNS`), through
:func:`verdict_of`; none of them judges a difference by itself.

**The rule.** An area's value is set against the gemeente's value of the same indicator and period (the
*reference*): the gemeente its code nests in, also when the build holds several gemeenten. It is called ``hoger``
or ``lager`` only when the area's 95 % interval excludes the reference, and ``niet_duidelijk`` when the interval
holds it. The interval follows from the kind of value (the registry's ``interval``):

- ``wilson``: a survey percentage from ``n`` respondents: the Wilson score interval (good for small samples and for
  shares near 0 or 100 %).
- ``mean``: a survey mean such as a scale score from ``n`` respondents with standard deviation ``sd``:
  mean ± t(0.975, n − 1) · sd / √n. A source that gives no standard deviation gives no interval, so no verdict.
- ``poisson``: a count of people or events from a registration (support use, stapeling, crimes), or a rate per 100
  or per 1 000 of a population (the registry's ``denominator``, or the value's ``n``): the exact (Garwood) Poisson
  interval of the count k = rate × population / (100 or 1 000), scaled back to the rate. A count is judged as the
  rate it is of its denominator: its interval is that of the count, and its reference the count the area would have
  at the gemeente's rate (the gemeente's count / the gemeente's denominator × the area's denominator).
- ``none``: figures that are no sample and count no events (CBS compositions, incomes, WOZ values, distances,
  indices, measures the atlas computes such as canopy cover) have no interval: their verdict is ``geen_interval``
  and the pages show the two values side by side without calling the difference clear or not.

**Too small to judge** (``te_klein``): an area with fewer than :data:`MIN_INHABITANTS` inhabitants (the artifact's
``inwoners`` of the period, else the nearest period's), and a survey value from fewer than :data:`MIN_RESPONDENTS`
respondents, get no verdict at all. 100 inhabitants is ten times the default ``privacy.min_count``: below it a
rate of 100 per 1 000 stands for fewer than ``min_count`` people, one household moving shifts a share by whole
percent points, and an interval spans nearly everything (a buurt of 8 inhabitants with 6 of its 8 households
single is no finding). 30 respondents is the default ``privacy.min_respondents``: a verdict needs at least the
sample a survey value needs to be published at all.

**Only what is published goes in.** The value, ``n``, the denominators, the inhabitants and the reference are read
through :func:`~atlas.artifact.status.publishable`, so a withheld figure never gets a verdict and no verdict rests on
a withheld figure: a verdict on a withheld value would narrow it (DESIGN.md §8). The build judges the table after
disclosure control, on the rounded counts it publishes.

**What the API shows proves the verdict.** The interval is rounded outward to the indicator's decimals (the lower
bound down, the upper bound up) before the verdict is taken, and stored with the reference, so ``hoger`` means
exactly ``reference < ci_low``, ``lager`` ``reference > ci_high``, ``niet_duidelijk`` ``ci_low ≤ reference ≤
ci_high``. The reference is taken as fixed: the area is part of the gemeente, whose figure rests on many times
more people.

**Favourable or not** follows from the registry's ``better`` (:func:`judgement`): ``hoger`` of a ``better: higher``
indicator is gunstig, of ``better: lower`` ongunstig, of ``neutral`` neither.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from atlas.artifact.status import is_published, publishable
from atlas.codes import LEVELS, gemeenten_of
from atlas.layers.registry import Indicator, Registry

CONFIDENCE = 0.95
"""The confidence level of every interval."""
Z_95 = 1.959963984540054
"""The 97.5 % quantile of the standard normal distribution."""
MIN_INHABITANTS = 100
"""An area with fewer inhabitants is not compared with the gemeente (see the module's docstring)."""
MIN_RESPONDENTS = 30
"""A survey value from fewer respondents is not compared with the gemeente."""
POPULATION = "inwoners"
"""The indicator whose value is an area's number of inhabitants."""
RATE_PER = 1000.0
"""A count with a denominator is also given as a rate per this many of its denominator (column ``rate``)."""
RATE_DECIMALS = 1
"""Decimals of the stored rate."""

COLUMNS = ["ci_low", "ci_high", "significant", "verdict", "reference", "rate"]
"""The columns :func:`compare_values` adds to a values table (after the contract columns)."""
_FACTOR = {"percent": 100.0, "per_1000": 1000.0}


class Verdict(StrEnum):
    """How an area's value compares with the gemeente's; the strings are stored in ``values.parquet``
    (column ``verdict``) and given by the API."""

    HIGHER = "hoger"
    """The 95 % interval lies wholly above the gemeente's value."""
    LOWER = "lager"
    """The 95 % interval lies wholly below it."""
    UNCLEAR = "niet_duidelijk"
    """The interval holds the gemeente's value: the difference may be chance."""
    NO_INTERVAL = "geen_interval"
    """No interval is known for this kind of value (or the inputs it needs are missing): no verdict."""
    TOO_SMALL = "te_klein"
    """Fewer than :data:`MIN_INHABITANTS` inhabitants or :data:`MIN_RESPONDENTS` respondents: no verdict."""
    NONE = ""
    """Nothing to compare: the gemeente itself, no published value, no reference, or a count without denominator."""

    @property
    def clear(self) -> bool:
        """Whether the difference is clear (the only verdicts that may be called gunstig or ongunstig)."""
        return self in (Verdict.HIGHER, Verdict.LOWER)

    @property
    def label(self) -> str:
        """The verdict in words (Dutch), without favourable or not (:func:`judgement` adds that)."""
        return _LABELS[self]

    @property
    def explanation(self) -> str:
        """One sentence for a legend or a footnote."""
        return _EXPLAINED[self]


_LABELS: Mapping[Verdict, str] = {
    Verdict.HIGHER: "hoger",
    Verdict.LOWER: "lager",
    Verdict.UNCLEAR: "verschilt niet duidelijk",
    Verdict.NO_INTERVAL: "geen oordeel",
    Verdict.TOO_SMALL: "geen oordeel (te klein)",
    Verdict.NONE: "",
}
_EXPLAINED: Mapping[Verdict, str] = {
    Verdict.HIGHER: "Hoger of lager: het 95%-betrouwbaarheidsinterval ligt helemaal boven of onder de gemeente.",
    Verdict.LOWER: "Hoger of lager: het 95%-betrouwbaarheidsinterval ligt helemaal boven of onder de gemeente.",
    Verdict.UNCLEAR: "Verschilt niet duidelijk: de waarde van de gemeente ligt binnen het 95%-interval; het verschil "
    "kan toeval zijn.",
    Verdict.NO_INTERVAL: "Geen oordeel: voor dit soort cijfer (geen steekproef, geen telling van gebeurtenissen, of de "
    "bron geeft de spreiding niet) is geen onzekerheidsmarge bekend, dus ook niet of het verschil duidelijk is.",
    Verdict.TOO_SMALL: f"Geen oordeel (te klein): minder dan {MIN_INHABITANTS} inwoners of minder dan "
    f"{MIN_RESPONDENTS} respondenten.",
    Verdict.NONE: "",
}


def judgement(verdict: Verdict, better: str) -> tuple[str, str]:
    """The verdict as the pages write it, and its tone (``good``, ``bad`` or ``""``): ``hoger (gunstig)`` only for a
    clear difference of an indicator with a direction; every other verdict has no tone."""
    if not verdict.clear or better not in ("higher", "lower"):
        return verdict.label, ""
    good = (verdict is Verdict.HIGHER) == (better == "higher")
    return f"{verdict.label} ({'gunstig' if good else 'ongunstig'})", "good" if good else "bad"


def verdict_of(row: Mapping[Hashable, Any]) -> Verdict:
    """The stored verdict of one row of the values table (a profile row, a map feature, an API row): none unless the
    row is published (:func:`~atlas.artifact.status.is_published`)."""
    if not is_published(row.get("status"), row.get("value")):
        return Verdict.NONE
    raw = row.get("verdict")
    try:
        return Verdict(raw) if isinstance(raw, str) else Verdict.NONE
    except ValueError:
        return Verdict.NONE


# --- intervals -------------------------------------------------------------------------------------------------


def wilson(p: Any, n: Any, z: float = Z_95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for proportions ``p`` (0..1) from ``n`` respondents; NaN where n < 1 or p unknown."""
    p = np.asarray(p, dtype=float)
    n = np.asarray(n, dtype=float)
    ok = np.isfinite(p) & np.isfinite(n) & (n >= 1)
    safe_n = np.where(ok, n, 1.0)
    safe_p = np.clip(np.where(ok, p, 0.0), 0.0, 1.0)
    z2 = z * z
    denominator = 1.0 + z2 / safe_n
    centre = (safe_p + z2 / (2 * safe_n)) / denominator
    half = z * np.sqrt(safe_p * (1 - safe_p) / safe_n + z2 / (4 * safe_n * safe_n)) / denominator
    low = np.where(ok, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(ok, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def poisson(k: Any) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) 95 % interval of the mean of a Poisson count ``k`` (whole, ≥ 0; NaN otherwise)."""
    k = np.asarray(k, dtype=float)
    ok = np.isfinite(k) & (k >= 0)
    safe = np.where(ok, np.round(k), 0.0)
    alpha = 1.0 - CONFIDENCE
    low = np.where(safe > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(safe, 1e-12)) / 2, 0.0)
    high = stats.chi2.ppf(1 - alpha / 2, 2 * (safe + 1)) / 2
    return np.where(ok, low, np.nan), np.where(ok, high, np.nan)


def mean_interval(mean: Any, sd: Any, n: Any) -> tuple[np.ndarray, np.ndarray]:
    """mean ± t(0.975, n − 1) · sd / √n; NaN without a standard deviation or with fewer than 2 respondents."""
    mean, sd, n = (np.asarray(x, dtype=float) for x in (mean, sd, n))
    ok = np.isfinite(mean) & np.isfinite(sd) & (sd >= 0) & np.isfinite(n) & (n >= 2)
    safe_n = np.where(ok, n, 2.0)
    half = stats.t.ppf(1 - (1 - CONFIDENCE) / 2, safe_n - 1) * np.where(ok, sd, 0.0) / np.sqrt(safe_n)
    return np.where(ok, mean - half, np.nan), np.where(ok, mean + half, np.nan)


def _outward(low: np.ndarray, high: np.ndarray, decimals: int) -> tuple[np.ndarray, np.ndarray]:
    """Bounds rounded outward to ``decimals`` (the lower down, the upper up): never narrower than computed."""
    scale = 10.0**decimals
    with np.errstate(invalid="ignore"):
        return np.floor(low * scale + 1e-9) / scale, np.ceil(high * scale - 1e-9) / scale


# --- the rule --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Judged:
    """The interval (in the value's unit, rounded outward) and the verdict of each value given to :func:`judge`."""

    low: np.ndarray
    high: np.ndarray
    verdict: np.ndarray
    """:class:`Verdict` strings."""


def judge(
    interval: str,
    unit: str,
    value: Any,
    reference: Any,
    *,
    decimals: int = 1,
    n: Any = math.nan,
    sd: Any = math.nan,
    denominator: Any = math.nan,
    inhabitants: Any = math.nan,
) -> Judged:
    """THE rule (see the module's docstring), for one indicator's values at once (arrays or numbers).

    ``reference``: the gemeente's value in the value's unit (NaN: no comparison); for a count, the count the area
    would have at the gemeente's rate. ``denominator``: the population a rate is of (for a rate; a count needs
    none). ``inhabitants``: the area's inhabitants (NaN: unknown, no minimum applied). Every input must be published.
    """
    value, reference, n, sd, denominator, inhabitants = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(x, dtype=float)) for x in (value, reference, n, sd, denominator, inhabitants))
    )
    nan = np.full(value.shape, np.nan)
    low, high = nan, nan
    survey = interval in ("wilson", "mean")
    if interval == "wilson":
        low, high = (b * 100.0 for b in wilson(value / 100.0, n))
    elif interval == "mean":
        low, high = mean_interval(value, sd, n)
    elif interval == "poisson":
        if unit == "count":
            low, high = poisson(value)
        elif unit in _FACTOR:
            ok = np.isfinite(denominator) & (denominator > 0)
            per = np.where(ok, denominator, 1.0) / _FACTOR[unit]
            k_low, k_high = poisson(np.where(ok, np.round(value * per), np.nan))
            low, high = k_low / per, k_high / per
    low, high = _outward(low, high, 0 if unit == "count" else decimals)
    has_interval = np.isfinite(low) & np.isfinite(high)
    small = np.isfinite(inhabitants) & (inhabitants < MIN_INHABITANTS)
    if survey:
        small |= np.isfinite(n) & (n < MIN_RESPONDENTS)
    compared = np.isfinite(value) & np.isfinite(reference)
    verdict = np.select(
        [~compared, small, ~has_interval, reference < low, reference > high],
        [
            Verdict.NONE.value,
            Verdict.TOO_SMALL.value,
            Verdict.NO_INTERVAL.value,
            Verdict.HIGHER.value,
            Verdict.LOWER.value,
        ],
        default=Verdict.UNCLEAR.value,
    )
    return Judged(low, high, verdict.astype(object))


def judge_one(
    indicator: Indicator,
    value: float | None,
    reference: float | None,
    **inputs: float | None,
) -> tuple[Verdict, float | None, float | None]:
    """:func:`judge` for one value of ``indicator``: the verdict and the interval (None where there is none)."""
    numbers = {k: math.nan if v is None else float(v) for k, v in inputs.items()}
    judged = judge(
        indicator.interval,
        indicator.unit,
        math.nan if value is None else value,
        math.nan if reference is None else reference,
        decimals=indicator.decimals,
        **numbers,
    )
    low, high = float(judged.low[0]), float(judged.high[0])
    return (
        Verdict(judged.verdict[0]),
        low if math.isfinite(low) else None,
        high if math.isfinite(high) else None,
    )


# --- the values table ------------------------------------------------------------------------------------------


def _nearest(values: pd.DataFrame, shown: np.ndarray, indicator: str) -> np.ndarray:
    """Per row of ``values``: the published value of ``indicator`` for the row's area and period, else of the
    nearest period (earlier first); NaN where the area has none."""
    own = shown & (values["indicator"] == indicator).to_numpy()
    if not own.any():
        return np.full(len(values), np.nan)
    rows = values[own]
    table = rows.pivot_table(index="code", columns="period", values="value", aggfunc="first")
    periods = sorted(set(values["period"].astype(str).unique()) | set(table.columns.astype(str)))
    table.columns = table.columns.astype(str)
    filled = table.reindex(columns=periods).ffill(axis=1).bfill(axis=1)
    stacked = filled.stack()
    keys = pd.MultiIndex.from_arrays([values["code"].astype(str), values["period"].astype(str)])
    return stacked.reindex(keys).to_numpy(dtype="float64")


def compare_values(values: pd.DataFrame, registry: Registry) -> pd.DataFrame:
    """``values`` with :data:`COLUMNS` (re)computed for every row: the interval, the verdict, the reference it was
    judged against and, for a count with a denominator, its rate per 1 000. Only published figures are read; every
    other row gets NaN and ``""``."""
    out = values.drop(columns=[c for c in COLUMNS if c in values.columns])
    size = len(out)
    shown = publishable(out) if size else np.zeros(0, dtype=bool)
    value = np.where(shown, pd.to_numeric(out["value"], errors="coerce").to_numpy(dtype="float64"), np.nan)
    n = np.where(shown, pd.to_numeric(out["n"], errors="coerce").to_numpy(dtype="float64"), np.nan)
    sd = (
        np.where(shown, pd.to_numeric(out["sd"], errors="coerce").to_numpy(dtype="float64"), np.nan)
        if "sd" in out.columns
        else np.full(size, np.nan)
    )
    columns: dict[str, np.ndarray] = {
        "ci_low": np.full(size, np.nan),
        "ci_high": np.full(size, np.nan),
        "verdict": np.full(size, Verdict.NONE.value, dtype=object),
        "reference": np.full(size, np.nan),
        "rate": np.full(size, np.nan),
    }
    if size:
        inhabitants = _nearest(out, shown, POPULATION)
        gemeente = (out["level"] == LEVELS[-1]).to_numpy()
        denominators: dict[str, np.ndarray] = {}
        # every area is set against its own gemeente (a build may hold several): the key names the gemeente too
        own_gemeente = gemeenten_of(out["code"].astype(str))
        keys = out["indicator"].astype(str) + "\x00" + out["period"].astype(str) + "\x00" + own_gemeente
        for ident, index in out.groupby(out["indicator"].astype(str), sort=False).indices.items():
            ind = registry.indicators.get(str(ident))
            if ind is None:
                continue
            rows = np.asarray(index)
            den = np.full(len(rows), np.nan)
            if ind.denominator:
                if ind.denominator not in denominators:
                    denominators[ind.denominator] = _nearest(out, shown, ind.denominator)
                den = denominators[ind.denominator][rows]
            if ind.unit != "count":
                den = np.where(np.isfinite(n[rows]) & (n[rows] > 0), n[rows], den)
            own = value[rows]
            # the gemeente's value per period (its rate for a count), set against every area of that gemeente and period
            city = pd.Series(np.where(gemeente[rows], own, np.nan), index=keys.iloc[rows].to_numpy())
            city_den = pd.Series(np.where(gemeente[rows], den, np.nan), index=city.index)
            city = city.groupby(level=0).max()
            city_den = city_den.groupby(level=0).max()
            ref = city.reindex(keys.iloc[rows]).to_numpy(dtype="float64")
            if ind.unit == "count":
                with np.errstate(divide="ignore", invalid="ignore"):
                    rate = np.where(den > 0, own / den * RATE_PER, np.nan)
                    city_rate = (city / city_den.where(city_den > 0)).reindex(keys.iloc[rows]).to_numpy("float64")
                columns["rate"][rows] = np.round(rate, RATE_DECIMALS)
                ref = np.round(city_rate * den, 1) if ind.denominator else np.full(len(rows), np.nan)
            ref = np.where(gemeente[rows], np.nan, ref)
            judged = judge(
                ind.interval,
                ind.unit,
                own,
                ref,
                decimals=ind.decimals,
                n=n[rows],
                sd=sd[rows],
                denominator=den,
                inhabitants=inhabitants[rows],
            )
            columns["ci_low"][rows] = judged.low
            columns["ci_high"][rows] = judged.high
            columns["verdict"][rows] = judged.verdict
            columns["reference"][rows] = np.where(judged.verdict != Verdict.NONE.value, ref, np.nan)
    clear = np.isin(columns["verdict"], [Verdict.HIGHER.value, Verdict.LOWER.value])
    out["ci_low"] = columns["ci_low"]
    out["ci_high"] = columns["ci_high"]
    out["significant"] = np.where(clear, columns["verdict"], "").astype(str)
    out["verdict"] = columns["verdict"].astype(str)
    out["reference"] = columns["reference"]
    out["rate"] = columns["rate"]
    return out
