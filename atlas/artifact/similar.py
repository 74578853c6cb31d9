"""Which buurten are alike: the five most similar buurten of every buurt, computed once by the build.

A buurt's profile names them ("Vergelijkbare buurten") with a link to set them side by side (``/vergelijk``). The
build writes them to ``similar.parquet`` (:data:`COLUMNS`); pages only read it.

**The context indicators** (:data:`CONTEXT_INDICATORS`, the one place the set is named): the age structure (the
shares of inhabitants of 0-14, 15-24, 25-44, 45-64 and 65 and older), the average household size, the standardised
household income and the average WOZ value of homes. They describe who lives in a buurt and how, not how it fares,
so buurten alike in them are fair to compare on everything else.

**The rule.**

1. Per indicator the latest *measured* year with a published buurt value: forecast years (``prognose``, listed in
   the manifest's ``forecasts``) never count.
2. Only published values go in (:func:`~atlas.artifact.status.publishable`): a withheld value is no value, so the
   list, which is published, cannot reveal anything the atlas withholds.
3. Each indicator is standardised over the buurten that have a value: z = (value − mean) / standard deviation. An
   indicator with fewer than two values or without spread is left out.
4. The distance between two buurten is the Euclidean distance of their z-scores over the indicators *both* have,
   divided by the square root of that number (the root mean square difference), so pairs that share fewer
   indicators are not closer for it. Two buurten are compared only when they share at least :data:`MIN_SHARED`
   indicators; a buurt with fewer published context values gets no list (its profile says why).
5. Only buurten with at least :data:`~atlas.artifact.compare.MIN_INHABITANTS` inhabitants (their published
   ``inwoners`` of the latest measured year) take part, as the buurt and as a candidate: the shares of a business
   park with a few dozen inhabitants swing by chance and would make it "similar" to anything.
6. The :data:`TOP` nearest, nearest first; equal distances by code, so every build lists the same.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from atlas.artifact.compare import MIN_INHABITANTS
from atlas.artifact.status import publishable

CONTEXT_INDICATORS: tuple[str, ...] = (
    "leeftijd_0_14",
    "leeftijd_15_24",
    "leeftijd_25_44",
    "leeftijd_45_64",
    "leeftijd_65_plus",
    "gemiddelde_huishoudgrootte",
    "gestandaardiseerd_inkomen",
    "woz_waarde",
)
"""The indicators by which buurten are alike (see the module's docstring)."""
CONTEXT_TEXT = "leeftijdsopbouw, gemiddelde huishoudensgrootte, gestandaardiseerd inkomen en gemiddelde WOZ-waarde"
""":data:`CONTEXT_INDICATORS` in words, for the pages."""
MIN_SHARED = 3
"""Two buurten are compared only on at least this many context indicators that both have."""
TOP = 5
"""How many similar buurten a buurt gets."""
LEVEL = "buurt"
COLUMNS = ["code", "rank", "other", "distance", "shared"]
"""Columns of ``similar.parquet``: the buurt, the rank (1 = most similar), the other buurt, their distance (rounded to
:data:`DECIMALS`) and the number of context indicators it rests on."""
DECIMALS = 6
BLOCK = 256
"""Buurten whose distances to all others are computed at once (memory: a few BLOCK x buurten arrays)."""
POPULATION = "inwoners"


def context_rows(values: pd.DataFrame) -> pd.DataFrame:
    """The rows of a values table that :func:`similar_buurten` reads (the buurten's context indicators and
    inhabitants): what a part of a build hands over, so the similar buurten are found among the whole country's."""
    keep = values["level"].astype(str).eq(LEVEL) & values["indicator"].isin([*CONTEXT_INDICATORS, POPULATION])
    return values[keep].reset_index(drop=True)


def large_enough(values: pd.DataFrame, forecasts: Mapping[str, Iterable[int]]) -> set[str] | None:
    """The buurten with at least MIN_INHABITANTS published inhabitants in the latest measured year (None when the
    artifact has no inhabitants, so nobody is left out for lack of them)."""
    rows = values[(values["level"].astype(str) == LEVEL) & (values["indicator"] == POPULATION)]
    rows = rows[publishable(rows)]
    years = rows["period"].astype(str).str[:4].astype(int)
    ahead = {int(y) for y in forecasts.get(POPULATION, ())}
    measured = [int(y) for y in years.unique() if int(y) not in ahead]
    if not measured:
        return None
    latest = rows[years.to_numpy() == max(measured)]
    count = pd.to_numeric(latest["value"], errors="coerce")
    return set(latest["code"].astype(str)[count.to_numpy() >= MIN_INHABITANTS])


def context_years(values: pd.DataFrame, forecasts: Mapping[str, Iterable[int]]) -> dict[str, int]:
    """Per context indicator the latest measured year with a published buurt value (indicators without one are
    absent)."""
    rows = values[(values["level"].astype(str) == LEVEL) & values["indicator"].isin(CONTEXT_INDICATORS)]
    rows = rows[publishable(rows)]
    years = rows["period"].astype(str).str[:4].astype(int)
    out = {}
    for ind in CONTEXT_INDICATORS:
        ahead = {int(y) for y in forecasts.get(ind, ())}
        measured = [int(y) for y in years[rows["indicator"] == ind].unique() if int(y) not in ahead]
        if measured:
            out[ind] = max(measured)
    return out


def context_scores(values: pd.DataFrame, forecasts: Mapping[str, Iterable[int]]) -> pd.DataFrame:
    """Buurt (index, sorted) x context indicator: the z-score of its published value of :func:`context_years`, NaN
    where it has none. Indicators with fewer than two values or no spread are left out."""
    years = context_years(values, forecasts)
    rows = values[(values["level"].astype(str) == LEVEL) & values["indicator"].isin(list(years))]
    rows = rows[publishable(rows)]
    rows = rows[rows["period"].astype(str).str[:4].astype(int).to_numpy() == rows["indicator"].map(years).to_numpy()]
    table = (
        rows.assign(value=pd.to_numeric(rows["value"], errors="coerce"), code=rows["code"].astype(str))
        .pivot_table(index="code", columns="indicator", values="value", aggfunc="first")
        .sort_index()
    )
    enough = large_enough(values, forecasts)
    if enough is not None:
        table = table[table.index.isin(enough)]
    scores = {}
    for ind in CONTEXT_INDICATORS:
        if ind not in table.columns:
            continue
        column = table[ind]
        spread = column.std(ddof=0)
        if column.count() < 2 or not np.isfinite(spread) or spread == 0:
            continue
        scores[ind] = (column - column.mean()) / spread
    return pd.DataFrame(scores, index=table.index)


def similar_buurten(values: pd.DataFrame, forecasts: Mapping[str, Iterable[int]]) -> pd.DataFrame:
    """The :data:`TOP` most similar buurten of every buurt (:data:`COLUMNS`), by the module's rule."""
    scores = context_scores(values, forecasts)
    codes = scores.index.to_numpy(dtype=str)
    z = scores.to_numpy(dtype="float64")
    if not len(codes) or not z.shape[1]:
        return pd.DataFrame({c: pd.Series(dtype="int64" if c in ("rank", "shared") else object) for c in COLUMNS})
    has = np.isfinite(z).astype("float64")
    filled = np.where(has > 0, z, 0.0)
    squared = filled**2
    out: list[tuple[str, int, str, float, int]] = []
    for start in range(0, len(codes), BLOCK):  # a block of rows at a time: memory BLOCK x buurten
        rows = slice(start, min(start + BLOCK, len(codes)))
        # over the indicators both have: sum (a - b)^2 = sum a^2 [b] - 2 sum a b + sum [a] b^2, as matrix products
        shared = np.rint(has[rows] @ has.T).astype("int64")
        squares = squared[rows] @ has.T - 2 * (filled[rows] @ filled.T) + has[rows] @ squared.T
        with np.errstate(invalid="ignore", divide="ignore"):
            distance = np.round(np.sqrt(np.maximum(squares, 0.0) / shared), DECIMALS)
        usable = shared >= MIN_SHARED
        usable[np.arange(rows.stop - rows.start), np.arange(rows.start, rows.stop)] = False  # not itself
        distance = np.where(usable, distance, np.inf)
        for i, code in enumerate(codes[rows]):
            count = min(TOP, int(usable[i].sum()))
            if not count:
                continue
            kth = np.partition(distance[i], count - 1)[count - 1]  # the TOP-th distance; ties at it all go in
            candidates = np.flatnonzero(distance[i] <= kth)
            order = candidates[np.lexsort((codes[candidates], distance[i, candidates]))][:TOP]
            out += [
                (str(code), rank, str(codes[j]), float(distance[i, j]), int(shared[i, j]))
                for rank, j in enumerate(order, 1)
            ]
    return pd.DataFrame(out, columns=COLUMNS)
