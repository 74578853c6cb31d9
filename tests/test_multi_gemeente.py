"""More than one gemeente in a sources file (issue 15, item 1): the spec, the areas, the values and the audit."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from atlas.artifact import Artifact
from atlas.codes import gemeente_of, wijk_of
from atlas.demo import write_country
from atlas.demo.writer import GPKG_FILE, SOURCES_FILE
from atlas.errors import AreaError, SourcesError
from atlas.findings import Findings
from atlas.layers.registry import Registry, load_registry
from atlas.pipeline.privacy import suppress
from atlas.pipeline.run import build, evaluate, prepare, read_hierarchy
from atlas.sources.spec import load_sources
from atlas.sources.spec.privacy import PrivacyPolicy
from tests.test_privacy import random_table

AREAS = "areas:\n  buurt: {path: b.gpkg, format: cbs-gpkg}\n"


def _spec(tmp_path: Path, gemeente: str) -> Path:
    (tmp_path / "b.gpkg").touch()
    path = tmp_path / "sources.yaml"
    path.write_text(f"gemeente: {gemeente}\n{AREAS}", encoding="utf-8")
    return path


def test_one_code_is_a_tuple_of_one_and_the_gemeente_property(tmp_path: Path) -> None:
    spec = load_sources(_spec(tmp_path, "gm0193"))
    assert spec.gemeenten == ("GM0193",)
    assert spec.gemeente == "GM0193"
    assert not spec.multiple


def test_a_list_of_codes_keeps_its_order(tmp_path: Path) -> None:
    spec = load_sources(_spec(tmp_path, "[GM9002, gm9001, ' GM9003 ']"))
    assert spec.gemeenten == ("GM9002", "GM9001", "GM9003")
    assert spec.multiple
    with pytest.raises(SourcesError, match="lists 3"):
        _ = spec.gemeente


@pytest.mark.parametrize(
    ("given", "field", "message"),
    [
        ("[GM9001, GM900]", "gemeente[1]", "'GM900' is not a CBS gemeente code"),
        ("[]", "gemeente", "non-empty list"),
        ("[GM9001, gm9001]", "gemeente[1]", "GM9001 is listed twice"),
        ("GMX", "gemeente", "'GMX' is not a CBS gemeente code"),
        ("[GM9001, {a: 1}]", "gemeente[1]", "must be a CBS gemeente code"),
        ("[GM9001, true]", "gemeente[1]", "must be a CBS gemeente code"),
    ],
)
def test_bad_entries_name_the_file_the_field_and_the_entry(
    tmp_path: Path, given: str, field: str, message: str
) -> None:
    path = _spec(tmp_path, given)
    with pytest.raises(SourcesError, match=message) as caught:
        load_sources(path)
    text = str(caught.value)
    assert str(path) in text and f"field {field!r}" in text


# --- the audit: each gemeente on its own ---------------------------------------------------------------------------


def _renumbered(frame: pd.DataFrame, children: dict[str, list[str]], digits: str) -> tuple[pd.DataFrame, dict]:
    """A gemeente of :func:`random_table` (GM0001) given the gemeente digits ``digits``."""

    def code(c: str) -> str:
        return c[:2] + digits + c[6:]

    return frame.assign(code=frame.code.map(code)), {code(p): [code(k) for k in kids] for p, kids in children.items()}


def test_the_audit_of_a_gemeente_does_not_change_when_another_is_added(registry: Registry) -> None:
    a, a_children = random_table(np.random.default_rng(1))
    b, b_children = _renumbered(*random_table(np.random.default_rng(2)), "0002")
    policy = PrivacyPolicy()
    alone, alone_report = suppress(a, a_children, registry, policy)
    both, report = suppress(pd.concat([a, b], ignore_index=True), {**a_children, **b_children}, registry, policy)
    assert alone_report["primary"] > 0 and alone_report["secondary"] > 0  # the audit has work to do
    assert report["unprotected"] == 0 == alone_report["unprotected"]
    part = both[both.code.map(gemeente_of) == "GM0001"].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, alone.reset_index(drop=True))
    assert report["primary"] > alone_report["primary"]


# --- a build of three gemeenten of the synthetic country ------------------------------------------------------------


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def country(tmp_path_factory: pytest.TempPathFactory, registry: Registry) -> Path:
    """``atlas demo --gemeenten 3`` and a sources file of all three (``alle/sources.yaml``)."""
    out = tmp_path_factory.mktemp("land") / "land"
    write_country(out, 3, registry=registry)
    text = (out / "GM9002" / SOURCES_FILE).read_text(encoding="utf-8")
    text = text.replace("gemeente: GM9002", "gemeente: [GM9001, GM9002, GM9003]").replace("naam: ", "naam: Land van ")
    (out / "alle").mkdir()
    (out / "alle" / SOURCES_FILE).write_text(text, encoding="utf-8")
    return out


@pytest.fixture(scope="module")
def built(country: Path, registry: Registry, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("builds")
    return {name: _build(country / name / SOURCES_FILE, out / name, registry) for name in ("alle", "GM9002")}


def _build(sources: Path, out: Path, registry: Registry) -> Path:
    build(sources, out, registry=registry)
    return out


def test_every_gemeente_is_a_row_of_the_gemeente_level_dissolved_from_its_own_buurten(built: dict[str, Path]) -> None:
    art = Artifact.open(built["alle"])
    gemeente = art.areas.level("gemeente")
    assert list(gemeente.code) == ["GM9001", "GM9002", "GM9003"]
    assert set(gemeente.parent) == {""}
    buurt = art.areas.level("buurt")
    for row in gemeente.itertuples():
        own = buurt[buurt.code.map(gemeente_of) == row.code]
        assert len(own) > 0
        assert abs(shapely.union_all(own.geometry.values).area - row.geometry.area) < 1.0
    wijk = art.areas.level("wijk")
    assert (wijk.parent == wijk.code.map(gemeente_of)).all()
    assert (buurt.parent == buurt.code.map(wijk_of)).all()
    assert art.manifest["gemeenten"] == [
        {"code": code, "naam": naam} for code, naam in zip(gemeente.code, gemeente.naam, strict=True)
    ]
    assert art.manifest["gemeente"] == art.manifest["gemeenten"][0]
    assert art.manifest["naam"] == "Land van Aaldenveen"


def test_a_gemeente_built_with_others_has_the_values_of_its_build_alone(built: dict[str, Path]) -> None:
    """Values, statuses, intervals and verdicts: every area against its own gemeente, aggregated from its own parts."""
    alone = pd.read_parquet(built["GM9002"] / "values.parquet")
    together = pd.read_parquet(built["alle"] / "values.parquet")
    assert set(together.code.map(gemeente_of)) == {"GM9001", "GM9002", "GM9003"}
    part = together[together.code.map(gemeente_of) == "GM9002"].reset_index(drop=True)
    pd.testing.assert_frame_equal(part, alone.reset_index(drop=True))
    references = together[together.reference.notna()]
    gemeente = together[together.level == "gemeente"].set_index(["indicator", "period", "code"]).value
    wanted = [
        gemeente.get((i, p, gemeente_of(c)))
        for i, p, c in zip(references.indicator, references.period, references.code, strict=True)
    ]
    same = [
        w is not None and abs(r - w) < 1e-9
        for r, w, u in zip(references.reference, wanted, references.indicator, strict=True)
        if not u.endswith("_per_1000")  # the reference of a count is the count at the gemeente's rate
    ]
    assert same and all(same)


def test_the_three_gemeenten_are_audited_with_nothing_unprotected(country: Path, registry: Registry) -> None:
    _, privacy = evaluate(prepare(country / "alle" / SOURCES_FILE, registry))
    assert privacy["unprotected"] == 0
    assert privacy["earlier_unprotected"] == 0


def test_a_stadsdelen_file_groups_the_wijken_of_each_gemeente(country: Path, registry: Registry) -> None:
    wijken = pyogrio.read_dataframe(country / GPKG_FILE, layer="wijken", read_geometry=False)
    table = pd.DataFrame({"wijkcode": wijken.wijkcode, "stadsdeel": "Noord"})
    (country / "alle" / "stadsdelen.csv").write_text(table.to_csv(index=False), encoding="utf-8")
    sources = country / "alle" / "sd.yaml"
    text = (country / "alle" / SOURCES_FILE).read_text(encoding="utf-8")
    sources.write_text(
        text.replace("    format: cbs-gpkg\n", "    format: cbs-gpkg\n  stadsdelen: {path: stadsdelen.csv}\n", 1)
    )
    areas, _ = read_hierarchy(load_sources(sources), Findings())
    assert list(areas.stadsdeel.code) == ["SD900101", "SD900201", "SD900301"]
    assert list(areas.stadsdeel.parent) == ["GM9001", "GM9002", "GM9003"]
    assert (areas.wijk.parent.str[2:6] == areas.wijk.code.str[2:6]).all()
    table[table.wijkcode.map(gemeente_of) != "GM9003"].to_csv(country / "alle" / "stadsdelen.csv", index=False)
    with pytest.raises(AreaError, match="no wijken of gemeente GM9003"):
        read_hierarchy(load_sources(sources), Findings())


def test_the_web_serves_an_artifact_of_several_gemeenten_each_area_against_its_own(built: dict[str, Path]) -> None:
    """The pages set each area against the gemeente it lies in (tests/test_web_gemeenten.py has the pages); a build
    of one gemeente of the same country is served as before."""
    from atlas.web import create_app
    from atlas.web.follow import servable

    art = Artifact.open(built["alle"])
    assert servable(art) is art
    client = create_app(built["alle"], {"TESTING": True, "ATLAS_TILES": False}).test_client()
    naam = dict(art.gemeenten)["GM9002"]
    page = client.get("/gebied/WK900201").get_data(as_text=True)
    assert f"Vergeleken met {naam}</th>" in page
    client = create_app(built["GM9002"], {"TESTING": True, "ATLAS_TILES": False}).test_client()
    assert client.get("/gebied/GM9002").status_code == 200
