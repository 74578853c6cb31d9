"""Overlays that stay readable (issue 13, item 5), in headless Chromium: an indicator overlay is hatched over the
choropleth with its own legend and leaves the choropleth visible and clickable; trees and parks are drawn only from a
zoom level, trees from the tiles of the view alone; the address keeps the overlays and the view."""

from __future__ import annotations

import base64
import json
import re
from urllib.parse import urlparse
from urllib.request import urlopen

import pytest

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

MAP = "window[Object.keys(window).find(k => k.startsWith('map_') && window[k] instanceof L.Map)]"
"""The page's Leaflet map, in a page script."""
HATCHED = ".leaflet-atlas-arcering-pane path"
CENTRE = (52.5126, 6.0923)
"""Zwolle's Grote Kerk: trees all around."""
TILE = re.compile(r"/api/overlays/trees/(\d+)/(\d+)/(\d+)\.geojson$")

_SAME_PIXELS = """async ([before, after, box]) => {
    const load = data => new Promise((ok, fail) => {
        const image = new Image();
        image.onload = () => ok(image);
        image.onerror = fail;
        image.src = "data:image/png;base64," + data;
    });
    const read = image => {
        const canvas = document.createElement("canvas");
        canvas.width = image.width;
        canvas.height = image.height;
        const context = canvas.getContext("2d");
        context.drawImage(image, 0, 0);
        return context.getImageData(box[0], box[1], box[2], box[3]).data;
    };
    const [a, b] = (await Promise.all([load(before), load(after)])).map(read);
    let same = 0;
    for (let i = 0; i < a.length; i += 4) {
        if (a[i] === b[i] && a[i + 1] === b[i + 1] && a[i + 2] === b[i + 2]) { same++; }
    }
    return same / (a.length / 4);
}"""
"""The share of pixels in ``box`` (x, y, width, height) that two PNG screenshots have alike, decoded by the page."""


def _switch(page, label: str, on: bool = True) -> None:
    page.hover(".leaflet-control-layers")
    box = page.locator(".leaflet-control-layers-overlays label", has_text=label).locator("input")
    box.check() if on else box.uncheck()
    page.mouse.move(1, 1)


def _grey_png(page, size: dict) -> str:
    """A PNG of the swatches' background grey (#f0f0f0) as large as ``size``, made by the page."""
    return page.evaluate(
        """([w, h]) => { const c = document.createElement("canvas"); c.width = w; c.height = h;
            const g = c.getContext("2d"); g.fillStyle = "#f0f0f0"; g.fillRect(0, 0, w, h);
            return c.toDataURL("image/png").split(",")[1]; }""",
        [round(size["width"]), round(size["height"])],
    )


def _screenshot(page) -> tuple[str, dict]:
    clip = page.locator(".leaflet-container").bounding_box()
    return base64.b64encode(page.screenshot(clip=clip)).decode(), clip


def _view(page, lat: float, lng: float, zoom: float) -> None:
    page.evaluate(f"() => {{ {MAP}.setView([{lat}, {lng}], {zoom}, {{animate: false}}); }}")


