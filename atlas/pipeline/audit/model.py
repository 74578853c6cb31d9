"""The attacker's linear model of one period of a release: what every published figure says about every withheld one.

Unknowns (LP columns):

- **stapeling atoms**: per buurt, the persons who hold exactly each of the 7 non-empty sets of regelingen and the
  households whose members together hold exactly each set. Every ``gebruik_*``, ``stapeling_personen_k`` and
  ``stapeling_huishoudens_k`` cell at every level is a sum of atoms, so the hierarchy sums and
  Σ gebruik = 1·p1 + 2·p2 + 3·p3 hold by construction; households are coupled to persons (for every down-closed
  family of sets, a buurt's households in it are at most its persons in it: each such household has a member there);
- **one column per cell** of the other ``sum`` indicators (parent = Σ parts) and of shares aggregated by a
  population-weighted mean (Σ w·(part − parent) = 0 with the public ``inwoners`` as weights);
- **two columns per survey cell**, its respondents ``n`` and ``t = n × value`` (both add up the hierarchy;
  0 ≤ t ≤ n × the largest value the unit allows).

A relation is only modelled where the true values satisfy it (a parent a source gave that differs from its parts
is no relation). What the attacker knows of each cell (the *knowledge* rows) is set from outside, per state: a
published count within its rounding and above the threshold, a withheld cell at least 1, a published share or
survey value within half a unit of its shown decimals. :mod:`.solver` computes the bounds, :mod:`.protect` chooses
complements.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from atlas.layers.registry import Registry
from atlas.sources.registraties import REGELINGEN

FAMILY_PERSONS = tuple(f"stapeling_personen_{k}" for k in (1, 2, 3))
FAMILY_HOUSEHOLDS = tuple(f"stapeling_huishoudens_{k}" for k in (1, 2, 3))
FAMILY_USE = tuple(f"gebruik_{r}" for r in REGELINGEN)
FAMILY = (*FAMILY_USE, *FAMILY_PERSONS, *FAMILY_HOUSEHOLDS)
"""The stapeling indicators, modelled together through atoms."""

SETS: tuple[frozenset[str], ...] = tuple(frozenset(c) for k in (1, 2, 3) for c in combinations(REGELINGEN, k))
"""The 7 non-empty sets of regelingen a person or household can hold."""


def _down_closed_families() -> tuple[tuple[int, ...], ...]:
    """Every non-empty family of :data:`SETS` that holds, with a set, all its non-empty subsets."""
    out = []
    for size in range(1, len(SETS) + 1):
        for family in combinations(range(len(SETS)), size):
            chosen = {SETS[i] for i in family}
            if all(sub in chosen for s in chosen for sub in SETS if sub < s):
                out.append(family)
    return tuple(out)


DOWN_CLOSED = _down_closed_families()

VALUE_RANGE = {"percent": 100.0, "score": 10.0}
"""The largest value a survey unit allows (t ≤ n × this)."""


@dataclass
class Cell:
    """One row of the period's values table as the model sees it."""

    position: int
    indicator: str
    code: str
    level: str
    kind: str
    """``count`` (a whole number of people), ``share`` (0-100 of a known denominator), ``survey`` (n and t)."""
    expr: tuple[np.ndarray, np.ndarray]
    """The cell's value as columns and coefficients (for a survey: its ``t``)."""
    n_expr: tuple[np.ndarray, np.ndarray] | None = None
    """A survey cell's respondents ``n``."""
    unit: str = "count"
    """The registry unit (a share's scale: percent, score)."""


@dataclass
class Model:
    """Columns with their bounds, structural rows, and the cells of one period."""

    n_cols: int = 0
    col_lower: list[float] = field(default_factory=list)
    col_upper: list[float] = field(default_factory=list)
    rows: list[tuple[float, float, np.ndarray, np.ndarray]] = field(default_factory=list)
    cells: dict[int, Cell] = field(default_factory=dict)
    relations: list[tuple[int, ...]] = field(default_factory=list)
    """A parent and its parts (positions, the parent first): where a withheld part can hide among its siblings."""
    groups: list[tuple[int, ...]] = field(default_factory=list)
    """The stapeling cells of one area: linked through their atoms."""

    def columns(self, count: int, lower: float = 0.0, upper: float = np.inf) -> np.ndarray:
        start = self.n_cols
        self.n_cols += count
        self.col_lower.extend([lower] * count)
        self.col_upper.extend([upper] * count)
        return np.arange(start, start + count)

    def row(self, lower: float, upper: float, idx: Sequence[int], val: Sequence[float]) -> None:
        self.rows.append((lower, upper, np.asarray(idx, dtype=np.int32), np.asarray(val, dtype=np.float64)))


def _single(col: int) -> tuple[np.ndarray, np.ndarray]:
    return np.array([col], dtype=np.int32), np.array([1.0])


