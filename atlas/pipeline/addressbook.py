"""The address book of the artifact: what the address search finds and what an address's profile shows.

One row per address that lies in a buurt and has a street and house number or a postcode (the BAG fields of the
addresses file, :mod:`atlas.sources.addresses`): its id, label, postcode and place, its buurt, its position in
EPSG:4326 and its own 2-22-200 result (trees within the radius, the canopy cover of its area, the distance to a
large enough park, and which criteria it meets). Residents per address are not in it. Rows are sorted by the
folded street name (:func:`~atlas.artifact.addresses.fold`) and the number, so a search finds a street by binary search.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from atlas.artifact.addresses import fold
from atlas.crs import WEB
from atlas.findings import Findings

COORDINATE_DECIMALS = 6
"""Degrees rounded to about 10 cm."""


def _number_labels(frame: pd.DataFrame) -> pd.Series:
    """:func:`~atlas.artifact.addresses.number_label` of every row, as whole columns: a national build has
    millions of addresses, and a Python call per address (iterating Arrow-backed strings) cost more than the
    rest of the book. '' where the house number is missing."""
    letter = frame.huisletter.astype(str)
    extra = frame.toevoeging.astype(str)
    label = frame.huisnummer.astype("string") + letter + ("-" + extra).where(extra != "", "")
    return label.fillna("").astype(str)


def _folded(streets: pd.Series) -> list[str]:
    """:func:`~atlas.artifact.addresses.fold` of every street name, computed once per distinct name (a street has
    many addresses)."""
    codes, names = pd.factorize(streets, use_na_sentinel=False)
    folded = np.array([fold(name) for name in names], dtype=object)
    return folded[codes].tolist()


def address_book(
    per_address: gpd.GeoDataFrame, file: str = "", findings: Findings | None = None
) -> pd.DataFrame | None:
    """The address book from the groen step's per-address results, or None when they carry no BAG fields.

    Addresses without a street, number or postcode, and repeats of an address already in the book, are left out;
    ``findings`` hears how many (``file``: the addresses file)."""
    if "straat" not in per_address.columns or "postcode" not in per_address.columns:
        return None
    frame = per_address[per_address["buurt"] != ""]
    # the text columns stay pandas' Arrow strings throughout: a round trip through Python objects cost more than
    # the work on them
    numbers = _number_labels(frame)
    ids = frame.postcode.astype(str) + "-" + numbers  # address_id (postcode-number), a column at a time
    complete = ((frame.postcode != "") & (numbers != "") & (frame.straat != "")).to_numpy()
    repeated = ids.duplicated().to_numpy() & complete
    if findings is not None and (~complete).any():
        findings.warning(
            "dropped_rows",
            f"{int((~complete).sum())} addresses have no street, house number or postcode: the address search "
            "cannot find them (their 2-22-200 results still count)",
            file=file,
            field="straat, huisnummer, postcode",
            count=int((~complete).sum()),
        )
    if findings is not None and repeated.any():
        first = ids[repeated].iloc[0]
        findings.warning(
            "dropped_rows",
            f"{int(repeated.sum())} addresses repeat the postcode and number of another (e.g. {first}): the address "
            "search shows the first of each",
            file=file,
            field="postcode, huisnummer",
            count=int(repeated.sum()),
        )
    keep = complete & ~repeated
    frame, numbers, ids = frame[keep], numbers[keep], ids[keep]
    # the points' coordinates only: reprojecting the geometries themselves would build millions of new points
    geometry = frame.geometry.values
    lon, lat = Transformer.from_crs(frame.crs, WEB, always_xy=True).transform(
        shapely.get_x(geometry), shapely.get_y(geometry)
    )
    book = pd.DataFrame(
        {
            "adres": ids.array,
            "straat": frame.straat.astype(str).array,
            "nummer": numbers.array,
            "huisnummer": frame.huisnummer.astype("Int64").to_numpy(),
            "postcode": frame.postcode.astype(str).array,
            "woonplaats": frame.woonplaats.astype(str).array,
            "buurt": frame.buurt.astype(str).array,
            "lon": np.round(lon, COORDINATE_DECIMALS),
            "lat": np.round(lat, COORDINATE_DECIMALS),
            "trees": frame.trees.to_numpy(),
            "canopy_pct": frame.canopy_pct.round(1).to_numpy(),
            "park_m": frame.park_m.replace(np.inf, np.nan).round(0).to_numpy(),
            **{c: frame[c].to_numpy() for c in ("trees_ok", "canopy_ok", "canopy_known", "park_ok", "all_ok")},
        }
    )
    book["key"] = _folded(book.straat)
    book = book.sort_values(["key", "huisnummer", "nummer"], kind="stable").reset_index(drop=True)
    return book
