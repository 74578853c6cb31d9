"""The layer registry: the shipped ``layers.yaml`` and the loader's error messages."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from atlas.errors import NotFound, RegistryError
from atlas.layers import registry as reg
from atlas.layers.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parents[1]
SHARED = Path(__file__).resolve().parents[2] / "shared"
REALDATA = SHARED / "realdata"
DATA_PROPERTIES = REALDATA / "cbs_85984NED_DataProperties.json"

KOERS_IDS = [
    "gerespecteerd_buurt",
    "leven_zinvol",
    "vrijwilligerswerk",
    "voorzieningen_score",
    "inkomen_uit_werk",
    "huisvesting_passend",
    "laag_inkomen_120",
    "problematische_schulden",
    "vroege_ontwikkeling",
    "startkwalificatie_18_34",
    "laaggeletterdheid",
    "ses_woa",
    "ervaren_gezondheid",
    "overgewicht",
    "beweegrichtlijn",
    "regie_eigen_leven",
    "groen_2_22_200",
    "betrokken_openbare_ruimte",
    "verbonden_buurt",
    "veilig_buurt",
    "terugvallen_netwerk",
    "info_zorg_begrijpelijk",
    "gemeente_deskundig",
    "gemeente_er_voor_mij",
]

# DESIGN.md §11 (public contract) plus the foto veerkracht, CBS context, support and safety layers.
REQUIRED_IDS = [
    "inwoners",
    "eenzaamheid",
    "mantelzorg",
    "kroonbedekking",
    "groen_2bomen",
    "groen_22kroon",
    "groen_200park",
    "gebruik_wmo",
    "gebruik_jeugdhulp",
    "gebruik_bijstand",
    "stapeling_personen_1",
    "stapeling_personen_2",
    "stapeling_personen_3",
    "stapeling_huishoudens_1",
    "stapeling_huishoudens_2",
    "stapeling_huishoudens_3",
    "leeftijd_0_14",
    "leeftijd_15_24",
    "leeftijd_25_44",
    "leeftijd_45_64",
    "leeftijd_65_plus",
    "huishoudens",
    "gemiddelde_huishoudgrootte",
    "koopkracht_index",
    "gemiddeld_inkomen_inwoner",
    "woz_waarde",
    "bijstand_per_1000",
    "jeugdzorg_percentage",
    "wmo_per_1000",
    "misdrijven_per_1000",
    "persoonlijke_relaties",
    "maatschappelijke_betrokkenheid",
    "vertrouwen_buurt",
    "inzet_buurt",
]

GOAL_TITLES = {
    1: "Inwoners van Zwolle vormen een krachtige samenleving",
    2: "Inwoners van Zwolle ervaren bestaanszekerheid",
    3: "Inwoners van Zwolle hebben goede en gelijke kansen om zich te ontwikkelen",
    4: "Inwoners van Zwolle zijn en voelen zich gezond",
    5: ("Inwoners van Zwolle wonen in een veilige omgeving die hun welzijn en saamhorigheid bevordert"),
    6: "Inwoners van Zwolle ontvangen ondersteuning vanuit en in aansluiting op de leefwereld",
}

# Palette families: dark always means "more"; the hue tells whether more is worse or better.
PALETTES_FOR = {
    "lower": {"YlOrRd", "OrRd", "YlOrBr", "Oranges"},
    "higher": {"YlGnBu", "GnBu", "Greens", "YlGn", "BuGn", "Blues", "PuBu", "PuBuGn"},
    "neutral": {"Purples", "BuPu", "Greys", "PuOr", "viridis", "cividis"},
}

# CBS DataProperties units, and the registry units they may be stored in ("x 1 000 euro" is
# multiplied by 1 000 on import; an "aantal" can be a mean, such as the household size).
CBS_UNITS = {
    "aantal": {"count", "per_household"},
    "%": {"percent"},
    "x 1 000 euro": {"euro"},
    "km": {"km"},
    "per 1 000 inwoners": {"per_1000"},
    "aantal inwoners per km²": {"per_km2"},
}


@pytest.fixture(scope="module")
def shipped() -> Registry:
    return load_registry(ROOT / "layers.yaml")


# --- the shipped layers.yaml -------------------------------------------------------------------


def test_shipped_registry_loads_from_the_default_path(shipped: Registry) -> None:
    default = load_registry()
    assert default.path.resolve() == (ROOT / "layers.yaml").resolve()
    assert default.sha256 == shipped.sha256
    assert len(shipped.indicators) >= len(KOERS_IDS) + len(REQUIRED_IDS)


def test_koers_indicators_come_first_in_monitor_order(shipped: Registry) -> None:
    ids = list(shipped.indicators)
    assert ids[: len(KOERS_IDS)] == KOERS_IDS
    assert [shipped.indicator(i).hoofddoel for i in KOERS_IDS] == [n for n in range(1, 7) for _ in range(4)]
    # No other indicator claims a hoofddoel: each doelenkaart has exactly its four.
    assert [ind.id for ind in shipped if ind.hoofddoel is not None] == KOERS_IDS
    for number in range(1, 7):
        assert [ind.id for ind in shipped.goal_indicators(number)] == KOERS_IDS[4 * (number - 1) : 4 * number]


@pytest.mark.parametrize("ident", REQUIRED_IDS)
def test_required_indicator_present(shipped: Registry, ident: str) -> None:
    ind = shipped.indicator(ident)
    assert ind.title and ind.source
    assert ind.hoofddoel is None


def test_every_theme_referenced_exists_and_is_used(shipped: Registry) -> None:
    used = {ind.theme for ind in shipped}
    assert used <= set(shipped.themes)
    assert set(shipped.themes) - used == set(), "a theme without indicators"
    for theme in shipped.themes.values():
        assert theme.title and theme.description


def test_goals_are_the_six_of_the_monitor(shipped: Registry) -> None:
    assert {n: g.title for n, g in shipped.goals.items()} == GOAL_TITLES
    assert [len(shipped.goals[n].subgoals) for n in range(1, 7)] == [4, 4, 3, 3, 3, 4]
    assert all(goal.factors for goal in shipped.goals.values())


def test_survey_and_registration_rules(shipped: Registry) -> None:
    for ind in shipped:
        if ind.aggregate == "respondent_weighted_mean":
            assert ind.suppression == "survey", ind.id
        if ind.suppression == "survey":
            assert ind.aggregate == "respondent_weighted_mean", ind.id
    for ident in [i for i in REQUIRED_IDS if i.startswith(("gebruik_", "stapeling_"))]:
        ind = shipped.indicator(ident)
        assert (ind.unit, ind.aggregate, ind.suppression) == ("count", "sum", "count"), ident
    canopy = shipped.indicator("kroonbedekking")
    assert (canopy.unit, canopy.aggregate) == ("percent", "none")
    for ident in ("groen_2_22_200", "groen_2bomen", "groen_22kroon", "groen_200park"):
        assert shipped.indicator(ident).aggregate == "population_weighted_mean"


@pytest.mark.parametrize("better", sorted(PALETTES_FOR))
def test_palette_hue_follows_direction(shipped: Registry, better: str) -> None:
    wrong = {ind.id: ind.palette for ind in shipped if ind.better == better and ind.palette not in PALETTES_FOR[better]}
    assert wrong == {}


def test_counts_show_no_decimals(shipped: Registry) -> None:
    for ind in shipped:
        if ind.unit == "count" and ind.aggregate == "sum":
            assert ind.decimals == 0, ind.id


def test_overlays(shipped: Registry) -> None:
    kinds = {o.id: (o.kind, o.indicator or o.layer) for o in shipped.overlays.values()}
    assert kinds["kroonbedekking"] == ("indicator", "kroonbedekking")
    assert kinds["groen_2_22_200"] == ("indicator", "groen_2_22_200")
    assert kinds["veiligheid"] == ("indicator", "veilig_buurt")
    assert kinds["bomen"] == ("points", "trees")
    assert kinds["parken"] == ("polygons", "parks")
    for overlay in shipped.overlays.values():
        assert re.fullmatch(r"#[0-9a-fA-F]{6}", overlay.color), overlay.id


def test_header_documents_every_field_and_value() -> None:
    header = "\n".join(
        line for line in (ROOT / "layers.yaml").read_text(encoding="utf-8").splitlines() if line.startswith("#")
    )
    vocabularies: dict[str, Any] = {
        "field": reg._INDICATOR_FIELDS,
        "unit": reg.UNITS,
        "better": reg.BETTER,
        "aggregate": reg.AGGREGATES,
        "suppression": reg.SUPPRESSION,
        "scheme": reg.SCHEMES,
        "palette": reg.PALETTES,
        "level": reg.LEVELS,
        "overlay kind": reg.OVERLAY_KINDS,
    }
    missing = [
        f"{kind} {name}"
        for kind, names in vocabularies.items()
        for name in names
        if not re.search(rf"\b{re.escape(name)}\b", header)
    ]
    assert missing == []


def test_unknown_indicator_is_not_found(shipped: Registry) -> None:
    with pytest.raises(NotFound, match="nope"):
        shipped.indicator("nope")


# --- against the real CBS metadata and the seed documents --------------------------------------


def _kwb_properties() -> dict[str, dict[str, Any]]:
    if not DATA_PROPERTIES.is_file():
        pytest.skip(f"real CBS metadata not present: {DATA_PROPERTIES} (see shared/realdata/SOURCES.md)")
    props = json.loads(DATA_PROPERTIES.read_text(encoding="utf-8"))
    return {re.sub(r"_\d+$", "", p["Key"]): p for p in props if p.get("Type") == "Topic"}


@pytest.mark.realdata
def test_every_cbs_key_exists_in_the_kwb_table(shipped: Registry) -> None:
    stems = _kwb_properties()
    keyed = [ind for ind in shipped if ind.cbs_key]
    assert len(keyed) >= 15
    unknown = {
        ind.id: key
        for ind in keyed
        for key in (ind.cbs_key, ind.cbs_denominator)
        if key is not None and key not in stems
    }
    assert unknown == {}
    for ind in keyed:
        assert not re.search(r"_\d+$", ind.cbs_key or ""), f"{ind.id}: strip the numeric suffix"


@pytest.mark.realdata
def test_cbs_units_match_the_registry_units(shipped: Registry) -> None:
    stems = _kwb_properties()
    for ind in shipped:
        if not ind.cbs_key:
            continue
        cbs_unit = stems[ind.cbs_key]["Unit"]
        if ind.cbs_denominator:
            # A count divided by another count, e.g. k_0Tot15Jaar / AantalInwoners × 100.
            assert cbs_unit == "aantal", ind.id
            assert stems[ind.cbs_denominator]["Unit"] == "aantal", ind.id
            assert ind.unit in reg.SHARE_UNITS, ind.id
        else:
            assert ind.unit in CBS_UNITS.get(cbs_unit, set()), f"{ind.id}: CBS unit {cbs_unit!r}"


def _seed_text() -> str:
    seeds = sorted((SHARED / "seeds").glob("004_*"))
    if not seeds:
        pytest.skip(f"seed 004 (Monitor Koers Sociaal Domein) not present under {SHARED / 'seeds'}")
    text = seeds[0].read_text(encoding="utf-8")
    # A line-break artefact of the PDF export; the registry spells the survey's name properly.
    return " ".join(text.replace("Buurtvoor-Buurt", "Buurt-voor-Buurt").split())


@pytest.mark.realdata
def test_goals_are_verbatim_from_the_seed(shipped: Registry) -> None:
    seed = _seed_text()
    for goal in shipped.goals.values():
        assert goal.title in seed
        for subgoal in goal.subgoals:
            assert subgoal in seed, subgoal
        assert " ".join(goal.factors.split()) in seed, goal.number
        for label in goal.key_factors:
            assert label in seed, label


@pytest.mark.realdata
def test_koers_descriptions_start_with_the_seed_sentence(shipped: Registry) -> None:
    seed = _seed_text()
    for ident in KOERS_IDS:
        description = " ".join(shipped.indicator(ident).description.split())
        first = description.split(". ")[0].rstrip(".") + "."
        assert first in seed, ident


# --- error messages: file, entry and field -------------------------------------------------------


def _minimal() -> dict[str, Any]:
    return {
        "themes": [{"id": "sociaal", "title": "Sociaal"}],
        "hoofddoelen": [{"number": 1, "title": "Een doel", "subgoals": ["Een subdoel."]}],
        "indicators": [
            {
                "id": "a",
                "title": "A",
                "hoofddoel": 1,
                "theme": "sociaal",
                "unit": "percent",
                "better": "higher",
                "source": "Buurt-voor-Buurt",
                "aggregate": "respondent_weighted_mean",
                "suppression": "survey",
                "classification": {"scheme": "quantiles", "k": 5},
                "palette": "YlGnBu",
            }
        ],
        "overlays": [{"id": "o", "title": "O", "kind": "indicator", "indicator": "a"}],
    }


def _write(tmp_path: Path, data: dict[str, Any]) -> Path:
    path = tmp_path / "layers.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_minimal_registry_loads(tmp_path: Path) -> None:
    registry = load_registry(_write(tmp_path, _minimal()))
    assert registry.indicator("a").unit_label == "%"
    assert registry.overlays["o"].indicator == "a"
    assert registry.overlays["o"].min_zoom is None  # drawn at every zoom


def test_the_shipped_trees_and_parks_are_drawn_from_a_zoom_level(shipped: Registry) -> None:
    zooms = {o.layer: o.min_zoom for o in shipped.overlays.values() if o.kind != "indicator"}
    # the facilities, a few hundred, at every zoom: their spread over the city is the point
    assert zooms == {"trees": 15, "parks": 13, "voorzieningen": None}


def _set(field: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        data["indicators"][0][field] = value

    return mutate


def _drop(field: str) -> Callable[[dict[str, Any]], None]:
    def mutate(data: dict[str, Any]) -> None:
        del data["indicators"][0][field]

    return mutate


def _duplicate(data: dict[str, Any]) -> None:
    data["indicators"].append(dict(data["indicators"][0]))


def _overlay_to_unknown(data: dict[str, Any]) -> None:
    data["overlays"][0]["indicator"] = "bestaat_niet"


def _unknown_top_level(data: dict[str, Any]) -> None:
    data["indicatoren"] = []


# (case id, mutation, entry, field, part of the message)
BROKEN = [
    ("unknown-field", _set("titel", "A"), "indicators[0] a", "titel", "did you mean 'title'?"),
    ("bad-unit", _set("unit", "procent"), "indicators[0] a", "unit", "did you mean 'percent'?"),
    (
        "bad-aggregate",
        _set("aggregate", "mean"),
        "indicators[0] a",
        "aggregate",
        "'mean' is not one of",
    ),
    (
        "bad-palette",
        _set("palette", "Rainbow"),
        "indicators[0] a",
        "palette",
        "'Rainbow' is not one of",
    ),
    (
        "bad-classification-k",
        _set("classification", {"scheme": "quantiles", "k": 12}),
        "indicators[0] a",
        "classification.k",
        "from 2 to 9",
    ),
    (
        "bad-classification-scheme",
        _set("classification", {"scheme": "quantile"}),
        "indicators[0] a",
        "classification.scheme",
        "did you mean 'quantiles'?",
    ),
    ("bad-better", _set("better", "hoger"), "indicators[0] a", "better", "'hoger' is not one of"),
    ("bad-level", _set("levels", ["buurt", "dorp"]), "indicators[0] a", "levels", "'dorp'"),
    ("bad-hoofddoel", _set("hoofddoel", 7), "indicators[0] a", "hoofddoel", "from 1 to 6"),
    ("unknown-theme", _set("theme", "zorg"), "indicators[0] a", "theme", "'zorg' is not one of"),
    ("bad-id", _set("id", "Veilig-Buurt"), "indicators[0] Veilig-Buurt", "id", "lower case"),
    ("duplicate-id", _duplicate, "indicators[1] a", "id", "duplicate indicator id 'a'"),
    ("missing-title", _drop("title"), "indicators[0] a", "title", "is required"),
    ("empty-title", _set("title", "  "), "indicators[0] a", "title", "non-empty text"),
    ("missing-unit", _drop("unit"), "indicators[0] a", "unit", "is required"),
    (
        "denominator-without-key",
        _set("cbs_denominator", "AantalInwoners"),
        "indicators[0] a",
        "cbs_denominator",
        "needs 'cbs_key'",
    ),
    (
        "cbs-key-suffix",
        _set("cbs_key", "AantalInwoners_5"),
        "indicators[0] a",
        "cbs_key",
        "write the stem 'AantalInwoners'",
    ),
    (
        "cbs-key-not-a-key",
        _set("cbs_key", "Aantal inwoners"),
        "indicators[0] a",
        "cbs_key",
        "is not a cbsodata key",
    ),
    (
        "cbs-key-list",
        _set("cbs_key", ["Nederland", "Herkomstland"]),
        "indicators[0] a",
        "cbs_key",
        "must be a key stem such as AantalInwoners or {stem: ..., group: ...}",
    ),
    (
        "cbs-key-unknown-field",
        _set("cbs_key", {"stem": "Nederland", "grup": "Herkomstland"}),
        "indicators[0] a",
        "cbs_key.grup",
        "did you mean 'group'?",
    ),
    (
        "cbs-key-without-stem",
        _set("cbs_key", {"group": "Herkomstland"}),
        "indicators[0] a",
        "cbs_key.stem",
        "is required",
    ),
    (
        "cbs-key-empty-group",
        _set("cbs_key", {"stem": "Nederland", "group": " "}),
        "indicators[0] a",
        "cbs_key.group",
        "non-empty text",
    ),
    (
        "cbs-denominator-suffix",
        lambda data: data["indicators"][0].update(cbs_key="Mannen", cbs_denominator={"stem": "AantalInwoners_5"}),
        "indicators[0] a",
        "cbs_denominator.stem",
        "numeric suffix",
    ),
    (
        "overlay-unknown-indicator",
        _overlay_to_unknown,
        "overlays[0] o",
        "indicator",
        "'bestaat_niet' is not an indicator",
    ),
    (
        "overlay-min-zoom-too-high",
        lambda data: data["overlays"][0].update(min_zoom=25),
        "overlays[0] o",
        "min_zoom",
        "must be",
    ),
    (
        "overlay-min-zoom-not-a-number",
        lambda data: data["overlays"][0].update(min_zoom="15"),
        "overlays[0] o",
        "min_zoom",
        "must be",
    ),
    (
        "types-on-an-indicator-overlay",
        lambda data: data["overlays"][0].update(types=[{"id": "a", "title": "A", "color": "#000000"}]),
        "overlays[0] o",
        "types",
        "only a points overlay has types",
    ),
    (
        "type-bad-colour",
        lambda data: data["overlays"].append(_points_overlay([{"id": "huisarts", "title": "H", "color": "rood"}])),
        "overlays[1] p",
        "types[0].color",
        "must be a colour such as #0072b2, got 'rood'",
    ),
    (
        "type-bad-id",
        lambda data: data["overlays"].append(_points_overlay([{"id": "Huis Arts", "title": "H", "color": "#d55e00"}])),
        "overlays[1] p",
        "types[0].id",
        "lower-case letters",
    ),
    (
        "type-twice",
        lambda data: data["overlays"].append(
            _points_overlay(
                [{"id": "a", "title": "School", "color": "#d55e00"}, {"id": "b", "title": "school", "color": "#000000"}]
            )
        ),
        "overlays[1] p",
        "types[1].id",
        "listed twice",
    ),
    (
        "type-unknown-field",
        lambda data: data["overlays"].append(_points_overlay([{"id": "a", "title": "A", "kleur": "#d55e00"}])),
        "overlays[1] p",
        "types[0].kleur",
        "unknown key (allowed: id, title, color)",
    ),
]


def _points_overlay(types: list[dict[str, Any]]) -> dict[str, Any]:
    return {"id": "p", "title": "P", "kind": "points", "layer": "voorzieningen", "types": types}


def test_point_types_are_read_and_found_by_id_or_title(tmp_path: Path, shipped: Registry) -> None:
    data = _minimal()
    data["overlays"].append(_points_overlay([{"id": "huisarts", "title": "Huisartsenpraktijk", "color": "#d55e00"}]))
    overlay = load_registry(_write(tmp_path, data)).overlays["p"]
    assert [(t.id, t.title, t.color) for t in overlay.types] == [("huisarts", "Huisartsenpraktijk", "#d55e00")]
    assert overlay.point_type("huisarts") is overlay.types[0]
    assert overlay.point_type("  HUISARTSENPRAKTIJK ") is overlay.types[0]
    assert overlay.point_type("Huisarts en praktijk") is None and overlay.point_type("") is None
    facilities = shipped.overlays["voorzieningen"]
    assert facilities.kind == "points" and facilities.layer == "voorzieningen" and len(facilities.types) >= 6
    assert len({t.color for t in facilities.types}) == len(facilities.types)  # a colour per type


@pytest.mark.parametrize(
    ("mutate", "entry", "field", "message"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_broken_registry_names_file_entry_and_field(
    tmp_path: Path,
    mutate: Callable[[dict[str, Any]], None],
    entry: str,
    field: str,
    message: str,
) -> None:
    data = _minimal()
    mutate(data)
    path = _write(tmp_path, data)
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    error = info.value
    assert (error.file, error.entry, error.field) == (str(path), entry, field)
    text = str(error)
    assert str(path) in text
    assert f"entry {entry!r}" in text
    assert f"field {field!r}" in text
    assert message in text


def test_cbs_key_names_a_stem_and_optionally_its_group(tmp_path: Path) -> None:
    data = _minimal()
    data["indicators"][0].update(
        cbs_key={"stem": "Nederland", "group": "Herkomstland"},
        cbs_denominator={"stem": "AantalInwoners"},
    )
    indicator = load_registry(_write(tmp_path, data)).indicator("a")
    assert (indicator.cbs_key, indicator.cbs_group) == ("Nederland", "Herkomstland")
    assert (indicator.cbs_denominator, indicator.cbs_denominator_group) == ("AantalInwoners", None)
    data["indicators"][0].update(cbs_key="AantalInwoners", cbs_denominator=None)
    indicator = load_registry(_write(tmp_path, data)).indicator("a")
    assert (indicator.cbs_key, indicator.cbs_group) == ("AantalInwoners", None)


def test_denominator_needs_a_share_unit(tmp_path: Path) -> None:
    data = _minimal()
    data["indicators"][0].update(unit="count", cbs_key="AantalInwoners", cbs_denominator="X")
    with pytest.raises(RegistryError, match=r"field 'cbs_denominator': only for unit percent"):
        load_registry(_write(tmp_path, data))


def test_unknown_top_level_key_names_file_and_key(tmp_path: Path) -> None:
    data = _minimal()
    _unknown_top_level(data)
    path = _write(tmp_path, data)
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    assert (info.value.file, info.value.field) == (str(path), "indicatoren")


def test_bad_yaml_reports_the_row(tmp_path: Path) -> None:
    path = tmp_path / "layers.yaml"
    path.write_text(
        "indicators:\n  - id: a\n    title: A\n    unit: [percent\n    source: x\n",
        encoding="utf-8",
    )
    with pytest.raises(RegistryError) as info:
        load_registry(path)
    error = info.value
    assert error.file == str(path)
    assert error.row is not None and 4 <= error.row <= 5
    assert str(path) in str(error) and f"row {error.row}" in str(error)
    assert "not valid YAML" in str(error)


def test_missing_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"
    with pytest.raises(RegistryError, match=re.escape(str(path))):
        load_registry(path)