def _parts(parent: str, children: Mapping[str, Sequence[str]], present: set[str]) -> list[str]:
    """The nearest descendants of ``parent`` that have a row (an indicator may skip a level)."""
    out: list[str] = []
    for child in children.get(parent, ()):
        if child in present:
            out.append(child)
        else:
            out.extend(_parts(child, children, present))
    return out


@dataclass(frozen=True)
class Extra:
    """A cell of an earlier release: an indicator over a set of units (see :mod:`.releases`)."""

    position: int
    indicator: str
    code: str
    level: str
    units: tuple[str, ...]


def build_model(
    period: pd.DataFrame,
    children: Mapping[str, Sequence[str]],
    buurten_of: Mapping[str, Sequence[str]],
    registry: Registry,
    weights: Mapping[str, float],
    units: Mapping[str, Sequence[str]] | None = None,
    extra: Sequence[Extra] = (),
) -> Model:
    """The model of one period's guarded rows (``period``: indicator, code, level, value, n, source; positional).

    ``children``: parent code -> child codes (the area tree); ``buurten_of``: area code -> its buurten;
    ``weights``: the public inhabitants per code used by population-weighted means. ``units``: buurt -> the units
    it is cut into when earlier releases had other buurten, and ``extra``: those releases' count cells.
    """
    units = units or {}
    model = Model()
    rule = {i.id: i for i in registry}
    frame = period.reset_index(drop=True)
    by_indicator: dict[str, dict[str, int]] = {}
    for pos, (ident, code) in enumerate(zip(frame.indicator, frame.code, strict=True)):
        by_indicator.setdefault(str(ident), {})[str(code)] = pos
    value = frame.value.to_numpy(dtype="float64")
    n = frame.n.to_numpy(dtype="float64")

    family = [i for i in FAMILY if i in by_indicator]
    if family:
        _family(model, frame, by_indicator, family, buurten_of, units, [e for e in extra if e.indicator in FAMILY])
        for ident in family:  # complements are chosen among a parent and its parts too
            positions = by_indicator[ident]
            for parent, pos in positions.items():
                parts = _parts(parent, children, set(positions))
                if parts:
                    model.relations.append((pos, *(positions[p] for p in parts)))
    for ident, positions in by_indicator.items():
        if ident in FAMILY:
            continue
        ind = rule[ident]
        if ind.suppression == "survey":
            _survey(model, frame, ident, positions, children, value, n, ind.unit, weights)
        elif ind.aggregate == "population_weighted_mean" or ind.unit != "count":
            _shares(model, frame, ident, positions, children, value, weights, ind.unit)
        else:
            _sums(model, frame, ident, positions, children, value, units, [e for e in extra if e.indicator == ident])
    return model


def _family(
    model: Model,
    frame: pd.DataFrame,
    by_indicator: dict[str, dict[str, int]],
    family: list[str],
    buurten_of: Mapping[str, Sequence[str]],
    units: Mapping[str, Sequence[str]],
    extra: Sequence[Extra],
) -> None:
    buurten = sorted({b for codes in buurten_of.values() for b in codes})
    parts = {b: list(units.get(b, (b,))) for b in buurten}
    all_units = [u for b in buurten for u in parts[b]]
    persons = {u: model.columns(len(SETS)) for u in all_units}
    households = {u: model.columns(len(SETS)) for u in all_units}
    for u in all_units:
        for chosen in DOWN_CLOSED:
            idx = [*households[u][list(chosen)], *persons[u][list(chosen)]]
            model.row(-np.inf, 0.0, idx, [1.0] * len(chosen) + [-1.0] * len(chosen))
    which: dict[str, tuple[dict[str, np.ndarray], list[int]]] = {}
    for r in REGELINGEN:
        which[f"gebruik_{r}"] = (persons, [i for i, s in enumerate(SETS) if r in s])
    for k in (1, 2, 3):
        which[f"stapeling_personen_{k}"] = (persons, [i for i, s in enumerate(SETS) if len(s) == k])
        which[f"stapeling_huishoudens_{k}"] = (households, [i for i, s in enumerate(SETS) if len(s) == k])
    areas: dict[str, list[int]] = {}
    for ident in family:
        atoms, sets = which[ident]
        for code, pos in by_indicator[ident].items():
            cols = [int(c) for b in buurten_of.get(code, ()) for u in parts[b] for c in atoms[u][sets]]
            model.cells[pos] = Cell(
                pos,
                ident,
                code,
                str(frame.level.iloc[pos]),
                "count",
                (np.asarray(cols, dtype=np.int32), np.ones(len(cols))),
            )
            areas.setdefault(code, []).append(pos)
    model.groups.extend(tuple(p) for p in areas.values())
    for e in extra:
        if not e.units or any(u not in persons for u in e.units):
            continue  # an area of the earlier release outside this gemeente's units
        atoms, sets = which[e.indicator]
        cols = [int(c) for u in e.units for c in atoms[u][sets]]
        model.cells[e.position] = Cell(
            e.position, e.indicator, e.code, e.level, "count", (np.asarray(cols, dtype=np.int32), np.ones(len(cols)))
        )


