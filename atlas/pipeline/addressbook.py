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

from atlas.artifact.addresses import address_id, fold, number_label
from atlas.crs import WEB
from atlas.findings import Findings

COORDINATE_DECIMALS = 6
"""Degrees rounded to about 10 cm."""


def address_book(
    per_address: gpd.GeoDataFrame, file: str = "", findings: Findings | None = None
) -> pd.DataFrame | None:
    """The address book from the groen step's per-address results, or None when they carry no BAG fields.

    Addresses without a street, number or postcode, and repeats of an address already in the book, are left out;
    ``findings`` hears how many (``file``: the addresses file)."""
    if "straat" not in per_address.columns or "postcode" not in per_address.columns:
        return None
    frame = per_address[per_address["buurt"] != ""]
    numbers = np.array(
        [
            number_label(n, letter, extra)
            for n, letter, extra in zip(frame.huisnummer, frame.huisletter, frame.toevoeging, strict=True)
        ],
        dtype=object,
    )
    ids = np.array([address_id(p, n) for p, n in zip(frame.postcode, numbers, strict=True)], dtype=object)
    complete = (frame.postcode.to_numpy() != "") & (numbers != "") & (frame.straat.to_numpy() != "")
    repeated = pd.Series(ids).duplicated().to_numpy() & complete
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
        first = ids[repeated][0]
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
    xy = frame.to_crs(WEB).geometry
    book = pd.DataFrame(
        {
            "adres": ids,
            "straat": frame.straat.astype(str).to_numpy(),
            "nummer": numbers,
            "huisnummer": frame.huisnummer.astype("Int64").to_numpy(),
            "postcode": frame.postcode.astype(str).to_numpy(),
            "woonplaats": frame.woonplaats.astype(str).to_numpy(),
            "buurt": frame.buurt.astype(str).to_numpy(),
            "lon": xy.x.round(COORDINATE_DECIMALS).to_numpy(),
            "lat": xy.y.round(COORDINATE_DECIMALS).to_numpy(),
            "trees": frame.trees.to_numpy(),
            "canopy_pct": frame.canopy_pct.round(1).to_numpy(),
            "park_m": frame.park_m.replace(np.inf, np.nan).round(0).to_numpy(),
            **{c: frame[c].to_numpy() for c in ("trees_ok", "canopy_ok", "canopy_known", "park_ok", "all_ok")},
        }
    )
    book["key"] = [fold(s) for s in book.straat]
    book = book.sort_values(["key", "huisnummer", "nummer"], kind="stable").reset_index(drop=True)
    return book
