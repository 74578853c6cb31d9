"""The foto veerkracht as a conversation piece: six parts, each with one headline figure and a sentence.

The monitor sociaal domein (seed 000, part 1.1) describes the foto veerkracht as a map story in six parts, meant as
"a means to a conversation" with residents, partners and the municipality about one buurt. This module turns an
area's :class:`~atlas.render.profile.Profile` into those six parts (:class:`Foto`), for the printed sheet
(``/gebied/<code>/foto``, two A4 pages) and the map story (``/verhaal/<code>``):

1. **Veerkracht: definitie en doel** — what the foto is, and who lives here (inwoners, huishoudens);
2. **Economische veerkracht** — the koopkrachtindex per huishouden;
3. **Sociale veerkracht (Buurt-voor-Buurt)** — eenzaamheid, a network to fall back on, volunteering;
4. **Ondersteuning en stapeling** — Wmo, jeugdhulp and bijstand per 1.000, stapeling per 1.000 huishoudens;
5. **Voorzieningen** — how many facilities lie in the area and how near the nearest of each type is;
6. **Leeftijd nu en straks** — the share of 65-plussers now and in the forecast.

Each part has a documented list of headline indicators (:data:`PARTS`): the first one the area has a measured value
for is the headline. Nothing is computed here that the profile did not already hold: the figures, the interval, the
verdict against the gemeente (:func:`~atlas.artifact.compare.judgement`, the build's rule) and the source all come
from the profile's rows, so the sheet, the story, the profile, the maps and the API never disagree. The sentence
says what the verdict says and nothing more: "dat verschil is duidelijk" only for a clear difference.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from atlas.artifact import Artifact
from atlas.artifact.compare import Verdict
from atlas.render.profile import Profile, ProfileRow, profile
from atlas.render.veerkracht import Chart, Facilities

MONTHS = (
    "januari februari maart april mei juni juli augustus september oktober november december".split()  # noqa: SIM905
)


@dataclass(frozen=True)
class PartSpec:
    """One part of the foto veerkracht: its number and title, what it is about, the candidate headline indicators
    (the first with a measured value wins) and the indicators shown beside it."""

    number: int
    title: str
    about: str
    headline: tuple[str, ...]
    rows: tuple[str, ...]


PARTS: tuple[PartSpec, ...] = (
    PartSpec(
        1,
        "Veerkracht: definitie en doel",
        "Veerkracht is het vermogen van inwoners en hun buurt om tegenslag op te vangen: met eigen middelen, met "
        "elkaar en met voorzieningen dichtbij. Deze foto is een middel voor het gesprek met bewoners, partners en de "
        "gemeente, geen oordeel over de buurt.",
        ("inwoners",),
        ("huishoudens", "eenpersoonshuishoudens", "gemiddelde_huishoudgrootte"),
    ),
    PartSpec(
        2,
        "Economische veerkracht",
        "De koopkracht van huishoudens: hoeveel zij te besteden hebben, vergeleken met de gemeente (100).",
        ("koopkracht_index", "gestandaardiseerd_inkomen"),
        ("gestandaardiseerd_inkomen", "laag_inkomen_120", "nettoarbeidsparticipatie"),
    ),
    PartSpec(
        3,
        "Sociale veerkracht (Buurt-voor-Buurt)",
        "Persoonlijke relaties, betrokkenheid en inzet voor de buurt, zoals inwoners die zelf beschrijven.",
        ("eenzaamheid", "terugvallen_netwerk", "vrijwilligerswerk"),
        ("terugvallen_netwerk", "vrijwilligerswerk", "mantelzorg", "veilig_buurt"),
    ),
    PartSpec(
        4,
        "Ondersteuning en stapeling",
        "Hoeveel inwoners ondersteuning krijgen uit de Wmo, de Jeugdwet en de Participatiewet, en hoeveel "
        "huishoudens uit meer dan één wet tegelijk (stapeling).",
        ("gebruik_wmo", "gebruik_bijstand", "gebruik_jeugdhulp"),
        ("gebruik_jeugdhulp", "gebruik_bijstand", "stapeling_huishoudens_2", "stapeling_huishoudens_3"),
    ),
    PartSpec(
        5,
        "Voorzieningen",
        "Welke voorzieningen er in het gebied zijn en hoe ver de dichtstbijzijnde van elke soort ligt.",
        ("voorzieningen_score", "afstand_huisarts"),
        ("afstand_huisarts", "afstand_supermarkt", "afstand_school"),
    ),
    PartSpec(
        6,
        "Leeftijd nu en straks",
        "De leeftijdsopbouw van de inwoners nu, en de prognose: wie wonen hier over een paar jaar?",
        ("leeftijd_65_plus", "leeftijd_0_14"),
        ("leeftijd_0_14", "leeftijd_15_24", "leeftijd_25_44", "leeftijd_45_64"),
    ),
)
"""The six parts and their indicators. A gemeente whose registry lacks an indicator simply skips it."""


PHRASES: dict[str, Callable[[str], str]] = {
    "inwoners": lambda v: f"wonen {v} mensen",
    "koopkracht_index": lambda v: f"is de koopkrachtindex per huishouden {v}",
    "gestandaardiseerd_inkomen": lambda v: f"is het gestandaardiseerd inkomen van huishoudens {v}",
    "eenzaamheid": lambda v: f"voelt {v} zich eenzaam",
    "terugvallen_netwerk": lambda v: f"kan {v} terugvallen op genoeg mensen",
    "vrijwilligerswerk": lambda v: f"doet {v} vrijwilligerswerk",
    "gebruik_wmo": lambda v: f"hebben {v} inwoners Wmo-ondersteuning",
    "gebruik_bijstand": lambda v: f"hebben {v} inwoners bijstand",
    "gebruik_jeugdhulp": lambda v: f"hebben {v} inwoners jeugdhulp",
    "voorzieningen_score": lambda v: f"geven inwoners de voorzieningen een {v}",
    "afstand_huisarts": lambda v: f"is de gemiddelde afstand tot een huisarts {v}",
    "leeftijd_65_plus": lambda v: f"is {v} van de inwoners 65 jaar of ouder",
    "leeftijd_0_14": lambda v: f"is {v} van de inwoners jonger dan 15 jaar",
}
"""How a headline indicator reads in a sentence; ``v`` is the formatted value. Others read "is <titel> <v>"."""


def _phrase(row: ProfileRow, value: str) -> str:
    found = PHRASES.get(row.indicator.id)
    if found is not None:
        return found(value)
    return f"is „{row.indicator.title.lower()}” {value}"


VERDICT_CLAUSE: dict[Verdict, str] = {
    Verdict.HIGHER: "dat verschil is duidelijk",
    Verdict.LOWER: "dat verschil is duidelijk",
    Verdict.UNCLEAR: "dat verschil is niet duidelijk: het kan toeval zijn",
    Verdict.NO_INTERVAL: "of dat verschil duidelijk is, is niet te zeggen (geen marge bekend)",
    Verdict.TOO_SMALL: "het gebied is te klein om te zeggen of dat verschil duidelijk is",
    Verdict.NONE: "",
}
"""The end of a headline sentence, per verdict of the build (:class:`~atlas.artifact.compare.Verdict`)."""


@dataclass(frozen=True)
class Headline:
    """The part's one figure: the row it comes from and how the sheet writes it."""

    row: ProfileRow
    figure: str
    """``18 %``, or ``45,2 per 1.000 inwoners`` for a count with a rate; empty when withheld or missing."""
    label: str
    """What the figure is: the indicator's title and year."""


