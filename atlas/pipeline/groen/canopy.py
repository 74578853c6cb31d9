"""Canopy cover per area, streamed strip by strip from the raster with a bounded GDAL cache.

How it works (a scanline zonal sum, no rasterised label grid):

1. The polygons are reprojected to the raster's CRS (never the raster to the polygons') and turned into pixel
   runs per row by :mod:`.scanline` (pixel-centre membership; areas may overlap, so buurten and their wijken go
   in one call and one pass).
2. The raster is read in strips of whole block rows (column chunks when a strip would pass
   :data:`STRIP_PIXELS`), once, into a reused buffer.
3. Each run's canopy sum and valid-pixel count is the difference of two prefix values of its strip. For
   ``uint8`` rasters (the usual canopy mask) the strip is viewed as 64-bit words of 8 cells and summed in
   segments between the run ends with one ``np.add.reduceat`` (:func:`run_sums`): one pass over the strip, faster
   than ``count_nonzero``; the few cells of a run's partial end words are masked and added on their own. Other
   data types use a plain cumulative sum.

Membership is by pixel centre. Nodata cells (the band's nodata value, or NaN) do not count as "no canopy":
cover = canopy / valid pixels, so an area half covered by nodata gets the cover of its other half. Pixels of
an area outside the raster are not counted either; an area with no valid pixel gets NaN. A raster larger than
the areas is only read where the areas are. Values are a 0/1 mask or a percentage (0-100) per cell
(``values``: ``auto`` decides from the largest valid value: at most 1 means a mask).

How much of an area the raster covers is ``valid / cells``: ``cells`` counts the cell centres inside the area on the
raster's grid, extended beyond the raster's edges where the area reaches past them (counted by the same scanline,
without reading anything). The build uses it for the ``coverage`` rule (:func:`canopy_sums`).

Memory is bounded by :data:`STRIP_PIXELS` (the strip buffer) and ``GDAL_CACHEMAX``
(:data:`GDAL_CACHE_MB`), whatever the raster's size. A raster that cannot be read (damaged, truncated) is a
:class:`~atlas.errors.SourcesError` naming the file and the rows, not a traceback.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio
import shapely
from rasterio.errors import RasterioError
from rasterio.windows import Window

from atlas.errors import SourcesError
from atlas.pipeline.groen.scanline import Edges, pixel_edges, strip_edges, strip_runs
from atlas.pipeline.groen.wordsum import run_sums
from atlas.pipeline.groen.workers import thread_count

GDAL_CACHE_MB = 64
"""GDAL's block cache while the canopy is read (``GDAL_CACHEMAX``), in MB."""
STRIP_PIXELS = 4_000_000
"""Pixels per strip at most (rounded to whole block rows where they fit): bounds the working memory."""
COUNT_ROWS = 1024
"""Rows per strip when the cells of areas that reach past the raster are counted (no pixels are read then)."""


@dataclass(frozen=True)
class CanopySums:
    """Per zone: the canopy sum (in cell units), valid pixels counted, pixels inside the raster, the cell scale
    (1 or 100), and the cells of the zone on the raster's grid extended past its edges (``cells >= pixels``)."""

    canopy: np.ndarray
    valid: np.ndarray
    pixels: np.ndarray
    scale: float
    cells: np.ndarray

    def percent(self) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore"):
            cover = 100.0 * self.canopy / (self.valid * self.scale)
        return np.where(self.valid > 0, cover, np.nan)

    def coverage(self) -> np.ndarray:
        """The share (0-1) of each zone's cells that the raster covers with a valid value; 0 without cells."""
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(self.cells > 0, self.valid / self.cells, 0.0)


