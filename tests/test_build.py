"""`atlas build` end to end: the artifact's contents, determinism, atomic failure, the CLI."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner

from atlas.artifact import Artifact
from atlas.cli import main
from atlas.errors import SourcesError
from atlas.pipeline.run import build

from .conftest import FIXTURES, write_real_sources

AREAS = FIXTURES / "areas"

VALUES = """code,indicator,year,value,n
BU01930101,inwoners,2023,1200,
BU01930102,inwoners,2023,45,
BU01930201,inwoners,2023,800,
BU01930202,inwoners,2023,0,
BU01930101,vrijwilligerswerk,2023,30,100
BU01930102,vrijwilligerswerk,2023,,
BU01930201,vrijwilligerswerk,2023,20,50
BU01930202,vrijwilligerswerk,2023,,
BU09990101,vrijwilligerswerk,2023,20,50
"""


def _sources(tmp_path: Path, values: str = VALUES) -> Path:
    (tmp_path / "cijfers.csv").write_text(values, encoding="utf-8")
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"""
gemeente: GM0193
allowed_roots: [{AREAS}]
areas:
  buurt: {{path: {AREAS / "wijkenbuurten_2023.gpkg"}, format: cbs-gpkg}}
  stadsdelen: {{path: {AREAS / "stadsdelen.csv"}}}
indicators:
  - {{path: cijfers.csv, format: long, source: Testbron}}
