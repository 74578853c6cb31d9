"""Query parameters, parsed in one place: ``request.args`` becomes one frozen, typed, checked query per route.

The same rules on every route (README, "Parameters"):

- a parameter the route does not know is ignored: it reaches neither the view nor the cache key;
- a parameter the route knows, given twice, is a 400;
- an empty ``niveau=``, ``jaar=`` or ``tegen=`` is a 400 (the OpenAPI document forbids it); only the chooser form at
  ``/kaart``, whose "default" options send ``""``, and ``stadsdeel=`` ("hele gemeente") and ``q=`` read an empty
  value as absent;
- a malformed value is a 400: a level outside the artifact's levels, a year that is not four ASCII digits, a
  ``gemeente=`` that is no gemeente code (``GM`` and four digits);
- a well-formed value the artifact does not have is a 404: an unknown indicator (also as ``tegen``) or stadsdeel, or a
  year without figures (:func:`atlas.render.selection.select` says which combinations exist), a gemeente the build
  does not hold, a stadsdeel of another gemeente than ``gemeente=``; ``tegen`` naming the map's own indicator is a
  400.

``gemeente=`` chooses the gemeente of a map, a goal card or the list of goal cards of a build of several gemeenten
(:meth:`atlas.artifact.Artifact.part`); for a build of one gemeente its own code is accepted and dropped, so the
page and its cache key are the same as without it.

A view gets its query from :func:`parsed`; nothing else reads ``request.args``. A query is hashable and equal
queries render the same page, so :mod:`atlas.web.cache` keys on it.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self, TypeVar

from flask import g, request
from werkzeug.datastructures import MultiDict

from atlas.artifact import Artifact
from atlas.artifact.reader import ABOVE_CODE
from atlas.codes import ANY_CODE, CODE_PATTERNS, LEVELS, gemeente_of
from atlas.errors import BadRequest, NotFound
from atlas.render.exports import FORMATS
from atlas.render.selection import WEB_LEVELS
from atlas.web.current import artifact

Args = MultiDict[str, str]
YEAR = re.compile(r"[0-9]{4}")
"""A year as the API document's pattern ``^[0-9]{4}$`` has it: ASCII digits only (``²`` and ``٣`` are digits to
``str.isdigit`` but not years)."""
MAX_QUERY = 100
"""The longest search text."""
TILE_NUMBER = re.compile(r"0|[1-9][0-9]{0,8}")
"""A tile's zoom, column or row in a URL: ASCII digits without leading zeros (one spelling per tile)."""
MAX_TILE_ZOOM = 30
MIN_AREAS, MAX_AREAS = 2, 3
"""How many areas the comparison page sets side by side."""
ADDRESS_ID = re.compile(r"[1-9][0-9]{3}[A-Z]{2}-[0-9]{1,5}[A-Z]?(?:-[0-9A-Z]{1,4})?")
"""An address's id in the address book: postcode, number, letter and addition (atlas.artifact.addresses)."""


def _shown(text: str) -> str:
    """A value quoted in a message: at most 40 characters."""
    return repr(text[:40] + ("…" if len(text) > 40 else ""))


def one(args: Args, name: str, *, empty_is_absent: bool = False) -> str | None:
    """The value of parameter ``name``; None when absent. Twice is a 400; empty is a 400 unless ``empty_is_absent``."""
    values = args.getlist(name)
    if len(values) > 1:
        raise BadRequest(f"parameter {name!r} staat {len(values)} keer in de vraag; geef hem één keer")
    if not values:
        return None
    if values[0] == "":
        if empty_is_absent:
            return None
        raise BadRequest(f"parameter {name!r} is leeg; laat hem weg of geef een waarde")
    return values[0]


def level(text: str | None, allowed: tuple[str, ...] = LEVELS) -> str | None:
    """A level name, exactly as the artifact spells it; None when absent."""
    if text is None:
        return None
    if text not in allowed:
        raise BadRequest(f"onbekend niveau {_shown(text)}; kies uit {', '.join(allowed)}")
    return text


def year(text: str | None) -> int | None:
    """A year of four ASCII digits; None when absent. Whether it has figures is :func:`select`'s question."""
    if text is None:
        return None
    if not YEAR.fullmatch(text):
        raise BadRequest(f"jaar {_shown(text)} is geen jaartal van vier cijfers (0-9)")
    return int(text)


