"""The area hierarchy: buurt -> wijk -> stadsdeel -> gemeente, checked and completed.

:func:`build_hierarchy` takes the boundaries as read (:class:`~atlas.sources.areas.RawAreas`) and
returns one GeoDataFrame per level. CBS codes nest by prefix (``BU01930101`` lies in wijk
``WK019301``, which lies in gemeente ``GM0193``), so a parent column that disagrees with the code is
an error, as are duplicate codes and buurten whose wijk is missing. Wijken are dissolved from the
buurten when there is no wijk file (or when the sources file says ``areas.wijk.geometry: dissolve``: then
only the codes and names come from the wijk file); stadsdelen (a municipal grouping, not a CBS level) are the
dissolve of their wijken; the gemeente is the dissolve of all buurten. Whether the polygons fit together
(overlapping buurten, holes, wijken that are not their buurten) is checked by :mod:`.geometry_checks`.
Wijken the stadsdelen file gives no stadsdeel go to a stadsdeel ``overig``, with a ``grouping`` warning.

Every level has columns ``code``, ``naam``, ``parent`` (``""`` for the gemeente) and ``geometry``
(the buurt level also ``water``; the wijk and stadsdeel levels also ``indeling``, how certain the
grouping into stadsdelen is: an :class:`atlas.codes.Grouping` value), in EPSG:28992, sorted by
code, with a RangeIndex. ``code``, ``naam``, ``parent`` and ``indeling`` hold Python ``str``
(object dtype), never NaN. Geometries are valid Polygons, or MultiPolygons for areas of several
parts (whatever the input format wrote).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from atlas.artifact.areas import Areas
from atlas.codes import (
    UNGROUPED_NAME,
    Grouping,
    check_code,
    gemeente_code,
    gemeente_of,
    grouping_of_stadsdeel,
    normalise_code,
    stadsdeel_code,
    text,
    wijk_of,
)
from atlas.crs import RD_NEW
from atlas.errors import AreaError
from atlas.findings import Findings
from atlas.pipeline.geometry_checks import check_buurten, check_wijken
from atlas.sources.areas import RawAreas
from atlas.sources.stadsdelen import stadsdeel_codes

COLUMNS: tuple[str, ...] = ("code", "naam", "parent", "geometry")
"""The columns of the gemeente level."""
BUURT_COLUMNS: tuple[str, ...] = ("code", "naam", "parent", "water", "geometry")
"""The columns of the buurt level."""
GROUPED_COLUMNS: tuple[str, ...] = ("code", "naam", "parent", "indeling", "geometry")
"""The columns of the wijk and stadsdeel levels."""
_MULTIPOLYGON = 6  # shapely type id


# --- checks -------------------------------------------------------------------------------------


def _rows(frame: pd.DataFrame) -> list[int]:
    """The 1-based feature number of each row: the ``row`` column, else the position."""
    if "row" in frame.columns:
        return [int(row) for row in frame["row"]]
    return list(range(1, len(frame) + 1))


def _label(file: str, default: str) -> str:
    """A file's name for a message, or ``default`` when the file is unknown."""
    return Path(file).name if file else default


def _where(file: str) -> str:
    """The prefix of a note: the file's name."""
    return f"{Path(file).name}: " if file else ""


def _codes(frame: pd.DataFrame, column: str, level: str, file: str) -> list[str]:
    """The normalised codes in ``column``, each checked to be a code of ``level``."""
    if column not in frame.columns:
        raise AreaError(f"the {level} table has no {column!r} column", file=file or None, field=column)
    codes = [normalise_code(value) for value in frame[column]]
    for code, row in zip(codes, _rows(frame), strict=True):
        check_code(code, level, file=file or None, row=row, field=column)
    return codes


def _check_unique(codes: Sequence[str], rows: Sequence[int], level: str, file: str) -> None:
    first: dict[str, int] = {}
    for code, row in zip(codes, rows, strict=True):
        if code in first:
            raise AreaError(
                f"{level} {code} appears twice (rows {first[code]} and {row})",
                file=file or None,
                row=row,
                field="code",
            )
        first[code] = row


def _check_in_gemeente(codes: Sequence[str], level: str, gemeente: str, rows: Sequence[int], file: str) -> None:
    for code, row in zip(codes, rows, strict=True):
        if gemeente_of(code) != gemeente:
            raise AreaError(
                f"{level} {code} is not in gemeente {gemeente} (its code nests in {gemeente_of(code)})",
                file=file or None,
                row=row,
                field="code",
            )


