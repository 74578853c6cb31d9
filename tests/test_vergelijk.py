"""Issue 14 item 6, compare: ``/vergelijk`` sets areas side by side by the profiles' own rules, a wijk's profile lists
its buurten in a sortable table, a buurt's profile names its most similar buurten (computed by the build from
published values only), and the gemeente's profile does not compare Zwolle with itself."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from atlas.artifact import Artifact
from atlas.artifact.similar import CONTEXT_INDICATORS, MIN_SHARED, TOP, context_years, similar_buurten
from atlas.artifact.status import Status, withhold
from atlas.render.comparison import comparison

from .conftest import SCREENSHOTS

GEMEENTE = "GM0193"
WIJK = "WK019310"


@pytest.fixture(scope="module")
def art(demo_build) -> Artifact:
    return Artifact.open(demo_build)


@pytest.fixture(scope="module")
def buurt(art) -> str:
    """A buurt of the wijk with a full list of similar buurten."""
    buurten = art.areas.level("buurt")
    return next(
        str(c) for c in sorted(buurten.code[buurten.parent == WIJK]) if len(art.similar_to(str(c)) or []) == TOP
    )


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


# --- parameters --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "",
        "gebieden=",
        f"gebieden={WIJK}",
        f"gebieden={WIJK},",
        f"gebieden={WIJK},{GEMEENTE},SD019301,SD019302",
        f"gebieden={WIJK},{WIJK}",
        f"gebieden={WIJK},{WIJK.lower()}",
        f"gebieden={WIJK},XX123",
        f"gebieden={WIJK},WK01931٣",
        f"gebieden={WIJK},<script>",
        f"gebieden={WIJK},{GEMEENTE}&gebieden={WIJK},{GEMEENTE}",
    ],
)
def test_a_bad_question_is_a_400(client, query) -> None:
    response = client.get(f"/vergelijk?{query}")
    assert response.status_code == 400, (query, response.status_code)
    assert "<script>" not in response.get_data(as_text=True)


@pytest.mark.parametrize(
    "query", [f"gebieden={WIJK},WK019399", "gebieden=BU01939999,GM0193", "gebieden=GM0001,WK019310"]
)
def test_an_unknown_area_is_a_404(client, query) -> None:
    assert client.get(f"/vergelijk?{query}").status_code == 404


def test_the_form_redirects_to_the_canonical_address(client) -> None:
    response = client.get(f"/vergelijk/kies?gebied1={WIJK.lower()}&gebied2={GEMEENTE}&gebied3=")
    assert response.status_code in (301, 302, 303)
    assert response.headers["Location"].endswith(f"/vergelijk?gebieden={WIJK},{GEMEENTE}")
    assert client.get(response.headers["Location"]).status_code == 200
    assert client.get(f"/vergelijk/kies?gebied1={WIJK}&gebied3=").status_code == 400
    assert client.get(f"/vergelijk/kies?gebied1={WIJK}&gebied2={WIJK}").status_code == 400


def test_codes_are_upper_cased_and_the_order_kept(client) -> None:
    page = client.get(f"/vergelijk?gebieden=sd019302,{WIJK}").get_data(as_text=True)
    assert page.index('data-gebied="SD019302"') < page.index(f'data-gebied="{WIJK}"')


# --- the page: the profiles' own rules ---------------------------------------------------------------------------


def _profile_cells(html: str) -> dict[str, tuple[str, str]]:
    """Indicator -> (value, verdict text) of a profile page's rows."""
    out = {}
    for match in re.finditer(r"<tr>\s*<td><a href=\"/kaart/([a-z0-9_]+)[^\"]*\">(.*?)</tr>", html, re.S):
        ind, body = match.groups()
        value = re.search(r"<strong>(.*?)</strong>", body)
        verdict = re.search(r"data-verdict=\"[^\"]*\"[^>]*>(.*?)</td>", body)
        out[ind] = (value.group(1) if value else "", verdict.group(1) if verdict else "")
    return out


def _compare_cells(html: str, code: str) -> dict[str, tuple[str, str]]:
    out = {}
    for match in re.finditer(r"<tr>\s*<th scope=\"row\"><a href=\"/kaart/([a-z0-9_]+)\">(.*?)</tr>", html, re.S):
        ind, body = match.groups()
        cell = re.search(rf"<td data-gebied=\"{code}\">(.*?)</td>", body, re.S)
        assert cell is not None, (ind, code)
        value = re.search(r"<strong>(.*?)</strong>", cell.group(1))
        verdict = re.search(r"data-verdict=\"[^\"]*\"[^>]*>(.*?)</span>", cell.group(1))
        out[ind] = (value.group(1) if value else "", verdict.group(1) if verdict else "")
    return out


