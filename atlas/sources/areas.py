"""Area importers: the CBS wijk- en buurtkaart and generic boundary files, read into RD New.

Three formats (``AreaSource.format``):

- ``cbs-gpkg``: the CBS GeoPackage (2022 and later), layers ``buurten``, ``wijken`` and
  ``gemeenten`` with lower-case columns (``buurtcode``, ``buurtnaam``, ``wijkcode``,
  ``gemeentecode``, ``gemeentenaam``, ``water``). Without an ``areas.wijk`` entry the wijken come
  from the ``wijken`` layer of the same file, the gemeente name from ``gemeenten``.
- ``cbs-shp``: the CBS shapefiles before 2022 (``BU_CODE``, ``BU_NAAM``, ``WK_CODE``, ``GM_CODE``,
  ``GM_NAAM``, ``WATER``; the wijk file ``WK_CODE``, ``WK_NAAM``, ``GM_CODE``).
- ``file``: any GeoJSON, GeoPackage or shapefile whose code, name and parent columns the sources
  file names. A ``gemeentecode``/``GM_CODE`` column, when present, selects the gemeente's rows.

Every importer keeps the rows of one gemeente, normalises the codes (stripped, upper case), checks
them against the CBS patterns, reprojects to EPSG:28992 and repairs invalid geometries with
:func:`shapely.make_valid`. Problems raise :class:`~atlas.errors.AreaError` naming the file, the
1-based feature number (``row``) and the column. Nesting, duplicates and the stadsdeel mapping are
checked when the hierarchy is built (:mod:`atlas.pipeline.hierarchy`).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from dataclasses import astuple, dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyogrio.errors import DataLayerError, DataSourceError

from atlas.codes import code_column, gemeente_code, gemeente_of, normalise_code, text
from atlas.crs import RD_NEW, crs_problem
from atlas.errors import AreaError
from atlas.findings import Findings
from atlas.sources.spec.areas import AreaSource, AreasSpec
from atlas.sources.stadsdelen import read_stadsdelen

_TRUE = frozenset({"JA", "J", "TRUE", "T", "1", "YES", "Y", "WAAR"})
_FALSE = frozenset({"NEE", "N", "FALSE", "F", "0", "NO", "", "ONWAAR"})
_POLYGON, _MULTIPOLYGON = 3, 6  # shapely type ids
_ROW = "__feature_number__"
_DTYPES: dict[str, Any] = {"row": "int64", "water": bool}  # the other columns hold Python str


@dataclass
class RawAreas:
    """Boundaries as read, before the hierarchy is checked and built.

    ``buurt`` has columns ``row`` (1-based feature number in its file), ``code``, ``naam``,
    ``parent`` (wijk code), ``water`` (bool), ``wijknaam`` (only when the buurt file has one) and
    ``geometry``. ``wijk`` has ``row``, ``code``, ``naam``, ``parent`` (gemeente code) and
    ``geometry``, or is None when there is no wijk file. ``stadsdelen`` has ``row`` (line number in
    the CSV), ``wijkcode``, ``stadsdeel`` and ``stadsdeelcode`` ("" for a wijk the file gives no stadsdeel) and
    ``indeling`` (an :class:`atlas.codes.Grouping` value). Geometries are valid polygons in
    EPSG:28992; codes are stripped, upper case and match the CBS patterns. ``*_file`` name the files
    read, for messages. ``wijk_geometry`` is ``areas.wijk.geometry``: ``dissolve`` when the wijk
    polygons are to be built from the buurten (the wijk file gives only codes and names).
    """

    buurt: gpd.GeoDataFrame
    wijk: gpd.GeoDataFrame | None
    gemeente_naam: str | None
    stadsdelen: pd.DataFrame | None
    notes: list[str] = field(default_factory=list)
    buurt_file: str = ""
    wijk_file: str = ""
    stadsdelen_file: str = ""
    wijk_geometry: str = "file"


@dataclass(frozen=True)
class _Columns:
    """Which source column holds each role; None when the file does not have it."""

    code: str
    name: str
    parent: str | None = None
    gemeente: str | None = None
    gemeente_naam: str | None = None
    water: str | None = None
    wijknaam: str | None = None


_CBS_COLUMNS: dict[tuple[str, str], _Columns] = {
    ("cbs-gpkg", "buurt"): _Columns("buurtcode", "buurtnaam", "wijkcode", "gemeentecode", "gemeentenaam", "water"),
    ("cbs-gpkg", "wijk"): _Columns("wijkcode", "wijknaam", "gemeentecode", "gemeentecode", "gemeentenaam"),
    ("cbs-shp", "buurt"): _Columns("BU_CODE", "BU_NAAM", "WK_CODE", "GM_CODE", "GM_NAAM", "WATER"),
    ("cbs-shp", "wijk"): _Columns("WK_CODE", "WK_NAAM", "GM_CODE", "GM_CODE", "GM_NAAM"),
}
_CBS_LAYERS = {"buurt": "buurten", "wijk": "wijken", "gemeente": "gemeenten"}

# Optional columns found by name in any format when the sources file does not name them.
_OPTIONAL: dict[str, tuple[str, ...]] = {
    "gemeente": ("gemeentecode", "GM_CODE"),
    "gemeente_naam": ("gemeentenaam", "GM_NAAM"),
    "water": ("water", "WATER"),
    "wijknaam": ("wijknaam", "WK_NAAM"),
}


def _water(value: Any, *, file: Path, row: int, column: str) -> bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | float | np.integer | np.floating) and not math.isnan(value):
        return bool(value)
    word = normalise_code(value)
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise AreaError(f"water must be JA or NEE, got {value!r}", file=file, row=row, field=column)


# --- opening files --------------------------------------------------------------------------

_SIDE_FILES = (".dbf", ".shx", ".prj", ".cpg")
"""The files beside a shapefile that hold its attributes, CRS and encoding."""
_T = TypeVar("_T")


def _version(path: Path) -> tuple[tuple[str, int, int, int, int], ...] | None:
    """What tells one version of a file from another: resolved path, inode, size and change and modification
    times (ns) of the file and, for a shapefile, of its side files. None when the file cannot be looked at
    (nothing is cached then)."""
    files = [path, *(path.with_suffix(s) for s in _SIDE_FILES)] if path.suffix.lower() == ".shp" else [path]
    try:
        stats = [(str(f.resolve()), f.stat()) for f in files if f is path or f.exists()]
    except OSError:
        return None
    return tuple((name, stat.st_ino, stat.st_size, stat.st_ctime_ns, stat.st_mtime_ns) for name, stat in stats)


def _per_file_version(read: Callable[..., _T]) -> Callable[..., _T]:
    """``read(path, *args)``, read once per version of the file (:func:`_version`) and argument list.

    A sources file of several gemeenten names one national boundary file; every gemeente used to open it again,
    list its layers and read its whole attribute table to keep its own rows: a cost per gemeente that grew with
    the country. What is read here is shared: the callers never change it."""
    cached = functools.lru_cache(maxsize=16)(lambda version, path, *args: read(path, *args))

    @functools.wraps(read)
    def reader(path: Path, *args: Any) -> _T:
        version = _version(path)
        return read(path, *args) if version is None else cached(version, path, *args)

    return reader


@_per_file_version
def _layer_names(path: Path) -> tuple[str, ...]:
    return tuple(str(name) for name in pyogrio.list_layers(path)[:, 0])


@_per_file_version
def _read_info(path: Path, layer: str | None) -> dict[str, Any]:
    info: dict[str, Any] = pyogrio.read_info(path, layer=layer)
    return info


@_per_file_version
def _read_table(path: Path, layer: str | None, columns: tuple[str, ...] | None) -> pd.DataFrame:
    """The attribute table (no geometry), indexed by feature id, with the 1-based feature number in ``_ROW``."""
    rows: pd.DataFrame = pyogrio.read_dataframe(
        path, layer=layer, columns=None if columns is None else list(columns), read_geometry=False, fid_as_index=True
    )
    rows.insert(0, _ROW, np.arange(1, len(rows) + 1))
    return rows


@_per_file_version
def _gemeente_codes(path: Path, layer: str | None, columns: tuple[str, ...] | None, column: str) -> pd.Series:
    """Column ``column`` of :func:`_read_table` as normalised gemeente codes."""
    return _read_table(path, layer, columns)[column].map(normalise_code)


def _layers(path: Path) -> list[str]:
    try:
        return list(_layer_names(path))
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise AreaError(f"cannot open boundary file: {exc}", file=path) from None


def _info(path: Path, layer: str | None) -> dict[str, Any]:
    if not path.exists():
        raise AreaError("boundary file not found", file=path)
    layers = _layers(path)
    if layer is not None and layer not in layers:
        raise AreaError(f"layer {layer!r} not found; the file has layers: {', '.join(layers)}", file=path)
    try:
        info = _read_info(path, layer)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise AreaError(f"cannot read boundary file: {exc}", file=path) from None
    if info.get("crs") is None:
        raise AreaError(
            "the file has no coordinate reference system (CRS); give it one (for a shapefile "
            "a .prj, e.g. EPSG:28992 RD New) so its coordinates can be interpreted",
            file=path,
        )
    return info


def _find(fields: Sequence[str], wanted: str) -> str | None:
    """The column called ``wanted``, exactly or else ignoring case."""
    if wanted in fields:
        return wanted
    matches = [name for name in fields if name.lower() == wanted.lower()]
    return matches[0] if len(matches) == 1 else None


def _require(fields: Sequence[str], wanted: str, path: Path) -> str:
    found = _find(fields, wanted)
    if found is None:
        raise AreaError(
            f"column {wanted!r} not found; the file has columns: {', '.join(fields) or '(none)'}",
            file=path,
            field=wanted,
        )
    return found


def _optional(fields: Sequence[str], role: str) -> str | None:
    for wanted in _OPTIONAL[role]:
        found = _find(fields, wanted)
        if found is not None:
            return found
    return None


def _columns(source: AreaSource, level: str, fields: Sequence[str]) -> _Columns:
    """Each role's column in the file: the sources file's names first, then the format's."""
    path = source.path
    base = _CBS_COLUMNS.get((source.format, level))
    code = source.code or (base.code if base else None)
    name = source.name or (base.name if base else None)
    if code is None or name is None:
        missing = "code" if code is None else "name"
        raise AreaError(f"format 'file' needs the {missing!r} column named in the sources file", file=path)
    parent = source.parent or (base.parent if base else None)
    if parent is None and level == "buurt":
        raise AreaError(
            "format 'file' needs the 'parent' (wijk code) column named in the sources file",
            file=path,
        )

    def pick(role: str, given: str | None, default: str | None) -> str | None:
        """A column the sources file names must exist; otherwise the format's default or a known name."""
        if given is not None:
            return _require(fields, given, path)
        return (_find(fields, default) if default else None) or _optional(fields, role)

    gemeente = _require(fields, base.gemeente, path) if base and base.gemeente else _optional(fields, "gemeente")
    return _Columns(
        code=_require(fields, code, path),
        name=_require(fields, name, path),
        parent=_require(fields, parent, path) if parent else None,
        gemeente=gemeente,
        gemeente_naam=pick("gemeente_naam", None, base.gemeente_naam if base else None),
        water=pick("water", source.water, base.water if base else None) if level == "buurt" else None,
        wijknaam=_optional(fields, "wijknaam") if level == "buurt" else None,
    )


