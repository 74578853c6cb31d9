"""The README's worked example, end to end on the real data: examples/laag_inkomen_105 adds an indicator that
layers.yaml lacks, from the real cijfersoverzwolle.nl table, and its map page shows the real figures."""

from __future__ import annotations

import csv
import html
import io
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from atlas.cli import main
from atlas.errors import SourcesError
from atlas.pipeline.run import build
from atlas.web import create_app

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "laag_inkomen_105"
TABLE = "zwolle_buurten_cijfersoverzwolle_demografie_2015_2024.csv"
COLUMN = "pct_huishoudens_onder_105pct_van_sociaal_minimum_pct"
SOURCE = "Gemeente Zwolle, cijfersoverzwolle.nl (export maart 2025)"

pytestmark = pytest.mark.realdata


@pytest.fixture(scope="module")
def example(realdata: Path, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("laag_inkomen_105") / "build"
    build(EXAMPLE / "sources.yaml", out)
    return out


def test_validate_names_the_extra_registry(realdata: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--sources", str(EXAMPLE / "sources.yaml")])
    assert result.exit_code == 0, result.output
    assert "registry: layers.yaml + extra.yaml: " in result.output


def test_without_the_extra_registry_the_message_says_how_to_add_it(realdata: Path, tmp_path: Path) -> None:
    text = (EXAMPLE / "sources.yaml").read_text(encoding="utf-8").replace("registry: [extra.yaml]\n", "")
    text = text.replace("../../../shared/realdata", str(realdata)).replace("../../geodata", str(ROOT / "geodata"))
    (tmp_path / "sources.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(SourcesError, match=r"unknown indicator 'laag_inkomen_105'.*'registry: \[extra\.yaml\]'"):
        build(tmp_path / "sources.yaml", tmp_path / "out")


def test_the_map_page_shows_the_real_figures_of_the_latest_year(realdata: Path, example: Path) -> None:
    client = create_app(example, {"TESTING": True, "ATLAS_TILES": False}).test_client()
    page = html.unescape(client.get("/kaart/laag_inkomen_105").data.decode())
    assert re.sub(r"<[^>]+>", "", re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)).endswith("per buurt, 2021")
    assert "demo-gegevens" not in page  # real data
    assert f"Bron: {SOURCE}</p>" in page
    source = pd.read_csv(realdata / TABLE, dtype={"jaar": int})
    given = source[(source.jaar == 2021) & source[COLUMN].notna()].set_index("buurtcode")[COLUMN]
    rows = list(csv.DictReader(io.StringIO(client.get("/download/laag_inkomen_105.csv").data.decode())))
    shown = {r["code"]: float(r["waarde"]) for r in rows if r["waarde"]}
    assert shown == given.astype(float).to_dict() and len(shown) == 62
    assert {r["bron"] for r in rows} == {SOURCE} and {r["jaar"] for r in rows} == {"2021"}
    table = re.findall(r'<td class="num" data-sort="([\d.]+)">(\d+)%</td>', page)
    assert len(table) == 62
    missing = client.get("/kaart/laag_inkomen_105?jaar=2024")  # the table's columns are empty after 2021
    assert missing.status_code == 404
    assert "/kaart/laag_inkomen_105?niveau=buurt&amp;jaar=2021" in missing.data.decode()


def test_the_profile_shows_2021_with_the_file_source(example: Path) -> None:
    client = create_app(example, {"TESTING": True, "ATLAS_TILES": False}).test_client()
    page = html.unescape(client.get("/gebied/BU01931000").data.decode())
    row = re.search(r'<tr>\s*<td><a href="/kaart/laag_inkomen_105\?.*?</tr>', page, re.S).group(0)
    assert re.findall(r'<td class="num">([^<]*)</td>', row)[-1] == "2021"
    assert "geen gegevens" not in row
    group = page.split("Bestaanszekerheid</h2>")[1].split("<table")[0]
    assert f"Bron: {SOURCE}.</p>" in group
