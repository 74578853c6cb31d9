"""Groen in the build: the demo atlas gets kroonbedekking and the 2-22-200 shares from the computation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import yaml
from click.testing import CliRunner

from atlas.artifact import Artifact
from atlas.cli import main
from atlas.demo.groen import COMPUTED
from atlas.demo.traits import build_traits
from atlas.errors import SourcesError
from atlas.pipeline.run import build

GROEN = ["kroonbedekking", "groen_2bomen", "groen_22kroon", "groen_200park", "groen_2_22_200"]


@pytest.fixture(scope="module")
def artifact(demo_build: Path) -> Artifact:
    return Artifact.open(demo_build)


def test_every_area_of_every_level_has_the_groen_values(artifact: Artifact) -> None:
    values = artifact.values
    for indicator in GROEN:
        rows = values[(values.indicator == indicator) & (values.period == "2024")]
        for level in ("buurt", "wijk", "stadsdeel", "gemeente"):
            layer = artifact.areas.level(level)
            got = rows[rows.level == level]
            assert sorted(got.code) == sorted(layer.code), (indicator, level)
            ok = got[got.status == "ok"]
            if indicator in ("kroonbedekking", "groen_2_22_200") and level == "buurt":
                assert len(ok) == len(layer), f"{indicator}: every buurt has a value"
            assert ok.value.between(0, 100).all()
    assert set(values[values.indicator.isin(GROEN)].period) == {"2024"}, "only the computed year"


def test_the_values_come_from_the_computation(artifact: Artifact) -> None:
    values = artifact.values
    canopy = values[values.indicator == "kroonbedekking"]
    assert canopy.source.str.contains("berekend door de atlas").all()
    shares = values[values.indicator == "groen_2_22_200"]
    assert shares.source.str.contains("2-22-200").all()
    assert (shares[shares.status == "ok"].n > 0).all(), "n is the number of residents"
    wide = values[values.indicator.isin(GROEN[1:]) & (values.status == "ok")].pivot_table(
        index="code", columns="indicator", values="value"
    )
    for single in GROEN[1:4]:
        assert (wide["groen_2_22_200"] <= wide[single] + 1e-9).all()


def test_canopy_varies_with_the_buurt(artifact: Artifact, demo_sources: Path) -> None:
    """Dense old buurten low, park-rich ones high: canopy follows the demo's greenness trait."""
    from atlas.demo.geometry import build_geometry
    from atlas.demo.reference import load_reference

    traits = build_traits(build_geometry(load_reference()), 2024)
    values = artifact.values
    canopy = values[(values.indicator == "kroonbedekking") & (values.level == "buurt")].set_index("code").value
    woon = traits.kind == "woon"
    got = canopy.loc[traits.codes[woon]].to_numpy()
    assert np.corrcoef(got, traits.green[woon])[0, 1] > 0.6
    assert got.min() < 12 and got.max() > 25


def test_manifest_states_the_parameters_and_inputs(artifact: Artifact) -> None:
    groen = artifact.manifest["groen"]
    assert groen["params"] == {
        "trees_min": 2,
        "trees_radius_m": 25.0,
        "canopy_min_pct": 22.0,
        "canopy_level": "buurt",
        "park_max_distance_m": 200.0,
        "park_min_area_m2": 5000.0,
    }
    assert set(groen["help"]) == set(groen["params"])
    assert groen["counts"]["addresses"] > 50_000
    inputs = {i["path"] for i in artifact.manifest["inputs"]}
    assert {"kroonbedekking_1m.tif", "bomen.gpkg", "parken.gpkg", "adressen.gpkg"} <= inputs


