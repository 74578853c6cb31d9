"""The ``areas:`` section of the sources file: boundary files and the stadsdelen grouping.

::

    areas:
      buurt: {path: buurten.geojson, code: buurtcode, name: buurtnaam, parent: wijkcode}
      # or the CBS wijk- en buurtkaart:  {path: wijkenbuurten_2023_v1.gpkg, format: cbs-gpkg}
      #                 or before 2022:  {path: buurt_2021_v1.shp, format: cbs-shp}
      wijk: {path: wijken.geojson, code: wijkcode, name: wijknaam}      # optional
      #  geometry: dissolve   builds the wijk polygons from the buurten and keeps the wijk file's codes and names
      stadsdelen: {path: stadsdelen.csv}   # columns wijkcode, stadsdeel (and stadsdeelcode, status) by default
      regio: {path: regios.csv}            # optional, several gemeenten: columns gemeentecode, regiocode, regionaam
      # or name the columns: {path: indeling.csv, wijk: wijk_code, stadsdeel: naam_stadsdeel, status: zekerheid}
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atlas.checks import Entry
from atlas.errors import SourcesError

AREA_FORMATS = ("cbs-gpkg", "cbs-shp", "file")
"""``cbs-gpkg``: the CBS GeoPackage (2022 and later); ``cbs-shp``: the CBS shapefiles before 2022; ``file``: any
vector file whose columns the entry names."""

WIJK_GEOMETRY = ("file", "dissolve")
"""``areas.wijk.geometry``: ``file`` takes the wijk polygons from the wijk file (checked against the buurten);
``dissolve`` builds them from the buurten and takes only the codes and names from the wijk file."""


@dataclass(frozen=True)
class AreaSource:
    """One boundary file. ``format`` is ``cbs-gpkg``, ``cbs-shp`` or ``file`` (columns named here)."""

    path: Path
    format: str = "file"
    code: str | None = None
    name: str | None = None
    parent: str | None = None
    layer: str | None = None
    water: str | None = None
    geometry: str = "file"
    """Wijk files only: ``file`` or ``dissolve`` (:data:`WIJK_GEOMETRY`)."""


@dataclass(frozen=True)
class StadsdelenSource:
    """The stadsdelen CSV and which of its columns hold the wijk code, the stadsdeel and, optionally, its code and
    the status of the grouping (``gedocumenteerd`` / ``indicatief``; see :data:`atlas.codes.GROUPING_WORDS`).

    ``code`` and ``status`` are None when the entry does not name them: the columns ``stadsdeelcode`` and ``status``
    are then used when the file has them.
    """

    path: Path
    wijk: str = "wijkcode"
    stadsdeel: str = "stadsdeel"
    code: str | None = None
    status: str | None = None


@dataclass(frozen=True)
class RegioSource:
    """The regio CSV (the level above the gemeente, :mod:`atlas.sources.regio`): which columns hold the gemeente
    code, the regio's code and its name."""

    path: Path
    gemeente: str = "gemeentecode"
    code: str = "regiocode"
    naam: str = "regionaam"


@dataclass(frozen=True)
class AreasSpec:
    buurt: AreaSource
    wijk: AreaSource | None = None
    stadsdelen: StadsdelenSource | None = None
    regio: RegioSource | None = None

    def input_files(self) -> list[Path]:
        files = [self.buurt.path]
        if self.wijk is not None:
            files.append(self.wijk.path)
        if self.stadsdelen is not None:
            files.append(self.stadsdelen.path)
        if self.regio is not None:
            files.append(self.regio.path)
        return files


def _area(file: Path, entry: str, raw: Any, *, needs_parent: bool, roots: Sequence[Path]) -> AreaSource:
    keys = ("path", "format", "code", "name", "parent", "layer", "water")
    wijk = not needs_parent
    e = Entry(file, entry, raw, (*keys, "geometry") if wijk else keys, error=SourcesError, roots=roots)
    fmt = e.choice("format", AREA_FORMATS, "file")
    source = AreaSource(
        path=e.path(),
        format=fmt,
        code=e.text("code"),
        name=e.text("name"),
        parent=e.text("parent"),
        layer=e.text("layer"),
        water=e.text("water"),
        geometry=e.choice("geometry", WIJK_GEOMETRY, "file") if wijk else "file",
    )
    if fmt == "file":
        for key in ("code", "name") + (("parent",) if needs_parent else ()):
            if getattr(source, key) is None:
                raise e.fail(key, "is required for format 'file' (the column that holds it)")
    return source


def parse_areas(file: Path, raw: Any, *, roots: Sequence[Path] = ()) -> AreasSpec:
    """The ``areas`` section of sources file ``file``; its paths must lie in the file's folder or ``roots``."""
    a = Entry(file, "areas", raw, ("buurt", "wijk", "stadsdelen", "regio"), error=SourcesError, roots=roots)
    if a.data.get("buurt") is None:
        raise a.fail("buurt", "is required")
    wijk_raw = a.data.get("wijk")
    sd = a.sub("stadsdelen", ("path", "wijk", "stadsdeel", "code", "status"))
    stadsdelen = None
    if sd is not None:
        stadsdelen = StadsdelenSource(
            path=sd.path(),
            wijk=sd.string("wijk", "wijkcode"),
            stadsdeel=sd.string("stadsdeel", "stadsdeel"),
            code=sd.text("code"),
            status=sd.text("status"),
        )
    rg = a.sub("regio", ("path", "gemeente", "code", "naam"))
    regio = None
    if rg is not None:
        regio = RegioSource(
            path=rg.path(),
            gemeente=rg.string("gemeente", "gemeentecode"),
            code=rg.string("code", "regiocode"),
            naam=rg.string("naam", "regionaam"),
        )
    return AreasSpec(
        buurt=_area(file, "areas.buurt", a.data["buurt"], needs_parent=True, roots=roots),
        wijk=_area(file, "areas.wijk", wijk_raw, needs_parent=False, roots=roots) if wijk_raw is not None else None,
        stadsdelen=stadsdelen,
        regio=regio,
    )
