"""The first web slice on the demo build: API, map page, errors."""

from __future__ import annotations

import json
import re

import pytest

from atlas.web import create_app

from .mappage import choropleth


@pytest.mark.parametrize("level", ["buurt", "wijk", "stadsdeel", "gemeente"])
def test_api_areas_is_geojson_in_wgs84(client, level):
    response = client.get(f"/api/areas?niveau={level}")
    assert response.status_code == 200
    assert response.mimetype == "application/geo+json"
    geo = json.loads(response.data)
    expected = {"buurt": 78, "wijk": 16, "stadsdeel": 5, "gemeente": 1}[level]
    assert len(geo["features"]) == expected
    lon, lat = geo["features"][0]["geometry"]["coordinates"][0][0][:2]
    assert 5.9 < lon < 6.3 and 52.4 < lat < 52.6  # Zwolle, in degrees
    assert {"code", "naam", "parent"} <= set(geo["features"][0]["properties"])


def test_api_values(client):
    response = client.get("/api/values?indicator=inwoners&niveau=wijk&jaar=2024")
    assert response.status_code == 200
    body = response.get_json()
    assert body["indicator"] == "inwoners" and body["jaar"] == 2024
    rows = body["values"]
    assert len(rows) == 16
    assert {"code", "value", "n", "status", "period"} <= set(rows[0])
    total = sum(r["value"] for r in rows if r["status"] == "ok")
    gemeente = client.get("/api/values?indicator=inwoners&niveau=gemeente&jaar=2024").get_json()
    assert gemeente["values"][0]["value"] == pytest.approx(total)


def test_api_values_latest_year_by_default(client):
    body = client.get("/api/values?indicator=inwoners&niveau=buurt").get_json()
    assert body["jaar"] == 2024


def test_api_indicators(client):
    rows = client.get("/api/indicators").get_json()
    ids = {r["id"] for r in rows}
    assert {"inwoners", "vrijwilligerswerk", "groen_2_22_200"} <= ids
    inwoners = next(r for r in rows if r["id"] == "inwoners")
    assert inwoners["years"] == [*range(2019, 2025), 2025, 2030]  # measured, then the demo's forecast (prognose)
    assert inwoners["forecast_years"] == [2025, 2030]


def test_map_page_draws_every_buurt(client):
    response = client.get("/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024")
    assert response.status_code == 200
    page = response.data.decode()
    assert "demo-gegevens" in page
    geo = choropleth(page)  # built in the browser from the page data
    assert len(geo["features"]) == 78
    fills = {f["properties"]["style"]["fillColor"] for f in geo["features"]}
    assert len(fills) >= 4  # classified: several classes
    assert "Legenda" in page


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/kaart/bestaat_niet", 404),
        ("/kaart/inwoners?niveau=provincie", 400),
        ("/kaart/inwoners?jaar=1900", 404),
        ("/kaart/inwoners?jaar=twintig", 400),
        ("/nergens", 404),
    ],
)
def test_page_errors_are_html(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert "Traceback" not in response.data.decode()


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/api/values?indicator=bestaat_niet", 404),
        ("/api/values", 400),
        ("/api/values?indicator=inwoners&niveau=land", 400),
        ("/api/values?indicator=inwoners&jaar=1999", 404),
        ("/api/areas?niveau=provincie", 400),
        ("/api/nergens", 404),
    ],
)
def test_api_errors_have_one_shape(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"} and {"status", "message"} <= set(body["error"]) <= {"status", "message", "available"}
    assert body["error"]["status"] == status and body["error"]["message"]


def test_only_get_and_head(client):
    assert client.post("/api/values?indicator=inwoners").status_code == 405
    assert client.head("/api/indicators").status_code == 200


def test_map_page_loads_nothing_from_outside(demo_build):
    app = create_app(demo_build, {"TESTING": True})  # with the optional PDOK base map
    client = app.test_client()
    page = client.get("/kaart/inwoners").data.decode()
    hosts = set(re.findall(r"""(?:src|href)=["'](https?://[^/"']+)""", page))
    assert hosts <= {"https://www.kadaster.nl"}, hosts  # only the attribution link
    urls = re.findall(r"""(?:src|href)=["'](/static/[^"']+)""", page)
    assert urls, "Leaflet comes from this server"
    for url in urls:
        assert client.get(url).status_code == 200, url
    assert "service.pdok.nl" in page  # the base map tiles, optional
