"""Pages that know where data exists, and show each value's own source.

The demo fills every indicator in every year, so these tests serve a copy of the demo build whose values table is
thinned out the way real data is: an indicator without any figure, one that stops at buurt level after 2022, one
that stops altogether after 2021 (as the real cijfersoverzwolle income columns do), one with figures only for the
whole gemeente, one area without figures, and a source that changes halfway a series.
"""

from __future__ import annotations

import csv
import html
import io
import json
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from atlas.web import create_app

NONE = "vrijwilligerswerk"  # no figure at all (and a Koers indicator: hoofddoel 1)
BUURT_UNTIL_2022 = "eenzaamheid"  # buurt 2019-2022, wijk and up 2019-2024
UNTIL_2021 = "mantelzorg"  # every level 2019-2021, rows for 2022-2024 present but missing
CITY_ONLY = "ervaren_gezondheid"  # only the gemeente
HOLE = "veilig_buurt"  # no figure for one buurt
SWITCH = "inwoners"  # the source changes in 2023 for one buurt
BUURT = "BU01931000"
NEW_SOURCE = "Basisregistratie Personen (gemeente Zwolle)"


def _missing(values: pd.DataFrame, mask: pd.Series) -> None:
    values.loc[mask, "value"] = np.nan
    values.loc[mask, "n"] = np.nan
    values.loc[mask, "status"] = "missing"
    for column in ("ci_low", "ci_high"):
        values.loc[mask, column] = np.nan
    values.loc[mask, "significant"] = ""


@pytest.fixture(scope="module")
def sparse(demo_build: Path, tmp_path_factory) -> Path:
    build = tmp_path_factory.mktemp("sparse") / "build"
    shutil.copytree(demo_build, build)
    v = pd.read_parquet(build / "values.parquet")
    year = v.period.str[:4].astype(int)
    _missing(v, v.indicator == NONE)
    _missing(v, (v.indicator == BUURT_UNTIL_2022) & (v.level == "buurt") & (year > 2022))
    _missing(v, (v.indicator == UNTIL_2021) & (year > 2021))
    _missing(v, (v.indicator == CITY_ONLY) & (v.level != "gemeente"))
    _missing(v, (v.indicator == HOLE) & (v.code == BUURT))
    v.loc[(v.indicator == SWITCH) & (v.code == BUURT) & (year >= 2023), "source"] = NEW_SOURCE
    v.to_parquet(build / "values.parquet", index=False)
    return build


@pytest.fixture(scope="module")
def web(sparse: Path):
    return create_app(sparse, {"TESTING": True, "ATLAS_TILES": False}).test_client()


def _page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.data.decode()


def _options(page: str, select_id: str) -> list[tuple[str, str]]:
    block = re.search(rf'<select id="{select_id}".*?</select>', page, re.S)
    assert block, select_id
    return [(v, html.unescape(t)) for v, t in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', block.group(0))]


def _title(page: str) -> str:
    return re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)).strip()


# --- menus ---------------------------------------------------------------------------------------


def test_menus_offer_only_indicators_with_data(web, client) -> None:
    page = _page(web, "/")
    offered = [v for v, _ in _options(page, "k-indicator")]
    assert NONE not in offered and {BUURT_UNTIL_2022, UNTIL_2021, CITY_ONLY, HOLE} <= set(offered)
    assert len(offered) == 67  # the demo's 68 minus the one without figures
    assert len(_options(_page(client, "/"), "k-indicator")) == 68  # the untouched demo offers all
    assert f'href="/kaart/{NONE}"' not in page  # neither in the goal lists nor in the theme lists
    assert re.search(r"Doet vrijwilligerswerk</a>", page) is None
    absent = re.findall(r'<p class="muted nodata-list">Nog geen cijfers in deze atlas: ([^<]*)</p>', page)
    assert absent == ["Doet vrijwilligerswerk"]  # named under its goal, without a link
    card = _page(web, "/doelen/1")
    assert f'href="/kaart/{NONE}"' not in card and "(geen cijfers in deze atlas)" in card


def test_the_home_form_knows_levels_and_years_per_indicator(web) -> None:
    page = _page(web, "/")
    found = dict(re.findall(r'<option value="(\w+)" data-beschikbaar="([^"]*)"', page))
    assert json.loads(html.unescape(found[UNTIL_2021])) == {
        lv: [2019, 2020, 2021] for lv in ("buurt", "wijk", "stadsdeel")
    }
    assert json.loads(html.unescape(found[BUURT_UNTIL_2022]))["buurt"] == [2019, 2020, 2021, 2022]
    assert json.loads(html.unescape(found[CITY_ONLY])) == {}  # nothing a map can show: the form still lists it
    assert _options(page, "k-niveau")[0] == ("", "fijnste met cijfers")
    assert _options(page, "k-jaar")[0] == ("", "laatste jaar met cijfers")