def indicator(art: Artifact, text: str | None) -> str:
    """The id of an indicator of the artifact's registry: absent is a 400, unknown a 404."""
    if text is None:
        raise BadRequest("parameter 'indicator' ontbreekt")
    if text not in art.registry.indicators:
        raise NotFound(f"onbekende indicator {_shown(text)}")
    return text


def other(art: Artifact, text: str | None, main: str) -> str | None:
    """The id of the second indicator of a bivariate map (``tegen``); None when absent. The map's own is a 400, an
    unknown one a 404."""
    if text is None:
        return None
    if text == main:
        raise BadRequest(f"'tegen' is de indicator van de kaart zelf ({_shown(text)}); kies een andere indicator")
    return indicator(art, text)


def map_levels(art: Artifact) -> tuple[str, ...]:
    """The levels a map can show: buurt, wijk and stadsdeel, and of a build of several gemeenten also the gemeente
    (a map that compares the gemeenten)."""
    return LEVELS if art.several else WEB_LEVELS


def stadsdeel(art: Artifact, text: str | None) -> str | None:
    """The code of a stadsdeel given by its code or its name (any case); None when absent, unknown a 404."""
    if text is None:
        return None
    wanted = text.strip().lower()
    layer = art.areas.level("stadsdeel")
    for code, naam in zip(layer.code, layer.naam, strict=True):
        if wanted and wanted in (str(code).lower(), str(naam).lower()):
            return str(code)
    names = ", ".join(sorted(str(n) for n in layer.naam))
    raise NotFound(f"onbekend stadsdeel {_shown(text.strip())}; kies uit {names}")


def gemeente(art: Artifact, text: str | None) -> str | None:
    """The code of a gemeente of the build (any case); None when absent, and for a build of one gemeente (its own
    code: the page is the same). Not a gemeente code is a 400, a gemeente the build does not hold a 404."""
    if text is None:
        return None
    code = text.strip().upper()
    if not (code.isascii() and CODE_PATTERNS["gemeente"].fullmatch(code)):
        raise BadRequest(f"gemeente {_shown(text)} is geen gemeentecode zoals GM0193")
    known = [c for c, _ in art.gemeenten]
    if code not in known:
        names = ", ".join(f"{c} ({n})" for c, n in art.gemeenten[:10]) + (", …" if len(known) > 10 else "")
        raise NotFound(f"onbekende gemeente {_shown(code)}; kies uit {names}")
    return code if art.several else None


def regio(art: Artifact, text: str | None) -> str | None:
    """The code of a regio of the build (any case; ``regio=`` of the map of the gemeenten); None when absent. Not a
    regio code (two capital letters and 2 to 4 digits, such as RG0001) is a 400; a code that is no regio of the build
    (Nederland ``NL01`` included) a 404."""
    if text is None:
        return None
    code = text.strip().upper()
    if not (code.isascii() and ABOVE_CODE.fullmatch(code)):
        raise BadRequest(f"regio {_shown(text)} is geen regiocode zoals RG0001 of GG3406")
    found = art.above.get(code)
    if found is None or found.level != "regio":
        regios = [f"{a.code} ({a.naam})" for a in art.above.values() if a.level == "regio"]
        choice = f"; kies uit {', '.join(regios[:10])}" if regios else "; deze atlas heeft geen regio's"
        raise NotFound(f"onbekende regio {_shown(code)}{choice}")
    return code


def map_regio(art: Artifact, args: Args, niveau: str | None) -> tuple[str | None, str | None]:
    """``niveau=`` and ``regio=`` of a map: a regio chooses the map of its gemeenten (``niveau=gemeente`` when no level
    is given); a map of buurten, wijken or stadsdelen is of one gemeente, so there it is checked and dropped."""
    chosen = regio(art, one(args, "regio", empty_is_absent=True))
    if chosen is not None and niveau is None:
        return "gemeente", chosen
    return niveau, chosen if niveau == "gemeente" else None


