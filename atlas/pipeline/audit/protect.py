"""Complementary suppression until every primary cell keeps its protection interval (DESIGN.md §8).

For one period: the attacker's bounds of every primary cell are computed (:mod:`.solver`) from everything published;
a primary is protected when the whole-number range it can take is at least ``protection`` wide in people (a survey
value: when its count with the attribute is not pinned, and the withheld cells of each relation together hold at
least ``min_respondents`` respondents; a count: also at least ``min_count`` people together). An unprotected primary
gets a complement from the cells it shares a relation with, chosen for small information loss: a cell already
withheld for another indicator or year first (one complement then protects several), then the lowest level, then the
smallest value that is large enough. Withholding more never narrows a bound, so a protected primary stays protected
and only the others are checked again, until none is left or none can be helped.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from atlas.codes import LEVELS
from atlas.pipeline.audit.model import VALUE_RANGE, Cell, Model
from atlas.pipeline.audit.solver import Bounds

log = logging.getLogger(__name__)

EPS = 1e-6


@dataclass(frozen=True)
class Rules:
    """What protection means in one release."""

    min_count: int
    min_respondents: int
    protection: int
    round_to: int


@dataclass
class PeriodState:
    """The cells of one period: truth, what is published, and what is withheld."""

    frame: pd.DataFrame
    """Positional: indicator, code, level, value (true), n (true), shown (the published value), decimals."""
    primary: np.ndarray
    withheld: np.ndarray
    allowed: np.ndarray
    """Cells that may be withheld as a complement (published, with a value above 0, below the gemeente)."""
    unprotected: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    fixed: dict[int, tuple[float, float]] = field(default_factory=dict)
    """Cells of earlier releases (positions after the frame's): what they published, which never changes."""
    required: dict[int, float] = field(default_factory=dict)
    """The width an earlier release's withheld cell must keep (when less than the protection interval)."""


class Contradicted(ValueError):
    """The figures of an earlier release cannot hold together with the current data (the data were revised)."""


def _knowledge(bounds: Bounds, cell: Cell, state: PeriodState, rules: Rules) -> None:
    """Set what the attacker knows of ``cell`` in ``state``."""
    frame = state.frame
    pos = cell.position
    if pos in state.fixed:
        bounds.know(pos, *state.fixed[pos])
        return
    value = float(frame.value.to_numpy(dtype="float64")[pos])
    if not math.isfinite(value):  # missing: the attacker knows nothing of it
        bounds.know(pos, -np.inf, np.inf)
        if cell.n_expr is not None:
            bounds.know(pos, -np.inf, np.inf, "n")
        return
    if state.withheld[pos]:
        if cell.kind == "count":
            bounds.know(pos, 1.0, np.inf)  # zeros are never withheld
        else:
            bounds.know(pos, -np.inf, np.inf)
        if cell.n_expr is not None:
            bounds.know(pos, 1.0, np.inf, "n")
        return
    shown = float(frame.shown.to_numpy(dtype="float64")[pos])
    if cell.kind == "count":
        half = float(rules.round_to // 2)
        low, high = max(0.0, shown - half), shown + half
        if cell.level != LEVELS[-1]:  # below the gemeente a published count is 0 or at least min_count
            if shown == 0:
                low = high = 0.0
            else:
                low = max(low, float(rules.min_count))
        bounds.know(pos, low, high)
        return
    half = 0.5 * 10.0 ** -int(frame.decimals.to_numpy()[pos])
    if cell.kind == "survey":
        n = float(frame.n.to_numpy(dtype="float64")[pos])
        bounds.know(pos, n, n, "n")
        bounds.know(pos, n * (shown - half), n * (shown + half))
        return
    bounds.know(pos, shown - half, shown + half)


def _width(found: tuple[float, float] | None, cell: Cell, frame: pd.DataFrame) -> float:
    """How wide the attacker's range ``found`` of the cell is, in people (NaN when the knowledge contradicts)."""
    if found is None:
        return math.nan
    low, high = found
    if cell.kind in ("count", "survey"):  # a survey's found bounds are those of its respondents n
        return float(math.floor(high + EPS)) - float(math.ceil(low - EPS))
    n = float(frame.n.to_numpy(dtype="float64")[cell.position])
    return (high - low) * n / 100.0 if math.isfinite(n) else high - low


def _required(cell: Cell, frame: pd.DataFrame, rules: Rules) -> float:
    if cell.kind in ("count", "survey"):  # people, or respondents
        return float(rules.protection)
    if math.isfinite(float(frame.n.to_numpy(dtype="float64")[cell.position])):
        return float(rules.protection)
    # a share without n (a survey value without respondents): protection percent of its scale (10 points of 100 %)
    return rules.protection / 100.0 * VALUE_RANGE.get(cell.unit, 100.0)


def _pooled_short(pos: int, model: Model, state: PeriodState, rules: Rules) -> bool:
    """Whether a relation with a published parent has withheld parts (with ``pos``) that together hold too few."""
    frame = state.frame
    cell = model.cells[pos]
    for relation in model.relations:
        if pos not in relation[1:] or state.withheld[relation[0]]:
            continue
        hidden = [p for p in relation[1:] if state.withheld[p]]
        n = frame.n.to_numpy(dtype="float64")[hidden]
        people = frame.value.to_numpy(dtype="float64")[hidden]
        if cell.kind == "survey" and float(np.nansum(n)) < rules.min_respondents:
            return True
        if cell.kind == "count" and float(np.nansum(people)) < rules.min_count:
            return True
    return False


def _neighbours(model: Model) -> dict[int, set[int]]:
    out: dict[int, set[int]] = {}
    for relation in (*model.relations, *model.groups):
        for pos in relation:
            out.setdefault(pos, set()).update(relation)
    for pos, others in out.items():
        others.discard(pos)
    return out


def protect_period(
    model: Model, state: PeriodState, rules: Rules, preferred: Iterable[tuple[str, str]] = ()
) -> PeriodState:
    """Withhold complements in ``state`` until every primary of ``model`` is protected (or cannot be).

    An unprotected primary's bounds are attained where some published cells' knowledge binds (a non-zero dual of
    their row): withholding one of those is what can widen the range. The cheapest of them is withheld (a cell
    already withheld elsewhere for this area, then a value large enough to give the missing width, then the lowest
    level, then the smallest value) and the primary is looked at again.
    """
    frame = state.frame
    total = len(state.primary)
    value = np.full(total, np.nan)
    value[: len(frame)] = frame.value.to_numpy(dtype="float64")
    n = np.full(total, np.nan)
    n[: len(frame)] = frame.n.to_numpy(dtype="float64")
    # what withholding a cell costs (information lost): a count's people, a survey's or share's respondents
    size = np.array(
        [
            value[p] if p not in model.cells or model.cells[p].kind == "count" or not math.isfinite(n[p]) else n[p]
            for p in range(total)
        ],
        dtype="float64",
    )
    size = np.nan_to_num(size, nan=0.0)
    bounds = Bounds(model)
    for pos in state.fixed:
        _knowledge(bounds, model.cells[pos], state, rules)
    # an earlier release's withheld cell keeps the protection interval, or, when that release alone already pinned
    # it narrower (a complement, which needs none), the width it had: the new release must not narrow it further
    for pos in [p for p in state.fixed if state.primary[p]]:
        found = bounds.bounds(pos)
        state.required[pos] = min(float(rules.protection), _width(found, model.cells[pos], frame))
    for cell in model.cells.values():
        if cell.position not in state.fixed:
            _knowledge(bounds, cell, state, rules)
    if state.fixed and state.primary.any():
        probe = int(np.flatnonzero(state.primary)[0])
        if (
            probe in model.cells
            and bounds.bounds(probe, "n" if model.cells[probe].kind == "survey" else "value") is None
        ):
            raise Contradicted("the earlier releases' figures of this period contradict the current ones")
    neighbours = _neighbours(model)
    favoured = set(preferred)
    level_rank = {level: i for i, level in enumerate(LEVELS)}
    hopeless: set[int] = set()

    def withhold(pos: int) -> None:
        state.withheld[pos] = True
        _knowledge(bounds, model.cells[pos], state, rules)
        favoured.add((model.cells[pos].indicator, model.cells[pos].code))

    def assess(pos: int) -> tuple[float, set[int]]:
        """How much width the primary still lacks (≤ 0: protected), and the cells that limit it."""
        cell = model.cells[pos]
        found = bounds.bounds_and_limits(pos, "n" if cell.kind == "survey" else "value")
        if found is None:
            log.warning("privacy audit: the model contradicts %s %s; left unprotected", cell.indicator, cell.code)
            return math.inf, set()
        width = _width(found[0], cell, frame)
        lacking = state.required.get(pos, _required(cell, frame, rules)) - width
        limits = found[1]
        if lacking <= 0 and _pooled_short(pos, model, state, rules):
            lacking = 0.5
            limits = limits | neighbours.get(pos, set())
        return lacking, limits

    def rank(c: int, need: float) -> tuple[bool, bool, int, float]:
        other = model.cells[c]
        liked = (other.indicator, other.code) in favoured
        return (not liked, size[c] < need, level_rank.get(other.level, 9), size[c])

    for pos in sorted((p for p in model.cells if state.primary[p]), key=lambda p: value[p]):
        while True:
            lacking, limits = assess(pos)
            if lacking <= 0:
                break
            candidates = [c for c in limits if state.allowed[c] and not state.withheld[c] and c in model.cells]
            if not candidates:
                hopeless.add(pos)
                break
            cell = model.cells[pos]
            need = rules.min_respondents - size[pos] if cell.kind == "survey" else lacking
            withhold(min(candidates, key=lambda c: rank(c, need)))
    # a complement the published figures pin to one value hides nothing: publish it (its published value is
    # implied already, so no primary loses width), so that no withheld cell can be solved for
    for pos in [p for p in model.cells if state.withheld[p] and not state.primary[p]]:
        found = bounds.bounds(pos, "n" if model.cells[pos].kind == "survey" else "value")
        if found is not None and found[1] - found[0] < EPS:
            state.withheld[pos] = False
            _knowledge(bounds, model.cells[pos], state, rules)
    unprotected = np.zeros(total, dtype=bool)
    unprotected[list(hopeless)] = True
    state.unprotected = unprotected
    return state


def cell_keys(model: Model, mask: np.ndarray) -> set[tuple[str, str]]:
    """(indicator, code) of the model's cells in ``mask``."""
    return {(c.indicator, c.code) for pos, c in model.cells.items() if mask[pos]}


def frame_of(period: pd.DataFrame, decimals: Mapping[str, int]) -> pd.DataFrame:
    """The positional frame :class:`PeriodState` expects."""
    out = period.reset_index(drop=True)
    out["decimals"] = out.indicator.map(decimals).fillna(1).astype(int)
    return out
