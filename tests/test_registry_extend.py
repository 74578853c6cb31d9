"""Extending the registry from the sources file (``registry: [extra.yaml]``), free units, and the unknown-id hint."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest
import yaml

from atlas.artifact import Artifact
from atlas.errors import RegistryError, SourcesError
from atlas.layers.registry import default_registry_path, extend_registry, load_registry
from atlas.pipeline.run import build
from atlas.sources.spec import load_sources
from atlas.web import create_app

from .conftest import FIXTURES
from .mappage import choropleth

AREAS = FIXTURES / "areas"

EXTRA = """
themes:
  - {id: energie, title: Energie, description: Energieverbruik van woningen.}
indicators:
  - id: gasverbruik
    title: Gemiddeld gasverbruik per woning
    theme: energie
    unit: other
    unit_label: m³
    better: lower
    source: Klimaatmonitor (registry)
    levels: [buurt, wijk, stadsdeel, gemeente]
    aggregate: population_weighted_mean
    decimals: 0
  - id: laag_inkomen_105
    title: Huishoudens onder 105% van het sociaal minimum
    theme: bestaanszekerheid
    unit: percent
    better: lower
    source: Gemeente Zwolle (registry)
    aggregate: population_weighted_mean
overlays:
  - {id: gas, title: Gasverbruik, kind: indicator, indicator: gasverbruik}
"""

VALUES = """code,indicator,year,value,n
BU01930101,inwoners,2023,1200,
BU01930102,inwoners,2023,450,
BU01930201,inwoners,2023,800,
BU01930202,inwoners,2023,300,
BU01930101,gasverbruik,2023,1210,
BU01930102,gasverbruik,2023,980,
BU01930201,gasverbruik,2023,1500,
BU01930202,gasverbruik,2023,1100,
"""


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _sources(folder: Path, *, registry: str = "registry: [extra.yaml]", values: str = VALUES) -> Path:
    _write(folder, "extra.yaml", EXTRA)
    _write(folder, "cijfers.csv", values)
    return _write(
        folder,
        "sources.yaml",
        f"""
gemeente: GM0193
allowed_roots: [{AREAS}]
{registry}
areas:
  buurt: {{path: {AREAS / "wijkenbuurten_2023.gpkg"}, format: cbs-gpkg}}
  stadsdelen: {{path: {AREAS / "stadsdelen.csv"}}}
indicators:
  - {{path: cijfers.csv, format: long, source: Klimaatmonitor Rijkswaterstaat (bestand)}}
