"""An attacker of a published atlas, independent of the build's disclosure control (issue 11, part 6).

The attacker reads only what a build artifact publishes (the values table, the area hierarchy, the registry and
the manifest's privacy thresholds) plus public knowledge, and bounds every withheld cell with linear programming:
for each cell the minimum and the maximum over everything the published figures allow, solved with scipy's HiGHS
(``scipy.optimize.linprog(method="highs")``). It is written from the specification in issue 11, not from the
build's code: it imports nothing of ``atlas.pipeline.privacy`` or ``atlas.pipeline.disclosure``.

What the attacker knows (one model per period and per independent group: the stapeling indicators together,
every other indicator with withheld cells alone):

- **Stapeling as atoms.** Per buurt ``b`` and non-empty set ``S`` of {wmo, jeugdhulp, bijstand}: ``p[b, S]`` persons
  holding exactly ``S`` and ``h[b, S]`` households whose members together hold exactly ``S``. Every ``gebruik_<r>``
  (persons with ``r`` in ``S``), ``stapeling_personen_k`` (``|S| = k``) and ``stapeling_huishoudens_k`` cell at every
  level is the sum of its buurten's atoms, so the hierarchy sums and Σ gebruik = 1·p1 + 2·p2 + 3·p3 hold by
  construction. Households are coupled to persons: per buurt and for every down-closed family ``F`` of sets,
  Σ_{S∈F} h[b, S] ≤ Σ_{S∈F} p[b, S] (a household is placed in the buurt of one of its members, whose set lies
  inside the household's). The LP projects each buurt's 14 atoms out exactly (:func:`add_buurt_cone`, the same
  bounds in a quarter of the time); ``atoms=True`` keeps them (:func:`add_atoms`).
- **Other ``sum`` indicators**: a parent the values table marks as computed from its parts (source
  "... (berekend uit <level>)") is the sum of its children.
- **Weighted means with public weights.** A ``population_weighted_mean`` parent computed from its parts (and a
  survey parent "benadering: gewogen naar inwoners") is Σ w·child / Σ w over the children with a value (published
  or withheld), w the published ``inwoners`` of the same period (else the latest earlier, else the earliest later
  period).
- **Surveys** (``respondent_weighted_mean``): per cell the respondents ``n`` and ``t = n·value/100`` (``n·value``
  for scores); a parent computed from its parts has ``n`` and ``t`` the sums of its children's. ``0 ≤ t ≤ n`` for
  percentages (``t ≥ 0`` for other units when every published value of the indicator is ≥ 0); a withheld survey cell
  has ``n ≥ 1`` (it has a value).
- **Rounding.** A published count of a ``suppression: count`` indicator is the true one within
  ± floor(round_to / 2); any other published value is the true one within half a unit of the registry's
  ``decimals`` when it lies on that grid, else (published at full precision) within 1e-9 relative.
- **Thresholds.** Below the gemeente a published count of a count-suppressed indicator is 0 or ≥ ``min_count``.
- **Withheld cells.** Non-negative; a withheld count is ≥ 1 (zeros are never withheld); counts and respondents are
  whole numbers, so their bounds are rounded inward (ceil of the minimum, floor of the maximum).

:func:`attack` returns, per withheld cell and quantity, the bounds ``lo``, ``hi``: quantity ``count`` for counts
(whole); ``n`` (respondents, whole) and ``value`` (as published: the ratio 100·t/n for a percentage, bounded exactly
with the Charnes–Cooper transformation) for survey cells; ``value`` for weighted means. When the published figures
refute "withheld ≥ 1" (the build withheld a true zero), the group is solved again with "≥ 0" and its rows say so
(``note``). :func:`ground_truth` gives the true values and the primary cells by running the build's steps before
disclosure control on the same sources; :func:`true_quantity` joins them to the bounds.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.optimize import linprog

GEMEENTE = "gemeente"
OK, SUPPRESSED = "ok", "suppressed"
REGELINGEN = ("wmo", "jeugdhulp", "bijstand")
SETS = tuple(range(1, 1 << len(REGELINGEN)))
"""The 7 non-empty sets of regelingen as bit masks (bit i: ``REGELINGEN[i]``)."""
GEBRUIK = tuple(f"gebruik_{r}" for r in REGELINGEN)
PERSONEN = tuple(f"stapeling_personen_{k}" for k in (1, 2, 3))
HUISHOUDENS = tuple(f"stapeling_huishoudens_{k}" for k in (1, 2, 3))
STAPELING = (*GEBRUIK, *PERSONEN, *HUISHOUDENS)
PLURAL = {"buurt": "buurten", "wijk": "wijken", "stadsdeel": "stadsdelen", "gemeente": "gemeenten"}
APPROXIMATION = "gewogen naar inwoners"
"""How a survey parent weighted by inhabitants says so in its source (a public label of the values table)."""
WHOLE_TOLERANCE = 1e-6
"""Slack of the LP optimum before a whole-number bound is rounded inward."""


def _atoms_of(indicator: str) -> tuple[str, tuple[int, ...]]:
    """Which atoms (``p`` persons or ``h`` households, and which sets) a stapeling cell adds up."""
    if indicator in GEBRUIK:
        bit = 1 << GEBRUIK.index(indicator)
        return "p", tuple(s for s in SETS if s & bit)
    k = int(indicator.rsplit("_", 1)[1])
    kind = "p" if indicator in PERSONEN else "h"
    return kind, tuple(s for s in SETS if s.bit_count() == k)


def down_closed_families() -> tuple[tuple[int, ...], ...]:
    """Every non-empty family of non-empty sets that holds each non-empty subset of its members (18 of them)."""
    families = []
    for mask in range(1, 1 << len(SETS)):
        family = tuple(s for i, s in enumerate(SETS) if mask >> i & 1)
        if all(t in family for s in family for t in SETS if t & s == t):
            families.append(family)
    return tuple(families)


def _connected(family: tuple[int, ...]) -> bool:
    """Is the family not the union of two families without a regeling in common?"""
    reached = {family[0]}
    grown = True
    while grown:
        grown = False
        for s in family:
            if s not in reached and any(s & r for r in reached):
                reached.add(s)
                grown = True
    return len(reached) == len(family)


COUPLING = tuple(f for f in down_closed_families() if _connected(f))
"""The down-closed families whose coupling rows are not sums of others' (11 of the 18)."""


