"""How the demo invents a value for an indicator it has never seen: rules keyed on unit, theme and better.

Every registry indicator gets a :class:`Rule`. A few well-known ids have a realistic city level
(e.g. about 10 % feels lonely, 48 % is overweight); everything else gets a plausible default from
its unit, and a city level derived from its id, so a new indicator in ``layers.yaml`` gets demo
values without touching this module.
"""

from __future__ import annotations

import re
import zlib
from dataclasses import dataclass, replace

from atlas.codes import LEVELS
from atlas.layers.registry import Indicator

Family = str
"""Where a value comes from (decides the demo file): ``bvb``, ``ggd``, ``cbs``, ``overig``."""

FAMILIES: tuple[Family, ...] = ("bvb", "ggd", "cbs", "overig")


@dataclass(frozen=True)
class Rule:
    """How one indicator is drawn per buurt and year.

    ``kind``: ``share`` (percent, on the logit scale), ``level`` (positive amount, on the log
    scale), ``index`` (a level scaled so that the city is 100), ``score`` (0–10 or signed,
    additive), ``count`` (``base`` is a rate per inhabitant), ``population``, ``density``
    (inhabitants per km²), ``age`` (share or count of the age band ``age_band``), ``households`` or
    ``household_size``. ``spread`` is the effect of one standard
    deviation of the driver (``ses``, ``green`` or ``urban``, the opposite of green); ``trend`` the
    change per year on the rule's scale; ``noise`` the buurt-to-buurt scatter on that scale.
    """

    kind: str
    base: float
    spread: float = 0.3
    trend: float = 0.0
    noise: float = 0.15
    driver: str = "ses"
    low: float | None = None
    high: float | None = None
    age_band: tuple[int, int | None] | None = None
    sign: float | None = None
    """Overrides the direction read from ``better`` (e.g. support use is 'neutral' but poverty drives it)."""


_SHARE = Rule("share", 50.0, spread=0.3, trend=0.02)

