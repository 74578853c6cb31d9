"""The areas of one gemeente, level by level: what the pipeline builds and the artifact holds.

Every level has columns ``code``, ``naam``, ``parent`` (``""`` for the gemeente) and ``geometry`` (the buurt level
also ``water``; the wijk and stadsdeel levels also ``indeling``, how certain their grouping into stadsdelen is, an
:class:`atlas.codes.Grouping` value), in EPSG:28992, sorted by code, with a RangeIndex. ``code``, ``naam`` and
``parent`` hold Python ``str`` (object dtype), never NaN.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from atlas.codes import LEVELS, PREFIXES, Grouping, gemeente_of, normalise_code
from atlas.errors import NotFound

POLE_TOLERANCE_M = 1.0
"""How exactly :func:`pole_points` finds each centre (metres)."""


def pole_points(geometry: np.ndarray) -> np.ndarray:
    """The pole of inaccessibility of each area (the centre of the largest circle inside it), in the geometry's CRS;
    None where an area has no geometry. Where the map writes an area's name, and what distances "from the area"
    are measured from (the facilities), so they lie inside an L- or U-shaped area, never beside it."""
    geometry = np.asarray(geometry, dtype=object)
    out = np.full(len(geometry), None, dtype=object)
    empty = shapely.is_empty(geometry) | shapely.is_missing(geometry) if len(geometry) else np.zeros(0, bool)
    if (~empty).any():
        circles = shapely.maximum_inscribed_circle(geometry[~empty], tolerance=POLE_TOLERANCE_M)
        out[~empty] = shapely.get_point(circles, 0)
    return out


@dataclass(frozen=True, eq=False)
class Areas:
    """The four area levels of one gemeente (see the module docstring for the columns)."""

    buurt: gpd.GeoDataFrame
    wijk: gpd.GeoDataFrame
    stadsdeel: gpd.GeoDataFrame
    gemeente: gpd.GeoDataFrame
    _codes: dict[str, frozenset[str]] = field(init=False, repr=False)
    _names: dict[str, tuple[str, str]] = field(init=False, repr=False)
    _groupings: dict[str, Grouping] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        codes = {level: frozenset(self.level(level)["code"]) for level in LEVELS}
        object.__setattr__(self, "_codes", codes)
        names: dict[str, tuple[str, str]] = {}
        groupings: dict[str, Grouping] = {}
        for level in LEVELS:
            frame = self.level(level)
            for code, naam, parent in zip(frame["code"], frame["naam"], frame["parent"], strict=True):
                names.setdefault(str(code), (str(naam), str(parent)))
            if level in ("wijk", "stadsdeel") and "indeling" in frame.columns:
                for code, value in zip(frame["code"], frame["indeling"], strict=True):
                    try:
                        groupings.setdefault(str(code), Grouping(str(value)))
                    except ValueError:
                        groupings.setdefault(str(code), Grouping.UNSTATED)
        object.__setattr__(self, "_names", names)
        object.__setattr__(self, "_groupings", groupings)

    def __repr__(self) -> str:
        counts = ", ".join(f"{level}={len(self.level(level))}" for level in LEVELS)
        return f"Areas({counts})"

    def level(self, name: str) -> gpd.GeoDataFrame:
        """The GeoDataFrame of level ``name`` (one of ``LEVELS``)."""
        if name not in LEVELS:
            raise NotFound(f"unknown level {name!r}; levels: {', '.join(LEVELS)}")
        frame: gpd.GeoDataFrame = getattr(self, name)
        return frame

    def level_of(self, code: str) -> str | None:
        """The level of an area code (by prefix, then membership), or None for an unknown code."""
        normal = normalise_code(code)
        level = PREFIXES.get(normal[:2])
        return level if level is not None and normal in self._codes[level] else None

    def name_and_parent(self, code: str) -> tuple[str, str] | None:
        """The ``naam`` and ``parent`` of an area code (as written, not normalised), or None for an unknown code."""
        return self._names.get(code)

    def children(self, level: str) -> tuple[str, pd.Series] | None:
        """The next non-empty level below ``level`` and a Series child code -> parent code.

        Below the gemeente that is the stadsdeel level, or the wijk level when there are no
        stadsdelen. None for the buurt level and for an empty level (no stadsdelen).
        """
        if self.level(level).empty or level == LEVELS[0]:
            return None
        for child in reversed(LEVELS[: LEVELS.index(level)]):
            frame = self.level(child)
            if not frame.empty:
                parents = pd.Series(
                    frame["parent"].to_numpy(dtype=object),
                    index=pd.Index(frame["code"].to_numpy(dtype=object), name="code"),
                    name="parent",
                    dtype=object,
                )
                return child, parents
        return None

    def grouping(self, code: str) -> Grouping:
        """How certain the grouping of a wijk or stadsdeel into stadsdelen is (not stated for other areas)."""
        level = self.level_of(code)
        if level not in ("wijk", "stadsdeel"):
            return Grouping.UNSTATED
        return self._groupings.get(normalise_code(code), Grouping.UNSTATED)

    def gemeente_of(self, code: str) -> tuple[str, str]:
        """The code and name of the gemeente area ``code`` lies in (a gemeente: itself); the one gemeente of areas of
        one gemeente, whatever its code. Raises :class:`NotFound` for a code of no gemeente here."""
        gemeenten = self.level("gemeente")
        if len(gemeenten) == 1:
            return str(gemeenten.code.iloc[0]), str(gemeenten.naam.iloc[0])
        wanted = gemeente_of(code)
        found = self._names.get(wanted) if wanted in self._codes["gemeente"] else None
        if found is None:
            raise NotFound(f"geen gemeente bij gebied {code[:40]!r}")
        return wanted, found[0]

    def within(self, gemeente: str) -> Areas:
        """The areas of one gemeente (its code): every level's rows whose codes nest in it, with a new RangeIndex."""
        digits = normalise_code(gemeente)[2:6]
        layers = {}
        for level in LEVELS:
            frame = self.level(level)
            layers[level] = frame[frame["code"].str[2:6] == digits].reset_index(drop=True)
        return Areas(**layers)

    def codes(self) -> set[str]:
        """Every area code of every level."""
        return set().union(*self._codes.values())
