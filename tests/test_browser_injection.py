"""No HTML from data: an artifact whose names are markup, served without its CSP, in headless Chromium.

Every page type is opened, every tooltip of every layer opened (and one hovered), the layer control opened and
every overlay switched on: no payload runs, no element of a payload exists in the DOM, and the names read as text.
The CSP is taken off by a WSGI wrapper in this test only, so what is tested is the escaping, not the CSP.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Any
from urllib.parse import quote

import pytest

from .hostile import (
    BUURT_NAMES,
    FACILITY_NAME,
    GEMEENTE_NAME,
    INDICATOR_ID,
    INDICATOR_TITLE,
    OVERLAY_TITLE,
    PAYLOADS,
    QUERY,
    SOURCE_NAME,
    STADSDEEL_NAME,
    THEME_TITLE,
    WIJK_NAMES,
    hostile_sources,
)

pytestmark = pytest.mark.browser


def without_csp(wsgi_app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """A WSGI wrapper that drops the Content-Security-Policy header of every response."""

    def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        def start(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            kept = [(k, v) for k, v in headers if k.lower() != "content-security-policy"]
            return start_response(status, kept, *args)

        return wsgi_app(environ, start)

    return app


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> dict[str, Any]:
    from atlas.pipeline.run import build

    folder = tmp_path_factory.mktemp("hostile")
    info = hostile_sources(folder / "bron")
    build(info["sources"], folder / "build")
    return {**info, "build": folder / "build"}


@pytest.fixture(scope="module")
def hostile_server(hostile) -> Iterator[str]:
    from waitress.server import create_server

    from atlas.web import create_app

    app = create_app(hostile["build"], {"ATLAS_TILES": False})
    app.wsgi_app = without_csp(app.wsgi_app)  # type: ignore[method-assign]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}"
    server.close()


@pytest.fixture
def watched(page):
    """The page, recording every dialog (alert, confirm, prompt) a payload might open."""
    page.dialogs = []

    def dismiss(dialog) -> None:
        page.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", dismiss)
    return page


_DOM_STATE = """() => ({
    pwned: window.__pwned === undefined ? null : String(window.__pwned),
    handlers: Array.from(document.querySelectorAll("[onerror], [onload]")).map(e => e.outerHTML),
    images: Array.from(document.querySelectorAll("img")).filter(e => e.getAttribute("src") === "x").length,
    scripts: Array.from(document.scripts).filter(s => /^\\s*window\\.__pwned/.test(s.textContent)).length,
    svgs: Array.from(document.querySelectorAll("svg")).filter(s => !s.getAttribute("class")).length,
    text: document.body.innerText,
    title: document.title,
})"""


def assert_inert(page) -> dict[str, Any]:
    """No payload ran and none became an element; returns the page's state (its text) for further checks."""
    page.wait_for_timeout(200)  # an <img src=x> fails asynchronously
    state = page.evaluate(_DOM_STATE)
    assert state["pwned"] is None, f"a payload ran: window.__pwned = {state['pwned']}"
    assert page.dialogs == []
    assert state["handlers"] == [], state["handlers"]
    assert state["images"] == 0
    assert state["scripts"] == 0
    assert state["svgs"] == 0  # the atlas's own SVGs all have a class (chart, spark, minimap, Leaflet's)
    return state


_OPEN_TOOLTIPS = """() => {
    // what a mouse over each feature does: the feature's mouseover reaches its layer, whose tooltip opens for it
    const maps = Object.keys(window).filter(k => k.startsWith("map_") && window[k] instanceof L.Map);
    const texts = [];
    maps.forEach(k => window[k].eachLayer(group => {
        if (!group.eachLayer || !group.getTooltip || !group.getTooltip()) { return; }
        group.eachLayer(feature => {
            const latlng = feature.getBounds ? feature.getBounds().getCenter() : feature.getLatLng();
            feature.fire("mouseover", {latlng: latlng}, true);
            const element = group.getTooltip().getElement();
            if (element) { texts.push(element.textContent); }
            feature.fire("click", {latlng: latlng}, true);  // and what a click opens
            const popup = document.querySelector(".atlas-popup");
            if (popup) { texts.push(popup.textContent); }
        });
    }));
    return texts;
}"""


