"""The keys of the address book (``addresses.parquet``): how the build writes them and the search reads them."""

from __future__ import annotations

import unicodedata

import pandas as pd


def fold(text: str) -> str:
    """Lower case without accents, hyphens and apostrophes: 'Assendorp-Noord' and 'assendorp noord' match."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(plain.replace("-", " ").replace("'", "").split())


def number_label(huisnummer: object, huisletter: str, toevoeging: str) -> str:
    """12, 12A, 12-2, 12A-2: the house number as the BAG writes it."""
    if huisnummer is None or huisnummer is pd.NA:
        return ""
    return f"{huisnummer}{huisletter}" + (f"-{toevoeging}" if toevoeging else "")


def address_id(postcode: str, number: str) -> str:
    """The id in links: postcode and number (``8011AB-12A-2``); unique in the BAG."""
    return f"{postcode}-{number}"
