"""Issue 4 end to end: stapeling, privacy, survey intervals and time series in the build artifact."""

from __future__ import annotations

import csv
import datetime as dt
import logging
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from atlas.artifact import Artifact
from atlas.artifact.compare import wilson
from atlas.pipeline.run import build

from .conftest import FIXTURES

AREAS = FIXTURES / "areas"


@pytest.fixture(scope="module")
def art(demo_build) -> Artifact:
    return Artifact.open(demo_build)


def _ids(demo_sources: Path) -> set[str]:
    with (demo_sources.parent / "registraties.csv").open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {r["persoon_id"] for r in rows} | {r["huishouden_id"] for r in rows}


def test_no_registration_id_reaches_the_artifact_or_the_log(demo_sources, demo_build, tmp_path, caplog):
    ids = _ids(demo_sources)
    assert len(ids) > 1000
    # every id is a letter and 9 hex digits (atlas.demo.registraties): find every such token, anywhere
    token = re.compile(rb"[A-Z][0-9a-f]{9}")
    assert all(token.fullmatch(i.encode()) for i in ids)
    for path in demo_build.rglob("*"):
        if path.is_file():
            found = {t.decode() for t in token.findall(path.read_bytes())}
            assert not found & ids, path.name
    with caplog.at_level(logging.DEBUG):
        build(demo_sources, tmp_path / "again")
    found = {t.decode() for t in token.findall(caplog.text.encode())}
    assert caplog.text and not found & ids


def _expected_2024(demo_sources: Path) -> dict[tuple[str, str], int]:
    """Per buurt, a plain loop over the registrations active on 2024-01-01."""
    day = "2024-01-01"
    laws: dict[str, set[str]] = {}
    homes: dict[str, set[str]] = {}
    where: dict[str, tuple[str, str]] = {}
    hwhere: dict[str, tuple[str, str]] = {}
    with (demo_sources.parent / "registraties.csv").open(encoding="utf-8") as handle:
        for r in csv.DictReader(handle):
            if r["begindatum"] <= day and (r["einddatum"] == "" or r["einddatum"] >= day):
                laws.setdefault(r["persoon_id"], set()).add(r["regeling"])
                homes.setdefault(r["huishouden_id"], set()).add(r["regeling"])
                where[r["persoon_id"]] = max(where.get(r["persoon_id"], ("", "")), (r["begindatum"], r["buurtcode"]))
                hwhere[r["huishouden_id"]] = max(
                    hwhere.get(r["huishouden_id"], ("", "")), (r["begindatum"], r["buurtcode"])
                )
    counts: dict[tuple[str, str], int] = {}
    for person, held in laws.items():
        buurt = where[person][1]
        for law in held:
            counts[(f"gebruik_{law}", buurt)] = counts.get((f"gebruik_{law}", buurt), 0) + 1
        key = (f"stapeling_personen_{len(held)}", buurt)
        counts[key] = counts.get(key, 0) + 1
    for household, held in homes.items():
        key = (f"stapeling_huishoudens_{len(held)}", hwhere[household][1])
        counts[key] = counts.get(key, 0) + 1
    return counts


def test_stapeling_is_right_where_published_and_suppressed_where_small(art, demo_sources):
    expected = _expected_2024(demo_sources)
    v = art.values
    rows = v[v.indicator.str.match(r"^(gebruik|stapeling)_") & (v.level == "buurt") & (v.period == "2024")]
    assert len(rows) == 9 * len(art.areas.buurt)
    published = rows[rows.status == "ok"]
    assert len(published) > 100
    for r in published.itertuples():  # published counts are rounded to 5 (round_to)
        assert r.value == 5 * round(expected.get((r.indicator, r.code), 0) / 5), (r.indicator, r.code)
    small = [(r.indicator, r.code) for r in rows.itertuples() if 0 < expected.get((r.indicator, r.code), 0) < 10]
    status = dict(zip(zip(rows.indicator, rows.code, strict=True), rows.status, strict=True))
    assert small and all(status[cell] == "suppressed" for cell in small)
    hidden = rows[rows.status == "suppressed"]
    assert hidden.value.isna().all() and hidden.n.isna().all()


def test_demo_suppression_is_reported_and_holds(art):
    report = art.manifest["privacy"]
    assert report == {
        "method": "interval",
        "audited_against": [],
        "min_count": 10,
        "min_respondents": 30,
        "protection": 10,
        "round_to": 5,
        "min_inhabitants_without_n": 1000,
        "withheld": report["withheld"],
    }  # the rules and one total: nothing per indicator or kind
    status = art.values.status.value_counts()
    assert status["suppressed"] == report["withheld"] > 0
    assert not (art.values[art.values.level == "gemeente"].status == "suppressed").any()
    # what an attacker can infer from the published (rounded) figures is tested in test_privacy_attack.py; that no
    # withheld cell solves exactly from exact figures, in test_privacy.py (random tables, round_to 1)
    stapeling = art.manifest["stapeling"]
    assert [s["peildatum"] for s in stapeling] == [f"{y}-01-01" for y in range(2019, 2025)]
    assert all(s["persons"] > 500 for s in stapeling)