# --- reading one level ----------------------------------------------------------------------


@dataclass
class _Read:
    frame: gpd.GeoDataFrame
    gemeente_naam: str | None


def _read_rows(path: Path, layer: str | None, cols: _Columns, gemeente: str, level: str) -> pd.DataFrame:
    """The attribute rows of ``gemeente`` (no geometry yet) with their 1-based feature number."""
    columns = tuple(dict.fromkeys(name for name in astuple(cols) if name is not None))
    try:
        rows = _read_table(path, layer, columns)
        codes = None if cols.gemeente is None else _gemeente_codes(path, layer, columns, cols.gemeente)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise AreaError(f"cannot read boundary file (damaged or incomplete?): {exc}", file=path) from None
    if codes is None:
        return rows.copy()
    kept = rows[codes == gemeente]
    if kept.empty:
        found = sorted(set(codes) - {""})
        shown = ", ".join(found[:8]) + (", ..." if len(found) > 8 else "")
        raise AreaError(
            f"no {level} rows for gemeente {gemeente}; gemeente codes in the file: {shown or '(none)'}",
            file=path,
            field=cols.gemeente,
        )
    return kept


def _read_geometry(path: Path, layer: str | None, fids: pd.Index) -> gpd.GeoSeries:
    """The geometries of features ``fids``, in that order (by id: fast for a national file)."""
    try:
        frame = pyogrio.read_dataframe(
            path,
            layer=layer,
            columns=[],
            fids=fids.to_numpy(),
            fid_as_index=True,
            force_2d=True,
            on_invalid="fix",  # unclosed rings are closed; unreadable shapes become None, reported by row
        )
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise AreaError(f"cannot read boundary file (damaged or incomplete?): {exc}", file=path) from None
    if not fids.isin(frame.index).all():
        raise AreaError("could not read the geometries by feature id", file=path)
    return frame.geometry.reindex(fids)


