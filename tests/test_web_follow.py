"""The server follows the current artifact as a whole: a new build in DIR is served after the reload interval,
and everything of one request (values, pages, overlays, downloads) comes from one version."""

from __future__ import annotations

import gc
import hashlib
import json
import logging
import re
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

import atlas.web.api
import atlas.web.downloads
from atlas.atomic import atomic_directory, versions_dir
from atlas.web import create_app
from atlas.web.cache import CACHE
from atlas.web.current import ARTIFACT, FOLLOWER

RELOAD = 0.2
URLS = [
    "/api/values?indicator=inwoners&niveau=buurt&jaar=2024",
    "/api/overlays/parks",
    "/api/overlays/trees",
    "/kaart/inwoners?niveau=wijk&jaar=2024",
    "/gebied/WK019310",
    "/download/inwoners.csv?niveau=buurt&jaar=2024",
]


def _variant(source: Path, folder: Path, label: str) -> None:
    """A copy of the artifact in ``source`` with other values and overlays (and a manifest that says so)."""
    shutil.copytree(source, folder, dirs_exist_ok=True)
    values = pd.read_parquet(folder / "values.parquet")
    values["value"] = values["value"] + 1  # withheld values stay empty
    values.to_parquet(folder / "values.parquet", index=False)
    for layer in ("parks", "trees"):
        path = folder / "web" / f"overlay_{layer}.geojson"
        geo = json.loads(path.read_text(encoding="utf-8"))
        for feature in geo["features"]:
            feature["properties"]["versie"] = label
        path.write_text(json.dumps(geo), encoding="utf-8")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["files"] = {name: hashlib.sha256((folder / name).read_bytes()).hexdigest() for name in manifest["files"]}
    manifest["variant"] = label
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2), encoding="utf-8")


def _publish(target: Path, source: Path, keep: int = 3, variant: str | None = None) -> Path:
    """Write ``source`` (or a variant of it) as the new current version of ``target``, as a build does."""
    with atomic_directory(target, keep=keep, digest_file="manifest.json") as staging:
        if variant is None:
            shutil.copytree(source, staging, dirs_exist_ok=True)
        else:
            _variant(source, staging, variant)
    return target.resolve()


def _client(build: Path | str, reload: float = RELOAD):
    app = create_app(build, {"TESTING": True, "ATLAS_TILES": False, "ATLAS_RELOAD_SECONDS": reload})
    return app, app.test_client()


def _bodies(client) -> dict[str, bytes]:
    """What the server answers on every URL (Folium's random element ids made equal)."""
    out = {}
    for url in URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        out[url] = re.sub(rb"_[0-9a-f]{32}(?![0-9a-f])", b"_ID", response.get_data())
    return out


@pytest.fixture(scope="module")
def versions(demo_build, tmp_path_factory) -> dict[str, Path]:
    """The demo as version A and a variant as version B, in one DIR (B current at the end)."""
    target = tmp_path_factory.mktemp("follow") / "out"
    return {"A": _publish(target, demo_build), "B": _publish(target, demo_build, variant="B")}


@pytest.fixture(scope="module")
def expected(versions) -> dict[str, dict[str, bytes]]:
    """What a server started on each version serves."""
    return {label: _bodies(_client(folder)[1]) for label, folder in versions.items()}


def test_the_variants_differ_everywhere(expected):
    assert [url for url in URLS if expected["A"][url] == expected["B"][url]] == []


def test_a_new_build_is_served_as_a_whole_after_the_interval(tmp_path, versions, expected, demo_build):
    target = tmp_path / "out"
    _publish(target, versions["A"])
    app, client = _client(target)
    assert _bodies(client) == expected["A"]
    version_a = app.extensions[ARTIFACT].version
    follower = app.extensions[FOLLOWER]
    follower.interval = 3600  # rendering six pages may take longer than RELOAD on a busy machine
    _publish(target, versions["B"])  # B's files, as the next version
    assert _bodies(client) == expected["A"]  # within the interval: still A, and from A's folder
    follower.interval = RELOAD
    time.sleep(RELOAD * 1.5)
    assert _bodies(client) == expected["B"]
    assert app.extensions[ARTIFACT].version == target.resolve().name != version_a
    assert app.extensions[ARTIFACT].path == target.resolve()