def test_an_indicator_overlay_is_hatched_with_its_own_legend_over_a_visible_choropleth(page, live_server):
    page.goto(f"{live_server}/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024")
    page.wait_for_selector("path.leaflet-interactive")
    choropleth = page.locator("path.leaflet-interactive").count()
    assert page.locator(".atlas-laaglegenda").count() == 0
    before, clip = _screenshot(page)
    page.hover(".leaflet-control-layers")
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    assert any(label.strip() == "Voelt zich veilig in de buurt (%, 2024)" for label in labels), (
        labels
    )  # not "Veiligheidsbeleving"
    _switch(page, "Voelt zich veilig in de buurt")
    page.wait_for_function(f"document.querySelectorAll('{HATCHED}').length == 78")
    # hatching, not a fill: every area is drawn with a pattern of lines (or not at all: no value), and the patterns
    # hold nothing but lines, so the choropleth shows between them
    fills = page.eval_on_selector_all(HATCHED, "paths => paths.map(p => p.getAttribute('fill'))")
    assert all(f == "none" or re.fullmatch(r"url\(#atlas-arcering-o\d+-[0-4]\)", f) for f in fills), set(fills)
    assert sum(f != "none" for f in fills) > 50
    shapes = page.eval_on_selector_all(
        "pattern[id^=atlas-arcering]", "ps => ps.flatMap(p => Array.from(p.children).map(c => c.tagName))"
    )
    assert shapes and set(shapes) == {"line"}
    assert page.locator("path.leaflet-interactive").count() == choropleth  # the overlay does not take the mouse
    assert page.eval_on_selector(".leaflet-atlas-arcering-pane", "p => getComputedStyle(p).pointerEvents") == "none"
    # its own legend on the map: the indicator's title, unit, year and level, a swatch per class
    legend = page.locator(".atlas-laaglegenda")
    assert legend.count() == 1 and legend.is_visible()
    text = legend.inner_text()
    assert "Voelt zich veilig in de buurt" in text and "% · 2024 · per buurt" in text
    classes = legend.locator("li")
    assert 2 <= classes.count() <= 5 and all("%" in t for t in classes.all_inner_texts())
    assert legend.locator("svg.atlas-arcering-staal rect[fill^='url(#atlas-arcering-o']").count() == classes.count()
    # the choropleth stays visible: most pixels over the city are as they were, also in the densest class
    after, _ = _screenshot(page)
    city = page.evaluate(
        """sel => { const r = Array.from(document.querySelectorAll(sel)).map(p => p.getBoundingClientRect());
            const x = Math.min(...r.map(b => b.left)), y = Math.min(...r.map(b => b.top));
            return [x, y, Math.max(...r.map(b => b.right)) - x, Math.max(...r.map(b => b.bottom)) - y]; }""",
        HATCHED,
    )
    legend_box = legend.bounding_box()
    left, top = max(city[0], clip["x"]), max(city[1], clip["y"])
    right, bottom = min(city[0] + city[2], clip["x"] + clip["width"]), min(city[1] + city[3], legend_box["y"])
    box = [round(left - clip["x"]), round(top - clip["y"]), round(right - left), round(bottom - top)]
    same = page.evaluate(_SAME_PIXELS, [before, after, box])
    assert 0.5 < same < 0.97, same
    # and in each class: the legend's swatches are the classes' hatching over a plain grey, and even the densest
    # leaves more than a quarter of the pixels exactly that grey
    untouched = []
    for swatch in legend.locator("svg.atlas-arcering-staal").all():
        shot = base64.b64encode(swatch.screenshot()).decode()
        size = swatch.bounding_box()
        inner = [2, 2, round(size["width"]) - 4, round(size["height"]) - 4]
        untouched.append(page.evaluate(_SAME_PIXELS, [shot, _grey_png(page, size), inner]))
    assert len(untouched) == 5 and min(untouched) > 0.25 and max(untouched) < 0.9, untouched
    single, crossed = untouched[:3], untouched[3:]  # closer lines, then crossed lines: fewer pixels untouched
    assert single == sorted(single, reverse=True) and crossed == sorted(crossed, reverse=True), untouched
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "kaart_overlay_arcering.png"))
    # the choropleth's tooltip tells the overlay's value too (as the mouse over an area does), and a click on the
    # map still reaches the choropleth under the hatching and opens its popup
    headers, cells = page.evaluate(
        f"""() => {{
            const map = {MAP};
            let overlay = null, choropleth = null;
            map.eachLayer(l => {{ if (l.atlasTooltip) {{ overlay = l; }} if (l.getTooltip && l.getTooltip() && l.feature === undefined) {{ choropleth = l; }} }});
            const feature = choropleth.getLayers().find(f => /%/.test((overlay.atlasTooltip(f.feature.properties.index) || [""])[1]));
            feature.fire("mouseover", {{latlng: feature.getBounds().getCenter()}}, true);
            const tooltip = choropleth.getTooltip().getElement();
            return [Array.from(tooltip.querySelectorAll("th")).map(t => t.textContent),
                    Array.from(tooltip.querySelectorAll("td")).map(t => t.textContent)];
        }}"""
    )
    assert headers[-1] == "Voelt zich veilig in de buurt" and "%" in cells[-1]
    assert headers[1] == "Doet vrijwilligerswerk"  # the choropleth's own lines first
    page.evaluate("window.scrollTo(0, 0)")  # the swatches' screenshots scrolled the legend into view
    page.mouse.click(city[0] + city[2] / 2, city[1] + city[3] / 2)
    assert page.wait_for_selector(".atlas-popup").is_visible()
    # switched off: the hatching and its legend go
    page.keyboard.press("Escape")
    _switch(page, "Voelt zich veilig in de buurt", on=False)
    page.wait_for_function(f"document.querySelectorAll('{HATCHED}').length == 0")
    assert page.locator(".atlas-laaglegenda").count() == 0
    assert page.console_errors == []


