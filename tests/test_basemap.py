"""The base map (issue 13, item 1): PDOK's grey tiles by default, a URL of one's own or none; one probe, so an
unreachable tile server costs one failed request and a quiet notice, not a stream of console errors; "geen
achtergrond" in the layer control; a metric scale bar. Tiles come from a local fixture server, never the internet."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar

import numpy as np
import pytest
from rasterio.io import MemoryFile

from atlas.errors import SettingsError
from atlas.settings import PDOK_TILES, read_settings
from atlas.web import create_app
from atlas.web.security import csp


def _tile_png() -> bytes:
    """A 256 x 256 RGB PNG as PDOK's grey BRT tiles are (written by GDAL's PNG driver)."""
    rgb = np.full((3, 256, 256), 232, dtype=np.uint8)
    rgb[:, 120:136, :] = 200  # a road
    with MemoryFile() as memory:
        with memory.open(driver="PNG", width=256, height=256, count=3, dtype="uint8") as png:
            png.write(rgb)
        return memory.read()


class _Tiles(BaseHTTPRequestHandler):
    png = b""
    paths: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        type(self).paths.append(self.path)
        self.send_response(200)
        self.send_header("Content-Type", "image/png")
        self.send_header("Content-Length", str(len(self.png)))
        self.end_headers()
        self.wfile.write(self.png)

    def log_message(self, *args: object) -> None:
        pass


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def tile_server():
    _Tiles.png = _tile_png()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def _serve(app):
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=_free_port(), threads=4)
    threading.Thread(target=server.run, daemon=True).start()
    return server, f"http://127.0.0.1:{server.effective_port}"


def test_the_setting_takes_1_0_or_a_tile_url():
    assert read_settings({}).tiles == PDOK_TILES
    assert read_settings({"ATLAS_TILES": "0"}).tiles is None
    mirror = "https://kaart.intranet.example/brt/{z}/{x}/{y}.png"
    assert read_settings({"ATLAS_TILES": mirror}).tiles == mirror
    assert read_settings({}, {"ATLAS_TILES": False}).tiles is None
    with pytest.raises(SettingsError, match=r"ATLAS_TILES='https://x.example/tile.png'.*\{z\}, \{x\} and \{y\}"):
        read_settings({"ATLAS_TILES": "https://x.example/tile.png"})


def test_the_csp_allows_the_tile_server_and_nothing_else():
    assert "img-src 'self' data: https://service.pdok.nl;" in csp(b"", PDOK_TILES)
    assert "img-src 'self' data: http://127.0.0.1:8123;" in csp(b"", "http://127.0.0.1:8123/{z}/{x}/{y}.png")
    assert "img-src 'self' data:;" in csp(b"", None)


@pytest.mark.browser
def test_tiles_load_with_no_console_error_and_a_choice_of_no_background(page, demo_build, tile_server):
    _Tiles.paths.clear()
    app = create_app(demo_build, {"ATLAS_TILES": tile_server + "/{z}/{x}/{y}.png", "ATLAS_TILES_ATTRIBUTION": "Test"})
    server, base = _serve(app)
    try:
        page.goto(f"{base}/kaart/inwoners?niveau=wijk")
        page.wait_for_selector("img.leaflet-tile-loaded")
        assert len(_Tiles.paths) > 1  # the probe, then the layer's tiles
        assert page.locator(".atlas-notice").count() == 0
        page.hover(".leaflet-control-layers")
        labels = page.locator(".leaflet-control-layers-base label").all_inner_texts()
        assert [label.strip() for label in labels] == ["Achtergrondkaart", "geen achtergrond"]
        scale = page.locator(".leaflet-control-scale").inner_text()
        assert ("km" in scale or " m" in scale) and "mi" not in scale and "ft" not in scale
        assert "Test" in page.locator(".leaflet-control-attribution").inner_text()
        page.locator(".leaflet-control-layers-base label", has_text="geen achtergrond").locator("input").check()
        page.wait_for_function("document.querySelectorAll('img.leaflet-tile').length === 0")
        assert page.console_errors == []
    finally:
        server.close()


@pytest.mark.browser
def test_an_unreachable_tile_server_costs_one_request_and_says_so(page, demo_build):
    dead = f"http://127.0.0.1:{_free_port()}"  # nothing listens there
    app = create_app(demo_build, {"ATLAS_TILES": dead + "/{z}/{x}/{y}.png"})
    server, base = _serve(app)
    asked = []
    page.on("request", lambda request: request.url.startswith(dead) and asked.append(request.url))
    try:
        page.goto(f"{base}/kaart/inwoners?niveau=buurt")
        page.wait_for_selector(".atlas-notice")
        page.wait_for_timeout(1000)  # time for any further request to show
        assert page.locator(".atlas-notice").inner_text() == "achtergrondkaart niet bereikbaar"
        assert len(asked) == 1 and len(page.console_errors) <= 1
        page.mouse.wheel(0, -400)  # zooming asks for no tiles either
        page.wait_for_timeout(500)
        assert len(asked) == 1 and page.locator("img.leaflet-tile").count() == 0
    finally:
        server.close()


@pytest.mark.browser
def test_without_a_base_map_nothing_is_asked(page, demo_build):
    app = create_app(demo_build, {"ATLAS_TILES": False})
    server, base = _serve(app)
    outside = []
    page.on("request", lambda request: not request.url.startswith(base) and outside.append(request.url))
    try:
        page.goto(f"{base}/kaart/inwoners")
        page.wait_for_selector("path.leaflet-interactive")
        assert outside == [] and page.locator(".atlas-notice").count() == 0
        assert "km" in page.locator(".leaflet-control-scale").inner_text()
    finally:
        server.close()
