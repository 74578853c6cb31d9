"""Find buurten, wijken and stadsdelen by (part of) their name or code."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from atlas.artifact import Artifact
from atlas.render.selection import WEB_LEVELS

SEARCH_LEVELS = WEB_LEVELS
"""Levels a search looks in: the areas a map can show."""


@dataclass(frozen=True)
class Hit:
    code: str
    naam: str
    level: str
    parent: str


def _fold(text: str) -> str:
    """Lower case without accents and hyphens: 'Assendorp-Noord' matches 'assendorp noord'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join(plain.replace("-", " ").replace("'", "").split())


def search_areas(artifact: Artifact, query: str, limit: int = 50) -> list[Hit]:
    """Areas whose name contains ``query`` or whose code starts with it; names starting with it come first."""
    wanted = _fold(query)
    if not wanted:
        return []
    hits: list[tuple[int, str, Hit]] = []
    parent_names: dict[str, str] = {}
    for level in ("wijk", "stadsdeel", "gemeente"):
        layer = artifact.areas.level(level)
        parent_names.update(zip(layer.code.astype(str), layer.naam.astype(str), strict=True))
    for level in SEARCH_LEVELS:
        layer = artifact.areas.level(level)
        for code, naam, parent in zip(layer.code, layer.naam, layer.parent, strict=True):
            folded = _fold(str(naam))
            if wanted in folded or str(code).lower().startswith(wanted.replace(" ", "")):
                rank = 0 if folded.startswith(wanted) else 1
                hit = Hit(str(code), str(naam), level, parent_names.get(str(parent), ""))
                hits.append((rank, folded, hit))
    hits.sort(key=lambda h: (h[0], SEARCH_LEVELS.index(h[2].level), h[1]))
    return [h[2] for h in hits[:limit]]
