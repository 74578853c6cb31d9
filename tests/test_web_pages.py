"""Every page, download and API route on the demo build, through the Flask test client; decoded, not only status."""

from __future__ import annotations

import csv
import io
import json
import re

import geopandas as gpd
import numpy as np
import openpyxl
import pytest

from atlas.web import create_app

from .mappage import choropleth


def _text(response) -> str:
    return response.data.decode()


def test_index_groups_by_goal_and_theme(client):
    page = _text(client.get("/"))
    assert page.count('href="/doelen/') >= 6
    assert "<optgroup" in page and 'name="stadsdeel"' in page and 'name="jaar"' in page
    assert 'id="gebieden-lijst"' in page and "demo-gegevens" in page


def test_chooser_redirects_to_the_map(client):
    response = client.get("/kaart?indicator=veilig_buurt&niveau=wijk&jaar=2024&stadsdeel=")
    assert response.status_code == 302
    assert response.headers["Location"] == "/kaart/veilig_buurt?niveau=wijk&jaar=2024"


def test_map_page_has_legend_table_overlays_and_no_cdn(client):
    page = _text(client.get("/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024"))
    assert "Legenda" in page and "eenheid: %" in page
    rows = re.findall(r"<tr><td data-sort=", page)
    assert len(rows) == 78
    assert "L.control.layers" in page and "Kroonbedekking" in page
    assert not re.search(r"""(src|href)=["']https?://(?!www\.kadaster\.nl)""", page)
    assert "cdn" not in page.lower()


def test_map_zooms_to_stadsdeel_by_name_or_code(client, app):
    sd = app.extensions["atlas"].areas.stadsdeel
    code, naam = sd.code.iloc[0], sd.naam.iloc[0]
    by_name = _text(client.get(f"/kaart/inwoners?niveau=buurt&stadsdeel={naam.lower()}"))
    by_code = _text(client.get(f"/kaart/inwoners?niveau=buurt&stadsdeel={code}"))
    assert f"stadsdeel {naam}" in by_name and f"stadsdeel {naam}" in by_code
    full = _text(client.get("/kaart/inwoners?niveau=buurt"))
    assert len(re.findall(r"<tr><td data-sort=", by_name)) < len(re.findall(r"<tr><td data-sort=", full))
    assert client.get("/kaart/inwoners?stadsdeel=Atlantis").status_code == 404


def test_map_tooltip_has_name_value_n_ci_source_year_status(client):
    page = _text(client.get("/kaart/vrijwilligerswerk?niveau=wijk"))
    props = choropleth(page)["features"][0]["properties"]
    assert {"naam", "waarde", "n", "status", "bron", "jaar"} <= set(props)
    for alias in ("Gebied", "Aantal (n)", "Status", "Bron", "Jaar"):
        assert alias in page


def test_suppressed_and_missing_are_drawn_distinctly(client, app):
    values = app.extensions["atlas"].values
    hidden = values[values.status != "ok"]
    if hidden.empty:
        pytest.skip("this build publishes every value")
    row = hidden.iloc[0]
    page = _text(client.get(f"/kaart/{row.indicator}?niveau={row.level}&jaar={row.period[:4]}"))
    geo = choropleth(page)
    feature = next(f for f in geo["features"] if f["properties"]["code"] == row.code)
    assert feature["properties"]["style"]["dashArray"]  # grey/white with a dashed or dotted outline
    assert "niet gepubliceerd" in page or "geen gegevens" in page


@pytest.mark.parametrize("code", ["BU01931000", "WK019310", "SD019301", "GM0193"])
def test_profile_pages(client, code):
    response = client.get(f"/gebied/{code}")
    assert response.status_code == 200
    page = _text(response)
    assert page.count('<svg class="spark"') > 10
    assert '<svg class="minimap"' in page
    assert "Ondersteuning en stapeling" in page
    assert "@media print" in client.get("/static/atlas.css").data.decode()


def test_profile_compares_with_parent_and_city(client):
    page = _text(client.get("/gebied/BU01931000"))
    assert "Wijk Binnenstad" in page and "Zwolle" in page
    assert "Vergeleken met Zwolle" in page and re.search(
        r'<td class="verdict (good|bad)" data-verdict="(hoger|lager)">(hoger|lager) \((gunstig|ongunstig)\)', page
    )
    assert re.search(r'<td class="verdict muted" data-verdict="niet_duidelijk"[^>]*>verschilt niet duidelijk<', page)


