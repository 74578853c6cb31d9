"""The web atlas of the levels above the gemeente (issue 15): a gemeente's profile beside its regio and Nederland, a
page for each regio and for Nederland, the map of the gemeenten of one regio, the API's rows of an area above."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from flask.testing import FlaskClient

from atlas.artifact import Artifact
from atlas.demo import write_country
from atlas.pipeline.run import build
from atlas.render.selection import format_value
from atlas.web import create_app
from tests.conftest import serving

REGIO_AALDEN = [f"GM90{n:02d}" for n in range(1, 12)]


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The synthetic country of 13 gemeenten in two regio's, with Nederland on top (``nederland.yaml``)."""
    land = tmp_path_factory.mktemp("land") / "land"
    write_country(land, 13)
    out = tmp_path_factory.mktemp("land-build") / "build"
    build(land / "nederland.yaml", out)
    return out


@pytest.fixture(scope="module")
def art(country: Path) -> Artifact:
    return Artifact.open(country)


@pytest.fixture(scope="module")
def client(country: Path) -> FlaskClient:
    return create_app(country, {"TESTING": True, "ATLAS_TILES": False}).test_client()


@pytest.fixture(scope="module")
def stored(country: Path) -> pd.DataFrame:
    """values.parquet as the build wrote it."""
    return pd.read_parquet(country / "values.parquet")


