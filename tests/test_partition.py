"""A build in parts, one per gemeente (issue 15, items 2 and 3): the same artifact in one process and on a Dask
``LocalCluster``, the same values as the whole sources file read at once, nothing counted twice or lost at the
borders between gemeenten, and a part's error reaching the user as it is."""

from __future__ import annotations

import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from atlas.artifact.writer import concat_parquet
from atlas.demo import write_country
from atlas.errors import SourcesError
from atlas.pipeline import partition, run
from atlas.pipeline.above import ABOVE_LEVELS
from atlas.pipeline.run import build, evaluate, prepare
from atlas.pipeline.schedule import run_tasks
from atlas.sources.groen import read_points
from atlas.sources.spec import load_sources

GEMEENTEN = 3


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("land")
    write_country(root, GEMEENTEN)
    return root


def _one_per_gemeente(gemeenten, buurten):  # type: ignore[no-untyped-def]
    return partition.group_parts(gemeenten, buurten, size=1)


@pytest.fixture(scope="module")
def builds(country: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The country built in one part per gemeente, in one process and on Dask, and in the default parts."""
    out = tmp_path_factory.mktemp("builds")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SOURCE_DATE_EPOCH", "1700000000")
        build(country / "sources.yaml", out / "together")
        mp.setattr(run, "group_parts", _one_per_gemeente)
        build(country / "sources.yaml", out / "process")
        build(country / "sources.yaml", out / "dask", scheduler="dask")
    return {"process": out / "process", "dask": out / "dask", "together": out / "together"}


def test_small_gemeenten_go_together_in_parts_of_about_the_same_size() -> None:
    sizes = {"GM1": 300, "GM2": 50, "GM3": 60, "GM4": 500, "GM5": 10, "GM6": 20}
    assert partition.group_parts(list(sizes), sizes, size=400) == [
        ("GM1", "GM2"),
        ("GM3",),
        ("GM4",),
        ("GM5", "GM6"),
    ]
    assert partition.group_parts(["GM1"], {}, size=400) == [("GM1",)]


def test_how_the_gemeenten_are_grouped_does_not_change_a_value(builds: dict[str, Path]) -> None:
    alone = pd.read_parquet(builds["process"] / "values.parquet")
    together = pd.read_parquet(builds["together"] / "values.parquet")
    key = ["indicator", "code", "period"]
    pd.testing.assert_frame_equal(
        alone.sort_values(key).reset_index(drop=True), together.sort_values(key).reset_index(drop=True)
    )


def _files(root: Path) -> dict[str, bytes]:
    real = root.resolve()
    return {str(p.relative_to(real)): p.read_bytes() for p in sorted(real.rglob("*")) if p.is_file()}


def test_dask_and_one_process_write_the_same_artifact_byte_for_byte(builds: dict[str, Path]) -> None:
    one, dask = _files(builds["process"]), _files(builds["dask"])
    assert one.keys() == dask.keys()
    assert [name for name in one if one[name] != dask[name]] == []
    assert "web/tiles/trees/index.json" in one or any(name.startswith("web/tiles/trees/") for name in one)


def test_the_parts_give_the_values_of_the_whole_sources_file_read_at_once(builds: dict[str, Path], country: Path):
    whole, _ = evaluate(prepare(country / "sources.yaml"))
    parts = pd.read_parquet(builds["process"] / "values.parquet")
    parts = parts[~parts.level.isin(ABOVE_LEVELS)]  # computed after the parts (test_above)
    key = ["indicator", "code", "period"]
    whole = whole[parts.columns].sort_values(key).reset_index(drop=True)
    parts = parts.sort_values(key).reset_index(drop=True)
    for column in parts.columns:  # the dtypes of a table read back from Parquet
        whole[column] = whole[column].astype(parts[column].dtype)
    pd.testing.assert_frame_equal(parts, whole)
    assert set(parts.code.str[2:6]) == {f"{9000 + n}" for n in range(1, GEMEENTEN + 1)}


def test_nothing_is_counted_twice_or_lost_at_the_borders(builds: dict[str, Path], country: Path) -> None:
    import json

    manifest = json.loads((builds["process"] / "manifest.json").read_text(encoding="utf-8"))
    counts = manifest["groen"]["counts"]
    spec = load_sources(country / "sources.yaml")
    assert spec.groen is not None
    every = {
        name: int(pyogrio.read_info(vector.path, layer=vector.layer)["features"])
        for name, vector in (("trees", spec.groen.trees), ("addresses", spec.groen.addresses))
    }
    assert counts["addresses"] + counts["addresses_outside_buurten"] == every["addresses"]
    overlays = builds["process"] / "overlays.gpkg"
    for layer in ("trees", "parks"):
        rows = pyogrio.read_dataframe(overlays, layer=layer, read_geometry=False)
        assert rows["row"].is_unique, f"a feature of {layer} is written by two parts"
    trees = pyogrio.read_dataframe(overlays, layer="trees")
    assert len(trees) == counts["trees"] <= every["trees"]
    book = pd.read_parquet(builds["process"] / "addresses.parquet")
    assert len(book) == counts["addresses_searchable"]
    # the per-address layer of several gemeenten: partitioned GeoParquet, one file per part, every address in a
    # buurt of its part
    assert "addresses" not in {name for name, _ in pyogrio.list_layers(overlays)}
    files = sorted((builds["process"] / "overlays_addresses").glob("*.parquet"))
    assert [f.name for f in files] == [f"{n:04d}.parquet" for n in range(GEMEENTEN)]
    addresses = pd.concat([gpd.read_parquet(f) for f in files], ignore_index=True)
    assert addresses.crs.to_epsg() == 28992
    assert (addresses["buurt"] != "").all() and len(addresses) == counts["addresses"]
    assert set(addresses["buurt"].str[2:6]) == {f"{9000 + n}" for n in range(1, GEMEENTEN + 1)}


def test_a_part_reads_only_the_points_near_it_and_names_rows_as_the_file_does(country: Path) -> None:
    spec = load_sources(country / "sources.yaml")
    assert spec.groen is not None
    every = read_points(spec.groen.trees, "groen.trees")
    xmin, ymin, xmax, ymax = every.total_bounds
    box = (xmin, ymin, (xmin + xmax) / 2, (ymin + ymax) / 2)
    some = read_points(spec.groen.trees, "groen.trees", bounds=box)
    assert 0 < len(some) < len(every)
    inside = shapely.intersects(shapely.box(*box), every.geometry.values)
    assert set(some["row"]) == set(every["row"][inside])
    same = every.set_index("row").loc[some["row"]]
    assert np.allclose(shapely.get_coordinates(same.geometry.values), shapely.get_coordinates(some.geometry.values))


def test_a_bad_row_in_a_clipped_read_is_named_by_its_number_in_the_file(tmp_path: Path) -> None:
    from atlas.sources.spec.groen import VectorInput

    points = gpd.GeoDataFrame(
        {"inwoners": [1.0, 2.0, -5.0, 1.0]},
        geometry=shapely.points([[0, 0], [100, 100], [200, 200], [300, 300]]),
        crs="EPSG:28992",
    )
    path = tmp_path / "adressen.gpkg"
    points.to_file(path)
    vector = VectorInput(path=path, layer=None, residents="inwoners")
    with pytest.raises(SourcesError, match="row 3") as caught:
        read_points(vector, "groen.addresses", bounds=(150.0, 150.0, 400.0, 400.0))
    assert caught.value.row == 3 and caught.value.field == "inwoners"


def _fails(number: int) -> int:
    if number == 2:
        raise SourcesError("is broken", file="kapot.csv", row=7, field="waarde")
    return number * 10


def test_a_part_that_fails_on_dask_stops_the_build_with_its_own_message() -> None:
    assert run_tasks(_fails, [0, 1, 3], "dask", workers=2) == [0, 10, 30]
    with pytest.raises(SourcesError, match=re.escape("kapot.csv, row 7, field 'waarde': is broken")):
        run_tasks(_fails, [0, 1, 2, 3], "dask", workers=2)
    with pytest.raises(ValueError, match="unknown scheduler"):
        run_tasks(_fails, [0], "threads")


def test_parquet_parts_are_joined_one_after_another(tmp_path: Path) -> None:
    first = pd.DataFrame({"code": ["BU1", "BU2"], "value": [1.0, np.nan], "status": ["gepubliceerd", None]})
    second = pd.DataFrame({"code": ["BU3"], "value": [3.0], "status": [None]})
    first.to_parquet(tmp_path / "a.parquet", index=False)
    second.to_parquet(tmp_path / "b.parquet", index=False)
    concat_parquet([tmp_path / "a.parquet", tmp_path / "b.parquet"], tmp_path / "all.parquet")
    joined = pd.read_parquet(tmp_path / "all.parquet")
    assert joined.code.tolist() == ["BU1", "BU2", "BU3"]
    assert joined.value.tolist()[0] == 1.0 and joined.value.tolist()[2] == 3.0


def test_a_dask_scheduler_that_cannot_be_reached_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from atlas.errors import BuildError
    from atlas.pipeline import schedule

    monkeypatch.setattr(schedule, "CONNECT_TIMEOUT", "1s")
    with pytest.raises(BuildError, match=re.escape("cannot use the Dask scheduler at 'tcp://127.0.0.1:1'")):
        run_tasks(_fails, [0], "dask", address="tcp://127.0.0.1:1")
    with pytest.raises(BuildError, match="missing port number"):
        run_tasks(_fails, [0], "dask", address="no address")
