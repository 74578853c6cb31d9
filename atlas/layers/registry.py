"""The layer registry: what each indicator and overlay is and how it is shown.

``layers.yaml`` is loaded once, at build and at web start-up, into frozen dataclasses. Every
problem is reported with the file, the entry and the field, so a planner editing the file by hand
knows where to look.
"""

from __future__ import annotations

import hashlib
import re
import sysconfig
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from atlas.checks import Entry, load_yaml
from atlas.codes import LEVELS
from atlas.errors import NotFound, RegistryError


@dataclass(frozen=True)
class Unit:
    """How values of a unit are named and written."""

    label: str
    """The unit in legends, table headers and downloads (``%``, ``aantal``, ``per 1.000 inwoners``)."""
    template: str = "{}"
    """How one formatted number carries the unit: ``{}%``, ``€ {}``, ``{} km``; ``{}`` alone: no unit."""

    def write(self, number: str) -> str:
        return self.template.format(number)


UNITS: Mapping[str, Unit] = {
    "percent": Unit("%", "{}%"),
    "count": Unit("aantal"),
    "score": Unit("score"),
    "euro": Unit("€", "€ {}"),
    "index": Unit("index"),
    "per_1000": Unit("per 1.000 inwoners"),
    "per_km2": Unit("per km²"),
    "years": Unit("jaar", "{} jaar"),
    "km": Unit("km", "{} km"),
    "per_household": Unit("per huishouden"),
}
"""Units an indicator may have: the label legends show and how a value is written with it."""

OTHER_UNIT = "other"
"""The unit of anything :data:`UNITS` does not list (m³, kWh, GJ): the indicator names it in ``unit_label``."""

BETTER: tuple[str, ...] = ("higher", "lower", "neutral")

AGGREGATES: Mapping[str, str] = {
    "sum": "som van de onderliggende gebieden",
    "population_weighted_mean": "gemiddelde gewogen naar inwoners",
    "respondent_weighted_mean": "gemiddelde gewogen naar respondenten",
    "none": "niet opgeteld; alleen waar de bron het gebied levert",
}
"""How a value at a higher level follows from the level below."""

SUPPRESSION: Mapping[str, str] = {
    "none": "niet onderdrukt",
    "count": "aantallen onder de drempel worden onderdrukt",
    "survey": "uitkomsten met te weinig respondenten worden onderdrukt",
}

SCHEMES: Mapping[str, str] = {
    "quantiles": "Quantiles",
    "equal_interval": "EqualInterval",
    "natural_breaks": "NaturalBreaks",
    "fisher_jenks": "FisherJenks",
    "jenks_caspall": "JenksCaspall",
    "max_breaks": "MaximumBreaks",
    "head_tail_breaks": "HeadTailBreaks",
    "std_mean": "StdMean",
}
"""Classification schemes, mapped to their mapclassify class names."""

PALETTES: tuple[str, ...] = (
    # ColorBrewer schemes marked colour-blind safe, and the viridis family.
    "YlGnBu",
    "YlGn",
    "GnBu",
    "BuGn",
    "BuPu",
    "PuBu",
    "PuBuGn",
    "YlOrRd",
    "YlOrBr",
    "OrRd",
    "Blues",
    "Greens",
    "Oranges",
    "Purples",
    "Greys",
    "RdYlBu",
    "RdBu",
    "PuOr",
    "BrBG",
    "PRGn",
    "viridis",
    "cividis",
)

OVERLAY_KINDS: tuple[str, ...] = ("indicator", "points", "polygons")
HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
"""A colour as the registry writes it: ``#1b7837``."""
TYPE_ID = re.compile(r"^[a-z][a-z0-9_]*$")
"""A point type's id: lower-case letters, digits and underscores (``huisarts``)."""
MAX_ZOOM = 20
"""The highest zoom level an overlay's ``min_zoom`` may name."""

