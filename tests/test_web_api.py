"""The API against its OpenAPI document (the fuzzing is in test_web_fuzz.py and test_web_schemathesis.py)."""

from __future__ import annotations

import json

import jsonschema
import pytest
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
