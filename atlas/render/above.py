"""The page of an area above the gemeente (a regio, or Nederland; issue 15): its gemeenten and its values.

Its values are the build's (:mod:`atlas.pipeline.above`): computed from the published values of its gemeenten, so
they are shown as they are, with no verdict (nothing is compared with them). A regio's rows also show Nederland's
value in the same year when the build has it. Each row links to the map of the gemeenten of that indicator and year
(of a regio: only its gemeenten), where each gemeente's value is.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from atlas.artifact import Artifact
from atlas.artifact.reader import AboveArea
from atlas.artifact.status import publishable
from atlas.errors import NotFound
from atlas.render.minimap import area_svg
from atlas.render.profile import STAPELING_PREFIXES, Area, ProfileGroup, ProfileRow, _row, _series_of

STAPELING_TITLE = "Ondersteuning en stapeling"


@dataclass(frozen=True)
class AboveProfile:
    """What the page of an area above the gemeente shows."""

    area: AboveArea
    parent: AboveArea | None
    """Of a regio: Nederland, when the build has it (its values stand beside the regio's)."""
    gemeenten: tuple[tuple[str, str], ...]
    """(code, naam) of its gemeenten, by name."""
    regios: tuple[AboveArea, ...]
    """Of Nederland: the regio's of the build."""
    groups: list[ProfileGroup]
    """Its rows per theme of the registry (the support and stapeling counts last)."""
    minimap: str

    @property
    def above(self) -> tuple[AboveArea, ...]:
        """The areas whose values each row shows beside its own (:attr:`ProfileRow.above`)."""
        return (self.parent,) if self.parent is not None else ()

    def map_url(self, row: ProfileRow) -> str:
        """The map of the gemeenten (of a regio: its gemeenten) of the row's indicator and year."""
        url = f"/kaart/{row.indicator.id}?niveau=gemeente"
        if row.year is not None:
            url += f"&jaar={row.year}"
        return url + (f"&regio={self.area.code}" if self.area.level == "regio" else "")


def find_above(artifact: Artifact, code: str) -> AboveArea | None:
    """The area above the gemeente ``code`` (any case), or None when the build has no such area."""
    return artifact.whole.above.get(code.strip().upper())


def _minimap(artifact: Artifact, area: AboveArea) -> str:
    """A regio among the gemeenten; Nederland on its regio's outlines."""
    context = "gemeente" if area.level == "regio" else "regio"
    if context == "regio" and not any(a.level == "regio" for a in artifact.above.values()):
        context = "gemeente"
    try:
        return area_svg(artifact, area.level, area.code, context)
    except (OSError, ValueError):  # an artifact without the web geometry of the level: no map
        return ""


def above_profile(artifact: Artifact, code: str) -> AboveProfile:
    """The page of the regio or Nederland ``code`` of the whole ``artifact``; raises :class:`NotFound` when the build
    has no such area."""
    whole = artifact.whole
    area = find_above(whole, code)
    if area is None:
        raise NotFound(f"onbekend gebied {code[:40]!r}")
    parent = next((a for a in whole.above.values() if a.level == "nederland"), None) if area.level == "regio" else None
    above = (parent,) if parent is not None else ()
    rows = whole.rows_of_codes({area.code, *(a.code for a in above)})
    series = _series_of(rows) if len(rows) else {}
    here = Area(area.code, area.naam, area.level)
    forecasts = whole.forecasts
    groups: dict[str, ProfileGroup] = {}
    for ind in whole.registry:
        if not series.get((ind.id, area.code)):
            continue
        row = _row(ind, series, here, None, here, forecasts.get(ind.id, frozenset()), tuple(a.code for a in above))
        key = STAPELING_TITLE if ind.id.startswith(STAPELING_PREFIXES) else ind.theme
        theme = whole.registry.themes.get(ind.theme)
        if key == STAPELING_TITLE:
            group = groups.setdefault(key, ProfileGroup(STAPELING_TITLE, "", theme=key))
        else:
            title, description = (theme.title, theme.description) if theme else (ind.theme, "")
            group = groups.setdefault(key, ProfileGroup(title, description, theme=ind.theme))
        group.rows.append(row)
    order = {theme: i for i, theme in enumerate(whole.registry.themes)}
    names = dict(whole.gemeenten)
    members = sorted(((c, names.get(c, c)) for c in area.gemeenten), key=lambda g: (g[1].lower(), g[0]))
    regios = tuple(a for a in whole.above.values() if a.level == "regio") if area.level == "nederland" else ()
    return AboveProfile(
        area=area,
        parent=parent,
        gemeenten=tuple(members),
        regios=regios,
        groups=[groups[k] for k in sorted(groups, key=lambda k: order.get(k, len(order)))],
        minimap=_minimap(whole, area),
    )


def above_values(artifact: Artifact, indicator: str, year: int) -> list[tuple[AboveArea, float]]:
    """The published values of ``indicator`` in ``year`` of every area above the gemeente (regio's first): what the
    map of the gemeenten names beside its legend."""
    whole = artifact.whole
    out = []
    for level in ("regio", "nederland"):
        rows = whole.rows(indicator, level, year)
        rows = rows[publishable(rows)]
        found = dict(zip(rows.code.astype(str), pd.to_numeric(rows.value), strict=True))
        out += [(a, float(found[c])) for c, a in whole.above.items() if c in found]
    return out
