"""Areas side by side: the comparison page (``/vergelijk``), the table of an area's parts and its similar buurten.

- :func:`comparison`: two or three areas (any levels) in columns, one row per indicator, grouped by theme in the
  registry's order. Every cell is the :class:`~atlas.render.profile.ProfileRow` of that area's own profile
  (:func:`~atlas.render.profile.profile`), so the value, interval, year and verdict against the gemeente follow the
  very same rules (:func:`~atlas.artifact.compare.verdict_of`, :func:`~atlas.artifact.compare.judgement`).
- :func:`parts_table`: the buurten of a wijk (the parts of any area) with their inhabitants and a few key
  indicators, for a sortable table on its profile.
- :func:`similar_of`: the most similar buurten of a buurt, as the build found them (:mod:`atlas.artifact.similar`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from atlas.artifact import Artifact
from atlas.artifact.compare import MIN_INHABITANTS
from atlas.artifact.similar import CONTEXT_TEXT, MIN_SHARED
from atlas.artifact.status import shown_status, shown_value
from atlas.layers.registry import Indicator
from atlas.render.profile import Area, Profile, ProfileRow, find_area, profile
from atlas.render.selection import format_value, records

KEY_INDICATORS: tuple[str, ...] = ("koopkracht_index", "eenzaamheid", "veilig_buurt", "groen_2_22_200")
"""The indicators of the table of an area's parts (after its inhabitants): one headline figure of several parts of
the foto veerkracht."""
POPULATION = "inwoners"
STAPELING_TITLE = "Ondersteuning en stapeling"
PLURALS = {"buurt": "buurten", "wijk": "wijken", "stadsdeel": "stadsdelen", "gemeente": "gemeenten"}


# --- the comparison page ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CompareRow:
    indicator: Indicator
    cells: tuple[ProfileRow | None, ...]
    """One per area, in the page's order: that area's profile row, or None where its level has no such figure."""

    @property
    def years_differ(self) -> bool:
        """Whether the areas' values are of different years."""
        return len({c.year for c in self.cells if c is not None and c.year is not None}) > 1


@dataclass(frozen=True)
class CompareGroup:
    title: str
    description: str
    rows: list[CompareRow] = field(default_factory=list)


@dataclass(frozen=True)
class Comparison:
    profiles: tuple[Profile, ...]
    city: Area
    groups: list[CompareGroup]

    @property
    def areas(self) -> tuple[Area, ...]:
        return tuple(p.area for p in self.profiles)

    @property
    def cities(self) -> tuple[Area, ...]:
        """The gemeenten the areas are compared with (each area with its own), distinct, in the areas' order."""
        return tuple(dict.fromkeys(p.city for p in self.profiles))

    @property
    def codes(self) -> str:
        """The areas' codes as the page's parameter writes them."""
        return ",".join(a.code for a in self.areas)

    @property
    def years_differ(self) -> bool:
        return any(r.years_differ for g in self.groups for r in g.rows)


def _rows_of(p: Profile) -> dict[str, ProfileRow]:
    rows = {r.indicator.id: r for g in p.groups for r in g.rows}
    rows.update({r.indicator.id: r for r in p.stapeling})
    return rows


def comparison(artifact: Artifact, codes: tuple[str, ...]) -> Comparison:
    """The areas ``codes`` side by side, each cell its own profile's row; an indicator none of them has a measured
    value for (published or withheld) is left out."""
    profiles = tuple(profile(artifact.part_of_area(code), code) for code in codes)
    by_area = [_rows_of(p) for p in profiles]
    stapeling_ids = {r.indicator.id for p in profiles for r in p.stapeling}
    groups: dict[str, CompareGroup] = {}
    for ind in artifact.registry:
        cells = tuple(rows.get(ind.id) for rows in by_area)
        if all(c is None or c.year is None for c in cells):
            continue
        key = "" if ind.id in stapeling_ids else ind.theme
        if key not in groups:
            theme = artifact.registry.themes.get(ind.theme) if key else None
            title = STAPELING_TITLE if not key else theme.title if theme else ind.theme
            groups[key] = CompareGroup(title, theme.description if theme else "")
        groups[key].rows.append(CompareRow(ind, cells))
    order = {theme: i for i, theme in enumerate(artifact.registry.themes)}
    ordered = sorted(groups, key=lambda t: order.get(t, len(order)) if t else len(order) + 1)
    return Comparison(profiles, profiles[0].city, [groups[k] for k in ordered])


# --- the parts of an area --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PartCell:
    text: str
    """The value as published, or the status of a withheld or missing one."""
    sort: str
    """The number to sort on (empty without a published value)."""
    missing: bool


@dataclass(frozen=True)
class PartRow:
    area: Area
    cells: tuple[PartCell, ...]


