"""Area levels and codes: the CBS patterns, the level of a code, normalisation and checks.

Every fact about area codes is written here once: the levels from small to large, the pattern and example of each
level's code, and the two letters that tell a code's level. CBS codes nest by prefix: buurt ``BU01930101`` lies in
wijk ``WK019301``, which lies in gemeente ``GM0193``. Stadsdelen are a municipal grouping, not a CBS level; the atlas
gives them ``SD`` + gemeente digits + 2 digits.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from atlas.errors import AreaError

LEVELS: tuple[str, ...] = ("buurt", "wijk", "stadsdeel", "gemeente")
"""Area levels from small to large."""

PREFIXES: dict[str, str] = {"BU": "buurt", "WK": "wijk", "SD": "stadsdeel", "GM": "gemeente"}
"""The level of a code, by its first two letters."""

_DIGITS: dict[str, int] = {"buurt": 8, "wijk": 6, "stadsdeel": 6, "gemeente": 4}

CODE_PATTERNS: dict[str, re.Pattern[str]] = {
    level: re.compile(rf"^{prefix}\d{{{_DIGITS[level]}}}$") for prefix, level in PREFIXES.items()
}
"""The code of each level: the CBS codes, and ``SD`` + gemeente digits + 2 digits for stadsdelen."""

ANY_CODE: re.Pattern[str] = re.compile("|".join(p.pattern for p in CODE_PATTERNS.values()))
"""A code of any level."""

CBS_CODE: re.Pattern[str] = re.compile("|".join(CODE_PATTERNS[lv].pattern for lv in ("buurt", "wijk", "gemeente")))
"""A code CBS itself publishes (no stadsdelen)."""

CODE_HINTS: dict[str, str] = {
    level: f"{prefix} + {_DIGITS[level]} digits, e.g. {prefix}{'0193010199'[: _DIGITS[level]]}"
    for prefix, level in PREFIXES.items()
}
"""How each level's code is written, for messages."""


def text(value: Any) -> str:
    """A cell as stripped text; None and NaN become ""."""
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def normalise_code(value: Any) -> str:
    """A code as CBS writes it: stripped and upper case (``" bu01930101"`` -> ``"BU01930101"``)."""
    return text(value).upper()


def level_of_code(code: str) -> str | None:
    """The level a code's pattern says (``BU01930101`` -> ``buurt``), or None when it is no area code."""
    normal = normalise_code(code)
    level = PREFIXES.get(normal[:2])
    return level if level is not None and CODE_PATTERNS[level].match(normal) else None


SYNTHETIC_GEMEENTEN = range(9001, 10000)
"""The numbers of the synthetic country's gemeenten (``atlas demo --gemeenten N``: ``GM9001``, …): no real gemeente
has one, so a build of only these holds invented names too."""


def is_synthetic_gemeente(code: str) -> bool:
    """Whether ``code`` is a gemeente of the synthetic country (:data:`SYNTHETIC_GEMEENTEN`)."""
    digits = normalise_code(code)[2:6]
    return digits.isdigit() and int(digits) in SYNTHETIC_GEMEENTEN


def gemeente_of(code: str) -> str:
    """The gemeente a code of any level nests in: ``BU01930101``, ``WK019301``, ``SD019301`` -> ``GM0193``."""
    return f"GM{normalise_code(code)[2:6]}"


def gemeenten_of(codes: pd.Series) -> pd.Series:
    """``codes.map(gemeente_of)`` (:func:`gemeente_of`), computed once per distinct code: a values
    table repeats each code for every indicator and year, so a Python call per row cost more than the rest."""
    keys, distinct = pd.factorize(codes, use_na_sentinel=False)
    return pd.Series(np.array([gemeente_of(code) for code in distinct], dtype=object)[keys], index=codes.index)


def wijk_of(buurt: str) -> str:
    """The wijk a buurt code nests in: ``BU01930101`` -> ``WK019301``."""
    return f"WK{normalise_code(buurt)[2:8]}"


def stadsdeel_code(gemeente: str, ordinal: int) -> str:
    """The code the atlas gives the ``ordinal``-th stadsdeel (1-based) of a gemeente: ``SD`` + its digits + 2."""
    return f"SD{normalise_code(gemeente)[2:6]}{ordinal:02d}"