INTERVALS: Mapping[str, str] = {
    "wilson": "enquêtepercentage: Wilson-interval uit het aantal respondenten",
    "mean": "enquêtegemiddelde (score): t-interval uit respondenten en standaardafwijking",
    "poisson": "registratie: exact Poisson-interval van het aantal personen of gebeurtenissen",
    "none": "geen interval: geen steekproef en geen telling van gebeurtenissen",
}
"""How the 95 % interval of a value is found, which decides whether it differs clearly from the gemeente's
(:mod:`atlas.artifact.compare`)."""

POISSON_UNITS: tuple[str, ...] = ("count", "percent", "per_1000")
"""Units an ``interval: poisson`` indicator may have: a count, or a rate per 100 or 1 000 of its ``denominator``."""

SHARE_UNITS: Mapping[str, float] = {"percent": 100.0, "per_1000": 1000.0}
"""Units a ``cbs_denominator`` may produce, with the factor: value = key / denominator × factor."""

CBS_STEM = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
"""What a cbsodata key stem looks like: ``AantalInwoners``, ``k_0Tot15Jaar``."""
_CBS_SUFFIX = re.compile(r"_\d+$")


@dataclass(frozen=True)
class Classification:
    scheme: str = "quantiles"
    k: int = 5

    @property
    def mapclassify_name(self) -> str:
        return SCHEMES[self.scheme]


@dataclass(frozen=True)
class Indicator:
    id: str
    title: str
    unit: str
    better: str
    source: str
    theme: str
    aggregate: str
    description: str = ""
    hoofddoel: int | None = None
    levels: tuple[str, ...] = LEVELS
    suppression: str = "none"
    classification: Classification = field(default_factory=Classification)
    palette: str = "YlGnBu"
    decimals: int = 1
    cbs_key: str | None = None
    """KWB key stem (the cbsodata key without its numeric suffix): ``AantalInwoners``."""
    cbs_denominator: str | None = None
    """KWB key stem that ``cbs_key`` is divided by when CBS publishes a count for a share."""
    cbs_group: str | None = None
    """For a stem several keys of a table share: (part of) the title of a TopicGroup above the key meant."""
    cbs_denominator_group: str | None = None
    """The same for ``cbs_denominator``."""
    unit_name: str | None = None
    """The free label of a unit ``other`` (``unit_label`` in the registry: m³, kWh, GJ); None for the fixed units."""
    interval: str = "none"
    """How the value's 95 % interval is found (:data:`INTERVALS`); default ``wilson`` for a survey percentage,
    ``mean`` for another survey value, else ``none``."""
    denominator: str | None = None
    """The count indicator (``inwoners``, ``huishoudens``) a ``poisson`` value is a rate of, or that a count is set
    against (as a rate per 1 000) when it is compared."""

    @property
    def rate_label(self) -> str:
        """``per 1.000 inwoners``: how a count's rate per 1 000 of its denominator is written (empty without one)."""
        return f"per 1.000 {self.denominator}" if self.unit == "count" and self.denominator else ""

    @property
    def unit_spec(self) -> Unit:
        """How this indicator's values are labelled and written: a fixed unit, or ``{} m³`` for a unit ``other``."""
        if self.unit == OTHER_UNIT:
            label = self.unit_name or ""
            return Unit(label, f"{{}} {label}" if label else "{}")
        return UNITS[self.unit]

    @property
    def unit_label(self) -> str:
        return self.unit_spec.label

    def with_unit(self, number: str) -> str:
        """A formatted number with this indicator's unit, as the pages write it (``12,5%``, ``€ 41.700``, ``3 GJ``)."""
        return self.unit_spec.write(number)


@dataclass(frozen=True)
class PointType:
    """One type of the points of an overlay (a kind of facility): drawn in its own colour, named in the legend."""

    id: str
    title: str
    color: str


