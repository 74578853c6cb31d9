"""Warming at start-up: the home page and each indicator's default map, rendered once into the page cache.

``atlas serve`` (and ``server.py``) call :func:`start` after the app is made: a daemon thread requests the pages
through the app itself, so they land in the LRU under the same keys as a visitor's request, and the artifact's
lazily built parts (each level's parsed geometry, the indexes of the values) are ready before the first visitor needs
them. Start-up is not blocked: requests are served meanwhile and simply render what is not warm yet. At most
:data:`WARM_SHARE` of the cache is filled, home page first, then the maps in registry order, so visitors' own
pages keep room. Each new version the server follows (:mod:`atlas.web.follow`) is warmed the same way, by the
request that notices it handing the work to a new thread.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import quote

from flask import Flask

from atlas.artifact import Artifact
from atlas.render.selection import WEB_LEVELS, availability, indicators_with_data
from atlas.web.current import ARTIFACT, FOLLOWER, SETTINGS
from atlas.web.follow import Follower

WARM_SHARE = 0.75
"""The share of the page cache (``ATLAS_CACHE_SIZE``) that warm-up may fill."""

log = logging.getLogger(__name__)


@dataclass
class Warmed:
    """What a warm-up did: each path with its HTTP status, and how long it took."""

    statuses: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


def warm_paths(artifact: Artifact, limit: int) -> list[str]:
    """The home page, then the default map (``/kaart/<id>``) of every indicator that has one; at most ``limit``."""
    paths = ["/"]
    for ind in indicators_with_data(artifact):
        levels = availability(artifact, ind.id).levels()
        if any(lv in ind.levels and lv in levels and not artifact.areas.level(lv).empty for lv in WEB_LEVELS):
            paths.append(f"/kaart/{quote(ind.id, safe='')}")
    return paths[: max(limit, 0)]


def warm(app: Flask) -> Warmed:
    """Request every path of :func:`warm_paths` through ``app``; a failing page is logged, never raised."""
    limit = int(app.extensions[SETTINGS].cache_size * WARM_SHARE)
    done = Warmed()
    start = time.perf_counter()
    client = app.test_client()
    for path in warm_paths(app.extensions[ARTIFACT], limit):
        try:
            done.statuses[path] = client.get(path).status_code
        except Exception:  # a page that cannot render must not stop the others, nor the server
            log.exception("warm-up of %s failed", path)
            done.statuses[path] = 500
    done.seconds = time.perf_counter() - start
    return done


def start(app: Flask, *, follow: bool = True) -> threading.Thread:
    """Warm ``app`` in a daemon thread (start-up goes on; the thread ends when every page is rendered); with
    ``follow``, warm again each new version the server opens (:meth:`atlas.web.follow.Follower.listen`)."""
    thread = threading.Thread(target=warm, args=(app,), name="atlas-warm-up", daemon=True)
    thread.start()
    if follow:
        follower: Follower = app.extensions[FOLLOWER]

        def again(_artifact: Artifact) -> None:
            start(app, follow=False)

        follower.listen(again)
    return thread
