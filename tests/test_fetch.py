"""``atlas fetch cbs`` offline: cbsodata and the CBS download server are replaced by recorded responses."""

from __future__ import annotations

import io
import json
import urllib.error
import zipfile
from pathlib import Path

import cbsodata
import pandas as pd
import pyogrio
import pytest
import requests
from click.testing import CliRunner

from atlas.cli import main
from atlas.layers.registry import load_registry
from atlas.pipeline.run import build
from atlas.sources import fetch
from atlas.sources.kwb import read_cbsodata
from atlas.sources.spec import load_sources

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CBS = FIXTURES / "cbs"
GPKG = FIXTURES / "areas" / "wijkenbuurten_2023.gpkg"
FULL = FIXTURES / "kwb_full"


class Recorder:
    """Stands in for cbsodata and urlopen; records what was asked."""

    def __init__(self) -> None:
        self.data_calls: list[tuple[str, str]] = []
        self.urls: list[str] = []
        records = json.loads((CBS / "kwb_2024_GM0193.json").read_text())
        other = {**records[1], "Codering_3": "BU03630193", "WijkenEnBuurten": "Elders"}  # '0193' elsewhere
        self.records = [*records, other]
        self.properties = json.loads((CBS / "85984NED_DataProperties.json").read_text())
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.write(GPKG, "WijkBuurtkaart_2024_v1/wijkenbuurten_2024_v1.gpkg")
        self.zip = buffer.getvalue()

    def get_data(self, table, filters=None, **kw):
        self.data_calls.append((table, filters))
        return [dict(r) for r in self.records]

    def get_meta(self, table, name, **kw):
        assert name == "DataProperties"
        return self.properties

    def urlopen(self, url, timeout=None):
        self.urls.append(url)
        if not url.endswith("_v1.zip"):
            raise urllib.error.HTTPError(url, 404, "Not Found", {}, None)
        return _Response(self.zip)


