"""Issue 11: a new release must not undo the secrecy of an earlier one (``privacy.audit_against``).

Release 1 is the demo's registrations (stapeling and support use) on the demo's buurten. Release 2 is the same data a
year later with two neighbouring buurten merged into one (a new code, as CBS does): buurt A, which release 1 withheld,
and buurt B, which it published. Published naively, release 2's merged buurt gives A = merged − B. The attacker of
:mod:`tests.attacker` bounds every withheld cell of the two releases together (A and B as parts of the merged buurt)
and finds such cells narrowed without ``audit_against``, and none with it.
"""

from __future__ import annotations

import dataclasses
import shutil
from collections import Counter
from pathlib import Path
from types import SimpleNamespace

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
import yaml

from atlas.artifact.reader import Artifact
from atlas.errors import SourcesError
from atlas.pipeline.audit.releases import relate
from atlas.sources.spec import load_sources
from tests.attacker import Publication, attack, exact, ground_truth, true_quantity

PERIOD = "2024-01-01"
KEY = ["indicator", "code", "period"]


def _sources(folder: Path, demo: Path, **extra: object) -> Path:
    """The demo's sources file with only the registrations, for one peildatum (and ``extra`` entries)."""
    doc = yaml.safe_load((demo / "sources.yaml").read_text(encoding="utf-8"))
    doc.pop("groen", None)
    doc["indicators"] = []
    doc["stapeling"]["peildatum"] = [PERIOD]
    doc.update(extra)
    path = folder / "sources.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    return path


@dataclasses.dataclass
class Scenario:
    first: Path
    first_sources: Path
    second_sources: Path
    a: str
    b: str
    merged: str


def _pair(first: Path, sources: Path) -> tuple[str, str]:
    """Buurt A with primary cells and a touching buurt B of the same wijk that publishes those indicators (≥ 10)."""
    art = Artifact.open(first)
    buurt = art.areas.buurt.set_index("code")
    values = art.values.set_index(["indicator", "code"])
    truth = ground_truth(sources)
    found: Counter[tuple[str, str]] = Counter()
    for row in truth[truth.primary & truth.level.eq("buurt")].itertuples():
        for code in buurt.index:
            if code == row.code or buurt.parent[code] != buurt.parent[row.code]:
                continue
            if not shapely.intersects(buurt.geometry[row.code], buurt.geometry[code]):
                continue
            other = values.loc[(row.indicator, code)]
            if other.status == "ok" and other.value >= 10:
                found[(row.code, code)] += 1
    assert found, "the demo has no buurt pair to merge"
    return found.most_common(1)[0][0]


@pytest.fixture(scope="module")
def scenario(demo_sources, tmp_path_factory) -> Scenario:
    from atlas.pipeline.run import build

    demo = demo_sources.parent
    root = tmp_path_factory.mktemp("releases")
    one = root / "bron-1"
    shutil.copytree(demo, one)
    first_sources = _sources(one, demo)
    build(first_sources, root / "release-1")
    a, b = _pair(root / "release-1", first_sources)

    # release 2: A and B merged into a new buurt of the same wijk, the registrations moved with them
    two = root / "bron-2"
    shutil.copytree(demo, two)
    gpkg = two / "wijkbuurtkaart_demo.gpkg"
    layers = {name: gpd.read_file(demo / gpkg.name, layer=name) for name in ("buurten", "wijken", "gemeenten")}
    buurten = layers["buurten"]
    merged = next(f"BU{a[2:8]}{k:02d}" for k in range(99, 0, -1) if f"BU{a[2:8]}{k:02d}" not in set(buurten.buurtcode))
    both = buurten[buurten.buurtcode.isin([a, b])]
    row = both.iloc[[0]].copy()
    row["geometry"] = [shapely.union_all(both.geometry.to_numpy())]
    row["buurtcode"], row["jrstatcode"], row["buurtnaam"] = merged, f"2024{merged}", "Samengevoegd"
    for column in ("aantal_inwoners", "mannen", "vrouwen", "aantal_huishoudens"):
        row[column] = both[column].sum()
    layers["buurten"] = pd.concat([buurten[~buurten.buurtcode.isin([a, b])], row], ignore_index=True)
    gpkg.unlink()
    for name, frame in layers.items():
        frame.to_file(gpkg, layer=name)
    registrations = pd.read_csv(two / "registraties.csv", dtype=str)
    registrations.loc[registrations.buurtcode.isin([a, b]), "buurtcode"] = merged
    registrations.to_csv(two / "registraties.csv", index=False)
    second_sources = _sources(two, demo)
    return Scenario(root / "release-1", first_sources, second_sources, a, b, merged)


def _both(s: Scenario, second: Path) -> tuple[Publication, pd.DataFrame]:
    """The two releases as one publication (A and B as parts of the merged buurt; of an area both publish, the
    published figure), and the truth of every cell."""
    one, two = Publication.open(s.first), Publication.open(second)
    shared = two.values[two.values.code != s.merged].merge(
        one.values[[*KEY, "status", "value"]], on=KEY, how="left", suffixes=("", "_1")
    )
    earlier = shared.status.eq("suppressed") & shared.status_1.eq("ok")
    shared.loc[earlier, "value"] = shared.value_1[earlier]
    shared.loc[earlier, "status"] = "ok"
    values = pd.concat(
        [
            shared.drop(columns=["status_1", "value_1"]),
            two.values[two.values.code == s.merged].assign(level="wijk"),  # a sum of two buurten, like a wijk
            one.values[one.values.code.isin([s.a, s.b])],
        ],
        ignore_index=True,
    )
    areas = two.areas.copy()
    areas.loc[areas.code == s.merged, "level"] = "wijk"
    areas = pd.concat([areas, one.areas[one.areas.code.isin([s.a, s.b])].assign(parent=s.merged)], ignore_index=True)
    t1, t2 = ground_truth(s.first_sources), ground_truth(s.second_sources)
    truth = pd.concat(
        [t2[t2.code != s.merged], t2[t2.code == s.merged].assign(level="wijk"), t1[t1.code.isin([s.a, s.b])]],
        ignore_index=True,
    )
    primary_before = set(map(tuple, t1.loc[t1.primary, KEY].to_numpy()))
    truth["primary"] = truth.primary.to_numpy() | np.array([tuple(k) in primary_before for k in truth[KEY].to_numpy()])
    return Publication(values, areas, two.specs, two.policy), truth