""",
    )


# --- the registry -------------------------------------------------------------------------------


def test_an_extra_file_adds_themes_indicators_and_overlays(tmp_path: Path) -> None:
    extra = _write(tmp_path, "extra.yaml", EXTRA)
    base = load_registry()
    merged = load_registry(extra=[extra])
    assert set(merged.indicators) == set(base.indicators) | {"gasverbruik", "laag_inkomen_105"}
    assert list(merged.indicators)[: len(base.indicators)] == list(base.indicators)  # order kept, extras last
    assert merged.themes["energie"].title == "Energie"
    assert merged.indicator("laag_inkomen_105").theme == "bestaanszekerheid"  # a theme of layers.yaml
    assert merged.overlays["gas"].indicator == "gasverbruik"
    assert [f.path for f in merged.files] == [default_registry_path(), extra]
    assert merged.file_names == "layers.yaml + extra.yaml"
    assert extend_registry(base, [extra]).indicators.keys() == merged.indicators.keys()
    assert "gasverbruik" not in base.indicators  # the base is not changed


def test_the_merged_registry_is_one_yaml_file_that_loads_to_the_same(tmp_path: Path) -> None:
    merged = load_registry(extra=[_write(tmp_path, "extra.yaml", EXTRA)])
    assert merged.sha256 == hashlib.sha256(merged.text).hexdigest()
    assert "extra.yaml" in merged.text.decode().splitlines()[0]  # the header names the files
    again = load_registry(_write(tmp_path, "layers.yaml", merged.text.decode()))
    assert again.indicators == merged.indicators and again.themes == merged.themes
    assert again.overlays == merged.overlays and again.goals == merged.goals
    plain = load_registry()
    assert plain.text == default_registry_path().read_bytes()  # without extras: layers.yaml byte for byte
    assert plain.sha256 == hashlib.sha256(plain.text).hexdigest()


@pytest.mark.parametrize(
    ("text", "entry", "field", "first"),
    [
        (
            "indicators:\n  - {id: inwoners, title: X, theme: bevolking, unit: count, source: X, aggregate: sum}\n",
            "indicators[0] inwoners",
            "id",
            "indicators[",
        ),
        ("themes:\n  - {id: bevolking, title: Bevolking}\n", "themes[0] bevolking", "id", "themes["),
        ("overlays:\n  - {id: bomen, title: B, kind: points, layer: trees}\n", "overlays[0] bomen", "id", "overlays["),
        ("hoofddoelen:\n  - {number: 2, title: Nog een doel 2}\n", "hoofddoelen[0]", "number", "hoofddoelen["),
    ],
    ids=["indicator", "theme", "overlay", "hoofddoel"],
)
def test_a_clashing_id_is_an_error_naming_both_files(tmp_path: Path, text: str, entry: str, field: str, first: str):
    extra = _write(tmp_path, "extra.yaml", text)
    with pytest.raises(RegistryError) as info:
        load_registry(extra=[extra])
    error = info.value
    assert (error.file, error.entry, error.field) == (str(extra), entry, field)
    assert f"already defined in {default_registry_path()}, entry '{first}" in str(error)


def test_two_extra_files_may_not_define_the_same_id(tmp_path: Path) -> None:
    one = _write(tmp_path, "one.yaml", EXTRA)
    two = _write(tmp_path, "two.yaml", EXTRA.split("indicators:")[0])
    with pytest.raises(RegistryError, match=r"two\.yaml.*duplicate theme id 'energie': already defined in .*one\.yaml"):
        load_registry(extra=[one, two])


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("indicators:\n  - {id: x, title: X, theme: onbekend, unit: count, source: X, aggregate: sum}\n", "theme", "'onbekend' is not one of"),
        ("indicators:\n  - {id: x, title: X, theme: bevolking, unit: other, source: X, aggregate: sum}\n", "unit_label", "is required with unit 'other'"),
        ("indicators:\n  - {id: x, title: X, theme: bevolking, unit: count, unit_label: m³, source: X, aggregate: sum}\n", "unit_label", "only with unit 'other'"),
        ("thema: []\n", "thema", "unknown top-level key"),
        ("indicators: []\n", None, "must add something"),
    ],
    ids=["unknown-theme", "other-without-label", "label-without-other", "unknown-key", "empty"],
)  # fmt: skip
def test_a_bad_extra_file_names_file_and_field(tmp_path: Path, text: str, field: str | None, message: str) -> None:
    extra = _write(tmp_path, "extra.yaml", text)
    with pytest.raises(RegistryError) as info:
        load_registry(extra=[extra])
    assert info.value.file == str(extra) and info.value.field == field
    assert message in str(info.value)


def test_a_free_unit_is_written_after_the_number(tmp_path: Path) -> None:
    merged = load_registry(extra=[_write(tmp_path, "extra.yaml", EXTRA)])
    gas = merged.indicator("gasverbruik")
    assert (gas.unit, gas.unit_label, gas.with_unit("1.210")) == ("other", "m³", "1.210 m³")
    assert merged.indicator("inwoners").unit_label == "aantal"  # the fixed units as before


# --- the sources file and the build -------------------------------------------------------------


def test_the_sources_file_names_extra_registry_files(tmp_path: Path) -> None:
    spec = load_sources(_sources(tmp_path))
    assert spec.registry == ((tmp_path / "extra.yaml").resolve(),)
    assert (tmp_path / "extra.yaml").resolve() in spec.input_files()
    other = tmp_path / "other"
    other.mkdir()
    with pytest.raises(SourcesError, match=r"field 'registry\[0\]': file not found: .*nergens\.yaml"):
        load_sources(_sources(other, registry="registry: [nergens.yaml]"))
    with pytest.raises(SourcesError, match=r"field 'registry': must be a list"):
        load_sources(_sources(tmp_path, registry="registry: {a: 1}"))


def test_an_unknown_indicator_says_how_to_add_one(tmp_path: Path) -> None:
    values = "code,indicator,year,value,n\nBU01930101,inwoners,2023,1200,\nBU01930101,laag_inkomen_105,2023,12,\n"
    with pytest.raises(SourcesError) as info:
        build(_sources(tmp_path, registry="", values=values), tmp_path / "out")
    text = str(info.value)
    assert "unknown indicator 'laag_inkomen_105' (not in layers.yaml)" in text
    assert "meant the existing 'laag_inkomen_120'" in text  # the close id is offered as a maybe, not as the answer
    assert "'registry: [extra.yaml]'" in text and "extra registry file" in text
    assert not (tmp_path / "out").exists()


@pytest.fixture(scope="module")
def extended(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("extended")
    out = folder / "build"
    build(_sources(folder), out)
    return out


def test_the_artifact_holds_the_merged_registry(extended: Path) -> None:
    manifest = json.loads((extended / "manifest.json").read_text(encoding="utf-8"))
    stored = (extended / "layers.yaml").read_bytes()
    assert manifest["registry"]["sha256"] == hashlib.sha256(stored).hexdigest()
    assert [f["path"] for f in manifest["registry"]["files"]] == ["layers.yaml", "extra.yaml"]
    assert manifest["registry"]["indicators"] == len(load_registry().indicators) + 2
    assert "extra.yaml" in {i["path"] for i in manifest["inputs"]}
    data = yaml.safe_load(stored)
    assert "gasverbruik" in {i["id"] for i in data["indicators"]}
    art = Artifact.open(extended)
    assert art.registry.indicator("gasverbruik").unit_label == "m³"
    assert art.registry.sha256 == manifest["registry"]["sha256"]


def test_pages_show_the_free_unit_and_the_values_own_source(extended: Path) -> None:
    client = create_app(extended, {"TESTING": True, "ATLAS_TILES": False}).test_client()
    page = client.get("/kaart/gasverbruik?niveau=buurt").data.decode()
    assert "eenheid: m³" in page
    legend = page.split('aria-label="Legenda"')[1].split("</section>")[0]
    assert "Bron: Klimaatmonitor Rijkswaterstaat (bestand)" in legend
    assert "Klimaatmonitor (registry)" not in legend
    geo = choropleth(page)
    props = {f["properties"]["code"]: f["properties"] for f in geo["features"]}
    assert props["BU01930101"]["waarde"] == "1.210 m³"
    assert props["BU01930101"]["bron"] == "Klimaatmonitor Rijkswaterstaat (bestand)"
    rows = list(csv.DictReader(io.StringIO(client.get("/download/gasverbruik.csv?niveau=buurt").data.decode())))
    assert {r["eenheid"] for r in rows} == {"m³"}
    assert {r["bron"] for r in rows} == {"Klimaatmonitor Rijkswaterstaat (bestand)"}
    api = json.loads(client.get("/api/indicators").data)
    gas = next(i for i in api if i["id"] == "gasverbruik")
    assert gas["unit"] == "other" and gas["unit_label"] == "m³"
    values = json.loads(client.get("/api/values?indicator=gasverbruik&niveau=buurt").data)
    assert {v["source"] for v in values["values"]} == {"Klimaatmonitor Rijkswaterstaat (bestand)"}