def test_survey_intervals_and_significance(art):
    v = art.values
    assert list(v.columns) == [
        "indicator",
        "code",
        "level",
        "period",
        "value",
        "n",
        "source",
        "status",
        "ci_low",
        "ci_high",
        "significant",
        "verdict",
        "reference",
        "rate",
    ]
    survey = v[(v.indicator == "vrijwilligerswerk") & (v.status == "ok")]
    assert survey.n.notna().all() and survey.ci_low.notna().all()
    assert ((survey.ci_low <= survey.value) & (survey.value <= survey.ci_high)).all()
    low, high = wilson(survey.value.to_numpy() / 100, survey.n.to_numpy())
    # stored at the registry's decimals (1), rounded outward: never narrower than the exact interval
    assert (survey.ci_low <= 100 * low + 1e-9).all() and (survey.ci_high >= 100 * high - 1e-9).all()
    assert np.allclose(survey.ci_low, 100 * low, atol=0.1) and np.allclose(survey.ci_high, 100 * high, atol=0.1)
    city = survey[survey.level == "gemeente"].set_index("period").value
    for r in survey[survey.level != "gemeente"].itertuples():
        expected = "hoger" if city[r.period] < r.ci_low else "lager" if city[r.period] > r.ci_high else ""
        assert r.significant == expected  # decided on the stored (outward-rounded) interval: it proves itself
    assert set(survey.significant) == {"", "hoger", "lager"}
    hidden = v[v.status == "suppressed"]
    assert hidden.ci_low.isna().all() and hidden.ci_high.isna().all() and (hidden.significant == "").all()
    context = v[v.indicator == "leeftijd_0_14"]
    assert context.ci_low.isna().all()  # CBS shares are no sample


def test_wilson_known_values():
    low, high = wilson(np.array([0.5, 0.0, 1.0, np.nan]), np.array([100, 10, 10, 50]))
    assert low[0] == pytest.approx(0.40383, abs=1e-5) and high[0] == pytest.approx(0.59617, abs=1e-5)
    assert low[1] == 0 and high[1] == pytest.approx(0.27753, abs=1e-5)
    assert high[2] == pytest.approx(1) and low[2] == pytest.approx(0.72247, abs=1e-5)
    assert math.isnan(low[3])


def test_a_code_that_comes_and_goes_is_reported(tmp_path):
    (tmp_path / "cijfers.csv").write_text(
        "code,indicator,year,value,n\n"
        "BU01930101,inwoners,2023,1200,\nBU01930101,inwoners,2024,1210,\n"
        "BU01930102,inwoners,2024,50,\nBU01939999,inwoners,2023,7,\n",
        encoding="utf-8",
    )
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"gemeente: GM0193\nallowed_roots: [{AREAS}]\n"
        f"areas:\n  buurt: {{path: {AREAS / 'wijkenbuurten_2023.gpkg'}, format: cbs-gpkg}}\n"
        "indicators:\n  - {path: cijfers.csv, format: long}\nprivacy: {min_count: 5}\n",
        encoding="utf-8",
    )
    manifest = build(sources, tmp_path / "out")
    series = manifest["time_series"]
    assert series["periods"]["inwoners"] == ["2023", "2024"]
    gaps = {(g["code"], tuple(g["absent"])) for g in series["examples"]}
    assert gaps == {("BU01930102", ("2023",)), ("BU01939999", ("2024",))}
    assert manifest["privacy"]["min_count"] == 5


def test_bad_privacy_section_stops_the_build(tmp_path):
    sources = tmp_path / "sources.yaml"
    sources.write_text(
        f"gemeente: GM0193\nallowed_roots: [{AREAS}]\n"
        f"areas:\n  buurt: {{path: {AREAS / 'wijkenbuurten_2023.gpkg'}, format: cbs-gpkg}}\n"
        "privacy: {min_count: nul}\n",
        encoding="utf-8",
    )
    from atlas.errors import SourcesError

    with pytest.raises(SourcesError, match=r"sources.yaml, entry 'privacy', field 'min_count'"):
        build(sources, tmp_path / "out")
    assert not (tmp_path / "out").exists()


@pytest.mark.realdata
def test_real_buurt_voor_buurt_2014_imports_exactly(tmp_path, realdata):
    """Every cell of the five mapped columns, value for value; NA stays missing."""
    columns = {
        "b_mivrij": "vrijwilligerswerk",
        "b_sceenz": "eenzaamheid",
        "b_mimant": "mantelzorg",
        "b_shecht": "verbonden_buurt",
        "b_fbetrv": "betrokken_openbare_ruimte",
    }
    from atlas.layers.registry import load_registry
    from atlas.sources.indicators import read_indicator_source
    from atlas.sources.spec import ColumnMap, IndicatorSource

    path = realdata / "zwolle_buurten_2014_zebra_buurtvoorbuurt.csv"
    source = IndicatorSource(
        entry="indicators[0]",
        path=path,
        format="wide",
        code="buurtcode",
        year_column="jaar",
        columns={c: ColumnMap(indicator=i) for c, i in columns.items()},
    )
    frame = read_indicator_source(source, load_registry())
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    assert len(frame) == 5 * 78 and set(frame.period) == {"2014"}
    got = {(r.indicator, r.code): r.value for r in frame.itertuples()}
    for column, ident in columns.items():
        for code, cell in zip(raw.buurtcode, raw[column], strict=True):
            value = got[(ident, code)]
            if cell in ("", "NA"):
                assert math.isnan(value), (ident, code)
            else:
                assert value == float(cell), (ident, code)
    assert frame.value.isna().sum() == 5 * 4


def test_peildatum_period_is_the_year(art):
    periods = set(art.values[art.values.indicator == "stapeling_personen_1"].period)
    assert periods == {str(y) for y in range(2019, 2025)}
    assert dt.date.fromisoformat(art.manifest["stapeling"][-1]["peildatum"]).year == 2024