@dataclass(frozen=True)
class Overlay:
    id: str
    title: str
    kind: str
    indicator: str | None = None
    layer: str | None = None
    description: str = ""
    color: str = "#1b7837"
    min_zoom: int | None = None
    """The map zoom level from which the overlay is drawn (below it the map says to zoom in); None: always."""
    types: tuple[PointType, ...] = ()
    """Points only: the types its points have (property ``type``), each in its own colour with a legend line."""

    def point_type(self, text: str) -> PointType | None:
        """The type a file names by its id or title (case and spacing do not matter), or None."""
        wanted = " ".join(str(text).split()).casefold()
        return next((t for t in self.types if wanted in (t.id.casefold(), " ".join(t.title.split()).casefold())), None)


@dataclass(frozen=True)
class Theme:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Goal:
    number: int
    title: str
    subgoals: tuple[str, ...] = ()
    factors: str = ""
    key_factors: tuple[str, ...] = ()
    """The short factor labels printed on the doelenkaart (e.g. "Arbeidsparticipatie")."""


@dataclass(frozen=True)
class RegistryFile:
    """One file a registry was read from: the built-in ``layers.yaml`` or an extra file named by a sources file."""

    path: Path
    sha256: str


@dataclass(frozen=True)
class Registry:
    path: Path
    """The first file: ``layers.yaml`` (or the file passed to ``--registry``)."""
    sha256: str
    """SHA-256 of :attr:`text`, the registry as an artifact stores it."""
    themes: Mapping[str, Theme]
    goals: Mapping[int, Goal]
    indicators: Mapping[str, Indicator]
    overlays: Mapping[str, Overlay]
    files: tuple[RegistryFile, ...] = ()
    """Every file read, in order: ``layers.yaml`` first, then the extra files."""
    text: bytes = b""
    """The registry as one YAML file: the bytes of ``layers.yaml`` itself, or the merge of it and the extra files."""
    data: Mapping[str, Any] = field(default_factory=dict, repr=False)
    """The parsed YAML of :attr:`text` (top-level key -> list), which an extra file is merged into."""
    origins: Mapping[str, str] = field(default_factory=dict, repr=False)
    """Where each id was defined (``indicator a`` -> ``layers.yaml, entry 'indicators[3] a'``), for clash messages."""

    def indicator(self, indicator_id: str) -> Indicator:
        try:
            return self.indicators[indicator_id]
        except KeyError:
            raise NotFound(f"onbekende indicator {indicator_id!r}") from None

    def __iter__(self) -> Iterator[Indicator]:
        return iter(self.indicators.values())

    def goal_indicators(self, number: int) -> list[Indicator]:
        """The indicators of one hoofddoel, in registry order."""
        return [ind for ind in self.indicators.values() if ind.hoofddoel == number]

    def theme_indicators(self, theme: str) -> list[Indicator]:
        return [ind for ind in self.indicators.values() if ind.theme == theme]

    @property
    def file_names(self) -> str:
        """The files in words, for messages: ``layers.yaml`` or ``layers.yaml + extra.yaml``."""
        return " + ".join(f.path.name for f in self.files) or self.path.name


def installed_data_dir() -> Path:
    """Where a wheel install puts ``layers.yaml`` and ``geodata/`` (``wijkatlas_data`` beside the package)."""
    return Path(sysconfig.get_paths()["purelib"]) / "wijkatlas_data"


def default_registry_path() -> Path:
    """``layers.yaml`` of the source tree, or the copy packaged into the wheel."""
    here = Path(__file__).resolve()
    for candidate in (here.parents[2] / "layers.yaml", installed_data_dir() / "layers.yaml"):
        if candidate.is_file():
            return candidate
    raise RegistryError("layers.yaml not found next to the package nor in its data", file="layers.yaml")


def _checker(path: Path, entry: str | None, data: Any, allowed: tuple[str, ...]) -> Entry:
    return Entry(path, entry, data, allowed, error=RegistryError)


def _load_yaml(path: Path) -> tuple[dict[str, Any], bytes]:
    data, raw = load_yaml(path, RegistryError)
    if not isinstance(data, dict):
        raise RegistryError("expected a mapping with 'indicators' at the top", file=path)
    return data, raw


def _entries(path: Path, data: dict[str, Any], key: str, *, required: bool) -> list[Any]:
    value = data.get(key)
    if value is None:
        if required:
            raise RegistryError("is required", file=path, field=key)
        return []
    if not isinstance(value, list):
        raise RegistryError("must be a list", file=path, field=key)
    return value