def open_map(page, url: str) -> list[str]:
    """Open a map page, open its layer control, switch on every overlay and open every tooltip and popup; their
    texts."""
    page.goto(url)
    page.wait_for_selector("path.leaflet-interactive")
    assert_inert(page)
    page.hover(".leaflet-control-layers")
    boxes = page.locator(".leaflet-control-layers-overlays input")
    for i in range(boxes.count()):
        page.hover(".leaflet-control-layers")
        if not boxes.nth(i).is_checked():
            boxes.nth(i).check()
    labels = page.locator(".leaflet-control-layers-overlays label").all_inner_texts()
    texts = page.evaluate(_OPEN_TOOLTIPS)
    assert texts, "no tooltip opened"
    assert_inert(page)
    return [*labels, *texts]


def _contains(texts: Iterable[str], needle: str) -> bool:
    return any(needle in text for text in texts)


@pytest.mark.parametrize("level", ["buurt", "wijk", "stadsdeel"])
def test_map_tooltips_and_layer_control_show_names_as_text(watched, hostile_server, level):
    texts = open_map(watched, f"{hostile_server}/kaart/vrijwilligerswerk?niveau={level}&jaar=2024")
    names = {"buurt": BUURT_NAMES, "wijk": WIJK_NAMES, "stadsdeel": (STADSDEEL_NAME,)}[level]
    for name in names:
        assert _contains(texts, name), name
    assert _contains(texts, SOURCE_NAME)  # the values' source, in the popup
    # the hostile overlay is named after its indicator: in the layer control, the choropleth's tooltip and its legend
    assert _contains(texts, INDICATOR_TITLE)
    legends = watched.locator(".atlas-laaglegenda").all_inner_texts()
    assert _contains(legends, INDICATOR_TITLE)
    assert OVERLAY_TITLE in watched.locator("aside").inner_text()  # its description, beside the map, as text
    assert watched.console_errors == []


def test_hovering_a_hostile_buurt_shows_its_name(watched, hostile_server, hostile):
    watched.goto(f"{hostile_server}/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024")
    watched.wait_for_selector("path.leaflet-interactive")
    code = hostile["buurten"][0]
    path = watched.evaluate_handle(
        """code => {
            const key = Object.keys(window).find(k => k.startsWith("map_") && window[k] instanceof L.Map);
            let found = null;
            window[key].eachLayer(l => { if (l.feature && l.feature.properties.code === code) { found = l; } });
            return found.getElement();
        }""",
        code,
    )
    path.as_element().hover(force=True)
    tooltip = watched.wait_for_selector(".leaflet-tooltip")
    assert BUURT_NAMES[0] in tooltip.inner_text()
    path.as_element().click(force=True)
    assert_inert(watched)


def test_map_of_a_hostile_indicator_and_stadsdeel(watched, hostile_server, hostile):
    for query in (f"stadsdeel={hostile['stadsdeel']}", f"stadsdeel={quote(STADSDEEL_NAME)}"):
        texts = open_map(watched, f"{hostile_server}/kaart/{INDICATOR_ID}?niveau=buurt&jaar=2024&{query}")
        assert _contains(texts, INDICATOR_TITLE)  # the tooltip's alias and the layer's name
        assert _contains(texts, f"Grens stadsdeel {STADSDEEL_NAME}")
        state = assert_inert(watched)
        assert INDICATOR_TITLE in state["text"] and STADSDEEL_NAME in state["text"]
        assert INDICATOR_TITLE in state["title"] and GEMEENTE_NAME in state["title"]
    assert watched.console_errors == []


