"""``atlas fetch cbs`` offline: cbsodata and the CBS download server are replaced by recorded responses."""

from __future__ import annotations

import io
import json
import urllib.error
import zipfile
from pathlib import Path

import cbsodata
import pyogrio
import pytest
from click.testing import CliRunner

from atlas.cli import main
from atlas.layers.registry import load_registry
from atlas.sources import fetch
from atlas.sources.kwb import read_cbsodata
from atlas.sources.spec import load_sources

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CBS = FIXTURES / "cbs"
GPKG = FIXTURES / "areas" / "wijkenbuurten_2023.gpkg"


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
    with pytest.raises(fetch.FetchError, match="cannot download CBS table 85984NED"):
        fetch.fetch_cbs("GM0193", [2024], tmp_path)
    assert not list(tmp_path.glob("kwb_*"))


def test_parse_years():
    assert fetch.parse_years("2019-2024") == [2019, 2020, 2021, 2022, 2023, 2024]
    assert fetch.parse_years("2022, 2024") == [2022, 2024]
    with pytest.raises(Exception, match="not a year"):
        fetch.parse_years("vorig jaar")