@dataclass(frozen=True)
class FotoPart:
    number: int
    title: str
    about: str
    headline: Headline | None
    sentence: str
    rows: tuple[ProfileRow, ...] = ()
    charts: tuple[Chart, ...] = ()
    facilities: Facilities | None = None
    indicator: str = ""
    """The indicator the story's map of this part shows (the headline's), '' when the part has none."""


@dataclass(frozen=True)
class SourceLine:
    source: str
    when: str
    """``2024``, ``2019–2024`` or ``peildatum 1 januari 2024``."""


@dataclass(frozen=True)
class Foto:
    profile: Profile
    parts: tuple[FotoPart, ...]
    sources: tuple[SourceLine, ...]
    built: str
    """The day the figures were built, ``3 december 2026``."""
    demo: bool = False
    missing: tuple[str, ...] = field(default_factory=tuple)
    """Titles of parts without any figure for this area."""


def dutch_date(day: dt.date) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _built(artifact: Artifact) -> str:
    created = str(artifact.manifest.get("created") or "")
    try:
        return dutch_date(dt.datetime.fromisoformat(created).date())
    except ValueError:
        return created


def _peildata(artifact: Artifact) -> dict[int, str]:
    """Year -> ``peildatum 1 januari 2024`` of the stapeling counts (the manifest's reports)."""
    out: dict[int, str] = {}
    for report in artifact.manifest.get("stapeling") or []:
        try:
            day = dt.date.fromisoformat(str(report.get("peildatum")))
            out[int(str(report.get("period"))[:4])] = f"peildatum {dutch_date(day)}"
        except (TypeError, ValueError):
            continue
    return out


