"""Find buurten, wijken and stadsdelen by name or code, and addresses, streets and postcodes in the address book.

What a query is decides where it looks:

- ``8011 AB`` or ``8011ab``: a postcode; with a number after it (``8011 AB 12``) the address itself;
- ``Madeliefpad 33``, ``madelief 33a``, ``Madeliefpad 33-2, Zwolle``: a street (its name or the start of it) and
  a number: those addresses (without a letter or addition given, every one of that number);
- anything else: areas whose name contains it or whose code starts with it, then streets whose name starts with
  it (from three characters on).

Street and postcode lookups use the address book the build wrote (:mod:`atlas.artifact.addresses`), sorted by
street, so a street is found by binary search and no request scans all addresses for it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import quote

import numpy as np
import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.addresses import fold
from atlas.render.address import postcode_label
from atlas.render.selection import WEB_LEVELS

SEARCH_LEVELS = WEB_LEVELS
"""Levels a search looks in: the areas a map can show."""
MIN_STREET_QUERY = 3
"""A street name is looked up from this many characters on."""

_POSTCODE = re.compile(r"(?P<digits>[1-9][0-9]{3}) ?(?P<letters>[a-z]{2})(?:\s*(?P<rest>[0-9].*))?", re.IGNORECASE)
_NUMBER = re.compile(r"(?P<n>[0-9]{1,5}) ?(?P<letter>[a-z])?(?: ?- ?(?P<extra>[0-9a-z]{1,4}))?", re.IGNORECASE)
_STREET_NUMBER = re.compile(
    r"(?P<street>.*?[^\W\d_].*?)\s+(?P<number>[0-9]{1,5}(?: ?[a-z])?(?: ?- ?[0-9a-z]{1,4})?)(?:\s*,\s*(?P<place>.+))?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Hit:
    code: str
    """The area the hit leads to (for an address, street or postcode: its buurt)."""
    naam: str
    level: str
    """``buurt``, ``wijk``, ``stadsdeel``, or ``adres``, ``straat``, ``postcode``."""
    parent: str
    """What to show beside it: the wijk or stadsdeel of an area, the buurt of an address."""
    adres: str = ""
    """An address's id in the address book."""
    gemeente: str = ""
    """The name of the gemeente the hit lies in, when the atlas holds several (else empty)."""

    @property
    def url(self) -> str:
        """Where the hit leads: the profile of its area (with the address marked)."""
        target = f"/gebied/{quote(self.code)}"
        return f"{target}?adres={quote(self.adres)}" if self.adres else target


def _parent_names(artifact: Artifact) -> dict[str, str]:
    names: dict[str, str] = {}
    for level in ("buurt", "wijk", "stadsdeel", "gemeente"):
        layer = artifact.areas.level(level)
        names.update(zip(layer.code.astype(str), layer.naam.astype(str), strict=True))
    return names


def search_areas(artifact: Artifact, query: str, limit: int = 50) -> list[Hit]:
    """Areas whose name contains ``query`` or whose code starts with it; names starting with it come first."""
    wanted = fold(query)
    if not wanted:
        return []
    hits: list[tuple[int, str, Hit]] = []
    names = _parent_names(artifact)
    levels = (*SEARCH_LEVELS, "gemeente") if artifact.several else SEARCH_LEVELS
    for level in levels:
        layer = artifact.areas.level(level)
        for code, naam, parent in zip(layer.code, layer.naam, layer.parent, strict=True):
            folded = fold(str(naam))
            if wanted in folded or str(code).lower().startswith(wanted.replace(" ", "")):
                rank = 0 if folded.startswith(wanted) else 1
                hit = Hit(str(code), str(naam), level, names.get(str(parent), ""), gemeente=_gemeente(artifact, code))
                hits.append((rank, folded, hit))
    hits.sort(key=lambda h: (h[0], levels.index(h[2].level), h[1]))
    return [h[2] for h in hits[:limit]]


def _gemeente(artifact: Artifact, code: str) -> str:
    """The name of the gemeente of area ``code`` when the atlas holds several, so a hit says where it lies; else
    empty (and for a gemeente itself)."""
    if not artifact.several or str(code).startswith("GM"):
        return ""
    return artifact.gemeente_of_area(str(code))[1]


