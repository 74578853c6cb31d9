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
from atlas.pipeline.audit.model import FAMILY, build_model
from atlas.pipeline.audit.protect import PeriodState, Rules, cell_keys, frame_of, protect_period
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
        self, values: pd.DataFrame, children: Mapping[str, Sequence[str]], registry: Registry, policy: PrivacyPolicy
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
            model = build_model(part, self.children, self.buurten_of, self.registry, weights)
            state = PeriodState(
                frame=part,
                primary=primary[positions].copy(),
                withheld=primary[positions].copy(),
                allowed=allowed[positions] & usable[positions],
            )
            protect_period(model, state, self.rules, self.preferred)
            self.preferred |= cell_keys(model, state.withheld & ~state.primary)
            withheld[positions] = state.withheld
            unprotected[positions] = state.unprotected
        return withheld, unprotected
