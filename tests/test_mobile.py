"""Every page type at a phone's width (390 x 844) and a laptop's (1366 x 900): nothing scrolls sideways, and a
screenshot of each lands in tests/_screenshots/ to be looked at (issue 13, item 6)."""

from __future__ import annotations

import re

import pytest

from .conftest import SCREENSHOTS
from .test_accessibility import page_types

pytestmark = pytest.mark.browser

WIDTHS = {"telefoon": (390, 844), "laptop": (1366, 900)}


def _name(path: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", path.lower()).strip("_") or "home"


@pytest.mark.parametrize("device", list(WIDTHS))
def test_no_page_scrolls_sideways(browser, live_server, demo_build, device):
    import atlas

    width, height = WIDTHS[device]
    context = browser.new_context(viewport={"width": width, "height": height}, locale="nl-NL", device_scale_factor=1)
    page = context.new_page()
    wide = {}
    SCREENSHOTS.mkdir(exist_ok=True)
    try:
        for path in page_types(atlas.Artifact.open(demo_build)):
            page.goto(f"{live_server}{path}")
            page.wait_for_load_state("networkidle")
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                wide[path] = scroll
            page.screenshot(path=str(SCREENSHOTS / f"{device}_{_name(path)[:60]}.png"), full_page=False)
    finally:
        context.close()
    assert wide == {}, f"pages wider than {width} px: {wide}"
