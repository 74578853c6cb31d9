from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from atlas.layers.registry import Registry, load_registry

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
REALDATA = ROOT.parent / "shared" / "realdata"


@pytest.fixture(scope="session")
def small_registry() -> Registry:
    return load_registry(FIXTURES / "registry_small.yaml")


@pytest.fixture(scope="session")
def realdata() -> Path:
    if not REALDATA.is_dir():
        pytest.skip(f"real Zwolle data not available: {REALDATA} does not exist")
    return REALDATA


@pytest.fixture(scope="session")
def demo_sources(tmp_path_factory) -> Path:
    """The demo inputs, generated once per test session."""
    from atlas.demo import write_demo

    return write_demo(tmp_path_factory.mktemp("demo") / "bron")


@pytest.fixture(scope="session")
def demo_build(demo_sources, tmp_path_factory) -> Path:
    """The demo built once per test session."""
    from atlas.pipeline.run import build

    out = tmp_path_factory.mktemp("demo-build") / "build"
    build(demo_sources, out)
    return out


CHROMIUM = Path("/usr/bin/chromium")


@contextlib.contextmanager
def serving(build: Path) -> Iterator[str]:
    """The atlas of ``build`` served by waitress on a free port of 127.0.0.1 (its base URL) until the block ends."""
    import socket
    import threading

    from waitress.server import create_server

    from atlas.web import create_app

    app = create_app(build, {"ATLAS_TILES": False})
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = create_server(app, host="127.0.0.1", port=port, threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.close()


@pytest.fixture(scope="session")
def live_server(demo_build):
    """The demo atlas served by waitress, for the browser tests."""
    with serving(demo_build) as base:
        yield base


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (no browser download)."""
    if not CHROMIUM.exists():
        pytest.skip("Chromium is not installed: run 'make test' as root or install Debian's 'chromium' package")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


SCREENSHOTS = Path(__file__).resolve().parent / "_screenshots"


@pytest.fixture
def page(browser):
    """A fresh page that records console errors in ``page.console_errors``."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    page.console_errors = []
    page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
    page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
    yield page
    context.close()


def write_real_sources(folder: Path, realdata: Path) -> Path:
    """A sources file for the real Zwolle boundaries, the real 2014 Buurt-voor-Buurt aggregate (no respondent
    counts) and the inhabitants per buurt 2015-2024 (cijfersoverzwolle)."""
    sources = folder / "sources.yaml"
    sources.write_text(
        f"""
gemeente: GM0193
naam: Zwolle
allowed_roots: [{realdata}, {ROOT / "geodata"}]
areas:
  buurt: {{path: {realdata / "zwolle_buurten_gemeente_rd.geojson"}, code: buurtcode, name: buurtnaam, parent: wijkcode}}
  wijk: {{path: {realdata / "zwolle_wijken_gemeente_rd.geojson"}, code: wijkcode, name: wijknaam}}
  stadsdelen: {{path: {ROOT / "geodata" / "zwolle" / "stadsdelen.csv"}}}
indicators:
  - path: {realdata / "zwolle_buurten_2014_zebra_buurtvoorbuurt.csv"}
    format: wide
    code: buurtcode
    year_column: jaar
    source: Buurt-voor-Buurt 2014
    columns: {{b_mivrij: vrijwilligerswerk, b_sceenz: eenzaamheid, b_mimant: mantelzorg,
               b_shecht: verbonden_buurt, b_fbetrv: betrokken_openbare_ruimte}}
  - path: {realdata / "zwolle_buurten_cijfersoverzwolle_demografie_2015_2024.csv"}
    format: wide
    code: buurtcode
    year_column: jaar
    source: cijfersoverzwolle.nl (BRP)
    columns: {{inwoners_op_1_januari_personen: inwoners}}
""",
        encoding="utf-8",
    )
    return sources


@pytest.fixture(scope="module")
def app(demo_build):
    """The web app on the demo build (no base-map tiles); a test module may override it."""
    from atlas.web import create_app

    return create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False})


@pytest.fixture
def client(app):
    return app.test_client()