def _strip_height(width: int, block_height: int, budget: int) -> int:
    return block_height * max(1, budget // max(width * block_height, 1))


def _column_chunks(width: int, height: int, block_width: int, budget: int) -> list[tuple[int, int]]:
    """Column ranges of about equal width, on the block grid, with at most ``budget`` pixels per strip."""
    if width * height <= budget:
        return [(0, width)]
    parts = -(-width * height // budget)
    step = max(block_width, -(-width // parts // block_width) * block_width)
    return [(c, min(c + step, width)) for c in range(0, width, step)]


class _Accumulator:
    """Adds the runs' canopy sums and valid-pixel counts per zone."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.canopy, self.valid, self.pixels = np.zeros(n), np.zeros(n), np.zeros(n)
        self.biggest = 0.0

    def add(self, zone: np.ndarray, sums: np.ndarray, valid: np.ndarray | None, lengths: np.ndarray) -> None:
        self.canopy += np.bincount(zone, weights=sums, minlength=self.n)
        self.pixels += np.bincount(zone, weights=lengths, minlength=self.n)
        counted = lengths if valid is None else valid
        self.valid += np.bincount(zone, weights=counted, minlength=self.n)

    @classmethod
    def merge(cls, parts: list[_Accumulator]) -> _Accumulator:
        total = cls(parts[0].n)
        for part in parts:
            total.canopy += part.canopy
            total.valid += part.valid
            total.pixels += part.pixels
            total.biggest = max(total.biggest, part.biggest)
        return total


def _uint8_chunk(
    data: np.ndarray,
    raw: np.ndarray,
    nodata: float | None,
    runs: tuple[np.ndarray, ...],
    acc: _Accumulator,
) -> None:
    """Sum the runs over one uint8 chunk: ``raw`` is the zero-padded byte buffer, ``data`` its first columns."""
    zone, row, start, stop = runs
    biggest = int(data.max())
    valid = None
    if nodata is not None and float(nodata).is_integer() and 0 <= nodata <= biggest:
        hit = data == np.uint8(nodata)
        if hit.any():
            data[hit] = 0
            biggest = int(data.max())
            mask = np.zeros_like(raw)
            np.logical_not(hit, out=mask[:, : data.shape[1]].view(bool))
            valid = run_sums(mask.view(np.uint64), row, start, stop, 1)
    acc.biggest = max(acc.biggest, float(biggest))
    sums = run_sums(raw.view(np.uint64), row, start, stop, biggest)
    acc.add(zone, sums, valid, (stop - start).astype(np.float64))


def _generic_chunk(data: np.ndarray, nodata: float | None, runs: tuple[np.ndarray, ...], acc: _Accumulator) -> None:
    """Sum the runs over one chunk of any other data type with plain cumulative sums."""
    zone, row, start, stop = runs
    invalid = _invalid(data, nodata)
    values = np.where(invalid, 0, data) if invalid is not None else data
    if values.size:
        acc.biggest = max(acc.biggest, float(np.nanmax(values)))
    h, w = data.shape
    cum = np.zeros((h, w + 1), dtype=np.float64 if data.dtype.kind == "f" else np.int64)
    np.cumsum(values, axis=1, out=cum[:, 1:])
    flat = cum.reshape(-1)
    base = row * (w + 1)
    sums = (flat[base + stop] - flat[base + start]).astype(np.float64)
    valid = None
    if invalid is not None:
        vcum = np.zeros((h, w + 1), dtype=np.int64)
        np.cumsum(~invalid, axis=1, out=vcum[:, 1:])
        vflat = vcum.reshape(-1)
        valid = (vflat[base + stop] - vflat[base + start]).astype(np.float64)
    acc.add(zone, sums, valid, (stop - start).astype(np.float64))


@dataclass(frozen=True)
class _Plan:
    """Where and how the raster is read: the rows and columns the zones reach, in strips of whole blocks."""

    band: int
    nodata: float | None
    uint8: bool
    col_lo: int
    col_hi: int
    row_lo: int
    row_hi: int
    row0: int
    height: int
    chunks: list[tuple[int, int]]

    @property
    def n_strips(self) -> int:
        return -(-(self.row_hi - self.row0) // self.height)

    @classmethod
    def of(cls, ds: Any, edges: Edges, band: int, strip_pixels: int) -> _Plan | None:
        block_h, block_w = ds.block_shapes[band - 1]
        u_all = np.concatenate([edges.u0, edges.u0 + (edges.r1 - edges.v0) * edges.slope])
        col_lo = int(np.clip(np.floor(u_all.min() - 1), 0, ds.width))
        col_hi = int(np.clip(np.ceil(u_all.max() + 1), 0, ds.width))
        col_lo -= col_lo % block_w  # whole blocks: each is decompressed once
        row_lo = int(np.clip(edges.r0.min(), 0, ds.height))
        row_hi = int(np.clip(edges.r1.max(), 0, ds.height))
        if col_hi <= col_lo or row_hi <= row_lo:
            return None
        height = _strip_height(col_hi - col_lo, block_h, strip_pixels)
        row0 = row_lo - row_lo % block_h
        return cls(
            band=band,
            nodata=ds.nodatavals[band - 1],
            uint8=np.dtype(ds.dtypes[band - 1]) == np.uint8,
            col_lo=col_lo,
            col_hi=col_hi,
            row_lo=row_lo,
            row_hi=row_hi,
            row0=row0,
            height=height,
            chunks=_column_chunks(col_hi - col_lo, height, block_w, strip_pixels),
        )


def _sum_strips(path: Path, plan: _Plan, edges: Edges, strips: list[tuple[int, np.ndarray]], n: int) -> _Accumulator:
    """Read ``strips`` (index, edges crossing it) with a dataset and a buffer of its own, and sum their runs."""
    acc = _Accumulator(n)
    chunk_w = max(c1 - c0 for c0, c1 in plan.chunks)
    raw = np.zeros((plan.height, 8 * (chunk_w // 8 + 2)), dtype=np.uint8) if plan.uint8 else None
    with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB), rasterio.open(path) as ds:
        for s, chosen in strips:
            top = max(plan.row0 + s * plan.height, plan.row_lo)
            bottom = min(plan.row0 + (s + 1) * plan.height, plan.row_hi)
            if bottom <= top:
                continue
            zone, row, start, stop = strip_runs(edges, chosen, top, bottom, plan.col_lo, plan.col_hi)
            h = bottom - top
            for c0, c1 in plan.chunks:
                a, b = np.clip(start, c0, c1) - c0, np.clip(stop, c0, c1) - c0
                keep = b > a
                if not keep.any():
                    continue
                runs = (zone[keep], row[keep], a[keep], b[keep])
                window = Window(plan.col_lo + c0, top, c1 - c0, h)
                try:
                    if raw is not None:
                        buffer = raw[:h]
                        buffer[:, c1 - c0 :] = 0
                        data = buffer[:, : c1 - c0]
                        ds.read(plan.band, window=window, out=data)
                    else:
                        data = ds.read(plan.band, window=window)
                except RasterioError as exc:
                    raise _unreadable(path, exc, f"rows {top}-{bottom - 1}") from None
                if raw is not None:
                    _uint8_chunk(data, buffer, plan.nodata, runs, acc)
                else:
                    _generic_chunk(data, plan.nodata, runs, acc)
    return acc


def _unreadable(path: Path, exc: Exception, where: str) -> SourcesError:
    """A raster GDAL cannot read (damaged or cut short), in one line: the file, the rows and GDAL's reason."""
    reason = " ".join(str(exc.__cause__ or exc).split())
    return SourcesError(
        f"cannot read the raster at {where}: the file is damaged or incomplete (truncated?); GDAL says: {reason}",
        file=path,
        field="path",
    )


def _outside(geoms: np.ndarray, ds: Any) -> np.ndarray:
    """Which zones reach past the raster's edges (their bounds are not inside the raster's)."""
    if len(geoms) == 0:
        return np.zeros(0, dtype=bool)
    xmin, ymin, xmax, ymax = shapely.bounds(geoms).T
    left, bottom, right, top = ds.bounds
    inside = (xmin >= left) & (xmax <= right) & (ymin >= bottom) & (ymax <= top)
    return ~inside


def _grid_cells(edges: Edges, zones: np.ndarray, n: int) -> np.ndarray:
    """Cell centres inside each of ``zones`` on the raster's grid extended without bounds (nothing is read)."""
    counts = np.zeros(n)
    pick = np.isin(edges.zone, zones)
    if not pick.any():
        return counts
    sub = Edges(**{f.name: getattr(edges, f.name)[pick] for f in fields(Edges)})
    u_all = np.concatenate([sub.u0, sub.u0 + (sub.r1 - sub.v0) * sub.slope])
    col_lo, col_hi = int(np.floor(u_all.min())) - 1, int(np.ceil(u_all.max())) + 1
    row0, row_hi = int(sub.r0.min()), int(sub.r1.max())
    n_strips = -(-(row_hi - row0) // COUNT_ROWS)
    for s, chosen in strip_edges(sub, row0, COUNT_ROWS, n_strips):
        top = row0 + s * COUNT_ROWS
        zone, _, start, stop = strip_runs(sub, chosen, top, min(top + COUNT_ROWS, row_hi), col_lo, col_hi)
        counts += np.bincount(zone, weights=(stop - start).astype(np.float64), minlength=n)
    return counts


def zonal_canopy(
    geoms: np.ndarray,
    raster_path: str | Path,
    *,
    values: str = "auto",
    band: int = 1,
    strip_pixels: int = STRIP_PIXELS,
    workers: int | None = None,
) -> CanopySums:
    """Canopy sums per polygon of ``geoms`` (already in the raster's CRS), streamed from ``raster_path``.

    The strips are independent: ``workers`` threads (default: the usable CPUs, at most
    :data:`~atlas.pipeline.groen.workers.MAX_DEFAULT`) each read every n-th strip with
    a dataset and a buffer of their own; GDAL decompresses and numpy sums without holding the GIL. The GDAL
    block cache is shared and bounded as before; each thread adds one strip buffer.
    """
    path = Path(raster_path)
    n = len(geoms)
    geoms = np.asarray(geoms, dtype=object)
    try:
        with rasterio.Env(GDAL_CACHEMAX=GDAL_CACHE_MB), rasterio.open(path) as ds:
            edges = pixel_edges(geoms, ds.transform)
            plan = _Plan.of(ds, edges, band, strip_pixels) if len(edges.r0) else None
            outside = np.flatnonzero(_outside(geoms, ds))
    except RasterioError as exc:
        raise _unreadable(path, exc, "its header") from None
    extended = _grid_cells(edges, outside, n)
    if plan is None:
        return CanopySums(np.zeros(n), np.zeros(n), np.zeros(n), 1.0, extended)
    strips = [(s, chosen) for s, chosen in strip_edges(edges, plan.row0, plan.height, plan.n_strips) if len(chosen)]
    n_threads = thread_count(len(strips), workers)
    shares = [strips[i::n_threads] for i in range(n_threads)]
    if n_threads == 1:
        parts = [_sum_strips(path, plan, edges, shares[0], n)]
    else:
        with ThreadPoolExecutor(n_threads) as pool:
            parts = list(pool.map(lambda share: _sum_strips(path, plan, edges, share, n), shares))
    total = _Accumulator.merge(parts)
    cells = total.pixels.copy()
    cells[outside] = extended[outside]
    return CanopySums(total.canopy, total.valid, total.pixels, _scale(values, total.biggest, path), cells)


def _invalid(data: np.ndarray, nodata: float | None) -> np.ndarray | None:
    """Where the chunk holds nodata (or NaN), or None when it holds none (the common, cheap case)."""
    mask: np.ndarray | None = None
    if nodata is not None and not np.isnan(nodata):
        if data.dtype.kind in "iu" and not float(nodata).is_integer():
            return None
        hit = data == data.dtype.type(nodata)
        if hit.any():
            mask = hit
    if data.dtype.kind == "f":
        nan = np.isnan(data)
        if nan.any():
            mask = nan if mask is None else mask | nan
    return mask


def _scale(values: str, biggest: float, path: Path) -> float:
    """1 for a 0/1 mask, 100 for a percentage per cell."""
    if values == "mask":
        if biggest > 1.0:
            raise SourcesError(f"holds a value of {biggest:g} but is declared a 0/1 mask", file=path, field="values")
        return 1.0
    if biggest > 100.0 or biggest < 0.0:
        raise SourcesError(
            f"holds a value of {biggest:g}: canopy cells must be 0/1 or a percentage 0-100", file=path, field="values"
        )
    if values == "percent":
        return 100.0
    return 1.0 if biggest <= 1.0 else 100.0


def raster_crs(raster_path: str | Path) -> Any:
    try:
        with rasterio.open(raster_path) as ds:
            if ds.crs is None:
                raise SourcesError("declares no coordinate reference system (CRS)", file=raster_path)
            return ds.crs
    except RasterioError as exc:
        raise _unreadable(Path(raster_path), exc, "its header") from None


def canopy_sums(
    areas: gpd.GeoDataFrame,
    raster_path: str | Path,
    *,
    values: str = "auto",
    band: int = 1,
    workers: int | None = None,
) -> CanopySums:
    """The canopy sums of every area (in their order): :func:`zonal_canopy` after reprojecting the areas (any CRS)
    to the raster's CRS and repairing invalid polygons."""
    if areas.crs is None:
        raise SourcesError("the areas have no CRS; set one (e.g. areas.set_crs(28992))")
    projected = areas.to_crs(raster_crs(raster_path))
    geoms = projected.geometry.values
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        geoms = geoms.copy()
        geoms[invalid] = shapely.make_valid(geoms[invalid])
    return zonal_canopy(np.asarray(geoms, dtype=object), raster_path, values=values, band=band, workers=workers)


def area_index(areas: gpd.GeoDataFrame) -> pd.Index:
    """The areas' ``code`` column as an index (or their index without one)."""
    return pd.Index(areas["code"].astype(str), name="code") if "code" in areas.columns else areas.index


def canopy_cover(
    areas: gpd.GeoDataFrame,
    raster_path: str | Path,
    *,
    values: str = "auto",
    band: int = 1,
    workers: int | None = None,
) -> pd.Series:
    """Percent canopy cover per area, indexed by the areas' ``code`` column (or their index without one).

    ``areas`` may be in any CRS; they are reprojected to the raster's. Pixel-centre membership; nodata and
    pixels outside the raster are left out of the denominator; an area without valid pixels gets NaN.
    ``workers``: threads reading the raster's strips (default: the CPUs this process may use, at most
    :data:`~atlas.pipeline.groen.workers.MAX_DEFAULT`); the answer is the same for any number.
    """
    sums = canopy_sums(areas, raster_path, values=values, band=band, workers=workers)
    return pd.Series(sums.percent(), index=area_index(areas), name="kroonbedekking")
