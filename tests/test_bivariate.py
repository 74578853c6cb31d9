"""Bivariate maps (issue 13, item 4): tertiles, the palette and its attention corner, the level and years of a pair,
withheld values, and the page and home page on the demo build."""

from __future__ import annotations

import itertools
import math
import re
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from atlas.artifact.status import Status, pair_status
from atlas.errors import BadRequest
from atlas.layers.registry import load_registry
from atlas.render.bivariate import (
    PALETTE,
    Pair,
    attention_class,
    attention_text,
    choose_pair,
    color,
    ready_pairs,
    select_pair,
    tertiles,
)
from atlas.render.bivarview import bivariate_view, text_color
from atlas.render.maps import UNPUBLISHED_STYLES, MapAssets
from atlas.render.selection import NoData, Selection

from .mappage import choropleth

REGISTRY = load_registry()
KROON, VEILIG = REGISTRY.indicator("kroonbedekking"), REGISTRY.indicator("veilig_buurt")
GROEN, INKOMEN = REGISTRY.indicator("groen_2_22_200"), REGISTRY.indicator("laag_inkomen_120")
NEUTRAL = REGISTRY.indicator("inwoners")
ASSETS = MapAssets(js=(), css=())


def classes_of(values: list[float]) -> list[int]:
    found = tertiles(np.array(values, dtype=float))
    assert found is not None
    return [found.of(v) for v in values]


# --- tertiles ----------------------------------------------------------------------------------------------------


def test_distinct_values_fall_into_three_equal_classes() -> None:
    assert classes_of([9, 1, 8, 2, 7, 3, 6, 4, 5]) == [2, 0, 2, 0, 2, 0, 1, 1, 1]
    found = tertiles(np.arange(1.0, 10.0))
    assert found is not None and found.ranges == ((1, 3), (4, 6), (7, 9)) and found.empty == ()


def test_no_values_no_classes_and_nan_is_not_a_value() -> None:
    assert tertiles(np.array([])) is None
    assert tertiles(np.array([np.nan, np.inf])) is None
    found = tertiles(np.array([1.0, np.nan, 2.0, 3.0]))
    assert found is not None and found.ranges == ((1, 1), (2, 2), (3, 3))


def test_fewer_than_three_distinct_values_are_classed_honestly() -> None:
    one = tertiles(np.array([5.0, 5.0, 5.0]))
    assert one is not None and one.single and one.of(5.0) == 1 and one.empty == (0, 2)  # all in the middle
    two = tertiles(np.array([1.0, 2.0, 2.0, 1.0]))
    assert two is not None and [two.of(v) for v in (1.0, 2.0)] == [0, 2] and two.empty == (1,)  # low and high
    assert classes_of([3, 1, 2]) == [2, 0, 1]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([0] * 6 + [1, 2, 3], [0] * 6 + [1, 1, 2]),  # the minimum holds both tertiles: a class of its own
        ([1, 2, 3] + [9] * 7, [0, 0, 1] + [2] * 7),  # the maximum holds the upper tertile
        ([1, 2, 3, 4, 4, 4, 4, 4, 4], [0, 0, 1, 2, 2, 2, 2, 2, 2]),
        ([1] + [5] * 7 + [8, 9], [0] + [1] * 7 + [2, 2]),  # a value inside holds both: the middle class
    ],
)
def test_a_value_many_areas_share_gets_a_class_of_its_own(values, expected) -> None:
    assert classes_of(values) == expected


@settings(max_examples=300, deadline=None, database=None)
@given(st.lists(st.integers(0, 6).map(float) | st.floats(-1e6, 1e6, allow_nan=False), min_size=1, max_size=40))
def test_ties_share_a_class_and_no_class_is_empty_with_three_distinct_values(values) -> None:
    found = tertiles(np.array(values))
    assert found is not None
    got = {v: found.of(v) for v in values}
    for a, b in itertools.combinations(sorted(got), 2):
        assert got[a] <= got[b]  # a higher value is never in a lower class (ties: one class)
    if len(got) >= 3:
        assert found.empty == ()
    for k, span in enumerate(found.ranges):
        inside = [v for v, c in got.items() if c == k]
        assert span == ((min(inside), max(inside)) if inside else None)