# --- defaults and 404s ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "title"),
    [
        (f"/kaart/{UNTIL_2021}", "per buurt, 2021"),  # latest year with data, finest level
        (f"/kaart/{BUURT_UNTIL_2022}", "per wijk, 2024"),  # the latest year first, then the finest level in it
        (f"/kaart/{BUURT_UNTIL_2022}?niveau=buurt", "per buurt, 2022"),
        (f"/kaart/{BUURT_UNTIL_2022}?jaar=2021", "per buurt, 2021"),
        (f"/kaart/{UNTIL_2021}?niveau=stadsdeel", "per stadsdeel, 2021"),
    ],
)
def test_maps_default_to_the_latest_year_and_finest_level_with_data(web, url: str, title: str) -> None:
    assert _title(_page(web, url)).endswith(title)


def test_the_map_chooser_offers_what_exists(web) -> None:
    page = _page(web, f"/kaart/{BUURT_UNTIL_2022}?niveau=buurt")
    assert [v for v, _ in _options(page, "m-jaar")] == ["2022", "2021", "2020", "2019"]
    levels = dict(re.findall(r'<option value="(\w+)" data-jaren="([^"]*)"', page))
    assert levels == {
        "buurt": "2019 2020 2021 2022",
        "wijk": "2019 2020 2021 2022 2023 2024",
        "stadsdeel": levels["stadsdeel"],
    }
    summary = re.sub(r"\s+", " ", re.search(r"<summary>(.*?)</summary>", page, re.S).group(1))
    assert summary == "Cijfers zijn er per buurt voor 2019–2022; per wijk voor 2019–2024; per stadsdeel voor 2019–2024"
    links = re.findall(rf'href="(/kaart/{BUURT_UNTIL_2022}\?niveau=wijk&amp;jaar=\d+)"', page)
    assert len(links) == 6
    page = _page(web, f"/kaart/{UNTIL_2021}")
    assert [v for v, _ in _options(page, "m-jaar")] == ["2021", "2020", "2019"]


def _alternatives(page: str) -> list[str]:
    section = re.search(r'<section class="alternatives".*?</section>', page, re.S)
    return [html.unescape(u) for u in re.findall(r'href="([^"]+)"', section.group(0))] if section else []


def test_an_empty_combination_is_a_404_with_links_to_what_exists(web) -> None:
    page = _page(web, f"/kaart/{UNTIL_2021}?jaar=2024&stadsdeel=SD019302", 404)
    assert "<p>geen cijfers voor Verleent mantelzorg in 2024</p>" in page
    links = _alternatives(page)
    assert f"/kaart/{UNTIL_2021}?stadsdeel=SD019302&niveau=buurt&jaar=2021" in links
    assert len(links) == 9 and not any("2022" in u or "gemeente" in u for u in links)  # 3 levels x 3 years
    for url in links[:2]:
        assert web.get(url).status_code == 200
    page = _page(web, f"/kaart/{BUURT_UNTIL_2022}?niveau=buurt&jaar=2024", 404)
    assert "per buurt in 2024; wel in 2019, 2020, 2021, 2022" in html.unescape(page)
    assert f"/kaart/{BUURT_UNTIL_2022}?niveau=wijk&jaar=2024" in _alternatives(page)
    page = _page(web, f"/kaart/{CITY_ONLY}", 404)  # a map cannot show the gemeente alone
    assert "alleen cijfers voor de hele gemeente" in page and not _alternatives(page)
    page = _page(web, f"/kaart/{NONE}", 404)
    assert "deze atlas heeft geen cijfers voor Doet vrijwilligerswerk" in page and not _alternatives(page)


