"""The facilities overlay (foto veerkracht part 5) in headless Chromium: every facility drawn in its type's colour
over the whole city, and while it is on, a legend with a swatch and the title of every type; both gone when it is
switched off. And a map of a forecast year (part 6) says so where a reader looks."""

from __future__ import annotations

import pytest

from .test_accessibility import WCAG_21_AA
from .test_browser_overlays import MAP, _switch

pytestmark = pytest.mark.browser

_MARKERS = f"""() => {{
    const map = {MAP};
    const out = [];
    map.eachLayer(layer => {{
        if (layer instanceof L.CircleMarker) {{
            const p = map.latLngToContainerPoint(layer.getLatLng());
            out.push([layer.options.fillColor, layer.options.color, p.x, p.y]);
        }}
    }});
    return out;
}}"""
"""Every point drawn on the map: its fill and edge colour and where it is (container pixels)."""

_PIXELS = """(points) => {
    const canvas = document.querySelector(".leaflet-atlas-lagen-pane canvas");
    const box = canvas.getBoundingClientRect();
    const map = document.querySelector(".leaflet-container").getBoundingClientRect();
    const scale = canvas.width / box.width;
    const context = canvas.getContext("2d");
    return points.map(([x, y]) => {
        const px = Math.round((x + map.left - box.left) * scale), py = Math.round((y + map.top - box.top) * scale);
        return Array.from(context.getImageData(px, py, 1, 1).data);
    });
}"""
"""The canvas's pixel under each point (its centre): what the reader sees there."""


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def test_the_facilities_are_drawn_in_the_colour_of_their_type_with_a_legend_per_type(page, live_server, demo_build):
    import atlas

    art = atlas.Artifact.open(demo_build)
    types = art.registry.overlays["voorzieningen"].types
    counted = art.manifest["voorzieningen"]["types"]
    page.goto(f"{live_server}/kaart/vrijwilligerswerk?niveau=buurt&jaar=2024")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator(".atlas-soortlegenda").count() == 0
    assert page.evaluate(_MARKERS) == []
    _switch(page, "Voorzieningen")
    page.wait_for_function(f"({_MARKERS})().length == {sum(counted.values())}")
    markers = page.evaluate(_MARKERS)
    # every facility of every type, in its type's colour, with a dark edge, at the city's zoom (no zoom notice)
    by_color: dict[str, int] = {}
    for fill, edge, _, _ in markers:
        by_color[fill] = by_color.get(fill, 0) + 1
        assert edge == "#1a1a1a"
    assert by_color == {t.color: counted[t.id] for t in types if counted[t.id]}
    assert page.locator(".atlas-zoommelding p").count() == 0
    # and that is what the canvas shows: the pixel at the centre of a point that no other point covers has its
    # type's colour
    width, height = page.evaluate(f"(() => {{ const s = {MAP}.getSize(); return [s.x, s.y]; }})()")
    alone = [
        m
        for m in markers
        if 6 <= m[2] < width - 6
        and 6 <= m[3] < height - 6
        and all(o is m or (o[2] - m[2]) ** 2 + (o[3] - m[3]) ** 2 > 12**2 for o in markers)
    ]
    assert len(alone) >= 40 and len({m[0] for m in alone}) >= 5  # most types among them
    pixels = page.evaluate(_PIXELS, [[x, y] for _, _, x, y in alone])
    alike = [
        all(abs(a - b) <= 16 for a, b in zip(_rgb(fill), pixel[:3], strict=True)) and pixel[3] > 200
        for (fill, _, _, _), pixel in zip(alone, pixels, strict=True)
    ]
    assert all(alike), [(m[0], p) for m, p, ok in zip(alone, pixels, alike, strict=True) if not ok][:5]
    # the legend: in the stack of overlay legends, a swatch and the title (and count) of every type, in order
    legend = page.locator(".atlas-laaglegendas .atlas-soortlegenda")
    assert legend.count() == 1 and legend.is_visible()
    assert legend.get_attribute("aria-label") == "Legenda van Voorzieningen"
    assert legend.locator("strong").inner_text() == "Voorzieningen"
    assert f"{sum(counted.values())} voorzieningen" in legend.inner_text()
    lines = legend.locator("li")
    assert lines.count() == len(types)
    assert [lines.nth(i).get_attribute("data-soort") for i in range(len(types))] == [t.id for t in types]
    assert lines.all_inner_texts() == [f"{t.title} ({counted[t.id]})" for t in types]
    swatches = legend.locator("svg.atlas-soort-staal circle")
    assert [swatches.nth(i).get_attribute("fill") for i in range(len(types))] == [t.color for t in types]
    # the legend's texts are text, not markup
    assert legend.evaluate("box => box.querySelectorAll('img, script, [onerror], [onload]').length") == 0
    assert "lagen=voorzieningen" in page.url  # the address keeps it
    results = (
        pytest.importorskip("axe_playwright_python.sync_playwright")
        .Axe()
        .run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
    )
    assert results.response["violations"] == []
    _switch(page, "Voorzieningen", on=False)
    assert page.locator(".atlas-soortlegenda").count() == 0
    assert page.evaluate(_MARKERS) == []
    assert page.console_errors == []


def test_the_address_brings_the_facilities_back(page, live_server):
    page.goto(f"{live_server}/kaart/inwoners?niveau=buurt#lagen=voorzieningen")
    page.wait_for_selector(".atlas-soortlegenda")
    assert (
        page.locator(".leaflet-control-layers-overlays label", has_text="Voorzieningen").locator("input").is_checked()
    )


def test_a_map_of_a_forecast_year_is_labelled_and_its_chooser_too(page, live_server):
    page.goto(f"{live_server}/kaart/leeftijd_65_plus?niveau=buurt")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("h1").inner_text().endswith("per buurt, 2024")  # the latest measured year
    chooser = page.locator("#m-jaar option")
    assert "2030 (prognose)" in chooser.all_inner_texts() and "2025 (prognose)" in chooser.all_inner_texts()
    page.select_option("#m-niveau", "wijk")  # the chooser rebuilt by the page keeps the labels
    assert "2030 (prognose)" in page.locator("#m-jaar option").all_inner_texts()
    assert page.locator("#m-jaar").input_value() == "2024"
    page.goto(f"{live_server}/kaart/leeftijd_65_plus?niveau=buurt&jaar=2030")
    page.wait_for_selector("path.leaflet-interactive")
    assert page.locator("h1").inner_text().endswith("per buurt, 2030 (prognose)")
    assert page.locator(".prognose-note").inner_text().startswith("Prognose: een verwachting")
    page.locator("table.kaarttabel button.linkbutton").first.click()  # the popup: source and year
    assert "2030 (prognose)" in page.locator(".atlas-popup").inner_text()
    assert "prognose" in page.locator("table.kaarttabel tbody tr").first.inner_text()  # the table's status
    assert page.console_errors == []