def test_nothing_mixes_within_a_request(tmp_path, versions, expected, monkeypatch):
    """A build that becomes current in the middle of a request (and removes every other version it may) does not
    change what that request serves; the next request gets the new build."""
    target = tmp_path / "out"
    _publish(target, versions["A"])
    _, client = _client(target, reload=0)  # every request looks for a new version
    switching = []

    def switch_then(original):
        def run(*args, **kwargs):
            if switching:
                switching.clear()
                _publish(target, versions["B"], keep=1)
            return original(*args, **kwargs)

        return run

    monkeypatch.setattr(atlas.web.api, "overlay_file", switch_then(atlas.web.api.overlay_file))
    monkeypatch.setattr(atlas.web.downloads, "export", switch_then(atlas.web.downloads.export))
    for url in ("/api/overlays/parks", "/download/inwoners.csv?niveau=buurt&jaar=2024"):
        _publish(target, versions["A"])
        switching.append(True)
        assert client.get(url).get_data() == expected["A"][url], url
        assert not switching  # it did switch
        assert client.get(url).get_data() == expected["B"][url], url


def test_the_version_a_server_holds_is_kept_by_builds(tmp_path, versions):
    target = tmp_path / "out"
    first = _publish(target, versions["A"])
    app, client = _client(target, reload=3600)
    for _ in range(3):
        _publish(target, versions["B"], keep=1)
    assert first.is_dir()  # the server still serves it
    assert client.get("/api/overlays/parks").get_data() == (first / "web" / "overlay_parks.geojson").read_bytes()
    app.extensions[FOLLOWER].interval = 0
    client.get("/api/overlays/parks")  # the server follows the newest version and lets go of the first
    served = app.extensions[FOLLOWER].artifact.path
    assert served == target.resolve()
    gc.collect()
    newest = _publish(target, versions["B"], keep=1)
    assert not first.exists()  # let go of, so removed; the one served now is kept
    assert sorted(p.name for p in versions_dir(target).iterdir() if not p.name.startswith(".")) == sorted(
        [served.name, newest.name]
    )


def test_a_relative_dir_is_followed_from_any_working_directory(tmp_path, versions, expected, monkeypatch):
    _publish(tmp_path / "out", versions["A"])
    monkeypatch.chdir(tmp_path)
    _, client = _client(Path("out"))
    monkeypatch.chdir("/")
    _publish(tmp_path / "out", versions["B"])
    time.sleep(RELOAD * 1.5)
    assert _bodies(client) == expected["B"]


def test_a_plain_folder_is_served_and_followed_when_its_manifest_changes(tmp_path, versions, expected):
    plain = tmp_path / "copied"
    shutil.copytree(versions["A"], plain)  # an old build or a copied folder: not a symlink
    app, client = _client(plain)
    assert _bodies(client) == expected["A"]
    assert app.extensions[ARTIFACT].version.startswith("sha256-")
    shutil.rmtree(plain)
    shutil.copytree(versions["B"], plain)
    time.sleep(RELOAD * 1.5)
    assert _bodies(client) == expected["B"]


def test_a_version_that_does_not_open_is_not_served(tmp_path, versions, expected, caplog):
    target = tmp_path / "out"
    _publish(target, versions["A"])
    _, client = _client(target)
    with atomic_directory(target) as staging:
        (staging / "manifest.json").write_text('{"artifact_version": 0}')
    time.sleep(RELOAD * 1.5)
    with caplog.at_level(logging.WARNING, logger="atlas.web.follow"):
        assert _bodies(client) == expected["A"]
    assert "keeps serving version" in caplog.text and "artifact version 0" in caplog.text
    _publish(target, versions["B"])
    time.sleep(RELOAD * 1.5)
    assert _bodies(client) == expected["B"]


def test_cache_entries_carry_the_version(tmp_path, versions):
    target = tmp_path / "out"
    _publish(target, versions["A"])
    app, client = _client(target)
    client.get(URLS[0])
    version_a = target.resolve().name
    _publish(target, versions["B"])
    time.sleep(RELOAD * 1.5)
    client.get(URLS[0])
    keys = list(app.extensions[CACHE].keys())
    assert [version for _route, _query, version in keys] == [version_a, target.resolve().name]


def test_each_new_version_is_warmed(tmp_path, versions):
    from atlas.web import warm

    target = tmp_path / "out"
    version_a = _publish(target, versions["A"]).name
    app = create_app(
        target, {"TESTING": True, "ATLAS_TILES": False, "ATLAS_RELOAD_SECONDS": RELOAD, "ATLAS_CACHE_SIZE": 4}
    )
    warm.start(app).join(120)
    lru = app.extensions[CACHE]
    assert {version for _route, _query, version in lru} == {version_a}
    version_b = _publish(target, versions["B"]).name
    time.sleep(RELOAD * 1.5)
    app.test_client().get("/api/indicators")  # the request that notices B hands its warm-up to a thread
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(v == version_b for *_, v in lru) < 3:
        time.sleep(0.2)
    warmed = [(route, version) for route, _query, version in lru if version == version_b]
    assert ("pages.index", version_b) in warmed and len(warmed) >= 3