def _first_name(values: pd.Series) -> str | None:
    names = [name for name in (text(value) for value in values) if name]
    return names[0] if names else None


def _check_crs(geometry: gpd.GeoSeries, crs: Any, path: Path, after: str = "") -> None:
    """A CRS problem (coordinates that cannot be in ``crs``) as an error naming the file."""
    present = geometry[~(geometry.isna() | geometry.is_empty)]
    if present.empty:
        return
    problem = crs_problem(crs, present.total_bounds)
    if problem is not None:
        raise AreaError(f"{after}{problem}", file=path, field="geometry")


def _to_rd(geometry: gpd.GeoSeries, level: str, path: Path, notes: list[str]) -> gpd.GeoSeries:
    """The geometries in RD New; coordinates outside the area of use of their CRS (or of RD New) are an error."""
    _check_crs(geometry, geometry.crs, path)
    if geometry.crs.equals(RD_NEW):
        return geometry
    source_crs = geometry.crs.to_string()
    notes.append(f"{path.name}: {level} geometries reprojected from {source_crs} to {RD_NEW}")
    projected = geometry.to_crs(RD_NEW)
    _check_crs(projected, RD_NEW, path, after=f"after reprojection from {source_crs} to {RD_NEW}: ")
    return projected


def polygonal(geometry: Any) -> Any:
    """The polygonal part of ``geometry`` (Polygon or MultiPolygon; empty Polygon if none)."""
    parts = shapely.get_parts(shapely.get_parts(geometry))  # collections and multi-parts flattened
    polygons = parts[shapely.get_type_id(parts) == _POLYGON]
    if len(polygons) == 0:
        return shapely.Polygon()
    return polygons[0] if len(polygons) == 1 else shapely.union_all(polygons)


