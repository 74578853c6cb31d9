"""Parameters parsed in one place, and a cache keyed on what was parsed: no poisoning, no entries for junk."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from atlas.errors import BadRequest, NotFound
from atlas.web import create_app
from atlas.web import params as p

SMUGGLED = "jaar%3D2019%26niveau=wijk"
"""The issue's poisoning request: one parameter named ``jaar=2019&niveau`` with the value ``wijk``."""

CACHED = [
    "/",
    "/doelen",
    "/doelen/1",
    "/gebied/WK019310",
    "/gebied/WK019310/foto",
    "/vergelijk?gebieden=WK019310,GM0193",
    "/zoek?q=Assendorp",
    "/kaart/inwoners?niveau=wijk",
    "/download/inwoners.csv?niveau=wijk&jaar=2020",
    "/api/values?indicator=inwoners&niveau=wijk",
    "/api/areas?niveau=wijk",
    "/api/indicators",
    "/api/openapi.json",
]


@pytest.fixture(scope="module")
def app(demo_build):
    return create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False, "ATLAS_CACHE_SIZE": 512})


@pytest.fixture
def lru(app):
    cache = app.extensions["atlas_cache"]
    cache.clear()
    return cache


def _same_page(body: bytes) -> str:
    """A body with Folium's random element ids blanked, so two renderings of one map compare equal."""
    return re.sub(r"[0-9a-f]{32}", "ID", body.decode("utf-8", "replace"))


def _join(url: str, extra: str) -> str:
    return f"{url}{'&' if '?' in url else '?'}{extra}"


# --- the rules, one by one ---------------------------------------------------------------------------------------


def test_a_parameter_given_twice_is_a_400() -> None:
    args = MultiDict([("niveau", "wijk"), ("niveau", "wijk")])
    with pytest.raises(BadRequest, match="2 keer"):
        p.one(args, "niveau")
    assert p.one(MultiDict([("x", "1"), ("x", "2")]), "niveau") is None  # unknown: not looked at


@pytest.mark.parametrize(
    "url",
    [
        "/api/values?indicator=inwoners&indicator=inwoners",
        "/api/values?indicator=inwoners&niveau=wijk&niveau=buurt",
        "/api/values?indicator=inwoners&jaar=2020&jaar=2020",
        "/api/areas?niveau=wijk&niveau=wijk",
        "/kaart/inwoners?jaar=2020&jaar=2021",
        "/kaart/inwoners?stadsdeel=Zuid&stadsdeel=Noord",
        "/kaart/inwoners?tegen=eenzaamheid&tegen=eenzaamheid",
        "/kaart?indicator=inwoners&indicator=eenzaamheid",
        "/download/inwoners.csv?niveau=wijk&niveau=wijk",
        "/zoek?q=a&q=b",
    ],
)
def test_twice_is_a_400_on_every_route(app, url) -> None:
    response = app.test_client().get(url)
    assert response.status_code == 400, url
    text = response.get_json()["error"]["message"] if url.startswith("/api/") else response.data.decode()
    assert "2 keer" in text


@pytest.mark.parametrize(
    "url",
    [
        "/api/values?indicator=inwoners&niveau=",
        "/api/values?indicator=inwoners&jaar=",
        "/api/values?indicator=",
        "/api/areas?niveau=",
        "/kaart/inwoners?niveau=",
        "/kaart/inwoners?jaar=",
        "/kaart/inwoners?tegen=",
        "/download/inwoners.csv?niveau=",
        "/download/inwoners.csv?jaar=",
    ],
)
def test_an_empty_level_or_year_is_a_400(app, url) -> None:
    response = app.test_client().get(url)
    assert response.status_code == 400, (url, response.status_code)
    if url.startswith("/api/"):
        assert set(response.get_json()) == {"error"}
    else:
        assert response.mimetype == "text/html"


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/kaart?indicator=inwoners&niveau=&jaar=&stadsdeel=", 302),  # the home page's form: "" is its default
        ("/kaart/inwoners?niveau=wijk&jaar=2024&stadsdeel=", 200),  # the map's form: "hele gemeente"
        ("/zoek?q=", 200),  # the search form, empty
    ],
)
def test_forms_send_empty_values_for_their_defaults(app, url, status) -> None:
    assert app.test_client().get(url).status_code == status


@pytest.mark.parametrize(
    ("text", "year"),
    [("2024", 2024), ("0000", 0), ("²", None), ("٢٠٢٤", None), ("２０２４", None), (" 2024", None), ("2024\n", None)],
)
def test_a_year_is_four_ascii_digits(text, year) -> None:
    if year is None:
        with pytest.raises(BadRequest, match="vier cijfers"):
            p.year(text)
    else:
        assert p.year(text) == year


