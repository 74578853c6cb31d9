"""Arbitrary query strings on every route never get a 5xx.

The routes come from the app's url_map, so a new route is fuzzed without touching this file. Path parameters are
either a value the demo has or arbitrary text; the query string is raw: Unicode keys and values (percent-encoded as
UTF-8), literal ``%`` with good and broken escapes, ``&`` and ``=`` inside names, duplicates, empty values, keys
without ``=``, Unicode digits such as ``²`` and ``٣``.
"""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.routing import BuildError

from atlas.web import create_app

KNOWN_PATHS = {
    "indicator": ["inwoners", "vrijwilligerswerk", "kroonbedekking", "groen_2_22_200"],
    "code": ["WK019310", "GM0193", "SD019305"],
    "number": ["1", "6"],
    "layer": ["trees", "parks"],
    "filename": ["inwoners.csv", "inwoners.xlsx", "eenzaamheid.geojson", "atlas.css", "leaflet.js"],
    "package": ["leaflet"],
    "z": ["15"],
    "x": ["16938"],
    "y": ["10747"],
}
NAMES = ["niveau", "jaar", "indicator", "stadsdeel", "q", "format", "jaar=2019&niveau", "Niveau", "tegen", "gebieden"]
NAMES += ["gebied1", "gebied2", "gebied3"]
VALUES = ["", "wijk", "buurt", "gemeente", "2024", "2019", "²", "٣", "٢٠٢٤", "2024²", " 2024", "%", "%zz", "%C3", "%00"]
VALUES += ["%FF%FE", "&", "=", "Zuid", "SD019305", "inwoners", "a" * 120, "<script>", "\u202e", "\x00"]
VALUES += ["veilig_buurt", "kroonbedekking", "leven_zinvol"]
VALUES += ["WK019310,GM0193", "wk019310,SD019305,GM0193", "WK019310,WK019310", "GM0193,", ",", "BU01939999,GM0193"]
TEXT = st.text(st.characters(exclude_categories=("Cs",)), max_size=12)
SAFE = "!$'()*+,-./:;=?@_~&%"
"""Characters a raw query string keeps as they are; the rest is percent-encoded as UTF-8."""


def _raw(text: str, encode_all: bool) -> str:
    return quote(text, safe="" if encode_all else SAFE)


@st.composite
def query_strings(draw) -> str:
    pieces = []
    for _ in range(draw(st.integers(0, 5))):
        name = draw(st.one_of(st.sampled_from(NAMES), TEXT))
        value = draw(st.one_of(st.none(), st.sampled_from(VALUES), TEXT))
        encode_all = draw(st.booleans())
        piece = _raw(name, encode_all) + ("" if value is None else "=" + _raw(value, encode_all))
        pieces.append(piece)
        if draw(st.integers(0, 4)) == 0:
            pieces.append(piece)  # the same parameter twice
    return draw(st.sampled_from(["&", ";"])).join(pieces)


@pytest.fixture(scope="module")
def app(demo_build):
    return create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False, "ATLAS_CACHE_SIZE": 512})


def test_no_query_string_gets_a_5xx_on_any_route(app) -> None:
    rules = sorted(app.url_map.iter_rules(), key=lambda r: r.rule)
    adapter = app.url_map.bind("localhost")
    client = app.test_client()
    fuzzed: set[str] = set()

    @settings(max_examples=60, derandomize=True, database=None, deadline=None, suppress_health_check=list(HealthCheck))
    @given(data=st.data(), query=query_strings())
    def run(rule, data, query) -> None:
        values = {
            name: data.draw(st.one_of(st.sampled_from(KNOWN_PATHS.get(name, ["x"])), TEXT.filter(bool)), label=name)
            for name in sorted(rule.arguments)
        }
        try:
            path = adapter.build(rule.endpoint, values)
        except BuildError:  # a value the converter refuses (a "/" in a segment): the fixed values are fine
            path = adapter.build(rule.endpoint, {name: KNOWN_PATHS.get(name, ["x"])[0] for name in values})
        url = f"{path}?{query}" if query else path
        response = client.get(url)
        fuzzed.add(rule.endpoint)
        assert response.status_code < 500, (url, response.status_code, response.data[:300])
        assert b"Traceback" not in response.data
        if path.startswith("/api/") and response.status_code >= 400:
            assert set(response.get_json()) == {"error"}, url

    for rule in rules:
        run(rule=rule)
    assert fuzzed == {rule.endpoint for rule in rules}


@pytest.mark.parametrize("year", ["²", "٢٠٢٤", "٣", "2024²", "1e3", "99999", "+2024", "2024.0", "２０２４"])
@pytest.mark.parametrize(
    "path",
    [
        "/api/values?indicator=inwoners&jaar=",
        "/kaart/inwoners?jaar=",
        "/kaart?indicator=inwoners&jaar=",
        "/download/inwoners.csv?jaar=",
        "/download/inwoners.xlsx?niveau=wijk&jaar=",
    ],
)
def test_a_year_that_only_looks_like_digits_is_a_400(app, path, year) -> None:
    response = app.test_client().get(path + quote(year))
    assert response.status_code == 400, (path, year, response.status_code)
    assert "vier cijfers" in response.data.decode()
