"""``atlas demo``: the synthetic data set, read back from the files it writes (no build needed)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
import yaml

from atlas.codes import LEVELS
from atlas.demo import write_demo
from atlas.demo import writer as demo_writer
from atlas.demo.geometry import TARGET_AREA_M2, outline_for_area, tessellate
from atlas.demo.groen import COMPUTED as GROEN_COMPUTED
from atlas.demo.reference import geodata_dir, load_reference
from atlas.demo.traits import YEARS
from atlas.layers.registry import Registry, load_registry
from atlas.pipeline.stapeling import active, counts_per_buurt
from atlas.sources.kwb import KWB_TABLES, read_cbsodata
from atlas.sources.registraties import read_registraties
from atlas.sources.spec import IndicatorSource, load_sources

ROOT = Path(__file__).resolve().parents[1]
GPKG = "wijkbuurtkaart_demo.gpkg"


# --- fixtures -------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Path:
    """The demo written once for this module; returns its sources file."""
    return write_demo(tmp_path_factory.mktemp("demo") / "bron", registry=registry)


@pytest.fixture(scope="module")
def reference_points() -> pd.DataFrame:
    return pd.read_csv(geodata_dir() / "zwolle" / "buurten.csv", dtype={"buurtcode": str})


@pytest.fixture(scope="module")
def buurten(demo: Path) -> gpd.GeoDataFrame:
    return gpd.read_file(demo.parent / GPKG, layer="buurten")


def _read_wide(folder: Path, entry: dict[str, Any]) -> pd.DataFrame:
    """A wide workbook entry as long rows; cells stay as openpyxl gives them (None when empty)."""
    workbook = openpyxl.load_workbook(folder / entry["path"], read_only=True)
    sheet = workbook[entry["sheet"]] if entry.get("sheet") else workbook.worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    frame = pd.DataFrame(rows[1:], columns=rows[0], dtype=object)
    parts = [
        pd.DataFrame(
            {
                "indicator": target["indicator"],
                "code": frame[entry["code"]],
                "year": frame[entry["year_column"]].astype(int),
                "value": frame[column],
                "n": frame[target["n"]],
                "file": entry["path"],
            }
        )
        for column, target in entry["columns"].items()
    ]
    return pd.concat(parts, ignore_index=True)


def _read_long(folder: Path, entry: dict[str, Any]) -> pd.DataFrame:
    """A long CSV entry with every cell as text ('' when empty)."""
    frame = pd.read_csv(folder / entry["path"], dtype=str, keep_default_na=False)
    assert list(frame.columns) == ["code", "indicator", "year", "value", "n"]
    value = frame.value.map(lambda v: None if v == "" else float(v))
    n = frame.n.map(lambda v: None if v == "" else float(v))
    return pd.DataFrame(
        {
            "indicator": frame.indicator,
            "code": frame.code,
            "year": frame.year.astype(int),
            "value": value,
            "n": n,
            "file": entry["path"],
        }
    )


@pytest.fixture(scope="module")
def entries(demo: Path) -> list[dict[str, Any]]:
    return yaml.safe_load(demo.read_text(encoding="utf-8"))["indicators"]


def _read_cbsodata(folder: Path, entry: dict[str, Any], registry: Registry) -> pd.DataFrame:
    """A cbsodata records entry, through the real importer."""
    source = IndicatorSource(
        entry="demo", path=folder / entry["path"], format="cbsodata", code="WijkenEnBuurten", table=entry["table"]
    )
    frame = read_cbsodata(source, registry)
    value = frame.value.map(lambda v: None if np.isnan(v) else v)
    return pd.DataFrame(
        {"indicator": frame.indicator, "code": frame.code, "year": frame.period.astype(int), "value": value, "n": None}
    ).assign(file=entry["path"])


def _read_registrations(folder: Path, section: dict[str, Any]) -> pd.DataFrame:
    """Support use and stapeling per buurt on every peildatum, counted from the raw registrations."""
    rows = read_registraties(folder / section["path"])
    frames = []
    for day in section["peildatum"]:
        peildatum = dt.date.fromisoformat(str(day))
        counts = counts_per_buurt(active(rows, peildatum)).rename_axis("code").reset_index()
        long = counts.melt(id_vars="code", var_name="indicator")
        frames.append(long.assign(year=peildatum.year, n=None, file=section["path"]))
    return pd.concat(frames, ignore_index=True)


@pytest.fixture(scope="module")
def values(demo: Path, entries: list[dict[str, Any]], registry: Registry) -> pd.DataFrame:
    """Every measured value cell of every indicator file: indicator, code, year, value, n, file (the forecast file,
    ``prognose: true``, has its own tests)."""
    read = {"wide": _read_wide, "long": _read_long}
    frames = [
        _read_cbsodata(demo.parent, e, registry) if e["format"] == "cbsodata" else read[e["format"]](demo.parent, e)
        for e in entries
        if not e.get("prognose")
    ]
    stapeling = yaml.safe_load(demo.read_text(encoding="utf-8"))["stapeling"]
    frames.append(_read_registrations(demo.parent, stapeling))
    return pd.concat(frames, ignore_index=True)


def _level(code: str) -> str:
    return {"BU": "buurt", "WK": "wijk", "SD": "stadsdeel", "GM": "gemeente"}[code[:2]]


# --- reproducibility and writing ------------------------------------------------------------------------------


def test_two_runs_give_identical_bytes(tmp_path: Path, demo: Path, registry: Registry) -> None:
    again = write_demo(tmp_path / "again", registry=registry).parent
    first = sorted(p.name for p in demo.parent.iterdir())
    assert first == sorted(p.name for p in again.iterdir())
    assert {"kroonbedekking_1m.tif", "bomen.gpkg", "parken.gpkg", "adressen.gpkg"} <= set(first)
    for name in first:
        assert (demo.parent / name).read_bytes() == (again / name).read_bytes(), name


def test_another_seed_gives_other_values(tmp_path: Path, demo: Path, registry: Registry) -> None:
    other = write_demo(tmp_path / "other", registry=registry, seed=7).parent
    assert (other / "cbs_kerncijfers.csv").read_bytes() != (demo.parent / "cbs_kerncijfers.csv").read_bytes()


def test_replaces_an_existing_directory_only_after_success(
    tmp_path: Path, registry: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "demo"
    out.mkdir()
    (out / "stale.txt").write_text("old")

    def broken(*args: object, **kwargs: object) -> Path:
        raise RuntimeError("boom")

    monkeypatch.setattr(demo_writer, "write_demo_files", broken)
    with pytest.raises(RuntimeError):
        write_demo(out, registry=registry)
    assert (out / "stale.txt").read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo", "demo.versions"]
    assert [p.name for p in (tmp_path / "demo.versions").iterdir()] == [".lock"], "no staging left behind"

    monkeypatch.undo()
    sources = write_demo(out, registry=registry)
    assert sources == out.absolute() / "sources.yaml" and out.is_symlink()
    assert sources.resolve() == out.resolve() / "sources.yaml"
    assert not (out / "stale.txt").exists()  # the old folder became a version, and only one is kept
    assert [p.name for p in (tmp_path / "demo.versions").iterdir() if p.name != ".lock"] == [out.resolve().name]
    assert write_demo(out, registry=registry) == sources  # again, over the link
    assert [p.name for p in (tmp_path / "demo.versions").iterdir() if p.name != ".lock"] == [out.resolve().name]


def test_copies_the_stadsdelen_table(demo: Path) -> None:
    copied = (demo.parent / "stadsdelen.csv").read_bytes()
    assert copied == (geodata_dir() / "zwolle" / "stadsdelen.csv").read_bytes()


# --- geometry ---------------------------------------------------------------------------------------------------


def test_real_buurt_and_wijk_codes(demo: Path, buurten: gpd.GeoDataFrame, reference_points: pd.DataFrame) -> None:
    assert len(buurten) == 78
    assert list(buurten.buurtcode) == list(reference_points.buurtcode)
    assert list(buurten.buurtnaam) == list(reference_points.buurtnaam)
    wijken = gpd.read_file(demo.parent / GPKG, layer="wijken")
    assert len(wijken) == 16
    assert set(wijken.wijkcode) == set(reference_points.wijkcode)
    gemeenten = gpd.read_file(demo.parent / GPKG, layer="gemeenten")
    assert list(gemeenten.gemeentecode) == ["GM0193"]


def test_total_area_is_zwolles(buurten: gpd.GeoDataFrame) -> None:
    assert buurten.area.sum() == pytest.approx(119.36e6, rel=0.005)


def test_buurten_are_valid_single_polygons_without_overlap(buurten: gpd.GeoDataFrame) -> None:
    geoms = buurten.geometry.values
    assert shapely.is_valid(geoms).all()
    assert (shapely.get_type_id(geoms) == shapely.GeometryType.POLYGON).all()
    union = shapely.union_all(geoms)
    assert abs(shapely.area(geoms).sum() - union.area) < 1.0
    assert union.geom_type == "Polygon" and shapely.get_num_interior_rings(union) == 0


def test_each_buurt_contains_its_reference_point(buurten: gpd.GeoDataFrame, reference_points: pd.DataFrame) -> None:
    points = shapely.points(reference_points.x.to_numpy(float), reference_points.y.to_numpy(float))
    assert shapely.contains(buurten.geometry.values, points).all()


def test_wijken_and_gemeente_are_dissolves_of_the_buurten(demo: Path, buurten: gpd.GeoDataFrame) -> None:
    wijken = gpd.read_file(demo.parent / GPKG, layer="wijken").set_index("wijkcode")
    for code, group in buurten.groupby("wijkcode"):
        dissolved = shapely.union_all(group.geometry.values)
        assert shapely.symmetric_difference(dissolved, wijken.geometry[code]).area < 1.0, code
    gemeente = gpd.read_file(demo.parent / GPKG, layer="gemeenten").geometry.iloc[0]
    assert abs(gemeente.area - buurten.area.sum()) < 1.0


def test_coordinates_are_on_the_millimetre_grid(buurten: gpd.GeoDataFrame) -> None:
    coords = shapely.get_coordinates(buurten.geometry.values)
    assert np.allclose(coords * 1000, np.round(coords * 1000), atol=1e-3)


def test_geopackage_looks_like_the_cbs_wijkbuurtkaart(demo: Path, buurten: gpd.GeoDataFrame) -> None:
    assert buurten.crs.to_epsg() == 28992
    for column in ("buurtcode", "buurtnaam", "wijkcode", "gemeentecode", "gemeentenaam", "water", "aantal_inwoners"):
        assert column in buurten.columns
    assert set(buurten.water) == {"NEE"}
    assert set(buurten.gemeentenaam) == {"Zwolle"}
    assert (buurten.aantal_inwoners % 5 == 0).all(), "CBS rounds counts to fives"
    assert (buurten.percentage_personen_0_tot_15_jaar == -99995).any(), "secret values use the CBS sentinel"
    assert (buurten.aantal_inwoners < 150).any()


def test_outline_bisection_hits_the_target_area(reference_points: pd.DataFrame) -> None:
    points = shapely.points(reference_points.x.to_numpy(float), reference_points.y.to_numpy(float))
    assert outline_for_area(points, 80e6).area == pytest.approx(80e6, abs=1.0)
    assert outline_for_area(points).area == pytest.approx(TARGET_AREA_M2, abs=1.0)
    with pytest.raises(ValueError, match="hull"):
        outline_for_area(points, 10e6)


def test_a_cell_cut_in_two_by_the_outline_stays_one_polygon() -> None:
    # a C-shaped outline: the cell of the bottom-right point also reaches the top-right corner
    outline = shapely.union_all([shapely.box(0, 0, 40, 10), shapely.box(0, 0, 10, 40), shapely.box(0, 30, 40, 40)])
    points = shapely.points([(38.0, 5.0), (5.0, 20.0), (5.0, 35.0)])
    cells = tessellate(points, outline)
    assert (shapely.get_type_id(cells) == shapely.GeometryType.POLYGON).all()
    assert shapely.is_valid(cells).all()
    assert shapely.contains(cells, points).all()
    assert shapely.area(cells).sum() == pytest.approx(outline.area, abs=1e-3)
    assert shapely.union_all(cells).area == pytest.approx(outline.area, abs=1e-3)


# --- sources file -----------------------------------------------------------------------------------------------


def test_sources_file_is_accepted(demo: Path, entries: list[dict[str, Any]]) -> None:
    spec = load_sources(demo)
    assert spec.demo is True
    assert (spec.gemeente, spec.naam) == ("GM0193", "Zwolle")
    assert spec.areas.buurt.format == "cbs-gpkg"
    assert spec.areas.buurt.path.name == GPKG
    assert spec.areas.stadsdelen is not None and spec.areas.stadsdelen.path.name == "stadsdelen.csv"
    assert len(spec.indicators) == len(entries)
    assert all(source.source and "synthetisch" in source.source for source in spec.indicators)
    formats = {source.format for source in spec.indicators}
    assert formats == {"wide", "long", "cbsodata"}
    assert [s.table for s in spec.indicators if s.format == "cbsodata"] == [KWB_TABLES[y] for y in YEARS]
    assert spec.stapeling is not None and spec.stapeling.path.name == "registraties.csv"
    assert spec.stapeling.peildata == tuple(dt.date(y, 1, 1) for y in YEARS)


def test_sources_file_says_it_is_synthetic(demo: Path) -> None:
    header = demo.read_text(encoding="utf-8").splitlines()[0]
    assert header.startswith("#") and "SYNTHETISCHE DEMODATA" in header


def test_buurt_voor_buurt_is_a_wide_workbook_in_the_zebra_style(demo: Path, entries: list[dict[str, Any]]) -> None:
    wide = [e for e in entries if e["format"] == "wide"]
    assert len(wide) == 1
    entry = wide[0]
    sheet = openpyxl.load_workbook(demo.parent / entry["path"], read_only=True)[entry["sheet"]]
    header = next(sheet.iter_rows(max_row=1, values_only=True))
    assert header[:4] == ("GEOITEM", "jaar", "buurtcode", "buurtnaam")
    assert entry["columns"]["b_mivrij"] == {"indicator": "vrijwilligerswerk", "n": "b_nmivrij"}
    assert entry["columns"]["b_sceenz"]["indicator"] == "eenzaamheid"
    assert all(column.startswith("b_") for column in entry["columns"])


# --- values -----------------------------------------------------------------------------------------------------


def test_every_indicator_has_values_for_every_year(registry: Registry, values: pd.DataFrame) -> None:
    present = values[values.value.notna()].groupby("indicator").year.apply(set)
    for ind in registry:
        if ind.id in GROEN_COMPUTED:  # computed by the build from the groen inputs (tests/test_groen_build.py)
            assert ind.id not in present, ind.id
            continue
        assert present.get(ind.id) == set(YEARS), ind.id


def test_values_sit_at_the_levels_the_registry_lists(registry: Registry, values: pd.DataFrame) -> None:
    levels = values.assign(level=values.code.map(_level)).groupby("indicator")["level"].apply(set)
    kwb = set(values[values.file.str.startswith("kwb_")].indicator)
    for ind in registry:
        if ind.id in GROEN_COMPUTED:
            continue
        given = levels[ind.id]
        assert given <= set(ind.levels), ind.id
        if ind.aggregate == "none":
            assert given == set(ind.levels), ind.id
        elif ind.id in kwb:
            assert given == {"buurt", "wijk", "gemeente"}, ind.id  # as CBS publishes them
        else:
            assert len(given) == 1, ind.id
        if "buurt" not in ind.levels:
            lowest = next(level for level in LEVELS if level in ind.levels)
            assert lowest in given, ind.id


def test_percentages_stay_within_0_and_100(registry: Registry, values: pd.DataFrame) -> None:
    percent = [i.id for i in registry if i.unit == "percent"]
    shares = values[values.indicator.isin(percent) & values.value.notna()].value.astype(float)
    assert len(shares) > 0
    assert shares.between(0, 100).all()


def test_counts_are_whole_numbers(registry: Registry, values: pd.DataFrame) -> None:
    counts = [i.id for i in registry if i.unit == "count"]
    given = values[values.indicator.isin(counts) & values.value.notna()].value.astype(float)
    assert len(given) > 0
    assert (given % 1 == 0).all()


def test_missing_cells_are_empty_not_zero(demo: Path, entries: list[dict[str, Any]], values: pd.DataFrame) -> None:
    assert values.value.isna().sum() > 0, "some values are missing"
    for entry in (e for e in entries if e["format"] == "long"):
        text = pd.read_csv(demo.parent / entry["path"], dtype=str, keep_default_na=False)
        assert not text.value.isin(["nan", "NaN", "NA"]).any(), entry["path"]
    survey = values[values.n.notna()]
    no_respondents = survey[survey.n.astype(float) == 0]
    assert no_respondents.value.isna().all(), "no respondents, no value (and never 0)"


def test_small_buurten_and_small_samples_exist(values: pd.DataFrame) -> None:
    inwoners = values[(values.indicator == "inwoners") & values.code.str.startswith("BU")]
    assert (inwoners.value.astype(float) < 150).any()
    bvb = values[values.file.str.endswith(".xlsx") & values.n.notna()]
    assert (bvb.n.astype(float) < 30).any()
    assert (bvb.n.astype(float) >= 30).mean() > 0.5, "most buurten have enough respondents"


def test_population_is_zwolles_and_grows_about_one_percent_a_year(values: pd.DataFrame) -> None:
    inwoners = values[(values.indicator == "inwoners") & values.code.str.startswith("BU")]
    total = inwoners.groupby("year").value.sum()
    assert total[2024] == pytest.approx(133_000, rel=0.01)
    yearly = (total[2024] / total[2019]) ** (1 / 5) - 1
    assert 0.005 < yearly < 0.02


def test_poorer_wijken_score_lower_on_income_and_health(values: pd.DataFrame) -> None:
    wijk = values[values.code.str.startswith("WK") & (values.year == 2024)]
    ggd = wijk.pivot_table(index="code", columns="indicator", values="value", aggfunc="first")
    buurt = values[values.code.str.startswith("BU") & (values.year == 2024)].copy()
    buurt["wijk"] = "WK" + buurt.code.str[2:8]
    income = buurt[buurt.indicator == "gestandaardiseerd_inkomen"].groupby("wijk").value.mean()
    health = ggd["ervaren_gezondheid"].astype(float)
    assert np.corrcoef(income.loc[health.index].astype(float), health)[0, 1] > 0.3


# --- other registries -------------------------------------------------------------------------------------------

_SMALL_REGISTRY = """
themes:
  - {id: context, title: Context}
