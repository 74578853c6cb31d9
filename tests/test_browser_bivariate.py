"""A bivariate map in headless Chromium (issue 13, item 4): nine legend cells in the colours the map uses, per area
the same pair of values in the table as the API gives for both indicators, withheld areas drawn and listed as
withheld, and tooltip and popup with both values."""

from __future__ import annotations

import json
import urllib.request
from typing import Any

import pytest

from atlas.artifact.status import Status
from atlas.layers.registry import load_registry
from atlas.render.bivariate import PALETTE
from atlas.render.maps import UNPUBLISHED_STYLES
from atlas.render.selection import format_value

from .conftest import SCREENSHOTS

pytestmark = pytest.mark.browser

X, Y = "kroonbedekking", "veilig_buurt"
URL = f"/kaart/{X}?tegen={Y}&niveau=buurt"
WITHHELD = "niet gepubliceerd (privacy)"

_CELLS = """() => Array.from(document.querySelectorAll(".bivar-cel")).map(td => ({
    x: td.dataset.x, y: td.dataset.y, background: getComputedStyle(td).backgroundColor,
    count: parseInt(td.textContent, 10), attention: td.classList.contains("aandacht")
}))"""

_ROWS = """() => Array.from(document.querySelectorAll("table.bivar-tabel tbody tr")).map(tr => ({
    code: tr.dataset.code, cells: Array.from(tr.cells).map(td => td.textContent.trim())
}))"""

_FILLS = """() => {
    const key = Object.keys(window).find(k => k.startsWith("map_") && window[k] instanceof L.Map);
    const out = {};
    window[key].eachLayer(l => {
        if (l.feature && l.feature.properties.code && l.getElement) {
            out[l.feature.properties.code] = l.getElement().getAttribute("fill");
        }
    });
    return out;
}"""


def _rgb(hex_color: str) -> str:
    return "rgb({}, {}, {})".format(*(int(hex_color[i : i + 2], 16) for i in (1, 3, 5)))


def _api(live_server: str, indicator: str) -> dict[str, dict[str, Any]]:
    with urllib.request.urlopen(f"{live_server}/api/values?indicator={indicator}&niveau=buurt&jaar=2024") as answer:
        return {row["code"]: row for row in json.load(answer)["values"]}


def test_a_bivariate_map_shows_nine_legend_cells_and_the_apis_values(page, live_server):
    page.goto(f"{live_server}{URL}")
    page.wait_for_selector("path.leaflet-interactive")
    cells = page.evaluate(_CELLS)
    assert len(cells) == 9
    assert sorted((c["x"], c["y"]) for c in cells) == [(str(x), str(y)) for x in range(3) for y in range(3)]
    assert {c["background"] for c in cells} == {_rgb(c) for row in PALETTE for c in row}
    assert [(c["x"], c["y"]) for c in cells if c["attention"]] == [("0", "0")]  # little canopy, feels unsafe
    legend = page.locator("section.legend").inner_text()
    assert "Kroonbedekking" in legend and "Voelt zich veilig in de buurt" in legend
    assert "linksonder" in legend and f"{WITHHELD} voor Kroonbedekking of Voelt zich veilig in de buurt" in legend

    registry = load_registry()
    x_ind, y_ind = registry.indicator(X), registry.indicator(Y)
    api_x, api_y = _api(live_server, X), _api(live_server, Y)
    rows = {row["code"]: row["cells"] for row in page.evaluate(_ROWS)}
    assert set(rows) == set(api_x) == set(api_y)
    for code, cells_of_row in rows.items():  # every area: the pair of values and both statuses, as the API says
        _, waarde_x, status_x, waarde_y, status_y, klasse = cells_of_row[:6]  # then the "op de kaart" button
        assert waarde_x == format_value(api_x[code]["value"], x_ind), code
        assert waarde_y == format_value(api_y[code]["value"], y_ind), code
        assert (api_x[code]["status"] == "ok") == (status_x == "gepubliceerd")
        assert (api_y[code]["status"] == "suppressed") == (status_y == WITHHELD)
        published = api_x[code]["value"] is not None and api_y[code]["value"] is not None
        assert klasse.startswith("Kroonbedekking ") == published, (code, klasse)
    assert sum(c["count"] for c in cells) == sum(1 for r in rows.values() if r[5].startswith("Kroonbedekking "))

    withheld = sorted(code for code, row in api_y.items() if row["status"] == "suppressed")
    assert withheld, "the demo withholds veilig_buurt in some buurten"
    fills = page.evaluate(_FILLS)
    palette = {c for row in PALETTE for c in row}
    for code in withheld:
        assert rows[code][3] == "" and rows[code][4] == WITHHELD
        assert rows[code][5] == f"geen klasse: {WITHHELD}"
        assert fills[code] == UNPUBLISHED_STYLES[Status.SUPPRESSED]["fillColor"]
    shown = [code for code in rows if rows[code][5].startswith("Kroonbedekking ")]
    assert {fills[code] for code in shown} <= palette and len({fills[code] for code in shown}) >= 6
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "kaart_bivariaat.png"), full_page=True)
    assert page.console_errors == []


def test_tooltip_and_popup_show_both_values(page, live_server):
    page.goto(f"{live_server}{URL}")
    page.wait_for_selector("path.leaflet-interactive")
    api_x, api_y = _api(live_server, X), _api(live_server, Y)
    code = next(c for c in sorted(api_y) if api_y[c]["status"] == "ok")
    registry = load_registry()
    expected_x = format_value(api_x[code]["value"], registry.indicator(X))
    expected_y = format_value(api_y[code]["value"], registry.indicator(Y))
    path = page.evaluate_handle(
        """code => {
            const key = Object.keys(window).find(k => k.startsWith("map_") && window[k] instanceof L.Map);
            let found = null;
            window[key].eachLayer(l => { if (l.feature && l.feature.properties.code === code) { found = l; } });
            return found.getElement();
        }""",
        code,
    ).as_element()
    assert path is not None
    path.hover(force=True)
    tooltip = page.wait_for_selector(".leaflet-tooltip.foliumtooltip")
    lines = dict(
        zip(
            [th.inner_text() for th in tooltip.query_selector_all("th")],
            [td.inner_text() for td in tooltip.query_selector_all("td")],
            strict=True,
        )
    )
    assert lines["Kroonbedekking"] == expected_x and lines["Voelt zich veilig in de buurt"] == expected_y
    assert lines["Klasse"].startswith("Kroonbedekking ") and lines["Jaar"] == "2024"
    path.click(force=True)
    popup = page.locator(".leaflet-popup-content .atlas-popup")
    popup.wait_for()
    text = popup.inner_text()
    assert f"Kroonbedekking: {expected_x}" in text and f"Voelt zich veilig in de buurt: {expected_y}" in text
    assert popup.locator("a", has_text="Bekijk profiel").get_attribute("href") == f"/gebied/{code}"
    assert page.console_errors == []
