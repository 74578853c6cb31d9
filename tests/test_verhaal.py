"""The map story ``/verhaal/<code>`` (issue 14, item 5): the foto veerkracht's six parts, each with a map.

The sentences are the foto's own (:func:`atlas.render.foto.foto`), each map outlines the area and colours the areas
in the classes of the map page, and in a browser the story goes one step at a time (buttons, arrow keys, the
address's fragment) while printing shows every step.
"""

from __future__ import annotations

import html
import re
import time
from dataclasses import replace

import numpy as np
import pytest

import atlas
from atlas.artifact.status import publishable
from atlas.codes import LEVELS
from atlas.render.foto import foto
from atlas.render.maps import choropleth_values, classify
from atlas.render.mapview import selection_classes
from atlas.render.selection import WEB_LEVELS, select
from atlas.render.story import story
from atlas.render.storycanvas import Projection

from .conftest import SCREENSHOTS


@pytest.fixture(scope="module")
def demo(demo_build):
    return atlas.Artifact.open(demo_build)


def _codes(demo) -> dict[str, str]:
    return {level: str(demo.areas.level(level).code.iloc[3 if level != "gemeente" else 0]) for level in LEVELS}


def _sections(page: str) -> list[str]:
    return re.findall(r'<section class="stap" id="stap-\d".*?</section>', page, re.S)


