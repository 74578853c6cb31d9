"""The atlas pages in headless Chromium: overlays, zoom, sortable table, printable profile, charts. Screenshots go to
tests/_screenshots/ to be looked at."""

from __future__ import annotations

import io
import re

import pytest

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


def _shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)


def test_layer_control_toggles_an_overlay(page, live_server):
    page.goto(f"{live_server}/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024")
    page.wait_for_selector("path.leaflet-interactive")
    before = page.locator("path.leaflet-interactive").count()
    assert before == 78
    page.hover(".leaflet-control-layers")  # the layer control opens on hover (and on focus)
    labels = page.locator(".leaflet-control-layers-overlays label")
    names = [labels.nth(i).inner_text().strip() for i in range(labels.count())]
    assert any(name.startswith("Kroonbedekking") for name in names), names
    page.locator(".leaflet-control-layers-overlays label", has_text="Kroonbedekking").locator("input").check()
    hatched = ".leaflet-atlas-arcering-pane path"
    page.wait_for_function(f"document.querySelectorAll('{hatched}').length == 78")  # kroonbedekking per buurt on top
    assert page.locator("path.leaflet-interactive").count() == before  # hatched, not taking the mouse
    _shot(page, "kaart_overlay_kroonbedekking")
    page.hover(".leaflet-control-layers")
    page.locator(".leaflet-control-layers-overlays label", has_text="Kroonbedekking").locator("input").uncheck()
    page.wait_for_function(f"document.querySelectorAll('{hatched}').length == 0")
    assert page.console_errors == []


def test_map_zooms_to_a_stadsdeel_and_table_sorts(page, live_server):
    page.goto(f"{live_server}/kaart/vrijwilligerswerk?niveau=wijk&stadsdeel=Zuid")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("path.leaflet-interactive").count() == 16  # every wijk drawn, zoomed to Zuid
    rows = page.locator("table.sortable tbody tr")
    assert 1 <= rows.count() < 16  # the table lists the wijken of Zuid
    header = page.locator("table.sortable thead th").nth(1)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "ascending"
    values = [
        float(v)
        for v in page.eval_on_selector_all(
            "table.sortable tbody td:nth-child(2)", "els => els.map(e => e.dataset.sort).filter(v => v !== '')"
        )
    ]
    assert values == sorted(values)
    header.locator("button").click()
    assert header.get_attribute("aria-sort") == "descending"
    _shot(page, "kaart_stadsdeel_zuid")
    assert page.console_errors == []


def test_profile_prints_to_a4(page, live_server):
    pypdf = pytest.importorskip("pypdf")
    page.goto(f"{live_server}/gebied/WK019310")
    assert "Binnenstad" in page.locator("h1").inner_text()
    assert page.locator("svg.spark").count() > 20
    _shot(page, "gebied_wijk")
    page.emulate_media(media="print")
    _shot(page, "gebied_wijk_print")
    pdf = page.pdf(format="A4", print_background=False)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    assert 1 <= len(reader.pages) <= 8
    for p in reader.pages:
        width, height = float(p.mediabox.width), float(p.mediabox.height)
        assert abs(width - 595) < 2 and abs(height - 842) < 2  # A4 in points
    text = reader.pages[0].extract_text()
    assert "Binnenstad" in text and "Zoek" not in text  # the site header is not printed
    assert page.console_errors == []


def test_goal_card_has_real_charts(page, live_server):
    page.goto(f"{live_server}/doelen/5")
    charts = page.locator("svg.chart")
    assert charts.count() == 8  # four indicators, trend and spread each
    assert page.locator("svg.chart polyline").count() >= 3
    _shot(page, "doel_5")
    assert page.console_errors == []


def test_index_chooser_and_search(page, live_server):
    page.goto(f"{live_server}/")
    _shot(page, "index")
    page.select_option("#k-indicator", "veilig_buurt")
    page.select_option("#k-niveau", "wijk")
    page.select_option("#k-stadsdeel", label="Noord (indeling indicatief)")
    page.click("form.chooser button[type=submit] >> nth=0")
    page.wait_for_selector("path.leaflet-interactive")
    assert re.search(r"/kaart/veilig_buurt\?niveau=wijk&stadsdeel=SD\d+", page.url), page.url
    page.goto(f"{live_server}/")
    page.fill("#zoek-gebied", "assendorp")
    page.press("#zoek-gebied", "Enter")
    page.wait_for_url(re.compile(r"/zoek\?q=assendorp"))
    page.locator("main ul a").first.click()
    page.wait_for_url(re.compile(r"/gebied/"))
    assert "Assendorp" in page.locator("h1").inner_text()
    assert page.console_errors == []


def test_the_choosers_offer_only_levels_and_years_with_data(page, live_server):
    """ervaren_gezondheid (GGD) has figures per wijk and up, not per buurt: the home form says so before submitting."""
    page.goto(f"{live_server}/")
    level = page.locator("#k-niveau")
    assert level.locator("option").first.inner_text() == "fijnste met cijfers (buurt)"
    page.select_option("#k-indicator", "ervaren_gezondheid")
    assert level.locator("option[value=buurt]").is_disabled()
    assert not level.locator("option[value=wijk]").is_disabled()
    assert level.locator("option").first.inner_text() == "fijnste met cijfers (wijk)"
    assert page.locator("#k-jaar option").first.inner_text() == "laatste jaar met cijfers (2024)"
    page.select_option("#k-stadsdeel", "SD019302")
    page.click("#kaart-kiezer button[type=submit]")
    page.wait_for_selector("path.leaflet-interactive")
    assert "per wijk, 2024, stadsdeel West (indeling indicatief)" in page.locator("h1").inner_text()
    _shot(page, "kaart_gekozen_zonder_buurt")
    page.select_option("#m-niveau", "stadsdeel")  # the year list follows the level
    assert page.locator("#m-jaar option").all_inner_texts() == ["2024", "2023", "2022", "2021", "2020", "2019"]
    assert page.console_errors == []
