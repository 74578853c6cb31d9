"""The importer of the facilities (``voorzieningen:``): points with a type, a name and optionally an address.

A vector file (GeoPackage, GeoJSON, shapefile, any CRS it declares) or a CSV with coordinate columns (``x``, ``y``
in the CRS the sources file names, RD New by default). What cannot be read is an error naming the file, the row
(the feature number of a vector file, the line of a CSV) and the column: a missing type, name, coordinate or address
column, a row without a point or with coordinates that are not numbers, an address field that cannot be one
(:func:`~atlas.sources.addresses.read_address_fields`), coordinates outside their CRS's area of use. What the file
says that the build doubts (an unknown type, an empty name, a point outside the gemeente) is for the pipeline to
report as findings (:mod:`atlas.pipeline.voorzieningen`).
"""

from __future__ import annotations

import re

import geopandas as gpd
import numpy as np
import pandas as pd

from atlas.crs import RD_NEW
from atlas.errors import SourcesError
from atlas.findings import Findings
from atlas.sources.addresses import read_address_fields
from atlas.sources.groen import read_points, text_column, to_crs
from atlas.sources.spec.groen import ADDRESS_FIELDS
from atlas.sources.spec.voorzieningen import ENTRY, VoorzieningenSource
from atlas.sources.tables import no_data_rows, parse_number, read_csv_text

COLUMNS = ["row", "type", "naam", *ADDRESS_FIELDS, "geometry"]
"""What :func:`read_voorzieningen` returns: the row (as messages name it), the type and name as the file writes them
(stripped), the address fields ('' where not given; ``huisnummer`` a nullable whole number) and the point."""


def _table(source: VoorzieningenSource) -> gpd.GeoDataFrame:
    """A CSV with coordinate columns; ``row`` is the line (the header is line 1)."""
    path = source.path
    try:
        frame = read_csv_text(path)
    except pd.errors.ParserError as exc:  # a row with more cells than the header: name its line
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(exc))
        if found is None:
            raise SourcesError(f"is not a readable CSV table: {exc}", file=path, entry=ENTRY) from None
        expected, line, saw = (int(g) for g in found.groups())
        raise SourcesError(
            f"has {saw} cells where the header has {expected} (a separator inside a name? put it in quotes)",
            file=path,
            entry=ENTRY,
            row=line,
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    rows = np.arange(2, len(frame) + 2)
    coords = []
    for column in (source.x, source.y):
        text_column(frame, column, path, ENTRY)  # an error naming a missing column
        numbers = np.array(
            [
                parse_number(cell, file=path, row=int(r), column=column)
                for cell, r in zip(frame[column], rows, strict=True)
            ],
            dtype="float64",
        )
        empty = ~np.isfinite(numbers)
        if empty.any():
            row = int(rows[np.flatnonzero(empty)[0]])
            raise SourcesError("has no coordinate: every facility needs x and y", file=path, row=row, field=column)
        coords.append(numbers)
    out = gpd.GeoDataFrame(
        {
            "row": rows,
            "type": text_column(frame, source.type, path, ENTRY),
            "naam": text_column(frame, source.name, path, ENTRY),
        },
        geometry=gpd.points_from_xy(coords[0], coords[1]),
        crs=source.crs,
    )
    try:
        fields = read_address_fields(frame, source.vector, ENTRY)
    except SourcesError as exc:  # it counts features from 1; a CSV's rows are its lines
        shifted = exc.row + 1 if exc.row is not None else None
        raise SourcesError(exc.message, file=exc.file, entry=exc.entry, row=shifted, field=exc.field) from None
    _add_fields(out, fields)
    return to_crs(out, RD_NEW, source.vector, ENTRY)


def _add_fields(out: gpd.GeoDataFrame, fields: pd.DataFrame | None) -> None:
    for field in ADDRESS_FIELDS:
        if fields is not None and field in fields.columns:
            out[field] = fields[field].array
        elif field == "huisnummer":
            out[field] = pd.array([pd.NA] * len(out), dtype="Int64")
        else:
            out[field] = ""


def read_voorzieningen(source: VoorzieningenSource, findings: Findings | None = None) -> gpd.GeoDataFrame:
    """The facilities in :data:`COLUMNS`, in EPSG:28992; an empty file is an ``empty_input`` error."""
    if source.is_table:
        out = _table(source)
    else:
        out = read_points(source.vector, ENTRY, RD_NEW, addresses=True, text=(source.type, source.name))
        out = out.rename(columns={source.type: "type", source.name: "naam"})
        if source.type == source.name:
            out["naam"] = out["type"]
        present = [f for f in ADDRESS_FIELDS if f in out.columns]
        _add_fields(out, out[present] if present else None)
    if out.empty:
        no_data_rows(source.path, findings, what="facilities (points)")
    return gpd.GeoDataFrame(out[COLUMNS], geometry="geometry", crs=out.crs)