@pytest.mark.parametrize("level", ["buurt", "wijk", "stadsdeel", "gemeente"])
def test_the_story_of_every_level_has_six_steps_with_the_sheets_sentences(client, demo, level):
    code = _codes(demo)[level]
    response = client.get(f"/verhaal/{code}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    sections = _sections(page)
    assert len(sections) == 6
    expected = foto(demo, code)
    assert f"<h1>{html.escape(expected.profile.area.naam)} " in page
    for number, (section, part) in enumerate(zip(sections, expected.parts, strict=True), start=1):
        assert f'id="stap-{number}"' in section and f"Stap {number} van 6" in section
        assert f">{html.escape(part.title)}</h2>" in section
        assert part.sentence and f'<p class="zin">{html.escape(part.sentence)}</p>' in section
        assert section.count('role="img"') == 1 and "aria-label=" in section and "<title>" in section
        if number < 6:
            assert f'href="#stap-{number + 1}"' in section
    # the last step names the sources and the build, and links to the profile and the printable sheet
    for line in expected.sources:
        assert html.escape(line.source) in sections[-1]
    assert expected.built in sections[-1]
    assert f'href="/gebied/{code}"' in sections[-1] and f'href="/gebied/{code}/foto"' in sections[-1]
    assert "demo-gegevens" in page and '<script src="/static/verhaal.js"></script>' in page


def test_the_profile_links_to_its_story(client, demo):
    code = _codes(demo)["buurt"]
    assert f'href="/verhaal/{code}"' in client.get(f"/gebied/{code}").get_data(as_text=True)


@pytest.mark.parametrize("path", ["/verhaal/BU99999999", "/verhaal/<script>", "/verhaal/%00", "/verhaal/" + "x" * 300])
def test_an_unknown_area_is_a_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "<script>" not in response.get_data(as_text=True)


def test_the_maps_outline_the_area_and_colour_like_the_map_page(demo):
    code = _codes(demo)["buurt"]
    s = story(demo, code)
    assert s.frame.level == "buurt" and code in s.frame.context
    checked = 0
    for step in s.steps:
        svg = step.map.svg
        assert f'class="omlijnd" data-code="{code}"' in svg, step.part.title
        if not step.map.link:
            continue
        # the map page of the same indicator, level and year: the same colour for every area drawn here
        ind, level, year = re.fullmatch(r"/kaart/(\w+)\?niveau=(\w+)&jaar=(\d{4})", step.map.link).groups()
        assert ind == step.part.indicator and level == "buurt"
        assert year == str(step.part.headline.row.year)
        sel = select(demo, ind, level, int(year), levels=WEB_LEVELS)
        codes = [f["properties"]["code"] for f in demo.web_level(level).features]
        if sel.indicator.rate_label:  # a count is coloured by its rate per 1 000, in the registry's scheme
            ok = publishable(sel.values)
            rates = dict(zip(sel.values.code[ok].astype(str), sel.values.rate[ok].astype(float), strict=True))
            rated = replace(sel.indicator, unit="per_1000")
            classes = classify(np.array(list(rates.values())), rated)
            fills = {c: classes.color(rates[c]) if c in rates else "#bdbdbd" for c in codes}
            assert "Gekleurd naar het aantal per 1.000" in " ".join(step.map.notes)
        else:
            values = choropleth_values(demo, sel, selection_classes(sel))
            fills = {c: values["styles"][i]["fillColor"] for c, i in zip(codes, values["style"], strict=True)}
        drawn = dict(re.findall(r'<path data-code="(\w+)" d="[^"]*" fill="([^"]+)"', svg))
        assert set(s.frame.context) <= set(drawn)
        for area, fill in drawn.items():
            if fill.startswith("url(#arcering"):
                assert fills[area] == "#bdbdbd"  # withheld: the map page's grey, hatched here
            else:
                assert fill == fills[area], (step.part.title, area)
            checked += 1
    assert checked >= 4 * len(s.frame.context)


def test_the_facilities_step_draws_the_points_in_view_in_their_types_colour(demo):
    s = story(demo, _codes(demo)["wijk"])
    step = s.steps[4]
    colors = {t.id: t.color for t in demo.registry.overlays["voorzieningen"].types}
    points = re.findall(
        r'<circle class="voorziening" data-type="(\w+)" cx="[^"]+" cy="[^"]+" r="[^"]+" fill="([^"]+)"', step.map.svg
    )
    assert points and all(colors[kind] == fill for kind, fill in points)
    counted = {kind: sum(1 for k, _ in points if k == kind) for kind, _ in points}
    for t in demo.registry.overlays["voorzieningen"].types:
        if counted.get(t.id):
            assert any(e.label == f"{t.title} ({counted[t.id]})" for e in step.map.legend)


def test_a_withheld_area_is_hatched_and_named_in_the_legend(demo):
    for code in demo.areas.level("buurt").code:
        s = story(demo, str(code))
        for step in s.steps:
            if 'data-status="suppressed"' in step.map.svg:
                assert "url(#arcering-" in step.map.svg
                assert any(e.label == "niet gepubliceerd (privacy)" for e in step.map.legend)
                return
    pytest.skip("no withheld buurt in the demo's story maps")


def test_the_projection_keeps_a_readable_shape():
    flat = Projection((6.0, 52.5, 6.2, 52.501))
    tall = Projection((6.0, 52.5, 6.001, 52.7))
    assert 0.69 <= flat.height / flat.width <= 0.71 and 0.99 <= tall.height / tall.width <= 1.01


def test_the_story_renders_quickly(demo):
    code = _codes(demo)["buurt"]
    story(demo, code)  # the geometry and the facilities parsed once per artifact
    start = time.perf_counter()
    story(demo, _codes(demo)["buurt"])
    assert time.perf_counter() - start < 0.6


@pytest.mark.browser
def test_the_story_goes_step_by_step_and_prints_every_step(browser, live_server, demo_build):
    code = _codes(atlas.Artifact.open(demo_build))["buurt"]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-NL")
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    SCREENSHOTS.mkdir(exist_ok=True)
    try:
        page.goto(f"{live_server}/verhaal/{code}")
        visible = "() => [...document.querySelectorAll('section.stap')].filter(s => s.offsetParent).map(s => s.id)"
        assert page.evaluate(visible) == ["stap-1"]
        assert page.get_attribute(".verhaal-stappen a[href='#stap-1']", "aria-current") == "step"
        page.screenshot(path=str(SCREENSHOTS / "verhaal.png"))
        page.click("#stap-1 a.volgende")
        assert page.evaluate(visible) == ["stap-2"]
        assert page.evaluate("document.activeElement.id") == "stap-2-titel"
        assert page.evaluate("location.hash") == "#stap-2"
        assert page.get_attribute(".verhaal-stappen a[href='#stap-2']", "aria-current") == "step"
        page.keyboard.press("ArrowRight")
        assert page.evaluate(visible) == ["stap-3"] and page.evaluate("document.activeElement.id") == "stap-3-titel"
        page.keyboard.press("ArrowLeft")
        assert page.evaluate(visible) == ["stap-2"] and page.evaluate("location.hash") == "#stap-2"
        page.screenshot(path=str(SCREENSHOTS / "verhaal_stap2.png"))
        # a shared link to a step opens that step
        page.goto(f"{live_server}/verhaal/{code}#stap-3")
        assert page.evaluate(visible) == ["stap-3"]
        # printing shows all six steps, each on a page of its own, and no buttons
        page.emulate_media(media="print")
        assert page.evaluate(visible) == [f"stap-{n}" for n in range(1, 7)]
        assert page.evaluate("getComputedStyle(document.querySelector('#stap-1')).breakAfter") == "page"
        assert not page.locator("#stap-3 .stap-nav").is_visible()
        page.emulate_media(media="screen")
        # a phone: no sideways scrolling, the map as wide as the column
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_server}/verhaal/{code}#stap-3")
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.evaluate("document.querySelector('#stap-3 svg.verhaal-kaart').getBoundingClientRect().width") >= 340
        page.screenshot(path=str(SCREENSHOTS / "verhaal_390.png"))
    finally:
        context.close()
    assert errors == []