def _check_buurt_parents(codes: Sequence[str], parents: Sequence[str], rows: Sequence[int], file: str) -> None:
    """A buurt's parent must be the wijk its code nests in: BU01930101 lies in WK019301."""
    for code, parent, row in zip(codes, parents, rows, strict=True):
        nest = wijk_of(code)
        if parent != nest:
            raise AreaError(
                f"buurt {code} has parent wijk {parent}, but its code nests in wijk {nest}",
                file=file or None,
                row=row,
                field="parent",
            )


def _check_wijk_parents(
    codes: Sequence[str], parents: Sequence[str], gemeente: str, rows: Sequence[int], file: str
) -> None:
    for code, parent, row in zip(codes, parents, rows, strict=True):
        if parent and parent != gemeente:
            raise AreaError(
                f"wijk {code} has parent {parent}, but its code nests in gemeente {gemeente}",
                file=file or None,
                row=row,
                field="parent",
            )


def _names(frame: pd.DataFrame, codes: Sequence[str], level: str, file: str, notes: list[str]) -> list[str]:
    """The ``naam`` column; the code stands in (with a note) where a name is empty."""
    out: list[str] = []
    for name, code, row in zip(frame["naam"].map(text), codes, _rows(frame), strict=True):
        if not name:
            notes.append(f"{_where(file)}{level} {code} (row {row}) has no name; its code is used")
        out.append(name or code)
    return out


# --- building the levels ------------------------------------------------------------------------


def _frame(
    codes: Iterable[str],
    names: Iterable[str],
    parents: Iterable[str],
    geometry: Iterable[Any],
    water: Iterable[bool] | None = None,
    indeling: Iterable[str] | None = None,
) -> gpd.GeoDataFrame:
    """One level: the standard columns, sorted by code, RangeIndex, object dtype for the texts."""
    data: dict[str, Any] = {
        "code": pd.Series(list(codes), dtype=object),
        "naam": pd.Series(list(names), dtype=object),
        "parent": pd.Series(list(parents), dtype=object),
    }
    columns = COLUMNS
    if water is not None:
        data["water"] = pd.Series(list(water), dtype=bool)
        columns = BUURT_COLUMNS
    if indeling is not None:
        data["indeling"] = pd.Series([str(v) for v in indeling], dtype=object)
        columns = GROUPED_COLUMNS
    frame = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(_single_parts(geometry), crs=RD_NEW), crs=RD_NEW)
    frame = frame.sort_values("code", kind="stable").reset_index(drop=True)
    for column in ("code", "naam", "parent", "indeling"):  # sorting may re-infer pandas' own string dtype
        if column in frame.columns:
            frame[column] = frame[column].astype(object)
    return frame[list(columns)]


def _single_parts(geometry: Iterable[Any]) -> Any:
    """One-part MultiPolygons as Polygons, so an area's type does not depend on the input format."""
    values = np.asarray(list(geometry), dtype=object)
    single = (shapely.get_type_id(values) == _MULTIPOLYGON) & (shapely.get_num_geometries(values) == 1)
    values[single] = shapely.get_geometry(values[single], 0)
    return values


def _dissolve(geometry: Iterable[Any], keys: Iterable[str]) -> dict[str, Any]:
    """Union the geometries per key; inputs in key order, so the result is deterministic."""
    groups: dict[str, list[Any]] = {}
    for key, geom in sorted(zip(keys, geometry, strict=True), key=lambda pair: pair[0]):
        groups.setdefault(key, []).append(geom)
    return {key: shapely.union_all(parts) for key, parts in groups.items()}


@dataclass(frozen=True)
class _Files:
    """The file each table came from, for messages ("" when unknown)."""

    buurt: str
    wijk: str
    stadsdelen: str


def _buurten(raw: pd.DataFrame, gemeente: str, file: str, notes: list[str]) -> tuple[gpd.GeoDataFrame, dict[str, int]]:
    """The buurt level, and each buurt's row in its file."""
    rows = _rows(raw)
    codes = _codes(raw, "code", "buurt", file)
    _check_unique(codes, rows, "buurt", file)
    _check_in_gemeente(codes, "buurt", gemeente, rows, file)
    parents = _codes(raw, "parent", "wijk", file)
    _check_buurt_parents(codes, parents, rows, file)
    water = [bool(v) for v in raw["water"]] if "water" in raw.columns else [False] * len(codes)
    names = _names(raw, codes, "buurt", file, notes)
    frame = _frame(codes, names, parents, raw.geometry, water)
    return frame, dict(zip(codes, rows, strict=True))


