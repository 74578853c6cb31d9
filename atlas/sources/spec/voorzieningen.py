"""The ``voorzieningen:`` section of the sources file: facilities as points (foto veerkracht, part 5).

::

    voorzieningen:
      path: voorzieningen.gpkg            # points: GeoPackage, GeoJSON, shapefile ... in any CRS it declares
      layer: voorzieningen                # optional: one layer of the file
      type: soort                         # the column with the type (default: type), a type of layers.yaml
      name: naam                          # the column with the name (default: naam)
      fields: {straat: straatnaam}        # optional: the address columns where they are called otherwise
      source: Gemeente Zwolle, voorzieningenregister   # optional: how pages name the source
      year: 2024                          # optional: the peildatum's year, said on the pages

    # or a CSV with coordinates (x, y in EPSG:28992 unless crs says otherwise):
    voorzieningen: {path: voorzieningen.csv, x: x, y: y, crs: EPSG:28992}

The types are those of the ``voorzieningen`` overlay in ``layers.yaml`` (``types:``: id, title and colour); a file
names a type by its id or its title (case and spaces do not matter). The address columns are the BAG fields of the
addresses (``straat``, ``huisnummer``, ``huisletter``, ``toevoeging``, ``postcode``, ``woonplaats``), all optional.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pyproj import CRS
from pyproj.exceptions import CRSError

from atlas.checks import Entry
from atlas.crs import RD_NEW
from atlas.errors import SourcesError
from atlas.sources.spec.groen import ADDRESS_FIELDS, VectorInput

TABLE_SUFFIXES = (".csv", ".txt", ".tsv")
"""Files read as a table with coordinate columns rather than as a vector file."""


@dataclass(frozen=True)
class VoorzieningenSource:
    """The parsed ``voorzieningen:`` section."""

    file: Path
    """The sources file (for messages)."""
    vector: VectorInput
    """The points file (and its layer and address columns)."""
    type: str = "type"
    name: str = "naam"
    x: str = "x"
    y: str = "y"
    crs: str = RD_NEW
    """The CRS of a CSV's coordinates (a vector file declares its own)."""
    source: str | None = None
    year: int | None = None

    @property
    def path(self) -> Path:
        return self.vector.path

    @property
    def is_table(self) -> bool:
        """A CSV with coordinate columns, not a vector file."""
        return self.path.suffix.lower() in TABLE_SUFFIXES


ENTRY = "voorzieningen"


def parse_voorzieningen(file: Path, raw: Any, *, roots: Sequence[Path] = ()) -> VoorzieningenSource:
    """The ``voorzieningen`` section of sources file ``file``; raises :class:`SourcesError` naming entry and field."""
    allowed = ("path", "layer", "type", "name", "fields", "x", "y", "crs", "source", "year")
    e = Entry(file, ENTRY, raw, allowed, error=SourcesError, roots=roots)
    if e.data.get("path") is None:
        raise e.fail("path", "is required: the points file of the facilities")
    path = e.path()
    if not path.is_file():
        raise e.fail("path", f"is not a file: {path}")
    named = e.sub("fields", ADDRESS_FIELDS)
    fields: tuple[tuple[str, str], ...] = ()
    if named is not None:
        fields = tuple((name, column) for name in ADDRESS_FIELDS if (column := named.text(name)) is not None)
    table = path.suffix.lower() in TABLE_SUFFIXES
    for key in ("x", "y", "crs"):
        if not table and key in e.data:
            raise e.fail(key, f"only for a CSV with coordinates; {path.name} declares its own geometry and CRS")
    if table and "layer" in e.data:
        raise e.fail("layer", f"only for a vector file with layers; {path.name} is a table")
    crs = e.string("crs", RD_NEW)
    try:
        CRS.from_user_input(crs)
    except CRSError:
        raise e.fail("crs", f"{crs!r} is not a coordinate reference system (e.g. EPSG:28992)") from None
    return VoorzieningenSource(
        file=file,
        vector=VectorInput(path=path, layer=e.text("layer"), fields=fields),
        type=e.string("type", "type"),
        name=e.string("name", "naam"),
        x=e.string("x", "x"),
        y=e.string("y", "y"),
        crs=crs,
        source=e.text("source"),
        year=e.year("year"),
    )
