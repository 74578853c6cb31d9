"""From the map to the buurt (issue 13, item 2): a click on an area opens a popup with its value, the same figure of
the wijk it lies in and of the gemeente, and a link to its profile that works."""

from __future__ import annotations

import re

import pytest

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser


def test_a_click_on_a_buurt_opens_its_popup_and_the_profile_link_works(page, live_server):
    page.goto(f"{live_server}/kaart/inwoners?niveau=buurt&jaar=2024")
    page.wait_for_selector("path.leaflet-interactive")
    shapes = page.locator("path.leaflet-interactive")
    shapes.nth(shapes.count() // 2).click(force=True)
    popup = page.locator(".leaflet-popup-content .atlas-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert re.search(r"Inwoners[^:]*: [\d.]+", text), text
    assert re.search(r"Wijk .+: [\d.]+", text), text
    assert re.search(r"Zwolle: [\d.]+", text), text
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "kaart_popup.png"))
    link = popup.locator("a", has_text="Bekijk profiel")
    href = link.get_attribute("href")
    assert href and re.fullmatch(r"/gebied/BU\d+", href)
    link.click()
    page.wait_for_url(re.compile(r"/gebied/BU\d+$"))
    assert page.locator("h1").inner_text().strip() in text
    assert page.console_errors == []