def _text(client: FlaskClient, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def _value(stored: pd.DataFrame, indicator: str, code: str, year: int) -> float:
    rows = stored[(stored.indicator == indicator) & (stored.code == code) & (stored.period.str[:4] == str(year))]
    assert len(rows) == 1 and rows.status.iloc[0] == "ok", (indicator, code, year)
    return float(rows.value.iloc[0])


def test_the_artifact_lists_the_areas_above(art: Artifact) -> None:
    assert list(art.above) == ["RG0001", "RG0002", "NL01"]
    assert art.above["RG0001"].gemeenten == tuple(REGIO_AALDEN) and art.above["NL01"].level == "nederland"
    assert [a.code for a in art.above_of("GM9012")] == ["RG0002", "NL01"]
    region = art.region("RG0002")
    assert set(region.values.code) == {"GM9012", "GM9013"} and set(region.values.level) == {"gemeente"}
    assert region is art.region("RG0002")
    assert not set(art.part("GM9001").values.level) & {"regio", "nederland"}
    assert list(art.above_layer("regio").code) == ["RG0001", "RG0002"]


# --- the gemeente profile beside its regio and Nederland -------------------------------------------------------------

_HEAD = re.compile(r"<thead><tr><th scope=\"col\">Indicator</th>(.*?)</tr></thead>")
_ROW = re.compile(
    r'<tr>\n<td><a href="/kaart/(?P<ind>[a-z0-9_]+)[^"]*">(?:(?!</tr>).)*?</td>\n<td class="num">(?P<own>.*?)</td>\n'
    r'<td class="num above">(?P<regio>[^<]*)</td><td class="num above">(?P<nl>[^<]*)</td>'
    r'(?:(?!</tr>).)*?<td class="num">(?P<year>\d{4})</td>',
    re.S,
)


def test_the_gemeente_profile_shows_its_regio_and_nederland(client: FlaskClient, art: Artifact, stored) -> None:
    page = _text(client, "/gebied/GM9012")
    heads = _HEAD.findall(page)
    assert heads and all("Regio Aaldensum</th>" in h and ">Nederland</th>" in h for h in heads)
    assert "Vergeleken met" not in heads[0]  # no verdict against them
    assert 'ligt in regio <a href="/gebied/RG0002">Regio Aaldensum</a>' in page
    rows = list(_ROW.finditer(page))
    assert len(rows) >= 10
    checked = 0
    for row in rows:
        ind = art.registry.indicator(row["ind"])
        year = int(row["year"])
        for code, shown in (("RG0002", row["regio"]), ("NL01", row["nl"])):
            if shown:
                assert html.unescape(shown) == format_value(_value(stored, ind.id, code, year), ind), (ind.id, code)
                checked += 1
    assert checked >= 20
    inwoners = next(r for r in rows if r["ind"] == "inwoners")
    assert html.unescape(inwoners["nl"]) == format_value(
        _value(stored, "inwoners", "NL01", int(inwoners["year"])), art.registry.indicator("inwoners")
    )


def test_buurt_and_wijk_profiles_are_unchanged(client: FlaskClient, art: Artifact) -> None:
    buurt = art.areas.level("buurt").code.iloc[0]
    page = _text(client, f"/gebied/{buurt}")
    assert 'class="num above"' not in page and "Regio Aalden" not in page


# --- the pages of a regio and of Nederland ---------------------------------------------------------------------------


def test_the_regio_page_lists_its_gemeenten_and_values(client: FlaskClient, art: Artifact, stored) -> None:
    page = _text(client, "/gebied/RG0001")
    assert "<h1>Regio Aalden</h1>" in page and "<strong>Regio</strong>" in page
    members = re.search(r'<h2 id="gemeenten-titel">.*?</ul>', page, re.S)
    assert members is not None
    assert sorted(re.findall(r'href="/gebied/(GM\d{4})"', members.group(0))) == REGIO_AALDEN
    row = re.search(
        r"<td>Inwoners.*?</td>\n<td class=\"num\"><strong>([^<]*)</strong>.*?"
        r'<td class="num">(\d{4})</td>\n</tr>',
        page,
        re.S,
    )
    assert row is not None
    year = int(row.group(2))
    total = _value(stored, "inwoners", "RG0001", year)
    members_total = sum(_value(stored, "inwoners", g, year) for g in REGIO_AALDEN)
    assert total == members_total
    assert html.unescape(row.group(1)) == format_value(total, art.registry.indicator("inwoners"))
    assert f"/kaart/inwoners?niveau=gemeente&amp;jaar={year}&amp;regio=RG0001" in page
    assert 'href="/gebied/NL01">Nederland</a>' in page and "verdict" not in page


def test_the_nederland_page(client: FlaskClient) -> None:
    page = _text(client, "/gebied/NL01")
    assert "<h1>Nederland</h1>" in page
    assert len(set(re.findall(r'href="/gebied/(GM\d{4})"', page))) == 13
    assert 'href="/gebied/RG0001"' in page and 'href="/gebied/RG0002"' in page
    assert "/kaart/inwoners?niveau=gemeente&amp;jaar=" in page and "regio=NL01" not in page
    assert _text(client, "/gebied/nl01") == page


@pytest.mark.parametrize("code", ["RG0009", "NL02", "RG1", "RG00001", "RG0001x", "%F0%9F%98%80", "GM0001"])
def test_an_unknown_or_malformed_code_is_not_found(client: FlaskClient, code: str) -> None:
    assert client.get(f"/gebied/{code}").status_code == 404
    assert client.get("/gebied/RG0001?adres=8011AB-12").status_code == 404


def test_the_home_page_lists_the_regios(client: FlaskClient) -> None:
    page = _text(client, "/")
    assert page.index('id="regios"') < page.index('id="gemeenten"')
    regios = page[page.index('id="regios"') : page.index('id="gemeenten"')]
    assert [c for c in re.findall(r'href="/gebied/([A-Z]{2}\d+)"', regios)] == ["RG0001", "RG0002", "NL01"]


# --- the map of the gemeenten -----------------------------------------------------------------------------------------


def _map_codes(page: str) -> set[str]:
    return set(re.findall(r'<td data-sort="[^"]*"><a href="/gebied/(GM\d{4})"', page))


def test_the_map_of_one_regio_holds_only_its_gemeenten(client: FlaskClient) -> None:
    every = _text(client, "/kaart/inwoners?niveau=gemeente")
    assert len(_map_codes(every)) == 13
    assert 'href="/gebied/RG0001">Regio Aalden</a>' in every and 'href="/gebied/NL01">Nederland</a>' in every
    page = _text(client, "/kaart/inwoners?niveau=gemeente&regio=RG0002")
    assert _map_codes(page) == {"GM9012", "GM9013"}
    assert "Regio Aaldensum" in page[page.index("<h1>") : page.index("</h1>")]
    assert _text(client, "/kaart/inwoners?regio=rg0002") == page  # a regio chooses the map of the gemeenten
    bivariate = _text(client, "/kaart/inwoners?niveau=gemeente&regio=RG0002&tegen=laag_inkomen_120")
    assert _map_codes(bivariate) == {"GM9012", "GM9013"}
    buurten = _text(client, "/kaart/inwoners?niveau=buurt&regio=RG0002")  # a map of buurten is of one gemeente
    assert buurten == _text(client, "/kaart/inwoners?niveau=buurt")
    chooser = client.get("/kaart?indicator=inwoners&niveau=&jaar=&regio=RG0001")
    assert chooser.status_code == 302 and "regio=RG0001" in chooser.headers["Location"]


@pytest.mark.parametrize(
    ("regio", "status"), [("RG1", 400), ("R00001", 400), ("RG0001;", 400), ("RG0009", 404), ("NL01", 404)]
)
def test_a_bad_regio_of_the_map(client: FlaskClient, regio: str, status: int) -> None:
    assert client.get(f"/kaart/inwoners?niveau=gemeente&regio={regio}").status_code == status
    assert client.get("/kaart/inwoners?niveau=gemeente&regio=RG0001&regio=RG0002").status_code == 400


# --- the API ----------------------------------------------------------------------------------------------------------


def test_the_api_gives_the_rows_of_a_regio(client: FlaskClient, stored) -> None:
    body = client.get("/api/values?indicator=inwoners&code=RG0001").get_json()
    assert body["niveau"] == "regio" and body["code"] == "RG0001"
    expected = stored[(stored.indicator == "inwoners") & (stored.code == "RG0001")].sort_values("period")
    assert [r["period"] for r in body["values"]] == list(expected.period)
    assert [r["value"] for r in body["values"]] == list(expected.value)
    assert all(r["verdict"] == "" for r in body["values"])
    one = client.get("/api/values?indicator=inwoners&code=NL01&jaar=2024").get_json()
    assert [r["value"] for r in one["values"]] == [_value(stored, "inwoners", "NL01", 2024)]
    assert client.get("/api/values?indicator=inwoners&code=RG0009").status_code == 404
    assert client.get("/api/values?indicator=inwoners&code=rg0001").status_code == 400
    assert client.get("/api/values?indicator=inwoners&code=RG1").status_code == 400
    assert client.get("/api/values?indicator=inwoners&code=NL01&niveau=gemeente").status_code == 404
    doc = client.get("/api/openapi.json").get_json()
    params = {p["name"]: p for p in doc["paths"]["/api/values"]["get"]["parameters"]}
    assert "RG0001" in params["code"]["description"] and re.fullmatch(params["code"]["schema"]["pattern"], "NL01")


def test_a_build_without_levels_above_answers_404(demo_build: Path) -> None:
    client = create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False}).test_client()
    assert client.get("/gebied/RG0001").status_code == 404
    assert client.get("/gebied/NL01").status_code == 404
    assert client.get("/api/values?indicator=inwoners&code=NL01").status_code == 404
    assert client.get("/kaart/inwoners?regio=RG0001").status_code == 404
    assert "Regio's" not in _text(client, "/")


# --- in a browser -----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(country: Path) -> Iterator[str]:
    with serving(country) as base:
        yield base


def test_the_pages_above_the_gemeente_meet_wcag_21_aa(page, served: str) -> None:  # type: ignore[no-untyped-def]
    module = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python")
    from tests.test_accessibility import wcag_violations

    found = wcag_violations(
        page,
        served,
        ("/gebied/RG0001", "/gebied/NL01", "/gebied/GM9001", "/", "/kaart/inwoners?regio=RG0002"),
        module.Axe(),
    )
    assert found == {}, found
    assert page.console_errors == []
