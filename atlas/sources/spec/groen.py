"""The ``groen:`` section of the sources file, parsed into typed, frozen objects.

::

    groen:
      year: 2024
      canopy: {path: canopy.tif}                     # GeoTIFF, any CRS; values: auto | mask | percent
      trees: {path: trees.gpkg}                      # points; optional layer
      parks: {path: parks.gpkg}                      # polygons; optional layer
      addresses: {path: addresses.gpkg, residents: inwoners}   # points; without residents each counts 1
      # optional: the BAG fields for the address search, where the file names them otherwise (PDOK's BAG):
      # addresses: {path: bag.gpkg, fields: {straat: openbare_ruimte_naam, woonplaats: woonplaats_naam}}
      params: {trees_min: 2, trees_radius_m: 25, canopy_min_pct: 22, canopy_level: buurt,
               park_max_distance_m: 200, park_min_area_m2: 5000}

Every parameter is declared once in :class:`GroenParams` (default, range, meaning; :data:`PARAMETERS` lists
them); a wrong value raises :class:`~atlas.errors.SourcesError` naming the sources file, the entry
(``groen.params``) and the field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from atlas.checks import Entry, param, parameters, read_parameters
from atlas.codes import LEVELS
from atlas.errors import SourcesError

CANOPY_VALUES = ("auto", "mask", "percent")


@dataclass(frozen=True)
class GroenParams:
    """Thresholds of the 2-22-200 norm, with Zwolle's defaults; the help texts are shown on the map pages."""

    trees_min: int = param(2, "minimaal aantal bomen binnen de straal van het woonadres", low=0, high=1000)
    trees_radius_m: float = param(
        25.0, "straal rond het woonadres waarbinnen bomen tellen (meter, hemelsbreed)", low=0, high=1000
    )
    canopy_min_pct: float = param(
        22.0, "minimale kroonbedekking van het gebied van het adres (procent)", low=0, high=100
    )
    canopy_level: str = param(
        "buurt", "het gebied waarvan de kroonbedekking telt (buurt, wijk, stadsdeel of gemeente)", choices=LEVELS
    )
    park_max_distance_m: float = param(
        200.0, "maximale afstand tot het dichtstbijzijnde park (meter, hemelsbreed)", low=0, high=10_000
    )
    park_min_area_m2: float = param(
        5000.0, "minimale oppervlakte van een park of groene openbare ruimte (m²)", low=0, high=1e9
    )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


PARAMETERS = parameters(GroenParams)
"""Every parameter of the 2-22-200 norm with its default, range and meaning."""


ADDRESS_FIELDS = ("straat", "huisnummer", "huisletter", "toevoeging", "postcode", "woonplaats")
"""The BAG fields an addresses file may carry for the address search (``openbare ruimte``, ``huisnummer``,
``huisletter``, ``huisnummertoevoeging``, ``postcode``, ``woonplaats``)."""


@dataclass(frozen=True)
class VectorInput:
    """A vector file (GeoPackage, GeoJSON, shapefile, ...) in any CRS; ``layer`` picks one layer."""

    path: Path
    layer: str | None = None
    residents: str | None = None
    fields: tuple[tuple[str, str], ...] = ()
    """Addresses only: (BAG field, column of the file) for the fields the file names otherwise (default: a column
    named like the field, where the file has one)."""

    def column_of(self, field: str) -> str:
        """The file's column for an :data:`ADDRESS_FIELDS` field."""
        return dict(self.fields).get(field, field)


@dataclass(frozen=True)
class CanopyInput:
    """The canopy raster and how to read its cells."""

    path: Path
    values: str = param(
        "auto", "0/1 per cel (mask), 0-100 per cel (percent), of uit de waarden afgeleid (auto)", choices=CANOPY_VALUES
    )
    band: int = param(1, "de band van het raster met de kroonbedekking", low=1, high=10_000)


@dataclass(frozen=True)
class GroenSpec:
    """The parsed ``groen:`` section."""

    file: Path
    year: int
    canopy: CanopyInput
    trees: VectorInput
    parks: VectorInput
    addresses: VectorInput
    params: GroenParams

    def input_files(self) -> list[Path]:
        return [self.canopy.path, self.trees.path, self.parks.path, self.addresses.path]


def _section(file: Path, entry: str, data: Any, allowed: tuple[str, ...], roots: Sequence[Path] = ()) -> Entry:
    return Entry(file, entry, data, allowed, error=SourcesError, roots=roots)


def parse_params(file: Path, raw: Any) -> GroenParams:
    """``groen.params``: every key optional, with the defaults of :class:`GroenParams`."""
    s = _section(file, "groen.params", {} if raw is None else raw, tuple(p.name for p in PARAMETERS))
    return read_parameters(s, GroenParams)


def _vector(file: Path, entry: str, raw: Any, roots: Sequence[Path], *, addresses: bool = False) -> VectorInput:
    allowed = ("path", "layer", "residents", "fields") if addresses else ("path", "layer")
    s = _section(file, entry, raw, allowed, roots)
    fields: tuple[tuple[str, str], ...] = ()
    named = s.sub("fields", ADDRESS_FIELDS) if addresses else None
    if named is not None:
        fields = tuple((name, column) for name in ADDRESS_FIELDS if (column := named.text(name)) is not None)
    return VectorInput(
        path=s.path(), layer=s.text("layer"), residents=s.text("residents") if addresses else None, fields=fields
    )


def _canopy(file: Path, raw: Any, roots: Sequence[Path]) -> CanopyInput:
    s = _section(file, "groen.canopy", raw, ("path", *(p.name for p in parameters(CanopyInput))), roots)
    return read_parameters(s, CanopyInput, path=s.path())


def parse_groen(file: Path, raw: Any, *, roots: Sequence[Path] = ()) -> GroenSpec:
    """The ``groen:`` section of sources file ``file``; raises :class:`SourcesError` naming entry and field.

    Its paths must lie in the file's folder or ``roots``."""
    s = _section(file, "groen", raw, ("year", "canopy", "trees", "parks", "addresses", "params"))
    year = s.year("year", required=True)
    assert year is not None
    for key in ("canopy", "trees", "parks", "addresses"):
        if s.data.get(key) is None:
            raise s.fail(key, "is required")
    return GroenSpec(
        file=file,
        year=year,
        canopy=_canopy(file, s.data["canopy"], roots),
        trees=_vector(file, "groen.trees", s.data["trees"], roots),
        parks=_vector(file, "groen.parks", s.data["parks"], roots),
        addresses=_vector(file, "groen.addresses", s.data["addresses"], roots, addresses=True),
        params=parse_params(file, s.data.get("params")),
    )
