"""Files are served from the artifact by absolute path, whatever the working directory.

The README serves the demo as ``atlas serve --build build/demo`` (and ``ATLAS_BUILD=build/demo waitress-serve
server:app``) from the repository root: a relative path. Flask's ``send_file`` resolves a relative path against the
app's package folder, not the working directory, so the app must hold the artifact by its absolute path. These tests
serve a copy of the demo exactly that way, from a working directory that holds ``build/demo``, and then from another
one.
"""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import openpyxl
import pyogrio
import pytest

from atlas.web import create_app

RELATIVE = Path("build") / "demo"


@pytest.fixture(scope="module")
def repository(demo_build, tmp_path_factory) -> Path:
    """A folder laid out as the repository after ``make demo``: the artifact at ``build/demo``."""
    root = tmp_path_factory.mktemp("repository")
    shutil.copytree(demo_build, root / RELATIVE)
    return root


def _check_every_file_response(client, tmp_path: Path) -> None:
    for layer in ("trees", "parks"):
        response = client.get(f"/api/overlays/{layer}")
        assert response.status_code == 200, layer
        assert json.loads(response.data)["type"] == "FeatureCollection" and json.loads(response.data)["features"]
    index = client.get("/api/overlays/trees/tiles.json").get_json()
    x, y, count = index["tiles"][0]
    tile = json.loads(client.get(f"/api/overlays/trees/{index['zoom']}/{x}/{y}.geojson").data)
    assert len(tile["features"][0]["geometry"]["coordinates"]) == count
    rows = list(csv.DictReader(io.StringIO(client.get("/download/inwoners.csv?niveau=wijk").data.decode("utf-8-sig"))))
    assert rows and "code" in rows[0]
    sheet = openpyxl.load_workbook(io.BytesIO(client.get("/download/inwoners.xlsx?niveau=wijk").data)).active
    assert sheet is not None and sheet.max_row >= len(rows) + 1  # a header, then a row per wijk
    geo = json.loads(client.get("/download/inwoners.geojson?niveau=wijk").data)
    assert len(geo["features"]) == len(rows)
    gpkg = tmp_path / "inwoners.gpkg"
    gpkg.write_bytes(client.get("/download/inwoners.gpkg?niveau=wijk").data)
    assert len(pyogrio.read_dataframe(gpkg)) == len(rows)
    for url in (
        "/",
        "/kaart/inwoners",
        "/gebied/WK019310",
        "/doelen",
        "/doelen/1",
        "/zoek?q=a",
        "/api/areas?niveau=wijk",
    ):
        assert client.get(url).status_code == 200, url
    for url in ("/favicon.ico", "/static/atlas.css", "/static/vendor/leaflet/leaflet.js", "/static/kaart/lagen.js"):
        response = client.get(url)
        assert response.status_code == 200 and response.data, url
        response.close()


def test_an_artifact_given_as_a_relative_path_serves_every_file(repository, tmp_path, monkeypatch):
    monkeypatch.chdir(repository)
    app = create_app(str(RELATIVE), {"TESTING": True, "ATLAS_TILES": False})
    assert app.extensions["atlas"].path.is_absolute()
    _check_every_file_response(app.test_client(), tmp_path)


def test_it_still_serves_after_the_working_directory_changes(repository, tmp_path, monkeypatch):
    monkeypatch.chdir(repository)
    app = create_app(RELATIVE, {"TESTING": True, "ATLAS_TILES": False})
    elsewhere = tmp_path / "elders"
    (elsewhere / RELATIVE).mkdir(parents=True)  # an empty build/demo where the old one was: never read
    monkeypatch.chdir(elsewhere)
    _check_every_file_response(app.test_client(), tmp_path)


def test_the_wsgi_entry_with_a_relative_atlas_build(repository, tmp_path, monkeypatch):
    """``ATLAS_BUILD=build/demo waitress-serve server:app`` from the repository root."""
    monkeypatch.chdir(repository)
    monkeypatch.setenv("ATLAS_BUILD", str(RELATIVE))
    app = create_app(test_config={"TESTING": True, "ATLAS_TILES": False})
    _check_every_file_response(app.test_client(), tmp_path)
