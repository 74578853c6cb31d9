"""The web atlas of a build of several gemeenten (issue 15, items 1 and 6): each area against its own gemeente, a
home page to choose a gemeente, maps of one gemeente or of all of them, goal cards per gemeente, search over all."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from flask.testing import FlaskClient

from atlas.artifact import Artifact
from atlas.codes import gemeente_of
from atlas.demo import write_country
from atlas.demo.writer import GPKG_FILE, SOURCES_FILE
from atlas.pipeline.run import build
from atlas.render.selection import format_value
from atlas.web import create_app
from tests.conftest import serving

from .mappage import choropleth, page_data

GEMEENTEN = ("GM9001", "GM9002", "GM9003")


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic country of three gemeenten, built from its top-level sources file, with two stadsdelen in each
    gemeente, both named alike in every gemeente (``Noord``: its first wijk, ``Zuid``: the others)."""
    land = tmp_path_factory.mktemp("land") / "land"
    write_country(land, 3)
    wijken = sorted(pyogrio.read_dataframe(land / GPKG_FILE, layer="wijken", read_geometry=False).wijkcode)
    first = {min(w for w in wijken if gemeente_of(w) == g) for g in GEMEENTEN}
    table = pd.DataFrame({"wijkcode": wijken, "stadsdeel": ["Noord" if w in first else "Zuid" for w in wijken]})
    table.to_csv(land / "stadsdelen.csv", index=False)
    sources = (land / SOURCES_FILE).read_text(encoding="utf-8")
    sources = sources.replace(
        "    format: cbs-gpkg\n", "    format: cbs-gpkg\n  stadsdelen: {path: stadsdelen.csv}\n", 1
    )
    (land / SOURCES_FILE).write_text(sources, encoding="utf-8")
    out = tmp_path_factory.mktemp("land-build") / "build"
    build(land / SOURCES_FILE, out)
    return out


@pytest.fixture(scope="module")
def art(country: Path) -> Artifact:
    return Artifact.open(country)


@pytest.fixture(scope="module")
def client(country: Path) -> FlaskClient:
    return create_app(country, {"TESTING": True, "ATLAS_TILES": False}).test_client()


