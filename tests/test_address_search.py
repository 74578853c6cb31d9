"""Search that finds addresses (issue 13, item 3): BAG fields in, an address book in the artifact, hits that lead
to the buurt's profile with the address marked and its own 2-22-200 result."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

import atlas
from atlas.artifact.layout import ADDRESSES_FILE, OVERLAYS_FILE
from atlas.errors import SourcesError
from atlas.findings import Findings
from atlas.pipeline.addressbook import address_book
from atlas.render.search import search
from atlas.sources.groen import read_points
from atlas.sources.spec.groen import parse_groen

from .conftest import SCREENSHOTS

BAG_COLUMNS = {  # PDOK's BAG GeoPackage, layer verblijfsobject
    "identificatie": ["0193010000000001", "0193010000000002", "0193010000000003", "0193010000000004"],
    "openbare_ruimte_naam": ["Grote Markt", "Grote Markt", "Melkmarkt", "Melkmarkt"],
    "huisnummer": [1, 2, 12, 12],
    "huisletter": [None, None, None, "a"],
    "toevoeging": [None, "2", None, None],
    "postcode": ["8011LV", "8011LV", "8011 MA", "8011MA"],
    "woonplaats_naam": ["Zwolle", "Zwolle", "Zwolle", "Zwolle"],
}


def _bag(tmp_path: Path, **changes: list) -> Path:
    columns = {**BAG_COLUMNS, **changes}
    points = shapely.points(np.array([[203000.0, 502500.0], [203010, 502500], [203020, 502500], [203030, 502500]]))
    path = tmp_path / "bag.gpkg"
    pyogrio.write_dataframe(gpd.GeoDataFrame(columns, geometry=points, crs="EPSG:28992"), path, layer="verblijfsobject")
    return path


def _spec(tmp_path: Path, addresses: dict):
    for name in ("canopy.tif", "trees.gpkg", "parks.gpkg"):
        (tmp_path / name).write_bytes(b"")
    raw = {
        "year": 2024,
        "canopy": {"path": "canopy.tif"},
        "trees": {"path": "trees.gpkg"},
        "parks": {"path": "parks.gpkg"},
        "addresses": addresses,
    }
    return parse_groen(tmp_path / "sources.yaml", raw).addresses


BAG_FIELDS = {"straat": "openbare_ruimte_naam", "woonplaats": "woonplaats_naam"}


def test_the_bag_fields_are_read_from_pdoks_column_names(tmp_path):
    _bag(tmp_path)
    vector = _spec(tmp_path, {"path": "bag.gpkg", "layer": "verblijfsobject", "fields": BAG_FIELDS})
    points = read_points(vector, "groen.addresses", addresses=True)
    assert list(points.straat) == ["Grote Markt", "Grote Markt", "Melkmarkt", "Melkmarkt"]
    assert list(points.postcode) == ["8011LV", "8011LV", "8011MA", "8011MA"]  # the space is dropped
    assert list(points.huisletter) == ["", "", "", "A"] and list(points.toevoeging) == ["", "2", "", ""]
    assert list(points.huisnummer) == [1, 2, 12, 12] and list(points.woonplaats) == ["Zwolle"] * 4


def test_an_addresses_file_without_bag_fields_still_reads(tmp_path):
    _bag(tmp_path)
    vector = _spec(tmp_path, {"path": "bag.gpkg"})  # without the mapping only postcode and huisnummer match
    points = read_points(vector, "groen.addresses", addresses=True)
    assert list(points.straat) == [""] * 4 and list(points.postcode) == ["8011LV", "8011LV", "8011MA", "8011MA"]
    pyogrio.write_dataframe(points[["row", "geometry"]], tmp_path / "plain.gpkg")
    plain = read_points(_spec(tmp_path, {"path": "plain.gpkg"}), "groen.addresses", addresses=True)
    assert "straat" not in plain.columns and "postcode" not in plain.columns


@pytest.mark.parametrize(
    ("change", "field", "row", "message"),
    [
        ({"postcode": ["8011LV", "08011", "8011MA", "8011MA"]}, "postcode", 2, "postcode such as 8011 AB"),
        ({"huisnummer": [1, 2, 0, 12]}, "huisnummer", 3, "house number from 1"),
        ({"huisnummer": ["1", "2", "12", "twaalf"]}, "huisnummer", 4, "house number from 1"),
        ({"huisletter": [None, "AB", None, None]}, "huisletter", 2, "one letter"),
        ({"toevoeging": [None, None, "hoog-achter", None]}, "toevoeging", 3, "1 to 4 letters or digits"),
    ],
)
def test_a_bad_address_field_names_file_row_and_column(tmp_path, change, field, row, message):
    _bag(tmp_path, **change)
    vector = _spec(tmp_path, {"path": "bag.gpkg", "fields": BAG_FIELDS})
    with pytest.raises(SourcesError) as caught:
        read_points(vector, "groen.addresses", addresses=True)
    text = str(caught.value)
    assert "bag.gpkg" in text and f"row {row}" in text and field in text and message in text


def test_a_mapped_column_that_is_not_there_is_an_error(tmp_path):
    _bag(tmp_path)
    vector = _spec(tmp_path, {"path": "bag.gpkg", "fields": {"straat": "straatnaam"}})
    with pytest.raises(SourcesError, match=r"straatnaam.*no such column for 'straat'|no such column for 'straat'"):
        read_points(vector, "groen.addresses", addresses=True)
    with pytest.raises(SourcesError, match="unknown key"):
        _spec(tmp_path, {"path": "bag.gpkg", "fields": {"straatnaam": "x"}})


def test_the_book_reports_what_it_leaves_out(tmp_path):
    _bag(tmp_path, postcode=["8011LV", "8011LV", "", "8011LV"], huisnummer=[1, 2, 12, 1], huisletter=[None] * 4)
    vector = _spec(tmp_path, {"path": "bag.gpkg", "fields": BAG_FIELDS})
    points = read_points(vector, "groen.addresses", addresses=True)
    per_address = points.assign(
        buurt="BU01", trees=3, canopy_pct=20.0, park_m=np.inf, trees_ok=True, canopy_ok=False, canopy_known=True
    ).assign(park_ok=False, all_ok=False)
    findings = Findings()
    book = address_book(per_address, "bag.gpkg", findings)
    assert book is not None
    assert list(book.adres) == ["8011LV-1", "8011LV-2-2"]  # no postcode: left out; 8011LV-1 twice: the first
    messages = [f.message for f in findings]
    assert any("1 addresses have no street, house number or postcode" in m for m in messages)
    assert any("1 addresses repeat the postcode and number of another (e.g. 8011LV-1)" in m for m in messages)
    assert all(f.file == "bag.gpkg" for f in findings)


@pytest.fixture(scope="module")
def demo(demo_build):
    return atlas.Artifact.open(demo_build)


@pytest.fixture(scope="module")
def sample(demo):
    """Addresses of the demo's address book: one plain, one with a letter, one with an addition."""
    book = demo.addresses
    assert book is not None
    plain = book[book.nummer == book.huisnummer.astype(str)].iloc[len(book) // 3]
    letter = book[book.nummer.str.contains("A")].iloc[0]
    extra = book[book.nummer.str.contains("-")].iloc[0]
    return plain, letter, extra


def test_the_book_agrees_with_the_groen_step_and_the_geometry(demo, demo_build):
    book = demo.addresses
    assert (demo_build / ADDRESSES_FILE).is_file() and book is not None
    assert book.adres.is_unique and len(book) == demo.manifest["groen"]["counts"]["addresses_searchable"]
    overlay = pyogrio.read_dataframe(demo_build / OVERLAYS_FILE, layer="addresses")
    overlay["adres"] = [
        f"{p}-{n}{letter}" + (f"-{t}" if t else "")
        for p, n, letter, t in zip(
            overlay.postcode, overlay.huisnummer, overlay.huisletter, overlay.toevoeging, strict=True
        )
    ]
    merged = book.merge(overlay, on="adres", suffixes=("", "_overlay"))
    assert len(merged) == len(book)
    for column in ("buurt", "trees", "trees_ok", "canopy_ok", "park_ok", "all_ok"):
        assert (merged[column] == merged[f"{column}_overlay"]).all(), column
    buurten = demo.areas.level("buurt").to_crs("EPSG:4326")
    some = book.sample(200, random_state=1)
    inside = gpd.sjoin(
        gpd.GeoDataFrame(some, geometry=gpd.points_from_xy(some.lon, some.lat), crs="EPSG:4326"),
        buurten[["code", "geometry"]],
        predicate="within",
    )
    assert (inside.buurt == inside.code).mean() > 0.99  # rounded to 10 cm: a point on a border may flip


def test_search_finds_an_address_by_street_and_number(demo, sample):
    for row in sample:
        hits = search(demo, f"{row.straat} {row.nummer}")
        assert [h.adres for h in hits] == [row.adres], row.adres
        assert hits[0].code == row.buurt and hits[0].url == f"/gebied/{row.buurt}?adres={row.adres}"
    plain = sample[0]
    folded = search(demo, f"  {plain.straat.upper()}   {plain.nummer} , {plain.woonplaats.lower()} ")
    assert [h.adres for h in folded] == [plain.adres]
    every = search(demo, f"{sample[1].straat} {sample[1].huisnummer}")  # no letter given: 12 and 12A
    assert sample[1].adres in [h.adres for h in every]


def test_search_finds_postcodes_with_and_without_space(demo, sample):
    row = sample[0]
    spaced = f"{row.postcode[:4]} {row.postcode[4:]}"
    assert search(demo, spaced) == search(demo, row.postcode) == search(demo, row.postcode.lower())
    hits = search(demo, spaced)
    assert hits and all(h.level == "postcode" and h.naam.startswith(spaced) for h in hits)
    assert row.buurt in {h.code for h in hits}
    assert [h.adres for h in search(demo, f"{row.postcode}{row.nummer}")] == [row.adres]
    assert [h.adres for h in search(demo, f"{spaced} {row.nummer}")] == [row.adres]


def test_a_street_without_a_known_number_lists_the_street(demo, sample):
    row = sample[0]
    hits = search(demo, f"{row.straat} 99999")
    assert hits and {h.level for h in hits} == {"straat"} and row.buurt in {h.code for h in hits}
    assert any(h.level == "straat" for h in search(demo, row.straat[:5]))


def test_one_hit_redirects_to_the_profile_with_the_address(client, sample):
    row = sample[0]
    response = client.get(f"/zoek?q={row.straat} {row.nummer}")
    assert response.status_code == 303
    assert unquote(response.headers["Location"]) == f"/gebied/{row.buurt}?adres={row.adres}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"{row.straat} {row.nummer}, {row.postcode[:4]} {row.postcode[4:]} {row.woonplaats}" in page
    assert page.count('<circle class="adres"') == 1  # marked on the minimap
    criteria = re.findall(r'<li class="(ja|nee|onbekend)">', page)
    assert criteria == [
        "ja" if row.trees_ok else "nee",
        "ja" if row.canopy_ok else "nee",
        "ja" if row.park_ok else "nee",
    ]
    assert "Demo: dit adres is verzonnen" in page


def test_one_area_hit_redirects_too(client, demo):
    buurt = demo.areas.level("buurt").iloc[0]
    response = client.get(f"/zoek?q={buurt.code}")
    assert response.status_code == 303 and response.headers["Location"] == f"/gebied/{buurt.code}"


def test_an_address_in_another_buurt_or_unknown_is_404(client, demo, sample):
    row = sample[0]
    other = demo.areas.level("buurt").code
    other = other[other != row.buurt].iloc[0]
    assert client.get(f"/gebied/{other}?adres={row.adres}").status_code == 404
    assert client.get(f"/gebied/{row.buurt}?adres=9999ZZ-1").status_code == 404
    assert client.get(f"/gebied/{row.buurt}?adres=<script>").status_code == 400


@pytest.mark.browser
def test_an_address_search_in_the_browser_lands_on_the_buurt_with_the_address_marked(page, live_server, sample):
    row = sample[2]  # an address with an addition: 12-2
    page.goto(f"{live_server}/")
    page.fill("#zoek-gebied", f"{row.straat.lower()} {row.nummer}")
    page.press("#zoek-gebied", "Enter")
    page.wait_for_url(re.compile(r"/gebied/BU\d+\?adres="))
    assert page.url.endswith(f"/gebied/{row.buurt}?adres={row.adres}")
    assert page.locator("svg.minimap circle.adres").count() == 1
    assert page.locator("#adres-titel").inner_text().startswith(f"{row.straat} {row.nummer}")
    assert page.locator("ul.criteria li").count() == 3
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "gebied_adres.png"), full_page=False)
    assert page.console_errors == []