def gemeente_and_stadsdeel(art: Artifact, args: Args) -> tuple[str | None, str | None]:
    """``gemeente=`` and ``stadsdeel=`` of a map: a stadsdeel named by its name is looked for in the gemeente; without
    ``gemeente=`` a stadsdeel of a build of several gemeenten chooses its gemeente."""
    chosen = gemeente(art, one(args, "gemeente", empty_is_absent=True))
    sd = stadsdeel(art.part(chosen) if chosen else art, one(args, "stadsdeel", empty_is_absent=True))
    if sd is not None and art.several and chosen is None:
        chosen = gemeente_of(sd)
    return chosen, sd


@dataclass(frozen=True)
class Query:
    """The parsed parameters of one route: hashable, and equal queries render the same response."""

    PATH: ClassVar[tuple[str, ...]] = ()
    """Fields that come from the URL's path, not its query string."""

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        """The query of a request with query string ``args`` and path parameters ``path``; raises 400/404."""
        return cls()

    def args(self) -> dict[str, str]:
        """The query string that asks for this query again (canonical: known parameters, normalised values)."""
        out = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name not in self.PATH and value is not None:
                out[f.name] = str(value)
        return out


@dataclass(frozen=True)
class AreasQuery(Query):
    """``/api/areas?niveau=``: one level's areas (buurt when absent)."""

    niveau: str = "buurt"

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        return cls(level(one(args, "niveau")) or "buurt")


def area_code(art: Artifact, text: str | None) -> str | None:
    """The code of an area of the artifact, exactly as the API document's pattern has it: a buurt, wijk, stadsdeel
    or gemeente, or an area above the gemeente the build holds (a regio such as RG0001, Nederland NL01); None when
    absent. Not an area code is a 400, a well-formed code the artifact does not have a 404."""
    if text is None:
        return None
    code = text
    if not code.isascii() or not (ANY_CODE.fullmatch(code) or ABOVE_CODE.fullmatch(code)):
        raise BadRequest(f"{_shown(text)} is geen gebiedscode zoals BU01930101, WK019301, GM0193 of RG0001")
    if art.areas.level_of(code) is None and code not in art.above:
        raise NotFound(f"onbekend gebied {_shown(code)}")
    return code


@dataclass(frozen=True)
class ValuesQuery(Query):
    """``/api/values?indicator=&niveau=&jaar=&code=``: one indicator's values; level and year default to the latest.
    With ``code``: that area's values of every year (or of ``jaar``), also of an area above the gemeente."""

    indicator: str
    niveau: str | None = None
    jaar: int | None = None
    code: str | None = None

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        return cls(
            indicator(art, one(args, "indicator")),
            level(one(args, "niveau")),
            year(one(args, "jaar")),
            area_code(art, one(args, "code")),
        )


@dataclass(frozen=True)
class DownloadQuery(Query):
    """``/download/<indicator>.<format>?niveau=&jaar=``."""

    PATH: ClassVar[tuple[str, ...]] = ("indicator", "format")
    indicator: str
    format: str
    niveau: str | None = None
    jaar: int | None = None

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        name, dot, fmt = path["filename"].rpartition(".")
        if not dot or fmt not in FORMATS:
            raise NotFound(
                f"onbekend downloadformaat; kies uit {', '.join(FORMATS)}, bijvoorbeeld /download/inwoners.csv"
            )
        return cls(indicator(art, name), fmt, level(one(args, "niveau")), year(one(args, "jaar")))


@dataclass(frozen=True)
class MapQuery(Query):
    """``/kaart/<indicator>?niveau=&jaar=&stadsdeel=&tegen=``: a map shows buurten, wijken or stadsdelen; with
    ``tegen`` (another indicator's id) a bivariate map of both."""

    PATH: ClassVar[tuple[str, ...]] = ("indicator",)
    indicator: str
    niveau: str | None = None
    jaar: int | None = None
    stadsdeel: str | None = None
    """The stadsdeel's code (the parameter may name it)."""
    tegen: str | None = None
    """The second indicator of a bivariate map."""
    gemeente: str | None = None
    """Of a build of several gemeenten: the gemeente whose buurten, wijken or stadsdelen the map shows (None: the
    first); a map ``niveau=gemeente`` shows them all."""
    regio: str | None = None
    """Of a map ``niveau=gemeente``: only the gemeenten of this regio (its code; :func:`map_regio`)."""

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        niveau = one(args, "niveau")
        if niveau == "gemeente" and not art.several:
            raise BadRequest("een kaart toont buurten, wijken of stadsdelen; kies niveau buurt, wijk of stadsdeel")
        main = indicator(art, path["indicator"])
        niveau, chosen_regio = map_regio(art, args, niveau)
        chosen, sd = gemeente_and_stadsdeel(art, args)
        return cls(
            main,
            level(niveau, map_levels(art)),
            year(one(args, "jaar")),
            sd,
            other(art, one(args, "tegen"), main),
            chosen,
            chosen_regio,
        )