@pytest.mark.parametrize("codes", [f"{WIJK},SD019302,{GEMEENTE}", "buurt"])
def test_each_cell_says_what_the_area_profile_says(client, art, buurt, codes) -> None:
    codes = f"{buurt},{WIJK}" if codes == "buurt" else codes
    page = client.get(f"/vergelijk?gebieden={codes}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    for code in codes.split(","):
        shown = _compare_cells(html, code)
        profile = _profile_cells(client.get(f"/gebied/{code}").get_data(as_text=True))
        assert shown, code
        compared = 0
        for ind, (value, verdict) in shown.items():
            if ind not in profile:
                continue
            assert value == profile[ind][0], (code, ind)
            if code == GEMEENTE:
                assert verdict == "", (code, ind)  # the gemeente is the measure, not compared with itself
            else:
                assert verdict == profile[ind][1], (code, ind)
                compared += bool(verdict)
        assert code == GEMEENTE or compared > 5, code
        assert f'href="/gebied/{code}"' in html


def test_an_indicator_none_of_the_areas_has_is_left_out(client, art) -> None:
    stadsdelen = sorted(art.areas.level("stadsdeel").code)[:2]
    html = client.get(f"/vergelijk?gebieden={','.join(stadsdelen)}").get_data(as_text=True)
    for ind in art.registry:
        if "stadsdeel" not in ind.levels:
            assert f'href="/kaart/{ind.id}"' not in html, ind.id
    c = comparison(art, tuple(stadsdelen))
    assert all(any(cell is not None and cell.year is not None for cell in r.cells) for g in c.groups for r in g.rows)


def test_mixed_levels_name_the_level_without_a_figure(client, art, buurt) -> None:
    c = comparison(art, (buurt, "SD019302"))
    row = next(r for g in c.groups for r in g.rows if r.indicator.id == "gemiddelde_huishoudgrootte")
    assert row.cells[1] is None  # not published for a stadsdeel
    html = client.get(f"/vergelijk?gebieden={buurt},SD019302").get_data(as_text=True)
    assert "niet voor een stadsdeel" in html


def test_the_cache_key_holds_the_areas(app) -> None:
    client = app.test_client()
    one = client.get(f"/vergelijk?gebieden={WIJK},{GEMEENTE}")
    other = client.get(f"/vergelijk?gebieden={WIJK},SD019302")
    assert one.headers["ETag"] != other.headers["ETag"]
    assert 'data-gebied="SD019302"' in other.get_data(as_text=True)


# --- the gemeente's profile --------------------------------------------------------------------------------------


def test_the_gemeente_profile_does_not_compare_zwolle_with_itself(client) -> None:
    html = client.get(f"/gebied/{GEMEENTE}").get_data(as_text=True)
    assert "data-verdict" not in html
    assert "Vergeleken met Zwolle" not in html
    assert "vergeleken met de gemeente" not in html
    assert "de vergelijking met de gemeente" not in html
    wijk = client.get(f"/gebied/{WIJK}").get_data(as_text=True)
    assert "Vergeleken met Zwolle" in wijk and "data-verdict" in wijk


# --- a wijk's buurten --------------------------------------------------------------------------------------------


def test_a_wijk_lists_its_buurten_in_a_sortable_table(client, art) -> None:
    html = client.get(f"/gebied/{WIJK}").get_data(as_text=True)
    table = html[html.index('<table class="data sortable onderdelen">') :]
    table = table[: table.index("</table>")]
    buurten = art.areas.level("buurt")
    mine = buurten[buurten.parent == WIJK].sort_values("naam")
    links = re.findall(r"<a href=\"/gebied/(BU\d+)\">", table)
    assert links == list(mine.code)
    assert '<th scope="col" aria-sort="ascending">Buurt</th>' in table
    assert "Inwoners (" in table and "Voelt zich eenzaam (" in table
    for code in links:
        assert client.get(f"/gebied/{code}").status_code == 200


def test_a_withheld_value_in_the_table_shows_its_status(art) -> None:
    from atlas.render.comparison import parts_table
    from atlas.render.profile import Area

    layer = art.areas.level("buurt")
    children = [Area(str(c), str(n), "buurt") for c, n in zip(layer.code, layer.naam, strict=True)]
    table = parts_table(art, children)
    assert table is not None
    year = {c.indicator.id: c.year for c in table.columns}
    for row in table.rows:
        for col, cell in zip(table.columns, row.cells, strict=True):
            found = art.rows(col.indicator.id, "buurt", year[col.indicator.id])
            found = found[found.code == row.area.code]
            if len(found) and found.status.iloc[0] == Status.SUPPRESSED.value:
                assert cell.text == Status.SUPPRESSED.label and cell.sort == ""


# --- similar buurten ---------------------------------------------------------------------------------------------


def test_similar_buurten_are_five_others_nearest_first(art, buurt) -> None:
    table = pd.read_parquet(art.path / "similar.parquet")
    assert list(table.columns) == ["code", "rank", "other", "distance", "shared"]
    assert (table.code != table.other).all()
    assert (table.shared >= MIN_SHARED).all()
    for _, rows in table.groupby("code"):
        assert list(rows["rank"]) == list(range(1, len(rows) + 1)) and len(rows) <= TOP
        assert rows.distance.is_monotonic_increasing
        assert rows.other.is_unique
    full = table.groupby("code").size()
    assert (full == TOP).mean() > 0.9
    assert len(art.similar_to(buurt)) == TOP
    assert art.manifest["similar"]["min_shared"] == MIN_SHARED
    assert set(art.manifest["similar"]["indicators"]) <= set(CONTEXT_INDICATORS)


def test_similar_buurten_are_deterministic(art) -> None:
    first = similar_buurten(art.values, art.forecasts)
    again = similar_buurten(art.values.sample(frac=1.0, random_state=3), art.forecasts)
    pd.testing.assert_frame_equal(first, again)
    pd.testing.assert_frame_equal(first, pd.read_parquet(art.path / "similar.parquet"), check_dtype=False)


def test_a_withheld_value_does_not_enter(art, buurt) -> None:
    """A withheld value counts as no value, even if a number stayed behind; forecasts never count."""
    values = art.values
    years = context_years(values, art.forecasts)
    target = (
        (values.indicator == "woz_waarde")
        & (values.code == buurt)
        & (values.period.astype(str) == str(years["woz_waarde"]))
    )
    assert target.sum() == 1
    without = values[~target.to_numpy()]
    withheld = withhold(values, target.to_numpy())
    leaking = withheld.copy()
    leaking.loc[target, "value"] = 10_000_000.0  # a number left behind in a withheld row must still not count
    expected = similar_buurten(without, art.forecasts)
    for frame in (withheld, leaking):
        pd.testing.assert_frame_equal(similar_buurten(frame, art.forecasts), expected)
    before = similar_buurten(values, art.forecasts)
    assert expected[expected.code == buurt].shared.max() < before[before.code == buurt].shared.max()
    future = values[(values.indicator == "leeftijd_65_plus") & (values.level == "buurt")].copy()
    future["period"] = "2031"
    future["status"] = Status.PROGNOSE.value
    future["value"] = np.linspace(0, 100, len(future))
    forecasts = {**art.forecasts, "leeftijd_65_plus": art.forecasts.get("leeftijd_65_plus", frozenset()) | {2031}}
    pd.testing.assert_frame_equal(similar_buurten(pd.concat([values, future]), forecasts), before)


def test_a_buurt_with_too_few_values_gets_no_list() -> None:
    rows = []
    for i, code in enumerate(["BU01930001", "BU01930002", "BU01930003", "BU01930004"]):
        for j, ind in enumerate(CONTEXT_INDICATORS):
            if code == "BU01930004" and j >= MIN_SHARED - 1:
                status, value = Status.SUPPRESSED.value, np.nan
            else:
                status, value = Status.PUBLISHED.value, float(i * (j + 1) + j)
            rows.append(
                {"indicator": ind, "code": code, "level": "buurt", "period": "2024", "value": value, "status": status}
            )
    found = similar_buurten(pd.DataFrame(rows), {})
    assert "BU01930004" not in set(found.code) and "BU01930004" not in set(found.other)
    assert list(found[found.code == "BU01930001"].other) == ["BU01930002", "BU01930003"]


def test_a_buurt_profile_names_its_similar_buurten_with_working_links(client, art, buurt) -> None:
    html = client.get(f"/gebied/{buurt}").get_data(as_text=True)
    section = html[html.index('id="vergelijkbaar"') :]
    section = section[: section.index("</section>")]
    others = [code for code, _ in art.similar_to(buurt)]
    assert re.findall(r"<li><a href=\"/gebied/(BU\d+)\">", section) == others
    assert "leeftijdsopbouw" in _text(section)
    for other in others:
        link = f"/vergelijk?gebieden={buurt},{other}"
        assert f'href="{link}"' in section
        assert client.get(link).status_code == 200
        assert client.get(f"/gebied/{other}").status_code == 200


# --- in the browser ----------------------------------------------------------------------------------------------


@pytest.mark.browser
def test_the_compare_page_in_the_browser(page, live_server, art, buurt) -> None:
    """The screenshot of the compare page (tests/_screenshots/vergelijk.png, laptop width), and a wijk's table sorts
    by a click on a header."""
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server}/vergelijk?gebieden={buurt},{WIJK},{GEMEENTE}")
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.scrollWidth") <= 1366
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "vergelijk.png"))
    page.goto(f"{live_server}/gebied/{WIJK}")
    table = page.locator("table.onderdelen")
    header = table.locator("thead th").nth(1)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    counts = [int(t.replace(".", "")) for t in table.locator("tbody tr td:nth-child(2)").all_inner_texts()]
    assert counts == sorted(counts)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    assert table.locator("thead th").first.get_attribute("aria-sort") is None
    assert page.console_errors == []