def test_overlays_are_written(artifact: Artifact, demo_sources: Path) -> None:
    path = artifact.path / "overlays.gpkg"
    layers = {name for name, _ in pyogrio.list_layers(path)}
    assert layers == {"trees", "parks", "addresses", "voorzieningen"}  # the facilities too (tests/test_parts.py)
    addresses = gpd.read_file(path, layer="addresses")
    assert addresses.crs.to_epsg() == 28992
    assert {"trees", "canopy_pct", "park_m", "trees_ok", "canopy_ok", "park_ok", "all_ok", "buurt"} <= set(
        addresses.columns
    )
    assert "residents" not in addresses.columns, "residents per address are not published"
    trees = gpd.read_file(demo_sources.parent / "bomen.gpkg")
    assert len(gpd.read_file(path, layer="trees")) == len(trees)
    for name in ("trees", "parks"):
        geo = json.loads((artifact.path / "web" / f"overlay_{name}.geojson").read_text())
        coords = np.array([f["geometry"]["coordinates"] for f in geo["features"][:50]], dtype=object)
        assert len(geo["features"]) > 0
        first = geo["features"][0]["geometry"]
        x, y = (first["coordinates"] if first["type"] == "Point" else first["coordinates"][0][0])[:2]
        assert 5.9 < x < 6.3 and 52.4 < y < 52.6, "EPSG:4326 around Zwolle"
        assert len(coords) > 0


def test_demo_files_leave_the_computed_indicators_out(demo_sources: Path) -> None:
    document = yaml.safe_load(demo_sources.read_text(encoding="utf-8"))
    assert document["groen"]["canopy"] == {"path": "kroonbedekking_1m.tif"}
    for entry in document["indicators"]:
        if entry["format"] == "long":
            table = pd.read_csv(demo_sources.parent / entry["path"], dtype=str)
            assert not table.indicator.isin(COMPUTED).any(), entry["path"]
    addresses = gpd.read_file(demo_sources.parent / "adressen.gpkg")
    kwb = gpd.read_file(demo_sources.parent / "wijkbuurtkaart_demo.gpkg", layer="buurten")
    assert addresses.inwoners.sum() == pytest.approx(kwb.aantal_inwoners.sum(), rel=0.01)


def test_bad_groen_input_fails_the_build_and_keeps_the_old_artifact(demo_sources: Path, tmp_path: Path) -> None:
    bron = tmp_path / "bron"
    shutil.copytree(demo_sources.parent, bron)
    document = yaml.safe_load((bron / "sources.yaml").read_text(encoding="utf-8"))
    document["groen"]["params"]["canopy_min_pct"] = 220
    (bron / "sources.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    out = tmp_path / "build"
    out.mkdir()
    (out / "keep.txt").write_text("oud")
    with pytest.raises(SourcesError, match="canopy_min_pct"):
        build(bron / "sources.yaml", out)
    assert [p.name for p in out.iterdir()] == ["keep.txt"]
    result = CliRunner().invoke(main, ["validate", "--sources", str(bron / "sources.yaml")])
    assert result.exit_code == 1
    assert "groen.params" in result.output and "canopy_min_pct" in result.output


def test_validate_checks_the_groen_inputs(demo_sources: Path) -> None:
    result = CliRunner().invoke(main, ["validate", "--sources", str(demo_sources)])
    assert result.exit_code == 0, result.output
    assert "groen:" in result.output and "addresses: ok" in result.output


def test_canopy_at_wijk_level_judges_each_buurt_by_its_wijk(demo_sources: Path, tmp_path: Path) -> None:
    bron = tmp_path / "bron"
    shutil.copytree(demo_sources.parent, bron)
    document = yaml.safe_load((bron / "sources.yaml").read_text(encoding="utf-8"))
    document["groen"]["params"]["canopy_level"] = "wijk"
    (bron / "sources.yaml").write_text(yaml.safe_dump(document), encoding="utf-8")
    build(bron / "sources.yaml", tmp_path / "build")
    art = Artifact.open(tmp_path / "build")
    values = art.values[art.values.status == "ok"].set_index(["indicator", "code"]).value
    buurten = art.areas.level("buurt")
    assert len(values["groen_2_22_200"].reindex(buurten.code).dropna()) == len(buurten), "every buurt has a share"
    for code, wijk in zip(buurten.code, buurten.parent, strict=True):
        expected = 100.0 if values["kroonbedekking"][wijk] >= 22 else 0.0
        assert values["groen_22kroon"][code] == pytest.approx(expected), (code, wijk)
