"""Upward aggregation by registry rule, on a hand-built hierarchy with known answers."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import box

from atlas.artifact.layout import VALUE_COLUMNS
from atlas.pipeline.aggregate import complete_values
from atlas.pipeline.hierarchy import build_hierarchy
from atlas.sources.areas import RawAreas

BUURTEN = ["BU01931001", "BU01931002", "BU01931101"]


def _areas():
    buurt = gpd.GeoDataFrame(
        {
            "code": BUURTEN,
            "naam": ["A", "B", "C"],
            "parent": ["WK019310", "WK019310", "WK019311"],
            "water": [False, False, False],
        },
        geometry=[box(0, 0, 100, 100), box(100, 0, 200, 100), box(0, 100, 200, 200)],
        crs=28992,
    )
    stadsdelen = pd.DataFrame(
        {
            "wijkcode": ["WK019310", "WK019311"],
            "stadsdeel": ["Midden", "Midden"],
            "stadsdeelcode": ["SD019301"] * 2,
        }
    )
    raw = RawAreas(buurt=buurt, wijk=None, gemeente_naam="Zwolle", stadsdelen=stadsdelen, notes=[])
    areas, _ = build_hierarchy(raw, "GM0193", "Zwolle")
    return areas


AREAS = _areas()


def _raw(rows):
    frame = pd.DataFrame(rows, columns=["indicator", "code", "period", "value", "n"])
    frame["source"] = "test"
    frame["file"] = "t.csv"
    frame["row"] = range(2, len(frame) + 2)
    return frame


def _value(values, indicator, code, period="2024"):
    row = values[(values.indicator == indicator) & (values.code == code) & (values.period == period)]
    assert len(row) == 1, (indicator, code, period, row)
    return row.iloc[0]


nan = float("nan")

RAW = _raw(
    [
        ("inwoners", "BU01931001", "2024", 100, nan),
        ("inwoners", "BU01931002", "2024", 300, nan),
        ("inwoners", "BU01931101", "2024", 600, nan),
        ("inwoners", "BU01931001", "2023", 100, nan),
        ("inwoners", "BU01931002", "2023", 300, nan),
        ("inwoners", "BU01931101", "2023", nan, nan),
        ("vrijwilligerswerk", "BU01931001", "2024", 10, 10),
        ("vrijwilligerswerk", "BU01931002", "2024", 20, 30),
        ("vrijwilligerswerk", "BU01931101", "2024", nan, nan),
        ("vrijwilligerswerk", "WK019311", "2024", 40, 50),
        ("inkomen_uit_werk", "BU01931001", "2024", 50, nan),
        ("inkomen_uit_werk", "BU01931002", "2024", 70, nan),
        ("inkomen_uit_werk", "BU01931101", "2024", 60, nan),
        ("inkomen_uit_werk", "BU01931001", "2023", 50, nan),
        ("inkomen_uit_werk", "BU01931002", "2023", 70, nan),
        ("inkomen_uit_werk", "BU01931101", "2023", nan, nan),
        ("kroonbedekking", "BU01931001", "2024", 10, nan),
        ("kroonbedekking", "GM0193", "2024", 20, nan),
        ("ggd_wijk", "WK019310", "2024", 30, 100),
        ("ggd_wijk", "WK019311", "2024", 60, 200),
    ]
)


@pytest.fixture(scope="module")
def values(small_registry):
    return complete_values(RAW, AREAS, small_registry)


def test_columns_and_levels(values):
    assert list(values.columns) == VALUE_COLUMNS
    assert set(values.level) == {"buurt", "wijk", "stadsdeel", "gemeente"}
    assert set(values.status) <= {"ok", "missing"}


def test_sum(values):
    assert _value(values, "inwoners", "WK019310").value == 400
    assert _value(values, "inwoners", "WK019311").value == 600
    assert _value(values, "inwoners", "SD019301").value == 1000
    assert _value(values, "inwoners", "GM0193").value == 1000
    # one part missing: no partial sum
    assert _value(values, "inwoners", "WK019310", "2023").value == 400
    for code in ("WK019311", "SD019301", "GM0193"):
        row = _value(values, "inwoners", code, "2023")
        assert math.isnan(row.value) and row.status == "missing"


def test_missing_never_becomes_zero(values):
    row = _value(values, "vrijwilligerswerk", "BU01931101")
    assert math.isnan(row.value) and row.status == "missing"


def test_respondent_weighted_mean_and_given_values_win(values):
    wk10 = _value(values, "vrijwilligerswerk", "WK019310")
    assert wk10.value == pytest.approx((10 * 10 + 20 * 30) / 40) and wk10.n == 40
    wk11 = _value(values, "vrijwilligerswerk", "WK019311")
    assert wk11.value == 40 and wk11.n == 50 and wk11.source == "test"
    sd = _value(values, "vrijwilligerswerk", "SD019301")
    assert sd.value == pytest.approx((17.5 * 40 + 40 * 50) / 90) and sd.n == 90
    assert "berekend uit wijken" in sd.source


def test_population_weighted_mean(values):
    assert _value(values, "inkomen_uit_werk", "WK019310").value == pytest.approx(65)
    assert _value(values, "inkomen_uit_werk", "WK019311").value == pytest.approx(60)
    assert _value(values, "inkomen_uit_werk", "GM0193").value == pytest.approx(62)
    # 2023: the buurt with 600 residents (nearest-year weight) has no value -> coverage 40 % -> missing
    assert _value(values, "inkomen_uit_werk", "WK019310", "2023").value == pytest.approx(65)
    assert math.isnan(_value(values, "inkomen_uit_werk", "GM0193", "2023").value)


def test_none_is_never_derived(values):
    assert _value(values, "kroonbedekking", "BU01931001").value == 10
    assert _value(values, "kroonbedekking", "WK019310").status == "missing"
    assert _value(values, "kroonbedekking", "GM0193").value == 20


def test_levels_from_registry(values):
    rows = values[values.indicator == "ggd_wijk"]
    assert "buurt" not in set(rows.level)
    assert _value(values, "ggd_wijk", "SD019301").value == pytest.approx((30 * 100 + 60 * 200) / 300)


@settings(max_examples=40, deadline=None)
@given(
    counts=st.lists(st.integers(min_value=0, max_value=10_000), min_size=3, max_size=3),
    shares=st.lists(st.floats(min_value=0, max_value=100), min_size=3, max_size=3),
    resp=st.lists(st.integers(min_value=1, max_value=500), min_size=3, max_size=3),
    seed=st.integers(min_value=0, max_value=1000),
)
def test_properties(small_registry, counts, shares, resp, seed):
    rows = [("inwoners", c, "2024", v, nan) for c, v in zip(BUURTEN, counts, strict=True)]
    rows += [("vrijwilligerswerk", c, "2024", s, n) for c, s, n in zip(BUURTEN, shares, resp, strict=True)]
    raw = _raw(rows)
    a = complete_values(raw, AREAS, small_registry)
    shuffled = raw.sample(frac=1, random_state=seed).reset_index(drop=True)
    b = complete_values(shuffled, AREAS, small_registry)
    pd.testing.assert_frame_equal(a, b)  # order-independent
    share = a[a.indicator == "vrijwilligerswerk"].value.to_numpy()
    assert np.all((share >= -1e-9) & (share <= 100 + 1e-9))  # shares stay in [0, 100]
    wijk_total = _value(a, "inwoners", "WK019310").value
    for code in BUURTEN[:2]:
        assert _value(a, "inwoners", code).value <= wijk_total  # a buurt never exceeds its wijk


def test_a_rounding_unit_is_read_through_the_float_noise_of_scaled_numbers():
    """CBS gives incomes in thousands with one decimal; read as 32.3 * 1000 they are 32299.999999999996, whose
    remainder by 100 is 99.99...: still hundreds."""
    from atlas.pipeline.aggregate import rounding_error

    noisy = [32.3 * 1000, 32.7 * 1000, 31.0 * 1000, 32.1 * 1000, 34.3 * 1000]
    assert 32.3 * 1000 % 100 > 99  # the noise this test is about
    rows = pd.DataFrame({"indicator": "x", "period": "2024", "code": "WK019310", "value": noisy})
    assert rounding_error(rows).err.tolist() == [50.0]
    rows["value"] = [30501.0, 33200.0, 31000.0, 32100.0, 34300.0]  # one value not in hundreds: exact numbers
    assert rounding_error(rows).err.tolist() == [0.0]