def test_bivariate_map_of_a_hostile_indicator(watched, hostile_server, hostile):
    """The hostile indicator as the second of a pair: its title in the legend's axes, cells and table heads, the
    tooltip and the popup, as text."""
    url = f"{hostile_server}/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024&tegen={INDICATOR_ID}"
    texts = open_map(watched, url)
    assert _contains(texts, INDICATOR_TITLE) and _contains(texts, BUURT_NAMES[0])
    state = assert_inert(watched)
    assert watched.locator(".bivar-cel").count() == 9
    assert INDICATOR_TITLE in watched.locator("section.legend").inner_text()
    assert INDICATOR_TITLE in watched.locator("table.bivar-tabel thead").inner_text()
    assert INDICATOR_TITLE in state["title"] and BUURT_NAMES[0] in state["text"]
    watched.goto(url)  # overlays off again: a click reaches the choropleth
    watched.wait_for_selector("path.leaflet-interactive")
    shapes = watched.locator("path.leaflet-interactive")
    shapes.nth(shapes.count() // 2).click(force=True)
    watched.locator(".leaflet-popup-content .atlas-popup").wait_for()
    assert INDICATOR_TITLE in watched.locator(".atlas-popup").inner_text()
    assert_inert(watched)
    assert watched.console_errors == []


def _pages(hostile: dict[str, Any]) -> list[tuple[str, tuple[str, ...]]]:
    """(path, the names the page must show as text)."""
    return [
        ("/", (STADSDEEL_NAME, GEMEENTE_NAME, INDICATOR_TITLE)),
        (
            f"/gebied/{hostile['buurten'][0]}",
            (BUURT_NAMES[0], WIJK_NAMES[0], STADSDEEL_NAME, SOURCE_NAME, FACILITY_NAME, PAYLOADS[1]),
        ),
        (f"/gebied/{hostile['buurten'][0]}/foto", (BUURT_NAMES[0], WIJK_NAMES[0], STADSDEEL_NAME, GEMEENTE_NAME)),
        (f"/gebied/{hostile['wijk']}", (WIJK_NAMES[0], *BUURT_NAMES, STADSDEEL_NAME, THEME_TITLE, INDICATOR_TITLE)),
        (f"/gebied/{hostile['stadsdeel']}", (STADSDEEL_NAME, *WIJK_NAMES)),
        ("/gebied/GM0193", (GEMEENTE_NAME, STADSDEEL_NAME)),
        (f"/verhaal/{hostile['buurten'][0]}", (BUURT_NAMES[0], WIJK_NAMES[0])),
        (f"/verhaal/{hostile['wijk']}", (WIJK_NAMES[0], STADSDEEL_NAME)),
        (
            f"/vergelijk?gebieden={hostile['buurten'][0]},{hostile['wijk']}",
            (BUURT_NAMES[0], WIJK_NAMES[0], GEMEENTE_NAME, THEME_TITLE, INDICATOR_TITLE),
        ),
        ("/doelen", ()),
        *[(f"/doelen/{n}", (GEMEENTE_NAME,)) for n in range(1, 7)],
        (f"/zoek?q={quote(QUERY)}", (QUERY,)),
        (f"/zoek?q={quote('img')}", (BUURT_NAMES[0],)),
    ]


def test_every_page_shows_names_as_text(watched, hostile_server, hostile):
    for path, names in _pages(hostile):
        response = watched.goto(f"{hostile_server}{path}")
        assert response.status == 200
        state = assert_inert(watched)
        for name in names:
            assert name in state["text"], (path, name)
        assert GEMEENTE_NAME in state["title"], (path, state["title"])  # the name in <title>, as text
    assert watched.console_errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/gebied/{}",
        "/gebied/{}/foto",
        "/gebied/{}/foto.pdf",
        "/verhaal/{}",
        "/kaart/{}",
        "/doelen/{}",
        "/download/{}.csv",
    ],
)
def test_error_pages_show_the_request_as_text(watched, hostile_server, path):
    response = watched.goto(hostile_server + path.format(quote(QUERY)))
    assert response.status == 404
    assert_inert(watched)