# --- the palette and the corner that needs attention --------------------------------------------------------------

MACHADO = {  # Machado, Oliveira and Fernandes (2009), full severity, on linear RGB
    "protanopia": ((0.152286, 1.052583, -0.204868), (0.114503, 0.786281, 0.099216), (-0.003882, -0.048116, 1.051998)),
    "deuteranopia": ((0.367322, 0.860646, -0.227968), (0.280085, 0.672501, 0.047413), (-0.01182, 0.04294, 0.968881)),
    "tritanopia": ((1.255528, -0.076749, -0.178779), (-0.078411, 0.930809, 0.147602), (0.004733, 0.691367, 0.3039)),
    "normaal": ((1, 0, 0), (0, 1, 0), (0, 0, 1)),
}


def _lab(hex_color: str, vision: str) -> tuple[float, float, float]:
    """CIE L*a*b* (D65) of a colour as a viewer with ``vision`` sees it."""
    srgb = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in srgb]
    seen = [min(1.0, max(0.0, sum(m * c for m, c in zip(row, linear, strict=True)))) for row in MACHADO[vision]]
    xyz = [
        sum(m * c for m, c in zip(row, seen, strict=True))
        for row in ((0.4124, 0.3576, 0.1805), (0.2126, 0.7152, 0.0722), (0.0193, 0.1192, 0.9505))
    ]
    f = [t ** (1 / 3) if t > 0.008856 else 7.787 * t + 16 / 116 for t in (xyz[0] / 0.95047, xyz[1], xyz[2] / 1.08883)]
    return 116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])


@pytest.mark.parametrize("vision", list(MACHADO))
def test_the_nine_colours_stay_apart_for_colour_blind_readers(vision) -> None:
    colours = [c for row in PALETTE for c in row]
    assert len(set(colours)) == 9
    labs = [_lab(c, vision) for c in colours]
    closest = min(math.dist(a, b) for a, b in itertools.combinations(labs, 2))
    assert closest >= 9, f"{vision}: two classes only ΔE {closest:.1f} apart"
    unpublished = [_lab(str(s["fillColor"]), vision) for s in UNPUBLISHED_STYLES.values()]
    nearest = min(math.dist(a, b) for a in labs for b in unpublished)
    assert nearest >= 5, f"{vision}: a class looks like a withheld or missing area (ΔE {nearest:.1f})"


def _luminance(hex_color: str) -> float:
    return _lab(hex_color, "normaal")[0]


@pytest.mark.parametrize(("x", "y"), list(itertools.product([KROON, INKOMEN, NEUTRAL], repeat=2)))
def test_the_corner_that_needs_attention_is_the_darkest(x, y) -> None:
    ax, ay = attention_class(x), attention_class(y)
    cells = {(cx, cy): color(cx, cy, ax, ay) for cx in range(3) for cy in range(3)}
    assert sorted(cells.values()) == sorted(c for row in PALETTE for c in row)  # every colour once
    darkest = min(cells, key=lambda cell: _luminance(cells[cell]))
    lightest = max(cells, key=lambda cell: _luminance(cells[cell]))
    assert darkest == (2 if ax is None else ax, 2 if ay is None else ay)
    assert lightest == tuple(2 - c for c in darkest)


def test_attention_follows_each_indicators_better() -> None:
    assert (attention_class(KROON), attention_class(INKOMEN), attention_class(NEUTRAL)) == (0, 2, None)
    text = attention_text(KROON, VEILIG)
    assert "linksonder" in text and f"{KROON.title} laag én {VEILIG.title} laag" in text
    assert "linksboven" in attention_text(GROEN, INKOMEN)  # little green, many low incomes
    assert "rechtsonder" in attention_text(INKOMEN, GROEN)
    assert "linkerkolom" in attention_text(GROEN, NEUTRAL) and "hoger noch lager" in attention_text(GROEN, NEUTRAL)
    assert "geen hoek" in attention_text(NEUTRAL, NEUTRAL)