def _check_buurt_wijken(
    buurt: gpd.GeoDataFrame, buurt_rows: dict[str, int], wijken: list[str], wijk_rows: list[int], files: _Files
) -> None:
    """Every buurt's wijk must be in the wijk file, and every wijk there must have buurten."""
    known = set(wijken)
    for code, parent in zip(buurt["code"], buurt["parent"], strict=True):
        if parent not in known:
            raise AreaError(
                f"buurt {code} lies in wijk {parent}, which is missing from {_label(files.wijk, 'the wijk file')}",
                file=files.buurt or None,
                row=buurt_rows[code],
                field="parent",
            )
    unused = sorted(known - set(buurt["parent"]))
    if unused:
        raise AreaError(
            f"wijk {unused[0]} has no buurten in {_label(files.buurt, 'the buurt file')}",
            file=files.wijk or None,
            row=wijk_rows[wijken.index(unused[0])],
            field="code",
        )


def _wijken_from_file(
    raw: gpd.GeoDataFrame,
    buurt: gpd.GeoDataFrame,
    buurt_rows: dict[str, int],
    gemeente: str,
    files: _Files,
    notes: list[str],
) -> gpd.GeoDataFrame:
    """The wijk level from the wijk file; every buurt's wijk must be there, and every wijk used."""
    rows = _rows(raw)
    codes = _codes(raw, "code", "wijk", files.wijk)
    _check_unique(codes, rows, "wijk", files.wijk)
    _check_in_gemeente(codes, "wijk", gemeente, rows, files.wijk)
    if "parent" in raw.columns:
        parents = [normalise_code(value) for value in raw["parent"]]
        _check_wijk_parents(codes, parents, gemeente, rows, files.wijk)
    _check_buurt_wijken(buurt, buurt_rows, codes, rows, files)
    names = _names(raw, codes, "wijk", files.wijk, notes)
    return _frame(codes, names, [gemeente] * len(codes), raw.geometry, indeling=[Grouping.UNSTATED] * len(codes))


def _fit_wijken(
    raw: gpd.GeoDataFrame,
    wijk: gpd.GeoDataFrame,
    buurt: gpd.GeoDataFrame,
    gemeente: Any,
    file: str,
    findings: Findings,
    notes: list[str],
    *,
    dissolve: bool,
) -> gpd.GeoDataFrame:
    """Check the wijk polygons against their buurten; with ``dissolve``, replace them by the buurten's union."""
    rows = dict(zip((normalise_code(value) for value in raw["code"]), _rows(raw), strict=True))
    unions = _dissolve(buurt.geometry, buurt["parent"])
    check_wijken(wijk["code"], wijk.geometry.values, unions, gemeente, rows, file, findings, dissolve=dissolve)
    if not dissolve:
        return wijk
    notes.append(f"{_where(file)}wijk polygons built from the buurten (areas.wijk.geometry: dissolve)")
    return _frame(
        wijk["code"], wijk["naam"], wijk["parent"], [unions[code] for code in wijk["code"]], indeling=wijk["indeling"]
    )


def _wijk_names(raw: pd.DataFrame, wijken: Iterable[str]) -> dict[str, str]:
    """Each wijk's name from the buurten's ``wijknaam`` (first by buurt code), else ``Wijk nn``."""
    found: dict[str, str] = {}
    if "wijknaam" in raw.columns:
        codes = raw["code"].map(normalise_code)
        parents = raw["parent"].map(normalise_code)
        for _, wijk, name in sorted(zip(codes, parents, raw["wijknaam"].map(text), strict=True)):
            if name:
                found.setdefault(wijk, name)
    return {wijk: found.get(wijk, f"Wijk {wijk[6:8]}") for wijk in wijken}


