"""``atlas demo --gemeenten N``: the synthetic country, read back from its files, and one gemeente of it built."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import numpy as np
import pyogrio
import pytest
import rasterio
import yaml
from click.testing import CliRunner
from rasterio.windows import from_bounds

from atlas.artifact import Artifact
from atlas.cli import main
from atlas.codes import CODE_PATTERNS
from atlas.demo import write_country
from atlas.demo.country import CANOPY_DIR, CANOPY_VRT, CELL_M, gemeente_name, gemeente_spec
from atlas.demo.traits import YEARS
from atlas.demo.writer import GPKG_FILE
from atlas.layers.registry import Registry, load_registry
from atlas.pipeline.run import build

N = 3
RD_BOUNDS = (-7_000, 289_000, 300_000, 629_000)
"""The area of use of EPSG:28992 in its own coordinates (rounded outwards)."""
CBS_COLUMNS = {
    "buurten": ["buurtcode", "jrstatcode", "buurtnaam", "wijkcode", "gemeentecode", "gemeentenaam", "water"],
    "wijken": ["wijkcode", "jrstatcode", "wijknaam", "gemeentecode", "gemeentenaam", "water"],
    "gemeenten": ["gemeentecode", "jrstatcode", "gemeentenaam", "water"],
}


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Path:
    """A country of three gemeenten, written once for this module; returns its folder."""
    out = tmp_path_factory.mktemp("land") / "land"
    write_country(out, N, registry=registry)
    return out


def _checksums(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def test_one_national_wijk_en_buurtkaart_with_cbs_columns_and_nested_codes(country: Path) -> None:
    path = country / GPKG_FILE
    assert {name for name, _ in pyogrio.list_layers(path)} == set(CBS_COLUMNS)
    frames = {layer: pyogrio.read_dataframe(path, layer=layer) for layer in CBS_COLUMNS}
    for layer, columns in CBS_COLUMNS.items():
        frame = frames[layer]
        assert set(columns) <= set(frame.columns), layer
        assert {"aantal_inwoners", "oppervlakte_totaal_in_ha", "jaar"} <= set(frame.columns)
        assert frame.crs.to_epsg() == 28992
        xmin, ymin, xmax, ymax = frame.total_bounds
        assert RD_BOUNDS[0] < xmin and xmax < RD_BOUNDS[2] and RD_BOUNDS[1] < ymin and ymax < RD_BOUNDS[3]
    buurten, wijken, gemeenten = frames["buurten"], frames["wijken"], frames["gemeenten"]
    assert list(gemeenten.gemeentecode) == ["GM9001", "GM9002", "GM9003"]
    assert all(CODE_PATTERNS["buurt"].match(c) for c in buurten.buurtcode)
    assert all(CODE_PATTERNS["wijk"].match(c) for c in wijken.wijkcode)
    assert buurten.buurtcode.is_unique and wijken.wijkcode.is_unique
    assert (buurten.buurtcode.str[2:8] == buurten.wijkcode.str[2:]).all()
    assert (buurten.wijkcode.str[2:6] == buurten.gemeentecode.str[2:]).all()
    assert (wijken.wijkcode.str[2:6] == wijken.gemeentecode.str[2:]).all()
    assert set(buurten.wijkcode) == set(wijken.wijkcode)
    assert buurten.geometry.is_valid.all()
    for code, outline in zip(gemeenten.gemeentecode, gemeenten.geometry, strict=True):  # the gemeenten lie apart
        others = gemeenten.geometry[gemeenten.gemeentecode != code]
        assert not others.intersects(outline).any()
    assert wijken.groupby("gemeentecode").size().min() >= 2 and buurten.groupby("wijkcode").size().min() >= 2


def test_cbsodata_records_of_every_gemeente_wijk_and_buurt(country: Path) -> None:
    buurten = pyogrio.read_dataframe(country / GPKG_FILE, layer="buurten", read_geometry=False)
    wijken = pyogrio.read_dataframe(country / GPKG_FILE, layer="wijken", read_geometry=False)
    expected = {*buurten.buurtcode, *wijken.wijkcode, "GM9001", "GM9002", "GM9003"}
    files = sorted(country.glob("kwb_*.json"))
    assert len(files) == len(YEARS)
    for path in files:
        records = json.loads(path.read_text(encoding="utf-8"))
        coding = next(k for k in records[0] if k.startswith("Codering"))
        assert {r[coding].strip() for r in records} == expected
        assert [r["ID"] for r in records] == list(range(len(records)))
        inwoners = next(k for k in records[0] if k.startswith("AantalInwoners"))
        assert all(r[inwoners] is None or r[inwoners] >= 0 for r in records)


def test_addresses_trees_and_parks_of_the_whole_country(country: Path) -> None:
    gemeenten = pyogrio.read_dataframe(country / GPKG_FILE, layer="gemeenten")
    addresses = pyogrio.read_dataframe(country / "adressen.gpkg")
    assert {"inwoners", "straat", "huisnummer", "postcode", "woonplaats"} <= set(addresses.columns)
    assert set(addresses.woonplaats) == set(gemeenten.gemeentenaam)
    key = ["postcode", "huisnummer", "huisletter", "toevoeging"]
    assert not addresses.duplicated(key).any()  # unique across gemeenten, as in the BAG
    trees = pyogrio.read_dataframe(country / "bomen.gpkg")
    parks = pyogrio.read_dataframe(country / "parken.gpkg")
    assert len(trees) > 1000 and "kroon_m" in trees.columns
    assert len(parks) > 10 and parks.naam.is_unique
    for frame in (addresses, trees, parks):
        assert frame.crs.to_epsg() == 28992
        assert frame.geometry.within(gemeenten.union_all().buffer(1)).all()


def test_canopy_tiles_are_cogs_and_the_vrt_reads_the_same_pixels(country: Path) -> None:
    tiles = sorted((country / CANOPY_DIR).glob("*.tif"))
    assert [t.stem for t in tiles] == ["GM9001", "GM9002", "GM9003"]
    with rasterio.open(country / CANOPY_VRT) as vrt:
        assert vrt.driver == "VRT" and vrt.crs.to_epsg() == 28992 and vrt.nodata == 255
        assert (vrt.width, vrt.height) == (N * CELL_M, CELL_M)
        for path in tiles:
            with rasterio.open(path) as tile:
                profile = tile.profile
                assert profile["tiled"] and profile["blockxsize"] == 512 and profile["compress"] == "deflate"
                assert tile.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
                assert tile.overviews(1)  # overviews inside the file
                assert tile.res == (1.0, 1.0) and tile.crs == vrt.crs
                own = tile.read(1, window=from_bounds(*tile.bounds, transform=tile.transform))
                window = from_bounds(*tile.bounds, transform=vrt.transform)
                assert np.array_equal(vrt.read(1, window=window), own)
                values = set(np.unique(own).tolist())
                assert values == {0, 1, 255}  # canopy, no canopy, outside the gemeente
                part = from_bounds(tile.bounds.left + 1000, tile.bounds.bottom + 1500, tile.bounds.left + 2600,
                                   tile.bounds.bottom + 2300, transform=vrt.transform)  # fmt: skip
                inner = from_bounds(tile.bounds.left + 1000, tile.bounds.bottom + 1500, tile.bounds.left + 2600,
                                    tile.bounds.bottom + 2300, transform=tile.transform)  # fmt: skip
                assert np.array_equal(vrt.read(1, window=part), tile.read(1, window=inner))


def test_same_seed_and_size_give_the_same_bytes(country: Path, tmp_path: Path, registry: Registry) -> None:
    again = tmp_path / "again"
    write_country(again, N, registry=registry)
    assert _checksums(again.resolve()) == _checksums(country.resolve())


def test_a_gemeente_does_not_depend_on_the_size_of_the_country() -> None:
    assert gemeente_spec(1, 2024) == gemeente_spec(1, 2024)
    assert gemeente_spec(1, 2024) != gemeente_spec(1, 7)
    assert len({gemeente_name(i) for i in range(342)}) == 342
    assert gemeente_spec(341, 2024).code == "GM9342"


@pytest.mark.parametrize("size", ["0", "343", "-1"])
def test_a_size_outside_1_to_342_is_a_clear_error(tmp_path: Path, size: str) -> None:
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "x"), "--gemeenten", size])
    assert result.exit_code != 0
    assert "--gemeenten" in result.output and "1<=x<=342" in result.output
    assert not (tmp_path / "x").exists()


def test_the_cli_writes_a_country(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--out", str(tmp_path / "land"), "--gemeenten", "1"])
    assert result.exit_code == 0, result.output
    assert "GM9001" in result.output
    assert (tmp_path / "land" / "GM9001" / "sources.yaml").is_file()


def test_one_gemeente_of_the_country_builds_with_todays_build(country: Path, tmp_path: Path) -> None:
    sources = country / "GM9002" / "sources.yaml"
    document = yaml.safe_load(sources.read_text(encoding="utf-8"))
    assert document["gemeente"] == "GM9002" and document["groen"]["canopy"]["path"] == f"../{CANOPY_VRT}"
    build(sources, tmp_path / "build")
    values = Artifact.open(tmp_path / "build").values
    own = set(pyogrio.read_dataframe(country / GPKG_FILE, layer="buurten", read_geometry=False).query(
        "gemeentecode == 'GM9002'").buurtcode)  # fmt: skip
    buurt = values[values.level == "buurt"]
    assert set(buurt.code) == own  # the other gemeenten's buurten are left out
    for indicator in ("inwoners", "kroonbedekking", "groen_2_22_200", "gemiddeld_inkomen_inwoner"):
        got = buurt[buurt.indicator == indicator]
        assert set(got.code) == own, indicator
    canopy = buurt[buurt.indicator == "kroonbedekking"].value
    assert canopy.notna().all() and canopy.between(0, 100).all() and canopy.std() > 0
    assert set(values[values.level == "gemeente"].code) == {"GM9002"}


def test_the_country_has_a_sources_file_of_all_its_gemeenten(country: Path) -> None:
    """``sources.yaml`` at the top lists every gemeente, in order, and reads the national files."""
    from atlas.sources.spec import load_sources

    spec = load_sources(country / "sources.yaml")
    assert spec.gemeenten == tuple(f"GM{9001 + i}" for i in range(N))
    assert spec.areas.buurt.path == (country / "wijkbuurtkaart_demo.gpkg").resolve()
