"""Derive ``buurten.csv``: Zwolle's 78 real buurten with one representative point each.

Run once by hand from the repository root; it is not part of the package and never runs at build
or demo time::

    .venv/bin/python geodata/zwolle/make_reference.py [REALDATA_DIR]

``REALDATA_DIR`` defaults to ``../shared/realdata`` next to the repository. The script reads the
gemeente's own buurt boundaries ``zwolle_buurten_gemeente_rd.geojson`` (EPSG:28992; provenance in
that directory's ``SOURCES.md``) and writes, sorted by code,
``buurtcode,buurtnaam,wijkcode,wijknaam,x,y``. Codes and names are facts; ``x,y`` is the centroid
of each buurt rounded to the metre (GEOS's point on surface where the centroid falls outside the
buurt). No geometry is kept: the demo (``atlas.demo``) grows a synthetic tessellation from these
points.
"""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

HERE = Path(__file__).resolve().parent
DEFAULT_REALDATA = HERE.parents[2] / "shared" / "realdata"
SOURCE_NAME = "zwolle_buurten_gemeente_rd.geojson"
COLUMNS = ["buurtcode", "buurtnaam", "wijkcode", "wijknaam", "x", "y"]


def representative_points(buurten: gpd.GeoDataFrame) -> np.ndarray:
    """Each buurt's centroid rounded to the metre; its point on surface where that lies outside."""
    geometries = buurten.geometry.values
    centroids = shapely.set_precision(shapely.centroid(geometries), 1.0)
    surface = shapely.set_precision(shapely.point_on_surface(geometries), 1.0)
    return np.where(shapely.contains(geometries, centroids), centroids, surface)


def reference_table(source: Path) -> pd.DataFrame:
    """Read the real buurt boundaries and return the reference table (no geometry)."""
    buurten = gpd.read_file(source)
    if buurten.crs is None or buurten.crs.to_epsg() != 28992:
        buurten = buurten.to_crs(28992)
    points = representative_points(buurten)
    table = pd.DataFrame(
        {
            "buurtcode": buurten["buurtcode"],
            "buurtnaam": buurten["buurtnaam"],
            "wijkcode": buurten["wijkcode"],
            "wijknaam": buurten["wijknaam"],
            "x": shapely.get_x(points).round().astype(int),
            "y": shapely.get_y(points).round().astype(int),
        }
    )
    return table.sort_values("buurtcode").reset_index(drop=True)[COLUMNS]


def main(argv: list[str]) -> int:
    realdata = Path(argv[1]) if len(argv) > 1 else DEFAULT_REALDATA
    table = reference_table(realdata / SOURCE_NAME)
    if len(table) != 78 or table["wijkcode"].nunique() != 16:
        wijken = table["wijkcode"].nunique()
        raise SystemExit(f"expected 78 buurten in 16 wijken, got {len(table)} in {wijken}")
    out = HERE / "buurten.csv"
    table.to_csv(out, index=False, lineterminator="\n")
    print(f"wrote {out} ({len(table)} buurten)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
