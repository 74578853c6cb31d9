"""The levels above the gemeente (issue 15, item 1): regio from a CSV, nederland with ``gemeente: all``; their values
are a function of the published gemeente values only, so they reveal nothing withheld."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest

from atlas.artifact.status import Status
from atlas.demo import write_country
from atlas.errors import AreaError
from atlas.layers.registry import load_registry
from atlas.pipeline.above import Group, above_values
from atlas.pipeline.aggregate import population_weights
from atlas.pipeline.run import build
from atlas.sources.regio import read_regios
from atlas.sources.spec import load_sources
from atlas.sources.spec.areas import RegioSource

GEMEENTEN = 13  # two regios: 11 and 2 gemeenten


@pytest.fixture(scope="module")
def nederland(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("land")
    write_country(root, GEMEENTEN)
    out = root.parent / f"{root.name}_nl"
    build(root / "nederland.yaml", out)
    return out


@pytest.fixture(scope="module")
def values(nederland: Path) -> pd.DataFrame:
    return pd.read_parquet(nederland / "values.parquet")


def test_gemeente_all_holds_every_gemeente_of_the_buurt_file_and_nederland_on_top(nederland: Path) -> None:
    manifest = json.loads((nederland / "manifest.json").read_text(encoding="utf-8"))
    assert [g["code"] for g in manifest["gemeenten"]] == [f"GM{9000 + n}" for n in range(1, GEMEENTEN + 1)]
    assert manifest["counts"]["areas"]["regio"] == 2 and manifest["counts"]["areas"]["nederland"] == 1
    tops = {a["code"]: a for a in manifest["above"]["areas"]}
    assert len(tops["RG0001"]["gemeenten"]) == 11 and len(tops["RG0002"]["gemeenten"]) == 2
    assert tops["NL01"]["gemeenten"] == [g["code"] for g in manifest["gemeenten"]]
    layers = {name for name, _ in pyogrio.list_layers(nederland / "areas.gpkg")}
    assert {"regio", "nederland"} <= layers
    regio = pyogrio.read_dataframe(nederland / "areas.gpkg", layer="regio")
    gemeente = pyogrio.read_dataframe(nederland / "areas.gpkg", layer="gemeente")
    assert regio.area.sum() == pytest.approx(gemeente.area.sum(), rel=1e-9)
    assert set(regio.parent) == {"NL01"}
    assert (nederland / "web" / "regio.geojson").exists() and (nederland / "web" / "nederland.geojson").exists()


def _published(values: pd.DataFrame, code: str, indicator: str, period: str) -> float:
    row = values[(values.code == code) & (values.indicator == indicator) & (values.period == period)]
    assert len(row) == 1 and row.status.iloc[0] == Status.PUBLISHED.value
    return float(row.value.iloc[0])


def test_a_regio_count_is_the_sum_of_its_gemeenten_published_counts(nederland: Path, values: pd.DataFrame) -> None:
    manifest = json.loads((nederland / "manifest.json").read_text(encoding="utf-8"))
    members = {a["code"]: a["gemeenten"] for a in manifest["above"]["areas"]}
    for code in ("RG0001", "RG0002", "NL01"):
        total = sum(_published(values, g, "inwoners", "2024") for g in members[code])
        assert _published(values, code, "inwoners", "2024") == total


def test_a_regio_mean_is_weighted_by_the_published_inwoners(nederland: Path, values: pd.DataFrame) -> None:
    registry = load_registry()
    means = [i.id for i in registry if i.aggregate == "population_weighted_mean" and "gemeente" in i.levels]
    regio = values[(values.code == "RG0002") & values.indicator.isin(means)]
    assert len(regio), "the country has population-weighted indicators at the regio"
    gemeenten = values[(values.level == "gemeente") & values.code.isin(["GM9012", "GM9013"])]
    weights = population_weights(gemeenten).set_index(["code", "period"]).weight
    every = values[values.level == "gemeente"]
    for row in regio.itertuples():
        parts = gemeenten[(gemeenten.indicator == row.indicator) & (gemeenten.period == row.period)]
        w = np.array([weights[(c, row.period)] for c in parts.code])
        mean = float(np.dot(parts.value, w) / w.sum())
        expected = round(mean, registry.indicators[row.indicator].decimals)
        same = every[(every.indicator == row.indicator) & (every.period == row.period)].value.dropna()
        unit = next(
            (u for u in (1000, 100, 10, 5) if np.isclose(same / u, np.round(same / u), rtol=0, atol=1e-6).all()), None
        )
        if registry.indicators[row.indicator].unit == "euro" and unit and (same != 0).sum() >= 5:
            expected = round(mean / unit) * unit  # an amount the gemeenten give rounded: no more precise
            assert np.isclose(row.value / unit, round(row.value / unit))
        assert row.value == pytest.approx(expected)


def test_no_total_when_a_gemeente_value_is_withheld_and_only_published_values_enter() -> None:
    registry = load_registry()
    rows = []
    for code, inwoners, werklozen, status in (
        ("GM9001", 1000.0, 40.0, "ok"),
        ("GM9002", 500.0, np.nan, Status.SUPPRESSED.value),
    ):
        rows += [
            {"indicator": "inwoners", "code": code, "level": "gemeente", "period": "2024", "value": inwoners},
            {"indicator": "werkzoekenden", "code": code, "level": "gemeente", "period": "2024", "value": werklozen},
        ]
        rows[-1]["status"], rows[-2]["status"] = status, "ok"
    frame = pd.DataFrame(rows).assign(n=np.nan, source="x")
    if "werkzoekenden" not in registry.indicators:  # any count indicator will do
        count = next(i.id for i in registry if i.aggregate == "sum" and i.id != "inwoners" and "gemeente" in i.levels)
        frame.loc[frame.indicator == "werkzoekenden", "indicator"] = count
    found = {"RG0001": Group("regio", "Regio", ("GM9001", "GM9002"))}
    out = above_values(frame, found, registry)
    assert out[out.indicator == "inwoners"].value.tolist() == [1500.0]
    assert set(out.indicator) == {"inwoners"}, "a total over a withheld gemeente value is not given"
    tampered = frame.copy()
    tampered.loc[(tampered.code == "GM9002") & (tampered.indicator != "inwoners"), "value"] = 7.0  # withheld number
    assert set(above_values(tampered, found, registry).indicator) == {"inwoners"}


def _regio_csv(tmp_path: Path, text: str) -> RegioSource:
    path = tmp_path / "regios.csv"
    path.write_text(text, encoding="utf-8")
    return RegioSource(path=path)


@pytest.mark.parametrize(
    ("text", "message", "row", "field"),
    [
        (
            "gemeentecode,regiocode,regionaam\nGM9001,RG0001,A\n",
            "1 gemeenten of the build are in no regio: GM9002",
            None,
            "gemeentecode",
        ),
        (
            "gemeentecode,regiocode,regionaam\nGM9001,RG0001,A\nGM9001,RG0001,A\nGM9002,RG0001,A\n",
            "twice",
            3,
            "gemeentecode",
        ),
        ("gemeentecode,regiocode,regionaam\nGM9001,GM0001,A\nGM9002,RG0001,A\n", "not a regio code", 2, "regiocode"),
        ("gemeentecode,regiocode,regionaam\nGM9001,RG0001,A\nGM9002,RG0001,B\n", "called 'A' in row 2", 3, "regionaam"),
        ("gemeentecode,regiocode,regionaam\nGM9001,RG0001,\nGM9002,RG0001,A\n", "no name", 2, "regionaam"),
        ("gemeente,regiocode,regionaam\nGM9001,RG0001,A\n", "column 'gemeentecode' not found", None, "gemeentecode"),
    ],
)
def test_a_bad_regio_file_names_the_row_and_the_column(
    tmp_path: Path, text: str, message: str, row: int | None, field: str
) -> None:
    with pytest.raises(AreaError, match=message) as caught:
        read_regios(_regio_csv(tmp_path, text), ["GM9001", "GM9002"])
    assert caught.value.row == row and caught.value.field == field and caught.value.file.endswith("regios.csv")


def test_rows_of_other_gemeenten_are_left_out(tmp_path: Path) -> None:
    source = _regio_csv(tmp_path, "gemeentecode;regiocode;regionaam\nGM0193;GG3406;IJsselland\nGM9001;RG0001;A\n")
    table = read_regios(source, ["GM9001"])
    assert table.to_dict("records") == [{"gemeente": "GM9001", "code": "RG0001", "naam": "A"}]


def test_the_sources_file_names_the_regio_file_and_may_say_all(tmp_path: Path) -> None:
    (tmp_path / "b.gpkg").touch()
    (tmp_path / "r.csv").write_text("gemeentecode,regiocode,regionaam\n", encoding="utf-8")
    path = tmp_path / "sources.yaml"
    path.write_text(
        "gemeente: all\nareas:\n  buurt: {path: b.gpkg, format: cbs-gpkg}\n  regio: {path: r.csv, code: ggd}\n",
        encoding="utf-8",
    )
    spec = load_sources(path)
    assert spec.every and spec.multiple and spec.gemeenten == ()
    assert spec.areas.regio is not None and spec.areas.regio.code == "ggd" and spec.areas.regio.naam == "regionaam"
    assert tmp_path / "r.csv" in spec.input_files()
