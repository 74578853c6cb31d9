"""Warm-up at start-up (issue 12, item 9): the home page and every indicator's default map land in the page cache."""

from __future__ import annotations

from click.testing import CliRunner

from atlas.render.selection import indicators_with_data
from atlas.web import create_app, warm


def test_warm_up_fills_the_cache_with_home_and_every_default_map(demo_build):
    app = create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False})
    lru = app.extensions["atlas_cache"]
    assert len(lru) == 0
    done = warm.warm(app)
    art = app.extensions["atlas"]
    maps = [p for p in done.statuses if p.startswith("/kaart/")]
    assert next(iter(done.statuses)) == "/"
    assert set(done.statuses.values()) == {200}
    assert {p.removeprefix("/kaart/") for p in maps} <= {ind.id for ind in indicators_with_data(art)}
    assert "/kaart/inwoners" in maps and "/kaart/vrijwilligerswerk" in maps
    assert len(lru) == len(done.statuses)
    client = app.test_client()
    hits = lru.hits
    for path in ("/", "/kaart/inwoners"):
        assert client.get(path).status_code == 200
    assert lru.hits == hits + 2  # served from the cache, not rendered again
    assert art.web_level("buurt") is art.web_level("buurt")  # the parsed geometry is ready


def test_warm_up_leaves_a_quarter_of_the_cache_to_visitors(demo_build):
    app = create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False, "ATLAS_CACHE_SIZE": 8})
    done = warm.warm(app)
    assert len(done.statuses) == int(8 * warm.WARM_SHARE) == 6
    assert len(app.extensions["atlas_cache"]) == 6


def test_warm_up_runs_in_the_background_and_ends(demo_build):
    app = create_app(demo_build, {"TESTING": True, "ATLAS_TILES": False, "ATLAS_CACHE_SIZE": 4})
    thread = warm.start(app)
    assert thread.daemon
    thread.join(120)
    assert not thread.is_alive()
    assert len(app.extensions["atlas_cache"]) == 3


def test_atlas_serve_starts_the_warm_up(demo_build, monkeypatch):
    from atlas import cli
    from atlas.web import server

    started, served = [], []
    monkeypatch.setattr(warm, "start", lambda app: started.append(app))
    monkeypatch.setattr(server, "serve", lambda app, host, port, threads: served.append(app))
    result = CliRunner().invoke(cli.main, ["serve", "--build", str(demo_build), "--port", "8123"])
    assert result.exit_code == 0, result.output
    assert started and started == served