def _text(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_build_holds_three_gemeenten(art: Artifact) -> None:
    assert [code for code, _ in art.gemeenten] == list(GEMEENTEN)
    assert art.several and art.gemeente is None
    part = art.part("GM9002")
    assert part.gemeente == art.gemeente_of_area("GM9002") and part.scope == "GM9002"
    assert set(part.values.code.map(gemeente_of)) == {"GM9002"}
    assert set(part.areas.level("buurt").code.map(gemeente_of)) == {"GM9002"}
    assert art.part_of_area("BU90020101") is part  # made once, kept with the artifact


# --- every area against its own gemeente -------------------------------------------------------------------------

_ROW = re.compile(
    r'<tr>\n<td><a href="/kaart/(?P<ind>[a-z0-9_]+)[^"]*">(?:(?!</tr>).)*?'
    r'<td class="num">(?P<city>[^<]*)</td><td class="verdict(?:(?!</tr>).)*?'
    r'<td class="num">(?P<year>\d{4})?</td>\n</tr>',
    re.S,
)


def _gemeente_values(art: Artifact) -> dict[tuple[str, str, int], float]:
    values = pd.read_parquet(art.path / "values.parquet")
    rows = values[(values.level == "gemeente") & (values.status == "ok")]
    return {
        (str(i), str(c), int(str(p)[:4])): float(v)
        for i, c, p, v in zip(rows.indicator, rows.code, rows.period, rows.value, strict=True)
    }


def test_every_profile_compares_with_its_own_gemeente(client: FlaskClient, art: Artifact) -> None:
    """The reference column of each buurt's and wijk's profile is its own gemeente's name and value."""
    reference = _gemeente_values(art)
    names = dict(art.gemeenten)
    codes = [*art.areas.level("wijk").code, *art.areas.level("buurt").code]
    checked = 0
    for code in codes:
        own = gemeente_of(code)
        page = _text(client, f"/gebied/{code}")
        assert f'<th scope="col">Vergeleken met {html.escape(names[own])}</th>' in page
        others = [n for c, n in names.items() if c != own]
        assert not any(f"Vergeleken met {html.escape(n)}<" in page for n in others)
        rows = list(_ROW.finditer(page))
        assert rows, code
        for row in rows:
            ind = art.registry.indicator(row["ind"])
            if ind.rate_label or not row["year"]:
                continue
            expected = reference.get((ind.id, own, int(row["year"])))
            assert html.unescape(row["city"]) == format_value(expected, ind), (code, ind.id)
            checked += 1
    assert checked > 100


def test_the_sheet_the_story_and_the_comparison_name_the_own_gemeente(client: FlaskClient, art: Artifact) -> None:
    sheet = _text(client, "/gebied/BU90030101/foto")
    assert "Vergeleken met de gemeente Aaldendam" in sheet and "Aaldenveen" not in sheet
    story = _text(client, "/verhaal/BU90030101")
    assert "gemeente=GM9003" in story and "van Aaldendam" in story
    both = _text(client, "/vergelijk?gebieden=BU90010101,BU90020101")
    assert "de gemeente waarin het gebied ligt (Aalden, Aaldenveen)" in both
    naam = art.areas.name_and_parent("BU90030101")
    assert naam is not None and f">{html.escape(naam[0])}, Aaldendam (buurt)</option>" in both  # the form's choice


# --- the home page --------------------------------------------------------------------------------------------------


def test_the_home_page_lets_a_user_choose_a_gemeente(client: FlaskClient) -> None:
    page = _text(client, "/")
    assert "<title>Wijkatlas Synthetisch land van 3 gemeenten</title>" in page
    assert "<h1>Wijkatlas Synthetisch land van 3 gemeenten</h1>" in page
    listed = re.search(r'<ul class="gemeenten">(.*?)</ul>', page, re.S)
    assert listed is not None
    links = re.findall(r'href="([^"]+)"', listed.group(1))
    for code in GEMEENTEN:
        assert f"/gebied/{code}" in links
        assert any(link.startswith("/kaart/") and link.endswith(f"?gemeente={code}") for link in links)
        assert f"/doelen?gemeente={code}" in links
    for link in links:  # every link works
        assert client.get(html.unescape(link)).status_code == 200, link
    assert '<option value="GM9002">Aaldenveen</option>' in page  # the chooser's gemeente
    assert "?niveau=gemeente" in page


# --- maps -------------------------------------------------------------------------------------------------------------


def _codes(page: str) -> set[str]:
    return {f["properties"]["code"] for f in choropleth(page)["features"]}


def test_a_buurt_map_shows_one_gemeente(client: FlaskClient, art: Artifact) -> None:
    buurten = art.areas.level("buurt").code
    page = _text(client, "/kaart/inwoners?niveau=buurt&gemeente=GM9002")
    shown = _codes(page)
    assert shown == {c for c in buurten if gemeente_of(c) == "GM9002"}
    assert not any(code.startswith("BU9001") for code in re.findall(r"BU\d{8}", page))  # nothing of GM9001 at all
    assert "gemeente Aaldenveen" in page
    assert re.search(r'<option value="GM9002" selected>Aaldenveen</option>', page)
    popups = {f["properties"]["gemeente"] for f in choropleth(page)["features"]}
    assert {text.split(":")[0] for text in popups} == {"Aaldenveen"}
    assert "gemeente=GM9002" in page  # the links to other years and levels keep the gemeente
    # without gemeente=: the first gemeente, and the page offers the choice
    first = _text(client, "/kaart/inwoners?niveau=buurt")
    assert _codes(first) == {c for c in buurten if gemeente_of(c) == "GM9001"}
    assert 'name="gemeente"' in first
    # lower case is the same map
    assert _codes(_text(client, "/kaart/inwoners?niveau=wijk&gemeente=gm9003")) == {
        c for c in art.areas.level("wijk").code if gemeente_of(c) == "GM9003"
    }


def test_a_map_of_the_gemeenten_compares_all_three(client: FlaskClient) -> None:
    page = _text(client, "/kaart/inwoners?niveau=gemeente")
    assert _codes(page) == set(GEMEENTEN)
    assert "per gemeente" in page
    labels = page_data(page)["labels"]  # the map of the gemeenten names them
    assert list(labels) == ["gemeente"] and len(labels["gemeente"]["index"]) == 3
    popups = {f["properties"]["gemeente"] for f in choropleth(page)["features"]}
    assert popups == {""}  # each is its own figure: no "gemeente" line in the popup


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("gemeente=GM9009", 404),
        ("gemeente=GM0193", 404),
        ("gemeente=XX", 400),
        ("gemeente=GM90021", 400),
        ("gemeente=%C2%B2GM9001", 400),
        ("gemeente=GM9001&gemeente=GM9002", 400),
        ("gemeente=GM9001&stadsdeel=SD900201", 404),
        ("niveau=land", 400),
    ],
)
def test_a_bad_gemeente_is_a_400_or_a_404(client: FlaskClient, query: str, status: int) -> None:
    for path in ("/kaart/inwoners", "/doelen", "/doelen/1"):
        if ("stadsdeel" in query or "niveau" in query) and path != "/kaart/inwoners":
            continue
        response = client.get(f"{path}?{query}")
        assert response.status_code == status, (path, query)


