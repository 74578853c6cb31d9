"""Demo address fields in the BAG's shape: street, house number, letter, addition, postcode and place.

Synthetic, like everything in the demo: the street names are made up (a word and a suffix, never a real Zwolle
street on purpose), and so are the postcodes. They behave like the real ones where the search depends on it:
a buurt has a few streets of about :data:`PER_STREET` addresses, numbered along the street with odd numbers on
one side and even ones on the other; a wijk has its own four digits and a postcode covers one side of a stretch
of about :data:`PER_POSTCODE` numbers, so that (postcode, number, letter, addition) is unique as in the BAG;
some numbers carry a letter (12A) or an addition (12-2).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from atlas.demo.traits import rng_for

PER_STREET = 80
PER_POSTCODE = 16
FIRST_POSTCODE = 8011
"""The four digits of the first demo wijk; each wijk starts a new number, and a number whose 676 letter pairs
are used up continues in the next."""
WORDS = (
    "Berken", "Beuken", "Eiken", "Elzen", "Essen", "Iepen", "Linden", "Wilgen", "Populieren", "Kastanje",
    "Hazelaar", "Meidoorn", "Vlier", "Hulst", "Taxus", "Lijster", "Merel", "Spreeuw", "Zwaluw", "Kievit",
    "Reiger", "Roerdomp", "Fuut", "Wulp", "Grutto", "Tureluur", "Kwartel", "Patrijs", "Leeuwerik", "Vink",
    "Klaproos", "Korenbloem", "Madelief", "Boterbloem", "Lavendel", "Zonnebloem", "Vergeet-mij-niet",
    "Akelei", "Lupine", "Hyacint", "Tulpen", "Narcis", "Krokus", "Sneeuwklokje", "Jasmijn", "Seringen",
    "Goudsbloem", "Pioen", "Anjer", "Kamille", "Salie", "Tijm", "Rozemarijn", "Munt", "Dille", "Venkel",
    "Bieslook", "Kervel", "Dragon", "Lavas", "Hoeve", "Molen", "Schans", "Poort", "Brink", "Dijk",
    "Gracht", "Kade", "Haven", "Sluis", "Veer", "Weide", "Akker", "Esch", "Kamp", "Hof",
)  # fmt: skip
SUFFIXES = ("straat", "laan", "weg", "hof", "singel", "pad", "dreef", "plein", "gaarde", "erf", "hoek", "park")
LETTER_SHARE = 0.04
TOEVOEGING_SHARE = 0.03


def _street_names(count: int) -> list[str]:
    """``count`` distinct made-up street names, the same for the same count."""
    names = [f"{word}{suffix}" for suffix in SUFFIXES for word in WORDS]
    if count > len(names):
        names += [f"{name} {i}" for i in range(2, 2 + count // len(names)) for name in names]
    order = np.random.default_rng(0).permutation(len(names))
    return [names[i].replace("--", "-").capitalize() for i in order[:count]]


def _letters(index: int) -> str:
    """The postcode letters of the ``index``-th stretch (0 to 675): AA, AB, ..., AZ, BA, ..."""
    first, second = divmod(index, 26)
    return chr(ord("A") + first) + chr(ord("A") + second)


def address_fields(
    points: list[np.ndarray],
    buurt_codes: list[str],
    wijk_of: list[str],
    woonplaats: str,
    seed: int,
    *,
    first_postcode: int = FIRST_POSTCODE,
) -> pd.DataFrame:
    """The BAG fields of the addresses of every buurt (``points[i]``: its addresses, x/y), in that order.

    The first wijk's postcodes start at ``first_postcode`` (four digits); each further wijk takes the next number.
    """
    streets_per_buurt = [max(1, round(len(p) / PER_STREET)) if len(p) else 0 for p in points]
    names = iter(_street_names(sum(streets_per_buurt)))
    digits_of: dict[str, int] = {}
    stretches: dict[str, int] = {}
    digits_next = first_postcode

    def postcode_for(wijk: str) -> str:
        nonlocal digits_next
        if wijk not in digits_of or stretches[wijk] == 676:
            digits_of[wijk], stretches[wijk] = digits_next, 0
            digits_next += 1
        stretches[wijk] += 1
        return f"{digits_of[wijk]}{_letters(stretches[wijk] - 1)}"

    frames = []
    for xy, code, wijk, streets in zip(points, buurt_codes, wijk_of, streets_per_buurt, strict=True):
        if not len(xy):
            continue
        rng = rng_for(seed, "adressen", code)
        # streets: bands across the buurt's longer side; numbers run along each band
        long_axis = int(np.ptp(xy[:, 1]) > np.ptp(xy[:, 0]))
        band = np.minimum((np.argsort(np.argsort(xy[:, 1 - long_axis])) * streets) // len(xy), streets - 1)
        straat = np.empty(len(xy), dtype=object)
        huisnummer = np.zeros(len(xy), dtype=np.int64)
        postcode = np.empty(len(xy), dtype=object)
        for b in range(streets):
            members = np.flatnonzero(band == b)
            members = members[np.argsort(xy[members, long_axis], kind="stable")]
            straat[members] = next(names)
            side = np.arange(len(members)) % 2  # odd numbers on one side, even on the other
            step = np.arange(len(members)) // 2
            huisnummer[members] = 2 * step + 1 + side
            for s in (0, 1):
                on_side = members[side == s]
                for start in range(0, len(on_side), PER_POSTCODE // 2):
                    stretch = on_side[start : start + PER_POSTCODE // 2]
                    postcode[stretch] = postcode_for(wijk)
        letter = np.where(rng.random(len(xy)) < LETTER_SHARE, "A", "")
        toevoeging = np.where(
            (letter == "") & (rng.random(len(xy)) < TOEVOEGING_SHARE), rng.integers(1, 4, len(xy)).astype(str), ""
        )
        frames.append(
            pd.DataFrame(
                {
                    "straat": straat,
                    "huisnummer": huisnummer,
                    "huisletter": letter,
                    "toevoeging": toevoeging,
                    "postcode": postcode,
                    "woonplaats": woonplaats,
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
