"""Bounds of cells under the attacker's model, by linear programming with HiGHS (highspy).

One HiGHS instance holds a model: its structural rows, then one *knowledge* row per cell expression (and per
survey ``n``) whose bounds say what the attacker knows of that cell in the current state. Changing a cell from
published to withheld changes the bounds of its rows only, and every bound is a re-solve from the previous basis
(HiGHS hot-starts), which keeps the thousands of small solves of an audit fast.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

import highspy
import numpy as np

from atlas.pipeline.audit.model import Model

INF = highspy.kHighsInf
_STARTED = False


@contextlib.contextmanager
def _quiet_stdout() -> Iterator[None]:
    """HiGHS prints its banner on the first instance a process makes, on the C stdout: keep it off the terminal."""
    global _STARTED
    if _STARTED:
        yield
        return
    try:
        saved = os.dup(1)
    except OSError:  # no file descriptor 1 (an embedded interpreter)
        yield
        return
    with Path(os.devnull).open("w") as devnull:
        os.dup2(devnull.fileno(), 1)
        try:
            yield
        finally:
            os.dup2(saved, 1)
            os.close(saved)
            _STARTED = True


def _finite(value: float) -> float:
    if value == np.inf:
        return INF
    if value == -np.inf:
        return -INF
    return float(value)


class Bounds:
    """The attacker's bounds of the cells of one model, as the knowledge rows change."""

    def __init__(self, model: Model) -> None:
        self.model = model
        with _quiet_stdout():
            self.highs = highspy.Highs()
        self.highs.setOptionValue("output_flag", False)
        # only the objective changes between solves: primal simplex from the previous basis, no presolve
        self.highs.setOptionValue("presolve", "off")
        self.highs.setOptionValue("simplex_strategy", 4)
        self.knowledge: dict[tuple[int, str], int] = {}
        self.cell_of_row: dict[int, int] = {}
        rows = list(model.rows)
        for pos, cell in model.cells.items():
            self.knowledge[(pos, "value")] = len(rows)
            self.cell_of_row[len(rows)] = pos
            rows.append((-np.inf, np.inf, *cell.expr))
            if cell.n_expr is not None:
                self.knowledge[(pos, "n")] = len(rows)
                self.cell_of_row[len(rows)] = pos
                rows.append((-np.inf, np.inf, *cell.n_expr))
        self.first_knowledge = len(model.rows)
        lp = highspy.HighsLp()
        lp.num_col_ = model.n_cols
        lp.num_row_ = len(rows)
        lp.col_cost_ = np.zeros(model.n_cols)
        lp.col_lower_ = np.array([_finite(v) for v in model.col_lower], dtype=np.float64)
        lp.col_upper_ = np.array([_finite(v) for v in model.col_upper], dtype=np.float64)
        lp.row_lower_ = np.array([_finite(r[0]) for r in rows], dtype=np.float64)
        lp.row_upper_ = np.array([_finite(r[1]) for r in rows], dtype=np.float64)
        starts = np.zeros(len(rows) + 1, dtype=np.int32)
        starts[1:] = np.cumsum([len(r[2]) for r in rows])
        lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
        lp.a_matrix_.start_ = starts
        lp.a_matrix_.index_ = np.concatenate([r[2] for r in rows]).astype(np.int32) if rows else np.zeros(0, np.int32)
        lp.a_matrix_.value_ = np.concatenate([r[3] for r in rows]) if rows else np.zeros(0)
        self.highs.passModel(lp)
        self._cost: np.ndarray = np.zeros(0, dtype=np.int32)

    def know(self, pos: int, lower: float, upper: float, what: str = "value") -> None:
        """What the attacker knows of cell ``pos`` (its value, or a survey's ``n``): ``lower`` ≤ it ≤ ``upper``."""
        self.highs.changeRowBounds(self.knowledge[(pos, what)], _finite(lower), _finite(upper))

    def _objective(self, idx: np.ndarray, val: np.ndarray) -> None:
        if len(self._cost):
            self.highs.changeColsCost(len(self._cost), self._cost, np.zeros(len(self._cost)))
        self.highs.changeColsCost(len(idx), idx, val)
        self._cost = idx

    def _solve(self, sense: highspy.ObjSense) -> float | None:
        self.highs.changeObjectiveSense(sense)
        self.highs.run()
        status = self.highs.getModelStatus()
        if status == highspy.HighsModelStatus.kOptimal:
            return float(self.highs.getInfo().objective_function_value)
        if status == highspy.HighsModelStatus.kUnbounded:
            return np.inf if sense == highspy.ObjSense.kMaximize else -np.inf
        if status in (highspy.HighsModelStatus.kInfeasible, highspy.HighsModelStatus.kUnboundedOrInfeasible):
            return None
        raise RuntimeError(f"HiGHS ended with {status} while bounding a cell")

    def bounds(self, pos: int, what: str = "value") -> tuple[float, float] | None:
        """The attacker's (LP) minimum and maximum of cell ``pos``; None when the knowledge is contradictory."""
        found = self.bounds_and_limits(pos, what)
        return None if found is None else found[0]

    def _binding(self) -> set[int]:
        """Cells whose knowledge row holds the optimum where it is (a non-zero dual)."""
        duals = np.asarray(self.highs.getSolution().row_dual)[self.first_knowledge :]
        rows = np.flatnonzero(np.abs(duals) > 1e-9) + self.first_knowledge
        return {self.cell_of_row[int(r)] for r in rows}

    def bounds_and_limits(self, pos: int, what: str = "value") -> tuple[tuple[float, float], set[int]] | None:
        """The bounds of cell ``pos`` and the cells whose knowledge limits them (where either bound is attained)."""
        cell = self.model.cells[pos]
        idx, val = cell.expr if what == "value" else cell.n_expr  # type: ignore[misc]
        self._objective(idx, val)
        low = self._solve(highspy.ObjSense.kMinimize)
        limits = self._binding() if low is not None and np.isfinite(low) else set()
        high = self._solve(highspy.ObjSense.kMaximize)
        if low is None or high is None:
            return None
        if np.isfinite(high):
            limits |= self._binding()
        limits.discard(pos)
        return (low, high), limits