@pytest.mark.parametrize("text", ["Wijk", " wijk", "wijk ", "provincie", "gemeente "])
def test_a_level_is_spelled_as_the_artifact_spells_it(text) -> None:
    with pytest.raises(BadRequest, match="onbekend niveau"):
        p.level(text)


def test_known_values_are_checked_against_the_artifact(app) -> None:
    art = app.extensions["atlas"]
    assert p.indicator(art, "inwoners") == "inwoners"
    with pytest.raises(NotFound):
        p.indicator(art, "inwoners ")
    with pytest.raises(BadRequest):
        p.indicator(art, None)
    code, naam = art.areas.level("stadsdeel")[["code", "naam"]].iloc[0]
    assert p.stadsdeel(art, naam.upper()) == code == p.stadsdeel(art, code.lower())
    with pytest.raises(NotFound):
        p.stadsdeel(art, "Atlantis")


def test_a_query_is_frozen_and_asks_for_itself_again(app) -> None:
    art = app.extensions["atlas"]
    naam = art.areas.level("stadsdeel").naam.iloc[0]
    args = MultiDict([("stadsdeel", naam), ("jaar", "2020"), ("evil", "<x>")])
    query = p.MapQuery.parse(args, art, {"indicator": "inwoners"})
    assert query == p.MapQuery("inwoners", None, 2020, art.areas.level("stadsdeel").code.iloc[0])
    assert query.args() == {"jaar": "2020", "stadsdeel": query.stadsdeel}  # path and unknown parameters left out
    with pytest.raises(AttributeError):
        query.jaar = 2021  # type: ignore[misc]
    assert hash(query) == hash(p.MapQuery.parse(MultiDict(query.args()), art, {"indicator": "inwoners"}))


def test_tegen_is_a_second_indicator_other_than_the_maps_own(app) -> None:
    art = app.extensions["atlas"]
    query = p.MapQuery.parse(MultiDict([("tegen", "eenzaamheid"), ("niveau", "wijk")]), art, {"indicator": "inwoners"})
    assert query == p.MapQuery("inwoners", "wijk", None, None, "eenzaamheid")
    assert query.args() == {"niveau": "wijk", "tegen": "eenzaamheid"}  # it asks for itself again, pair and all
    assert query != p.MapQuery("inwoners", "wijk") and hash(query) != hash(p.MapQuery("inwoners", "wijk"))
    with pytest.raises(BadRequest, match="kaart zelf"):
        p.MapQuery.parse(MultiDict([("tegen", "inwoners")]), art, {"indicator": "inwoners"})
    with pytest.raises(BadRequest, match="leeg"):
        p.MapQuery.parse(MultiDict([("tegen", "")]), art, {"indicator": "inwoners"})
    with pytest.raises(NotFound, match="onbekende indicator"):
        p.MapQuery.parse(MultiDict([("tegen", "eenzaamheid ")]), art, {"indicator": "inwoners"})
    with pytest.raises(NotFound):  # the map's own indicator is checked first
        p.MapQuery.parse(MultiDict([("tegen", "eenzaamheid")]), art, {"indicator": "onbekend"})


def test_links_to_other_years_carry_only_the_parsed_parameters(app) -> None:
    response = app.test_client().get("/api/values?indicator=inwoners&niveau=wijk&jaar=1999&evil=%3Cscript%3E")
    assert response.status_code == 404
    urls = [a["url"] for a in response.get_json()["error"]["available"]]
    assert urls and all(u.startswith("/api/values?indicator=inwoners&niveau=") for u in urls)
    assert not any("evil" in u or "script" in u for u in urls)
    page = app.test_client().get("/kaart/inwoners?jaar=1999&stadsdeel=zuid&q=%3Cb%3E").data.decode()
    assert "stadsdeel=SD019305" in page and "q=" not in page.split("<main>")[1]


def test_no_handler_reads_the_raw_query_string() -> None:
    from pathlib import Path

    web = Path(p.__file__).parent
    readers = [f.name for f in web.glob("*.py") if "request.args" in f.read_text(encoding="utf-8")]
    assert readers == ["params.py"]