def test_goal_cards(client):
    assert all(f'href="/doelen/{n}"' in _text(client.get("/doelen")) for n in range(1, 7))
    for n in range(1, 7):
        page = _text(client.get(f"/doelen/{n}"))
        assert page.count('<svg class="chart"') + page.count('class="nodata"') == 8
        assert "Subdoelen" in page


def test_search_finds_buurt_and_wijk(client):
    page = _text(client.get("/zoek?q=assendorp"))
    assert re.search(r'href="/gebied/WK\d+">Assendorp<', page)
    assert "/gebied/BU" in page
    assert "Niets gevonden" in _text(client.get("/zoek?q=qqqqq"))


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "geojson", "gpkg"])
def test_downloads_decode(client, fmt, tmp_path):
    response = client.get(f"/download/vrijwilligerswerk.{fmt}?niveau=wijk&jaar=2024")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(response.data.decode())))
    elif fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
        header, *data = list(sheet.values)
        rows = [dict(zip(header, r, strict=True)) for r in data]
    else:
        path = tmp_path / f"x.{fmt}"
        path.write_bytes(response.data)
        frame = gpd.read_file(path)
        assert frame.crs.to_epsg() == (4326 if fmt == "geojson" else 28992)
        rows = frame.drop(columns="geometry").to_dict("records")
    assert len(rows) == 16
    for row in rows:
        if row["status"] != "ok":
            assert row["waarde"] in ("", None) or row["waarde"] != row["waarde"]  # empty or NaN, never a number
            assert row["n"] in ("", None) or row["n"] != row["n"]


def test_suppressed_values_stay_empty_in_downloads(client, app):
    values = app.extensions["atlas"].values
    hidden = values[values.status == "suppressed"]
    if hidden.empty:
        pytest.skip("this build suppresses nothing")
    row = hidden.iloc[0]
    body = client.get(f"/download/{row.indicator}.csv?niveau={row.level}&jaar={row.period[:4]}").data.decode()
    line = next(r for r in csv.DictReader(io.StringIO(body)) if r["code"] == row.code)
    assert line["waarde"] == "" and line["n"] == "" and line["status"] == "suppressed"


def test_security_headers_and_csp_hashes(client):
    response = client.get("/kaart/inwoners?niveau=wijk")
    csp = response.headers["Content-Security-Policy"]
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]
    assert "img-src 'self' data:;" in csp  # no base map in this app: no image server but its own (test_basemap)
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"]
    inline = re.findall(r"<script(?![^>]*src=)[^>]*>", response.data.decode())
    assert len(re.findall(r"'sha256-", csp)) == len(inline) > 0
    for url in ("/api/indicators", "/nergens", "/static/atlas.css"):
        assert client.get(url).headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_only_get_and_head_everywhere(client, method):
    for url in ("/", "/kaart/inwoners", "/api/values?indicator=inwoners"):
        response = client.open(url, method=method)
        assert response.status_code == 405
        assert response.headers["Allow"] == "GET, HEAD"


def test_pages_are_cached_with_etag(client, app):
    lru = app.extensions["atlas_cache"]
    first = client.get("/gebied/WK019310?x=1")
    hits = lru.hits
    second = client.get("/gebied/WK019310?x=1")
    assert lru.hits == hits + 1 and first.data == second.data
    assert second.headers["ETag"] and "max-age" in second.headers["Cache-Control"]
    again = client.get("/gebied/WK019310?x=1", headers={"If-None-Match": second.headers["ETag"]})
    assert again.status_code == 304 and again.data == b""


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/gebied/BU99999999", 404),
        ("/gebied/<script>", 404),
        ("/doelen/7", 404),
        ("/doelen/0", 404),
        ("/doelen/een", 404),
        ("/download/inwoners.pdf", 404),
        ("/download/inwoners", 404),
        ("/download/bestaat_niet.csv", 404),
        ("/download/inwoners.csv?niveau=land", 400),
        ("/download/inwoners.csv?jaar=1800", 404),
        ("/kaart/inwoners?niveau=gemeente", 400),
        ("/kaart?indicator=", 400),
        ("/kaart?indicator=onbekend", 404),
        ("/zoek?q=" + "a" * 200, 400),
    ],
)
def test_more_page_errors_are_html(client, url, status):
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "text/html"
    assert "Traceback" not in response.data.decode() and "<script>" not in response.data.decode().split("<main>")[1]


