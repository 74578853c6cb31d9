"""The API against its OpenAPI document, and fuzzed parameters: never a 500."""

from __future__ import annotations

import json
import string

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate

from atlas.web import create_app


@pytest.fixture(scope="module")
def app(demo_build):
    return create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False, "ATLAS_CACHE_SIZE": 16})


@pytest.fixture(scope="module")
def spec(app):
    return app.test_client().get("/api/openapi.json").get_json()


def _schema(spec, name):
    """A component schema with its $refs resolvable by jsonschema (draft 2020-12, as OpenAPI 3.1)."""
    return {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}


def test_openapi_document_is_valid(spec):
    validate(spec)
    assert {"/api/indicators", "/api/areas", "/api/values", "/api/openapi.json"} <= set(spec["paths"])


@pytest.mark.parametrize(
    ("url", "schema"),
    [
        ("/api/values?indicator=inwoners&niveau=buurt&jaar=2024", "Values"),
        ("/api/values?indicator=vrijwilligerswerk&niveau=wijk", "Values"),
        ("/api/areas?niveau=wijk", "FeatureCollection"),
        ("/api/values?indicator=bestaat_niet", "Error"),
        ("/api/values?indicator=inwoners&niveau=x", "Error"),
    ],
)
def test_responses_match_the_document(app, spec, url, schema):
    response = app.test_client().get(url)
    body = json.loads(response.data)
    jsonschema.validate(body, _schema(spec, schema), cls=jsonschema.Draft202012Validator)
    operation = spec["paths"][url.split("?")[0]]["get"]
    assert str(response.status_code) in operation["responses"]


def test_indicators_match_the_document(app, spec):
    body = app.test_client().get("/api/indicators").get_json()
    item = {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}, "components": spec["components"]}
    jsonschema.validate(body, item, cls=jsonschema.Draft202012Validator)


def test_values_enum_lists_every_indicator(app, spec):
    param = next(p for p in spec["paths"]["/api/values"]["get"]["parameters"] if p["name"] == "indicator")
    assert set(param["schema"]["enum"]) == set(app.extensions["atlas"].registry.indicators)


def test_unpublished_values_are_null(app):
    art = app.extensions["atlas"]
    hidden = art.values[art.values.status != "ok"]
    if hidden.empty:
        pytest.skip("this build publishes every value")
    row = hidden.iloc[0]
    body = app.test_client().get(f"/api/values?indicator={row.indicator}&niveau={row.level}&jaar={row.period[:4]}")
    item = next(v for v in body.get_json()["values"] if v["code"] == row.code)
    assert item["value"] is None and item["n"] is None and item["status"] != "ok"


TEXT = st.text(alphabet=string.printable + "éë€٣\u202e\x00", max_size=30)
ROUTES = [
    "/kaart/{}",
    "/gebied/{}",
    "/doelen/{}",
    "/download/{}",
    "/api/values",
    "/api/areas",
    "/zoek",
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    route=st.sampled_from(ROUTES),
    path=TEXT,
    indicator=st.one_of(st.sampled_from(["inwoners", "vrijwilligerswerk", "kroonbedekking"]), TEXT),
    niveau=st.one_of(st.sampled_from(["buurt", "wijk", "stadsdeel", "gemeente", ""]), TEXT),
    jaar=st.one_of(st.sampled_from(["2024", "2019", "0", "-1", "99999999999999999999"]), TEXT),
    stadsdeel=TEXT,
)
def test_fuzzed_parameters_never_500(app, route, path, indicator, niveau, jaar, stadsdeel):
    client = app.test_client()
    url = route.format(path.replace("/", "_").replace("?", "_").replace("#", "_") or "x")
    response = client.get(
        url, query_string={"indicator": indicator, "niveau": niveau, "jaar": jaar, "stadsdeel": stadsdeel, "q": path}
    )
    assert response.status_code < 500, (url, response.data[:300])
    assert b"Traceback" not in response.data
    if url.startswith("/api/") and response.status_code >= 400:
        assert set(response.get_json()) == {"error"}


@pytest.mark.parametrize("year", ["²", "٢٠٢٤", "2024²", "1e3", "99999"])
@pytest.mark.parametrize(
    "path", ["/api/values?indicator=inwoners&jaar=", "/kaart/inwoners?jaar=", "/download/inwoners.csv?jaar="]
)
def test_a_year_that_only_looks_like_digits_is_a_400(app, path, year):
    response = app.test_client().get(path + year)
    assert response.status_code == 400, (path, year, response.status_code)
