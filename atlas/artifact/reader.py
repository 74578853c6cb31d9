"""Reading a build artifact: what the web, render, notebooks and scripts use (never the raw sources).

``Artifact.open(DIR)`` checks the version, loads the registry the build used, the values table (through
:func:`~atlas.artifact.status.published_view`, so nothing unpublished can be shown; an artifact written before the
comparison with the gemeente gets it here, :func:`~atlas.artifact.compare.compare_values`) and the areas. Web geometry
and overlays are read when first asked for; so are the indexes that let a page find its rows without scanning the
values table (:meth:`Artifact.rows`, :meth:`Artifact.rows_of_codes`). An artifact is read-only: what these return is
shared between requests and must not be changed.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pyogrio

from atlas.artifact.areas import Areas
from atlas.artifact.compare import compare_values
from atlas.artifact.layout import (
    ADDRESSES_FILE,
    AREA_COLUMNS,
    AREAS_FILE,
    ARTIFACT_VERSION,
    FACILITIES_FILE,
    GROUPED_LEVELS,
    GROUPING_COLUMN,
    MANIFEST_FILE,
    REGISTRY_FILE,
    SIMILAR_FILE,
    VALUES_FILE,
    forecast_years,
    web_level_file,
    web_overlay_file,
    web_tile_file,
    web_tile_index,
)
from atlas.artifact.status import has_data, published_view
from atlas.artifact.webgeo import WebLevel
from atlas.atomic import Hold, hold, is_version
from atlas.codes import LEVELS, is_synthetic_gemeente
from atlas.errors import ArtifactError, NotFound
from atlas.layers.registry import Registry, load_registry

ABOVE_CODE = re.compile(r"[A-Z]{2}[0-9]{2,4}")
"""The code of an area above the gemeente: two capital letters and 2 to 4 digits (a regio, as
:data:`atlas.sources.regio.REGIO_CODE` has it, or Nederland ``NL01``)."""
ABOVE_LEVELS = ("regio", "nederland")
"""The levels above the gemeente a build of several gemeenten may hold (``manifest.above``, issue 15): not in
:data:`atlas.codes.LEVELS`, and not in :class:`~atlas.artifact.areas.Areas`."""


@dataclass(frozen=True)
class AboveArea:
    """An area above the gemeente (a regio, or Nederland) as the manifest lists it."""

    code: str
    naam: str
    level: str
    """``regio`` or ``nederland``."""
    gemeenten: tuple[str, ...]
    """The codes of its gemeenten, in the manifest's order."""

    @property
    def label(self) -> str:
        """How a page names its level: ``regio`` or ``Nederland``."""
        return "Nederland" if self.level == "nederland" else self.level


def _selection_key(key: Any) -> tuple[str, str, int]:
    indicator, level, year = key
    return str(indicator), str(level), int(year)


T = TypeVar("T")


def read_whole(path: Path) -> pd.DataFrame:
    """A Parquet table in one piece. A build writes its large tables a part at a time, one row group each
    (:func:`~atlas.artifact.writer.concat_parquet`); read as they are, every column is a chain of hundreds of
    Arrow chunks, and taking a page's 342 rows out of 2 million then costs 25–300 ms instead of 0.3 ms."""
    return pq.read_table(path).combine_chunks().to_pandas()