# --------------------------------------------------------------------------------------------------- what is public


@dataclass(frozen=True)
class Policy:
    """The thresholds an artifact states (manifest ``privacy``); ``protection`` defaults to ``min_count``."""

    min_count: int = 10
    min_respondents: int = 30
    round_to: int = 1
    min_inhabitants_without_n: int = 1000
    protection: int = 10

    @classmethod
    def of(cls, privacy: Mapping[str, Any] | Any) -> Policy:
        """From a manifest's ``privacy`` dict or an object with the same attributes (a ``PrivacyPolicy``)."""
        get = privacy.get if isinstance(privacy, Mapping) else lambda k, d=None: getattr(privacy, k, d)
        min_count = int(get("min_count", 10))
        return cls(
            min_count=min_count,
            min_respondents=int(get("min_respondents", 30)),
            round_to=int(get("round_to", 1)),
            min_inhabitants_without_n=int(get("min_inhabitants_without_n", 1000)),
            protection=int(get("protection", None) or min_count),
        )


@dataclass(frozen=True)
class Spec:
    """What the registry says of an indicator, as far as the attacker needs it."""

    aggregate: str
    unit: str
    suppression: str
    decimals: int = 1


@dataclass
class Publication:
    """What one release publishes: ``values`` (indicator, code, level, period, value, n, source, status), ``areas``
    (code, level, parent), the registry as :class:`Spec` per indicator, and the thresholds."""

    values: pd.DataFrame
    areas: pd.DataFrame
    specs: dict[str, Spec]
    policy: Policy

    @classmethod
    def open(cls, directory: str | Path) -> Publication:
        """Read a build artifact the way any reader does: ``atlas.Artifact.open``."""
        import atlas

        art = atlas.Artifact.open(directory)
        levels = [
            art.areas.level(level)[["code", "parent"]].assign(level=level)
            for level in ("buurt", "wijk", "stadsdeel", GEMEENTE)
        ]
        areas = pd.concat(levels, ignore_index=True)
        specs = {
            i.id: Spec(aggregate=i.aggregate, unit=i.unit, suppression=i.suppression, decimals=int(i.decimals))
            for i in art.registry
        }
        return cls(art.values, areas, specs, Policy.of(art.manifest.get("privacy", {})))


def half_unit(value: float, decimals: int) -> float:
    """How far the true value may lie from a published non-count ``value``: half a display unit when the value
    lies on the grid of ``decimals``, else (published unrounded) a relative 1e-9."""
    unit = 10.0 ** -int(decimals)
    if abs(value / unit - round(value / unit)) < 1e-6:
        return unit / 2
    return 1e-9 * max(1.0, abs(value))


def count_range(value: float, level: str, policy: Policy) -> tuple[float, float]:
    """What a published count of a count-suppressed indicator says of the true count (rounding and threshold)."""
    r = policy.round_to // 2
    lo, hi = max(value - r, 0.0), value + r
    if level == GEMEENTE:
        return lo, hi
    if hi < policy.min_count:  # below the threshold it would have been withheld: only 0 remains
        return (0.0, 0.0) if lo <= 0 else (lo, hi)
    return (lo, hi) if lo <= 0 else (max(lo, float(policy.min_count)), hi)


def value_range(value: float, spec: Spec) -> tuple[float, float]:
    """What any other published value says of the true one."""
    delta = half_unit(value, spec.decimals)
    return value - delta, value + delta