def _wijken_dissolved(
    raw: pd.DataFrame, buurt: gpd.GeoDataFrame, gemeente: str, file: str, notes: list[str]
) -> gpd.GeoDataFrame:
    """The wijk level as the dissolve of the buurten, when there is no wijk file."""
    geometry = _dissolve(buurt.geometry, buurt["parent"])
    names = _wijk_names(raw, geometry)
    notes.append(f"{_where(file)}{len(geometry)} wijken dissolved from the buurten (no wijk file)")
    return _frame(
        geometry,
        [names[w] for w in geometry],
        [gemeente] * len(geometry),
        geometry.values(),
        indeling=[Grouping.UNSTATED] * len(geometry),
    )


def _ungrouped_code(names: dict[str, str], gemeente: str, file: str) -> str:
    """The code of the stadsdeel ``overig``: the file's own when it names one so, else ``SD....99`` or the highest
    free ordinal."""
    for code, name in names.items():
        if name.lower() == UNGROUPED_NAME:
            return code
    used = set(names)
    for ordinal in range(99, 0, -1):
        code = stadsdeel_code(gemeente, ordinal)
        if code not in used:
            return code
    raise AreaError("no stadsdeel code left for 'overig': the file uses all 99", file=file or None)


def _stadsdelen(
    mapping: pd.DataFrame, wijk: gpd.GeoDataFrame, gemeente: str, file: str, findings: Findings | None, notes: list[str]
) -> tuple[gpd.GeoDataFrame, dict[str, str], dict[str, str]]:
    """The stadsdeel level (dissolve of its wijken), each wijk's stadsdeel code and each wijk's grouping."""
    rows = _rows(mapping)
    wijkcodes = _codes(mapping, "wijkcode", "wijk", file)
    _check_unique(wijkcodes, rows, "wijk", file)
    names = [text(value) for value in mapping["stadsdeel"]]
    if "stadsdeelcode" in mapping.columns:
        given = zip(mapping["stadsdeelcode"], names, strict=True)
        sd_codes = [normalise_code(value) if name else "" for value, name in given]
        for code, name, row in zip(sd_codes, names, rows, strict=True):
            if name:
                check_code(code, "stadsdeel", file=file or None, row=row, field="stadsdeelcode")
    else:
        sd_codes = stadsdeel_codes(wijkcodes, names, gemeente)
    stated = list(mapping["indeling"]) if "indeling" in mapping.columns else [Grouping.UNSTATED.value] * len(rows)
    known = set(wijk["code"])
    for code, sd, row in zip(wijkcodes, sd_codes, rows, strict=True):
        if code not in known:
            raise AreaError(
                f"wijk {code} is not a wijk of gemeente {gemeente} in the boundaries",
                file=file or None,
                row=row,
                field="wijkcode",
            )
        if sd and gemeente_of(sd) != gemeente:
            raise AreaError(
                f"stadsdeel {sd} does not nest in gemeente {gemeente} (expected {stadsdeel_code(gemeente, 1)[:-2]}nn)",
                file=file or None,
                row=row,
                field="stadsdeelcode",
            )
    grouped = [(w, sd, Grouping(g)) for w, sd, g in zip(wijkcodes, sd_codes, stated, strict=True) if sd]
    parent_of = {w: sd for w, sd, _ in grouped}
    grouping_of_wijk = {w: g for w, _, g in grouped}
    name_of = {sd: name for sd, name in zip(sd_codes, names, strict=True) if sd}
    ungrouped = sorted(known - set(parent_of))
    if ungrouped:
        overig = _ungrouped_code(name_of, gemeente, file)
        name_of.setdefault(overig, UNGROUPED_NAME)
        for code in ungrouped:
            parent_of[code] = overig
            grouping_of_wijk[code] = Grouping.UNGROUPED
        message = (
            f"{len(ungrouped)} of {len(known)} wijken have no stadsdeel in {_label(file, 'the stadsdelen file')} "
            f"and are shown together as stadsdeel {name_of[overig]!r} ({overig}): {', '.join(ungrouped)}"
        )
        if findings is not None:
            findings.warning("grouping", message, file=_label(file, "") or None, code=overig, count=len(ungrouped))
        else:
            notes.append(message)
    geometry = _dissolve(wijk.geometry, [parent_of[code] for code in wijk["code"]])
    members: dict[str, list[Grouping]] = {}
    for code, sd in parent_of.items():
        members.setdefault(sd, []).append(grouping_of_wijk[code])
    indeling = {sd: grouping_of_stadsdeel(groups) for sd, groups in members.items()}
    indicative = sorted(name_of[sd] for sd, g in indeling.items() if g is Grouping.INDICATIVE)
    if indicative and findings is not None:
        count = sum(g is Grouping.INDICATIVE for g in grouping_of_wijk.values())
        findings.info(
            "grouping",
            f"{count} wijken are placed in their stadsdeel indicatively in {_label(file, 'the stadsdelen file')}; "
            f"the pages mark stadsdeel {', '.join(indicative)} as 'indeling indicatief'",
            file=_label(file, "") or None,
            count=count,
        )
    frame = _frame(
        geometry,
        [name_of[sd] for sd in geometry],
        [gemeente] * len(geometry),
        geometry.values(),
        indeling=[indeling[sd] for sd in geometry],
    )
    return frame, parent_of, {code: str(g) for code, g in grouping_of_wijk.items()}