@dataclass
class Artifact:
    """A build artifact opened for reading (by the web app, a notebook or a script)."""

    path: Path
    manifest: dict[str, Any]
    registry: Registry
    values: pd.DataFrame
    """The values table: only published values have a number (see :mod:`atlas.artifact.status`)."""
    areas: Areas
    version: str = ""
    """Which version this is: the name of its version folder (``DIR.versions/<name>``, see :mod:`atlas.atomic`),
    or for a plain folder ``sha256-`` and the start of its manifest's hash."""
    scope: str = ""
    """For a part of an artifact of several gemeenten (:meth:`part`): the code of its gemeente; else empty."""
    _whole: Artifact | None = field(default=None, repr=False)
    _by_gemeente: dict[str, np.ndarray] | None = field(default=None, repr=False)
    _web: dict[str, str] = field(default_factory=dict, repr=False)
    _web_levels: dict[str, WebLevel] = field(default_factory=dict, repr=False)
    _derived: dict[Hashable, Any] = field(default_factory=dict, repr=False)
    _available: pd.DataFrame | None = field(default=None, repr=False)
    _addresses: pd.DataFrame | None = field(default=None, repr=False)
    _address_ids: pd.Index | None = field(default=None, repr=False)
    _address_sorted: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False)
    _hold: Hold | None = field(default=None, repr=False)
    _years: dict[str, dict[str, tuple[int, ...]]] | None = field(default=None, repr=False)
    _by_selection: dict[tuple[str, str, int], np.ndarray] | None = field(default=None, repr=False)
    _by_code: dict[str, np.ndarray] | None = field(default=None, repr=False)
    _facilities: pd.DataFrame | None = field(default=None, repr=False)
    _facilities_by_code: dict[str, pd.DataFrame] | None = field(default=None, repr=False)
    _similar: dict[str, list[tuple[str, float]]] | None = field(default=None, repr=False)
    _above: dict[str, AboveArea] | None = field(default=None, repr=False)

    @classmethod
    def open(cls, path: str | Path) -> Artifact:
        """Open the artifact at ``path``; a symlink made by ``atlas build`` is followed to its current version,
        and every file is read from that version later on, whatever ``path`` points to by then."""
        path = Path(path).resolve()  # files are served later, whatever the working directory is then
        manifest_path = path / MANIFEST_FILE
        if not manifest_path.is_file():
            raise ArtifactError(f"{path} is not a build artifact (no {MANIFEST_FILE}); run 'atlas build'")
        held = hold(path) if is_version(path) else None  # no build removes this version while it is open
        raw = manifest_path.read_bytes()
        manifest = json.loads(raw.decode("utf-8"))
        if manifest.get("artifact_version") != ARTIFACT_VERSION:
            raise ArtifactError(
                f"{path}: artifact version {manifest.get('artifact_version')} is not "
                f"{ARTIFACT_VERSION}; rebuild it with this version of the atlas"
            )
        registry = load_registry(path / REGISTRY_FILE)
        values = published_view(read_whole(path / VALUES_FILE))
        if "verdict" not in values.columns:  # an artifact from before the comparison: judged now, the same way
            values = compare_values(values, registry)
        layers = {level: pyogrio.read_dataframe(path / AREAS_FILE, layer=level) for level in LEVELS}
        for level, layer in layers.items():
            for column in AREA_COLUMNS:
                layers[level][column] = layer[column].fillna("").astype(str)
            if level in GROUPED_LEVELS:  # artifacts before the grouping status: not stated
                grouping = layer[GROUPING_COLUMN] if GROUPING_COLUMN in layer.columns else None
                layers[level][GROUPING_COLUMN] = "" if grouping is None else grouping.fillna("").astype(str)
        areas = Areas(**layers)
        version = path.name if is_version(path) else f"sha256-{hashlib.sha256(raw).hexdigest()[:16]}"
        return cls(
            path=path, manifest=manifest, registry=registry, values=values, areas=areas, version=version, _hold=held
        )

    @property
    def forecasts(self) -> dict[str, frozenset[int]]:
        """Indicator -> the years whose values are forecasts (``prognose``), as the build listed them in the manifest
        (also where privacy withheld every value of such a year)."""
        return forecast_years(self.manifest)

    def is_forecast_year(self, indicator: str, year: int) -> bool:
        """Is ``year`` a forecast year of ``indicator`` (not a measured one)?"""
        return int(year) in self.forecasts.get(indicator, frozenset())

    @property
    def available(self) -> pd.DataFrame:
        """Where data exists: one row per ``indicator``, ``level`` and ``year`` (int) that has a value, published or
        withheld (:func:`~atlas.artifact.status.has_data`), sorted; ``forecast`` says whether that year's values are
        forecasts (:attr:`forecasts`) rather than measurements."""
        if self._available is None:
            rows = self.values[has_data(self.values)]
            frame = pd.DataFrame(
                {
                    "indicator": rows["indicator"].astype(str).to_numpy(),
                    "level": rows["level"].astype(str).to_numpy(),
                    "year": rows["period"].astype(str).str[:4].astype(int).to_numpy(),
                }
            )
            frame = frame.drop_duplicates().sort_values(["indicator", "level", "year"]).reset_index(drop=True)
            forecasts = self.forecasts
            frame["forecast"] = [
                int(y) in forecasts.get(str(i), ()) for i, y in zip(frame.indicator, frame.year, strict=True)
            ]
            self._available = frame
        return self._available

    def years(self, indicator: str) -> dict[str, tuple[int, ...]]:
        """Level -> the years (ascending) in which ``indicator`` has data at that level (:attr:`available`), forecast
        years included (:meth:`is_forecast_year` tells them apart)."""
        if self._years is None:
            out: dict[str, dict[str, list[int]]] = {}
            for ind, level, year in self.available[["indicator", "level", "year"]].itertuples(index=False):
                out.setdefault(str(ind), {}).setdefault(str(level), []).append(int(year))
            self._years = {ind: {lv: tuple(ys) for lv, ys in by.items()} for ind, by in out.items()}
        return self._years.get(indicator, {})

    @property
    def facilities(self) -> pd.DataFrame | None:
        """The facilities per area and type (``voorzieningen.parquet``: code, level, type, count and the nearest one's
        naam, adres, distance in metres ``nearest_m`` and buurt), or None when the build had no facilities."""
        if self._facilities is None and self._whole is not None:
            whole = self._whole.facilities
            if whole is None:
                return None
            self._facilities = whole[whole.code.astype(str).str[2:6] == self.scope[2:6]]
        if self._facilities is None:
            path = self.path / FACILITIES_FILE
            if not path.is_file():
                return None
            self._facilities = pd.read_parquet(path)
        return self._facilities

    def facilities_of(self, code: str) -> pd.DataFrame | None:
        """The rows of :attr:`facilities` of one area (one per type, in the registry's order), or None."""
        table = self.facilities
        if table is None:
            return None
        if self._facilities_by_code is None:
            self._facilities_by_code = {str(c): part for c, part in table.groupby("code", sort=False)}
        return self._facilities_by_code.get(code, table.iloc[:0])

    def similar_to(self, code: str) -> list[tuple[str, float]] | None:
        """The most similar buurten of buurt ``code`` as (code, distance), most similar first
        (``similar.parquet``, :mod:`atlas.artifact.similar`): empty when the buurt has too few published context
        values, None when the build wrote no such file (an artifact from before it)."""
        if self._similar is None:
            path = self.path / SIMILAR_FILE
            if not path.is_file():
                return None
            table = pd.read_parquet(path).sort_values(["code", "rank"])
            found: dict[str, list[tuple[str, float]]] = {}
            for buurt, other, distance in zip(table.code, table.other, table.distance, strict=True):
                found.setdefault(str(buurt), []).append((str(other), float(distance)))
            self._similar = found
        return self._similar.get(code, [])

    def rows(self, indicator: str, level: str, year: int) -> pd.DataFrame:
        """The rows of :attr:`values` of one indicator, level and year (periods starting with the year).

        The positions of every such part are found once (one group-by), so a page takes its rows without
        scanning the table.
        """
        if self._by_selection is None:
            keys = [self.values.indicator.astype(str), self.values.level.astype(str), self._value_years()]
            groups = self.values.groupby(keys, sort=False).indices
            self._by_selection = {_selection_key(k): np.asarray(idx) for k, idx in groups.items()}
        found = self._by_selection.get((indicator, level, int(year)))
        return self.values.iloc[found] if found is not None else self.values.iloc[:0]

    def rows_of_codes(self, codes: set[str]) -> pd.DataFrame:
        """The rows of :attr:`values` of the areas ``codes``, in the table's order."""
        if self._by_code is None:
            by_code = self.values.groupby(self.values.code.astype(str), sort=False).indices
            self._by_code = {str(code): np.asarray(idx) for code, idx in by_code.items()}
        found = [self._by_code[c] for c in codes if c in self._by_code]
        return self.values.iloc[np.sort(np.concatenate(found))] if found else self.values.iloc[:0]

    def _value_years(self) -> pd.Series:
        years = pd.to_numeric(self.values.period.astype(str).str[:4], errors="coerce")
        return years.fillna(-1).astype(int)

    # --- the gemeenten: an artifact may hold several (issue 15) ---------------------------------------------------

    @property
    def gemeenten(self) -> tuple[tuple[str, str], ...]:
        """(code, naam) of every gemeente the build holds, in the manifest's order (the areas' for an artifact whose
        manifest does not list them)."""
        listed = self.manifest.get("gemeenten")
        if isinstance(listed, list) and listed:
            return tuple((str(g.get("code", "")), str(g.get("naam", ""))) for g in listed if isinstance(g, dict))
        layer = self.areas.level("gemeente")
        return tuple((str(c), str(n)) for c, n in zip(layer.code, layer.naam, strict=True))

    @property
    def several(self) -> bool:
        """Whether the build holds more than one gemeente (also true of a :meth:`part` of such a build)."""
        return len(self.gemeenten) > 1

    @property
    def gemeente(self) -> tuple[str, str] | None:
        """(code, naam) of the one gemeente this artifact shows: the build's only one, or a part's; None for the
        whole of a build of several gemeenten."""
        if self.several and not self.scope:
            return None
        return self.areas.gemeente_of(self.scope)

    @property
    def title(self) -> str:
        """What the pages call the atlas: the name of its gemeente, or of the build of several (its ``naam``)."""
        if self.several and not self.scope:
            return str(self.manifest.get("naam") or ", ".join(naam for _, naam in self.gemeenten))
        gemeente = self.manifest.get("gemeente")
        return str(gemeente.get("naam", "")) if isinstance(gemeente, dict) else ""

    @property
    def whole(self) -> Artifact:
        """The whole artifact this is a :meth:`part` (or :meth:`region`) of; itself when it is no part."""
        return self._whole if self._whole is not None else self

    @property
    def above(self) -> dict[str, AboveArea]:
        """Code -> :class:`AboveArea` of every area above the gemeente the build holds (``manifest.above``: its
        regio's and Nederland ``NL01``), regio's first; empty for a build without them."""
        if self._above is None:
            listed = self.manifest.get("above")
            areas = listed.get("areas") if isinstance(listed, dict) else None
            found: dict[str, AboveArea] = {}
            for item in areas if isinstance(areas, list) else []:
                if not isinstance(item, dict) or str(item.get("level", "")) not in ABOVE_LEVELS:
                    continue
                members = item.get("gemeenten")
                found[str(item.get("code", ""))] = AboveArea(
                    code=str(item.get("code", "")),
                    naam=str(item.get("naam", "")),
                    level=str(item.get("level")),
                    gemeenten=tuple(str(g) for g in members) if isinstance(members, list) else (),
                )
            order = {level: i for i, level in enumerate(ABOVE_LEVELS)}
            self._above = dict(sorted(found.items(), key=lambda kv: (order[kv[1].level], kv[0])))
        return self._above

    def above_of(self, gemeente: str) -> tuple[AboveArea, ...]:
        """The areas above the gemeente ``gemeente`` (its code) holding it: its regio, then Nederland."""
        return tuple(area for area in self.above.values() if gemeente in area.gemeenten)

    def region(self, code: str) -> Artifact:
        """The gemeenten of the regio ``code`` (their gemeente-level areas and values) as an artifact of its own, for
        the map of the gemeenten of one regio; kept with the artifact once made. Raises
        :class:`~atlas.errors.NotFound` for a code that is no regio of the build."""
        whole = self.whole
        found = whole.above.get(code)
        if found is None or found.level != "regio":
            raise NotFound(f"onbekende regio {code[:20]!r}")
        return whole.derived(("region", code), lambda: whole._region(found))

    def _region(self, area: AboveArea) -> Artifact:
        members = set(area.gemeenten)
        keep = (self.values.level.astype(str) == "gemeente") & self.values.code.astype(str).isin(members)
        layers = {}
        for level in LEVELS:  # only the gemeenten: the map of a regio is a map of its gemeenten
            frame = self.areas.level(level)
            layers[level] = (frame[frame["code"].isin(members)] if level == "gemeente" else frame.iloc[:0]).reset_index(
                drop=True
            )
        listed = [{"code": c, "naam": n} for c, n in self.gemeenten if c in members]
        return Artifact(
            path=self.path,
            manifest={**self.manifest, "gemeenten": listed},
            registry=self.registry,
            values=self.values[keep.to_numpy()].reset_index(drop=True),
            areas=Areas(**layers),
            version=self.version,
            _whole=self,
        )

    def above_layer(self, level: str) -> Any:
        """The areas of one level above the gemeente (``regio``, ``nederland``) from ``areas.gpkg``: ``code, naam,
        parent, geometry`` (EPSG:28992); read when first asked for, None when the build has no such layer."""
        if level not in ABOVE_LEVELS:
            return None

        def read() -> Any:
            if not any(area.level == level for area in self.whole.above.values()):
                return None
            return pyogrio.read_dataframe(self.path / AREAS_FILE, layer=level)

        return self.whole.derived(("above_layer", level), read)

    def gemeente_of_area(self, code: str) -> tuple[str, str]:
        """(code, naam) of the gemeente the area ``code`` lies in: the gemeente every page compares that area with.
        Raises :class:`~atlas.errors.NotFound` for an area of no gemeente here."""
        return self.areas.gemeente_of(code)

    def part(self, gemeente: str) -> Artifact:
        """The areas and values of one gemeente (its code) as an artifact of its own, so that a page of that gemeente
        shows, classifies and compares only its areas: kept with the artifact once made. An artifact of one gemeente,
        and a part, is its own part. Raises :class:`~atlas.errors.NotFound` for a gemeente the build does not hold."""
        if not self.several or self.scope:
            if self.scope and gemeente != self.scope:
                raise NotFound(f"onbekende gemeente {gemeente[:20]!r} in deze kaart van {self.scope}")
            return self
        if gemeente not in {code for code, _ in self.gemeenten}:
            raise NotFound(f"onbekende gemeente {gemeente[:20]!r}")
        return self.derived(("part", gemeente), lambda: self._part(gemeente))

    def part_of_area(self, code: str) -> Artifact:
        """The :meth:`part` of the gemeente the area ``code`` lies in."""
        return self.part(self.gemeente_of_area(code)[0]) if self.several and not self.scope else self

    def _part(self, gemeente: str) -> Artifact:
        digits = gemeente[2:6]
        if self._by_gemeente is None:
            keys = self.values.code.astype(str).str[2:6]
            below = ~self.values.level.astype(str).isin(ABOVE_LEVELS).to_numpy()  # RG0193 is not in GM0193
            self._by_gemeente = {
                str(k): np.asarray(idx)[below[np.asarray(idx)]]
                for k, idx in self.values.groupby(keys, sort=False).indices.items()
            }
        found = self._by_gemeente.get(digits, np.zeros(0, dtype=int))
        areas = self.areas.within(gemeente)
        naam = areas.gemeente_of(gemeente)[1]
        return Artifact(
            path=self.path,
            manifest={**self.manifest, "gemeente": {"code": gemeente, "naam": naam}},
            registry=self.registry,
            values=self.values.iloc[np.sort(found)].reset_index(drop=True),
            areas=areas,
            version=self.version,
            scope=gemeente,
            _whole=self,
        )

    @property
    def is_demo(self) -> bool:
        return bool(self.manifest.get("demo"))

    @property
    def invented_names(self) -> bool:
        """A demo of the synthetic country (:data:`atlas.codes.SYNTHETIC_GEMEENTEN`), whose names are made up too
        (the Zwolle demo has Zwolle's real names)."""
        codes = [str(g.get("code", "")) for g in self.manifest.get("gemeenten") or [self.manifest.get("gemeente", {})]]
        return self.is_demo and bool(codes) and all(is_synthetic_gemeente(code) for code in codes)

    def web_geojson(self, level: str) -> str:
        """The simplified EPSG:4326 GeoJSON of one level, as written by the build."""
        if level not in self._web:
            self._web[level] = (self.path / web_level_file(level)).read_text(encoding="utf-8")
        return self._web[level]

    @property
    def addresses(self) -> pd.DataFrame | None:
        """The address book (:mod:`atlas.pipeline.addressbook`), sorted by folded street and number; None when the
        build had no addresses with BAG fields."""
        if self._addresses is None:
            path = self.path / ADDRESSES_FILE
            if not path.is_file():
                return None
            self._addresses = read_whole(path)
        return self._addresses

    def address_sorted(self, column: str) -> tuple[np.ndarray, np.ndarray]:
        """One column of the address book sorted (for binary search), and the book's row of each sorted value;
        empty without an address book. The book is sorted by ``key`` already."""
        if column not in self._address_sorted:
            book = self.addresses
            values = np.asarray([] if book is None else book[column], dtype=str)
            order = np.arange(len(values)) if column == "key" else np.argsort(values, kind="stable")
            self._address_sorted[column] = (values[order], order)
        return self._address_sorted[column]

    def address(self, adres: str) -> dict[str, Any] | None:
        """One row of the address book by its id (``8011AB-12A``), or None."""
        book = self.addresses
        if book is None:
            return None
        if self._address_ids is None:
            self._address_ids = pd.Index(book["adres"])
        position = self._address_ids.get_indexer(pd.Index([adres]))[0]
        return None if position < 0 else {str(k): v for k, v in book.iloc[int(position)].items()}

    def derived(self, key: Hashable, make: Callable[[], T]) -> T:
        """What ``make`` computes from this artifact alone, computed once per ``key`` and kept with the artifact
        (a new version is a new artifact, so nothing outlives the data it came from). For parts that every page of a
        level shares, such as the indicator overlays' classes; not for a page itself."""
        if key not in self._derived:
            self._derived[key] = make()
        found: T = self._derived[key]
        return found

    def web_level(self, level: str) -> WebLevel:
        """The web geometry of one level parsed, with each area's bounds (shared: do not change it)."""
        if level not in self._web_levels:
            if self._whole is not None:  # a part: the whole's geometry of its own areas
                codes = self.areas.level(level)["code"]
                self._web_levels[level] = self._whole.web_level(level).within(codes)
            else:
                self._web_levels[level] = WebLevel.parse(level, self.web_geojson(level))
        return self._web_levels[level]

    def overlay_path(self, layer: str) -> Path | None:
        """The EPSG:4326 GeoJSON of a point or polygon overlay, or None when the build wrote none."""
        path = self.path / web_overlay_file(layer)
        return path if path.is_file() else None

    def tile_index_path(self, layer: str) -> Path | None:
        """The index of a point overlay's tiles (:mod:`atlas.artifact.tiles`), or None when the build cut none."""
        path = self.path / web_tile_index(layer)
        return path if path.is_file() else None

    def tile_path(self, layer: str, zoom: int, x: int, y: int) -> Path | None:
        """One tile of a point overlay, or None when there is no such tile (no points there, or another zoom)."""
        path = self.path / web_tile_file(layer, zoom, x, y)
        return path if path.is_file() else None