def test_two_overlays_each_have_their_own_legend(page, live_server):
    page.goto(f"{live_server}/kaart/vrijwilligerswerk?niveau=wijk&jaar=2024")
    page.wait_for_selector("path.leaflet-interactive")
    _switch(page, "Kroonbedekking")
    _switch(page, "Voelt zich veilig in de buurt")
    page.wait_for_function(f"document.querySelectorAll('{HATCHED}').length == 32")
    titles = [t.split("\n")[0] for t in page.locator(".atlas-laaglegenda").all_inner_texts()]
    assert sorted(titles) == ["Kroonbedekking", "Voelt zich veilig in de buurt"]
    fills = page.eval_on_selector_all(HATCHED, "ps => ps.map(p => p.getAttribute('fill'))")
    patterns = {f.split("-")[2] for f in fills if f.startswith("url(")}
    assert len(patterns) == 2  # each overlay its own patterns (in its own colour)
    assert page.console_errors == []


_VIEW_TILES = f"""() => {{
    const map = {MAP}, bounds = map.getBounds(), out = [];
    const low = map.project(bounds.getNorthWest(), 15).divideBy(256).floor();
    const high = map.project(bounds.getSouthEast(), 15).divideBy(256).floor();
    for (let x = low.x; x <= high.x; x++) {{ for (let y = low.y; y <= high.y; y++) {{ out.push(x + "/" + y); }} }}
    return out;
}}"""
"""The zoom-15 tiles the map's view touches, as "x/y"."""


def _wait_for_tiles(page, count: int) -> None:
    """Until the page has loaded ``count`` tiles (and a moment more, for any it should not ask)."""
    page.wait_for_function(
        "n => performance.getEntriesByType('resource').filter(e => /[/]api[/]overlays[/]trees[/]15[/]/.test(e.name))"
        ".length >= n",
        arg=count,
    )
    page.wait_for_timeout(300)


def _tiles_asked(urls: list[str]) -> list[str]:
    found = [TILE.search(u) for u in urls]
    assert all(m.group(1) == "15" for m in found if m)
    return [f"{m.group(2)}/{m.group(3)}" for m in found if m]


def _requests(page) -> list[str]:
    urls: list[str] = []
    page.on("request", lambda request: urls.append(urlparse(request.url).path))
    return urls


def test_trees_are_drawn_from_zoom_15_from_the_tiles_of_the_view_only(page, live_server):
    urls = _requests(page)
    responses: list = []
    page.on("response", lambda r: "/api/overlays/" in r.url and responses.append(r))
    page.goto(f"{live_server}/kaart/inwoners?niveau=buurt")
    page.wait_for_selector("path.leaflet-interactive")
    city_zoom = page.evaluate(f"{MAP}.getZoom()")
    assert city_zoom < 15
    _switch(page, "Bomen")
    notice = page.locator(".atlas-zoommelding")
    assert notice.inner_text().strip() == "Zoom verder in om de laag ‘Bomen’ te zien."
    _view(page, *CENTRE, 14.5)
    page.wait_for_timeout(500)
    assert not [u for u in urls if u.startswith("/api/overlays/trees")]  # below zoom 15: nothing asked, nothing drawn
    assert page.locator(".leaflet-atlas-lagen-pane canvas").count() == 0
    assert notice.is_visible()

    with urlopen(f"{live_server}/api/overlays/trees/tiles.json") as answer:
        existing = {f"{x}/{y}" for x, y, _ in json.load(answer)["tiles"]}
    _view(page, *CENTRE, 15)
    expected = set(page.evaluate(_VIEW_TILES)) & existing
    _wait_for_tiles(page, len(expected))
    assert not notice.is_visible()
    assert page.locator(".leaflet-atlas-lagen-pane canvas").count() == 1
    asked = _tiles_asked(urls)
    assert sorted(asked) == sorted(expected)  # exactly the view's tiles that exist, each once
    assert 4 <= len(asked) < 30 and len(existing) > 3 * len(asked)
    assert "/api/overlays/trees" not in urls  # never the whole layer
    sizes = {urlparse(r.url).path: len(r.body()) for r in responses}
    loaded = sum(size for path, size in sizes.items() if path.startswith("/api/overlays/trees/"))
    assert loaded < 400_000  # against 5.2 MB for the whole layer
    print(f"zoom 15 view: {len(asked)} tiles, {loaded} bytes with the index (largest {max(sizes.values())})")

    page.evaluate(f"() => {{ {MAP}.panBy([300, 0], {{animate: false}}); }}")
    expected |= set(page.evaluate(_VIEW_TILES)) & existing
    _wait_for_tiles(page, len(expected))
    asked = _tiles_asked(urls)
    assert sorted(asked) == sorted(expected)  # only the new ones: a tile seen before is not asked again
    assert urls.count("/api/overlays/trees/tiles.json") == 1
    _view(page, *CENTRE, city_zoom)
    assert notice.inner_text().strip() == "Zoom verder in om de laag ‘Bomen’ te zien."
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "kaart_bomen_melding.png"))
    assert page.console_errors == []