def _point_types(c: Entry, kind: str) -> tuple[PointType, ...]:
    """An overlay's ``types``: a list of {id, title, color}, only for points."""
    raw = c.data.get("types")
    if raw is None:
        return ()
    if kind != "points":
        raise c.fail("types", f"only a points overlay has types, not a {kind} overlay")
    if not isinstance(raw, list) or not raw:
        raise c.fail("types", "must be a list of {id, title, color}")
    out: list[PointType] = []
    for i, item in enumerate(raw):
        t = Entry(c.file, c.entry, item, ("id", "title", "color"), error=RegistryError, prefix=f"types[{i}].")
        ident, title, color = t.string("id", required=True), t.string("title", required=True), t.string("color")
        if not TYPE_ID.match(ident):
            raise t.fail("id", f"{ident!r} must be lower-case letters, digits and underscores (e.g. huisarts)")
        if not HEX_COLOR.match(color):
            raise t.fail("color", f"must be a colour such as #0072b2, got {color or None!r}")
        if any(ident == other.id or title.casefold() == other.title.casefold() for other in out):
            raise t.fail("id", f"type {ident!r} ({title}) is listed twice")
        out.append(PointType(ident, title, color))
    return tuple(out)


def _classification(c: Entry) -> Classification:
    raw = c.data.get("classification")
    if raw is None:
        return Classification()
    sub = c.sub("classification", ("scheme", "k"))
    assert sub is not None
    scheme = sub.choice("scheme", SCHEMES, "quantiles")
    k = sub.integer("k", 5, low=2, high=9)
    return Classification(scheme=scheme, k=k or 5)


def _entry_name(section: str, index: int, raw: Any) -> str:
    """``overlays[2] bomen``: the position, and the id when the entry has one."""
    ident = raw.get("id") if isinstance(raw, dict) else None
    return f"{section}[{index}] {ident}" if ident is not None else f"{section}[{index}]"


def _texts(c: Entry, name: str) -> tuple[str, ...]:
    raw = c.data.get(name, [])
    if not isinstance(raw, list) or not all(isinstance(s, str) and s.strip() for s in raw):
        raise c.fail(name, "must be a list of non-empty texts")
    return tuple(s.strip() for s in raw)


def _levels(c: Entry) -> tuple[str, ...]:
    raw = c.data.get("levels", list(LEVELS))
    if not isinstance(raw, list) or not raw:
        raise c.fail("levels", f"must be a non-empty list of {', '.join(LEVELS)}")
    for level in raw:
        if level not in LEVELS:
            raise c.fail("levels", f"{level!r} is not one of {', '.join(LEVELS)}")
    return tuple(level for level in LEVELS if level in raw)


_INDICATOR_FIELDS = (
    "id",
    "title",
    "description",
    "hoofddoel",
    "theme",
    "unit",
    "better",
    "source",
    "levels",
    "aggregate",
    "suppression",
    "classification",
    "palette",
    "decimals",
    "cbs_key",
    "cbs_denominator",
    "unit_label",
    "interval",
    "denominator",
)


def _interval(c: Entry, unit: str, suppression: str) -> tuple[str, str | None]:
    """``interval`` (default from the suppression and unit) and ``denominator``, checked against the unit."""
    default = ("wilson" if unit == "percent" else "mean") if suppression == "survey" else "none"
    interval = c.choice("interval", INTERVALS, default)
    denominator = c.text("denominator")
    if interval == "wilson" and unit != "percent":
        raise c.fail("interval", f"wilson is for survey percentages (unit percent), not unit {unit!r}")
    if interval == "poisson" and unit not in POISSON_UNITS:
        raise c.fail("interval", f"poisson is for counts and rates (unit {', '.join(POISSON_UNITS)}), not {unit!r}")
    if denominator is not None and interval != "poisson":
        raise c.fail("denominator", "only with interval: poisson (the population a count or rate is taken of)")
    if interval == "poisson" and unit == "count" and denominator is None:
        raise c.fail("denominator", "is required for a count with interval poisson: the count it is a rate of")
    return interval, denominator