indicators:
  - {id: inwoners, title: Inwoners, theme: context, unit: count, better: neutral, source: CBS, aggregate: sum}
  - {id: nieuwe_vraag, title: Nieuwe vraag, theme: context, unit: percent, better: higher,
     source: Buurt-voor-Buurt, aggregate: respondent_weighted_mean, suppression: survey}
  - {id: alleen_wijk, title: Alleen per wijk, theme: context, unit: percent, better: lower, source: GGD,
     aggregate: respondent_weighted_mean, levels: [wijk, stadsdeel, gemeente], suppression: survey}
  - {id: overal_gegeven, title: Overal gegeven, theme: context, unit: score, better: higher, source: Iets anders,
     aggregate: none}
  - {id: dichtheid, title: Dichtheid, theme: context, unit: per_km2, better: neutral, source: atlas,
     aggregate: none, levels: [buurt, gemeente]}
  - {id: afstand_bieb, title: Afstand bibliotheek, theme: context, unit: km, better: lower, source: CBS,
     aggregate: population_weighted_mean}
  - {id: bvb_per_wijk, title: Per wijk, theme: context, unit: percent, better: higher, source: Buurt-voor-Buurt,
     aggregate: respondent_weighted_mean, levels: [wijk, gemeente], suppression: survey}
  - {id: eigen_a, title: A, theme: context, unit: index, better: higher, source: "Gemeente Zwolle (a)",
     aggregate: population_weighted_mean}
  - {id: eigen_b, title: B, theme: context, unit: years, better: neutral, source: "Gemeente Zwolle, b",
     aggregate: population_weighted_mean}