def check_code(
    code: str,
    level: str,
    *,
    file: str | Path | None = None,
    row: int | None = None,
    field: str | None = None,
) -> None:
    """Raise :class:`AreaError` unless ``code`` is a valid code of ``level``."""
    if CODE_PATTERNS[level].match(code):
        return
    problem = f"{code!r} is not a valid {level} code" if code else f"empty {level} code"
    raise AreaError(f"{problem} (expected {CODE_HINTS[level]})", file=file, row=row, field=field)


def gemeente_code(value: str) -> str:
    """The normalised gemeente code; raises :class:`AreaError` when it is not ``GM`` + 4 digits."""
    code = normalise_code(value)
    check_code(code, "gemeente")
    return code


def code_column(values: Iterable[Any], rows: Sequence[int], level: str, path: Path, column: str) -> list[str]:
    """Normalised codes of one column, each checked against the pattern of ``level``."""
    codes = [normalise_code(value) for value in values]
    for code, row in zip(codes, rows, strict=True):
        check_code(code, level, file=path, row=row, field=column)
    return codes


# --- how a wijk is grouped into its stadsdeel -----------------------------------------------------


class Grouping(StrEnum):
    """How certain the grouping of a wijk into its stadsdeel is: the ``indeling`` of the wijk and stadsdeel layers.

    A stadsdeel is a municipal grouping, not a CBS level; the stadsdelen file may say per wijk whether its place
    is documented or inferred. A stadsdeel is indicative when any of its wijken is; ``overig`` holds the wijken the
    file gives no stadsdeel; the empty string means the file does not say.
    """

    DOCUMENTED = "gedocumenteerd"
    INDICATIVE = "indicatief"
    UNGROUPED = "overig"
    UNSTATED = ""

    @property
    def label(self) -> str:
        """How pages mark a stadsdeel of this grouping (empty: not marked)."""
        return _GROUPING_LABELS.get(self, "")

    @property
    def explanation(self) -> str:
        """One Dutch sentence for the pages that mark it."""
        return _GROUPING_EXPLAINED.get(self, "")


_GROUPING_LABELS: Mapping[Grouping, str] = {
    Grouping.INDICATIVE: "indeling indicatief",
    Grouping.UNGROUPED: "wijken zonder stadsdeel",
}
_GROUPING_EXPLAINED: Mapping[Grouping, str] = {
    Grouping.INDICATIVE: (
        "Indeling indicatief: de gemeente heeft niet vastgelegd dat (een deel van) deze wijken bij dit stadsdeel "
        "horen; de indeling is afgeleid, bijvoorbeeld uit de wijknummers."
    ),
    Grouping.UNGROUPED: "Overig: wijken die in het bestand met stadsdelen geen stadsdeel hebben.",
}

GROUPING_WORDS: Mapping[Grouping, tuple[str, ...]] = {
    Grouping.DOCUMENTED: ("gedocumenteerd", "documented", "officieel", "official", "vastgesteld", "bevestigd"),
    Grouping.INDICATIVE: ("indicatief", "indicative", "inferred", "afgeleid", "voorlopig", "geschat"),
}
"""The words a status column of the stadsdelen file may hold (the cell's first word, any case), per grouping."""

UNGROUPED_NAME = "overig"
"""The name of the stadsdeel that holds the wijken the stadsdelen file gives no stadsdeel."""


def grouping_of(cell: Any) -> Grouping | None:
    """The grouping a status cell states (its first word, any case, per :data:`GROUPING_WORDS`); None if unknown."""
    words = re.findall(r"[^\W\d_]+", text(cell).lower())
    if not words:
        return None
    return next((g for g, known in GROUPING_WORDS.items() if words[0] in known), None)


def grouping_of_stadsdeel(members: Iterable[Grouping]) -> Grouping:
    """The grouping of a stadsdeel from those of its wijken: overig, else indicative if any is, else as stated."""
    found = set(members)
    for grouping in (Grouping.UNGROUPED, Grouping.INDICATIVE, Grouping.UNSTATED):
        if grouping in found:
            return grouping
    return Grouping.DOCUMENTED if found else Grouping.UNSTATED
