"""Statistical disclosure control of the values table (DESIGN.md §8), applied after :func:`complete_values`.

The thresholds are the sources file's ``privacy`` section (:class:`~atlas.sources.spec.privacy.PrivacyPolicy`).

- **Primary suppression.** Indicators with ``suppression: count``: a count of 1 … ``min_count``−1 people (for a count
  indicator its value; for a share with a known denominator ``n`` the number of people it stands for, and a
  denominator below ``min_count``). Indicators with ``suppression: survey``: fewer than ``min_respondents``
  respondents. Gemeente totals are never suppressed. A survey value without a respondent count cannot be checked
  and is published as its source gives it (e.g. the 2014 Buurt-voor-Buurt aggregate, which has no ``n``).
- **Secondary suppression** (:mod:`atlas.pipeline.disclosure`): the attacker knows every published cell of one period
  and the exact relations between them:

  - hierarchy sums per ``sum`` indicator (buurt ⊂ wijk ⊂ stadsdeel ⊂ gemeente),
  - for ``respondent_weighted_mean`` survey indicators with respondent counts, the same sums over ``n`` and
    ``n × value`` (children without a value do not count),
  - :data:`RELATIONS` between the indicators of one area: Σ ``gebruik_*`` = 1·``stapeling_personen_1`` +
    2·``_2`` + 3·``_3``.

  Complements are added until no suppressed cell can be solved for exactly. A build of several gemeenten is
  protected one gemeente at a time (no relation links two gemeenten), so each comes out as in a build of its own.
- Suppressed cells get ``status = suppressed`` and lose ``value``, ``n`` and anything derived from them.
- **Rounding**: published values of ``count`` indicators are rounded to multiples of ``round_to`` (1: unchanged).
"""

from __future__ import annotations

import logging
from typing import Any, cast

import numpy as np
import pandas as pd

from atlas.artifact.areas import Areas
from atlas.artifact.status import withhold
from atlas.codes import LEVELS, gemeente_of, gemeenten_of
from atlas.findings import Findings
from atlas.layers.registry import Registry
from atlas.pipeline.aggregate import APPROXIMATION, population_weights
from atlas.pipeline.audit import IntervalAudit
from atlas.pipeline.audit.releases import Releases, open_releases, relate
from atlas.pipeline.disclosure import System, protect
from atlas.sources.spec.privacy import PrivacyPolicy

log = logging.getLogger(__name__)

RELATIONS: tuple[dict[str, float], ...] = (
    {
        "gebruik_wmo": 1.0,
        "gebruik_jeugdhulp": 1.0,
        "gebruik_bijstand": 1.0,
        "stapeling_personen_1": -1.0,
        "stapeling_personen_2": -2.0,
        "stapeling_personen_3": -3.0,
    },
)
"""Exact linear relations between indicators of one area and period (each sums to 0); used when all are present."""


def primary_mask(
    values: pd.DataFrame, registry: Registry, policy: PrivacyPolicy, inhabitants: pd.Series | None = None
) -> np.ndarray:
    """Cells to suppress by themselves (never at the gemeente level).

    A survey value without a respondent count is published only where the area has at least
    ``policy.min_inhabitants_without_n`` inhabitants (``inhabitants``: per row, NaN when unknown: withheld).
    """
    rule = values.indicator.map({i.id: i.suppression for i in registry}).fillna("none").to_numpy()
    unit = values.indicator.map({i.id: i.unit for i in registry}).fillna("").to_numpy()
    value, n = values.value.to_numpy(float), values.n.to_numpy(float)
    known = np.isfinite(value)
    people = np.where(unit == "count", value, np.where(unit == "percent", value * n / 100.0, np.nan))
    small_count = np.isfinite(people) & (np.round(people) >= 1) & (np.round(people) < policy.min_count)
    small_denominator = (unit != "count") & np.isfinite(n) & (n < policy.min_count)
    count = (rule == "count") & known & (small_count | small_denominator)
    survey = (rule == "survey") & known & np.isfinite(n) & (n < policy.min_respondents)
    people = np.full(len(values), np.nan) if inhabitants is None else inhabitants.to_numpy(dtype="float64")
    few = ~(np.nan_to_num(people, nan=-1.0) >= policy.min_inhabitants_without_n)
    without_n = (rule == "survey") & known & ~np.isfinite(n) & few
    return np.asarray((count | survey | without_n) & (values.level != LEVELS[-1]).to_numpy(), dtype=bool)


