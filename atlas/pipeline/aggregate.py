"""Complete the values table: every area of every level, upward aggregation by each indicator's rule.

Values given by a source for an area are kept as given. Where a source gives none for a wijk, stadsdeel or the
gemeente, the value follows from the level below by the indicator's registry rule:

- ``sum``: the sum of the parts; missing when any part is missing (a partial sum would be wrong).
- ``population_weighted_mean``: the mean weighted by ``inwoners`` of the same year (the nearest year when that year
  has no count); missing when the parts with a value hold less than :data:`MIN_COVERAGE` of the residents; rounded
  to the unit the parts are rounded to, when they all are (incomes in hundreds of euro).
- ``respondent_weighted_mean``: the mean weighted by the parts' respondent counts ``n``; ``n`` adds up.
- ``none``: never derived; only where a source gives the area.

Everything is vectorised over indicators and periods, so a national build costs one group-by per level.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from atlas.artifact.areas import Areas
from atlas.artifact.layout import VALUE_COLUMNS
from atlas.artifact.status import status_of_values
from atlas.codes import LEVELS, gemeenten_of
from atlas.findings import Findings
from atlas.layers.registry import Registry
from atlas.pipeline.reconcile import reconcile
from atlas.sources.spec.options import IndicatorOptions

MIN_COVERAGE = 0.9
"""Share of the weight (residents) that must have a value before a population-weighted mean is published."""

POPULATION = "inwoners"

_PLURAL = {"buurt": "buurten", "wijk": "wijken", "stadsdeel": "stadsdelen", "gemeente": "gemeenten"}


def _grid(registry: Registry, combos: pd.DataFrame, level: str, codes: pd.Series) -> pd.DataFrame:
    """All (indicator, period, code) rows an area level should have."""
    allowed = [i.id for i in registry if level in i.levels]
    combos = combos[combos.indicator.isin(allowed)]
    grid = combos.merge(pd.DataFrame({"code": codes.astype(str)}), how="cross")
    grid["level"] = level
    return grid


def population_weights(children: pd.DataFrame) -> pd.DataFrame:
    """``inwoners`` per child code and period, falling back to the nearest year with a count."""
    pop = children[(children.indicator == POPULATION) & children.value.notna()]
    if pop.empty:
        return pd.DataFrame(columns=["code", "period", "weight"])
    table = pop.pivot_table(index="code", columns="period", values="value", aggfunc="first")
    periods = sorted(set(children.period.unique()) | set(table.columns))  # distinct first: no loop over every row
    table = table.reindex(columns=periods)
    order = sorted(periods)
    # nearest year: look back first, then forward
    filled = table[order].ffill(axis=1).bfill(axis=1)
    weights = filled.rename_axis(index="code", columns="period").reset_index()
    weights = weights.melt(id_vars="code", var_name="period", value_name="weight")
    return weights.dropna(subset=["weight"])


ROUNDING_UNITS = (1000.0, 100.0, 10.0, 5.0)
"""Units a source may round its counts to (CBS rounds wijk counts to 5)."""
MIN_VALUES_FOR_A_UNIT = 5
"""A rounding unit is only read from at least this many non-zero values (one total of 1 000 is not rounded)."""


def _multiple(values: np.ndarray, unit: float) -> np.ndarray:
    """Whether each value is a whole multiple of ``unit``, up to the float noise of a scaled number: 33.2 thousand
    euro read as 32.7 * 1000 is 32700.000000000004, and 32.3 * 1000 is 32299.999999999996, whose remainder by 100
    is 99.99…, not 0 (so the remainder is not the test; the quotient's distance to a whole number is)."""
    quotient = values / unit
    return np.isclose(quotient, np.round(quotient), rtol=0.0, atol=1e-6)


def rounding_error(values: pd.DataFrame) -> pd.DataFrame:
    """Per ``indicator, period`` and ``gemeente`` (the one a ``code`` nests in; "" without codes): half the unit the
    given values seem rounded to (0 for exact whole numbers). Each gemeente on its own, so the values of one do not
    decide how another's are read.

    A unit is recognised when at least :data:`MIN_VALUES_FOR_A_UNIT` non-zero whole values are all multiples of it.
    Every test is made on every value at once and then combined per group ("all" over the group's non-zero
    values): a group-by iterated in Python cost a national build seconds.
    """
    known = values[values.value.notna()]
    keys = ["indicator", "period", "gemeente"]
    if known.empty:
        return pd.DataFrame(columns=[*keys, "err"])
    gemeente = gemeenten_of(known.code.astype(str)).to_numpy() if "code" in known.columns else ""
    v = known.value.to_numpy(dtype="float64")
    zero = v == 0
    with np.errstate(invalid="ignore"):  # inf % unit is NaN: not a multiple, as in a per-group test
        tests = {
            "count": ~zero,
            "whole": zero | np.isclose(v, np.round(v)),
            **{f"multiple_{i}": zero | _multiple(v, u) for i, u in enumerate(ROUNDING_UNITS)},
        }
    frame = pd.DataFrame({"indicator": known.indicator.to_numpy(), "period": known.period.to_numpy()})
    frame = frame.assign(gemeente=gemeente, **tests)
    groups = frame.groupby(keys, sort=False).agg({"count": "sum", **dict.fromkeys(list(tests)[1:], "all")})
    rounded = (groups["count"] >= MIN_VALUES_FOR_A_UNIT) & groups["whole"]
    unit = np.full(len(groups), 1.0)
    for i, u in reversed(list(enumerate(ROUNDING_UNITS))):  # the first unit that fits wins
        unit = np.where(groups[f"multiple_{i}"].to_numpy(), u, unit)
    err = np.where(rounded.to_numpy() & (unit != 1.0), unit / 2, 0.0)
    out = groups.index.to_frame(index=False).assign(err=err)
    return pd.DataFrame({c: out[c].tolist() for c in out.columns})  # the key columns' types as the rows give them


def _sum(rows: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Sum of the parts: only where every part has a value (a partial sum would be wrong); ``n`` likewise.

    "Every part has one" is a column of flags combined with the group-by's own "all", not a Python function per
    group (which cost a national build seconds)."""
    has_err = "err" in rows.columns
    flagged = rows.assign(_value_known=rows.value.notna(), _n_known=rows.n.notna())
    out = (
        flagged.groupby(keys, sort=False)
        .agg(
            value=("value", "sum"),
            n=("n", "sum"),
            n_complete=("_n_known", "all"),
            complete=("_value_known", "all"),
            tolerance=("err" if has_err else "value", "sum"),  # without an error column: NaN below
            source=("source", "first"),
        )
        .reset_index()
    )
    out["n"] = out.n.where(out.n_complete, np.nan)
    if not has_err:
        out["tolerance"] = np.nan
    out.loc[~out.complete, "value"] = np.nan
    return out.drop(columns=["complete", "n_complete"]).assign(method="")


def _respondent_mean(rows: pd.DataFrame, keys: list[str], weights: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Mean weighted by respondents ``n`` where every part with a value has one; the other groups are returned
    apart (survey values without ``n``), to be weighted by inhabitants where the sources file says so."""
    complete = rows.value.notna().groupby([rows[k] for k in keys]).transform("all")
    valued = rows[rows.value.notna()]
    complete = complete[rows.value.notna()]
    counted = valued.n.notna() & (valued.n > 0)
    without_n = (~counted).groupby([valued[k] for k in keys]).transform("any") if len(valued) else counted
    with_n = valued[~without_n.astype(bool)]
    out = pd.DataFrame(columns=[*keys, "value", "n", "tolerance", "source", "method"])
    if not with_n.empty:
        with_n = with_n.assign(wv=with_n.value * with_n.n, complete=complete[~without_n.astype(bool)])
        grouped = with_n.groupby(keys, sort=False).agg(
            wv=("wv", "sum"), n=("n", "sum"), complete=("complete", "all"), source=("source", "first")
        )
        grouped["value"] = grouped.wv / grouped.n
        grouped["tolerance"] = np.where(grouped.complete, np.nan, np.inf)  # compared only when every part counts
        out = grouped.drop(columns=["wv", "complete"]).reset_index().assign(method="")
    approximate = valued[without_n.astype(bool)]
    approximate = approximate[approximate.indicator.map(weights).eq("inwoners")]
    return out, approximate


def _population_mean(rows: pd.DataFrame, children: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Mean weighted by ``inwoners``; missing where the parts with a value hold too few of the residents."""
    weights = population_weights(children)
    p = rows.merge(weights, on=["code", "period"], how="left")
    p = p[p.weight.notna() & (p.weight > 0)]
    has = p.value.notna()
    p = p.assign(wv=np.where(has, p.value * p.weight, 0.0), wc=np.where(has, p.weight, 0.0))
    out = p.groupby(keys, sort=False).agg(
        wv=("wv", "sum"), wc=("wc", "sum"), wt=("weight", "sum"), source=("source", "first")
    )
    covered = out.wc >= MIN_COVERAGE * out.wt
    out["value"] = np.where(covered & (out.wc > 0), out.wv / out.wc.where(out.wc > 0), np.nan)
    out["n"] = np.nan
    # a mean of only some of the parts says little about the source's own value: no comparison then
    out["tolerance"] = np.where(out.wc >= out.wt, np.nan, np.inf)
    return out.drop(columns=["wv", "wc", "wt"]).reset_index().assign(method="")


AMOUNTS = ("euro", "count")
"""Registry units of amounts a source rounds (CBS: incomes in hundreds of euro). A percentage is not: buurten that
are each 0 % or 100 % (the 22 % canopy criterion holds for a whole buurt or for none of it) are not "rounded to
100", and their wijk's mean of 19.7 % must not become 0 %."""


def _rounded_like(means: pd.DataFrame, parts: pd.DataFrame, amounts: set[str]) -> pd.DataFrame:
    """Means of amounts (``amounts``: indicator ids with a unit of :data:`AMOUNTS`) rounded to the unit their parts
    are rounded to (:func:`rounding_error`: CBS gives incomes in hundreds of euro), so a stadsdeel the atlas computes
    reads "€ 41.700" beside its wijken's "€ 35.200", not "€ 41.676": a mean is no more precise than what it
    averages."""
    parts = parts[parts.indicator.isin(list(amounts))]
    units = rounding_error(parts).rename(columns={"err": "unit"})
    units = units[units.unit > 0].assign(unit=lambda u: 2 * u.unit)
    if units.empty or means.empty:
        return means
    own = means.assign(gemeente=gemeenten_of(means.parent.astype(str)))
    unit = own.merge(units, on=["indicator", "period", "gemeente"], how="left")["unit"].to_numpy(dtype="float64")
    value = means["value"].to_numpy(dtype="float64")
    rounded = np.where(np.isfinite(unit), np.round(value / np.where(np.isfinite(unit), unit, 1.0)) * unit, value)
    return means.assign(value=rounded)


def _aggregate(
    children: pd.DataFrame,
    parent_of: pd.Series,
    registry: Registry,
    child_level: str,
    weights: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Parent rows (indicator, period, code, value, n, source, tolerance, method) derived from one child level.

    ``tolerance``: for sums of parts with an ``err`` column (their rounding error), its sum; for means NaN where
    every part has a value (comparable) and inf where not;
    ``method`` says when the value is an approximation (survey values without ``n`` weighted by inhabitants).
    """
    rule = {i.id: i.aggregate for i in registry}
    rows = children.assign(parent=children.code.map(parent_of), rule=children.indicator.map(rule))
    rows = rows[rows.parent.notna() & rows.parent.ne("") & rows.rule.ne("none")]
    keys = ["indicator", "period", "parent"]
    derived: list[pd.DataFrame] = []
    suffix = f" (berekend uit {_PLURAL[child_level]})"

    s = rows[rows.rule == "sum"]
    if not s.empty:
        derived.append(_sum(s, keys))
    r = rows[rows.rule == "respondent_weighted_mean"]
    if not r.empty:
        by_respondents, approximate = _respondent_mean(r, keys, weights or {})
        derived.append(by_respondents)
        if not approximate.empty:
            approx = _population_mean(approximate, children, keys)
            derived.append(approx.assign(method=APPROXIMATION))
    p = rows[rows.rule == "population_weighted_mean"]
    if not p.empty:
        amounts = {i.id for i in registry if i.unit in AMOUNTS}
        derived.append(_rounded_like(_population_mean(p, children, keys), p, amounts))

    columns = ["indicator", "period", "code", "value", "n", "source", "tolerance", "method"]
    derived = [d for d in derived if not d.empty]
    if not derived:
        return pd.DataFrame(columns=columns)
    result = pd.concat(derived, ignore_index=True).rename(columns={"parent": "code"})
    result["source"] = result.source.astype(str) + np.where(
        result.method.eq(APPROXIMATION), f" ({APPROXIMATION}, {suffix.strip(' ()')})", suffix
    )
    return result[columns]


def _bottom_up(rows: pd.DataFrame) -> pd.DataFrame:
    """Each area's value as its lowest complete level gives it (the parts' sum or mean where they are complete,
    else the source's own), with the rounding error it may carry: what a source's parent value is compared with."""
    complete = rows.value_p.notna() & ~np.isinf(pd.to_numeric(rows.tolerance_p, errors="coerce"))
    err = pd.to_numeric(rows.tolerance_p, errors="coerce").where(complete, rows.err).fillna(0.0)
    return pd.DataFrame(
        {
            "indicator": rows.indicator,
            "period": rows.period,
            "code": rows.code,
            "value": rows.value_p.where(complete, rows.value),
            "n": rows.n_d.where(complete, rows.n),
            "source": rows.source_d.where(complete, rows.source),
            "err": err,
        }
    )


APPROXIMATION = "benadering: gewogen naar inwoners"
"""How the source of a survey value without respondent counts, aggregated by inhabitants, says it is approximate."""


def complete_values(
    raw: pd.DataFrame,
    areas: Areas,
    registry: Registry,
    findings: Findings | None = None,
    options: Mapping[str, IndicatorOptions] | None = None,
) -> pd.DataFrame:
    """The tidy values table for every area, level, indicator and period the inputs mention.

    Where a source gives a parent value and its parts add up to something else, ``options`` (the sources file's
    ``indicator_options``) says which is shown, and ``findings`` hears of it (:mod:`atlas.pipeline.reconcile`).
    """
    options = options or {}
    weights = {ident: o.weights for ident, o in options.items()}
    combos = raw[["indicator", "period"]].drop_duplicates().sort_values(["indicator", "period"])
    given = raw[["indicator", "code", "period", "value", "n", "source", *(["file"] if "file" in raw.columns else [])]]
    keys = ["indicator", "period", "code"]
    completed: dict[str, pd.DataFrame] = {}
    bottom_up: dict[str, pd.DataFrame] = {}
    frames: list[pd.DataFrame] = []
    for level in LEVELS:
        layer = areas.level(level)
        if layer.empty:
            continue
        grid = _grid(registry, combos, level, layer.code)
        rows = grid.merge(given, on=keys, how="left", indicator="_given")
        rows["_given"] = rows["_given"] == "both"
        rows["gemeente"] = gemeenten_of(rows.code.astype(str))
        rows = rows.merge(rounding_error(rows[rows._given]), on=["indicator", "period", "gemeente"], how="left")
        rows = rows.drop(columns="gemeente")
        rows["err"] = rows.err.fillna(0.0)
        link = areas.children(level)
        if link is not None and link[0] in completed:
            child_level, parent_of = link
            derived = _aggregate(completed[child_level], parent_of, registry, child_level, weights)
            rows = rows.merge(derived.drop(columns="tolerance"), on=keys, how="left", suffixes=("", "_d"))
            parts = _aggregate(bottom_up[child_level], parent_of, registry, child_level, weights)
            parts = parts[[*keys, "value", "tolerance"]].rename(
                columns={"value": "value_p", "tolerance": "tolerance_p"}
            )
            rows = rows.merge(parts, on=keys, how="left")
            bottom_up[level] = _bottom_up(rows)
            rows = reconcile(rows, registry, options, findings, level, child_level)
        else:
            bottom_up[level] = rows[[*keys, "value", "n", "source", "err"]]
        rows["source"] = rows.source.where(rows.source.notna(), rows.indicator.map({i.id: i.source for i in registry}))
        rows["status"] = status_of_values(rows.value)
        rows = rows.drop(columns=["_given", "err"])
        completed[level] = rows
        frames.append(rows)
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in VALUE_COLUMNS})
    values = pd.concat(frames, ignore_index=True)[VALUE_COLUMNS]
    values["value"] = values.value.astype("float64")
    values["n"] = values.n.astype("float64")
    for column in ("indicator", "code", "level", "period", "source", "status"):
        values[column] = values[column].astype(str)
    level_order = {level: i for i, level in enumerate(LEVELS)}
    values = values.assign(_l=values.level.map(level_order)).sort_values(
        ["indicator", "period", "_l", "code"], kind="stable"
    )
    return values.drop(columns="_l").reset_index(drop=True)
