"""The levels above the gemeente (issue 15): ``regio`` (gemeenten grouped by the sources file's ``areas.regio``
CSV, :mod:`atlas.sources.regio`) and ``nederland`` (every gemeente, ``gemeente: all``; code ``NL01`` as CBS
writes it).

Their values are computed from the **published** gemeente values only, after the disclosure control of every
part: a regio's value is a function of what anyone can read on the gemeente pages, so it can neither reveal nor
narrow a withheld value (DESIGN.md §8) — an attacker adding up the gemeenten gets the same number. This is the
audit of the relation "regio = its gemeenten" where it lives: nothing in it is withheld, so there is nothing to
protect. A value is given only when every gemeente of the regio has a published value of that indicator and year
(a total of some of them would be wrong, and would silently be read as the whole):

- ``sum``: the sum of the gemeenten's published values (already rounded by the privacy policy);
- ``population_weighted_mean``: weighted by the gemeenten's published ``inwoners`` (the nearest year with a count,
  as below the gemeente), rounded to the indicator's decimals, or an amount (euro) to the unit the gemeenten's
  values are rounded to (CBS: hundreds of euro; a mean is no more precise than what it averages);
- ``respondent_weighted_mean``: weighted by the published respondent counts ``n``, which add up;
- ``none``: not given.

A regio value is a forecast (``prognose``) when one of its gemeenten' is. The top levels are not compared with
anything (no verdict): the gemeenten are compared with them on the map of gemeenten.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from atlas.artifact.areas import Areas
from atlas.artifact.layout import VALUE_COLUMNS
from atlas.artifact.status import publishable, total_status
from atlas.layers.registry import Registry
from atlas.pipeline.aggregate import AMOUNTS, population_weights, rounding_error
from atlas.sources.regio import NEDERLAND

ABOVE_LEVELS = ("regio", "nederland")
"""The levels above the gemeente, from small to large (not in :data:`atlas.codes.LEVELS`: they hold no buurten
of their own, only gemeenten)."""
SOURCE = "Berekend door de atlas uit de gepubliceerde waarden van de gemeenten"
NEDERLAND_NAAM = "Nederland"
RULES = ("sum", "population_weighted_mean", "respondent_weighted_mean")


@dataclass
class Above:
    """The areas and values of the levels above the gemeente."""

    layers: dict[str, gpd.GeoDataFrame]
    """``regio`` and/or ``nederland``: ``code, naam, parent, geometry`` (EPSG:28992, the dissolved gemeenten)."""
    values: pd.DataFrame
    """Their values (:data:`~atlas.artifact.layout.VALUE_COLUMNS`)."""
    members: dict[str, tuple[str, ...]]
    """Each regio's (and Nederland's) gemeenten."""


@dataclass(frozen=True)
class Group:
    """An area above the gemeente: its level, name and gemeenten."""

    level: str
    naam: str
    gemeenten: tuple[str, ...]


def groups(regios: pd.DataFrame | None, gemeenten: Sequence[str], *, nederland: bool) -> dict[str, Group]:
    """Code -> :class:`Group` of every area above the gemeente."""
    out: dict[str, Group] = {}
    if regios is not None:
        for (code, naam), rows in regios.groupby(["code", "naam"], sort=True):
            out[str(code)] = Group("regio", str(naam), tuple(map(str, rows.gemeente)))
    if nederland:
        out[NEDERLAND] = Group("nederland", NEDERLAND_NAAM, tuple(gemeenten))
    return out


def _layers(areas: Areas, found: dict[str, Group]) -> dict[str, gpd.GeoDataFrame]:
    gemeente = areas.level("gemeente").set_index("code")
    top = NEDERLAND if NEDERLAND in found else ""
    out: dict[str, gpd.GeoDataFrame] = {}
    for level in ABOVE_LEVELS:
        codes = [code for code, group in found.items() if group.level == level]
        if not codes:
            continue
        shapes = [shapely.union_all(gemeente.geometry.loc[list(found[c].gemeenten)].to_numpy()) for c in codes]
        out[level] = gpd.GeoDataFrame(
            {
                "code": codes,
                "naam": [found[c].naam for c in codes],
                "parent": [top if level != "nederland" else "" for _ in codes],
            },
            geometry=shapes,
            crs=gemeente.crs,
        )
    return out


def _mean(group: pd.DataFrame, weight: str) -> tuple[float, float]:
    """The weighted mean of ``value`` and the sum of the weights (NaN when a weight is missing)."""
    weights = group[weight].to_numpy(dtype="float64")
    values = group["value"].to_numpy(dtype="float64")
    if not np.isfinite(weights).all() or weights.sum() <= 0:
        return np.nan, np.nan
    return float(np.dot(values, weights) / weights.sum()), float(weights.sum())


def above_values(gemeente_values: pd.DataFrame, found: dict[str, Group], registry: Registry) -> pd.DataFrame:
    """The values of every area of ``found`` from ``gemeente_values`` (the gemeente rows of the artifact, after
    the disclosure control) by the module's rules."""
    shown = gemeente_values[publishable(gemeente_values)]
    weights = population_weights(shown[["indicator", "code", "period", "value"]])
    weights = weights.rename(columns={"weight": "inwoners"})
    rows = []
    rules = {i.id: (i.aggregate, i.decimals) for i in registry if "gemeente" in i.levels and i.aggregate in RULES}
    shown = shown[shown.indicator.isin(list(rules))]
    amounts = {i.id for i in registry if i.unit in AMOUNTS}
    rounded = rounding_error(shown[shown.indicator.isin(list(amounts))][["indicator", "period", "value"]])
    unit_of = {
        (str(i), str(q)): 2 * float(e)
        for i, q, e in zip(rounded.indicator, rounded.period, rounded.err, strict=True)
        if e
    }
    shown = shown.merge(weights, on=["code", "period"], how="left")
    for code, info in found.items():
        members = list(info.gemeenten)
        part = shown[shown.code.isin(members)]
        for (indicator, period), group in part.groupby(["indicator", "period"], sort=True):
            if group.code.nunique() != len(members):
                continue  # a gemeente has no published value: no total of the others
            rule, decimals = rules[str(indicator)]
            n = np.nan
            if rule == "sum":
                value = float(group.value.sum())
                if group.n.notna().all():
                    n = float(group.n.sum())
            else:
                value, weight = _mean(group, "inwoners" if rule == "population_weighted_mean" else "n")
                if not np.isfinite(value):
                    continue
                unit = unit_of.get((str(indicator), str(period)))
                value = round(value / unit) * unit if unit else round(value, decimals)
                n = weight if rule == "respondent_weighted_mean" else np.nan
            status = total_status(group)
            rows.append(
                {
                    "indicator": str(indicator),
                    "code": code,
                    "level": info.level,
                    "period": str(period),
                    "value": value,
                    "n": n,
                    "source": SOURCE,
                    "status": status.value,
                }
            )
    out = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    for column in gemeente_values.columns:  # the comparison's columns: nothing to compare with
        if column not in out.columns:
            numeric = pd.api.types.is_float_dtype(gemeente_values[column])
            out[column] = np.nan if numeric else ""
    return out[list(gemeente_values.columns)].astype(gemeente_values.dtypes.to_dict())


def level_above(
    areas: Areas,
    gemeente_values: pd.DataFrame,
    registry: Registry,
    regios: pd.DataFrame | None,
    *,
    nederland: bool,
) -> Above | None:
    """The areas above the gemeente and their values, or None when the build has none."""
    gemeenten = tuple(areas.level("gemeente").code)
    found = groups(regios, gemeenten, nederland=nederland)
    if not found:
        return None
    return Above(
        layers=_layers(areas, found),
        values=above_values(gemeente_values, found, registry),
        members={code: group.gemeenten for code, group in found.items()},
    )