def inhabitants_of(values: pd.DataFrame, rows: pd.DataFrame) -> pd.Series:
    """The inhabitants (``inwoners``, the nearest year with a count) of the area and period of each of ``rows``."""
    weights = population_weights(values)
    found = rows[["code", "period"]].merge(weights, on=["code", "period"], how="left")
    return pd.Series(found.weight.to_numpy(dtype="float64"), index=rows.index)


def area_children(areas: Areas) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {}
    for level in LEVELS[1:]:
        link = areas.children(level)
        if link is None:
            continue
        for child, parent in link[1].items():
            children.setdefault(str(parent), []).append(str(child))
    return children


def build_system(
    period: pd.DataFrame, children: dict[str, list[str]], registry: Registry, inhabitants: pd.Series | None = None
) -> System:
    """The relations an attacker can use within one period's rows (cells in the frame's row order).

    A survey mean without respondent counts that the build weighted by inhabitants (``indicator_options``
    ``weights: inwoners``) is a relation with the public ``inhabitants`` as coefficients.
    """
    people = np.full(len(period), np.nan) if inhabitants is None else inhabitants.to_numpy(dtype="float64")
    position = {(i, c): k for k, (i, c) in enumerate(zip(period.indicator, period.code, strict=True))}
    aggregate = {i.id: i.aggregate for i in registry}
    value, n = period.value.to_numpy(float), period.n.to_numpy(float)
    relations: list[tuple[tuple[int, float], ...]] = []
    for ident in period.indicator.unique():
        rule = aggregate.get(str(ident))
        if rule not in ("sum", "respondent_weighted_mean"):
            continue
        for parent, kids in children.items():
            top = position.get((ident, parent))
            parts = [position[(ident, k)] for k in kids if (ident, k) in position]
            if top is None or not parts:
                continue
            if rule == "respondent_weighted_mean":
                parts = [p for p in parts if np.isfinite(value[p])]
                if not parts:
                    continue
                if not np.isfinite(n[[top, *parts]]).all():
                    weights = people[parts]
                    if np.isfinite(value[top]) and np.isfinite(weights).all() and not np.isfinite(n[parts]).any():
                        relations.append(
                            (
                                (top, -float(weights.sum())),
                                *((p, float(w)) for p, w in zip(parts, weights, strict=True)),
                            )
                        )
                    continue
            relations.append(((top, -1.0), *((p, 1.0) for p in parts)))
    for relation in RELATIONS:
        for code in period.code.unique():
            cells = [(position.get((i, code)), w) for i, w in relation.items()]
            if all(c is not None for c, _ in cells):
                relations.append(tuple((int(c), w) for c, w in cells if c is not None))
    # the information lost by suppressing a cell: the count itself, or a survey result's respondents
    survey = period.indicator.map(aggregate).eq("respondent_weighted_mean").to_numpy()
    loss = np.where(survey, n, np.abs(value))
    return System(values=np.nan_to_num(loss, nan=0.0), relations=tuple(relations))