def _narrowed(s: Scenario, second: Path) -> pd.DataFrame:
    pub, truth = _both(s, second)
    cells = true_quantity(attack(pub), truth)
    assert cells.inside.all(), "the attacker assumes something false"
    assert len(cells) > 100
    assert not exact(cells).any()
    return cells[(cells.quantity == "count") & cells.primary & (cells.hi - cells.lo < pub.policy.protection)]


def test_a_merged_buurt_published_naively_gives_away_what_the_earlier_release_withheld(scenario, tmp_path):
    from atlas.pipeline.run import build

    build(scenario.second_sources, tmp_path / "release-2")
    narrowed = _narrowed(scenario, tmp_path / "release-2")
    assert not narrowed.empty
    assert scenario.a in set(narrowed.code)  # the buurt the earlier release withheld, found as merged − B
    # (with it, another withheld cell of the same wijk may come loose: the naive release changes its complements)
    assert {code[:8] for code in narrowed.code} == {scenario.a[:8]}


def test_audit_against_the_earlier_release_keeps_its_secrets(scenario, tmp_path):
    from atlas.pipeline.run import build

    sources = scenario.second_sources
    doc = yaml.safe_load(sources.read_text(encoding="utf-8"))
    doc["privacy"] = {"audit_against": [str(scenario.first)]}
    audited = sources.with_name("audited.yaml")
    audited.write_text(yaml.safe_dump(doc), encoding="utf-8")
    manifest = build(audited, tmp_path / "release-2")
    narrowed = _narrowed(scenario, tmp_path / "release-2")
    assert narrowed.empty, narrowed.to_string()
    first = Artifact.open(scenario.first).manifest
    assert manifest["privacy"]["audited_against"] == [first["created"]]
    assert not [c for c in manifest["checks"] if c["kind"] == "privacy"]


def test_the_same_buurten_drawn_again_are_the_same_units(scenario):
    """Boundaries redrawn with other precision (a few decimetres) do not cut buurten into pieces, and an earlier
    area reaching outside the gemeente is not related (its count holds people the current units do not)."""
    art = Artifact.open(scenario.first)
    current = art.areas
    moved = art.areas.buurt.assign(geometry=shapely.set_precision(art.areas.buurt.geometry.translate(0.2, 0.3), 0.5))
    wider = art.areas.gemeente.assign(geometry=art.areas.gemeente.buffer(500))
    earlier = dataclasses.replace(current, buurt=moved, gemeente=wider)
    fake = SimpleNamespace(areas=earlier, values=art.values, manifest=art.manifest)  # what relate reads
    releases = relate(current, [("earlier", fake)])
    assert releases.units == {code: [code] for code in current.buurt.code}
    units_of = releases.earlier[0].units_of
    assert all(units_of[code] == [code] for code in current.buurt.code)
    assert str(current.gemeente.code.iloc[0]) not in units_of
    assert sorted(units_of[str(current.wijk.code.iloc[0])]) == sorted(
        current.buurt.code[current.buurt.parent == current.wijk.code.iloc[0]]
    )


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("nergens", r"field 'audit_against': .*nergens is not an artifact of 'atlas build' \(no manifest.json\)"),
        ([3], r"field 'audit_against': must be a list of earlier artifact directories"),
        ({"a": 1}, r"field 'audit_against': must be a list of earlier artifact directories"),
    ],
)
def test_audit_against_names_artifacts(tmp_path, demo_sources, given, message):
    doc = yaml.safe_load(demo_sources.read_text(encoding="utf-8"))
    doc["privacy"] = {"audit_against": given}
    shutil.copytree(demo_sources.parent, tmp_path / "bron")
    path = tmp_path / "bron" / "sources.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    with pytest.raises(SourcesError, match=message):
        load_sources(path)


def test_revised_data_are_told_not_hidden(scenario, tmp_path):
    """When the registrations of a period were corrected after the earlier release, its figures cannot hold with the
    current ones: the build says so (the audit of that period cannot count on them) instead of failing."""
    from atlas.pipeline.run import build

    folder = tmp_path / "bron"
    shutil.copytree(scenario.first_sources.parent, folder)
    registrations = pd.read_csv(folder / "registraties.csv", dtype=str)
    busiest = registrations.buurtcode.value_counts().index[0]
    registrations[registrations.buurtcode != busiest].to_csv(folder / "registraties.csv", index=False)
    doc = yaml.safe_load(scenario.first_sources.read_text(encoding="utf-8"))
    doc["privacy"] = {"audit_against": [str(scenario.first)]}
    (folder / "sources.yaml").write_text(yaml.safe_dump(doc), encoding="utf-8")
    manifest = build(folder / "sources.yaml", tmp_path / "release-2")
    told = [c for c in manifest["checks"] if c["kind"] == "privacy"]
    assert len(told) == 1 and "cannot hold with the current data" in told[0]["message"], told
    assert "stapeling" in told[0]["message"] and "2024" in told[0]["message"]