def test_a_stadsdeel_lies_in_the_gemeente_of_the_map(client: FlaskClient, art: Artifact) -> None:
    """``stadsdeel=`` zooms within the gemeente: a name is looked for in the gemeente chosen, a code chooses its
    gemeente, and a stadsdeel of another gemeente is a 404."""
    assert list(art.areas.level("stadsdeel").code) == [
        "SD900101",
        "SD900102",
        "SD900201",
        "SD900202",
        "SD900301",
        "SD900302",
    ]
    page = _text(client, "/kaart/inwoners?niveau=buurt&gemeente=GM9002&stadsdeel=zuid")
    assert "stadsdeel Zuid" in page and 'value="SD900202" selected' in page
    table = set(re.findall(r'<tr><td data-sort="[^"]*"><a href="/gebied/(BU\d{8})"', page))
    wijken = art.areas.level("wijk")
    zuid = set(wijken.code[wijken.parent == "SD900202"])
    buurten = art.areas.level("buurt")
    assert table == set(buurten.code[buurten.parent.isin(zuid)]) and table
    by_code = _text(client, "/kaart/inwoners?niveau=wijk&stadsdeel=SD900301")
    assert _codes(by_code) == {w for w in art.areas.level("wijk").code if w.startswith("WK9003")}
    assert client.get("/kaart/inwoners?gemeente=GM9001&stadsdeel=SD900201").status_code == 404
    stadsdelen = _text(client, "/kaart/inwoners?niveau=stadsdeel&gemeente=GM9003")
    assert _codes(stadsdelen) == {"SD900301", "SD900302"}


def test_the_gemeente_is_part_of_the_cache_key(client: FlaskClient) -> None:
    one = _text(client, "/kaart/inwoners?gemeente=GM9002")
    other = _text(client, "/kaart/inwoners?gemeente=GM9003")
    assert _codes(one) != _codes(other)
    assert _codes(_text(client, "/kaart/inwoners?gemeente=GM9002")) == _codes(one)


# --- goal cards -------------------------------------------------------------------------------------------------