def derived_from(source: Any, child_level: str) -> bool:
    """Does the values table say this parent was computed from its parts of ``child_level``?"""
    return isinstance(source, str) and f"berekend uit {PLURAL[child_level]}" in source


def inhabitant_weights(values: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Published ``inwoners`` per (code, period), filled from the latest earlier period, else the earliest later."""
    pop = values[(values.indicator == "inwoners") & (values.status == OK) & values.value.notna()]
    if pop.empty:
        return {}
    table = pop.pivot_table(index="code", columns="period", values="value", aggfunc="first")
    periods = sorted(set(values.period) | set(table.columns))
    table = table.reindex(columns=periods).ffill(axis=1).bfill(axis=1)
    return {(str(c), str(p)): float(w) for (c, p), w in table.stack().items()}


# --------------------------------------------------------------------------------------------------- the LP


@dataclass
class Target:
    """A quantity of a withheld cell to bound: ``num`` (or ``num / den``), linear over the model's variables."""

    indicator: str
    code: str
    level: str
    period: str
    quantity: str
    num: dict[int, float]
    den: dict[int, float] | None = None
    whole: bool = False
    floor: float | None = None
    """A lower bound the model states outright (``≥ 1``): a feasible point that reaches it settles the minimum."""
    ceiling: float | None = None
    """An upper bound the model states outright (a percentage's 100), likewise."""


@dataclass
class Model:
    """Variables with bounds and rows ``lo ≤ a·x ≤ hi``; :meth:`bounds` minimises and maximises each target."""

    lb: list[float] = field(default_factory=list)
    ub: list[float] = field(default_factory=list)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)

    def var(self, lb: float = 0.0, ub: float = math.inf) -> int:
        self.lb.append(float(lb))
        self.ub.append(float(ub))
        return len(self.lb) - 1

    def add(self, expr: Mapping[int, float], lo: float = -math.inf, hi: float = math.inf) -> None:
        if expr and (math.isfinite(lo) or math.isfinite(hi)):
            self.rows.append((dict(expr), float(lo), float(hi)))

    def _matrix(self, size: int) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray]:
        data, rows, cols = [], [], []
        for r, (expr, _, _) in enumerate(self.rows):
            for c, a in expr.items():
                rows.append(r)
                cols.append(c)
                data.append(a)
        matrix = sp.csr_matrix((data, (rows, cols)), shape=(len(self.rows), size))
        lo = np.array([r[1] for r in self.rows], dtype=float)
        hi = np.array([r[2] for r in self.rows], dtype=float)
        return matrix, lo, hi

    def linear(self) -> dict[str, Any]:
        """``linprog`` keyword arguments of the model (ranged rows split into two ``≤`` rows)."""
        size = len(self.lb)
        a, lo, hi = self._matrix(size)
        eq = lo == hi
        upper = ~eq & np.isfinite(hi)
        lower = ~eq & np.isfinite(lo)
        a_ub = sp.vstack([a[upper], -a[lower]], format="csr")
        return {
            "A_ub": a_ub if a_ub.shape[0] else None,
            "b_ub": np.concatenate([hi[upper], -lo[lower]]) if a_ub.shape[0] else None,
            "A_eq": a[eq] if eq.any() else None,
            "b_eq": hi[eq] if eq.any() else None,
            "bounds": np.column_stack([self.lb, self.ub]),
        }

    def fractional(self) -> dict[str, Any]:
        """The Charnes–Cooper transformation (variables y = s·x and s ≥ 0) without its normalising row."""
        size = len(self.lb)
        a, lo, hi = self._matrix(size)
        lb, ub = np.array(self.lb), np.array(self.ub)
        eq = lo == hi
        upper = ~eq & np.isfinite(hi)
        lower = ~eq & np.isfinite(lo)
        eye = sp.identity(size, format="csr")
        has_lb = np.isfinite(lb) & (lb != 0)
        has_ub = np.isfinite(ub) & (ub != 0)
        blocks_ub = [
            sp.hstack([a[upper], sp.csr_matrix(-hi[upper][:, None])]),
            sp.hstack([-a[lower], sp.csr_matrix(lo[lower][:, None])]),
            sp.hstack([-eye[has_lb], sp.csr_matrix(lb[has_lb][:, None])]),
            sp.hstack([eye[has_ub], sp.csr_matrix(-ub[has_ub][:, None])]),
        ]
        y_lo = np.where(lb >= 0, 0.0, -np.inf)  # y = s·x with s ≥ 0
        y_hi = np.where(ub <= 0, 0.0, np.inf)
        return {
            "A_ub": sp.vstack(blocks_ub, format="csr"),
            "b_ub": np.zeros(sum(b.shape[0] for b in blocks_ub)),
            "A_eq": sp.hstack([a[eq], sp.csr_matrix(-hi[eq][:, None])], format="csr"),
            "b_eq": np.zeros(int(eq.sum())),
            "bounds": np.vstack([np.column_stack([y_lo, y_hi]), [[0.0, np.inf]]]),
        }

    def bounds(self, targets: Sequence[Target]) -> list[tuple[float, float]]:
        """[min, max] of each target (whole-number targets rounded inward); raises :class:`ModelError` when the
        published figures contradict the model (then it assumes something false).

        The linear targets go first; their optimal points are feasible points of the model, so a stated bound
        (``floor``, ``ceiling``) that one of them reaches needs no LP of its own.
        """
        size = len(self.lb)
        linear = self.linear() if any(t.den is None for t in targets) else None
        fractional = self.fractional() if any(t.den is not None for t in targets) else None
        points = _Points(size)
        out: dict[int, tuple[float, float]] = {}
        for i, t in sorted(enumerate(targets), key=lambda it: it[1].den is not None):
            if t.den is None:
                c = _dense(t.num, size)
                hi = -_optimum(-c, linear, points)
                if t.floor is not None and points.reach(c) <= t.floor + 1e-9:
                    lo = t.floor
                else:
                    lo = _optimum(c, linear, points)
            else:
                assert fractional is not None
                num, den = _dense(t.num, size), _dense(t.den, size)
                low, high = points.ratios(num, den)
                kwargs = dict(
                    fractional,
                    A_eq=sp.vstack([fractional["A_eq"], sp.csr_matrix(np.append(den, 0.0)[None, :])]),
                    b_eq=np.append(fractional["b_eq"], 1.0),
                )
                c = np.append(num, 0.0)
                floor = t.floor if t.floor is not None and low <= t.floor + 1e-9 else None
                ceiling = t.ceiling if t.ceiling is not None and high >= t.ceiling - 1e-9 else None
                lo = floor if floor is not None else _optimum(c, kwargs, None)
                hi = ceiling if ceiling is not None else -_optimum(-c, kwargs, None)
            if t.whole:
                lo = math.ceil(lo - WHOLE_TOLERANCE) if math.isfinite(lo) else lo
                hi = math.floor(hi + WHOLE_TOLERANCE) if math.isfinite(hi) else hi
            out[i] = (float(lo), float(hi))
        return [out[i] for i in range(len(targets))]


