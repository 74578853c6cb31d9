"""From the map to the buurt (issue 13, item 2): a click on an area opens a popup with its value, the same figure of
the wijk it lies in and of the gemeente, and a link to its profile that works."""

from __future__ import annotations

import re

import pytest

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser
PlaywrightTimeout = pytest.importorskip("playwright.sync_api").TimeoutError


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


MAP_ZOOM = """() => {
    const key = Object.keys(window).find(k => k.startsWith("map_") && window[k] instanceof L.Map);
    return window[key].getZoom();
}"""


def _map_key(page) -> str:
    return page.evaluate('Object.keys(window).find(k => k.startsWith("map_") && window[k] instanceof L.Map)')


def test_the_tooltip_fills_in_the_difference_and_fits_on_the_screen(page, live_server):
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(f"{live_server}/kaart/vrijwilligerswerk?niveau=wijk&jaar=2024")
        page.wait_for_selector("path.leaflet-interactive")
        shapes = page.locator("path.leaflet-interactive")
        for i in range(shapes.count()):
            if shapes.nth(i).get_attribute("stroke-dasharray"):  # withheld: no value, so no difference
                continue
            shapes.nth(i).hover(force=True)
            tooltip = page.wait_for_selector(".leaflet-tooltip.foliumtooltip")
            rows = dict(
                zip(
                    tooltip.eval_on_selector_all("th", "e => e.map(x => x.textContent)"),
                    tooltip.eval_on_selector_all("td", "e => e.map(x => x.textContent)"),
                    strict=True,
                )
            )
            assert re.fullmatch(
                r"(\d+,\d procentpunt (hoger|lager) dan|gelijk aan) Zwolle; (duidelijk verschil|verschilt niet duidelijk)"
                r"|te klein gebied om te vergelijken",
                rows["Verschil"],
            ), rows
            box = tooltip.bounding_box()
            assert box["width"] <= 300 and box["height"] <= 200, box
            break
    assert page.console_errors == []


def test_the_verdict_in_the_tooltip_agrees_with_the_api(client):
    """The map's difference text says 'duidelijk' exactly where the API says the area differs significantly."""
    from .mappage import choropleth

    page = client.get("/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024").get_data(as_text=True)
    api = client.get("/api/values?indicator=vrijwilligerswerk&niveau=buurt&jaar=2024").get_json()
    significant = {row["code"]: row.get("significant") for row in api["values"]}
    checked = 0
    for feature in choropleth(page)["features"]:
        text = feature["properties"]["verschil"]
        if not text:
            continue
        clear = text.endswith("duidelijk verschil")
        assert clear == (significant[feature["properties"]["code"]] in ("hoger", "lager")), (feature, text)
        if clear:
            assert ("hoger" in text) == (significant[feature["properties"]["code"]] == "hoger")
        checked += 1
    assert checked > 20


def test_the_table_opens_the_same_popup_with_the_keyboard(page, live_server):
    page.goto(f"{live_server}/kaart/inwoners?niveau=buurt&jaar=2024")
    page.wait_for_selector("path.leaflet-interactive")
    button = page.locator("button[data-gebied]").nth(3)
    code = button.get_attribute("data-gebied")
    naam = page.locator("table.data tbody tr").nth(3).locator("td").first.inner_text().strip()
    button.focus()
    page.keyboard.press("Enter")
    popup = page.locator(".atlas-popup")
    popup.wait_for()
    assert naam in popup.inner_text() and "Zwolle: " in popup.inner_text()
    focused = page.evaluate("document.activeElement.getAttribute('href')")
    assert focused == f"/gebied/{code}"  # the profile link is next for the keyboard
    page.keyboard.press("Escape")
    page.wait_for_function("() => !document.querySelector('.atlas-popup')")
    assert page.evaluate("document.activeElement.getAttribute('data-gebied')") == code
    assert page.console_errors == []


_AREA_POINT = """([key, code]) => {
    const map = window[key];
    let found = null;
    map.eachLayer(l => { if (l.feature && l.feature.properties.code === code) { found = l; } });
    const c = map.latLngToContainerPoint(found.getCenter()), r = map.getContainer().getBoundingClientRect();
    const x = c.x + r.left, y = c.y + r.top;
    return {x: x, y: y, hit: document.elementFromPoint(x, y) === found.getElement()};
}"""


def _tap_area(page, key: str, code: str) -> None:
    """Tap the middle of an area once the page has settled (that point is that area's shape)."""
    for _ in range(20):
        point = page.evaluate(_AREA_POINT, [key, code])
        if point["hit"]:
            page.touchscreen.tap(point["x"], point["y"])
            return
        page.wait_for_timeout(200)
    raise AssertionError(f"{code} is not under its own centre: {point}")


