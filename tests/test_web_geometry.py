"""What the build precomputes for the pages (issue 12, item 9): the web geometry per level, and the artifact's
indexes that let a page find its rows without scanning; and that the pages draw from them."""

from __future__ import annotations

import itertools
import json
import re
import shutil

import numpy as np
import pytest
import shapely

from atlas.artifact import Artifact
from atlas.artifact.layout import web_level_file
from atlas.artifact.status import has_data
from atlas.codes import LEVELS
from atlas.render.maps import CHOROPLETH_KEY
from atlas.render.pagedata import PageData
from atlas.web import create_app

from .mappage import choropleth, page_data

MAX_DECIMALS = 5


@pytest.fixture(scope="module")
def art(demo_build) -> Artifact:
    return Artifact.open(demo_build)


def _decimals(number: float) -> int:
    text = repr(float(number))
    return len(text.split(".")[1]) if "." in text and "e" not in text else 0


@pytest.mark.parametrize("level", LEVELS)
def test_web_geometry_per_level_is_valid_seamless_and_rounded(demo_build, art, level):
    text = (demo_build / web_level_file(level)).read_text(encoding="utf-8")
    features = json.loads(text)["features"]
    codes = [f["properties"]["code"] for f in features]
    assert sorted(codes) == sorted(art.areas.level(level).code)
    geoms = shapely.from_geojson([json.dumps(f["geometry"]) for f in features])
    assert shapely.is_valid(geoms).all()
    assert shapely.coverage_is_valid(geoms)  # no overlaps between neighbours, nor slivers along their borders
    positions = shapely.get_coordinates(geoms)
    assert max(_decimals(x) for x in positions.ravel()) <= MAX_DECIMALS
    numbers = re.findall(r"-?\d+\.(\d+)", text.split('"features"', 1)[1])
    assert numbers and max(len(n) for n in numbers) <= MAX_DECIMALS  # as written, not only as parsed


@pytest.mark.parametrize("level", ["buurt", "wijk"])
def test_neighbours_still_share_their_borders(art, level):
    """Every pair of areas that share a border of at least 50 m in areas.gpkg shares it on the web too."""
    source = art.areas.level(level)
    web = art.web_level(level)
    by_code = {f["properties"]["code"]: shapely.from_geojson(json.dumps(f["geometry"])) for f in web.features}
    pairs = 0
    for (code_a, geom_a), (code_b, geom_b) in itertools.combinations(zip(source.code, source.geometry, strict=True), 2):
        if shapely.intersection(geom_a.boundary, geom_b.boundary).length < 50:
            continue
        pairs += 1
        shared = shapely.intersection(by_code[code_a].boundary, by_code[code_b].boundary)
        assert shared.length > 0, (code_a, code_b)
        overlap = shapely.intersection(by_code[code_a], by_code[code_b]).area
        assert overlap < 1e-12, (code_a, code_b)
    assert pairs > len(source) / 2


def test_web_level_bounds_are_those_of_the_geometry(art):
    web = art.web_level("wijk")
    for f in web.features:
        expected = shapely.from_geojson(json.dumps(f["geometry"])).bounds
        assert web.bounds_by_code[f["properties"]["code"]] == pytest.approx(expected)
    assert web.bounds() == pytest.approx(shapely.from_geojson(art.web_geojson("wijk")).bounds)
    assert web.bounds(["onbekend"]) is None


def test_rows_are_the_values_of_one_selection(art):
    v = art.values
    years = v.period.str[:4].astype(int)
    keys = set(zip(v.indicator, v.level, years, strict=True))
    for indicator, level, year in sorted(keys)[::7]:
        expected = v[(v.indicator == indicator) & (v.level == level) & (years == year)]
        got = art.rows(indicator, level, year)
        assert got.index.tolist() == expected.index.tolist()
    assert art.rows("bestaat_niet", "buurt", 2024).empty


def test_rows_of_codes_and_years_agree_with_the_table(art):
    codes = {art.areas.buurt.code.iloc[0], art.areas.wijk.code.iloc[0], "GM0193"}
    expected = art.values[art.values.code.isin(codes)]
    assert art.rows_of_codes(codes).index.tolist() == expected.index.tolist()
    rows = art.values[has_data(art.values) & (art.values.indicator == "inwoners")]
    assert art.years("inwoners")["buurt"] == tuple(sorted(set(rows[rows.level == "buurt"].period.str[:4].astype(int))))
    assert art.years("bestaat_niet") == {}