def clean_geometries(
    geometry: gpd.GeoSeries,
    codes: Sequence[str],
    rows: Sequence[int],
    level: str,
    path: Path,
    notes: list[str],
) -> gpd.GeoSeries:
    """Check each geometry is a non-empty polygon; repair invalid ones, noting each repair."""
    values = np.asarray(geometry.array, dtype=object)
    missing = np.flatnonzero(shapely.is_missing(values) | shapely.is_empty(values))
    if missing.size:
        i = int(missing[0])
        raise AreaError(
            f"{level} {codes[i]} has an empty or missing geometry",
            file=path,
            row=rows[i],
            field="geometry",
        )
    other = np.flatnonzero(~np.isin(shapely.get_type_id(values), [_POLYGON, _MULTIPOLYGON]))
    if other.size:
        i = int(other[0])
        raise AreaError(
            f"{level} {codes[i]} has a {values[i].geom_type} geometry; expected a polygon",
            file=path,
            row=rows[i],
            field="geometry",
        )
    repaired = values.copy()
    for i in map(int, np.flatnonzero(~shapely.is_valid(values))):
        reason = shapely.is_valid_reason(values[i])
        fixed = polygonal(shapely.make_valid(values[i]))
        if shapely.is_empty(fixed):
            raise AreaError(
                f"{level} {codes[i]} has an invalid geometry ({reason}); no polygon is left after repairing it",
                file=path,
                row=rows[i],
                field="geometry",
            )
        repaired[i] = fixed
        notes.append(f"{path.name}: {level} {codes[i]} (row {rows[i]}): invalid geometry repaired ({reason})")
    return gpd.GeoSeries(repaired, index=geometry.index, crs=geometry.crs)