def _cbs_ref(c: Entry, name: str) -> tuple[str | None, str | None]:
    """``cbs_key: Stem`` or ``cbs_key: {stem: Stem, group: TopicGroup title}``: the stem and the group (or None)."""
    raw = c.data.get(name)
    if raw is None:
        return None, None
    group = None
    if isinstance(raw, dict):
        sub = c.sub(name, ("stem", "group"))
        assert sub is not None
        stem, field = sub.text("stem", required=True), f"{name}.stem"
        group = sub.text("group")
    elif isinstance(raw, str) and raw.strip():
        stem, field = raw.strip(), name
    else:
        raise c.fail(name, f"must be a key stem such as AantalInwoners or {{stem: ..., group: ...}}, got {raw!r}")
    assert stem is not None
    if not CBS_STEM.match(stem):
        raise c.fail(field, f"{stem!r} is not a cbsodata key (letters, digits and underscores)")
    if _CBS_SUFFIX.search(stem):
        raise c.fail(
            field,
            f"{stem!r} carries the numeric suffix of one year's table; write the stem "
            f"{_CBS_SUFFIX.sub('', stem)!r}, which matches every year",
        )
    return stem, group


def _indicator(path: Path, index: int, raw: Any, themes: Mapping[str, Theme]) -> Indicator:
    entry = raw.get("id", f"#{index + 1}") if isinstance(raw, dict) else f"#{index + 1}"
    c = _checker(path, f"indicators[{index}] {entry}", raw, _INDICATOR_FIELDS)
    ident = c.string("id", required=True)
    if not ident.isidentifier() or ident != ident.lower():
        raise c.fail("id", f"{ident!r} must be lower case letters, digits and underscores")
    theme = c.choice("theme", themes) if themes else c.string("theme", required=True)
    unit = c.choice("unit", (*UNITS, OTHER_UNIT))
    unit_name = c.text("unit_label")
    if unit == OTHER_UNIT and unit_name is None:
        raise c.fail("unit_label", "is required with unit 'other': the unit as legends write it, e.g. m³, kWh, GJ")
    if unit != OTHER_UNIT and unit_name is not None:
        raise c.fail(
            "unit_label",
            f"only with unit 'other'; unit {unit!r} is written {UNITS[unit].label!r} (use unit: other for another)",
        )
    cbs_key, cbs_group = _cbs_ref(c, "cbs_key")
    cbs_denominator, cbs_denominator_group = _cbs_ref(c, "cbs_denominator")
    if cbs_denominator is not None:
        if cbs_key is None:
            raise c.fail("cbs_denominator", "needs 'cbs_key' (the count to divide)")
        if unit not in SHARE_UNITS:
            raise c.fail("cbs_denominator", f"only for unit {' or '.join(SHARE_UNITS)}, not {unit!r}")
    suppression = c.choice("suppression", SUPPRESSION, "none")
    interval, denominator = _interval(c, unit, suppression)
    return Indicator(
        id=ident,
        title=c.string("title", required=True),
        description=c.string("description"),
        hoofddoel=c.integer("hoofddoel", None, low=1, high=6),
        theme=theme,
        unit=unit,
        better=c.choice("better", BETTER, "neutral"),
        source=c.string("source", required=True),
        levels=_levels(c),
        aggregate=c.choice("aggregate", AGGREGATES),
        suppression=suppression,
        classification=_classification(c),
        palette=c.choice("palette", PALETTES, "YlGnBu"),
        decimals=c.integer("decimals", 1, low=0, high=4) or 0,
        cbs_key=cbs_key,
        cbs_denominator=cbs_denominator,
        cbs_group=cbs_group,
        cbs_denominator_group=cbs_denominator_group,
        unit_name=unit_name,
        interval=interval,
        denominator=denominator,
    )


