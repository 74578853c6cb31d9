"""Survey results without respondent counts (the real Buurt-voor-Buurt 2014 has none): published where they are
given and safe, marked 'n onbekend', aggregated only when asked, and never recoverable through that aggregation."""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest

from atlas.artifact import Artifact
from atlas.pipeline.run import build
from atlas.web import create_app
from tests.test_build import VALUES, _sources

from .mappage import choropleth

# inhabitants: BU01930101 1200, BU01930102 45, BU01930201 800, BU01930202 0 (water)
BVB = "buurtcode;b_sceenz\nBU01930101;12,5\nBU01930102;100\nBU01930201;20\nBU01930202;\n"


def _build(tmp_path, extra=""):
    sources = _sources(tmp_path, VALUES.replace("BU09990101,vrijwilligerswerk,2023,20,50\n", ""))
    (tmp_path / "bvb.csv").write_text(BVB, encoding="utf-8")
    text = sources.read_text(encoding="utf-8")
    text += "  - {path: bvb.csv, format: wide, code: buurtcode, year: 2023, source: Buurt-voor-Buurt 2014 (geen n),\n"
    text += "     columns: {b_sceenz: eenzaamheid}}\n" + extra
    sources.write_text(text, encoding="utf-8")
    manifest = build(sources, tmp_path / "out")
    art = Artifact.open(tmp_path / "out")
    rows = art.values[(art.values.indicator == "eenzaamheid") & (art.values.period == "2023")].set_index("code")
    return manifest, rows


def test_published_where_given_and_safe_not_aggregated_and_reported(tmp_path):
    manifest, rows = _build(tmp_path)
    assert rows.loc["BU01930101", "value"] == 12.5 and np.isnan(rows.loc["BU01930101", "n"])
    assert np.isnan(rows.loc["BU01930101", "ci_low"])  # no interval without n
    assert rows.loc["BU01930102", "status"] == "suppressed"  # 45 inhabitants: 100 % eenzaam is withheld
    assert rows.loc["BU01930201", "status"] == "suppressed"  # 800 < 1 000
    assert rows.loc[["WK019301", "WK019302", "GM0193"], "status"].tolist() == ["missing"] * 3  # not aggregated
    assert "withheld_without_n" not in manifest["privacy"]  # per kind: a side channel
    [finding] = [c for c in manifest["checks"] if c["kind"] == "survey_without_n"]
    assert finding["severity"] == "warning" and finding["indicator"] == "eenzaamheid" and finding["count"] == 3
    assert "withheld in areas with fewer than 1000 inhabitants" in finding["message"]
    assert "how many is not said" in finding["message"]
    assert "not aggregated to higher levels" in finding["message"]


def test_pages_and_downloads_say_n_is_unknown(tmp_path):
    _build(tmp_path)
    client = create_app(tmp_path / "out", {"TESTING": True, "ATLAS_TILES": False}).test_client()
    page = client.get("/kaart/eenzaamheid?niveau=buurt&jaar=2023").data.decode()
    tooltip = {f["properties"]["code"]: f["properties"] for f in choropleth(page)["features"]}
    assert tooltip["BU01930101"]["n"] == "onbekend"  # the tooltip of BU01930101
    csv = pd.read_csv(io.StringIO(client.get("/download/eenzaamheid.csv?niveau=buurt&jaar=2023").data.decode()))
    published = csv[csv.code == "BU01930101"].iloc[0]
    assert published.opmerking == "n onbekend" and published.waarde == 12.5
    # withheld: the one label every withheld value has, nothing that tells why
    assert (csv[csv.code == "BU01930102"].opmerking == "niet gepubliceerd (privacy)").all()
    profile = client.get("/gebied/BU01930101").data.decode()
    assert "n = onbekend" in profile
    checks = client.get("/kaart/eenzaamheid?niveau=buurt&jaar=2023").data.decode()
    assert "Enquêtecijfers zonder aantal respondenten" in checks  # the warning is on the indicator's map page


def test_weights_inwoners_aggregate_as_an_approximation_that_cannot_reveal_a_withheld_buurt(tmp_path):
    extra = "privacy: {min_inhabitants_without_n: 500}\nindicator_options: {eenzaamheid: {weights: inwoners}}\n"
    manifest, rows = _build(tmp_path, extra)
    assert rows.loc["BU01930201", "status"] == "ok"  # 800 ≥ 500
    assert rows.loc["BU01930102", "status"] == "suppressed"  # 45 inhabitants
    # WK019301 = (12.5·1200 + 100·45) / 1245: with BU01930101 and the inhabitants public, BU01930102 would follow,
    # so one of the two is withheld as well
    assert "suppressed" in (rows.loc["WK019301", "status"], rows.loc["BU01930101", "status"])
    wijk2 = rows.loc["WK019302"]  # one buurt with a value: the wijk's approximation equals it (no secret in it)
    assert wijk2.status == "ok" and wijk2.value == pytest.approx(20.0)
    assert "benadering: gewogen naar inwoners" in wijk2.source
    [finding] = [c for c in manifest["checks"] if c["kind"] == "survey_without_n"]
    assert "higher-level values are an approximation weighted by inhabitants" in finding["message"]
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["privacy"]["withheld"] >= 2
