"""A tiled canopy raster: Cloud-Optimized GeoTIFF tiles and a VRT mosaic over them (the synthetic country).

Each tile is first rasterised as an ordinary tiled GeoTIFF (:func:`atlas.demo.canopy_raster.write_canopy_tif`,
strip by strip) and then copied with GDAL's COG driver (512 px blocks, DEFLATE, nearest-neighbour overviews down
to one block), so a tile is a valid COG and a reader can fetch any window or zoom level with a few range requests.

GDAL's ``gdalbuildvrt`` is not reachable from rasterio (and ``osgeo.gdal`` is not installed), so
:func:`write_vrt` writes the small VRT XML itself: one ``VRTRasterBand`` with a ``SimpleSource`` per tile, the tile's
pixels placed by its offset in the mosaic's grid. The tiles must share the CRS, the pixel size and the grid (their
origins a whole number of pixels apart) and must not overlap, which holds for the country's tiles (one per
gemeente cell). The XML has no timestamps, so its bytes depend only on the tiles.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import rasterio
import rasterio.shutil

from atlas.crs import RD_NEW
from atlas.demo.canopy_raster import BLOCK, NODATA

COG_OPTIONS = {
    "COMPRESS": "DEFLATE",
    "LEVEL": "1",
    "BLOCKSIZE": str(BLOCK),
    "OVERVIEWS": "AUTO",
    "OVERVIEW_RESAMPLING": "NEAREST",
    "NUM_THREADS": "1",
}
"""Creation options of the COG driver (GDAL ≥ 3.1) for a 0/1 mask with nodata."""


def to_cog(source: Path, target: Path) -> Path:
    """Copy the GeoTIFF ``source`` to a Cloud-Optimized GeoTIFF ``target`` and delete ``source``."""
    with rasterio.Env(GDAL_CACHEMAX=64):
        rasterio.shutil.copy(source, target, driver="COG", **COG_OPTIONS)
    source.unlink()
    return target


@dataclass(frozen=True)
class Tile:
    """One tile of the mosaic: its file and its top-left pixel in the mosaic's grid."""

    path: Path
    column: int
    row: int
    width: int
    height: int


def write_vrt(
    path: Path,
    tiles: list[Tile],
    *,
    width: int,
    height: int,
    origin: tuple[float, float],
    resolution: float,
    crs: str = RD_NEW,
) -> Path:
    """A one-band ``Byte`` VRT of ``width`` × ``height`` pixels with its top-left corner at ``origin`` (x, y).

    Tile paths are written relative to the VRT's folder (``relativeToVRT="1"``), so the folder can be moved.
    """
    x0, y0 = origin
    lines = [
        f'<VRTDataset rasterXSize="{width}" rasterYSize="{height}">',
        f"  <SRS>{escape(crs)}</SRS>",
        f"  <GeoTransform>{x0!r}, {resolution!r}, 0.0, {y0!r}, 0.0, {-resolution!r}</GeoTransform>",
        '  <VRTRasterBand dataType="Byte" band="1">',
        f"    <NoDataValue>{NODATA}</NoDataValue>",
    ]
    for tile in tiles:
        name = tile.path.relative_to(path.parent).as_posix()
        lines += [
            "    <SimpleSource>",
            f'      <SourceFilename relativeToVRT="1">{escape(name)}</SourceFilename>',
            "      <SourceBand>1</SourceBand>",
            f'      <SourceProperties RasterXSize="{tile.width}" RasterYSize="{tile.height}" DataType="Byte"'
            f' BlockXSize="{BLOCK}" BlockYSize="{BLOCK}"/>',
            f'      <SrcRect xOff="0" yOff="0" xSize="{tile.width}" ySize="{tile.height}"/>',
            f'      <DstRect xOff="{tile.column}" yOff="{tile.row}" xSize="{tile.width}" ySize="{tile.height}"/>',
            "    </SimpleSource>",
        ]
    lines += ["  </VRTRasterBand>", "</VRTDataset>", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
