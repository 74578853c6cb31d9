"""``atlas fetch cbs``: download KWB tables and the CBS wijk- en buurtkaart for a gemeente (needs internet).

For every year the KWB table of :data:`~atlas.sources.kwb.KWB_TABLES` is downloaded with ``cbsodata``, filtered
on the gemeente's codes, and cached in ``OUT/kwb_<year>_<gemeente>.json`` beside its ``<table>_DataProperties.json``
(units), exactly as the ``cbsodata`` importer reads them. The wijk- en buurtkaart comes from CBS's download server
(:data:`KAART_URL`: ``https://download.cbs.nl/regionale-kaarten/wijkbuurtkaart_<year>_v<version>.zip``; the newest
version that exists is taken), is cached as the zip, and the gemeente's part is written as
``OUT/wijkbuurtkaart_<year>_<gemeente>.gpkg`` (layers ``buurten``, ``wijken``, ``gemeenten``, 2022 and later) or
``OUT/buurt_<year>_<gemeente>.shp`` (the shapefiles before 2022). A file already in the cache is not downloaded again
(``refresh`` forces it). Finally ``OUT/sources.yaml`` is a ready sources snippet naming all of it.

Without a connection the error says so in one line and names the offline route (:data:`OFFLINE_KWB`): the same files,
got elsewhere, in a folder and named in the sources file.
"""

from __future__ import annotations

import json
import logging
import shutil
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml

from atlas.codes import CBS_CODE, CODE_HINTS, CODE_PATTERNS, gemeente_of, normalise_code
from atlas.errors import AtlasError, SourcesError
from atlas.sources.kwb import KWB_TABLES

log = logging.getLogger(__name__)

KAART_URL = "https://download.cbs.nl/regionale-kaarten/wijkbuurtkaart_{year}_v{version}.zip"
KAART_VERSIONS = (3, 2, 1)
"""CBS publishes a map as v1 and improves it as v2, v3; the newest that exists is taken."""
GPKG_SINCE = 2022
"""The wijk- en buurtkaart is a GeoPackage from 2022; before, shapefiles."""

Progress = Callable[[str, int, int | None], None]
"""``progress(task, done, total)``: called while downloading (bytes) and per table."""


class FetchError(AtlasError):
    """A download failed (no internet, unknown table or year)."""


OFFLINE_KWB = (
    "Offline route: put the records of cbsodata.get_data('{table}') (a JSON list) and "
    "{table}_DataProperties.json (cbsodata.get_meta('{table}', 'DataProperties')) in one folder and name the records "
    "in sources.yaml: indicators: [{{path: <file>.json, format: cbsodata, table: {table}}}]"
)
OFFLINE_KAART = (
    "Offline route: download {url} elsewhere and name its GeoPackage in sources.yaml: "
    "areas: {{buurt: {{path: <file>.gpkg, format: cbs-gpkg}}}} (cbs-shp for the shapefiles before 2022)"
)


def is_offline(exc: BaseException) -> bool:
    """Whether an error means the server could not be reached (no network, no DNS, a timeout), not that it answered.

    ``requests``' ConnectionError and Timeout, ``urllib``'s URLError and socket errors are all ``OSError``s; an
    HTTP error carries the server's ``response`` (requests) or ``code`` (urllib): the server answered.
    """
    answered = getattr(exc, "response", None) is not None or getattr(exc, "code", None) is not None
    return isinstance(exc, OSError) and not answered


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:300]


def parse_years(text: str) -> list[int]:
    """``2019-2024``, ``2022,2024`` or ``2024`` → years; each must have a known KWB table."""
    years: list[int] = []
    for part in text.split(","):
        part = part.strip()
        low, _, high = part.partition("-")
        try:
            first, last = int(low), int(high or low)
        except ValueError:
            raise SourcesError(f"{text!r} is not a year or range such as 2019-2024", field="--jaar") from None
        years.extend(range(first, last + 1))
    unknown = [y for y in years if y not in KWB_TABLES]
    if unknown:
        known = ", ".join(str(y) for y in KWB_TABLES)
        raise SourcesError(f"no KWB table known for {unknown[0]}; known years: {known}", field="--jaar")
    return sorted(set(years))


def in_gemeente(code: str, gemeente: str) -> bool:
    """Whether a (stripped) CBS code lies in the gemeente: ``GM0193``, ``WK0193..``, ``BU0193....``."""
    code = normalise_code(code)
    return bool(CBS_CODE.match(code)) and gemeente_of(code) == normalise_code(gemeente)


def _record_code(record: dict[str, Any]) -> str:
    for key, value in record.items():
        if key.split("_")[0] in ("Codering", "WijkenEnBuurten") and isinstance(value, str):
            text = value.strip()
            if text[:2] in ("GM", "WK", "BU"):
                return text
    return ""


def fetch_kwb(gemeente: str, year: int, out: Path, *, refresh: bool = False, progress: Progress | None = None) -> Path:
    """Download one KWB table for the gemeente (cached) and its DataProperties; returns the records file."""
    import cbsodata

    table = KWB_TABLES[year]
    target = out / f"kwb_{year}_{gemeente}.json"
    properties = out / f"{table}_DataProperties.json"
    if target.is_file() and properties.is_file() and not refresh:
        log.info("%s: in the cache", target.name)
        return target
    digits = normalise_code(gemeente).removeprefix("GM")
    try:
        records = cbsodata.get_data(table, filters=f"substringof('{digits}',WijkenEnBuurten)")
        meta = cbsodata.get_meta(table, "DataProperties")
    except Exception as exc:  # cbsodata raises requests' errors, and others
        if is_offline(exc):
            raise FetchError(
                f"no connection to CBS (opendata.cbs.nl): cannot download table {table} ({year}). "
                + OFFLINE_KWB.format(table=table)
            ) from None
        raise FetchError(f"cannot download CBS table {table} ({year}): {_one_line(exc)}") from None
    mine = [r for r in records if in_gemeente(_record_code(r), gemeente)]
    if not mine:
        raise FetchError(f"CBS table {table} ({year}) has no rows for {gemeente}")
    out.mkdir(parents=True, exist_ok=True)
    _write_json(properties, meta)
    _write_json(target, mine)
    if progress:
        progress(f"KWB {year}", 1, 1)
    log.info("%s: %d records of %s", target.name, len(mine), table)
    return target


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".part")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    tmp.replace(path)