def _tap_until(page, key: str, code: str, condition: str) -> None:
    """Tap an area until ``condition`` holds: on a busy machine Chromium may take a slow emulated tap for a long
    press, which is no click."""
    for _attempt in range(3):
        _tap_area(page, key, code)
        try:
            page.wait_for_function(condition, timeout=5000)
            return
        except PlaywrightTimeout:
            continue
    raise AssertionError(f"three taps on {code} and still not {condition}")


def test_a_tap_on_a_small_central_buurt_zooms_in_before_it_opens(browser, live_server):
    context = browser.new_context(viewport={"width": 390, "height": 844}, has_touch=True, is_mobile=True)
    page = context.new_page()
    try:
        page.goto(f"{live_server}/kaart/inwoners?niveau=buurt&jaar=2024")
        page.wait_for_selector("path.leaflet-interactive")
        key = _map_key(page)
        # the smallest buurt on the screen, and where it lies
        point = page.evaluate(
            """key => {
                const map = window[key];
                let best = null;
                map.eachLayer(l => {
                    if (!l.feature || !l.getBounds) { return; }
                    const b = l.getBounds(), ne = map.latLngToContainerPoint(b.getNorthEast()),
                          sw = map.latLngToContainerPoint(b.getSouthWest());
                    const size = Math.min(Math.abs(ne.x - sw.x), Math.abs(ne.y - sw.y));
                    const c = map.latLngToContainerPoint(l.getCenter()), s = map.getSize();
                    if (c.x < 70 || c.y < 70 || c.x > s.x - 70 || c.y > s.y - 70) { return; }  // clear of controls
                    if (!best || size < best.size) { best = {size: size, code: l.feature.properties.code}; }
                });
                return best;
            }""",
            key,
        )
        assert point["size"] < 44, point
        zoom = page.evaluate(MAP_ZOOM)
        _tap_until(page, key, point["code"], f"() => ({MAP_ZOOM})() > {zoom}")
        assert page.locator(".atlas-popup").count() == 0  # first the map zooms in
        page.wait_for_timeout(400)  # the zoom animation
        _tap_until(page, key, point["code"], "() => document.querySelector('.atlas-popup') !== null")
        assert page.locator(".leaflet-tooltip").count() == 0  # no tooltip on a touch screen: the popup says it all
        href = page.locator(".atlas-popup a").get_attribute("href")
        assert href == f"/gebied/{point['code']}"
    finally:
        context.close()


LABELS = """() => [...document.querySelectorAll('.atlas-label')]
    .filter(e => e.style.visibility !== 'hidden')
    .map(e => { const r = e.firstChild.getBoundingClientRect();
                return {text: e.textContent, box: [r.left, r.top, r.right, r.bottom]}; })"""


def _overlapping(labels) -> list[tuple[str, str]]:
    out = []
    for i, a in enumerate(labels):
        for b in labels[i + 1 :]:
            x = a["box"][2] <= b["box"][0] or b["box"][2] <= a["box"][0]
            y = a["box"][3] <= b["box"][1] or b["box"][3] <= a["box"][1]
            if not (x or y):
                out.append((a["text"], b["text"]))
    return out


def test_labels_name_wijken_then_buurten_on_zoom_and_can_be_switched_off(page, live_server, demo_build):
    from atlas.artifact import Artifact

    artifact = Artifact.open(demo_build)
    wijken = set(artifact.areas.level("wijk").naam)
    buurten = set(artifact.areas.level("buurt").naam)
    page.goto(f"{live_server}/kaart/inwoners?niveau=buurt&jaar=2024")
    page.wait_for_selector(".atlas-label span")
    shown = page.evaluate(LABELS)
    assert len(shown) >= 8 and {label["text"] for label in shown} <= wijken  # the whole city: wijk names
    assert _overlapping(shown) == []
    page.evaluate(f"() => {{ window[{_map_key(page)!r}].setZoom(14.5, {{animate: false}}); }}")
    assert page.evaluate(MAP_ZOOM) == 14.5
    page.wait_for_timeout(300)
    shown = page.evaluate(LABELS)
    assert len(shown) >= 5 and {label["text"] for label in shown} <= buurten
    assert _overlapping(shown) == []
    page.hover(".leaflet-control-layers")
    page.locator(".leaflet-control-layers-overlays label", has_text="Namen van gebieden").locator("input").uncheck()
    assert page.evaluate(LABELS) == []
    page.goto(f"{live_server}/kaart/inwoners?niveau=wijk&jaar=2024")
    page.wait_for_selector(".atlas-label span")
    assert {label["text"] for label in page.evaluate(LABELS)} <= wijken
    assert page.console_errors == []