def build_hierarchy(
    raw: RawAreas, gemeente: str, naam: str | None = None, *, source: str = "", findings: Findings | None = None
) -> tuple[Areas, list[str]]:
    """Check and complete the hierarchy of one gemeente; returns the areas and the notes.

    ``naam`` names the gemeente (else ``raw.gemeente_naam``, else its code). ``source`` names the
    input in messages when ``raw`` does not carry its file names (e.g. areas made in code). The
    notes are ``raw.notes`` (reprojections, geometry repairs) followed by this step's (dissolved
    wijken, names filled in). Overlaps, holes and wijken that do not fit their buurten go to
    ``findings``; without a collector, such an error raises :class:`~atlas.errors.FindingsError`.
    """
    own = findings is None
    findings = Findings() if findings is None else findings
    gemeente = gemeente_code(gemeente)
    notes = list(raw.notes)
    files = _Files(
        buurt=raw.buurt_file or source,
        wijk=raw.wijk_file or source,
        stadsdelen=raw.stadsdelen_file or source,
    )
    buurt, buurt_rows = _buurten(raw.buurt, gemeente, files.buurt, notes)
    geometry = check_buurten(buurt["code"], buurt.geometry.values, buurt_rows, files.buurt, findings)
    if raw.wijk is not None:
        wijk = _wijken_from_file(raw.wijk, buurt, buurt_rows, gemeente, files, notes)
        dissolve = raw.wijk_geometry == "dissolve"
        wijk = _fit_wijken(raw.wijk, wijk, buurt, geometry, files.wijk, findings, notes, dissolve=dissolve)
    else:
        wijk = _wijken_dissolved(raw.buurt, buurt, gemeente, files.buurt, notes)

    stadsdeel = _frame([], [], [], [], indeling=[])
    if raw.stadsdelen is not None:
        stadsdeel, parent_of, grouping = _stadsdelen(raw.stadsdelen, wijk, gemeente, files.stadsdelen, findings, notes)
        wijk = wijk.assign(
            parent=pd.Series([parent_of[code] for code in wijk["code"]], dtype=object),
            indeling=pd.Series([grouping[code] for code in wijk["code"]], dtype=object),
        )

    gemeente_frame = _frame([gemeente], [naam or raw.gemeente_naam or gemeente], [""], [geometry])
    if own:
        findings.stop_on_errors()
    return Areas(buurt=buurt, wijk=wijk, stadsdeel=stadsdeel, gemeente=gemeente_frame), notes


def merge_areas(parts: Sequence[Areas]) -> Areas:
    """The areas of several gemeenten, each built on its own by :func:`build_hierarchy`, as one set of levels
    (every level sorted by code, a RangeIndex); one part is returned as it is."""
    if len(parts) == 1:
        return parts[0]
    gemeenten = [code for part in parts for code in part.gemeente["code"]]
    if len(set(gemeenten)) != len(gemeenten):
        raise AreaError(f"a gemeente is built twice: {', '.join(sorted(gemeenten))}")

    def level(name: str) -> gpd.GeoDataFrame:
        frames = [part.level(name) for part in parts]
        frame = pd.concat(frames, ignore_index=True).sort_values("code", kind="stable").reset_index(drop=True)
        frame = gpd.GeoDataFrame(frame, geometry="geometry", crs=RD_NEW)
        for column in ("code", "naam", "parent", "indeling"):
            if column in frame.columns:
                frame[column] = frame[column].astype(object)
        return frame

    return Areas(buurt=level("buurt"), wijk=level("wijk"), stadsdeel=level("stadsdeel"), gemeente=level("gemeente"))