class ModelError(AssertionError):
    """The published figures contradict the attacker's model: it assumes something that is not true."""


class _Points:
    """The optimal points found so far (each a feasible point of the model)."""

    def __init__(self, size: int) -> None:
        self.array = np.empty((16, size))
        self.count = 0

    def append(self, x: np.ndarray) -> None:
        if self.count == len(self.array):
            self.array = np.vstack([self.array, np.empty_like(self.array)])
        self.array[self.count] = x
        self.count += 1

    def ratios(self, num: np.ndarray, den: np.ndarray) -> tuple[float, float]:
        """The least and the greatest num·x / den·x over the points with den·x ≥ 1 (inf, -inf without them)."""
        x = self.array[: self.count]
        d = x @ den
        r = (x @ num)[d >= 1 - 1e-9] / d[d >= 1 - 1e-9]
        return (float(r.min()), float(r.max())) if r.size else (math.inf, -math.inf)

    def reach(self, c: np.ndarray) -> float:
        """The least c·x over the points (inf without points)."""
        return float((self.array[: self.count] @ c).min()) if self.count else math.inf


def _dense(expr: Mapping[int, float], size: int) -> np.ndarray:
    c = np.zeros(size)
    for i, a in expr.items():
        c[i] += a
    return c


def _optimum(c: np.ndarray, kwargs: dict[str, Any] | None, points: _Points | None) -> float:
    """min c·x; -inf when unbounded. Keeps the optimal point in ``points`` (to settle later minima for free)."""
    assert kwargs is not None
    res = linprog(c, method="highs", **kwargs)
    if res.status == 3:
        return -math.inf
    if res.status != 0:
        raise ModelError(f"the LP is {res.message!r}: the published figures contradict the attacker's model")
    if points is not None and res.x is not None:
        points.append(res.x)
    return float(res.fun)


# --------------------------------------------------------------------------------------------------- the models


@dataclass
class Hierarchy:
    """Parent and level per area code, and the buurten under each area."""

    parent: dict[str, str]
    level: dict[str, str]
    buurten: dict[str, list[str]]
    children: dict[str, list[str]]

    @classmethod
    def of(cls, areas: pd.DataFrame) -> Hierarchy:
        parent = {str(c): str(p) if isinstance(p, str) else "" for c, p in zip(areas.code, areas.parent, strict=True)}
        level = {str(c): str(lv) for c, lv in zip(areas.code, areas.level, strict=True)}
        buurten: dict[str, list[str]] = {}
        children: dict[str, list[str]] = {}
        for code, up in parent.items():
            if up:
                children.setdefault(up, []).append(code)
            if level[code] != "buurt":
                continue
            node = code
            while node:
                buurten.setdefault(node, []).append(code)
                node = parent.get(node, "")
        return cls(parent, level, buurten, children)