def _rows(artifact: Artifact, book: pd.DataFrame, column: str, value: str, *, prefix: bool = False) -> pd.DataFrame:
    """The rows whose ``column`` equals ``value`` (or starts with it), by binary search on the sorted column."""
    values, order = artifact.address_sorted(column)
    start = int(np.searchsorted(values, value, side="left"))
    stop = int(np.searchsorted(values, value + "\U0010ffff" if prefix else value, side="right"))
    return book.iloc[np.sort(order[start:stop])]


def _number_filter(rows: pd.DataFrame, number: str) -> pd.DataFrame:
    match = _NUMBER.fullmatch(number.strip())
    if match is None:
        return rows.iloc[0:0]
    rows = rows[rows["huisnummer"] == int(match["n"])]
    wanted = f"{int(match['n'])}{(match['letter'] or '').upper()}"
    if match["extra"]:
        return rows[rows["nummer"] == f"{wanted}-{match['extra'].upper()}"]
    if match["letter"]:
        return rows[(rows["nummer"] == wanted) | rows["nummer"].str.startswith(f"{wanted}-")]
    return rows


def _address_hits(artifact: Artifact, rows: pd.DataFrame, names: dict[str, str], limit: int) -> list[Hit]:
    return [
        Hit(
            b,
            f"{s} {n}",
            "adres",
            f"{postcode_label(p)} {w} · buurt {names.get(b, b)}",
            adres=a,
            gemeente=_gemeente(artifact, b),
        )
        for a, s, n, p, w, b in zip(
            rows.adres[:limit], rows.straat, rows.nummer, rows.postcode, rows.woonplaats, rows.buurt, strict=False
        )
    ]


def _grouped(
    artifact: Artifact, rows: pd.DataFrame, by: str, names: dict[str, str], level: str, limit: int
) -> list[Hit]:
    """One hit per street (or postcode) and buurt, with the range of numbers it has there."""
    hits = []
    for (label, place, buurt), group in rows.groupby([by, "woonplaats", "buurt"], sort=False):
        low, high = int(group.huisnummer.min()), int(group.huisnummer.max())
        numbers = f"{low}" if low == high else f"{low}–{high}"
        name = postcode_label(str(label)) if level == "postcode" else str(label)
        extra = f"{group.straat.iloc[0]} " if level == "postcode" and group.straat.nunique() == 1 else ""
        count = f"{len(group)} adres{'sen' if len(group) != 1 else ''}"
        hits.append(
            Hit(
                str(buurt),
                f"{name}, {place}",
                level,
                f"buurt {names.get(str(buurt), buurt)}: {extra}{numbers} ({count})",
                gemeente=_gemeente(artifact, str(buurt)),
            )
        )
        if len(hits) == limit:
            break
    return hits


def search(artifact: Artifact, query: str, limit: int = 50) -> list[Hit]:
    """Everything ``query`` finds: addresses and postcodes when it looks like one, else areas and streets."""
    text = " ".join(query.split())
    book = artifact.addresses
    if not text:
        return []
    names = _parent_names(artifact)
    postcode = _POSTCODE.fullmatch(text)
    if postcode is not None:
        if book is None:
            return []
        rows = _rows(artifact, book, "postcode", f"{postcode['digits']}{postcode['letters'].upper()}")
        if postcode["rest"]:
            return _address_hits(artifact, _number_filter(rows, postcode["rest"]), names, limit)
        return _grouped(artifact, rows.sort_values(["huisnummer", "nummer"]), "postcode", names, "postcode", limit)
    street_number = _STREET_NUMBER.fullmatch(text)
    if street_number is not None and book is not None:
        street = _rows(artifact, book, "key", fold(street_number["street"]), prefix=True)
        if street_number["place"]:
            street = street[street["woonplaats"].map(fold) == fold(street_number["place"])]
        rows = _number_filter(street, street_number["number"])
        if len(rows):
            return _address_hits(artifact, rows, names, limit)
        if len(street):  # the street exists, the number not: show where the street's numbers are
            return _grouped(artifact, street, "straat", names, "straat", limit)
    hits = search_areas(artifact, text, limit)
    if book is not None and len(fold(text)) >= MIN_STREET_QUERY and len(hits) < limit:
        hits += _grouped(
            artifact,
            _rows(artifact, book, "key", fold(text), prefix=True),
            "straat",
            names,
            "straat",
            limit - len(hits),
        )
    return hits
