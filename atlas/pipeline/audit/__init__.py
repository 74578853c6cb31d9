"""The interval audit of disclosure control: linear programming over everything a release publishes.

:class:`IntervalAudit` protects one period at a time: the cells are split into independent groups (the stapeling
indicators together, every other guarded indicator on its own), each group's attacker model is built
(:mod:`.model`) and complements are chosen until every primary keeps its protection interval (:mod:`.protect`).
Complements chosen for one period are preferred in the next, so the same areas carry the secrecy over the years.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from atlas.codes import level_of_code
from atlas.layers.registry import Registry
from atlas.pipeline.aggregate import population_weights
from atlas.pipeline.audit.model import FAMILY, Extra, Model, build_model
from atlas.pipeline.audit.protect import Contradicted, PeriodState, Rules, cell_keys, frame_of, protect_period
from atlas.pipeline.audit.releases import Releases, knowledge
from atlas.sources.spec.privacy import PrivacyPolicy

__all__ = ["IntervalAudit"]


def buurten_below(children: Mapping[str, Sequence[str]]) -> dict[str, list[str]]:
    """Every area code (a parent or a buurt) -> the buurten it holds."""
    out: dict[str, list[str]] = {}

    def walk(code: str) -> list[str]:
        if code not in out:
            kids = children.get(code, ())
            out[code] = [b for kid in kids for b in walk(kid)] if kids else [code]
        return out[code]

    for parent in list(children):
        walk(parent)
    return {code: [b for b in buurten if level_of_code(b) == "buurt"] for code, buurten in out.items()}


class IntervalAudit:
    """Complementary suppression with protection intervals, period by period, for one release."""

    def __init__(
        self,
        values: pd.DataFrame,
        children: Mapping[str, Sequence[str]],
        registry: Registry,
        policy: PrivacyPolicy,
        releases: Releases | None = None,
    ) -> None:
        self.children = children
        self.buurten_of = buurten_below(children)
        self.registry = registry
        self.rules = Rules(policy.min_count, policy.min_respondents, policy.interval, policy.round_to)
        self.decimals = {i.id: i.decimals for i in registry}
        self.counts = {i.id for i in registry if i.unit == "count"}
        weights = population_weights(values)
        self.weights = {
            (str(c), str(p)): float(w) for c, p, w in zip(weights.code, weights.period, weights.weight, strict=True)
        }
        self.preferred: set[tuple[str, str]] = set()
        self.releases = releases or Releases()
        self.sums = {i.id for i in registry if i.unit == "count" and i.suppression == "count"}
        self.earlier_unprotected: list[tuple[str, str, str]] = []
        """Cells of earlier releases that the new one could not leave their protection interval (should be none)."""
        self.revised: list[tuple[str, str]] = []
        """(period, group) whose earlier figures contradict the current data: audited without them."""

    def protect(
        self, period: str, rows: pd.DataFrame, primary: np.ndarray, allowed: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """The withheld cells (primaries and complements) of one period's guarded ``rows`` (with ``shown``), and
        the primaries that no complement could protect."""
        frame = frame_of(rows, self.decimals)
        value = frame.value.to_numpy(dtype="float64")
        # a withheld count is never 0 (zeros protect nothing, and the attacker may assume it); a share or a survey
        # result of 0 % is a real figure of its respondents and can hide others
        usable = np.where(frame.indicator.isin(self.counts).to_numpy(), np.nan_to_num(value) > 0, np.isfinite(value))
        withheld = primary.copy()
        unprotected = np.zeros(len(frame), dtype=bool)
        weights = {code: w for (code, p), w in self.weights.items() if p == period}
        group = np.where(frame.indicator.isin(FAMILY), "stapeling", frame.indicator.to_numpy(dtype=object))
        for key in pd.unique(group):
            positions = np.flatnonzero(group == key)
            if not primary[positions].any():
                continue
            part = frame.iloc[positions].reset_index(drop=True)
            indicators = set(part.indicator) & self.sums
            extra, fixed = self._earlier(period, indicators, len(part))
            may = allowed[positions] & usable[positions]
            try:
                model, state = self._solve(part, primary[positions], may, extra, fixed, weights)
            except Contradicted:  # the data of this period were revised since: the earlier figures are of other data
                self.revised.append((period, str(key)))
                extra = []
                model, state = self._solve(part, primary[positions], may, extra, {}, weights)
            self.preferred |= cell_keys(model, state.withheld & ~state.primary)  # earlier cells are never complements
            withheld[positions] = state.withheld[: len(part)]
            unprotected[positions] = state.unprotected[: len(part)]
            self.earlier_unprotected += [(e.indicator, e.code, period) for e in extra if state.unprotected[e.position]]
        return withheld, unprotected

    def _solve(
        self,
        part: pd.DataFrame,
        primary: np.ndarray,
        allowed: np.ndarray,
        extra: list[Extra],
        fixed: dict[int, tuple[float, float]],
        weights: Mapping[str, float],
    ) -> tuple[Model, PeriodState]:
        """Model one group of one period (with the earlier releases' cells ``extra``) and protect its primaries."""
        model = build_model(part, self.children, self.buurten_of, self.registry, weights, self.releases.units, extra)
        fixed = {pos: known for pos, known in fixed.items() if pos in model.cells}
        old = np.zeros(len(part) + len(extra), dtype=bool)
        old[list(fixed)] = [known[0] >= 1.0 and not np.isfinite(known[1]) for known in fixed.values()]
        state = PeriodState(
            frame=part,
            primary=np.concatenate([primary, old[len(part) :]]),
            withheld=np.concatenate([primary, old[len(part) :]]),
            allowed=np.concatenate([allowed, np.zeros(len(extra), dtype=bool)]),
            fixed=fixed,
        )
        protect_period(model, state, self.rules, self.preferred)
        return model, state

    def _earlier(
        self, period: str, indicators: set[str], offset: int
    ) -> tuple[list[Extra], dict[int, tuple[float, float]]]:
        """The count cells the earlier releases published or withheld for ``period``, as extra model cells."""
        extra: list[Extra] = []
        fixed: dict[int, tuple[float, float]] = {}
        for release in self.releases.earlier:
            old = release.values[(release.values.period == period) & release.values.indicator.isin(indicators)]
            numbers = old.value.to_numpy(dtype="float64")
            for row, number in zip(old.itertuples(index=False), numbers, strict=True):
                known = knowledge(release, str(row.status), float(number), str(row.level))
                units = release.units_of.get(str(row.code))
                if known is None or not units:
                    continue
                pos = offset + len(extra)
                extra.append(Extra(pos, str(row.indicator), f"{row.code}@{release.name}", str(row.level), tuple(units)))
                fixed[pos] = known
        return extra, fixed