_KNOWN: dict[str, Rule] = {
    # Koers monitor (DESIGN.md §5)
    "gerespecteerd_buurt": replace(_SHARE, base=78.0),
    "leven_zinvol": replace(_SHARE, base=83.0, spread=0.2),
    "vrijwilligerswerk": replace(_SHARE, base=44.0, spread=0.25, trend=-0.01),
    "voorzieningen_score": Rule("score", 7.1, spread=0.25, trend=0.02, noise=0.2, low=1.0, high=10.0),
    "inkomen_uit_werk": replace(_SHARE, base=71.0, spread=0.35, trend=0.03),
    "huisvesting_passend": replace(_SHARE, base=84.0, spread=0.25),
    "laag_inkomen_120": replace(_SHARE, base=8.5, spread=0.5, trend=-0.02),
    "problematische_schulden": replace(_SHARE, base=5.0, spread=0.5, trend=-0.03),
    "vroege_ontwikkeling": replace(_SHARE, base=88.0, spread=0.3),
    "startkwalificatie_18_34": replace(_SHARE, base=86.0, spread=0.35, trend=0.02),
    "laaggeletterdheid": replace(_SHARE, base=11.0, spread=0.4, trend=-0.01),
    "ses_woa": Rule("score", 0.05, spread=0.3, trend=0.005, noise=0.08, low=-1.5, high=1.5),
    "ervaren_gezondheid": replace(_SHARE, base=79.0, spread=0.3, trend=-0.01),
    "overgewicht": replace(_SHARE, base=48.0, spread=0.25, trend=0.015),
    "beweegrichtlijn": replace(_SHARE, base=51.0, spread=0.25, trend=0.01),
    "regie_eigen_leven": replace(_SHARE, base=86.0, spread=0.25),
    "groen_2_22_200": replace(_SHARE, base=24.0, spread=0.9, trend=0.03, driver="green"),
    "betrokken_openbare_ruimte": replace(_SHARE, base=29.0, spread=0.2, trend=0.03),
    "verbonden_buurt": replace(_SHARE, base=58.0, spread=0.25),
    "veilig_buurt": replace(_SHARE, base=82.0, spread=0.35, trend=0.01),
    "terugvallen_netwerk": replace(_SHARE, base=84.0, spread=0.25),
    "info_zorg_begrijpelijk": replace(_SHARE, base=74.0, spread=0.15, trend=0.03),
    "gemeente_deskundig": replace(_SHARE, base=61.0, spread=0.15, trend=0.02),
    "gemeente_er_voor_mij": replace(_SHARE, base=54.0, spread=0.2, trend=0.02),
    # foto veerkracht and context
    "eenzaamheid": replace(_SHARE, base=10.0, spread=0.35, trend=0.02),
    "mantelzorg": replace(_SHARE, base=38.0, spread=0.1, trend=-0.01),
    "persoonlijke_relaties": Rule("score", 6.6, spread=0.3, trend=0.0, noise=0.25, low=0, high=10),
    "vertrouwen_buurt": Rule("score", 6.2, spread=0.45, trend=0.01, noise=0.3, low=0, high=10),
    "maatschappelijke_betrokkenheid": Rule("score", 3.0, spread=0.3, noise=0.3, low=0, high=10),
    "inzet_buurt": Rule("score", 3.8, spread=0.3, trend=0.01, noise=0.35, low=0, high=10),
    "nettoarbeidsparticipatie": replace(_SHARE, base=69.0, spread=0.3, trend=0.02),
    "eenpersoonshuishoudens": replace(_SHARE, base=38.0, spread=0.3, trend=0.01),
    "jeugdzorg_percentage": replace(_SHARE, base=11.0, spread=0.35, trend=0.02),
    "koopkracht_index": Rule("index", 100.0, spread=0.13, noise=0.05),
    "gestandaardiseerd_inkomen": Rule("level", 33_500.0, spread=0.16, trend=0.03, noise=0.05),
    "gemiddeld_inkomen_inwoner": Rule("level", 30_500.0, spread=0.16, trend=0.03, noise=0.05),
    "woz_waarde": Rule("level", 265_000.0, spread=0.22, trend=0.075, noise=0.08, sign=1.0),
    "bijstand_per_1000": Rule("level", 26.0, spread=0.6, trend=-0.02, noise=0.2),
    "wmo_per_1000": Rule("level", 66.0, spread=0.3, trend=0.02, noise=0.15),
    "misdrijven_per_1000": Rule("level", 48.0, spread=0.35, trend=-0.02, noise=0.3),
    "diefstal_per_1000": Rule("level", 17.0, spread=0.35, trend=-0.03, noise=0.3),
    "vernielingen_per_1000": Rule("level", 5.5, spread=0.35, trend=-0.01, noise=0.3),
    "geweldsmisdrijven_per_1000": Rule("level", 5.0, spread=0.4, trend=0.0, noise=0.3),
    "afstand_huisarts": Rule("level", 0.9, spread=0.45, noise=0.2, driver="urban"),
    "afstand_supermarkt": Rule("level", 0.7, spread=0.45, noise=0.2, driver="urban"),
    "afstand_kinderdagverblijf": Rule("level", 0.6, spread=0.45, noise=0.2, driver="urban"),
    "afstand_school": Rule("level", 0.6, spread=0.45, noise=0.2, driver="urban"),
    "huishoudens": Rule("households", 0.0),
    "gemiddelde_huishoudgrootte": Rule("household_size", 0.0),
    "kroonbedekking": replace(_SHARE, base=17.0, spread=0.7, trend=0.01, driver="green"),
    "groen_2bomen": replace(_SHARE, base=66.0, spread=0.8, trend=0.02, driver="green"),
    "groen_22kroon": replace(_SHARE, base=33.0, spread=1.0, trend=0.02, driver="green"),
    "groen_200park": replace(_SHARE, base=82.0, spread=0.6, trend=0.01, driver="green"),
    "gebruik_wmo": Rule("count", 0.065, spread=0.3, trend=0.02, sign=-1.0),
    "gebruik_jeugdhulp": Rule("count", 0.035, spread=0.3, trend=0.03, sign=-1.0),
    "gebruik_bijstand": Rule("count", 0.030, spread=0.6, trend=-0.02, sign=-1.0),
    "inwoners": Rule("population", 0.0),
}

_BY_UNIT: dict[str, Rule] = {
    "percent": _SHARE,
    "count": Rule("count", 0.04, spread=0.3, trend=0.01),
    "score": Rule("score", 6.9, spread=0.3, trend=0.02, noise=0.25, low=0.0, high=10.0),
    "euro": Rule("level", 31_000.0, spread=0.15, trend=0.03, noise=0.06),
    "index": Rule("index", 100.0, spread=0.10, noise=0.04),
    "per_1000": Rule("level", 45.0, spread=0.3, trend=-0.02, noise=0.2),
    "per_km2": Rule("density", 0.0),
    "years": Rule("level", 41.0, spread=0.05, trend=0.004, noise=0.05),
    "km": Rule("level", 1.0, spread=0.45, noise=0.2, driver="urban"),
    "per_household": Rule("household_size", 0.0),
}
_UNKNOWN_UNIT = Rule("level", 1.0, spread=0.2, noise=0.15)
"""A unit this module does not know yet: a positive amount around 1."""

_STAPELING = re.compile(r"^stapeling_(personen|huishoudens)_(\d)$")
_STAPELING_RATES = {"personen": (0.10, 0.015, 0.003), "huishoudens": (0.055, 0.012, 0.003)}
"""Per inhabitant: persons (households) with support under exactly 1, 2 or 3 laws."""
_AGE = re.compile(r"(\d{1,2})_(?:tot_)?(\d{1,2}|plus|eo|en_ouder|ouder)(?:_jaar)?$")
_AGE_PREFIXES = ("leeftijd", "inwoners_", "personen_", "aandeel_", "bevolking_")


