"""Secondary cell suppression on linked tables, checked by linear algebra.

The attacker knows every published cell and a set of exact linear relations between cells (``A x = 0``): the
hierarchy sums (a parent is the sum of its children) and relations between indicators of one area. Cells that are not
published (suppressed, or missing) are the unknowns ``u``; substituting the published values gives ``A_u u = b``.
An unknown cell ``j`` can be recovered exactly iff its unit vector lies in the row space of ``A_u``, which is the case
iff every vector of the null space of ``A_u`` is zero in position ``j``.

:func:`protect` adds complementary suppressions until no suppressed cell is recoverable: first a cheap pass that breaks
every relation with exactly one unknown (choosing, among the published cells of that relation, the one that creates
the fewest new such relations and then the smallest value: a small information loss), then an exact audit per
connected group of unknowns that adds the complement that leaves the fewest recoverable cells, until the audit finds
none. Cells that may not be suppressed (the gemeente totals) are never chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

TOLERANCE = 1e-9


@dataclass(frozen=True)
class System:
    """Cells ``0..size-1`` with their values and ``relations``: each a tuple of (cell, coefficient) summing to 0."""

    values: np.ndarray
    relations: tuple[tuple[tuple[int, float], ...], ...]

    @property
    def size(self) -> int:
        return len(self.values)

    def matrix(self) -> np.ndarray:
        """The dense relation matrix ``A`` (relations × cells)."""
        a = np.zeros((len(self.relations), self.size))
        for r, relation in enumerate(self.relations):
            for cell, coefficient in relation:
                a[r, cell] += coefficient
        return a


def _components(system: System, unknown: np.ndarray) -> list[np.ndarray]:
    """Groups of unknown cells linked by a relation (union-find over the relations that touch unknowns)."""
    parent = np.arange(system.size)

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = int(parent[i])
        return i

    for relation in system.relations:
        cells = [c for c, _ in relation if unknown[c]]
        for other in cells[1:]:
            a, b = find(cells[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    groups: dict[int, list[int]] = {}
    for cell in np.flatnonzero(unknown):
        groups.setdefault(find(int(cell)), []).append(int(cell))
    return [np.array(cells) for cells in groups.values()]


def submatrix(system: System, columns: np.ndarray, relations_of: list[list[int]]) -> np.ndarray:
    """The relations that touch ``columns``, restricted to them (dense, small: one group of unknowns)."""
    rows = sorted({r for c in columns for r in relations_of[int(c)]})
    where = {int(c): j for j, c in enumerate(columns)}
    sub = np.zeros((len(rows), len(columns)))
    for i, r in enumerate(rows):
        for cell, coefficient in system.relations[r]:
            j = where.get(cell)
            if j is not None:
                sub[i, j] += coefficient
    return sub


def recoverable_in(a: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """For the unknown ``columns`` of ``a``: which can be solved for exactly (boolean, same order)."""
    sub = a[:, columns]
    sub = sub[np.abs(sub).sum(axis=1) > 0]
    if sub.shape[0] == 0:
        return np.zeros(len(columns), dtype=bool)
    _, s, vt = np.linalg.svd(sub, full_matrices=True)
    rank = int((s > TOLERANCE * max(1.0, s.max(initial=0.0))).sum())
    null = vt[rank:]
    if null.shape[0] == 0:
        return np.ones(len(columns), dtype=bool)
    return np.linalg.norm(null, axis=0) < 1e-7


def recoverable(system: System, unknown: np.ndarray) -> np.ndarray:
    """Boolean per cell: unknown and exactly recoverable from the published cells."""
    relations_of = _relations_of(system)
    out = np.zeros(system.size, dtype=bool)
    for cells in _components(system, unknown):
        out[cells] = _recoverable(system, cells, relations_of)
    return out


def _recoverable(system: System, cells: np.ndarray, relations_of: list[list[int]]) -> np.ndarray:
    sub = submatrix(system, cells, relations_of)
    return recoverable_in(sub, np.arange(len(cells)))


def _relations_of(system: System) -> list[list[int]]:
    of: list[list[int]] = [[] for _ in range(system.size)]
    for r, relation in enumerate(system.relations):
        for cell, _ in relation:
            of[cell].append(r)
    return of


def _singleton_pass(system: System, protect_mask: np.ndarray, unknown: np.ndarray, allowed: np.ndarray) -> None:
    """Break relations with exactly one unknown that must be protected, in place."""
    relations_of = _relations_of(system)
    unknown_count = np.array([sum(bool(unknown[c]) for c, _ in rel) for rel in system.relations], dtype=int)
    changed = True
    while changed:
        changed = False
        for r, relation in enumerate(system.relations):
            if unknown_count[r] != 1:
                continue
            lone = next(c for c, _ in relation if unknown[c])
            if not protect_mask[lone]:
                continue
            candidates = [c for c, _ in relation if not unknown[c] and allowed[c]]
            if not candidates:
                continue

            def cost(c: int) -> tuple[int, bool, float, int]:
                made = sum(1 for q in relations_of[c] if unknown_count[q] == 0)
                fixed = sum(1 for q in relations_of[c] if unknown_count[q] == 1)
                return (made - fixed, bool(system.values[c] == 0), float(system.values[c]), c)

            chosen = min(candidates, key=cost)
            unknown[chosen] = True
            protect_mask[chosen] = True
            for q in relations_of[chosen]:
                unknown_count[q] += 1
            changed = True


def protect(
    system: System, primary: np.ndarray, missing: np.ndarray, allowed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Complementary suppressions for ``primary`` so that no suppressed cell is recoverable.

    ``missing``: cells nobody publishes (unknown, but they need no protection). ``allowed``: cells that may be
    suppressed as a complement (published, not a gemeente total). Returns ``(secondary, unprotected)`` boolean masks;
    ``unprotected`` lists suppressed cells no allowed complement can protect (reported, not hidden).
    """
    protect_mask = primary.copy()
    unknown = primary | missing
    allowed = allowed & ~unknown
    _singleton_pass(system, protect_mask, unknown, allowed)
    relations_of = _relations_of(system)
    unprotected = np.zeros(system.size, dtype=bool)
    while True:
        open_cells: list[int] = []
        for cells in _components(system, unknown):
            hit = _recoverable(system, cells, relations_of) & protect_mask[cells] & ~unprotected[cells]
            open_cells.extend(int(c) for c in cells[hit])
        if not open_cells:
            break
        target = min(open_cells)
        neighbours = sorted(
            {c for r in relations_of[target] for c, _ in system.relations[r] if not unknown[c] and allowed[c]}
        )
        if not neighbours:
            unprotected[target] = True
            continue
        best: tuple[int, bool, float, int] | None = None
        for c in neighbours:
            trial = unknown.copy()
            trial[c] = True
            group = next(g for g in _components(system, trial) if c in g)
            left = int((_recoverable(system, group, relations_of) & (protect_mask[group] | (group == c))).sum())
            key = (left, bool(system.values[c] == 0), float(system.values[c]), c)
            if best is None or key < best:
                best = key
        assert best is not None
        chosen = best[3]
        unknown[chosen] = True
        protect_mask[chosen] = True
    secondary = protect_mask & ~primary
    return secondary, unprotected
