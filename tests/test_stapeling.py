"""Registrations (read + validate) and stapeling, checked against a plain-Python computation."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from atlas.artifact.areas import Areas
from atlas.errors import SourcesError
from atlas.pipeline.stapeling import INDICATORS, stapeling_from_sources, stapeling_values
from atlas.sources.registraties import COLUMNS, read_registraties
from atlas.sources.spec.stapeling import parse_stapeling

BUURTEN = {"BU01930101": "WK019301", "BU01930102": "WK019301", "BU01930201": "WK019302", "BU01930202": "WK019302"}
WIJKEN = {"WK019301": "SD019301", "WK019302": "SD019301"}


def _layer(parents: dict[str, str]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"code": list(parents), "naam": list(parents), "parent": list(parents.values())},
        geometry=[None] * len(parents),
        crs=28992,
    )


@pytest.fixture(scope="module")
def areas() -> Areas:
    return Areas(
        buurt=_layer(BUURTEN),
        wijk=_layer(WIJKEN),
        stadsdeel=_layer({"SD019301": "GM0193"}),
        gemeente=_layer({"GM0193": ""}),
    )


def _write(path: Path, rows: list[dict[str, str]]) -> Path:
    pd.DataFrame(rows, columns=list(COLUMNS)).to_csv(path, index=False)
    return path


def random_rows(seed: int) -> list[dict[str, str]]:
    rng = random.Random(seed)
    rows = []
    for person in range(300):
        household = f"h{rng.randrange(120)}"
        buurt = rng.choice(list(BUURTEN))
        for regeling in rng.sample(["wmo", "jeugdhulp", "bijstand"], rng.choice([1, 1, 2, 3])):
            start = dt.date(2021, 1, 1) + dt.timedelta(days=rng.randrange(1200))
            end = "" if rng.random() < 0.5 else (start + dt.timedelta(days=rng.randrange(700))).isoformat()
            rows.append(
                {
                    "persoon_id": f"p{person:05d}",
                    "huishouden_id": household,
                    "buurtcode": buurt,
                    "regeling": regeling,
                    "begindatum": start.isoformat(),
                    "einddatum": end,
                }
            )
    return rows


def expected_counts(rows: list[dict[str, str]], peildatum: dt.date) -> dict[tuple[str, str], int]:
    """Plain loops: the independent computation (every person and household lives in one buurt here)."""
    code_at = {}
    for buurt, wijk in BUURTEN.items():
        code_at[buurt] = [buurt, wijk, WIJKEN[wijk], "GM0193"]
    persons: dict[str, set[str]] = {}
    households: dict[str, set[str]] = {}
    where: dict[str, str] = {}
    hwhere: dict[str, str] = {}
    for r in rows:
        begin = dt.date.fromisoformat(r["begindatum"])
        end = dt.date.fromisoformat(r["einddatum"]) if r["einddatum"] else None
        if begin <= peildatum and (end is None or end >= peildatum):
            persons.setdefault(r["persoon_id"], set()).add(r["regeling"])
            households.setdefault(r["huishouden_id"], set()).add(r["regeling"])
            where[r["persoon_id"]] = r["buurtcode"]
            hwhere[r["huishouden_id"]] = r["buurtcode"]
    counts: dict[tuple[str, str], int] = {}
    for buurt in BUURTEN:
        for code in code_at[buurt]:
            for ident in INDICATORS:
                counts.setdefault((ident, code), 0)
    for person, laws in persons.items():
        for code in code_at[where[person]]:
            for law in laws:
                counts[(f"gebruik_{law}", code)] += 1
            counts[(f"stapeling_personen_{len(laws)}", code)] += 1
    for household, laws in households.items():
        for code in code_at[hwhere[household]]:
            counts[(f"stapeling_huishoudens_{len(laws)}", code)] += 1
    return counts


@pytest.mark.parametrize("seed", range(5))
def test_counts_match_an_independent_computation(tmp_path, areas, seed):
    rows = random_rows(seed)
    # households live in one buurt: give every member the buurt of the household's first member
    home: dict[str, str] = {}
    for r in rows:
        r["buurtcode"] = home.setdefault(r["huishouden_id"], r["buurtcode"])
    frame = read_registraties(_write(tmp_path / "r.csv", rows))
    peildatum = dt.date(2023, 1, 1)
    values, report = stapeling_values(frame, peildatum, areas, source="test", file="r.csv")
    got = {(i, c): v for i, c, v in zip(values.indicator, values.code, values.value, strict=True)}
    assert got == expected_counts(rows, peildatum)
    assert set(values.period) == {"2023"}
    assert report["persons"] == len(
        {
            r["persoon_id"]
            for r in rows
            if r["begindatum"] <= "2023-01-01" and (not r["einddatum"] or r["einddatum"] >= "2023-01-01")
        }
    )


def test_active_on_the_peildatum_and_levels_add_up(tmp_path, areas):
    rows = [
        # running, ends on the peildatum (inclusive), starts on it, ended the day before, starts the day after
        {
            "persoon_id": "a",
            "huishouden_id": "1",
            "buurtcode": "BU01930101",
            "regeling": "wmo",
            "begindatum": "2020-01-01",
            "einddatum": "",
        },
        {
            "persoon_id": "a",
            "huishouden_id": "1",
            "buurtcode": "BU01930101",
            "regeling": "bijstand",
            "begindatum": "2020-01-01",
            "einddatum": "2024-01-01",
        },
        {
            "persoon_id": "b",
            "huishouden_id": "1",
            "buurtcode": "BU01930101",
            "regeling": "jeugdhulp",
            "begindatum": "2024-01-01",
            "einddatum": "",
        },
        {
            "persoon_id": "c",
            "huishouden_id": "2",
            "buurtcode": "BU01930201",
            "regeling": "wmo",
            "begindatum": "2020-01-01",
            "einddatum": "2023-12-31",
        },
        {
            "persoon_id": "d",
            "huishouden_id": "3",
            "buurtcode": "BU01930202",
            "regeling": "wmo",
            "begindatum": "2024-01-02",
            "einddatum": "",
        },
        # a person who moved: counted once, in the buurt of the latest registration
        {
            "persoon_id": "e",
            "huishouden_id": "4",
            "buurtcode": "BU01930102",
            "regeling": "wmo",
            "begindatum": "2019-01-01",
            "einddatum": "",
        },
        {
            "persoon_id": "e",
            "huishouden_id": "4",
            "buurtcode": "BU01930201",
            "regeling": "bijstand",
            "begindatum": "2022-01-01",
            "einddatum": "",
        },
    ]
    frame = read_registraties(_write(tmp_path / "r.csv", rows))
    values, report = stapeling_values(frame, dt.date(2024, 1, 1), areas, source="t", file="r.csv")
    v = {(i, c): x for i, c, x in zip(values.indicator, values.code, values.value, strict=True)}
    assert v[("stapeling_personen_2", "BU01930101")] == 1  # a: wmo + bijstand
    assert v[("stapeling_personen_1", "BU01930101")] == 1  # b
    assert v[("stapeling_huishoudens_3", "BU01930101")] == 1  # household 1: wmo, bijstand, jeugdhulp
    assert v[("gebruik_wmo", "BU01930201")] == 1 and v[("stapeling_personen_2", "BU01930201")] == 1  # e moved here
    assert v[("gebruik_wmo", "BU01930102")] == 0
    assert v[("gebruik_wmo", "GM0193")] == 2 and v[("stapeling_personen_2", "GM0193")] == 2
    assert report["persons_in_several_buurten"] == 1 and report["persons"] == 3
    for ident in INDICATORS:
        buurt = sum(v[(ident, b)] for b in BUURTEN)
        assert (
            buurt == v[(ident, "GM0193")] == v[(ident, "SD019301")] == v[(ident, "WK019301")] + v[(ident, "WK019302")]
        )
    # the stapeling relation holds in every area
    for code in [*BUURTEN, *WIJKEN, "SD019301", "GM0193"]:
        gebruik = sum(v[(f"gebruik_{r}", code)] for r in ("wmo", "jeugdhulp", "bijstand"))
        assert gebruik == sum(k * v[(f"stapeling_personen_{k}", code)] for k in (1, 2, 3))


GOOD = {
    "persoon_id": "a",
    "huishouden_id": "1",
    "buurtcode": "BU01930101",
    "regeling": "wmo",
    "begindatum": "2020-01-01",
    "einddatum": "",
}


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"regeling": "zorg"}, "regeling"),
        ({"buurtcode": "WK019301"}, "buurtcode"),
        ({"begindatum": "1-1-20"}, "begindatum"),
        ({"einddatum": "2019-12-31"}, "einddatum"),
        ({"persoon_id": ""}, "persoon_id"),
    ],
)
def test_errors_name_file_row_and_column(tmp_path, change, field):
    path = _write(tmp_path / "reg.csv", [GOOD, {**GOOD, "persoon_id": "geheim-id-42", **change}])
    with pytest.raises(SourcesError, match=rf"reg.csv, row 3, field '{field}'") as info:
        read_registraties(path)
    assert "geheim-id-42" not in str(info.value)


def test_missing_column(tmp_path):
    path = tmp_path / "reg.csv"
    pd.DataFrame([GOOD]).drop(columns="huishouden_id").to_csv(path, index=False)
    with pytest.raises(SourcesError, match=r"reg.csv, field 'huishouden_id': column 'huishouden_id' not found"):
        read_registraties(path)


def test_section_with_several_peildata(tmp_path, areas):
    _write(tmp_path / "reg.csv", [GOOD])
    sources = tmp_path / "sources.yaml"
    spec = parse_stapeling(sources, {"path": "reg.csv", "peildatum": [dt.date(2024, 1, 1), "2023-01-01"]})
    assert spec.peildata == (dt.date(2023, 1, 1), dt.date(2024, 1, 1))
    assert spec.path == tmp_path / "reg.csv"
    values, reports = stapeling_from_sources(
        parse_stapeling(sources, {"path": "reg.csv", "peildatum": "2024-01-01"}), areas
    )
    assert set(values.period) == {"2024"} and reports[0]["persons"] == 1
    with pytest.raises(SourcesError, match=r"entry 'stapeling', field 'peildatum'"):
        parse_stapeling(sources, {"path": "reg.csv", "peildatum": "morgen"})
    with pytest.raises(SourcesError, match=r"entry 'stapeling', field 'peildatum': two peildata in 2024"):
        parse_stapeling(sources, {"path": "reg.csv", "peildatum": ["2024-01-01", "2024-06-01"]})
    with pytest.raises(SourcesError, match=r"entry 'stapeling', field 'path'"):
        parse_stapeling(sources, {"path": "nope.csv", "peildatum": "2024-01-01"})
