"""Complete the values table: every area of every level, upward aggregation by each indicator's rule.

Values given by a source for an area are kept as given. Where a source gives none for a wijk, stadsdeel or the
gemeente, the value follows from the level below by the indicator's registry rule:

- ``sum``: the sum of the parts; missing when any part is missing (a partial sum would be wrong).
- ``population_weighted_mean``: the mean weighted by ``inwoners`` of the same year (the nearest year when that year
  has no count); missing when the parts with a value hold less than :data:`MIN_COVERAGE` of the residents.
- ``respondent_weighted_mean``: the mean weighted by the parts' respondent counts ``n``; ``n`` adds up.
- ``none``: never derived; only where a source gives the area.

Everything is vectorised over indicators and periods, so a national build costs one group-by per level.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.artifact.areas import Areas
from atlas.artifact.layout import VALUE_COLUMNS
from atlas.artifact.status import status_of_values
from atlas.codes import LEVELS
from atlas.findings import Findings
from atlas.layers.registry import Registry

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


def _population_weights(children: pd.DataFrame) -> pd.DataFrame:
    """``inwoners`` per child code and period, falling back to the nearest year with a count."""
    pop = children[(children.indicator == POPULATION) & children.value.notna()]
    if pop.empty:
        return pd.DataFrame(columns=["code", "period", "weight"])
    table = pop.pivot_table(index="code", columns="period", values="value", aggfunc="first")
    periods = sorted(set(children.period) | set(table.columns))
    table = table.reindex(columns=periods)
    order = sorted(periods)
    # nearest year: look back first, then forward
    filled = table[order].ffill(axis=1).bfill(axis=1)
    weights = filled.rename_axis(index="code", columns="period").reset_index()
    weights = weights.melt(id_vars="code", var_name="period", value_name="weight")
    return weights.dropna(subset=["weight"])


def _aggregate(children: pd.DataFrame, parent_of: pd.Series, registry: Registry, child_level: str) -> pd.DataFrame:
    """Parent rows (indicator, period, code, value, n, source) derived from one child level."""
    rule = {i.id: i.aggregate for i in registry}
    rows = children.assign(parent=children.code.map(parent_of), rule=children.indicator.map(rule))
    rows = rows[rows.parent.notna() & rows.parent.ne("") & rows.rule.ne("none")]
    keys = ["indicator", "period", "parent"]
    derived: list[pd.DataFrame] = []
    suffix = f" (berekend uit {_PLURAL[child_level]})"

    # sum: complete parts only
    s = rows[rows.rule == "sum"]
    if not s.empty:
        g = s.groupby(keys, sort=False)
        out = g.agg(
            value=("value", "sum"),
            n=("n", lambda x: x.sum() if x.notna().all() else np.nan),
            complete=("value", lambda x: bool(x.notna().all())),
            source=("source", "first"),
        ).reset_index()
        out.loc[~out.complete, "value"] = np.nan
        derived.append(out.drop(columns="complete"))

    # respondent-weighted mean
    r = rows[(rows.rule == "respondent_weighted_mean") & rows.value.notna() & (rows.n > 0)]
    if not r.empty:
        r = r.assign(wv=r.value * r.n)
        out = r.groupby(keys, sort=False).agg(wv=("wv", "sum"), n=("n", "sum"), source=("source", "first"))
        out["value"] = out.wv / out.n
        derived.append(out.drop(columns="wv").reset_index())

    # population-weighted mean
    p = rows[rows.rule == "population_weighted_mean"]
    if not p.empty:
        weights = _population_weights(children)
        p = p.merge(weights, on=["code", "period"], how="left")
        p = p[p.weight.notna() & (p.weight > 0)]
        has = p.value.notna()
        p = p.assign(wv=np.where(has, p.value * p.weight, 0.0), wc=np.where(has, p.weight, 0.0))
        out = p.groupby(keys, sort=False).agg(
            wv=("wv", "sum"), wc=("wc", "sum"), wt=("weight", "sum"), source=("source", "first")
        )
        covered = out.wc >= MIN_COVERAGE * out.wt
        out["value"] = np.where(covered & (out.wc > 0), out.wv / out.wc.where(out.wc > 0), np.nan)
        out["n"] = np.nan
        derived.append(out.drop(columns=["wv", "wc", "wt"]).reset_index())

    if not derived:
        return pd.DataFrame(columns=["indicator", "period", "code", "value", "n", "source"])
    result = pd.concat(derived, ignore_index=True).rename(columns={"parent": "code"})
    result["source"] = result.source.astype(str) + suffix
    return result[["indicator", "period", "code", "value", "n", "source"]]


def complete_values(
    raw: pd.DataFrame, areas: Areas, registry: Registry, findings: Findings | None = None
) -> pd.DataFrame:
    """The tidy values table for every area, level, indicator and period the inputs mention."""
    combos = raw[["indicator", "period"]].drop_duplicates().sort_values(["indicator", "period"])
    given = raw[["indicator", "code", "period", "value", "n", "source"]]
    completed: dict[str, pd.DataFrame] = {}
    frames: list[pd.DataFrame] = []
    for level in LEVELS:
        layer = areas.level(level)
        if layer.empty:
            continue
        grid = _grid(registry, combos, level, layer.code)
        rows = grid.merge(given, on=["indicator", "period", "code"], how="left", indicator="_given")
        rows["_given"] = rows["_given"] == "both"
        link = areas.children(level)
        if link is not None:
            child_level, parent_of = link
            if child_level in completed:
                derived = _aggregate(completed[child_level], parent_of, registry, child_level)
                rows = rows.merge(derived, on=["indicator", "period", "code"], how="left", suffixes=("", "_d"))
                use = ~rows["_given"]
                for column in ("value", "n"):
                    derived_column = pd.to_numeric(rows[f"{column}_d"], errors="coerce").astype("float64")
                    rows[column] = derived_column.where(use, rows[column].astype("float64"))
                rows["source"] = rows["source_d"].where(use, rows["source"])
                rows = rows.drop(columns=["value_d", "n_d", "source_d"])
        rows["source"] = rows.source.where(rows.source.notna(), rows.indicator.map({i.id: i.source for i in registry}))
        rows["status"] = status_of_values(rows.value)
        rows = rows.drop(columns="_given")
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