def test_a_buurt_without_a_list_says_why(art, buurt, monkeypatch) -> None:
    from atlas.render.comparison import similar_of
    from atlas.render.profile import find_area

    monkeypatch.setattr(art, "similar_to", lambda code: [])
    found = similar_of(art, find_area(art, buurt))
    assert found is not None and found.buurten == () and "minder dan 100 inwoners" in found.reason
    assert similar_of(art, find_area(art, WIJK)) is None  # only buurten have a list


def test_small_buurten_take_no_part(art) -> None:
    """A buurt with fewer than MIN_INHABITANTS inhabitants is nobody's similar buurt and gets no list itself."""
    from atlas.artifact.compare import MIN_INHABITANTS

    people = art.values[(art.values.indicator == "inwoners") & (art.values.level == "buurt")]
    latest = people[people.period == max(p for p in people.period.unique() if int(p) <= 2024)]
    small = set(latest.code[latest.value.astype(float) < MIN_INHABITANTS])
    assert small, "the demo has small buurten (business parks)"
    buurten = [str(c) for c in art.areas.level("buurt").code]
    lists = {code: art.similar_to(code) or [] for code in buurten}
    assert all(lists[code] == [] for code in small)
    assert not {other for found in lists.values() for other, _ in found} & small
    assert sum(1 for found in lists.values() if found) > 40