def test_goal_cards_are_per_gemeente(client: FlaskClient, art: Artifact) -> None:
    listing = _text(client, "/doelen?gemeente=GM9003")
    assert 'href="/doelen/1?gemeente=GM9003"' in listing and "in Aaldendam" in listing
    assert 'name="gemeente"' in listing
    card = _text(client, "/doelen/1?gemeente=GM9003")
    assert "Verloop in Aaldendam" in card and "Verloop in Aalden (" not in card
    wijken = {str(n) for c, n in zip(art.areas.wijk.code, art.areas.wijk.naam, strict=True) if c.startswith("WK9003")}
    others = {str(n) for c, n in zip(art.areas.wijk.code, art.areas.wijk.naam, strict=True) if c.startswith("WK9001")}
    spread = _text(client, "/doelen/2?gemeente=GM9003")  # a card with figures: the spread over the wijken
    assert all(html.escape(name) in spread for name in wijken)
    assert not any(html.escape(name) in spread for name in others)
    assert "Verloop in Aalden (" in _text(client, "/doelen/1")  # the first gemeente by default


# --- search -----------------------------------------------------------------------------------------------------------


def test_search_finds_every_gemeente_and_names_it(client: FlaskClient, art: Artifact) -> None:
    buurt = art.areas.level("buurt")
    row = buurt[buurt.code.str.startswith("BU9003")].iloc[0]
    response = client.get(f"/zoek?q={row.code}")
    assert response.status_code == 303 and response.headers["Location"] == f"/gebied/{row.code}"
    page = _text(client, "/zoek?q=BU900")
    assert page.count("gemeente Aaldendam") >= 1 and page.count("gemeente Aalden<") >= 1
    found = client.get("/zoek?q=Aaldenveen")
    assert found.status_code in (200, 303)


# --- in a browser -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(country: Path) -> Iterator[str]:
    with serving(country) as base:
        yield base


def test_the_pages_of_several_gemeenten_meet_wcag_21_aa(page, served: str) -> None:  # type: ignore[no-untyped-def]
    module = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python")
    from tests.test_accessibility import wcag_violations

    found = wcag_violations(
        page,
        served,
        ("/", "/kaart/inwoners?gemeente=GM9002", "/kaart/inwoners?niveau=gemeente", "/doelen?gemeente=GM9002"),
        module.Axe(),
    )
    assert found == {}, found
    assert page.console_errors == []


def test_a_build_of_one_gemeente_takes_its_own_code_and_ignores_it(demo_build: Path) -> None:
    """The single-gemeente atlas needs no ``gemeente=``: its own code is the same page (the same cache entry), another
    code a 404, and its pages offer no choice of gemeente."""
    client = create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False}).test_client()
    art = Artifact.open(demo_build)
    own = art.areas.level("gemeente").code.iloc[0]
    assert not art.several and art.gemeente is not None and art.gemeente[0] == own
    assert art.part(own) is art and art.part_of_area(own) is art
    plain = client.get("/doelen/2")
    assert client.get(f"/doelen/2?gemeente={own.lower()}").data == plain.data
    assert 'name="gemeente"' not in plain.get_data(as_text=True)
    assert client.get("/doelen/2?gemeente=GM9002").status_code == 404
    assert client.get("/kaart/inwoners?niveau=gemeente").status_code == 400
    assert 'name="gemeente"' not in client.get("/kaart/inwoners").get_data(as_text=True)


def test_the_demo_notice_says_the_synthetic_country_s_names_are_invented(client: FlaskClient, demo_build) -> None:
    """The Zwolle demo has Zwolle's real names and invented figures; the synthetic country invents its names too,
    and the notice must not say they are real."""
    from atlas.web import create_app

    assert "De namen, getallen en grenzen zijn allemaal verzonnen." in _text(client, "/")
    assert "De namen van buurten en wijken zijn echt" not in _text(client, "/")
    zwolle = create_app(demo_build).test_client().get("/").get_data(as_text=True)
    assert "De namen van buurten en wijken zijn echt" in zwolle
