"""Stadsdelen on the pages: an indicative grouping is marked wherever stadsdelen appear, 'overig' is explained.

The demo uses the shipped Zwolle grouping (``geodata/zwolle/stadsdelen.csv``): Zuid is documented, the other four
stadsdelen hold at least one wijk placed by inference.
"""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pytest

from atlas.pipeline.run import build
from atlas.web import create_app

from .conftest import FIXTURES
from .mappage import choropleth

INDICATIVE = "indeling indicatief"


def _page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.data.decode())


def _options(page: str, select_id: str) -> dict[str, str]:
    block = re.search(rf'<select id="{select_id}".*?</select>', page, re.S).group(0)
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)<', block))


def test_home_page_marks_indicative_stadsdelen(client) -> None:
    page = _page(client, "/")
    assert _options(page, "k-stadsdeel") == {
        "": "hele gemeente",
        "SD019301": f"Midden ({INDICATIVE})",
        "SD019303": f"Noord ({INDICATIVE})",
        "SD019304": f"Oost ({INDICATIVE})",
        "SD019302": f"West ({INDICATIVE})",
        "SD019305": "Zuid",
    }
    links = re.search(r"Of open het profiel van een stadsdeel:(.*?)</p>", page, re.S).group(1)
    assert re.search(rf'>West</a> <span class="tag grouping"[^>]*>{INDICATIVE}</span>', links)
    assert re.search(r">Zuid</a>(?! <span)", links)
    assert "Indeling indicatief: de gemeente heeft niet vastgelegd" in page


def test_map_chooser_title_table_and_tooltip_mark_it(client) -> None:
    page = _page(client, "/kaart/inwoners?niveau=wijk&stadsdeel=West")
    assert _options(page, "m-stadsdeel")["SD019302"] == f"West ({INDICATIVE})"
    title = re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", page, re.S).group(1))
    assert title.endswith(f"stadsdeel West ({INDICATIVE})")
    assert f"De cijfers in een tabel (stadsdeel West ({INDICATIVE}))" in page
    assert '<p class="note">Indeling indicatief:' in page
    zuid = _page(client, "/kaart/inwoners?niveau=wijk&stadsdeel=Zuid")
    assert re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", zuid, re.S).group(1)).endswith("stadsdeel Zuid")
    assert '<p class="note">Indeling indicatief:' not in zuid
    per_sd = _page(client, "/kaart/inwoners?niveau=stadsdeel")
    geo = choropleth(per_sd)
    grouping = {f["properties"]["naam"]: f["properties"]["indeling"] for f in geo["features"]}
    assert grouping["West"] == "indicatief (afgeleid, niet vastgesteld)" and grouping["Zuid"] == "gedocumenteerd"
    assert "Indeling in stadsdelen" in per_sd  # the tooltip's alias
    assert re.search(rf'>West</a> <span class="tag grouping">{INDICATIVE}</span></td>', per_sd)
    rows = list(csv.DictReader(io.StringIO(client.get("/download/inwoners.csv?niveau=stadsdeel").data.decode())))
    assert {r["naam"]: r["indeling"] for r in rows}["West"] == "indicatief"
    wijk_rows = list(csv.DictReader(io.StringIO(client.get("/download/inwoners.csv?niveau=wijk").data.decode())))
    assert "indeling" not in wijk_rows[0]


def test_profiles_mark_the_grouping(client) -> None:
    west = _page(client, "/gebied/SD019302")
    assert f'<strong>Stadsdeel</strong> <span class="tag grouping">{INDICATIVE}</span>' in west
    assert '<p class="note">Indeling indicatief:' in west
    zuid = _page(client, "/gebied/SD019305")
    assert INDICATIVE not in zuid.split("<main>")[1]
    diezerpoort = _page(client, "/gebied/WK019311")  # placed in Midden by inference
    assert re.search(
        rf'ligt in stadsdeel <a href="/gebied/SD019301">Midden</a> <span class="tag grouping">{INDICATIVE}', diezerpoort
    )
    assert f"Stadsdeel Midden ({INDICATIVE})</th>" in diezerpoort
    binnenstad = _page(client, "/gebied/WK019310")  # documented in Midden, but Midden's figures include inferred wijken
    assert re.search(r'ligt in stadsdeel <a href="/gebied/SD019301">Midden</a></p>', binnenstad)
    assert f"Stadsdeel Midden ({INDICATIVE})</th>" in binnenstad
    buurt = _page(client, "/gebied/BU01931100")  # a buurt of Diezerpoort
    assert re.search(
        rf'in stadsdeel <a href="/gebied/SD019301">Midden</a> <span class="tag grouping">{INDICATIVE}', buurt
    )


@pytest.fixture(scope="module")
def overig(tmp_path_factory) -> Path:
    """A small build whose stadsdelen file gives one of the two wijken no stadsdeel."""
    folder = tmp_path_factory.mktemp("overig")
    (folder / "sd.csv").write_text("wijkcode,stadsdeel,status\nWK019301,Zuid,gedocumenteerd\n", encoding="utf-8")
    (folder / "cijfers.csv").write_text(
        "code,indicator,year,value\n"
        + "".join(f"{c},inwoners,2023,{v}\n" for c, v in (("BU01930101", 900), ("BU01930102", 400), ("BU01930201", 700), ("BU01930202", 300))),
        encoding="utf-8",
    )  # fmt: skip
    (folder / "sources.yaml").write_text(
        f"""
gemeente: GM0193
allowed_roots: [{FIXTURES / "areas"}]
areas:
  buurt: {{path: {FIXTURES / "areas" / "wijkenbuurten_2023.gpkg"}, format: cbs-gpkg}}
  stadsdelen: {{path: sd.csv}}
indicators:
  - {{path: cijfers.csv, format: long}}
""",
        encoding="utf-8",
    )
    out = folder / "build"
    build(folder / "sources.yaml", out)
    return out


def test_overig_is_listed_last_explained_and_warned_about(overig: Path) -> None:
    client = create_app(overig, {"TESTING": True, "ATLAS_TILES": False}).test_client()
    home = _page(client, "/")
    assert list(_options(home, "k-stadsdeel").values()) == ["hele gemeente", "Zuid", "overig (wijken zonder stadsdeel)"]
    assert "Overig: wijken die in het bestand met stadsdelen geen stadsdeel hebben." in home
    profile = _page(client, "/gebied/SD019399")
    assert "Kanttekeningen bij de cijfers van overig" in profile
    assert "1 of 2 wijken have no stadsdeel in sd.csv" in profile and "WK019302" in profile
    assert re.search(r"inwoners.*?<strong>1\.000</strong>", profile, re.S)  # its figures: the wijk's buurten