def _attributes(
    rows: pd.DataFrame, row_numbers: list[int], cols: _Columns, level: str, gemeente: str, path: Path
) -> dict[str, list[Any]]:
    """The checked columns ``row``, ``code``, ``naam``, ``parent`` (and ``water``, ``wijknaam``)."""
    codes = code_column(rows[cols.code], row_numbers, level, path, cols.code)
    if cols.parent is not None:
        parent_level = "wijk" if level == "buurt" else "gemeente"
        parents = code_column(rows[cols.parent], row_numbers, parent_level, path, cols.parent)
    else:
        parents = [gemeente] * len(codes)
    data: dict[str, list[Any]] = {
        "row": row_numbers,
        "code": codes,
        "naam": [text(value) for value in rows[cols.name]],
        "parent": parents,
    }
    if level == "buurt":
        water = cols.water
        data["water"] = (
            [_water(v, file=path, row=r, column=water) for v, r in zip(rows[water], row_numbers, strict=True)]
            if water is not None
            else [False] * len(codes)
        )
        if cols.wijknaam is not None:
            data["wijknaam"] = [text(value) for value in rows[cols.wijknaam]]
    return data


def _read_level(source: AreaSource, level: str, gemeente: str, notes: list[str]) -> _Read:
    """Read the buurt or wijk rows of one gemeente from one file."""
    path = source.path
    layer = source.layer or (_CBS_LAYERS[level] if source.format == "cbs-gpkg" else None)
    info = _info(path, layer)
    fields = [str(name) for name in info["fields"]]
    cols = _columns(source, level, fields)
    rows = _read_rows(path, layer, cols, gemeente, level)
    row_numbers = [int(row) for row in rows[_ROW]]

    data = _attributes(rows, row_numbers, cols, level, gemeente, path)
    geometry = _to_rd(_read_geometry(path, layer, rows.index), level, path, notes)
    geometry = clean_geometries(geometry, data["code"], row_numbers, level, path, notes)
    frame = gpd.GeoDataFrame(
        {key: pd.Series(values, dtype=_DTYPES.get(key, object)) for key, values in data.items()},
        geometry=geometry.reset_index(drop=True),
        crs=RD_NEW,
    )
    naam = _first_name(rows[cols.gemeente_naam]) if cols.gemeente_naam is not None else None
    return _Read(frame=frame, gemeente_naam=naam)