def test_differing_years_are_marked(art, buurt) -> None:
    from dataclasses import replace

    from atlas.render.comparison import CompareRow

    c = comparison(art, (buurt, WIJK))
    row = next(r for g in c.groups for r in g.rows if all(cell is not None and cell.year for cell in r.cells))
    assert not row.years_differ
    first, second = row.cells
    assert first is not None and second is not None and second.year is not None
    assert CompareRow(row.indicator, (first, replace(second, year=second.year - 1))).years_differ


def test_similar_by_blocks_equals_the_plain_definition(monkeypatch) -> None:
    """The blockwise matrix form gives what the rule says, computed pair by pair (gaps included), for any block."""
    import numpy as np
    import pandas as pd

    import atlas.artifact.similar as similar

    rng = np.random.default_rng(7)
    z = rng.normal(size=(60, len(similar.CONTEXT_INDICATORS)))
    z[rng.random(z.shape) < 0.3] = np.nan
    codes = [f"BU{i:08d}" for i in range(60)]
    scores = pd.DataFrame(z, index=codes, columns=list(similar.CONTEXT_INDICATORS))
    monkeypatch.setattr(similar, "context_scores", lambda values, forecasts: scores)
    expected = []
    for i, code in enumerate(codes):
        pairs = []
        for j, other in enumerate(codes):
            both = np.isfinite(z[i]) & np.isfinite(z[j])
            if i != j and both.sum() >= similar.MIN_SHARED:
                d = round(float(np.sqrt(((z[i, both] - z[j, both]) ** 2).mean())), similar.DECIMALS)
                pairs.append((d, other, int(both.sum())))
        for rank, (d, other, shared) in enumerate(sorted(pairs)[: similar.TOP], 1):
            expected.append((code, rank, other, d, shared))
    for block in (1, 7, 256):
        monkeypatch.setattr(similar, "BLOCK", block)
        found = similar.similar_buurten(pd.DataFrame(), {})
        assert [tuple(r) for r in found.itertuples(index=False)] == expected, block