def _rows_by_id(p: Profile) -> dict[str, ProfileRow]:
    rows = [row for group in p.groups for row in group.rows] + list(p.stapeling)
    return {row.indicator.id: row for row in rows}


def _figure(row: ProfileRow) -> str:
    if not row.value:
        return ""
    if row.rate_label and row.rate:
        return f"{row.rate} {row.rate_label}"
    return row.value


def _city_figure(row: ProfileRow) -> str:
    if row.rate_label:
        return f"{row.city_rate} per 1.000" if row.city_rate else ""
    return row.city


def headline_sentence(p: Profile, row: ProfileRow, *, lead: bool = True) -> str:
    """ "In Holtenbroek voelt 18 % zich eenzaam; in Zwolle 13 %; dat verschil is duidelijk." — only what the
    build's verdict says; a withheld or missing value says so instead. Without ``lead`` the sentence does not name
    the area first (when the sentence before did)."""
    where = p.area.naam
    if not row.value:
        if row.year is None:
            return f"Voor {where} is er geen cijfer over {row.indicator.title.lower()}."
        return f"{row.indicator.title} in {where} ({row.year}): {row.status.lower()}."
    figure = f"{row.rate} per 1.000" if row.rate_label and row.rate else row.value
    sentence = f"In {where} {_phrase(row, figure)}" if lead else f"{row.indicator.title}: {figure}"
    city = _city_figure(row)
    if city and p.compared:
        sentence += f"; in {p.city.naam} {city}"
        clause = VERDICT_CLAUSE.get(row.verdict, "")
        if clause:
            sentence += f"; {clause}"
    sentence += "."
    if row.forecast and row.forecast[-1].value:
        last = row.forecast[-1]
        sentence += f" Prognose {last.year}: {last.value}."
    return sentence


def _facilities_sentence(p: Profile, facilities: Facilities) -> str:
    present = [row for row in facilities.rows if row.count]
    if p.area.level == "gemeente" or not facilities.has_nearest:
        kinds = ", ".join(f"{row.count} {row.title.lower()}" for row in present)
        return f"In {p.area.naam} liggen {facilities.total} voorzieningen" + (f": {kinds}." if kinds else ".")
    count = (
        f"In {p.area.naam} liggen {facilities.total} voorzieningen"
        if facilities.total
        else (f"In {p.area.naam} ligt geen van de getelde voorzieningen")
    )
    near = [row for row in facilities.rows if row.distance and not row.count]
    if near:
        nearest = "; ".join(f"{row.title.lower()} op {row.distance}" for row in near[:3])
        return f"{count}. Het dichtstbij buiten het gebied (hemelsbreed vanaf het midden): {nearest}."
    return f"{count}."