def download(url: str, target: Path, progress: Progress | None = None) -> Path:
    """Stream ``url`` to ``target`` (via a ``.part`` file, so an interrupted download leaves no half file)."""
    tmp = target.with_name(target.name + ".part")
    with urllib.request.urlopen(url, timeout=60) as response, tmp.open("wb") as handle:
        total = response.headers.get("Content-Length")
        size = int(total) if total and total.isdigit() else None
        done = 0
        while block := response.read(1 << 20):
            handle.write(block)
            done += len(block)
            if progress:
                progress(target.name, done, size)
    tmp.replace(target)
    return target


def _kaart_zip(year: int, cache: Path, refresh: bool, progress: Progress | None) -> Path:
    for existing in sorted(cache.glob(f"wijkbuurtkaart_{year}_v*.zip"), reverse=True):
        if not refresh:
            return existing
    errors = []
    for version in KAART_VERSIONS:
        url = KAART_URL.format(year=year, version=version)
        try:
            return download(url, cache / f"wijkbuurtkaart_{year}_v{version}.zip", progress)
        except urllib.error.HTTPError as exc:
            errors.append(f"{url}: {exc.code}")
        except (urllib.error.URLError, OSError) as exc:
            if is_offline(exc):
                raise FetchError(f"no connection: cannot download {url}. " + OFFLINE_KAART.format(url=url)) from None
            raise FetchError(f"cannot download {url}: {_one_line(exc)}") from None
    raise FetchError("no wijk- en buurtkaart found: " + "; ".join(errors))


def _members(archive: zipfile.ZipFile, suffixes: Iterable[str]) -> list[str]:
    return [n for n in archive.namelist() if n.lower().endswith(tuple(suffixes))]


def fetch_kaart(
    gemeente: str, year: int, out: Path, *, refresh: bool = False, progress: Progress | None = None
) -> dict[str, Any]:
    """The gemeente's part of the wijk- en buurtkaart of ``year``; returns its ``areas.buurt`` sources entry."""
    import pyogrio

    out.mkdir(parents=True, exist_ok=True)
    cache = out / "cache"
    cache.mkdir(exist_ok=True)
    archive_path = _kaart_zip(year, cache, refresh, progress)
    unpacked = cache / archive_path.stem
    if not unpacked.is_dir() or refresh:
        shutil.rmtree(unpacked, ignore_errors=True)
        with zipfile.ZipFile(archive_path) as archive:
            archive.extractall(unpacked)
    if year >= GPKG_SINCE:
        source = next(iter(sorted(unpacked.rglob("*.gpkg"))), None)
        if source is None:
            raise FetchError(f"{archive_path.name} holds no GeoPackage")
        target = out / f"wijkbuurtkaart_{year}_{gemeente}.gpkg"
        tmp = target.with_name(target.name + ".part.gpkg")
        tmp.unlink(missing_ok=True)
        for layer, column in (("gemeenten", "gemeentecode"), ("wijken", "gemeentecode"), ("buurten", "gemeentecode")):
            frame = pyogrio.read_dataframe(source, layer=layer, where=f"{column} = '{gemeente}'")
            pyogrio.write_dataframe(frame, tmp, layer=layer, driver="GPKG")
        tmp.replace(target)
        return {"path": target.name, "format": "cbs-gpkg"}
    shapes = [p for p in sorted(unpacked.rglob("*.shp")) if p.name.lower().startswith(("buurt", "bu_"))]
    if not shapes:
        raise FetchError(f"{archive_path.name} holds no buurt shapefile")
    frame = pyogrio.read_dataframe(shapes[0], where=f"GM_CODE = '{gemeente}'")
    target = out / f"buurt_{year}_{gemeente}.shp"
    pyogrio.write_dataframe(frame, target, driver="ESRI Shapefile")
    return {"path": target.name, "format": "cbs-shp"}


def fetch_cbs(
    gemeente: str,
    years: list[int],
    out: Path,
    *,
    kaart: bool = True,
    refresh: bool = False,
    progress: Progress | None = None,
) -> Path:
    """Fetch KWB tables for ``years`` and the kaart of the last year; writes and returns ``OUT/sources.yaml``."""
    gemeente = gemeente.upper()
    if not CODE_PATTERNS["gemeente"].match(gemeente):
        raise SourcesError(f"{gemeente!r} is not a CBS gemeente code ({CODE_HINTS['gemeente']})", field="--gemeente")
    entries = []
    for year in years:
        path = fetch_kwb(gemeente, year, out, refresh=refresh, progress=progress)
        entries.append({"path": path.name, "format": "cbsodata", "table": KWB_TABLES[year], "year": year})
    document: dict[str, Any] = {"gemeente": gemeente}
    if kaart:
        document["areas"] = {"buurt": fetch_kaart(gemeente, years[-1], out, refresh=refresh, progress=progress)}
    document["indicators"] = entries
    snippet = out / "sources.yaml"
    header = (
        f"# Written by `atlas fetch cbs --gemeente {gemeente}`: CBS data (CC BY 4.0), years {years[0]}-{years[-1]}\n"
    )
    snippet.write_text(header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return snippet
