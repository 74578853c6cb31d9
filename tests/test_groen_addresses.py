"""The 2-22-200 criteria per address and their shares per area: exact scenes and properties."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

import atlas
from atlas.pipeline.groen import addresses as addresses_module
from atlas.pipeline.groen.addresses import area_shares
from atlas.sources.spec.groen import GroenParams

X, Y = 150_000.0, 450_000.0
RD = "EPSG:28992"


def _points(xy, crs=RD, **columns) -> gpd.GeoDataFrame:
    coords = np.asarray(xy, dtype=float).reshape(-1, 2)
    return gpd.GeoDataFrame(dict(columns), geometry=shapely.points(coords), crs=crs)


def _one_area(cover: float = 30.0) -> tuple[gpd.GeoDataFrame, pd.Series]:
    areas = gpd.GeoDataFrame({"code": ["B1"]}, geometry=[shapely.box(X - 5000, Y - 5000, X + 5000, Y + 5000)], crs=RD)
    return areas, pd.Series({"B1": cover})


def _parks(*polygons) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"naam": [f"p{i}" for i in range(len(polygons))]}, geometry=list(polygons), crs=RD)


def _big_park_at(distance: float) -> shapely.Polygon:
    """A 100 × 100 m park whose west edge lies ``distance`` m east of (X, Y)."""
    return shapely.box(X + distance, Y - 50, X + distance + 100, Y + 50)


NO_PARKS = _parks()


def test_trees_just_inside_and_just_outside_the_radius() -> None:
    areas, cover = _one_area()
    addresses = _points([(X, Y), (X + 1000, Y)])
    trees = _points([(X + 24.99, Y), (X, Y - 24.99), (X, Y + 25.0), (X + 1000 + 24.99, Y), (X + 1000, Y + 25.01)])
    got = atlas.groen_per_address(addresses, trees, NO_PARKS, areas, cover)
    assert got.trees.tolist() == [3, 1]
    assert got.trees_ok.tolist() == [True, False]
    strict = atlas.groen_per_address(addresses, trees, NO_PARKS, areas, cover, GroenParams(trees_min=4))
    assert strict.trees_ok.tolist() == [False, False]


def test_parks_at_199_and_201_metres() -> None:
    areas, cover = _one_area()
    addresses = _points([(X, Y)])
    near = atlas.groen_per_address(addresses, _points([]), _parks(_big_park_at(199.0)), areas, cover)
    far = atlas.groen_per_address(addresses, _points([]), _parks(_big_park_at(201.0)), areas, cover)
    assert near.park_m.iloc[0] == pytest.approx(199.0)
    assert bool(near.park_ok.iloc[0]) is True
    assert far.park_m.iloc[0] == np.inf, "beyond the maximum distance"
    assert bool(far.park_ok.iloc[0]) is False
    wider = GroenParams(park_max_distance_m=201.5)
    farther = atlas.groen_per_address(addresses, _points([]), _parks(_big_park_at(201.0)), areas, cover, wider)
    assert farther.park_m.iloc[0] == pytest.approx(201.0) and bool(farther.park_ok.iloc[0])


def test_inside_a_park_is_distance_zero() -> None:
    areas, cover = _one_area()
    got = atlas.groen_per_address(_points([(X + 50, Y)]), _points([]), _parks(_big_park_at(0.0)), areas, cover)
    assert got.park_m.iloc[0] == 0.0 and bool(got.park_ok.iloc[0])


def test_a_park_below_the_minimum_area_does_not_count() -> None:
    areas, cover = _one_area()
    small = shapely.box(X + 10, Y - 10, X + 10 + 70, Y - 10 + 70)  # 4 900 m², 10 m away
    parks = _parks(small, _big_park_at(250.0))
    got = atlas.groen_per_address(_points([(X, Y)]), _points([]), parks, areas, cover)
    assert got.park_m.iloc[0] == np.inf, "no large enough park within 200 m"
    assert not got.park_ok.iloc[0]
    wide = atlas.groen_per_address(
        _points([(X, Y)]), _points([]), parks, areas, cover, GroenParams(park_max_distance_m=300)
    )
    assert wide.park_m.iloc[0] == pytest.approx(250.0) and bool(wide.park_ok.iloc[0])
    lenient = atlas.groen_per_address(
        _points([(X, Y)]), _points([]), parks, areas, cover, GroenParams(park_min_area_m2=4000)
    )
    assert lenient.park_m.iloc[0] == pytest.approx(10.0)


def test_canopy_of_the_area_of_the_address() -> None:
    areas = gpd.GeoDataFrame(
        {"code": ["low", "high"]},
        geometry=[shapely.box(X - 100, Y, X, Y + 100), shapely.box(X, Y, X + 100, Y + 100)],
        crs=RD,
    )
    cover = pd.Series({"low": 21.99, "high": 22.0})
    got = atlas.groen_per_address(
        _points([(X - 50, Y + 50), (X + 50, Y + 50), (X + 500, Y)]), _points([]), NO_PARKS, areas, cover
    )
    assert got.code.tolist() == ["low", "high", ""]
    assert got.canopy_ok.tolist() == [False, True, False]


def test_inputs_in_mixed_crss_give_the_same_result() -> None:
    areas, cover = _one_area()
    addresses = _points([(X, Y), (X + 300, Y + 40)], inwoners=[2, 3])
    trees = _points([(X + 10, Y), (X - 12, Y + 3), (X + 300, Y + 60)])
    parks = _parks(_big_park_at(150.0), shapely.box(X + 600, Y, X + 700, Y + 100))
    in_rd = atlas.groen_per_address(addresses, trees, parks, areas, cover)
    mixed = atlas.groen_per_address(
        addresses.to_crs(4326), trees.to_crs(3857), parks.to_crs(4258), areas.to_crs(32631), cover
    )
    assert mixed.crs.to_epsg() == 32631
    for column in ("trees", "trees_ok", "canopy_ok", "park_ok", "all_ok"):
        assert mixed[column].tolist() == in_rd[column].tolist(), column


def test_areas_must_be_metric() -> None:
    areas, cover = _one_area()
    from atlas.errors import BuildError

    with pytest.raises(BuildError, match="projected"):
        atlas.groen_per_address(_points([(X, Y)]), _points([]), NO_PARKS, areas.to_crs(4326), cover)


def test_shares_are_resident_weighted() -> None:
    per_address = pd.DataFrame(
        {
            "residents": [3.0, 1.0, 2.0, 0.0],
            "trees_ok": [True, False, True, True],
            "canopy_ok": [True, True, False, True],
            "park_ok": [True, True, True, True],
            "all_ok": [True, False, False, True],
        }
    )
    area_of = {
        "buurt": np.array(["B1", "B1", "B2", "B3"], dtype=object),
        "wijk": np.array(["W", "W", "W", ""], dtype=object),
    }
    shares = area_shares(per_address, area_of).set_index(["indicator", "code"])
    assert shares.loc[("groen_2bomen", "B1"), "value"] == 75.0
    assert shares.loc[("groen_2bomen", "B1"), "n"] == 4.0
    assert shares.loc[("groen_2bomen", "B1"), "addresses"] == 2
    assert shares.loc[("groen_2_22_200", "W"), "value"] == pytest.approx(50.0)
    assert ("groen_2bomen", "B3") not in shares.index, "no residents, no share"


# --- properties -------------------------------------------------------------------------------------------------

_xy = st.tuples(st.floats(-400, 400, allow_nan=False), st.floats(-400, 400, allow_nan=False))


def _scene(addresses, trees, parks, residents):
    areas = gpd.GeoDataFrame(
        {"code": ["W", "E"]},
        geometry=[shapely.box(X - 500, Y - 500, X, Y + 500), shapely.box(X, Y - 500, X + 500, Y + 500)],
        crs=RD,
    )
    cover = pd.Series({"W": 15.0, "E": 30.0})
    park_shapes = [shapely.box(X + x, Y + y, X + x + w, Y + y + w) for (x, y), w in parks]
    return (
        _points([(X + x, Y + y) for x, y in addresses], residents=residents),
        _points([(X + x, Y + y) for x, y in trees]),
        _parks(*park_shapes),
        areas,
        cover,
    )


@settings(max_examples=60, deadline=None)
@given(
    addresses=st.lists(_xy, min_size=1, max_size=25),
    trees=st.lists(_xy, max_size=40),
    parks=st.lists(st.tuples(_xy, st.floats(20, 150)), max_size=4),
    data=st.data(),
)
def test_shares_stay_in_range_and_all_three_never_exceed_one(addresses, trees, parks, data) -> None:
    residents = data.draw(st.lists(st.integers(0, 6), min_size=len(addresses), max_size=len(addresses)))
    per_address = atlas.groen_per_address(
        *_scene(addresses, trees, parks, residents), GroenParams(trees_min=2, trees_radius_m=60)
    )
    shares = area_shares(per_address, {"buurt": per_address.code.to_numpy(dtype=object)})
    assert shares.value.between(0, 100).all()
    wide = shares.pivot_table(index="code", columns="indicator", values="value")
    for single in ("groen_2bomen", "groen_22kroon", "groen_200park"):
        if single in wide:
            assert (wide["groen_2_22_200"] <= wide[single] + 1e-9).all()


@settings(max_examples=40, deadline=None)
@given(
    addresses=st.lists(_xy, min_size=2, max_size=15),
    trees=st.lists(_xy, max_size=30),
    parks=st.lists(st.tuples(_xy, st.floats(20, 150)), max_size=3),
    index=st.integers(0, 14),
    moved=_xy,
)
def test_moving_an_address_changes_no_other(addresses, trees, parks, index, moved) -> None:
    index %= len(addresses)
    residents = [1] * len(addresses)
    before = atlas.groen_per_address(*_scene(addresses, trees, parks, residents))
    shifted = list(addresses)
    shifted[index] = moved
    after = atlas.groen_per_address(*_scene(shifted, trees, parks, residents))
    others = [i for i in range(len(addresses)) if i != index]
    columns = ["code", "trees", "canopy_pct", "park_m", "trees_ok", "canopy_ok", "park_ok", "all_ok"]
    pd.testing.assert_frame_equal(pd.DataFrame(before[columns]).iloc[others], pd.DataFrame(after[columns]).iloc[others])


@settings(max_examples=40, deadline=None)
@given(
    addresses=st.lists(_xy, min_size=1, max_size=30),
    trees=st.lists(_xy, max_size=40),
    parks=st.lists(st.tuples(_xy, _xy, _xy), max_size=5),
    workers=st.sampled_from([1, 2, 3]),
)
def test_agrees_with_brute_force_on_every_pair(addresses, trees, parks, workers) -> None:
    """Counts, distances and areas equal the plain pairwise shapely answers, on one thread or several.

    The parks are triangles: their distance is not their bounding box's, so a box nearer than the nearest
    park must not be taken for it.
    """
    params = GroenParams(trees_radius_m=60, park_min_area_m2=100, park_max_distance_m=150)
    scene = list(_scene(addresses, trees, [], [1] * len(addresses)))
    triangles = [shapely.Polygon([(X + x, Y + y) for x, y in corners]) for corners in parks]
    scene[2] = _parks(*[t for t in triangles if t.is_valid and t.area > 0])
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(addresses_module, "MIN_CHUNK", 1)  # threads even for a handful of addresses
        got = atlas.groen_per_address(*scene, params, workers=workers)
    points, tree_points = scene[0].geometry.values, scene[1].geometry.values
    big = [p for p in scene[2].geometry.values if p.area >= params.park_min_area_m2]
    for i, point in enumerate(points):
        assert got.trees.iloc[i] == int(np.sum(shapely.distance(point, tree_points) <= params.trees_radius_m))
        nearest = min((point.distance(p) for p in big), default=np.inf)
        expected = nearest if nearest <= params.park_max_distance_m else np.inf
        assert got.park_m.iloc[i] == pytest.approx(expected)
        inside = [code for code, area in zip(scene[3].code, scene[3].geometry, strict=True) if area.intersects(point)]
        assert got.code.iloc[i] == (inside[0] if inside else "")


def test_prepared_polygons_stay_in_the_calling_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """GEOS prepared geometries are not thread-safe (libgeos/geos#825): locating must not run in the workers."""
    import threading

    callers = []
    original = addresses_module._Locator.__call__

    def recording(self, points):
        callers.append(threading.current_thread())
        return original(self, points)

    monkeypatch.setattr(addresses_module._Locator, "__call__", recording)
    monkeypatch.setattr(addresses_module, "MIN_CHUNK", 1)
    scene = _scene([(x, 0.0) for x in range(-300, 300, 20)], [(0.0, 10.0)], [((50.0, 50.0), 100.0)], [1] * 30)
    got = atlas.groen_per_address(*scene, workers=3)
    assert len(got) == 30
    assert callers == [threading.current_thread()]