@dataclass(frozen=True)
class ChooserQuery(Query):
    """``/kaart?indicator=&niveau=&jaar=&stadsdeel=``: the home page's form, whose defaults send empty values."""

    indicator: str
    niveau: str | None = None
    jaar: int | None = None
    stadsdeel: str | None = None
    gemeente: str | None = None
    regio: str | None = None

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        name = one(args, "indicator", empty_is_absent=True)
        if name is None:
            raise BadRequest("kies een indicator")
        niveau, chosen_regio = map_regio(art, args, one(args, "niveau", empty_is_absent=True))
        chosen, sd = gemeente_and_stadsdeel(art, args)
        return cls(
            indicator(art, name),
            level(niveau, map_levels(art)),
            year(one(args, "jaar", empty_is_absent=True)),
            sd,
            chosen,
            chosen_regio,
        )


@dataclass(frozen=True)
class SearchQuery(Query):
    """``/zoek?q=``: the search text, trimmed (empty: the search form alone)."""

    q: str = ""

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        text = (one(args, "q", empty_is_absent=True) or "").strip()
        if len(text) > MAX_QUERY:
            raise BadRequest(f"zoekterm is te lang (hoogstens {MAX_QUERY} tekens)")
        return cls(text)


@dataclass(frozen=True)
class AreaQuery(Query):
    """``/gebied/<code>?adres=``: one area's profile, with an address of the address book marked (its id, such as
    ``8011AB-12A-2``)."""

    PATH: ClassVar[tuple[str, ...]] = ("code",)
    code: str
    adres: str | None = None

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        adres = one(args, "adres")
        if adres is not None and not ADDRESS_ID.fullmatch(adres):
            raise BadRequest(f"adres {_shown(adres)} is geen adres-id zoals 8011AB-12A-2; zoek het adres via /zoek")
        return cls(path["code"], adres)


def areas(art: Artifact, codes: list[str]) -> tuple[str, ...]:
    """Two or three distinct area codes of the artifact (any level), upper case: too few or too many, a duplicate or
    a malformed code is a 400, a well-formed code the artifact does not have a 404."""
    if not MIN_AREAS <= len(codes) <= MAX_AREAS:
        raise BadRequest(f"geef {MIN_AREAS} of {MAX_AREAS} gebieden, gescheiden door komma's, zoals GM0193,WK019301")
    wanted = [c.strip().upper() for c in codes]
    for code in wanted:
        if not (code.isascii() and ANY_CODE.fullmatch(code)):
            raise BadRequest(f"{_shown(code)} is geen gebiedscode zoals BU01930101, WK019301, SD019301 of GM0193")
    if len(set(wanted)) != len(wanted):
        raise BadRequest("een gebied staat twee keer in de vraag; kies verschillende gebieden")
    for code in wanted:
        if art.areas.level_of(code) is None:
            raise NotFound(f"onbekend gebied {_shown(code)}")
    return tuple(wanted)


@dataclass(frozen=True)
class CompareQuery(Query):
    """``/vergelijk?gebieden=A,B[,C]``: two or three areas side by side (:func:`areas`)."""

    gebieden: tuple[str, ...]

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        text = one(args, "gebieden")
        if text is None:
            raise BadRequest("parameter 'gebieden' ontbreekt; geef 2 of 3 gebiedscodes, zoals gebieden=GM0193,WK019301")
        return cls(areas(art, text.split(",")))

    def args(self) -> dict[str, str]:
        return {"gebieden": ",".join(self.gebieden)}


