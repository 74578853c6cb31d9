"""The ``groen:`` section of the sources file, parsed into typed, frozen objects.

::

    groen:
      year: 2024
      canopy: {path: canopy.tif}                     # GeoTIFF, any CRS; values: auto | mask | percent
      trees: {path: trees.gpkg}                      # points; optional layer
      parks: {path: parks.gpkg}                      # polygons; optional layer
      addresses: {path: addresses.gpkg, residents: inwoners}   # points; without residents each counts 1
      params: {trees_min: 2, trees_radius_m: 25, canopy_min_pct: 22, canopy_level: buurt,
               park_max_distance_m: 200, park_min_area_m2: 5000}

Every parameter has a documented default (:data:`PARAMETERS`); a wrong value raises
:class:`~atlas.errors.SourcesError` naming the sources file, the entry (``groen.params``) and the field.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from atlas.checks import Entry
from atlas.errors import SourcesError

CANOPY_LEVELS = ("buurt", "wijk", "stadsdeel", "gemeente")
CANOPY_VALUES = ("auto", "mask", "percent")


@dataclass(frozen=True)
class Parameter:
    """One tunable choice of the 2-22-200 computation: its default and what it means (Dutch, for the page)."""

    name: str
    default: float | int | str
    help: str


PARAMETERS: tuple[Parameter, ...] = (
    Parameter("trees_min", 2, "minimaal aantal bomen binnen de straal van het woonadres"),
    Parameter("trees_radius_m", 25.0, "straal rond het woonadres waarbinnen bomen tellen (meter, hemelsbreed)"),
    Parameter("canopy_min_pct", 22.0, "minimale kroonbedekking van het gebied van het adres (procent)"),
    Parameter("canopy_level", "buurt", "het gebied waarvan de kroonbedekking telt: buurt, wijk, stadsdeel of gemeente"),
    Parameter("park_max_distance_m", 200.0, "maximale afstand tot het dichtstbijzijnde park (meter, hemelsbreed)"),
    Parameter("park_min_area_m2", 5000.0, "minimale oppervlakte van een park of groene openbare ruimte (m²)"),
)
"""Every parameter with its default: ``atlas`` states them on the page that shows the result."""


@dataclass(frozen=True)
class GroenParams:
    """Thresholds of the 2-22-200 norm; the defaults are Zwolle's (see :data:`PARAMETERS`)."""

    trees_min: int = 2
    trees_radius_m: float = 25.0
    canopy_min_pct: float = 22.0
    canopy_level: str = "buurt"
    park_max_distance_m: float = 200.0
    park_min_area_m2: float = 5000.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class VectorInput:
    """A vector file (GeoPackage, GeoJSON, shapefile, ...) in any CRS; ``layer`` picks one layer."""

    path: Path
    layer: str | None = None
    residents: str | None = None


@dataclass(frozen=True)
class CanopyInput:
    """The canopy raster; ``values`` is ``mask`` (0/1), ``percent`` (0-100 per cell) or ``auto``."""

    path: Path
    values: str = "auto"
    band: int = 1


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


def _section(file: Path, entry: str, data: Any, allowed: tuple[str, ...]) -> Entry:
    return Entry(file, entry, data, allowed, error=SourcesError)


def _number(s: Entry, name: str, default: float, *, low: float, high: float) -> float:
    value = s.number(name, default, low=low, high=high)
    assert value is not None
    return value


def _whole(s: Entry, name: str, default: int, *, low: int, high: int) -> int:
    value = s.integer(name, default, low=low, high=high)
    assert value is not None
    return value


def parse_params(file: Path, raw: Any) -> GroenParams:
    """``groen.params``: every key optional, with the defaults of :data:`PARAMETERS`."""
    s = _section(file, "groen.params", {} if raw is None else raw, tuple(p.name for p in PARAMETERS))
    return GroenParams(
        trees_min=_whole(s, "trees_min", 2, low=0, high=1000),
        trees_radius_m=_number(s, "trees_radius_m", 25.0, low=0.0, high=1000.0),
        canopy_min_pct=_number(s, "canopy_min_pct", 22.0, low=0.0, high=100.0),
        canopy_level=s.choice("canopy_level", CANOPY_LEVELS, "buurt"),
        park_max_distance_m=_number(s, "park_max_distance_m", 200.0, low=0.0, high=10_000.0),
        park_min_area_m2=_number(s, "park_min_area_m2", 5000.0, low=0.0, high=1e9),
    )


def _vector(file: Path, entry: str, raw: Any, *, residents: bool = False) -> VectorInput:
    allowed = ("path", "layer", "residents") if residents else ("path", "layer")
    s = _section(file, entry, raw, allowed)
    return VectorInput(path=s.path(), layer=s.text("layer"), residents=s.text("residents") if residents else None)


def _canopy(file: Path, raw: Any) -> CanopyInput:
    s = _section(file, "groen.canopy", raw, ("path", "values", "band"))
    values = s.choice("values", CANOPY_VALUES, "auto")
    return CanopyInput(path=s.path(), values=values, band=_whole(s, "band", 1, low=1, high=10_000))


def parse_groen(file: Path, raw: dict[str, Any]) -> GroenSpec:
    """The ``groen:`` section of sources file ``file``; raises :class:`SourcesError` naming entry and field."""
    s = _section(file, "groen", raw, ("year", "canopy", "trees", "parks", "addresses", "params"))
    year = s.data.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100:
        raise s.fail("year", f"must be a year such as 2024, got {year!r}")
    for key in ("canopy", "trees", "parks", "addresses"):
        if s.data.get(key) is None:
            raise s.fail(key, "is required")
    return GroenSpec(
        file=file,
        year=year,
        canopy=_canopy(file, s.data["canopy"]),
        trees=_vector(file, "groen.trees", s.data["trees"]),
        parks=_vector(file, "groen.parks", s.data["parks"]),
        addresses=_vector(file, "groen.addresses", s.data["addresses"], residents=True),
        params=parse_params(file, s.data.get("params")),
    )