def test_parks_are_drawn_from_zoom_13(page, live_server):
    urls = _requests(page)
    page.goto(f"{live_server}/kaart/inwoners?niveau=wijk")
    page.wait_for_selector("path.leaflet-interactive")
    _switch(page, "Parken")
    assert (
        page.locator(".atlas-zoommelding").inner_text().strip()
        == "Zoom verder in om de laag ‘Parken en openbaar groen’ te zien."
    )
    page.wait_for_timeout(300)
    assert "/api/overlays/parks" not in urls
    _view(page, *CENTRE, 13)
    page.wait_for_load_state("networkidle")
    page.wait_for_selector(".leaflet-atlas-lagen-pane canvas", state="attached")
    assert urls.count("/api/overlays/parks") == 1
    assert not page.locator(".atlas-zoommelding").is_visible()
    assert page.console_errors == []


def test_the_address_keeps_the_overlays_and_the_view(page, browser, live_server):
    url = f"{live_server}/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024"
    page.goto(url)
    page.wait_for_selector("path.leaflet-interactive")
    assert page.evaluate("location.hash") == ""  # nothing written before the reader changes something
    _switch(page, "Voelt zich veilig in de buurt")
    _switch(page, "Bomen")
    _view(page, 52.51234, 6.09123, 15)
    shared = page.url
    fragment = urlparse(shared).fragment
    assert fragment == "lagen=veiligheid,bomen&kaart=15/52.51234/6.09123", fragment
    assert urlparse(shared).query == "niveau=buurt&jaar=2024"  # the fragment never reaches the server or its cache

    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    try:
        other = context.new_page()
        errors: list[str] = []
        other.on("pageerror", lambda exc: errors.append(str(exc)))
        other.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))
        other.goto(shared)
        other.wait_for_selector("path.leaflet-interactive")
        other.wait_for_function(f"document.querySelectorAll('{HATCHED}').length == 78")
        other.wait_for_selector(".leaflet-atlas-lagen-pane canvas", state="attached")
        view = other.evaluate(f"(() => {{ const c = {MAP}.getCenter(); return [{MAP}.getZoom(), c.lat, c.lng]; }})()")
        assert (
            view[0] == 15
            and view[1] == pytest.approx(52.51234, abs=1e-5)
            and view[2] == pytest.approx(6.09123, abs=1e-5)
        )
        other.hover(".leaflet-control-layers")
        checked = other.eval_on_selector_all(
            ".leaflet-control-layers-overlays label",
            "ls => ls.filter(l => l.querySelector('input').checked).map(l => l.textContent.trim())",
        )
        expected = [
            "Doet vrijwilligerswerk (%)",
            "Namen van gebieden",
            "Voelt zich veilig in de buurt (%, 2024)",
            "Bomen",
        ]
        assert checked == expected
        assert other.locator(".atlas-laaglegenda").count() == 1
        assert urlparse(other.url).fragment == fragment  # restoring does not rewrite it
        assert errors == []
    finally:
        context.close()
    assert page.console_errors == []


@pytest.mark.parametrize(
    "fragment",
    [
        "lagen=bestaat_niet,%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&kaart=99/abc/def",
        "kaart=15/95/6.09",  # no such latitude
        "kaart=15/52.5/6.09/extra",
        "kaart=1e2/52.5/6.09",
        "lagen=,,,__proto__,constructor,toString",
        "tabel",
        "%E0%A4%A",  # a broken escape
    ],
)
def test_a_fragment_it_does_not_understand_is_ignored_quietly(page, live_server, fragment):
    url = f"{live_server}/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024"
    page.goto(url)
    page.wait_for_selector("path.leaflet-interactive")
    plain = page.evaluate(f"(() => {{ const c = {MAP}.getCenter(); return [{MAP}.getZoom(), c.lat, c.lng]; }})()")
    page.goto("about:blank")
    page.goto(f"{url}#{fragment}")
    page.wait_for_selector("path.leaflet-interactive")
    view = page.evaluate(f"(() => {{ const c = {MAP}.getCenter(); return [{MAP}.getZoom(), c.lat, c.lng]; }})()")
    assert view == pytest.approx(plain)
    assert page.locator(HATCHED).count() == 0 and page.locator(".atlas-laaglegenda").count() == 0
    assert page.locator("img[src=x]").count() == 0
    assert page.console_errors == []
