"""The tiles of the point overlays over HTTP: the route picks a file of the artifact by (layer, z, x, y) and serves it
as it is; anything malformed is a 400, anything absent a 404, never a 5xx or a file outside the tiles."""

from __future__ import annotations

import json

import pytest

from atlas.artifact.layout import web_overlay_file, web_tile_file, web_tile_index
from atlas.render.maplib import LIBRARY_JS, LIBRARY_VERSION


@pytest.fixture(scope="module")
def index(app) -> dict:
    return json.loads((app.extensions["atlas"].path / web_tile_index("trees")).read_text())


def _error(response, status: int) -> str:
    assert response.status_code == status, (response.status_code, response.data[:200])
    body = response.get_json()
    assert set(body) == {"error"} and body["error"]["status"] == status  # the API's one error shape
    return str(body["error"]["message"])


def test_the_index_lists_the_tiles_and_is_cacheable(client, index):
    response = client.get("/api/overlays/trees/tiles.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json() == index and index["zoom"] == 15 and index["tiles"]
    assert "max-age=300" in response.headers["Cache-Control"]
    again = client.get("/api/overlays/trees/tiles.json", headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304


def test_a_tile_is_the_file_the_build_wrote(client, app, index):
    art = app.extensions["atlas"]
    x, y, count = max(index["tiles"], key=lambda t: t[2])
    response = client.get(f"/api/overlays/trees/15/{x}/{y}.geojson")
    assert response.status_code == 200 and response.mimetype == "application/geo+json"
    assert response.data == (art.path / web_tile_file("trees", 15, x, y)).read_bytes()
    geo = json.loads(response.data)
    assert len(geo["features"][0]["geometry"]["coordinates"]) == count
    assert "max-age=300" in response.headers["Cache-Control"] and response.headers["ETag"]
    cached = client.get(f"/api/overlays/trees/15/{x}/{y}.geojson", headers={"If-None-Match": response.headers["ETag"]})
    assert cached.status_code == 304
    response.close()


def test_the_whole_layer_still_downloads_for_qgis(client, app):
    response = client.get("/api/overlays/trees")
    assert response.status_code == 200
    assert response.data == (app.extensions["atlas"].path / web_overlay_file("trees")).read_bytes()
    response.close()


@pytest.mark.parametrize(
    "tail",
    [
        "15/x/1.geojson",
        "15/016938/10747.geojson",  # a leading zero: one spelling per tile
        "15/16938/-1.geojson",
        "15/16938/1e3.geojson",
        "15/16938/1.5.geojson",
        "15/16938/ 1.geojson",
        "１５/16938/10747.geojson",  # full-width digits are digits to str.isdigit, not to the route
        "15/16938/²7.geojson",
        "15/1234567890/1.geojson",  # ten digits
        "-15/1/1.geojson",
    ],
)
def test_a_malformed_tile_number_is_a_400(client, tail):
    assert "tegelnummer" in _error(client.get(f"/api/overlays/trees/{tail}"), 400)


@pytest.mark.parametrize(
    "path",
    [
        "/api/overlays/trees/15/0/0.geojson",  # no trees there
        "/api/overlays/trees/14/8469/5373.geojson",  # another zoom: tiles exist at 15 only
        "/api/overlays/trees/0/0/0.geojson",
        "/api/overlays/trees/15/32768/1.geojson",  # outside the zoom level's grid
        "/api/overlays/trees/31/1/1.geojson",
        "/api/overlays/trees/99/1/1.geojson",
        "/api/overlays/parks/15/16938/10747.geojson",  # polygons have no tiles
        "/api/overlays/parks/tiles.json",
        "/api/overlays/bomen/tiles.json",  # the overlay's id is not its layer
        "/api/overlays/onbekend/15/16938/10747.geojson",
        "/api/overlays/trees/15/16938/10747.json",
        "/api/overlays/trees/15/16938/10747",
        "/api/overlays/trees/15/16938/10747.geojson/extra",
        "/api/overlays/trees/15/16938",
    ],
)
def test_an_absent_tile_is_a_404(client, path):
    _error(client.get(path), 404)


@pytest.mark.parametrize(
    "path",
    [
        "/api/overlays/trees/15/..%2F..%2F..%2Fmanifest.json/1.geojson",
        "/api/overlays/trees/15/16938/..%2F..%2F..%2F..%2Fmanifest.json",
        "/api/overlays/..%2F..%2Fmanifest.json/tiles.json",
        "/api/overlays/trees%2F..%2F..%2F..%2Fmanifest.json/15/1/1.geojson",
        "/api/overlays/trees/15/16938/10747.geojson%00",
        "/api/overlays/trees/15/16938/%2Fetc%2Fpasswd.geojson",
        "/api/overlays/trees/../../manifest.json",
        "/api/overlays/trees/15/../../../layers.yaml",
    ],
)
def test_traversal_never_reaches_another_file(client, path):
    response = client.get(path)
    assert response.status_code in (400, 404), (path, response.status_code)
    assert b"artifact_version" not in response.data and b"indicators:" not in response.data
    assert b"root:" not in response.data


def test_the_map_page_loads_the_layer_library_once_from_its_own_url(client):
    page = client.get("/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024").get_data(as_text=True)
    assert f'src="/static/kaart/lagen.js?v={LIBRARY_VERSION}"' in page
    assert "function atlasTiledPoints" not in page  # not inline: in the library
    assert page.index("leaflet.js") < page.index("lagen.js")
    response = client.get(f"/static/kaart/lagen.js?v={LIBRARY_VERSION}")
    assert response.status_code == 200 and response.mimetype == "text/javascript"
    assert response.get_data(as_text=True) == LIBRARY_JS and "innerHTML" not in LIBRARY_JS
    assert "max-age=86400" in response.headers["Cache-Control"]
    assert client.get("/static/kaart/lagen.js", headers={"If-None-Match": response.headers["ETag"]}).status_code == 304


def test_the_openapi_document_describes_the_tiles(client):
    paths = client.get("/api/openapi.json").get_json()["paths"]
    tile = paths["/api/overlays/{layer}/{z}/{x}/{y}.geojson"]["get"]
    assert [p["name"] for p in tile["parameters"]] == ["layer", "z", "x", "y"]
    assert tile["parameters"][0]["schema"]["enum"] == ["trees"]
    assert set(tile["responses"]) >= {"200", "400", "404"}
    assert paths["/api/overlays/{layer}/tiles.json"]["get"]["parameters"][0]["schema"]["enum"] == ["trees"]