class _Response(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.headers = {"Content-Length": str(len(data))}


@pytest.fixture
def recorder(monkeypatch) -> Recorder:
    rec = Recorder()
    monkeypatch.setattr(cbsodata, "get_data", rec.get_data)
    monkeypatch.setattr(cbsodata, "get_meta", rec.get_meta)
    monkeypatch.setattr(fetch.urllib.request, "urlopen", rec.urlopen)
    return rec


def test_fetch_writes_records_kaart_and_a_sources_snippet(tmp_path, recorder):
    seen = []
    snippet = fetch.fetch_cbs("GM0193", [2024], tmp_path, progress=lambda *a: seen.append(a))
    assert recorder.data_calls == [("85984NED", "substringof('0193',WijkenEnBuurten)")]
    records = json.loads((tmp_path / "kwb_2024_GM0193.json").read_text())
    codes = [r["Codering_3"].strip() for r in records]
    assert codes == ["GM0193", "WK019310", "WK019311", "WK019312"]  # no country row, no other gemeente
    assert (tmp_path / "85984NED_DataProperties.json").is_file()
    # the newest published version of the kaart is tried first
    assert [u.rsplit("/", 1)[1] for u in recorder.urls] == [f"wijkbuurtkaart_2024_v{v}.zip" for v in (3, 2, 1)]
    gpkg = tmp_path / "wijkbuurtkaart_2024_GM0193.gpkg"
    buurten = pyogrio.read_dataframe(gpkg, layer="buurten", read_geometry=False)
    assert sorted(buurten.buurtcode) == ["BU01930101", "BU01930102", "BU01930201", "BU01930202"]
    assert any(task == "wijkbuurtkaart_2024_v1.zip" and done == total for task, done, total in seen)

    spec = load_sources(snippet)
    assert spec.areas.buurt.format == "cbs-gpkg" and spec.areas.buurt.path == gpkg
    (entry,) = spec.indicators
    frame = read_cbsodata(entry, load_registry())
    woz = frame[(frame.indicator == "woz_waarde") & (frame.code == "GM0193")].value.iloc[0]
    assert woz == 267_000  # the DataProperties fetched beside the records give the unit


def test_second_run_uses_the_cache(tmp_path, recorder):
    fetch.fetch_cbs("GM0193", [2024], tmp_path)
    fetch.fetch_cbs("GM0193", [2024], tmp_path)
    assert len(recorder.data_calls) == 1 and len(recorder.urls) == 3
    fetch.fetch_cbs("GM0193", [2024], tmp_path, kaart=False, refresh=True)
    assert len(recorder.data_calls) == 2


def test_cli(tmp_path, recorder):
    result = CliRunner().invoke(
        main, ["fetch", "cbs", "--gemeente", "gm0193", "--jaar", "2024", "--out", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "sources.yaml").is_file()
    bad = CliRunner().invoke(main, ["fetch", "cbs", "--gemeente", "GM0193", "--jaar", "1990", "--out", str(tmp_path)])
    assert bad.exit_code == 1 and "no KWB table known for 1990" in bad.output


def test_network_errors_are_clear(tmp_path, monkeypatch):
    def offline(*a, **kw):
        raise ConnectionError("no route to host")

    monkeypatch.setattr(cbsodata, "get_data", offline)
    with pytest.raises(fetch.FetchError, match=r"no connection to CBS .*: cannot download table 85984NED"):
        fetch.fetch_cbs("GM0193", [2024], tmp_path)
    assert not list(tmp_path.glob("kwb_*"))


def test_parse_years():
    assert fetch.parse_years("2019-2024") == [2019, 2020, 2021, 2022, 2023, 2024]
    assert fetch.parse_years("2022, 2024") == [2022, 2024]
    with pytest.raises(Exception, match="not a year"):
        fetch.parse_years("vorig jaar")


class WholeTable(Recorder):
    """A recorded response of the whole 85984NED table: every key, shared stems, other gemeenten, the country."""

    def __init__(self) -> None:
        super().__init__()
        self.records = json.loads((FULL / "kwb_85984NED.json").read_text())
        self.properties = json.loads((FULL / "85984NED_DataProperties.json").read_text())


def test_a_whole_table_goes_from_fetch_through_build(tmp_path, monkeypatch):
    rec = WholeTable()
    monkeypatch.setattr(cbsodata, "get_data", rec.get_data)
    monkeypatch.setattr(cbsodata, "get_meta", rec.get_meta)
    monkeypatch.setattr(fetch.urllib.request, "urlopen", rec.urlopen)
    snippet = fetch.fetch_cbs("GM0193", [2024], tmp_path / "cbs")
    written = json.loads((tmp_path / "cbs" / "kwb_2024_GM0193.json").read_text())
    assert len(written[0]) == 130  # every key as cbsodata gave it, shared stems and all

    manifest = build(snippet, tmp_path / "build")
    values = pd.read_parquet(tmp_path / "build" / "values.parquet")
    given = {r["Codering_3"].strip(): r for r in rec.records}

    def value(indicator: str, code: str) -> float:
        row = values[(values.indicator == indicator) & (values.code == code) & (values.period == "2024")]
        assert len(row) == 1, (indicator, code)
        return float(row.value.iloc[0])

    assert value("inwoners", "BU01930101") == given["BU01930101"]["AantalInwoners_5"]
    assert value("inwoners", "GM0193") == given["GM0193"]["AantalInwoners_5"]
    assert value("woz_waarde", "WK019302") == given["WK019302"]["GemiddeldeWOZWaardeVanWoningen_39"] * 1000
    assert value("afstand_huisarts", "BU01930201") == given["BU01930201"]["AfstandTotHuisartsenpraktijk_117"]
    assert "GM0200" not in set(values.code)  # the other gemeente was not fetched
    checks = {c["kind"]: c for c in manifest["checks"]}
    assert checks["unused_columns"]["severity"] == "info" and checks["unused_columns"]["file"] == "kwb_2024_GM0193.json"
    assert "dropped_rows" not in checks  # fetch keeps only the gemeente's records


def test_without_a_connection_fetch_says_so_in_one_line(tmp_path, monkeypatch):
    def offline(*a, **kw):
        raise requests.exceptions.ConnectionError(
            "HTTPSConnectionPool(host='opendata.cbs.nl', port=443): Max retries exceeded with url: /ODataApi/OData/"
            "85984NED (Caused by NameResolutionError(\"Failed to resolve 'opendata.cbs.nl'\"))"
        )

    monkeypatch.setattr(cbsodata, "get_data", offline)
    result = CliRunner().invoke(
        main, ["fetch", "cbs", "--gemeente", "GM0193", "--jaar", "2024", "--out", str(tmp_path)]
    )
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    (line,) = lines
    assert line.startswith("Error: no connection to CBS (opendata.cbs.nl): cannot download table 85984NED (2024).")
    assert "85984NED_DataProperties.json" in line and "format: cbsodata, table: 85984NED" in line
    assert "Max retries" not in line
    assert not list(tmp_path.glob("*.json"))


def test_an_answer_of_the_server_is_not_called_offline(tmp_path, monkeypatch):
    def not_found(*a, **kw):
        response = requests.models.Response()
        response.status_code = 404
        raise requests.exceptions.HTTPError("404 Client Error: Not Found for url", response=response)

    monkeypatch.setattr(cbsodata, "get_data", not_found)
    with pytest.raises(fetch.FetchError, match=r"^cannot download CBS table 85984NED \(2024\): 404 Client Error"):
        fetch.fetch_cbs("GM0193", [2024], tmp_path)


def test_the_kaart_offline_names_its_offline_route(tmp_path, recorder, monkeypatch):
    def offline(url, timeout=None):
        raise urllib.error.URLError(OSError(-3, "Temporary failure in name resolution"))

    monkeypatch.setattr(fetch.urllib.request, "urlopen", offline)
    with pytest.raises(fetch.FetchError, match=r"no connection: cannot download .*format: cbs-gpkg"):
        fetch.fetch_cbs("GM0193", [2024], tmp_path)
