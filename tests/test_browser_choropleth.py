"""The main choropleth built from the page data (issue 12, item 9) in headless Chromium: one path per area in the
fill colour of its class or status, outlined on hover, with a tooltip table of text and its entry in the layer
control."""

from __future__ import annotations

import urllib.request

import pytest

from .mappage import choropleth

pytestmark = pytest.mark.browser

_PATHS = """() => Array.from(document.querySelectorAll("path.leaflet-interactive")).map(p => ({
    fill: p.getAttribute("fill"), stroke: p.getAttribute("stroke"), width: p.getAttribute("stroke-width"),
    dash: p.getAttribute("stroke-dasharray")
}))"""


@pytest.mark.parametrize("level", ["buurt", "wijk", "stadsdeel"])
def test_choropleth_draws_each_area_in_its_style(page, live_server, level):
    url = f"{live_server}/kaart/vrijwilligerswerk?niveau={level}&jaar=2024"
    features = choropleth(urllib.request.urlopen(url).read().decode())["features"]
    page.goto(url)
    page.wait_for_selector("path.leaflet-interactive")
    drawn = page.evaluate(_PATHS)
    assert len(drawn) == len(features)
    expected = sorted(
        (f["properties"]["style"]["fillColor"], f["properties"]["style"].get("dashArray")) for f in features
    )
    assert sorted((p["fill"], p["dash"]) for p in drawn) == expected
    assert len({p["fill"] for p in drawn}) >= 3  # classified, and withheld areas grey
    assert page.console_errors == []


def test_choropleth_highlights_on_hover_and_shows_every_tooltip_field_as_text(page, live_server):
    page.goto(f"{live_server}/kaart/vrijwilligerswerk?niveau=wijk&jaar=2024")
    page.wait_for_selector("path.leaflet-interactive")
    path = page.locator("path.leaflet-interactive").first
    before = path.get_attribute("stroke-width")
    path.hover(force=True)
    tooltip = page.wait_for_selector(".leaflet-tooltip.foliumtooltip")
    assert path.get_attribute("stroke-width") == "3" and path.get_attribute("stroke") == "#000"
    labels = [th.inner_text() for th in tooltip.query_selector_all("th")]
    assert labels == [
        "Gebied",
        "Doet vrijwilligerswerk",
        "Aantal (n)",
        "95%-interval",
        "Verschil",
    ]
    cells = [td.inner_text() for td in tooltip.query_selector_all("td")]
    assert cells[0] and "%" in cells[1] and "dan Zwolle" in cells[-1]
    page.mouse.move(1, 1)
    page.wait_for_function(
        "w => document.querySelector('path.leaflet-interactive').getAttribute('stroke-width') === w", arg=before
    )
    page.hover(".leaflet-control-layers")
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert labels[0].strip() == "Doet vrijwilligerswerk (%)"
    assert page.console_errors == []