"""


def test_a_new_registry_gets_values_for_every_indicator(tmp_path: Path) -> None:
    path = tmp_path / "layers.yaml"
    path.write_text(_SMALL_REGISTRY, encoding="utf-8")
    small = load_registry(path)
    sources = write_demo(tmp_path / "demo", registry=small)
    spec = load_sources(sources)
    document = yaml.safe_load(sources.read_text(encoding="utf-8"))
    frames = [
        _read_wide(sources.parent, e) if e["format"] == "wide" else _read_long(sources.parent, e)
        for e in document["indicators"]
    ]
    got = pd.concat(frames, ignore_index=True)
    assert len(spec.indicators) == len(document["indicators"])
    assert set(got.indicator) == set(small.indicators)
    wide = next(e for e in document["indicators"] if e["format"] == "wide")
    assert [c["indicator"] for c in wide["columns"].values()] == ["nieuwe_vraag"]
    levels = got.assign(level=got.code.map(_level)).groupby("indicator")["level"].apply(set)
    assert levels["alleen_wijk"] == {"wijk"}
    assert levels["overal_gegeven"] == {"buurt", "wijk", "stadsdeel", "gemeente"}
    assert levels["dichtheid"] == {"buurt", "gemeente"}
    density = got[got.indicator == "dichtheid"]
    gemeente = density[density.code == "GM0193"].set_index("year").value.astype(float)
    inwoners = got[got.indicator == "inwoners"].groupby("year").value.sum()
    assert gemeente[2024] == pytest.approx(inwoners[2024] / (TARGET_AREA_M2 / 1e6), rel=1e-3)
    assert got[got.indicator == "alleen_wijk"].n.notna().all()
    files = {e["path"]: e for e in document["indicators"]}
    assert len(files) == len(document["indicators"]), "every source gets its own file"
    assert {"overig_gemeente_zwolle.csv", "overig_gemeente_zwolle_2.csv", "buurtvoorbuurt_overig.csv"} <= set(files)
    assert set(got[got.file == "buurtvoorbuurt_overig.csv"].indicator) == {"bvb_per_wijk"}
    index = got[got.indicator == "eigen_a"]
    weights = got[got.indicator == "inwoners"].set_index(["code", "year"]).value.astype(float)
    city = index.assign(w=[weights[(c, y)] for c, y in zip(index.code, index.year, strict=True)])
    city = city.dropna(subset=["value"])
    mean = (city.value.astype(float) * city.w).groupby(city.year).sum() / city.w.groupby(city.year).sum()
    assert mean.between(98, 102).all(), "an index is relative to the city (= 100)"


# --- reference table --------------------------------------------------------------------------------------------


def test_reference_table_has_the_78_buurten_in_16_wijken() -> None:
    reference = load_reference()
    assert len(reference.buurten) == 78
    assert reference.buurten.wijkcode.nunique() == 16
    assert reference.buurten.buurtcode.str.match(r"^BU0193\d{4}$").all()
    assert (reference.buurten.buurtcode.str[:8] == "BU" + reference.buurten.wijkcode.str[2:]).all()
    assert reference.buurten.stadsdeelcode.notna().all()
    assert len(reference.stadsdelen) == 5


@pytest.mark.realdata
def test_reference_table_matches_the_real_boundaries(realdata: Path) -> None:
    spec = importlib.util.spec_from_file_location("make_reference", ROOT / "geodata" / "zwolle" / "make_reference.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    derived = module.reference_table(realdata / "zwolle_buurten_gemeente_rd.geojson")
    committed = pd.read_csv(geodata_dir() / "zwolle" / "buurten.csv", dtype={"buurtcode": str})
    pd.testing.assert_frame_equal(derived.reset_index(drop=True), committed, check_dtype=False)