def _consistent(parent: float, total: float) -> bool:
    return bool(np.isfinite(parent) and np.isfinite(total) and abs(parent - total) <= 1e-6 * max(1.0, abs(parent)))


def _sums(
    model: Model,
    frame: pd.DataFrame,
    ident: str,
    positions: dict[str, int],
    children: Mapping[str, Sequence[str]],
    value: np.ndarray,
    units: Mapping[str, Sequence[str]] | None = None,
    extra: Sequence[Extra] = (),
) -> None:
    cols = {}
    for code, pos in positions.items():
        cols[code] = int(model.columns(1)[0])
        model.cells[pos] = Cell(pos, ident, code, str(frame.level.iloc[pos]), "count", _single(cols[code]))
    if extra:
        unit_col: dict[str, int] = {}
        for code in positions:
            pieces = list((units or {}).get(code, (code,)))
            if len(pieces) == 1:
                unit_col[pieces[0]] = cols[code]
                continue
            own = [int(c) for c in model.columns(len(pieces))]
            unit_col.update(zip(pieces, own, strict=True))
            model.row(0.0, 0.0, [cols[code], *own], [1.0] + [-1.0] * len(own))
        for e in extra:
            if e.units and all(u in unit_col for u in e.units):
                idx = np.asarray([unit_col[u] for u in e.units], dtype=np.int32)
                model.cells[e.position] = Cell(
                    e.position, e.indicator, e.code, e.level, "count", (idx, np.ones(len(idx)))
                )
    present = set(positions)
    for parent, pos in positions.items():
        parts = _parts(parent, children, present)
        if not parts:
            continue
        if not _consistent(value[pos], float(np.nansum([value[positions[p]] for p in parts]))):
            continue
        model.row(0.0, 0.0, [cols[parent], *(cols[p] for p in parts)], [1.0] + [-1.0] * len(parts))
        model.relations.append((pos, *(positions[p] for p in parts)))


def _shares(
    model: Model,
    frame: pd.DataFrame,
    ident: str,
    positions: dict[str, int],
    children: Mapping[str, Sequence[str]],
    value: np.ndarray,
    weights: Mapping[str, float],
    unit: str = "percent",
) -> None:
    cols = {}
    for code, pos in positions.items():
        cols[code] = int(model.columns(1, 0.0, VALUE_RANGE.get(unit, 100.0))[0])
        model.cells[pos] = Cell(pos, ident, code, str(frame.level.iloc[pos]), "share", _single(cols[code]), unit=unit)
    present = set(positions)
    for parent, pos in positions.items():
        parts = [p for p in _parts(parent, children, present) if np.isfinite(value[positions[p]])]
        w = np.array([weights.get(p, np.nan) for p in parts])
        if not parts or not np.isfinite(w).all() or w.sum() <= 0:
            continue
        mean = float(np.dot(w, [value[positions[p]] for p in parts]) / w.sum())
        if not _consistent(value[pos], mean):
            continue
        model.row(0.0, 0.0, [cols[parent], *(cols[p] for p in parts)], [float(w.sum()), *(-w)])
        model.relations.append((pos, *(positions[p] for p in parts)))


def _survey(
    model: Model,
    frame: pd.DataFrame,
    ident: str,
    positions: dict[str, int],
    children: Mapping[str, Sequence[str]],
    value: np.ndarray,
    n: np.ndarray,
    unit: str,
    weights: Mapping[str, float],
) -> None:
    """Surveys with respondents as ``n``/``t`` pairs; values without ``n`` (approximations weighted by
    inhabitants) as shares."""
    with_n = {code: pos for code, pos in positions.items() if np.isfinite(n[pos]) or not np.isfinite(value[pos])}
    without_n = {code: pos for code, pos in positions.items() if code not in with_n}
    if without_n:
        _shares(model, frame, ident, without_n, children, value, weights, unit)
    top = VALUE_RANGE.get(unit, 100.0)
    cols: dict[str, tuple[int, int]] = {}
    for code, pos in with_n.items():
        nn, tt = (int(c) for c in model.columns(2))
        cols[code] = (nn, tt)
        model.row(-np.inf, 0.0, [tt, nn], [1.0, -top])
        model.cells[pos] = Cell(pos, ident, code, str(frame.level.iloc[pos]), "survey", _single(tt), n_expr=_single(nn))
    present = set(with_n)
    for parent, pos in with_n.items():
        parts = [p for p in _parts(parent, children, present) if np.isfinite(value[with_n[p]])]
        if not parts or not np.isfinite(value[pos]):
            continue
        total_n = float(np.sum([n[with_n[p]] for p in parts]))
        total_t = float(np.sum([n[with_n[p]] * value[with_n[p]] for p in parts]))
        if not (_consistent(n[pos], total_n) and _consistent(n[pos] * value[pos], total_t)):
            continue
        for k in (0, 1):
            model.row(0.0, 0.0, [cols[parent][k], *(cols[p][k] for p in parts)], [1.0] + [-1.0] * len(parts))
        model.relations.append((pos, *(with_n[p] for p in parts)))