@dataclass(frozen=True)
class CompareFormQuery(Query):
    """``/vergelijk/kies?gebied1=&gebied2=&gebied3=``: the comparison page's form, one choice per area (an empty one
    is no area)."""

    gebieden: tuple[str, ...]

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        chosen = [one(args, f"gebied{i}", empty_is_absent=True) for i in range(1, MAX_AREAS + 1)]
        return cls(areas(art, [c for c in chosen if c is not None]))


@dataclass(frozen=True)
class SheetQuery(Query):
    """``/gebied/<code>/foto``, ``/gebied/<code>/foto.pdf`` and ``/verhaal/<code>``: one area's foto veerkracht."""

    PATH: ClassVar[tuple[str, ...]] = ("code",)
    code: str

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        return cls(path["code"])


@dataclass(frozen=True)
class GoalsQuery(Query):
    """``/doelen?gemeente=``: the list of goal cards (of one gemeente of a build of several; None: the first)."""

    gemeente: str | None = None

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        return cls(gemeente(art, one(args, "gemeente", empty_is_absent=True)))


@dataclass(frozen=True)
class GoalQuery(Query):
    """``/doelen/<number>?gemeente=``: one hoofddoel's card (of one gemeente of a build of several)."""

    PATH: ClassVar[tuple[str, ...]] = ("number",)
    number: int
    gemeente: str | None = None

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        number = path["number"]
        if not (number.isascii() and number.isdigit() and len(number) <= 2):
            raise NotFound(f"doelenkaart {_shown(number)} bestaat niet")
        return cls(int(number), gemeente(art, one(args, "gemeente", empty_is_absent=True)))


def tiled_layer(art: Artifact, text: str) -> str:
    """The build layer of a point overlay of the registry (``trees``): the layers that can have tiles (not the typed
    facilities, which are loaded whole); else 404."""
    if not any(o.kind == "points" and not o.types and o.layer == text for o in art.registry.overlays.values()):
        raise NotFound(f"onbekende puntenlaag {_shown(text)}")
    return text


@dataclass(frozen=True)
class TileIndexQuery(Query):
    """``/api/overlays/<layer>/tiles.json``: which tiles of a point overlay exist."""

    PATH: ClassVar[tuple[str, ...]] = ("layer",)
    layer: str

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        return cls(tiled_layer(art, path["layer"]))


@dataclass(frozen=True)
class TileQuery(Query):
    """``/api/overlays/<layer>/<z>/<x>/<y>.geojson``: one tile of a point overlay. A number that is not written as
    digits without leading zeros is a 400; a tile outside the zoom level's grid is a 404, like one the build did not
    write."""

    PATH: ClassVar[tuple[str, ...]] = ("layer", "z", "x", "y")
    layer: str
    z: int
    x: int
    y: int

    @classmethod
    def parse(cls, args: Args, art: Artifact, path: Mapping[str, str]) -> Self:
        layer = tiled_layer(art, path["layer"])
        numbers = []
        for name in ("z", "x", "y"):
            text = path[name]
            if not TILE_NUMBER.fullmatch(text):
                raise BadRequest(f"{name} {_shown(text)} is geen tegelnummer (cijfers 0-9, zonder voorloopnullen)")
            numbers.append(int(text))
        z, x, y = numbers
        if z > MAX_TILE_ZOOM or x >= 2**z or y >= 2**z:
            raise NotFound(f"tegel {z}/{x}/{y} bestaat niet")
        return cls(layer, z, x, y)


Q = TypeVar("Q", bound=Query)
R = TypeVar("R")
QUERY = "atlas_query"
"""Where :func:`parsed` keeps the request's query on :data:`flask.g` (error pages link to other years with it)."""


def parsed(kind: type[Q]) -> Callable[[Callable[[Q], R]], Callable[..., R]]:
    """Call the view with the request's query of type ``kind`` instead of its path parameters."""

    def decorate(view: Callable[[Q], R]) -> Callable[..., R]:
        @functools.wraps(view)
        def wrapper(**path: Any) -> R:
            query = kind.parse(request.args, artifact(), {k: str(v) for k, v in path.items()})
            setattr(g, QUERY, query)
            return view(query)

        return wrapper

    return decorate


def current_query() -> Query | None:
    """The parsed query of the current request, when its view got that far."""
    query = getattr(g, QUERY, None)
    return query if isinstance(query, Query) else None
