"""The area hierarchy of the demo as membership matrices, for summing and weighting values upward.

Values are arrays of shape (years, areas). A level's areas are its sorted codes; ``B[level]`` is a
0/1 matrix (buurten × areas of that level), so ``x @ B`` sums buurt values to that level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from atlas.codes import LEVELS
from atlas.demo.reference import Reference


@dataclass(frozen=True)
class Hierarchy:
    """Buurt → wijk → stadsdeel → gemeente, with buurten in the order of the reference table."""

    parents: dict[str, np.ndarray]
    """Per level, the code of each buurt's area at that level."""

    @classmethod
    def from_reference(cls, reference: Reference) -> Hierarchy:
        table = reference.buurten
        return cls(
            parents={
                "buurt": table.buurtcode.to_numpy().astype(str),
                "wijk": table.wijkcode.to_numpy().astype(str),
                "stadsdeel": table.stadsdeelcode.to_numpy().astype(str),
                "gemeente": np.full(len(table), reference.gemeente),
            }
        )

    def codes(self, level: str) -> np.ndarray:
        """The sorted codes of one level."""
        return np.unique(self.parents[level])

    def membership(self, level: str) -> np.ndarray:
        """0/1 matrix of buurten × areas of ``level``."""
        codes = self.codes(level)
        return (self.parents[level][:, None] == codes[None, :]).astype(np.float64)

    def link(self, lower: str, upper: str) -> np.ndarray:
        """0/1 matrix of areas of ``lower`` × areas of ``upper``."""
        if LEVELS.index(lower) > LEVELS.index(upper):
            raise ValueError(f"{lower} is above {upper}")
        return (self.membership(lower).T @ self.membership(upper) > 0).astype(np.float64)

    def sum_to(self, level: str, per_buurt: np.ndarray) -> np.ndarray:
        """Sum buurt values (years × buurten) to ``level`` (years × areas)."""
        return per_buurt @ self.membership(level)


def weighted_mean(values: np.ndarray, weights: np.ndarray, link: np.ndarray) -> np.ndarray:
    """Mean of ``values`` weighted by ``weights`` per upper area, skipping missing values (NaN)."""
    has = ~np.isnan(values) & (weights > 0)
    w = np.where(has, weights, 0.0)
    total = w @ link
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = (np.where(has, values, 0.0) * w) @ link / total
    return np.where(total > 0, mean, np.nan)


def sum_up(values: np.ndarray, link: np.ndarray) -> np.ndarray:
    """Sum per upper area; missing when any part is missing (as the build does)."""
    complete = (np.isnan(values).astype(np.float64) @ link) == 0
    return np.where(complete, np.nan_to_num(values) @ link, np.nan)