def test_map_page_draws_the_precomputed_geometry_and_fits_its_bounds(demo_build, tmp_path):
    """A copy of the artifact whose web geometry of the wijken is moved 0.01° east: the page draws the moved shapes
    and zooms to them, so neither comes from areas.gpkg at request time."""
    moved = tmp_path / "build"
    shutil.copytree(demo_build, moved)
    path = moved / web_level_file("wijk")
    geo = json.loads(path.read_text(encoding="utf-8"))
    for f in geo["features"]:
        shape = shapely.transform(shapely.from_geojson(json.dumps(f["geometry"])), lambda xy: np.add(xy, [0.01, 0.0]))
        f["geometry"] = json.loads(shapely.to_geojson(shape))
    path.write_text(json.dumps(geo), encoding="utf-8")
    app = create_app(moved, {"TESTING": True, "ATLAS_TILES": False})
    page = app.test_client().get("/kaart/inwoners?niveau=wijk").data.decode()
    drawn = {f["properties"]["code"]: f["geometry"] for f in choropleth(page)["features"]}
    assert drawn == {f["properties"]["code"]: f["geometry"] for f in geo["features"]}
    bounds = re.search(r"fitBounds\(\s*\[\[([\d.]+),\s*([\d.]+)\],\s*\[([\d.]+),\s*([\d.]+)\]\]", page)
    assert bounds
    south, west, north, east = map(float, bounds.groups())
    expected = shapely.from_geojson(json.dumps(geo)).bounds
    assert (west, south, east, north) == pytest.approx(expected)


@pytest.mark.parametrize("level", ["buurt", "wijk", "stadsdeel"])
def test_the_page_holds_the_levels_geometry_once(client, app, level):
    """The choropleth and the indicator overlays are all built in the browser from one copy of the level's shapes
    in the page data (issue 12, item 9); Folium embeds no GeoJSON of its own."""
    response = client.get(f"/kaart/vrijwilligerswerk?niveau={level}&jaar=2024")
    page = response.data.decode()
    areas = len(app.extensions["atlas"].areas.level(level))
    assert "L.control.layers" in page and "Kroonbedekking" in page
    assert page.count('"coordinates"') == areas  # once: before, the choropleth's GeoJSON held a second copy
    assert not re.search(r"\bgeo_json_\w+_add\(", page)  # no Folium GeoJson: only the page data's functions
    assert len(response.data) < {"buurt": 80_000, "wijk": 45_000, "stadsdeel": 35_000}[level]  # before: 111/49/34 KB
    data = page_data(page)
    assert set(data["geometry"]) == {level}
    assert len(data["geometry"][level]["geometry"]) == areas
    choropleth_values = data["layers"].pop(CHOROPLETH_KEY)
    assert choropleth_values["level"] == level and len(choropleth_values["style"]) == areas
    for column in choropleth_values["columns"].values():
        assert len(column if isinstance(column, list) else column["index"]) == areas
    for layer in data["layers"].values():  # the indicator overlays: a class per area, a tooltip line per area
        assert len(layer["klasse"]) == len(layer["tekst"]) == areas


def test_page_data_is_html_safe(art):
    import folium

    fmap = folium.Map(tiles=None)
    data = PageData.of(fmap)
    assert PageData.of(fmap) is data
    data.layer("x", {"waarde": ["</script><script>alert(1)</script>", "a & b", "{{ 7 * 7 }}"]})
    script = data.script()
    assert "</script" not in script and "<script" not in script and "&" not in script.split("=", 1)[1]
    decoded = json.loads(script.split("=", 1)[1].strip().rstrip(";"))
    assert decoded["layers"]["x"]["waarde"] == ["</script><script>alert(1)</script>", "a & b", "{{ 7 * 7 }}"]


def test_profile_page_is_unchanged_by_the_indexes(client, art):
    """The profile's figures, from the grouped rows, against a plain filter of the values table."""
    code = art.areas.wijk.code.iloc[0]
    page = client.get(f"/gebied/{code}").data.decode()
    rows = art.values[(art.values.code == code) & (art.values.indicator == "inwoners")]
    rows = rows[np.isfinite(rows.value.astype(float))]
    latest = rows.assign(year=rows.period.str[:4].astype(int)).sort_values("year").iloc[-1]
    assert f"{round(float(latest.value)):,}".replace(",", ".") in page


def test_indicator_overlays_are_classed_once_per_artifact(demo_build, monkeypatch):
    from atlas.render import overlays

    calls = []
    real = overlays._overlay_classes
    monkeypatch.setattr(overlays, "_overlay_classes", lambda *args: calls.append(args[1:]) or real(*args))
    app = create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False})
    client = app.test_client()
    first = client.get("/kaart/inwoners?niveau=buurt&jaar=2024")
    once = len(calls)
    app.extensions["atlas_cache"].clear()
    second = client.get("/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024")
    assert first.status_code == second.status_code == 200
    assert once > 0 and len(calls) <= once + 1  # only the overlay the first page skipped (its own indicator) is new
    assert b"Veiligheidsbeleving" in second.data or b"Kroonbedekking" in second.data