def _cells(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows with a true value (published or withheld)."""
    return rows[rows.status.isin([OK, SUPPRESSED])]


LEVEL_ORDER = ("buurt", "wijk", "stadsdeel", GEMEENTE)


def stapeling_model(
    rows: pd.DataFrame, areas: Hierarchy, policy: Policy, *, atoms: bool = False, withheld: float = 1.0
) -> tuple[Model, list[Target]]:
    """The stapeling cells of one period: a variable per cell of every area, a parent the sum of its children, and
    per buurt the atoms: with ``atoms=True`` literally (:func:`add_atoms`), by default projected out exactly
    (:func:`add_buurt_cone`: the same bounds, a quarter of the solving time). A withheld cell is ≥ ``withheld``."""
    model = Model()
    known = {(r.indicator, r.code): r for r in _cells(rows[rows.indicator.isin(STAPELING)]).itertuples(index=False)}
    cell: dict[tuple[str, str], int] = {}
    targets = []
    for code in sorted(areas.buurten, key=lambda c: (LEVEL_ORDER.index(areas.level[c]), c)):  # children first
        kids = [k for k in areas.children.get(code, []) if k in areas.buurten]
        for indicator in STAPELING:
            r = known.get((indicator, code))
            if r is None:
                var = model.var()
            elif r.status == OK:
                var = model.var(*count_range(float(r.value), r.level, policy))
            else:
                var = model.var(withheld)
                targets.append(
                    Target(indicator, code, r.level, r.period, "count", {var: 1.0}, whole=True, floor=withheld)
                )
            cell[(indicator, code)] = var
            if areas.level[code] != "buurt":
                model.add({var: -1.0} | {cell[(indicator, k)]: 1.0 for k in kids}, 0.0, 0.0)
    for code, level in areas.level.items():
        if level == "buurt":
            y = {indicator: cell[(indicator, code)] for indicator in STAPELING}
            (add_atoms if atoms else add_buurt_cone)(model, y)
    return model, targets


def add_atoms(model: Model, y: Mapping[str, int]) -> None:
    """The atoms of one buurt, literally: ``p[S]`` persons holding exactly ``S``, ``h[S]`` households holding exactly
    ``S`` together; each stapeling cell ``y`` the sum of its atoms; for every down-closed family ``F`` of sets
    Σ_{S∈F} h[S] ≤ Σ_{S∈F} p[S] (only the :data:`COUPLING` families: the others are sums of these)."""
    p = {s: model.var() for s in SETS}
    h = {s: model.var() for s in SETS}
    for indicator, var in y.items():
        kind, sets = _atoms_of(indicator)
        model.add({var: -1.0} | {(p if kind == "p" else h)[s]: 1.0 for s in sets}, 0.0, 0.0)
    for family in COUPLING:
        model.add({h[s]: 1.0 for s in family} | {p[s]: -1.0 for s in family}, -math.inf, 0.0)


def add_buurt_cone(model: Model, y: Mapping[str, int]) -> None:
    """The atoms of one buurt projected out: the 9 cells are sums of atoms with the coupling if and only if

    - Σ gebruik = 1·P1 + 2·P2 + 3·P3, and P3 ≤ gebruik_r ≤ P1 + P2 + P3 for each regeling r (persons holding all three
      hold r; no regeling has more users than there are persons);
    - H1 ≤ P1, H1 + H2 ≤ P1 + P2, H1 + H2 + H3 ≤ P1 + P2 + P3 (every household has a member of its own buurt whose
      set lies inside the household's: Hall's condition, which the coupling over down-closed families states);
    - all cells ≥ 0.

    Why: by Hall's theorem the coupling says exactly that households can be matched to distinct persons of the buurt
    holding a subset of their set, so the atoms are non-negative combinations of "a person holding T" and "a
    household holding S matched to a person holding T ⊆ S" (26 vectors); the rows above are the facets of the cone
    those vectors span in the cells (``test_privacy_attack.py`` checks them against :func:`add_atoms`).
    """
    g = [y[i] for i in GEBRUIK]
    persons = [y[i] for i in PERSONEN]
    households = [y[i] for i in HUISHOUDENS]
    model.add({g[0]: 1.0, g[1]: 1.0, g[2]: 1.0, persons[0]: -1.0, persons[1]: -2.0, persons[2]: -3.0}, 0.0, 0.0)
    for use in g:
        model.add({persons[2]: 1.0, use: -1.0}, -math.inf, 0.0)
        model.add({use: 1.0} | {p: -1.0 for p in persons}, -math.inf, 0.0)
    for k in (1, 2, 3):
        model.add({h: 1.0 for h in households[:k]} | {p: -1.0 for p in persons[:k]}, -math.inf, 0.0)


def sum_model(
    rows: pd.DataFrame, areas: Hierarchy, spec: Spec, policy: Policy, withheld: float = 1.0
) -> tuple[Model, list[Target]]:
    """One variable per cell; a parent computed from its parts is their sum (also the fallback for ``none``)."""
    model = Model()
    cells = _cells(rows)
    x: dict[str, int] = {}
    targets = []
    counted = spec.suppression == "count" and spec.unit == "count"
    for r in cells.itertuples(index=False):
        if r.status == OK:
            lo, hi = count_range(float(r.value), r.level, policy) if counted else value_range(float(r.value), spec)
            x[r.code] = model.var(lo, hi)
        else:
            x[r.code] = model.var(withheld if counted else 0.0)
            targets.append(
                Target(
                    r.indicator,
                    r.code,
                    r.level,
                    r.period,
                    "count" if counted else "value",
                    {x[r.code]: 1.0},
                    whole=counted,
                    floor=withheld if counted else None,
                )
            )
    if spec.aggregate == "sum":
        source = dict(zip(cells.code, cells.source, strict=True))
        for parent, var in x.items():
            kids = [k for k in areas.children.get(parent, []) if k in x]
            if kids and derived_from(source[parent], areas.level[kids[0]]):
                model.add({var: -1.0} | {x[k]: 1.0 for k in kids}, 0.0, 0.0)
    return model, targets


def mean_model(
    rows: pd.DataFrame, areas: Hierarchy, spec: Spec, weights: Mapping[tuple[str, str], float]
) -> tuple[Model, list[Target]]:
    """One variable per cell; a parent computed from its parts is their mean weighted by public inhabitants."""
    model = Model()
    cells = _cells(rows)
    published = cells[cells.status == OK].value
    nonneg = bool((published >= 0).all())
    x: dict[str, int] = {}
    targets = []
    for r in cells.itertuples(index=False):
        if r.status == OK:
            x[r.code] = model.var(*value_range(float(r.value), spec))
        else:
            x[r.code] = model.var(0.0 if nonneg else -math.inf, 100.0 if spec.unit == "percent" else math.inf)
            targets.append(Target(r.indicator, r.code, r.level, r.period, "value", {x[r.code]: 1.0}))
    _weighted_relations(model, cells, areas, x, weights)
    return model, targets


def _weighted_relations(
    model: Model,
    cells: pd.DataFrame,
    areas: Hierarchy,
    x: Mapping[str, int],
    weights: Mapping[tuple[str, str], float],
    approximation_only: bool = False,
) -> set[str]:
    """Add the weighted-mean relations; returns the codes that take part in one."""
    related: set[str] = set()
    source = dict(zip(cells.code, cells.source, strict=True))
    period = dict(zip(cells.code, cells.period, strict=True))
    for parent, var in x.items():
        kids = [k for k in areas.children.get(parent, []) if k in x and weights.get((k, period[k]), 0) > 0]
        if not kids or not derived_from(source[parent], areas.level[kids[0]]):
            continue
        if approximation_only and APPROXIMATION not in source[parent]:
            continue
        w = {k: weights[(k, period[k])] for k in kids}
        model.add({var: -sum(w.values())} | {x[k]: w[k] for k in kids}, 0.0, 0.0)
        related |= {parent, *kids}
    return related


def survey_model(
    rows: pd.DataFrame, areas: Hierarchy, spec: Spec, weights: Mapping[tuple[str, str], float]
) -> tuple[Model, list[Target]]:
    """Respondents ``n`` and ``t = n·value/scale`` per cell, summing up the hierarchy where a parent is computed from
    its parts; parents weighted by inhabitants as weighted means of a value variable."""
    model = Model()
    cells = _cells(rows)
    scale = 100.0 if spec.unit == "percent" else 1.0
    nonneg = bool((cells[cells.status == OK].value >= 0).all())
    n: dict[str, int] = {}
    t: dict[str, int] = {}
    x: dict[str, int] = {}
    targets = []
    for r in cells.itertuples(index=False):
        if r.status == OK:
            lo, hi = value_range(float(r.value), spec)
            x[r.code] = model.var(lo, hi)
            if np.isfinite(r.n):
                n[r.code] = model.var(float(r.n), float(r.n))
                t_lo, t_hi = r.n * lo / scale, r.n * hi / scale
                t_lo = max(t_lo, 0.0) if nonneg else t_lo
                t_hi = min(t_hi, float(r.n)) if spec.unit == "percent" else t_hi
                t[r.code] = model.var(t_lo, t_hi)
            continue
        n[r.code] = model.var(1.0)
        t[r.code] = model.var(0.0 if nonneg or spec.unit == "percent" else -math.inf)
        if spec.unit == "percent":
            model.add({t[r.code]: 1.0, n[r.code]: -1.0}, -math.inf, 0.0)
        x[r.code] = model.var(0.0 if nonneg else -math.inf, 100.0 if spec.unit == "percent" else math.inf)
        key = (r.indicator, r.code, r.level, r.period)
        targets.append(Target(*key, "n", {n[r.code]: 1.0}, whole=True, floor=1.0))
        percent = spec.unit == "percent"
        floor, ceiling = (0.0 if nonneg or percent else None), (100.0 if percent else None)
        targets.append(Target(*key, "value", {t[r.code]: scale}, den={n[r.code]: 1.0}, floor=floor, ceiling=ceiling))
    source = dict(zip(cells.code, cells.source, strict=True))
    for parent in n:
        kids = [k for k in areas.children.get(parent, []) if k in x]
        if not kids or not derived_from(source[parent], areas.level[kids[0]]) or APPROXIMATION in source[parent]:
            continue
        if all(k in n for k in kids):
            model.add({n[parent]: -1.0} | {n[k]: 1.0 for k in kids}, 0.0, 0.0)
            model.add({t[parent]: -1.0} | {t[k]: 1.0 for k in kids}, 0.0, 0.0)
    related = _weighted_relations(model, cells, areas, x, weights, approximation_only=True)
    for target in [t for t in targets if t.quantity == "value" and t.code in related]:
        targets.append(
            Target(target.indicator, target.code, target.level, target.period, "value_weighted", {x[target.code]: 1.0})
        )
    return model, targets


# --------------------------------------------------------------------------------------------------- the attack


RESULT_COLUMNS = ["indicator", "code", "level", "period", "quantity", "lo", "hi", "whole", "decimals", "note"]
CONTRADICTED = "withheld ≥ 1 contradicted by the published figures: solved with withheld ≥ 0"
"""The note of a group whose published figures cannot hold unless some withheld count is 0 (a withheld zero)."""


def attack(
    pub: Publication,
    periods: Iterable[str] | None = None,
    indicators: Iterable[str] | None = None,
    *,
    atoms: bool = False,
) -> pd.DataFrame:
    """Bounds of every withheld cell (of the given periods and indicators; default all), one row per quantity.

    ``atoms=True`` solves stapeling with the literal atoms (:func:`add_atoms`) instead of their projection.

    Columns :data:`RESULT_COLUMNS`. Survey cells get ``n``, ``value`` (100·t/n) and ``value_weighted`` (the value
    variable of an inhabitant-weighted relation); the reported ``value`` of a survey cell is the intersection of the
    two value bounds (both are valid).
    """
    areas = Hierarchy.of(pub.areas)
    weights = inhabitant_weights(pub.values)
    values = pub.values
    if indicators is not None:
        values = values[values.indicator.isin(list(indicators))]
    periods = sorted(set(values.period)) if periods is None else list(periods)
    results = []
    for period in periods:
        rows = values[values.period == period]
        withheld = set(rows[rows.status == SUPPRESSED].indicator)
        # one model per independent group; each takes the lower bound of a withheld count (1, or 0 when refuted)
        groups: list[Callable[..., tuple[Model, list[Target]]]] = []
        if withheld & set(STAPELING):
            groups.append(partial(stapeling_model, rows, areas, pub.policy, atoms=atoms))
        for ident in sorted(withheld - set(STAPELING)):
            spec = pub.specs[ident]
            own = rows[rows.indicator == ident]
            if spec.aggregate == "respondent_weighted_mean":
                groups.append(lambda withheld, own=own, spec=spec: survey_model(own, areas, spec, weights))
            elif spec.aggregate == "population_weighted_mean":
                groups.append(lambda withheld, own=own, spec=spec: mean_model(own, areas, spec, weights))
            else:
                groups.append(partial(sum_model, own, areas, spec, pub.policy))
        for group in groups:
            note = ""
            try:
                model, targets = group(withheld=1.0)
                found = model.bounds(targets)
            except ModelError:  # the attacker learns that some withheld cell is 0; it goes on with what remains
                model, targets = group(withheld=0.0)
                found = model.bounds(targets)
                note = CONTRADICTED
            for target, (lo, hi) in zip(targets, found, strict=True):
                decimals = pub.specs[target.indicator].decimals if target.indicator in pub.specs else 0
                results.append(
                    (
                        target.indicator,
                        target.code,
                        target.level,
                        target.period,
                        target.quantity,
                        lo,
                        hi,
                        target.whole,
                        decimals,
                        note,
                    )
                )
    out = pd.DataFrame(results, columns=RESULT_COLUMNS)
    return _merge_values(out)


def _merge_values(out: pd.DataFrame) -> pd.DataFrame:
    """One ``value`` row per survey cell: the intersection of its ratio and weighted-mean bounds."""
    weighted = out[out.quantity == "value_weighted"]
    if weighted.empty:
        return out.reset_index(drop=True)
    keys = ["indicator", "code", "period"]
    rest = out[out.quantity != "value_weighted"]
    both = rest.merge(weighted[[*keys, "lo", "hi"]], on=keys, how="left", suffixes=("", "_w"))
    is_value = both.quantity == "value"
    both.loc[is_value, "lo"] = np.fmax(both.lo, both.lo_w)[is_value]
    both.loc[is_value, "hi"] = np.fmin(both.hi, both.hi_w)[is_value]
    return both[RESULT_COLUMNS].reset_index(drop=True)


def exact(bounds: pd.DataFrame) -> pd.Series:
    """Bounds that pin the cell: equal whole-number bounds, or a value known to within one display unit."""
    width = bounds.hi - bounds.lo
    unit = 10.0 ** -bounds.decimals.astype(float)
    return (bounds.whole & (width < 0.5)) | (~bounds.whole.astype(bool) & (width < unit))


# --------------------------------------------------------------------------------------------------- ground truth


def primary_cells(values: pd.DataFrame, specs: Mapping[str, Spec], policy: Policy) -> np.ndarray:
    """The primary cells by the README's rule (recomputed here, not the build's ``primary_mask``).

    Never at the gemeente. ``suppression: count``: a count of 1 … min_count−1 people; a percentage whose people
    (value·n/100) or complement (n − people) is in that range. ``suppression: survey``: fewer than min_respondents
    respondents; a value without ``n`` where the area has fewer than min_inhabitants_without_n inhabitants (the
    nearest year's ``inwoners``; unknown: withheld).
    """
    rule = values.indicator.map({k: s.suppression for k, s in specs.items()}).fillna("none").to_numpy()
    unit = values.indicator.map({k: s.unit for k, s in specs.items()}).fillna("").to_numpy()
    value, n = values.value.to_numpy(float), values.n.to_numpy(float)
    known = np.isfinite(value)

    def small(people: np.ndarray) -> np.ndarray:
        whole = np.round(np.nan_to_num(people, nan=-1.0))
        return (whole >= 1) & (whole < policy.min_count)

    people = value * n / 100.0
    count = (rule == "count") & (unit == "count") & small(value)
    share = (rule == "count") & (unit == "percent") & np.isfinite(n) & (small(people) | small(n - people))
    survey = (rule == "survey") & np.isfinite(n) & (n < policy.min_respondents)
    weights = inhabitant_weights(values.assign(status=np.where(known, OK, "missing")))
    inhabitants = np.array([weights.get((c, p), np.nan) for c, p in zip(values.code, values.period, strict=True)])
    few = ~(np.nan_to_num(inhabitants, nan=-1.0) >= policy.min_inhabitants_without_n)
    without_n = (rule == "survey") & ~np.isfinite(n) & few
    below = (values.level != GEMEENTE).to_numpy()
    return np.asarray(below & known & (count | share | survey | without_n), dtype=bool)


def ground_truth(sources: str | Path) -> pd.DataFrame:
    """The true values table of a build (before disclosure control) and its primary cells (column ``primary``).

    Runs the build's own steps up to, not including, disclosure control: ``prepare`` and ``complete_values``.
    """
    from atlas.pipeline.aggregate import complete_values
    from atlas.pipeline.run import prepare

    p = prepare(sources)
    values = complete_values(p.raw, p.areas, p.registry, p.findings, p.spec.indicator_options)
    specs = {
        i.id: Spec(aggregate=i.aggregate, unit=i.unit, suppression=i.suppression, decimals=int(i.decimals))
        for i in p.registry
    }
    primary = primary_cells(values, specs, Policy.of(p.spec.privacy))
    return values[["indicator", "code", "level", "period", "value", "n"]].assign(primary=primary)


def true_quantity(bounds: pd.DataFrame, truth: pd.DataFrame) -> pd.DataFrame:
    """``bounds`` with the true value of each quantity (``truth``), ``primary`` and ``inside`` (truth in bounds)."""
    keys = ["indicator", "code", "period"]
    out = bounds.merge(truth[[*keys, "value", "n", "primary"]], on=keys, how="left")
    out["truth"] = np.where(out.quantity == "n", out.n, out.value)
    slack = np.where(out.whole, 1e-9, 1e-6 * np.maximum(1.0, out.truth.abs()))
    out["inside"] = (out.truth >= out.lo - slack) & (out.truth <= out.hi + slack)
    out["primary"] = out.primary.fillna(False).astype(bool)
    return out.drop(columns=["value", "n"])


def describe(cell: Any) -> str:
    """One line for a failure report."""
    return (
        f"{cell.indicator} {cell.code} ({cell.level}) {cell.period} {cell.quantity}: "
        f"[{_fmt(cell.lo)}, {_fmt(cell.hi)}], true {_fmt(cell.truth)}{' (primary)' if cell.primary else ''}"
    )


def _fmt(x: float) -> str:
    return "nan" if not np.isfinite(x) and np.isnan(x) else (f"{x:g}" if float(x).is_integer() else f"{x:.3f}")


def level_of_codes(codes: Iterable[str]) -> dict[str, str]:
    """Area level by the CBS prefix of a code (for hand-made tables)."""
    prefix = {"BU": "buurt", "WK": "wijk", "SD": "stadsdeel", "GM": GEMEENTE}
    return {c: prefix[c[:2]] for c in codes if re.match(r"^(BU|WK|SD|GM)", c)}