def apply_privacy(
    values: pd.DataFrame,
    areas: Areas,
    registry: Registry,
    policy: PrivacyPolicy,
    findings: Findings | None = None,
    *,
    method: str = "interval",
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Suppress, protect and round; returns the new table and the report (:func:`public_report` is what the
    manifest may say of it). Earlier releases (``policy.audit_against``) are related to ``areas`` by geometry."""
    releases = relate(areas, open_releases(list(policy.audit_against))) if policy.audit_against else None
    return suppress(values, area_children(areas), registry, policy, findings, method=method, releases=releases)


METHODS = ("interval", "exact")
"""``interval``: every primary keeps its protection interval against linear programming over everything published
(:mod:`atlas.pipeline.audit`); ``exact``: the former check that no withheld cell solves exactly (for comparison)."""


def shown_values(values: pd.DataFrame, registry: Registry, policy: PrivacyPolicy) -> pd.Series:
    """The values as they will be published: counts of count-suppressed indicators rounded to ``round_to`` (the
    gemeente's too), shares and survey values to the registry's ``decimals``; every other value as it is."""
    known = values.value.notna().to_numpy()
    count_ids = {i.id for i in registry if i.unit == "count" and i.suppression == "count"}
    display_ids = {i.id for i in registry if i.suppression != "none" and i.unit != "count"}
    rounded = values.indicator.isin(count_ids).to_numpy() & known
    display = values.indicator.isin(display_ids).to_numpy() & known
    decimals = values.indicator.map({i.id: i.decimals for i in registry}).fillna(1).astype(int).to_numpy()
    shown = values.value.to_numpy(dtype="float64").copy()
    step = max(1, policy.round_to)
    shown[rounded] = np.round(shown[rounded] / step) * step
    shown[display] = [round(v, d) for v, d in zip(shown[display], decimals[display], strict=True)]
    return pd.Series(shown, index=values.index)


def suppress(
    values: pd.DataFrame,
    children: dict[str, list[str]],
    registry: Registry,
    policy: PrivacyPolicy,
    findings: Findings | None = None,
    *,
    method: str = "interval",
    releases: Releases | None = None,
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """:func:`apply_privacy` on any hierarchy given as parent code -> child codes."""
    if method not in METHODS:
        raise ValueError(f"unknown method {method!r}; one of {', '.join(METHODS)}")
    rules = {i.id: i.suppression for i in registry}
    guarded = values.indicator.map(rules).fillna("none").ne("none")
    out = values.copy()
    primary_all = np.zeros(len(out), dtype=bool)
    secondary_all = np.zeros(len(out), dtype=bool)
    unprotected_all = np.zeros(len(out), dtype=bool)
    without_n = _without_n(out, registry)
    people = inhabitants_of(out, out[without_n]) if without_n.any() else None
    shown = shown_values(out, registry, policy)
    # No relation reaches from one gemeente into another (there is no level above the gemeente), so each gemeente is
    # audited on its own: its cells, its tree, its complements carried over its periods; with one gemeente this is
    # the one audit, and a gemeente comes out the same whether the build holds others or not.
    gemeente = gemeenten_of(out.code.astype(str))
    audits: dict[str, IntervalAudit] = {}
    for key, index in out[guarded].groupby(["period", gemeente[guarded]], sort=True).groups.items():
        period, own = (str(k) for k in cast(tuple[str, str], key))
        rows = out.loc[index]
        audit = None
        if method == "interval":
            if own not in audits:
                audits[own] = IntervalAudit(out[gemeente == own], _within(children, own), registry, policy, releases)
            audit = audits[own]
        inhabitants = people.reindex(rows.index) if people is not None else None
        primary = primary_mask(rows, registry, policy, inhabitants)
        if not primary.any():
            continue
        missing = ~np.isfinite(rows.value.to_numpy(float))
        allowed = ~missing & (rows.level != LEVELS[-1]).to_numpy()
        if audit is not None:
            withheld, unprotected = audit.protect(str(period), rows.assign(shown=shown.loc[index]), primary, allowed)
            secondary = withheld & ~primary
        else:
            system = build_system(rows, children, registry, inhabitants)
            secondary, unprotected = protect(system, primary, missing, allowed & (rows.value != 0).to_numpy())
        positions = out.index.get_indexer(index)
        primary_all[positions] = primary
        secondary_all[positions] = secondary
        unprotected_all[positions] = unprotected
    out["value"] = shown.where(out.value.notna(), out.value)
    out = withhold(out, primary_all | secondary_all)
    if unprotected_all.any():
        log.warning("%d withheld cells cannot be given their protection interval", int(unprotected_all.sum()))
        if findings is not None:
            findings.warning(
                "privacy",
                f"{int(unprotected_all.sum())} withheld values cannot be given their full protection interval by "
                "any complement; widen them by publishing less (a higher min_count, fewer levels)",
                count=int(unprotected_all.sum()),
            )
    if findings is not None and without_n.any():
        _report_without_n(findings, values, without_n, primary_all, policy)
    earlier = [cell for a in audits.values() for cell in a.earlier_unprotected]
    if earlier and findings is not None:
        findings.warning(
            "privacy",
            f"{len(earlier)} values an earlier release withheld can be narrowed below their protection interval "
            "together with this release (the release's areas changed?)",
            count=len(earlier),
        )
    revised = [item for a in audits.values() for item in a.revised]
    if revised and findings is not None:
        findings.warning(
            "privacy",
            "the figures an earlier release (privacy.audit_against) published for "
            + ", ".join(sorted({f"{group} {period}" for period, group in revised}))
            + " cannot hold with the current data (revised since?): those periods were audited without them, so "
            "combining both releases may narrow a withheld value; publish the revised period only if that is accepted",
            count=len(revised),
        )
    report = {
        "method": method,
        "audited_against": [r.created for r in releases.earlier] if releases is not None else [],
        "min_count": policy.min_count,
        "min_respondents": policy.min_respondents,
        "protection": policy.interval,
        "round_to": policy.round_to,
        "min_inhabitants_without_n": policy.min_inhabitants_without_n,
        "withheld_without_n": int((primary_all & without_n).sum()),
        "primary": int(primary_all.sum()),
        "secondary": int(secondary_all.sum()),
        "unprotected": int(unprotected_all.sum()),
        "earlier_unprotected": len(earlier),
        "unprotected_cells": [
            (str(i), str(c), str(p))
            for i, c, p in out.loc[unprotected_all, ["indicator", "code", "period"]].itertuples(index=False)
        ],
        "by_indicator": {
            str(ident): {"primary": int(p), "secondary": int(s)}
            for ident, p, s in (
                pd.DataFrame({"i": out.indicator, "p": primary_all, "s": secondary_all})
                .groupby("i", sort=True)[["p", "s"]]
                .sum()
                .itertuples()
            )
            if p or s
        },
        "by_level": {
            str(level): {"primary": int(p), "secondary": int(s), "cells": int(c)}
            for level, p, s, c in (
                pd.DataFrame({"l": out.level, "p": primary_all, "s": secondary_all, "c": guarded.to_numpy()})
                .groupby("l", sort=False)[["p", "s", "c"]]
                .sum()
                .itertuples()
            )
        },
    }
    return out, report


def _within(children: dict[str, list[str]], gemeente: str) -> dict[str, list[str]]:
    """The part of the area tree (parent -> children) inside one gemeente."""
    return {parent: kids for parent, kids in children.items() if gemeente_of(parent) == gemeente}


def public_report(report: dict[str, Any]) -> dict[str, Any]:
    """What the manifest may say of the disclosure control: the rules and one total, nothing per indicator or kind
    (which cells are primary would help an attacker)."""
    keep = (
        "method",
        "audited_against",
        "min_count",
        "min_respondents",
        "protection",
        "round_to",
        "min_inhabitants_without_n",
    )
    return {
        **{k: report[k] for k in keep if k in report},
        "withheld": int(report["primary"]) + int(report["secondary"]),
    }


def _without_n(values: pd.DataFrame, registry: Registry) -> np.ndarray:
    """Survey values without a respondent count."""
    survey = values.indicator.map({i.id: i.suppression == "survey" for i in registry}).fillna(False).astype(bool)
    return np.asarray(survey & values.value.notna() & values.n.isna(), dtype=bool)


def _report_without_n(
    findings: Findings, values: pd.DataFrame, without_n: np.ndarray, primary: np.ndarray, policy: PrivacyPolicy
) -> None:
    """One ``survey_without_n`` warning per indicator: what is published, what is withheld, what is not derived."""
    frame = values.assign(_without=without_n)
    for ident, group in frame[frame._without].groupby("indicator", sort=True):
        derived = group.source.str.contains(APPROXIMATION, regex=False)
        periods = ", ".join(sorted(set(group.period)))
        findings.warning(
            "survey_without_n",
            f"{len(group)} values of {ident} ({periods}) have no respondent count: published without an interval and "
            f"marked 'n onbekend'; withheld in areas with fewer than {policy.min_inhabitants_without_n} inhabitants "
            "(privacy.min_inhabitants_without_n; how many is not said: it would tell which cells are primary); "
            + (
                f"{int(derived.sum())} higher-level values are an approximation weighted by inhabitants"
                if derived.any()
                else "not aggregated to higher levels (indicator_options weights: inwoners would, as an approximation)"
            ),
            indicator=str(ident),
            count=len(group),
        )
