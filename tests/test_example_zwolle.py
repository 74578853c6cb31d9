"""The real Zwolle atlas of examples/zwolle builds from ../shared/realdata, its figures equal the input files and it
reports what it doubts (skipped without the real data)."""

from __future__ import annotations

import csv
import json
import math

import pytest

from atlas.artifact import Artifact
from atlas.pipeline.run import build
from atlas.web import create_app

from .conftest import ROOT

EXAMPLE = ROOT / "examples" / "zwolle"


@pytest.fixture(scope="module")
def zwolle(realdata, tmp_path_factory):
    import importlib.util

    spec = importlib.util.spec_from_file_location("prepare_zwolle", EXAMPLE / "prepare.py")
    assert spec is not None and spec.loader is not None
    prepare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prepare)
    prepare.prepare(realdata, EXAMPLE / "prepared")
    out = tmp_path_factory.mktemp("zwolle") / "build"
    manifest = build(EXAMPLE / "sources.yaml", out)
    return manifest, Artifact.open(out)


def _rows(realdata, name):
    with (realdata / name).open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _values(art, indicator, period):
    v = art.values
    return v[(v.indicator == indicator) & (v.period == period)].set_index("code")


def test_it_builds_the_real_areas(zwolle):
    manifest, art = zwolle
    assert manifest["counts"]["areas"] == {"buurt": 78, "wijk": 16, "stadsdeel": 5, "gemeente": 1}
    assert art.areas.gemeente.area.sum() / 1e6 == pytest.approx(119.36, rel=0.005)
    assert art.manifest["registry"]["files"]  # the extra registry is recorded


def test_inhabitants_per_buurt_and_wijk_equal_the_input_files(zwolle, realdata):
    _, art = zwolle
    inwoners = _values(art, "inwoners", "2024")
    buurten = {
        r["buurtcode"]: float(r["inwoners_op_1_januari_personen"])
        for r in _rows(realdata, "zwolle_buurten_cijfersoverzwolle_demografie_2015_2024.csv")
        if r["jaar"] == "2024"
    }
    assert len(buurten) == 78
    assert {code: inwoners.loc[code, "value"] for code in buurten} == buurten
    cbs = {
        r["WijkenEnBuurten"]: float(r["AantalInwoners_5"])
        for r in _rows(realdata, "cbs_kwb_2024_85984NED_zwolle_gemeente_wijken.csv")
    }
    wijken = {code: value for code, value in cbs.items() if code.startswith("WK")}
    assert len(wijken) == 16 and {code: inwoners.loc[code, "value"] for code in wijken} == wijken
    assert inwoners.loc["GM0193", "value"] == 133141 == cbs["GM0193"]  # the source's total, as given
    assert sum(buurten.values()) == 133128


def test_the_gemeente_total_against_its_buurten_is_reported(zwolle):
    manifest, _ = zwolle
    [total] = [c for c in manifest["checks"] if c["kind"] == "sum_mismatch" and c.get("code") == "GM0193"]
    assert total["severity"] == "warning" and total["indicator"] == "inwoners" and total["period"] == "2024"
    assert "the source gives 133 141" in total["message"] and "give 133 128 (difference 13" in total["message"]


def test_a_survey_value_without_n(zwolle, realdata):
    manifest, art = zwolle
    bvb = {r["buurtcode"]: r for r in _rows(realdata, "zwolle_buurten_2014_zebra_buurtvoorbuurt.csv")}
    row = _values(art, "vrijwilligerswerk", "2014").loc["BU01931000"]
    assert row.status == "ok" and row.value == pytest.approx(float(bvb["BU01931000"]["b_mivrij"]), abs=0.05)
    assert math.isnan(row.n) and math.isnan(row.ci_low)
    people = _values(art, "inwoners", "2015").value
    eenzaam = _values(art, "eenzaamheid", "2014")
    small = [c for c in bvb if c in people.index and people[c] < 1000 and bvb[c]["b_sceenz"] not in ("", "NA")]
    assert small and (eenzaam.loc[small, "status"] == "suppressed").all()
    wijk = eenzaam.loc["WK019310"]
    assert "benadering: gewogen naar inwoners" in wijk.source  # indicator_options weights: inwoners
    kinds = {c["kind"] for c in manifest["checks"] if c["severity"] == "warning"}
    assert {"sum_mismatch", "survey_without_n", "missing_columns"} <= kinds


def test_the_findings_it_must_report(zwolle):
    manifest, _ = zwolle
    checks = manifest["checks"]
    assert not [c for c in checks if c["severity"] == "error"]
    by_kind = {c["kind"]: c for c in checks}
    assert by_kind["overlap"]["severity"] == "info" and "at most 1.1 m²" in by_kind["overlap"]["message"]
    assert by_kind["gap"]["severity"] == "info" and "7 holes" in by_kind["gap"]["message"]
    assert by_kind["grouping"]["severity"] == "info" and "indicatief" in by_kind["grouping"]["message"]
    assert by_kind["unused_columns"]["severity"] == "info"
    assert json.dumps(checks, ensure_ascii=False).count('"kind": "survey_without_n"') == 6


def test_extra_indicators_and_their_pages(zwolle, realdata):
    _, art = zwolle
    klimaat = {
        r["buurtcode"]: r
        for r in _rows(realdata, "zwolle_buurten_klimaatmonitor_energie_2015_2023.csv")
        if r["jaar"] == "2023"
    }
    gas = _values(art, "aardgas_woningen", "2023")
    code = "BU01931000"
    assert gas.loc[code, "value"] == pytest.approx(float(klimaat[code]["aardgasverbruik_woningen_miljoen_m3"]))
    client = create_app(art.path, {"TESTING": True, "ATLAS_TILES": False}).test_client()
    page = client.get("/kaart/aardgas_woningen?niveau=buurt&jaar=2023").data.decode()
    assert "miljoen m³" in page and "Klimaatmonitor" in page
    profile = client.get("/gebied/GM0193").data.decode()
    assert "133.141" in profile and "De waarde van de bron wijkt af" in profile