def _gemeente_naam_from_layer(path: Path, gemeente: str) -> str | None:
    """The name in the ``gemeenten`` layer of a CBS GeoPackage, when it has one."""
    if _CBS_LAYERS["gemeente"] not in _layers(path):
        return None
    layer = _CBS_LAYERS["gemeente"]
    table = _read_table(path, layer, None).drop(columns=_ROW).reset_index(drop=True)
    code_col = _find([str(c) for c in table.columns], "gemeentecode")
    name_col = _find([str(c) for c in table.columns], "gemeentenaam")
    if code_col is None or name_col is None:
        return None
    codes = _gemeente_codes(path, layer, None, code_col).to_numpy()
    return _first_name(table.loc[codes == gemeente, name_col])


def _implicit_wijk_source(buurt: AreaSource, notes: list[str]) -> AreaSource | None:
    """For a CBS GeoPackage without ``areas.wijk``: the ``wijken`` layer of the same file."""
    if buurt.format != "cbs-gpkg":
        return None
    if _CBS_LAYERS["wijk"] not in _layers(buurt.path):
        notes.append(f"{buurt.path.name}: no 'wijken' layer; the wijken are dissolved from the buurten")
        return None
    return AreaSource(path=buurt.path, format="cbs-gpkg", layer=_CBS_LAYERS["wijk"])


# --- entry point ----------------------------------------------------------------------------


def buurten_per_gemeente(spec: AreasSpec) -> dict[str, int]:
    """How many buurten each gemeente has in the buurt file (by the gemeente its code nests in), read from the
    code column alone: what a build needs to cut the country into parts of about equal size."""
    source = spec.buurt
    layer = source.layer or (_CBS_LAYERS["buurt"] if source.format == "cbs-gpkg" else None)
    cols = _columns(source, "buurt", [str(name) for name in _info(source.path, layer)["fields"]])
    try:
        codes = pyogrio.read_dataframe(source.path, layer=layer, columns=[cols.code], read_geometry=False)
    except (DataSourceError, DataLayerError, OSError) as exc:
        raise AreaError(f"cannot read boundary file (damaged or incomplete?): {exc}", file=source.path) from None
    counts = codes[cols.code].map(normalise_code).map(gemeente_of).value_counts()
    return {str(code): int(count) for code, count in counts.items()}


def read_areas(
    spec: AreasSpec, gemeente: str, findings: Findings | None = None, *, one_of_several: bool = False
) -> RawAreas:
    """Read the buurten, wijken and stadsdelen of ``gemeente`` that ``spec`` names; doubts go to ``findings``.

    ``one_of_several``: the sources file lists more gemeenten, whose wijken the stadsdelen file may group too (only
    this gemeente's rows are kept)."""
    gemeente = gemeente_code(gemeente)
    notes: list[str] = []
    buurt = _read_level(spec.buurt, "buurt", gemeente, notes)
    wijk_source = spec.wijk or _implicit_wijk_source(spec.buurt, notes)
    wijk = _read_level(wijk_source, "wijk", gemeente, notes) if wijk_source is not None else None
    naam = _gemeente_naam_from_layer(spec.buurt.path, gemeente) if spec.buurt.format == "cbs-gpkg" else None
    naam = naam or buurt.gemeente_naam or (wijk.gemeente_naam if wijk is not None else None)
    stadsdelen = None
    if spec.stadsdelen is not None:
        stadsdelen = read_stadsdelen(spec.stadsdelen, gemeente, own_rows=one_of_several)
    return RawAreas(
        buurt=buurt.frame,
        wijk=wijk.frame if wijk is not None else None,
        gemeente_naam=naam,
        stadsdelen=stadsdelen,
        notes=notes,
        buurt_file=str(spec.buurt.path),
        wijk_file=str(wijk_source.path) if wijk_source is not None else "",
        stadsdelen_file=str(spec.stadsdelen.path) if spec.stadsdelen is not None else "",
        wijk_geometry=spec.wijk.geometry if spec.wijk is not None else "file",
    )
