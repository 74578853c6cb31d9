"""Where area names go on the map (label points from the build) and how a value reads against the gemeente's
(issue 13, item 2)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
import shapely

from atlas.artifact import Artifact
from atlas.artifact.webgeo import WebLevel
from atlas.artifact.writer import label_points
from atlas.codes import LEVELS
from atlas.layers.registry import load_registry
from atlas.render.compare import CLEAR, TOO_SMALL, UNCLEAR, Reference, difference_text
from atlas.render.labels import BUURT_LABEL_ZOOM, label_sets


@pytest.fixture(scope="module")
def art(demo_build) -> Artifact:
    return Artifact.open(demo_build)


def test_a_label_sits_inside_a_u_shaped_area_where_its_centroid_does_not():
    u_shape = shapely.Polygon([(0, 0), (300, 0), (300, 300), (200, 300), (200, 100), (100, 100), (100, 300), (0, 300)])
    square = shapely.box(1000, 1000, 1100, 1100)
    frame = gpd.GeoDataFrame({"code": ["U", "S", "E"]}, geometry=[u_shape, square, shapely.Polygon()], crs=28992)
    assert not u_shape.contains(u_shape.centroid)
    points = label_points(frame)
    assert points[2] is None
    lonlat = gpd.GeoSeries(gpd.points_from_xy([points[0][0]], [points[0][1]]), crs=4326).to_crs(28992)
    inside = lonlat.iloc[0]
    assert u_shape.contains(inside) and u_shape.exterior.distance(inside) > 40  # well inside, not on an edge
    assert all(round(c, 5) == c for c in points[1])


@pytest.mark.parametrize("level", LEVELS)
def test_every_area_of_the_demo_has_its_label_inside_it(art, level):
    web = art.web_level(level)
    for feature in web.features:
        point = feature["properties"]["label"]
        shape = shapely.from_geojson(json.dumps(feature["geometry"]))
        assert shape.buffer(1e-5).contains(shapely.Point(point)), feature["properties"]["code"]


def test_labels_come_largest_area_first_and_fall_back_to_the_centre_of_the_bounds():
    def square(code, size, label=None):
        ring = [[0, 0], [size, 0], [size, size], [0, size], [0, 0]]
        props = {"code": code, "naam": code.lower(), **({"label": label} if label else {})}
        return {"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]}, "properties": props}

    text = json.dumps({"type": "FeatureCollection", "features": [square("A", 1), square("B", 3, [1.0, 2.0])]})
    labels = WebLevel.parse("buurt", text).labels()
    assert labels == [("B", "b", (1.0, 2.0)), ("A", "a", (0.5, 0.5))]


def test_which_names_a_map_shows_at_which_zoom():
    assert label_sets("buurt") == [("wijk", 0, BUURT_LABEL_ZOOM), ("buurt", BUURT_LABEL_ZOOM, 99)]
    assert label_sets("wijk") == [("wijk", 0, 99)]
    assert label_sets("gemeente") == []


@pytest.fixture(scope="module")
def registry():
    return load_registry()


def test_the_difference_reads_in_the_unit_with_the_build_s_verdict(registry):
    share = registry.indicators["vrijwilligerswerk"]
    zwolle = Reference("Zwolle", 40.8)
    survey = {"status": "ok", "value": 42.7, "ci_low": 38.2, "ci_high": 47.3, "verdict": "niet_duidelijk"}
    assert difference_text(42.7, survey, share, zwolle) == f"1,9 procentpunt hoger dan Zwolle; {UNCLEAR}"
    clear = {"status": "ok", "value": 25.0, "ci_low": 20.0, "ci_high": 30.0, "verdict": "lager"}
    assert difference_text(25.0, clear, share, zwolle) == f"15,8 procentpunt lager dan Zwolle; {CLEAR}"
    assert difference_text(40.8, {}, share, zwolle) == "gelijk aan Zwolle"
    assert difference_text(40.82, {"ci_low": np.nan, "ci_high": np.nan}, share, zwolle) == "gelijk aan Zwolle"
    assert difference_text(None, survey, share, zwolle) == ""
    assert difference_text(42.7, survey, share, Reference("Zwolle", None)) == ""
    withheld = {**clear, "status": "suppressed"}  # a verdict on a withheld row is never read
    assert not difference_text(25.0, withheld, share, zwolle).endswith(CLEAR)
    small = {**clear, "verdict": "te_klein"}
    assert difference_text(25.0, small, share, zwolle) == TOO_SMALL
    income = next(i for i in registry.indicators.values() if i.unit == "euro")
    untested = {"status": "ok", "value": 30000.0, "verdict": "geen_interval"}
    text = difference_text(30000.0, untested, income, Reference("Zwolle", 35200.0))
    assert text.startswith("€ ") and text.endswith("lager dan Zwolle")  # the difference, without a verdict
    count = registry.indicators["gebruik_wmo"]
    rate = {"status": "ok", "value": 95.0, "rate": 47.5, "verdict": "hoger"}
    assert difference_text(95.0, rate, count, Reference("Zwolle", 3000.0, 30.0)) == (
        f"17,5 per 1.000 inwoners hoger dan Zwolle; {CLEAR}"
    )
    assert difference_text(95.0, rate, registry.indicators["inwoners"], Reference("Zwolle", 3000.0)) == ""


def test_a_count_is_not_set_against_the_whole_city(registry, client):
    inwoners = registry.indicators["inwoners"]
    assert difference_text(5885.0, {}, inwoners, Reference("Zwolle", 132986.0)) == ""
    page = client.get("/kaart/inwoners?niveau=buurt&jaar=2024").get_data(as_text=True)
    assert "Verschil met gemeente" not in page and '"verschil"' not in page.split("aliases", 1)[1][:200]
    share = client.get("/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024").get_data(as_text=True)
    assert "Verschil met gemeente" in share
