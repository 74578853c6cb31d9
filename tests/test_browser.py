"""The atlas in a real browser: headless Chromium draws every area, without console errors."""

from __future__ import annotations

import pytest

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


@pytest.mark.parametrize(("level", "count"), [("buurt", 78), ("wijk", 16), ("stadsdeel", 5)])
def test_map_draws_one_path_per_area(page, live_server, level, count):
    page.goto(f"{live_server}/kaart/vrijwilligerswerk?niveau={level}&jaar=2024")
    page.wait_for_selector("path.leaflet-interactive")
    paths = page.locator("path.leaflet-interactive")
    assert paths.count() == count
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"kaart_vrijwilligerswerk_{level}.png"))
    assert page.console_errors == []


def test_tooltip_shows_name_and_value(page, live_server):
    page.goto(f"{live_server}/kaart/inwoners?niveau=wijk&jaar=2024")
    page.wait_for_selector("path.leaflet-interactive")
    page.locator("path.leaflet-interactive").first.hover(force=True)
    tooltip = page.wait_for_selector(".leaflet-tooltip")
    text = tooltip.inner_text()
    assert "Inwoners" in text and "Binnenstad" in text
    assert "Verschil" not in text  # a count: no difference with the whole city
    assert page.console_errors == []


def test_index_links_to_maps(page, live_server):
    page.goto(f"{live_server}/")
    assert "demo-gegevens" in page.content()
    page.locator("a", has_text="Doet vrijwilligerswerk").first.click()
    page.wait_for_selector("path.leaflet-interactive")
    assert "/kaart/vrijwilligerswerk" in page.url