""",
        encoding="utf-8",
    )
    return sources


def _hashes(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def test_artifact_contents(tmp_path):
    out = tmp_path / "build"
    manifest = build(_sources(tmp_path), out)
    assert pyogrio.list_layers(out / "areas.gpkg")[:, 0].tolist() == ["buurt", "wijk", "stadsdeel", "gemeente"]
    for level, count in {"buurt": 4, "wijk": 2, "stadsdeel": 2, "gemeente": 1}.items():
        layer = pyogrio.read_dataframe(out / "areas.gpkg", layer=level)
        assert len(layer) == count
        assert {"code", "naam", "parent"} <= set(layer.columns)
        assert layer.crs.to_epsg() == 28992
    values = pd.read_parquet(out / "values.parquet")
    assert list(values.columns)[:8] == ["indicator", "code", "level", "period", "value", "n", "source", "status"]
    assert list(values.columns)[8:] == ["ci_low", "ci_high", "significant", "verdict", "reference", "rate"]
    gm = values[(values.indicator == "inwoners") & (values.code == "GM0193")].iloc[0]
    assert gm.value == 2045 and gm.status == "ok" and gm.level == "gemeente"
    missing = values[(values.indicator == "vrijwilligerswerk") & (values.code == "BU01930102")].iloc[0]
    assert pd.isna(missing.value) and missing.status == "missing"
    wijk = values[(values.indicator == "vrijwilligerswerk") & (values.code == "WK019301")].iloc[0]
    assert wijk.value == 30 and wijk.n == 100  # respondent-weighted over the buurten that have a value

    on_disk = json.loads((out / "manifest.json").read_text())
    assert on_disk == manifest
    assert {i["path"] for i in manifest["inputs"]} >= {"sources.yaml", "cijfers.csv"}
    assert all(len(i["sha256"]) == 64 for i in manifest["inputs"])
    assert manifest["registry"]["sha256"]
    assert manifest["counts"]["areas"] == {"buurt": 4, "wijk": 2, "stadsdeel": 2, "gemeente": 1}
    assert manifest["unmatched_codes"]["count"] == 1
    assert manifest["unmatched_codes"]["examples"][0] == {
        "file": "cijfers.csv",
        "row": 10,
        "code": "BU09990101",
        "indicator": "vrijwilligerswerk",
        "period": "2023",
    }
    art = Artifact.open(out)
    assert len(art.areas.buurt) == 4 and not art.is_demo


def test_build_is_deterministic(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1700000000")
    sources = _sources(tmp_path)
    build(sources, tmp_path / "a")
    build(sources, tmp_path / "b")
    assert _hashes(tmp_path / "a") == _hashes(tmp_path / "b")


def test_failed_build_leaves_previous_artifact_byte_for_byte(tmp_path):
    out = tmp_path / "build"
    build(_sources(tmp_path), out)
    before = _hashes(out)
    bad = VALUES.replace("800", "acht honderd")
    with pytest.raises(SourcesError, match=r"cijfers\.csv, row 4, field 'value'"):
        build(_sources(tmp_path, bad), out)
    assert _hashes(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["build", "build.versions", "cijfers.csv", "sources.yaml"]
    assert [p.name for p in (tmp_path / "build.versions").iterdir() if not p.name.startswith(".")] == [
        out.resolve().name
    ]


def test_cli_build_and_validate(tmp_path):
    runner = CliRunner()
    sources = _sources(tmp_path)
    result = runner.invoke(main, ["validate", "--sources", str(sources)])
    assert result.exit_code == 0, result.output
    assert "4 buurt" in result.output
    assert "warning [unmatched_codes] cijfers.csv, row 10: 1 values name area codes that are not in the boundaries" in (
        result.output
    )
    result = runner.invoke(main, ["build", "--sources", str(sources), "--out", str(tmp_path / "out")])
    assert result.exit_code == 0, result.output
    assert "warning [unmatched_codes]" in result.output  # the build says it too
    checks = json.loads((tmp_path / "out" / "manifest.json").read_text(encoding="utf-8"))["checks"]
    assert [c["kind"] for c in checks if c["severity"] == "warning"] == ["unmatched_codes"]
    assert (tmp_path / "out" / "values.parquet").is_file()


def test_cli_build_keeps_versions(tmp_path):
    sources, out = _sources(tmp_path), tmp_path / "out"
    for keep, kept in (("2", 1), ("2", 2), ("2", 2), ("1", 1)):
        result = CliRunner().invoke(main, ["build", "--sources", str(sources), "--out", str(out), "--keep", keep])
        assert result.exit_code == 0, result.output
        versions = sorted(p.name for p in (tmp_path / "out.versions").iterdir() if not p.name.startswith("."))
        assert out.resolve().name == versions[-1] and len(versions) == kept
    assert Artifact.open(out).version == out.resolve().name
    result = CliRunner().invoke(main, ["build", "--sources", str(sources), "--out", str(out), "--keep", "0"])
    assert result.exit_code == 2 and "--keep" in result.output


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (VALUES.replace("1200", "veel"), r"cijfers\.csv, row 2, field 'value': 'veel' is not a number"),
        (
            VALUES.replace("inwoners,2023,45", "inwonrs,2023,45"),
            r"row 3, field 'indicator'.*meant the existing 'inwoners'",
        ),
    ],
)
def test_cli_bad_input_exits_nonzero_and_writes_nothing(tmp_path, values, message):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["build", "--sources", str(_sources(tmp_path, values)), "--out", str(out)])
    assert result.exit_code == 1
    assert re.search(message, result.output), result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_cli_bad_sources_file(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text("gemeente: GM0193\nareas:\n  buurt: {path: nope.gpkg, format: cbs-gpkg}\n")
    result = CliRunner().invoke(main, ["validate", "--sources", str(sources)])
    assert result.exit_code == 1
    assert "sources.yaml, entry 'areas.buurt', field 'path': file not found" in result.output


def test_cli_validate_registry_error(tmp_path):
    registry = tmp_path / "layers.yaml"
    registry.write_text("indicators:\n  - {id: x, title: X, theme: t, unit: furlongs}\n")
    result = CliRunner().invoke(main, ["validate", "--registry", str(registry)])
    assert result.exit_code == 1
    assert "layers.yaml" in result.output and "field 'unit'" in result.output


@pytest.mark.realdata
def test_build_real_zwolle_boundaries(tmp_path, realdata):
    sources = write_real_sources(tmp_path, realdata)
    manifest = build(sources, tmp_path / "build")
    assert manifest["counts"]["areas"] == {"buurt": 78, "wijk": 16, "stadsdeel": 5, "gemeente": 1}
    art = Artifact.open(tmp_path / "build")
    assert art.areas.gemeente.area.sum() / 1e6 == pytest.approx(119.36, rel=0.005)
    v = art.values
    first = v[(v.indicator == "vrijwilligerswerk") & (v.code == "BU01931000")].iloc[0]
    assert first.value == pytest.approx(67.3) and first.period == "2014"  # 67.3449 at the registry's decimals
    buurt = v[(v.indicator == "vrijwilligerswerk") & (v.level == "buurt")]
    assert len(buurt) == 78 and 0 < (buurt.status == "missing").sum() < 10  # the file's NA stays missing
    # no respondent counts: published only where a buurt has 1 000 inhabitants (2015, the nearest year with a count)
    people = v[(v.indicator == "inwoners") & (v.period == "2015")].set_index("code").value
    small = buurt[buurt.code.map(people) < 1000]
    assert len(small) > 0 and (small.status != "ok").all()
    assert (buurt[buurt.code.map(people) >= 1000].status != "suppressed").all()
    assert any(c["kind"] == "survey_without_n" for c in manifest["checks"])