def _part(p: Profile, spec: PartSpec, rows: dict[str, ProfileRow]) -> FotoPart:
    candidates = [rows[i] for i in spec.headline if i in rows]
    head = next((r for r in candidates if r.value), candidates[0] if candidates else None)
    shown = tuple(rows[i] for i in spec.rows if i in rows and rows[i] is not head and rows[i].year is not None)
    charts: tuple[Chart, ...] = ()
    facilities = None
    theme = head.indicator.theme if head is not None else ""
    if spec.number == 2:
        charts = tuple(c for c in p.parts.charts_of(theme) if "oopkracht" in c.caption)
    elif spec.number == 6:
        charts = tuple(c for c in p.parts.charts_of(theme) if "Leeftijd" in c.caption)
    elif spec.number == 5:
        facilities = p.parts.facilities
    headline = None
    sentence = ""
    if head is not None:
        counted = f"; aantal {head.value}" if head.rate_label and head.rate and head.value else ""
        year = f" ({head.year}{counted})" if head.year is not None else ""
        headline = Headline(head, _figure(head), f"{head.indicator.title}{year}")
        sentence = headline_sentence(p, head, lead=not (facilities is not None and facilities.rows))
    if spec.number == 1:
        households = rows.get("huishoudens")
        if head is not None and head.value and households is not None and households.value:
            sentence = f"In {p.area.naam} wonen {head.value} mensen in {households.value} huishoudens."
    if facilities is not None and facilities.rows:
        extra = _facilities_sentence(p, facilities)
        sentence = f"{extra} {sentence}".strip()
    return FotoPart(
        spec.number,
        spec.title,
        spec.about,
        headline,
        sentence,
        shown,
        charts,
        facilities,
        head.indicator.id if head is not None and head.year is not None else "",
    )


def _sources(parts: Iterable[FotoPart], peildata: dict[int, str]) -> tuple[SourceLine, ...]:
    """Every source on the sheet once, with the years (or the peildatum) of the figures shown from it."""
    years: dict[str, set[int]] = {}
    counted: set[str] = set()
    order: list[str] = []
    for part in parts:
        rows = ([part.headline.row] if part.headline else []) + list(part.rows)
        for row in rows:
            if row.year is None or not row.source:
                continue
            if row.source not in years:
                order.append(row.source)
            years.setdefault(row.source, set()).add(row.year)
            for point in row.forecast:
                if point.source and point.source not in years:
                    order.append(point.source)
                years.setdefault(point.source or row.source, set()).add(point.year)
            if row.rate_label:
                counted.add(row.source)
        if part.facilities is not None and part.facilities.source:
            src = part.facilities.source
            if src not in years:
                order.append(src)
            years.setdefault(src, set())
            if part.facilities.year:
                years[src].add(part.facilities.year)
    out = []
    for src in order:
        ys = sorted(years[src])
        if src in counted and ys and all(y in peildata for y in ys):
            when = "; ".join(peildata[y] for y in ys)
        elif not ys:
            when = ""
        elif len(ys) == 1:
            when = str(ys[0])
        else:
            when = f"{ys[0]}–{ys[-1]}"
        out.append(SourceLine(src, when))
    return tuple(out)


def foto(artifact: Artifact, code: str) -> Foto:
    """The six parts of the foto veerkracht of area ``code`` (:data:`PARTS`)."""
    p = profile(artifact, code)
    rows = _rows_by_id(p)
    parts = tuple(_part(p, spec, rows) for spec in PARTS)
    missing = tuple(
        part.title for part in parts if part.headline is None and part.facilities is None and not part.charts
    )
    return Foto(
        profile=p,
        parts=parts,
        sources=_sources(parts, _peildata(artifact)),
        built=_built(artifact),
        demo=artifact.is_demo,
        missing=missing,
    )
