"""Every page and download on a build of the real Zwolle boundaries (with the real Buurt-voor-Buurt 2014 file)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from atlas.pipeline.run import build
from atlas.web import create_app

from .conftest import write_real_sources
from .mappage import choropleth

pytestmark = pytest.mark.realdata

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def real_client(realdata, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("real-web")
    sources = write_real_sources(tmp, realdata)
    build(sources, tmp / "build")
    return create_app(tmp / "build", {"TESTING": True, "ATLAS_TILES": False}).test_client()


def test_real_map_draws_every_buurt(real_client):
    response = real_client.get("/kaart/vrijwilligerswerk?niveau=buurt")
    assert response.status_code == 200
    page = response.data.decode()
    geo = choropleth(page)
    assert len(geo["features"]) == 78
    assert "demo-gegevens" not in page
    assert "geen gegevens" in page  # the file's NA buurten are drawn as missing


@pytest.mark.parametrize(
    "url",
    [
        "/",
        "/kaart/vrijwilligerswerk?niveau=buurt&stadsdeel=Zuid",
        "/gebied/BU01931000",
        "/gebied/WK019310",
        "/gebied/GM0193",
        "/doelen",
        "/doelen/1",
        "/doelen/5",
        "/zoek?q=assendorp",
        "/download/vrijwilligerswerk.csv",
        "/download/vrijwilligerswerk.xlsx",
        "/download/vrijwilligerswerk.geojson?niveau=buurt",
        "/download/vrijwilligerswerk.gpkg",
        "/api/values?indicator=vrijwilligerswerk",
        "/api/areas?niveau=buurt",
    ],
)
def test_real_pages(real_client, url):
    response = real_client.get(url)
    assert response.status_code == 200, response.data[:500]


@pytest.mark.parametrize(
    "url",
    [
        "/kaart/vrijwilligerswerk?niveau=wijk&stadsdeel=Zuid",
        "/kaart/mantelzorg?niveau=stadsdeel",
        "/download/vrijwilligerswerk.geojson?niveau=wijk",
    ],
)
def test_real_survey_without_n_has_no_wijk_figures_and_says_where_they_are(real_client, url):
    """The 2014 survey has no respondent counts, so nothing is aggregated: a wijk or stadsdeel map is a 404 that
    links to the buurt figures of 2014."""
    response = real_client.get(url)
    assert response.status_code == 404
    links = re.findall(r'<section class="alternatives".*?</section>', response.data.decode(), re.S)
    targets = [u.replace("&amp;", "&") for u in re.findall(r'href="([^"]+)"', links[0])]
    assert targets and all("niveau=buurt&jaar=2014" in u for u in targets)
    assert real_client.get(targets[0]).status_code == 200


def test_real_indicator_without_values_is_a_clear_404(real_client):
    response = real_client.get("/kaart/kroonbedekking")
    assert response.status_code == 404
    assert "geen cijfers" in response.data.decode()
