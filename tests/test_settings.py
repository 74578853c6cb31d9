"""Settings of the served atlas: declared once, read at start-up, documented, and a typo is an error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from atlas.cli import main
from atlas.errors import ArtifactError, SettingsError
from atlas.settings import PDOK_TILES, SETTINGS, read_settings
from atlas.web import create_app

README = Path(__file__).resolve().parents[1] / "README.md"


def test_defaults():
    settings = read_settings({})
    assert settings.build is None and settings.tiles == PDOK_TILES and settings.cache_size == 128


def test_environment_values_are_typed():
    settings = read_settings({"ATLAS_BUILD": "build/demo", "ATLAS_TILES": "0", "ATLAS_CACHE_SIZE": "16", "HOME": "/"})
    assert settings.build == Path("build/demo") and settings.tiles is None and settings.cache_size == 16


def test_reload_seconds():
    assert read_settings({}).reload_seconds == 2
    assert read_settings({"ATLAS_RELOAD_SECONDS": "0.5"}).reload_seconds == 0.5
    assert read_settings({"ATLAS_RELOAD_SECONDS": "0"}).reload_seconds == 0
    with pytest.raises(SettingsError, match=r"did you mean 'ATLAS_RELOAD_SECONDS'"):
        read_settings({"ATLAS_RELOAD_SECONDSS": "1"})


def test_overrides_win_and_may_be_typed():
    settings = read_settings({"ATLAS_TILES": "1"}, {"ATLAS_TILES": False, "ATLAS_CACHE_SIZE": "4"})
    assert settings.tiles is None and settings.cache_size == 4


def test_a_misspelled_setting_fails_with_a_hint():
    with pytest.raises(
        SettingsError, match=r"unknown environment variable ATLAS_CACHESIZE \(did you mean 'ATLAS_CACHE_SIZE'"
    ):
        read_settings({"ATLAS_CACHESIZE": "10"})
    with pytest.raises(SettingsError, match=r"unknown setting ATLAS_TILE \(did you mean 'ATLAS_TILES'"):
        read_settings({}, {"ATLAS_TILE": False})
    with pytest.raises(
        SettingsError, match=r"settings: ATLAS_BUILD, ATLAS_TILES, ATLAS_TILES_ATTRIBUTION, ATLAS_CACHE_SIZE"
    ):
        read_settings({"ATLAS_XYZZY": "1"})


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("ATLAS_TILES", "misschien"),
        ("ATLAS_CACHE_SIZE", "0"),
        ("ATLAS_CACHE_SIZE", "veel"),
        ("ATLAS_RELOAD_SECONDS", "-1"),
        ("ATLAS_RELOAD_SECONDS", "nan"),
        ("ATLAS_RELOAD_SECONDS", "twee"),
    ],
)
def test_a_bad_value_names_the_setting(name, value):
    with pytest.raises(SettingsError, match=rf"environment variable {name}='{value}'"):
        read_settings({name: value})


def test_the_app_reads_them_once_at_start_up(demo_build, monkeypatch):
    monkeypatch.setenv("ATLAS_CACHE_SIZE", "3")
    app = create_app(demo_build)
    assert app.extensions["atlas_cache"].size == 3
    monkeypatch.setenv("ATLAS_CACHE_SIZ", "3")
    with pytest.raises(SettingsError, match="did you mean 'ATLAS_CACHE_SIZE'"):
        create_app(demo_build)


def test_serving_without_an_artifact_says_how(monkeypatch):
    monkeypatch.delenv("ATLAS_BUILD", raising=False)
    result = CliRunner().invoke(main, ["serve"])
    assert result.exit_code == 1 and "pass --build DIR or set ATLAS_BUILD" in result.output


def test_serving_a_folder_without_an_artifact_says_so(tmp_path):
    with pytest.raises(ArtifactError, match=r"missing is not a build artifact \(no manifest.json\); run 'atlas build'"):
        create_app(tmp_path / "missing")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ArtifactError, match="is not a build artifact"):
        create_app(tmp_path / "empty")


def test_a_typo_stops_atlas_serve_before_it_listens(monkeypatch, demo_build):
    monkeypatch.setenv("ATLAS_TILS", "0")
    result = CliRunner().invoke(main, ["serve", "--build", str(demo_build)])
    assert result.exit_code == 1 and "ATLAS_TILS (did you mean 'ATLAS_TILES'?)" in result.output


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.name)
def test_every_setting_is_documented(setting):
    help_text = " ".join(CliRunner().invoke(main, ["serve", "--help"]).output.split())
    assert f"{setting.name}" in help_text and " ".join(setting.help.split()) in help_text
    default = f"`{setting.default}`" if setting.default is not None else "(none)"
    row = f"| `{setting.name}` | {default} | {setting.help} |"
    assert row in README.read_text(encoding="utf-8"), f"the README's settings table needs the row\n{row}"