@dataclass(frozen=True)
class PartColumn:
    indicator: Indicator
    year: int


@dataclass(frozen=True)
class PartsTable:
    level: str
    columns: tuple[PartColumn, ...]
    rows: tuple[PartRow, ...]
    """Sorted by name."""

    @property
    def plural(self) -> str:
        """``buurten``, ``wijken``, ``stadsdelen``."""
        return PLURALS.get(self.level, self.level)


def _measured_year(artifact: Artifact, ind: str, level: str) -> int | None:
    years = [y for y in artifact.years(ind).get(level, ()) if not artifact.is_forecast_year(ind, y)]
    return max(years) if years else None


def parts_table(artifact: Artifact, children: list[Area]) -> PartsTable | None:
    """The parts ``children`` (of one level, sorted by name) with their inhabitants and :data:`KEY_INDICATORS`, each
    of its latest measured year at that level; None without parts."""
    if not children:
        return None
    level = children[0].level
    codes = {c.code for c in children}
    columns = []
    found: dict[str, dict[str, PartCell]] = {}
    for ind_id in (POPULATION, *KEY_INDICATORS):
        ind = artifact.registry.indicators.get(ind_id)
        year = _measured_year(artifact, ind_id, level) if ind is not None and level in ind.levels else None
        if ind is None or year is None:
            continue
        columns.append(PartColumn(ind, year))
        rows = artifact.rows(ind_id, level, year)
        cells: dict[str, PartCell] = {}
        for r in records(rows[rows.code.astype(str).isin(codes)]):
            value = shown_value(r["status"], r["value"])
            status = shown_status(r["status"], r["value"])
            text = format_value(value, ind) if value is not None else status.label
            cells[str(r["code"])] = PartCell(text, repr(value) if value is not None else "", value is None)
        found[ind_id] = cells
    missing = PartCell("geen gegevens", "", True)
    rows_out = tuple(
        PartRow(child, tuple(found[col.indicator.id].get(child.code, missing) for col in columns)) for child in children
    )
    return PartsTable(level, tuple(columns), rows_out)


# --- similar buurten -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SimilarBuurt:
    area: Area
    wijk: Area | None


@dataclass(frozen=True)
class Similar:
    buurten: tuple[SimilarBuurt, ...]
    basis: str
    """How similarity is determined, in one sentence."""
    reason: str = ""
    """Why the list is empty."""


def similar_of(artifact: Artifact, area: Area) -> Similar | None:
    """The most similar buurten of the buurt ``area`` (None for another level or an artifact without the list)."""
    if area.level != "buurt":
        return None
    found = artifact.similar_to(area.code)
    if found is None:
        return None
    years = sorted(set((artifact.manifest.get("similar") or {}).get("indicators", {}).values()))
    when = f" ({', '.join(map(str, years))})" if years else ""
    basis = (
        f"Vergelijkbaar naar {CONTEXT_TEXT}{when}: de buurten waarvan de gepubliceerde cijfers, elk omgerekend naar "
        f"hoeveel ze van het gemiddelde van alle buurten afwijken, samen het minst verschillen (over minstens "
        f"{MIN_SHARED} cijfers die beide buurten hebben; alleen buurten met minstens {MIN_INHABITANTS} inwoners)."
    )
    buurten = []
    for code, _ in found:
        other = find_area(artifact, code)
        parent = artifact.areas.name_and_parent(code)
        wijk = find_area(artifact, parent[1]) if parent and artifact.areas.level_of(parent[1]) else None
        buurten.append(SimilarBuurt(other, wijk))
    reason = (
        ""
        if buurten
        else f"Geen vergelijkbare buurten: deze buurt heeft minder dan {MIN_INHABITANTS} inwoners of te weinig "
        f"gepubliceerde cijfers over {CONTEXT_TEXT}."
    )
    return Similar(tuple(buurten), basis, reason)


CHOICE_LEVELS = (("gemeente", "Gemeente"), ("stadsdeel", "Stadsdelen"), ("wijk", "Wijken"), ("buurt", "Buurten"))


def area_choices(artifact: Artifact) -> list[tuple[str, list[Area]]]:
    """Every area by level (the gemeente first, then stadsdelen, wijken and buurten, each by name): the comparison
    form's options. In a build of several gemeenten each name says its gemeente (``Centrum, Aalden``)."""
    out = []
    for level, label in CHOICE_LEVELS:
        layer = artifact.areas.level(level).sort_values("naam")
        if len(layer):
            names = [str(n) for n in layer.naam]
            if artifact.several and level != "gemeente":
                names = [f"{n}, {artifact.gemeente_of_area(str(c))[1]}" for c, n in zip(layer.code, names, strict=True)]
            out.append((label, [Area(str(c), n, level) for c, n in zip(layer.code, names, strict=True)]))
    return out
