"""Every page type under axe-core's WCAG 2.1 A/AA rules (issue 13, item 6): Dutch public bodies must meet them.

axe-core comes with the ``axe-playwright-python`` package (its bundled ``axe.min.js``); it runs in the page in
headless Chromium, offline. A violation names the rule, the WCAG criterion and the first elements it found.
"""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.browser

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def page_types(demo) -> list[str]:
    """One URL of every page type (with the variants that lay out differently)."""
    book = demo.addresses
    adres = book.iloc[len(book) // 2]
    buurt = demo.areas.level("buurt").code.iloc[5]
    wijk = demo.areas.level("wijk").code.iloc[2]
    stadsdeel = demo.areas.level("stadsdeel").code.iloc[0]
    gemeente = demo.areas.level("gemeente").code.iloc[0]
    return [
        "/",
        "/kaart/vrijwilligerswerk?niveau=buurt",
        "/kaart/inwoners?niveau=wijk",
        f"/kaart/veilig_buurt?niveau=wijk&stadsdeel={stadsdeel}",
        "/kaart/groen_2_22_200?niveau=stadsdeel",
        "/kaart/kroonbedekking?tegen=veilig_buurt",
        "/kaart/leeftijd_65_plus?niveau=buurt&jaar=2030",  # a forecast year (prognose)
        f"/gebied/{buurt}",
        f"/gebied/{adres.buurt}?adres={adres.adres}",
        f"/gebied/{wijk}",
        f"/gebied/{stadsdeel}",
        f"/gebied/{gemeente}",
        f"/gebied/{buurt}/foto",
        f"/gebied/{wijk}/foto",
        f"/vergelijk?gebieden={buurt},{wijk},{gemeente}",
        f"/vergelijk?gebieden={stadsdeel},{wijk}",
        f"/verhaal/{buurt}",
        f"/verhaal/{gemeente}#stap-5",
        "/doelen",
        "/doelen/3",
        "/zoek?q=assendorp",
        "/zoek?q=qqqq",
    ]


@pytest.fixture(scope="module")
def axe():
    module = pytest.importorskip("axe_playwright_python.sync_playwright", reason="pip install axe-playwright-python")
    return module.Axe()


def wcag_violations(page, base: str, paths, axe) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    """Per page of ``paths`` (served at ``base``) axe-core's WCAG 2.1 A/AA violations, each with its rule, impact
    and first elements; pages without any are left out."""
    found = {}
    for path in paths:
        page.goto(f"{base}{path}")
        page.wait_for_load_state("networkidle")
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_21_AA}})
        violations = results.response["violations"]
        if violations:
            found[path] = [
                f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes'][:3]]}" for v in violations
            ]
    return found


def test_no_page_type_violates_wcag_21_aa(page, live_server, demo_build, axe):
    import atlas

    found = wcag_violations(page, live_server, page_types(atlas.Artifact.open(demo_build)), axe)
    assert found == {}, "\n".join(f"{path}: {lines}" for path, lines in found.items())