# --- the cache -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("poison", "honest"),
    [
        (f"/api/values?indicator=inwoners&{SMUGGLED}", "/api/values?indicator=inwoners&jaar=2019&niveau=wijk"),
        (f"/kaart/inwoners?{SMUGGLED}", "/kaart/inwoners?jaar=2019&niveau=wijk"),
        (f"/download/inwoners.csv?{SMUGGLED}", "/download/inwoners.csv?jaar=2019&niveau=wijk"),
    ],
)
def test_a_smuggled_parameter_does_not_poison_the_cache(app, lru, poison, honest) -> None:
    client = app.test_client()
    fresh = _same_page(client.get(honest).data)
    lru.clear()
    first = client.get(poison)
    assert first.status_code == 200  # the unknown parameter is ignored: the default map, level and year
    served = client.get(honest)
    assert served.status_code == 200
    assert _same_page(served.data) == fresh != _same_page(first.data)
    assert len(lru) == 2


@pytest.mark.parametrize("url", CACHED)
def test_unknown_parameters_share_one_entry(app, lru, url) -> None:
    client = app.test_client()
    first = client.get(url)
    assert first.status_code == 200, url
    assert len(lru) == 1
    hits = lru.hits
    for n, extra in enumerate(["x=1", "x=2", "utm_source=mail", "jaar%3D2019%26niveau=wijk", "Niveau=stadsdeel"]):
        again = client.get(_join(url, extra))
        assert again.status_code == 200 and again.headers["ETag"] == first.headers["ETag"], (url, extra)
        assert len(lru) == 1 and lru.hits == hits + n + 1, (url, extra)


def test_equal_values_spelled_alike_share_one_entry(app, lru) -> None:
    client = app.test_client()
    for url in ("/api/areas", "/api/areas?niveau=buurt", "/kaart/inwoners?stadsdeel=SD019305&niveau=wijk"):
        assert client.get(url).status_code == 200
    assert client.get("/kaart/inwoners?niveau=wijk&stadsdeel=zuid").status_code == 200
    assert len(lru) == 2  # buurt is the default level of /api/areas; a stadsdeel by name is its code


def test_the_key_carries_the_artifact_version(app, lru) -> None:
    from atlas.web.current import version

    client = app.test_client()
    client.get("/api/indicators")
    ((route, query, build),) = lru.keys()
    with app.app_context():
        assert build == version() == app.extensions["atlas"].version  # the version folder's name
    assert route == "api.indicators" and query == p.Query()


# equal keys => equal bodies: pairs of requests whose query strings mix known, unknown, smuggled and respelled
# parameters; each body is rendered afresh (the cache emptied first), so an equal key served from cache cannot hide
# a difference.

ROUTES = ["/api/values?indicator=inwoners", "/download/inwoners.csv", "/kaart/vrijwilligerswerk", "/api/areas", "/zoek"]
NAMES = [
    "niveau",
    "jaar",
    "stadsdeel",
    "q",
    "indicator",
    "x",
    "jaar=2019&niveau",
    "niveau=wijk&jaar",
    "Niveau",
    "tegen",
]
VALUES = ["wijk", "buurt", "stadsdeel", "2019", "2020", "2024", "Zuid", "SD019305", "noord", "inwoners", "Oost", "2019"]
VALUES += ["veilig_buurt"]
PAIRS = st.lists(st.tuples(st.sampled_from(NAMES), st.sampled_from(VALUES)), max_size=4, unique_by=lambda kv: kv[0])


def _key_and_body(app, url: str):
    lru = app.extensions["atlas_cache"]
    lru.clear()
    response = app.test_client().get(url)
    keys = lru.keys()
    return (keys[0] if keys else None), response.status_code, _same_page(response.data)


@settings(max_examples=40, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
@given(route=st.sampled_from(ROUTES), one=PAIRS, other=PAIRS)
@example(route=ROUTES[0], one=[("jaar=2019&niveau", "wijk")], other=[("jaar", "2019"), ("niveau", "wijk")])
@example(route=ROUTES[2], one=[("niveau=wijk&jaar", "2020")], other=[("niveau", "wijk"), ("jaar", "2020")])
@example(route=ROUTES[2], one=[("stadsdeel", "Zuid")], other=[("stadsdeel", "SD019305"), ("x", "1")])
@example(route=ROUTES[2], one=[("tegen", "veilig_buurt")], other=[("tegen", "inwoners")])
def test_requests_with_equal_keys_render_equal_bodies(app, route, one, other) -> None:
    first = _key_and_body(app, _join(route, urlencode(one)))
    second = _key_and_body(app, _join(route, urlencode(other)))
    if first[1] == second[1] == 200:
        assert first[0] is not None and second[0] is not None
        assert (first[0] == second[0]) <= (first[2] == second[2]), (one, other)
        assert (first[2] != second[2]) <= (first[0] != second[0]), (one, other)