TOP_LEVEL: tuple[str, ...] = ("themes", "hoofddoelen", "indicators", "overlays")
"""The top-level keys of a registry file (an extra file may have the same; only ``layers.yaml`` needs indicators)."""


class _Loader:
    """Reads registry files one after the other into one registry; an id defined twice is an error naming both."""

    def __init__(self) -> None:
        self.themes: dict[str, Theme] = {}
        self.goals: dict[int, Goal] = {}
        self.indicators: dict[str, Indicator] = {}
        self.overlays: dict[str, Overlay] = {}
        self.origins: dict[str, str] = {}
        self.data: dict[str, list[Any]] = {}
        self.files: list[RegistryFile] = []

    def _claim(self, kind: str, ident: object, path: Path, entry: str, field_name: str, plural: str) -> None:
        key = f"{kind} {ident}"
        if key in self.origins:
            first = self.origins[key]
            message = f"duplicate {kind} {field_name} {ident!r}"
            if not first.startswith(f"{path},"):
                message += (
                    f": already defined in {first}; give it another {field_name} (an extra registry file adds "
                    f"{plural}, it cannot replace those of another file)"
                )
            raise RegistryError(message, file=path, entry=entry, field=field_name)
        self.origins[key] = f"{path}, entry {entry!r}"

    def _check_denominator(self, path: Path, entry: str, ind: Indicator) -> None:
        """A ``denominator`` names a count indicator of this registry (of this file or one read before)."""
        found = self.indicators.get(ind.denominator or "")
        if found is None or found.unit != "count" or found.denominator is not None:
            raise RegistryError(
                f"{ind.denominator!r} is not a count indicator of this registry (such as inwoners or huishoudens)",
                file=path,
                entry=entry,
                field="denominator",
            )

    def read(self, path: Path, data: dict[str, Any], *, extra: bool) -> None:
        for key in data:
            if key not in TOP_LEVEL:
                raise RegistryError(
                    f"unknown top-level key; expected {', '.join(TOP_LEVEL)}",
                    file=path,
                    field=str(key),
                )
        if extra and not any(data.get(key) for key in TOP_LEVEL):
            raise RegistryError(f"an extra registry file must add something: {', '.join(TOP_LEVEL)}", file=path)

        for i, raw in enumerate(_entries(path, data, "themes", required=False)):
            entry = _entry_name("themes", i, raw)
            c = _checker(path, entry, raw, ("id", "title", "description"))
            theme = Theme(c.string("id", required=True), c.string("title", required=True), c.string("description"))
            self._claim("theme", theme.id, path, entry, "id", "themes")
            self.themes[theme.id] = theme

        for i, raw in enumerate(_entries(path, data, "hoofddoelen", required=False)):
            entry = f"hoofddoelen[{i}]"
            c = _checker(path, entry, raw, ("number", "title", "subgoals", "factors", "key_factors"))
            number = c.integer("number", None, low=1, high=6)
            if number is None:
                raise c.fail("number", "is required")
            self._claim("hoofddoel", number, path, entry, "number", "hoofddoelen")
            self.goals[number] = Goal(
                number,
                c.string("title", required=True),
                _texts(c, "subgoals"),
                c.string("factors"),
                _texts(c, "key_factors"),
            )

        for i, raw in enumerate(_entries(path, data, "indicators", required=not extra)):
            ind = _indicator(path, i, raw, self.themes)
            entry = f"indicators[{i}] {ind.id}"
            self._claim("indicator", ind.id, path, entry, "id", "indicators")
            if ind.hoofddoel is not None and self.goals and ind.hoofddoel not in self.goals:
                raise RegistryError(
                    f"hoofddoel {ind.hoofddoel} is not listed under 'hoofddoelen'",
                    file=path,
                    entry=entry,
                    field="hoofddoel",
                )
            self.indicators[ind.id] = ind
        for i, raw in enumerate(_entries(path, data, "indicators", required=False)):
            ind = self.indicators[raw["id"]]
            if ind.denominator is not None:
                self._check_denominator(path, f"indicators[{i}] {ind.id}", ind)

        for i, raw in enumerate(_entries(path, data, "overlays", required=False)):
            entry = _entry_name("overlays", i, raw)
            c = _checker(
                path,
                entry,
                raw,
                ("id", "title", "kind", "indicator", "layer", "description", "color", "min_zoom", "types"),
            )
            kind = c.choice("kind", OVERLAY_KINDS)
            overlay = Overlay(
                id=c.string("id", required=True),
                title=c.string("title", required=True),
                kind=kind,
                indicator=c.string("indicator") or None,
                layer=c.string("layer") or None,
                description=c.string("description"),
                color=c.string("color", "#1b7837"),
                min_zoom=c.integer("min_zoom", None, low=0, high=MAX_ZOOM),
                types=_point_types(c, kind),
            )
            if kind == "indicator" and overlay.indicator not in self.indicators:
                raise c.fail("indicator", f"{overlay.indicator!r} is not an indicator of this registry")
            if kind != "indicator" and not overlay.layer:
                raise c.fail("layer", f"is required for a {kind} overlay")
            self._claim("overlay", overlay.id, path, entry, "id", "overlays")
            self.overlays[overlay.id] = overlay

        for key in TOP_LEVEL:
            if data.get(key):
                self.data.setdefault(key, []).extend(data[key])

    def registry(self, text: bytes) -> Registry:
        return Registry(
            path=self.files[0].path,
            sha256=hashlib.sha256(text).hexdigest(),
            themes=dict(self.themes),
            goals=dict(self.goals),
            indicators=dict(self.indicators),
            overlays=dict(self.overlays),
            files=tuple(self.files),
            text=text,
            data=dict(self.data),
            origins=dict(self.origins),
        )