@pytest.fixture(scope="module")
def groen_client(demo_build, tmp_path_factory):
    """The demo build with the groen work's overlay files and manifest parameters added by hand."""
    import shutil

    from atlas.artifact import Artifact

    build = tmp_path_factory.mktemp("groen-web") / "build"
    shutil.copytree(demo_build, build)
    art = Artifact.open(build)
    centre = art.areas.wijk.to_crs(4326).geometry.representative_point()
    trees = gpd.GeoDataFrame({"boom_id": range(len(centre)), "eigenaar": "gemeente"}, geometry=list(centre), crs=4326)
    parks = gpd.GeoDataFrame({"naam": ["Park"]}, geometry=[centre.iloc[0].buffer(0.002)], crs=4326)
    (build / "web" / "overlay_trees.geojson").write_text(trees.to_json(), encoding="utf-8")
    (build / "web" / "overlay_parks.geojson").write_text(parks.to_json(), encoding="utf-8")
    manifest = json.loads((build / "manifest.json").read_text(encoding="utf-8"))
    manifest["groen"] = {"params": {"tree_radius_m": 30, "canopy_threshold_pct": 22, "park_distance_m": 200}}
    (build / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return create_app(build, {"TESTING": True, "ATLAS_TILES": False}).test_client()


def test_trees_and_parks_overlays_when_the_build_has_them(groen_client, demo_build, tmp_path):
    import shutil

    page = _text(groen_client.get("/kaart/inwoners?niveau=wijk"))
    assert '"Bomen"' in page and '"Parken en openbaar groen"' in page  # names in the layer control
    assert '"/api/overlays/trees"' in page and '"/api/overlays/parks"' in page  # fetched when switched on
    trees = groen_client.get("/api/overlays/trees")
    assert trees.status_code == 200 and trees.mimetype == "application/geo+json"
    assert len(json.loads(trees.data)["features"]) == 16
    assert groen_client.get("/api/overlays/addresses").status_code == 404  # only registry overlays, never addresses
    bare = tmp_path / "build"
    shutil.copytree(demo_build, bare)
    for path in (bare / "web").glob("overlay_*.geojson"):
        path.unlink()
    page = _text(create_app(bare, {"TESTING": True, "ATLAS_TILES": False}).test_client().get("/kaart/inwoners"))
    assert '"Bomen"' not in page and "L.control.layers" in page  # absent files: no overlay, still a map
    assert create_app(bare, {"TESTING": True}).test_client().get("/api/overlays/trees").status_code == 404


def test_groen_pages_state_the_2_22_200_parameters(groen_client, client):
    page = _text(groen_client.get("/kaart/groen_2_22_200?niveau=buurt"))
    assert "Groennorm 2-22-200" in page and "park_distance_m: 200" in page  # a manifest without help texts
    assert "park_distance_m" not in _text(groen_client.get("/kaart/inwoners?niveau=buurt"))
    page = _text(client.get("/kaart/groen_2_22_200?niveau=buurt"))  # the demo build: the parameters' own words
    assert "maximale afstand tot het dichtstbijzijnde park (meter, hemelsbreed): 200" in page
    assert "minimale oppervlakte van een park of groene openbare ruimte (m²): 5.000" in page
    assert "park_max_distance_m" not in page and "trees_min" not in page


def test_a_value_most_areas_share_gets_its_own_class() -> None:
    """Many buurten at 0 % (the 2-22-200 norm): 0 is one class, the other values are spread over the rest."""
    from atlas.layers.registry import load_registry
    from atlas.render.maps import classify

    indicator = load_registry().indicator("groen_2_22_200")
    values = np.array([0.0] * 60 + [1.5, 3.0, 4.2, 8.0, 9.1, 12.0, 15.5, 20.0, 25.0, 34.1])
    classes = classify(values, indicator)
    assert classes is not None
    assert classes.bins[0] == 0.0 and len(classes.bins) >= 4
    assert classes.color(0.0) == classes.colors[0]
    assert classes.colors[0] not in {classes.color(v) for v in values[values > 0]}
    assert len({classes.color(v) for v in values[values > 0]}) >= 3
    spread = classify(np.linspace(0, 30, 70), indicator)  # no tie: the scheme as configured
    assert spread is not None and len(spread.bins) == indicator.classification.k