def _id_fraction(ident: str) -> float:
    """A stable number in [0, 1) from the id, for plausible but different defaults."""
    return (zlib.crc32(ident.encode("utf-8")) % 10_000) / 10_000


def _age_band(ident: str) -> tuple[int, int | None] | None:
    if not ident.startswith(_AGE_PREFIXES):
        return None
    match = _AGE.search(ident)
    if match is None:
        return None
    low, high = match.groups()
    return int(low), (int(high) + 1 if high.isdigit() else None)


def _special(ind: Indicator) -> Rule | None:
    stapeling = _STAPELING.match(ind.id)
    if stapeling:
        who, laws = stapeling.groups()
        rate = _STAPELING_RATES[who][min(int(laws), 3) - 1]
        return Rule("count", rate, spread=0.5, trend=0.02, sign=-1.0)
    band = _age_band(ind.id)
    if band is not None:
        return Rule("age", 0.0, age_band=band)
    lowered = ind.id.lower()
    if ind.unit == "euro" and "woz" in lowered:
        return Rule("level", 265_000.0, spread=0.22, trend=0.075, noise=0.08, sign=1.0)
    if ind.unit == "euro" and "inkomen" in lowered:
        return Rule("level", 33_500.0, spread=0.16, trend=0.03, noise=0.05, sign=1.0)
    return None


_COUNT_KINDS = ("count", "population", "age", "households")


def rule_for(ind: Indicator) -> Rule:
    """The rule for one indicator: a known id, a recognised pattern, or the default for its unit."""
    rule = _KNOWN.get(ind.id) or _special(ind)
    return _fit(rule, ind) if rule is not None else _by_unit(ind)


def _fit(rule: Rule, ind: Indicator) -> Rule:
    """Adapt a rule to the registry unit (a rate becomes a percentage, count or per 1000)."""
    rate_like = rule.kind == "count"
    if ind.unit == "percent":
        if rate_like:
            return replace(rule, kind="share", base=rule.base * 100)
        return rule if rule.kind in ("share", "age") else _by_unit(ind)
    if ind.unit == "count":
        if rule.kind == "share":
            return replace(rule, kind="count", base=rule.base / 100)
        return rule if rule.kind in _COUNT_KINDS else _by_unit(ind)
    if ind.unit == "per_1000" and rate_like:
        return replace(rule, kind="level", base=rule.base * 1000)
    return rule if rule.kind == _by_unit(ind).kind else _by_unit(ind)


def _by_unit(ind: Indicator) -> Rule:
    rule = _BY_UNIT.get(ind.unit, _UNKNOWN_UNIT)
    fraction = _id_fraction(ind.id)
    if rule.kind == "share":
        return replace(rule, base=15.0 + 65.0 * fraction, driver=_driver(ind))
    if rule.kind in ("level", "count"):
        driver = rule.driver if rule.driver != "ses" else _driver(ind)
        return replace(rule, base=rule.base * (0.7 + 0.6 * fraction), driver=driver)
    return rule


def _driver(ind: Indicator) -> str:
    green = ind.theme == "groen" or ind.id.startswith(("groen", "kroon", "boom", "bomen", "park"))
    return "green" if green else "ses"


def direction(ind: Indicator, rule: Rule) -> float:
    """+1: a richer, healthier buurt scores higher; -1: lower; neutral leans a little (unless the rule says)."""
    if rule.sign is not None:
        return rule.sign
    if ind.better == "higher":
        return 1.0
    if ind.better == "lower":
        return -1.0
    return 0.3 if _id_fraction(ind.id) < 0.5 else -0.3


def family(ind: Indicator) -> Family:
    """Which demo file an indicator goes to, read from its registry ``source`` text."""
    source = ind.source.lower()
    if "buurt-voor-buurt" in source or "buurt voor buurt" in source or re.search(r"\bbvb\b", source):
        return "bvb"
    if "ggd" in source:
        return "ggd"
    if re.search(r"\bcbs\b", source) or "kerncijfers" in source:
        return "cbs"
    return "overig"


def emission_level(ind: Indicator) -> str:
    """The lowest level the source publishes: GGD per wijk, everything else per buurt."""
    floor = "wijk" if family(ind) == "ggd" else "buurt"
    listed = [level for level in LEVELS if level in ind.levels]
    above = [level for level in listed if LEVELS.index(level) >= LEVELS.index(floor)]
    return (above or listed)[0]


def is_survey(ind: Indicator) -> bool:
    """Values with respondent counts: survey suppression, or a survey source."""
    return ind.suppression == "survey" or family(ind) in ("bvb", "ggd")


def area_weighted(ind: Indicator, rule: Rule) -> bool:
    """Shares of land (canopy cover) and densities aggregate by area, not by inhabitants."""
    return rule.kind == "density" or ind.id == "kroonbedekking"