def test_legend_text_reads_on_every_cell() -> None:
    for fill in (c for row in PALETTE for c in row):
        text = text_color(fill)
        lum = [_relative(fill), _relative(text)]
        assert (max(lum) + 0.05) / (min(lum) + 0.05) >= 4.5, fill


def _relative(hex_color: str) -> float:
    channels = [int(hex_color[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_an_area_is_classed_only_when_both_are_published() -> None:
    S = Status
    assert pair_status(S.PUBLISHED, S.PUBLISHED) is S.PUBLISHED
    assert pair_status(S.PUBLISHED, S.SUPPRESSED) is S.SUPPRESSED is pair_status(S.SUPPRESSED, S.MISSING)
    assert pair_status(S.MISSING, S.PUBLISHED) is S.MISSING


# --- the level and years of a pair --------------------------------------------------------------------------------


class _Years:
    """An artifact stand-in that knows only which years each indicator has per level."""

    def __init__(self, real: Any, years: dict[str, dict[str, tuple[int, ...]]]) -> None:
        self.registry, self.areas, self._years = real.registry, real.areas, years
        self.forecasts: dict[str, frozenset[int]] = {}  # no forecast years

    def years(self, indicator: str) -> dict[str, tuple[int, ...]]:
        return self._years.get(indicator, {})


@pytest.fixture(scope="module")
def demo(demo_build):
    from atlas import Artifact

    return Artifact.open(demo_build)


def _choose(demo, years, level=None, year=None):
    art: Any = _Years(demo, years)
    return choose_pair(art, KROON, VEILIG, level, year)


def test_a_pair_takes_the_latest_year_both_have_or_the_one_asked_for(demo) -> None:
    years = {"kroonbedekking": {"buurt": (2020, 2022, 2024)}, "veilig_buurt": {"buurt": (2020, 2022, 2023)}}
    choice = _choose(demo, years)
    assert (choice.level, choice.year_x, choice.year_y) == ("buurt", 2022, 2022)  # the latest both have
    choice = _choose(demo, years, year=2020)
    assert (choice.year_x, choice.year_y) == (2020, 2020)
    choice = _choose(demo, years, year=2024)  # veilig_buurt has no 2024: its nearest year before
    assert (choice.year_x, choice.year_y) == (2024, 2023)
    assert choice.options == (("buurt", 2024), ("buurt", 2023), ("buurt", 2022), ("buurt", 2020))
    with pytest.raises(NoData, match=r"of Voelt zich veilig in de buurt in 2021$") as err:
        _choose(demo, years, year=2021)  # neither has 2021: as on a map of one indicator, a 404
    assert err.value.options == choice.options  # the error page links to the years that work
    years["veilig_buurt"]["buurt"] = (2019, 2022, 2023)
    with pytest.raises(NoData, match=r"^Kroonbedekking heeft geen cijfers in of vóór 2019$"):
        _choose(demo, years, year=2019)


def test_without_a_shared_year_each_shows_its_latest(demo) -> None:
    years = {"kroonbedekking": {"buurt": (2024,)}, "veilig_buurt": {"buurt": (2021, 2022)}}
    choice = _choose(demo, years)
    assert (choice.year_x, choice.year_y) == (2024, 2022)


def test_a_pair_takes_the_finest_level_both_have(demo) -> None:
    years = {
        "kroonbedekking": {"buurt": (2024,), "wijk": (2024,)},
        "veilig_buurt": {"wijk": (2024,), "stadsdeel": (2024,)},
    }
    assert _choose(demo, years).level == "wijk"
    with pytest.raises(NoData, match="niet allebei cijfers per buurt; samen wel per wijk") as err:
        _choose(demo, years, level="buurt")
    assert err.value.options == (("wijk", 2024),)


def test_a_pair_without_a_common_level_is_a_clear_404(demo) -> None:
    years = {"kroonbedekking": {"buurt": (2024,)}, "veilig_buurt": {"wijk": (2024,), "gemeente": (2024,)}}
    with pytest.raises(NoData, match="geen gebiedsniveau samen") as err:
        _choose(demo, years)
    assert "per buurt" in str(err.value) and "per wijk" in str(err.value)
    with pytest.raises(BadRequest):
        choose_pair(demo, KROON, KROON, None, None)


def test_the_page_says_when_the_years_differ() -> None:
    def sel(ind, year):
        return Selection(ind, "buurt", year, (year,), pd.DataFrame({"code": [], "naam": []}))

    pair = Pair(sel(KROON, 2024), sel(VEILIG, 2022), (("buurt", 2024),), None)
    assert not pair.same_year and pair.year_text == "2024 en 2022"
    assert "Kroonbedekking per buurt uit 2024" in pair.year_note() and "geen jaar waarin beide" in pair.year_note()
    asked = replace(pair, requested=2024)
    assert "laatste jaar in of vóór 2024" in asked.year_note()
    assert Pair(sel(KROON, 2024), sel(VEILIG, 2024), (), None).year_note() == ""


# --- on the demo build ----------------------------------------------------------------------------------------------


def test_withheld_values_in_one_indicator_get_no_class(demo) -> None:
    pair = select_pair(demo, "kroonbedekking", "veilig_buurt", "buurt", None)
    view = bivariate_view(demo, pair, ASSETS)
    veilig = {str(r["code"]): r for r in pair.y.records}
    withheld = {code for code, r in veilig.items() if r["status"] == Status.SUPPRESSED}
    assert withheld, "the demo withholds veilig_buurt in some buurten"
    rows = {r.code: r for r in view.rows}
    for code in withheld:
        assert rows[code].klasse == "geen klasse: niet gepubliceerd (privacy)"
        assert rows[code].waarde_y == "" and rows[code].status_y == Status.SUPPRESSED.label
        assert rows[code].waarde_x != ""  # the other indicator's value is still shown
    both = [code for code, r in rows.items() if r.value_x is not None and r.value_y is not None]
    assert sum(cell.count for row in view.grid for cell in row) == len(both) < len(rows)
    for axis, value in ((0, lambda c: rows[c].value_x), (1, lambda c: rows[c].value_y)):
        # the tertiles are over the areas published for both: the counts per column (row) of the legend say so
        classes = tertiles(np.array([value(c) for c in both]))
        assert classes is not None
        counts = [sum(1 for c in both if classes.of(value(c)) == k) for k in range(3)]
        in_legend = [
            sum(cell.count for row in view.grid for cell in row if (cell.x, cell.y)[axis] == k) for k in range(3)
        ]
        assert in_legend == counts
    lowest = min(both, key=lambda c: rows[c].value_y or 0.0)
    assert view.y_axis.classes[0].startswith(rows[lowest].waarde_y + " – ")
    features = {f["properties"]["code"]: f["properties"] for f in choropleth(_page(view))["features"]}
    palette = {c for row in PALETTE for c in row}
    for code, props in features.items():
        if code in withheld:
            assert props["style"] == UNPUBLISHED_STYLES[Status.SUPPRESSED]
            assert props["waarde_y"] == Status.SUPPRESSED.label
        elif code in both:
            assert props["style"]["fillColor"] in palette
        else:
            assert props["style"]["fillColor"] not in palette
    assert [i.label.split(" voor ")[0] for i in view.unpublished] == [Status.SUPPRESSED.label, Status.MISSING.label]


def _page(view) -> str:
    return view.parts.script


def test_ready_pairs_are_those_the_artifact_has(demo) -> None:
    assert [(x.id, y.id) for x, y in ready_pairs(demo)] == [
        ("kroonbedekking", "veilig_buurt"),
        ("groen_2_22_200", "laag_inkomen_120"),
        ("groen_2_22_200", "stapeling_huishoudens_2"),
    ]


def test_the_map_page_shows_the_grid_the_axes_and_the_table(client) -> None:
    page = client.get("/kaart/kroonbedekking?tegen=veilig_buurt").data.decode()
    cells = re.findall(r'<td class="bivar-cel[^"]*" data-x="(\d)" data-y="(\d)" data-kleur="(#[0-9a-f]{6})"', page)
    assert len(cells) == 9 and len(set(cells)) == 9
    assert {(x, y) for x, y, _ in cells} == {(str(x), str(y)) for x in range(3) for y in range(3)}
    assert re.search(r'class="bivar-cel aandacht" data-x="0" data-y="0" data-kleur="#574249"', page)
    assert "Aandacht nodig: de donkerste hoek, linksonder" in page
    assert "<strong>Kroonbedekking</strong> (%, 2024): van laag (links) naar hoog (rechts)" in page
    assert "<strong>Voelt zich veilig in de buurt</strong> (%, 2024): van laag (onder) naar hoog (boven)" in page
    assert '<input type="hidden" name="tegen" value="veilig_buurt">' in page
    assert "niet gepubliceerd (privacy) voor Kroonbedekking of Voelt zich veilig in de buurt" in page
    assert page.count('<th scope="col"') >= 6 and "Status Voelt zich veilig in de buurt" in page
    assert "<title>Kroonbedekking tegen Voelt zich veilig in de buurt per buurt, 2024" in page
    assert "&amp;tegen=veilig_buurt" in page  # the links to other levels keep the pair


def test_the_home_page_offers_the_ready_pairs(client) -> None:
    page = client.get("/").data.decode()
    assert "Twee kaarten in één" in page
    links = re.findall(r'href="(/kaart/[a-z0-9_]+\?tegen=[a-z0-9_]+)"', page)
    assert links == [
        "/kaart/kroonbedekking?tegen=veilig_buurt",
        "/kaart/groen_2_22_200?tegen=laag_inkomen_120",
        "/kaart/groen_2_22_200?tegen=stapeling_huishoudens_2",
    ]
    for link in links:
        assert client.get(link).status_code == 200, link


@pytest.mark.parametrize(
    ("url", "status", "text"),
    [
        ("/kaart/kroonbedekking?tegen=kroonbedekking", 400, "de indicator van de kaart zelf"),
        ("/kaart/kroonbedekking?tegen=", 400, "is leeg"),
        ("/kaart/kroonbedekking?tegen=veilig_buurt&tegen=inwoners", 400, "2 keer"),
        ("/kaart/kroonbedekking?tegen=onbekend", 404, "onbekende indicator"),
        (
            "/kaart/kroonbedekking?tegen=veilig_buurt&jaar=2019",
            404,
            "Kroonbedekking heeft geen cijfers in of vóór 2019",
        ),
        ("/kaart/kroonbedekking?tegen=veilig_buurt&jaar=2025", 404, "geen cijfers voor Kroonbedekking of"),
        ("/kaart/leven_zinvol?tegen=kroonbedekking&niveau=buurt", 404, "samen wel per wijk, stadsdeel"),
    ],
)
def test_bad_pairs_are_clear_4xx_pages(client, url, status, text) -> None:
    response = client.get(url)
    assert response.status_code == status, url
    assert text in response.data.decode().replace("&#39;", "'")


def test_the_pair_is_part_of_the_cache_key(client) -> None:
    def title(url: str) -> str:
        page = client.get(url).data.decode()
        return re.sub(r"<[^>]+>", "", re.findall(r"<h1>(.*?)</h1>", page)[0])

    assert title("/kaart/kroonbedekking?tegen=veilig_buurt&niveau=wijk") == (
        "Kroonbedekking tegen Voelt zich veilig in de buurt per wijk, 2024"
    )
    assert title("/kaart/kroonbedekking?tegen=laag_inkomen_120&niveau=wijk") == (
        "Kroonbedekking tegen Inkomen tot 120% van het sociaal minimum per wijk, 2024"
    )
    assert title("/kaart/kroonbedekking?niveau=wijk") == "Kroonbedekking per wijk, 2024"