def _merged_text(data: Mapping[str, Any], files: Sequence[RegistryFile]) -> bytes:
    """One YAML file holding the merged registry, with a header that names the files it came from."""
    header = (
        "# Wijkatlas layer registry, merged by the build from: "
        + ", ".join(f"{f.path.name} (sha256 {f.sha256[:12]})" for f in files)
        + "\n# The indicators of each extra file follow those of layers.yaml; see layers.yaml for the fields.\n"
    )
    body = yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True, width=110)
    return (header + body).encode("utf-8")


def load_registry(path: str | Path | None = None, extra: Sequence[str | Path] = ()) -> Registry:
    """Load and validate ``layers.yaml`` (or ``path``) and the ``extra`` registry files that add to it.

    An extra file has the same form as ``layers.yaml`` (themes, indicators, overlays, hoofddoelen) and adds its
    entries; an id that is already defined is an error naming both files. Raises :class:`RegistryError` naming the
    file, the entry and the field.
    """
    path = Path(path) if path is not None else default_registry_path()
    loader = _Loader()
    data, raw = _load_yaml(path)
    loader.files.append(RegistryFile(path, hashlib.sha256(raw).hexdigest()))
    loader.read(path, data, extra=False)
    if not extra:
        return loader.registry(raw)
    return _extend(loader, extra)


def _extend(loader: _Loader, extra: Sequence[str | Path]) -> Registry:
    for item in extra:
        extra_path = Path(item)
        data, raw = _load_yaml(extra_path)
        loader.files.append(RegistryFile(extra_path, hashlib.sha256(raw).hexdigest()))
        loader.read(extra_path, data, extra=True)
    return loader.registry(_merged_text(loader.data, loader.files))


def extend_registry(base: Registry, extra: Sequence[str | Path]) -> Registry:
    """``base`` with the entries of the ``extra`` registry files added (see :func:`load_registry`)."""
    if not extra:
        return base
    loader = _Loader()
    loader.themes.update(base.themes)
    loader.goals.update(base.goals)
    loader.indicators.update(base.indicators)
    loader.overlays.update(base.overlays)
    loader.origins.update(base.origins)
    loader.data.update({key: list(items) for key, items in base.data.items()})
    loader.files.extend(base.files or (RegistryFile(base.path, base.sha256),))
    return _extend(loader, extra)