def test_downloads_and_the_api_say_the_same(web) -> None:
    page = _page(web, f"/download/{UNTIL_2021}.csv?jaar=2023", 404)
    assert f"/download/{UNTIL_2021}.csv?niveau=gemeente&jaar=2021" in _alternatives(page)
    rows = list(csv.DictReader(io.StringIO(_page(web, f"/download/{UNTIL_2021}.csv"))))
    assert {r["jaar"] for r in rows} == {"2021"} and {r["niveau"] for r in rows} == {"buurt"}
    response = web.get(f"/api/values?indicator={UNTIL_2021}&jaar=2024")
    assert response.status_code == 404
    available = response.get_json()["error"]["available"]
    assert {
        "niveau": "gemeente",
        "jaar": 2021,
        "url": f"/api/values?indicator={UNTIL_2021}&niveau=gemeente&jaar=2021",
    } in available
    assert {(a["niveau"], a["jaar"]) for a in available} == {
        (lv, y) for lv in ("buurt", "wijk", "stadsdeel", "gemeente") for y in (2019, 2020, 2021)
    }
    indicators = {i["id"]: i for i in web.get("/api/indicators").get_json()}
    assert indicators[NONE]["years"] == [] and indicators[NONE]["available"] == {}
    assert indicators[UNTIL_2021]["years"] == [2019, 2020, 2021]
    assert indicators[CITY_ONLY]["available"] == {"gemeente": [2019, 2020, 2021, 2022, 2023, 2024]}


# --- profiles ------------------------------------------------------------------------------------


def _profile_row(page: str, indicator: str) -> str:
    rows = re.findall(r"<tr>\s*<td><a href=\"/kaart/(\w+)\?.*?</tr>", page, re.S)
    assert indicator in rows, indicator
    return re.search(rf'<tr>\s*<td><a href="/kaart/{indicator}\?.*?</tr>', page, re.S).group(0)


def _year_cell(row: str) -> str:
    return re.findall(r'<td class="num">([^<]*)</td>', row)[-1]


def test_a_profile_shows_the_latest_year_with_data_per_indicator(web, client) -> None:
    page = _page(web, f"/gebied/{BUURT}")
    row = _profile_row(page, UNTIL_2021)
    assert _year_cell(row) == "2021"
    assert "geen gegevens" not in row and re.search(r"<strong>[\d.,]+%</strong>", row)
    assert _year_cell(_profile_row(_page(client, f"/gebied/{BUURT}"), UNTIL_2021)) == "2024"  # untouched demo
    assert _year_cell(_profile_row(page, BUURT_UNTIL_2022)) == "2022"
    hole = _profile_row(page, HOLE)  # others have figures, this buurt has none: said so, without a year
    assert "geen gegevens" in hole and _year_cell(hole) == ""
    assert f'href="/kaart/{NONE}?' not in page  # no data anywhere: not listed
    wijk = _page(web, "/gebied/WK019310")
    assert _year_cell(_profile_row(wijk, BUURT_UNTIL_2022)) == "2024"


def test_a_profile_shows_each_values_source_and_marks_a_change(web) -> None:
    row = _profile_row(_page(web, f"/gebied/{BUURT}"), SWITCH)
    assert (
        "bron: CBS Kerncijfers wijken en buurten (synthetische demodata) (2019–2022); "
        f"{NEW_SOURCE} (2023–2024)" in html.unescape(row)
    )
    spark = re.search(r'<svg class="spark[^"]*".*?</svg>', row, re.S).group(0)  # inwoners has a forecast too
    assert spark.count('class="source-change"') == 1
    assert "andere bron vanaf 2023" in spark
    page = html.unescape(_page(web, f"/gebied/{BUURT}"))
    group = page.split("Leeftijd, bevolking en huishoudens</h2>")[1].split("<table")[0]
    assert "Bron: CBS Kerncijfers wijken en buurten (synthetische demodata), tenzij anders vermeld." in group
    other = html.unescape(_page(web, "/gebied/BU01931010"))
    row = _profile_row(other, SWITCH)
    assert 'class="source-change"' not in row and "bron:" not in row  # the table's source, named once above it
    group = other.split("Leeftijd, bevolking en huishoudens</h2>")[1].split("<table")[0]
    assert "Bron: CBS Kerncijfers wijken en buurten (synthetische demodata). Prognoses" in group  # then the forecasts'
    assert "tenzij anders vermeld" not in group


def test_the_legend_lists_the_values_sources(web) -> None:
    page = _page(web, f"/kaart/{SWITCH}?niveau=buurt&jaar=2024")
    legend = html.unescape(page.split('aria-label="Legenda"')[1].split("</section>")[0])
    assert f"Bron: CBS Kerncijfers wijken en buurten (synthetische demodata); {NEW_SOURCE}" in legend
    assert "Bron: CBS, Kerncijfers wijken en buurten" not in legend  # the registry's words
    page = _page(web, f"/kaart/{UNTIL_2021}?niveau=stadsdeel")  # derived twice: named once, by the level given
    legend = html.unescape(page.split('aria-label="Legenda"')[1].split("</section>")[0])
    assert "(synthetische demodata) (berekend uit buurten)</p>" in legend
