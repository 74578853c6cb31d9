"""One address on its buurt's profile: where it lies and which of the three 2-22-200 criteria it meets.

The figures come from the address book the build wrote (:mod:`atlas.pipeline.addressbook`) and the norm's
parameters from the manifest, so the page says exactly what the build computed for this address.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from atlas.artifact import Artifact
from atlas.render.selection import dutch_number


@dataclass(frozen=True)
class Criterion:
    label: str
    met: bool | None
    """None: unknown (the canopy raster does not cover the address's area)."""
    detail: str


@dataclass(frozen=True)
class AddressCard:
    adres: str
    label: str
    """Street and number: 'Madeliefpad 33A-2'."""
    postcode: str
    """With its space: '8011 BM'."""
    woonplaats: str
    buurt: str
    lon: float
    lat: float
    criteria: tuple[Criterion, ...]
    all_met: bool | None

    @property
    def line(self) -> str:
        return f"{self.label}, {self.postcode} {self.woonplaats}".strip()


def postcode_label(postcode: str) -> str:
    """'8011AB' as people write it: '8011 AB'."""
    return f"{postcode[:4]} {postcode[4:]}" if len(postcode) == 6 else postcode


def _criteria(row: dict[str, Any], params: dict[str, Any]) -> tuple[Criterion, ...]:
    radius, need = params.get("trees_radius_m", 25), params.get("trees_min", 2)
    trees = int(row["trees"])
    canopy_min, level = params.get("canopy_min_pct", 22), params.get("canopy_level", "buurt")
    park_max, park_min = params.get("park_max_distance_m", 200), params.get("park_min_area_m2", 5000)
    canopy = row["canopy_pct"]
    known = bool(row["canopy_known"]) and not pd.isna(canopy)
    park = row["park_m"]
    return (
        Criterion(
            f"{need} bomen binnen {dutch_number(radius)} m",
            bool(row["trees_ok"]),
            f"{trees} {'boom' if trees == 1 else 'bomen'} binnen {dutch_number(radius)} m",
        ),
        Criterion(
            f"{dutch_number(canopy_min)} % kroonbedekking in de {level}",
            bool(row["canopy_ok"]) if known else None,
            f"{dutch_number(float(canopy), 1)} % in de {level}"
            if known
            else "onbekend: het kroonraster dekt de buurt niet",
        ),
        Criterion(
            f"een park van {dutch_number(park_min / 10_000, 1)} ha of meer binnen {dutch_number(park_max)} m",
            bool(row["park_ok"]),
            "in een park"
            if not pd.isna(park) and park == 0
            else f"dichtstbijzijnde park op {dutch_number(float(park))} m"
            if not pd.isna(park)
            else f"geen binnen {dutch_number(park_max)} m",
        ),
    )


def address_card(artifact: Artifact, adres: str) -> AddressCard | None:
    """The card of address ``adres`` (its id in the address book), or None when the artifact has no such address."""
    row = artifact.address(adres)
    if row is None:
        return None
    params = artifact.manifest.get("groen", {}).get("params", {})
    criteria = _criteria(row, params)
    return AddressCard(
        adres=str(row["adres"]),
        label=f"{row['straat']} {row['nummer']}",
        postcode=postcode_label(str(row["postcode"])),
        woonplaats=str(row["woonplaats"]),
        buurt=str(row["buurt"]),
        lon=float(row["lon"]),
        lat=float(row["lat"]),
        criteria=criteria,
        all_met=None if criteria[1].met is None else bool(row["all_ok"]),
    )
