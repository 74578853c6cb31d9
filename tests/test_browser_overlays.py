"""The indicator overlays built from the page data (issue 12, item 9) in headless Chromium: drawn, with a tooltip."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser


def test_indicator_overlay_draws_every_area_with_a_text_tooltip(page, live_server):
    page.goto(f"{live_server}/kaart/vrijwilligerswerk?niveau=wijk&jaar=2024")
    page.wait_for_selector("path.leaflet-interactive")
    before = page.locator("path.leaflet-interactive").count()
    assert before == 16
    page.hover(".leaflet-control-layers")
    page.locator(".leaflet-control-layers-overlays label", has_text="Kroonbedekking").locator("input").check()
    page.wait_for_function(f"document.querySelectorAll('path.leaflet-interactive').length == {2 * before}")
    page.locator("path.leaflet-interactive").last.hover(force=True)
    tooltip = page.wait_for_selector(".leaflet-tooltip")
    text = tooltip.inner_text()
    assert "Gebied:" in text and "Kroonbedekking:" in text
    assert tooltip.query_selector("b") is not None  # the labels are elements the script made, the values text
    assert page.console_errors == []
