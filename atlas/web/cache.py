"""An in-process LRU of rendered responses, keyed by route, parsed query and artifact version.

Rendering a map or a profile takes tens to hundreds of milliseconds; serving it again takes microseconds. The key is
never the raw query string: it is the route's name, the query :mod:`atlas.web.params` parsed (known parameters only,
checked and normalised, so an unknown parameter or a smuggled ``jaar%3D2019%26niveau=wijk`` cannot make an entry of
its own or take another's place) and :func:`atlas.web.current.version`, so a new build never serves an old page.
Responses carry an ETag (the body's hash) and answer a matching If-None-Match with 304.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from flask import Flask, Response, current_app, request

from atlas.web.current import SETTINGS, version
from atlas.web.params import Query
from atlas.web.security import secure

CACHE_CONTROL = "public, max-age=300"
CACHE = "atlas_cache"

Key = tuple[str, Query, str]
"""Route (endpoint name), parsed query, artifact version."""
Q = TypeVar("Q", bound=Query)


@dataclass(frozen=True)
class Entry:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]


class LRU:
    """A thread-safe least-recently-used map with a bound on the number of entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[Key, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: Key) -> Entry | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: Key, entry: Entry) -> None:
        with self._lock:
            self._data[key] = entry
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def keys(self) -> list[Key]:
        """The keys, least recently used first."""
        with self._lock:
            return list(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()

    def __iter__(self) -> Iterator[Key]:
        """The keys, least recently used first."""
        return iter(self.keys())

    def __len__(self) -> int:
        return len(self._data)


def cache_key(query: Query) -> Key:
    """The key of the current request: its route, its parsed query and the artifact version."""
    return (request.endpoint or request.path, query, version())


def _respond(entry: Entry) -> Response:
    etag = dict(entry.headers).get("ETag", "")
    if etag and etag in request.headers.get("If-None-Match", ""):
        response = Response(status=304)
        for name, value in entry.headers:
            if name != "Content-Type":
                response.headers[name] = value
        return response
    response = Response(entry.body, status=entry.status)
    response.headers.clear()
    for name, value in entry.headers:
        response.headers[name] = value
    return response


def cached(view: Callable[[Q], Response]) -> Callable[[Q], Response]:
    """Serve the view's successful responses from the LRU of the current app, keyed by the view's query (put
    :func:`atlas.web.params.parsed` above it)."""

    @functools.wraps(view)
    def wrapper(query: Q) -> Response:
        lru: LRU = current_app.extensions[CACHE]
        key = cache_key(query)
        entry = lru.get(key)
        if entry is None:
            response = view(query)
            if response.status_code != 200 or response.direct_passthrough:
                return response
            body = response.get_data()
            response.headers["ETag"] = f'"{hashlib.sha256(body).hexdigest()[:32]}"'
            response.headers["Cache-Control"] = CACHE_CONTROL
            secure(response)
            headers = tuple((name, value) for name, value in response.headers.items() if name != "Content-Length")
            entry = Entry(body, response.status_code, headers)
            lru.put(key, entry)
        return _respond(entry)

    return wrapper


def init_app(app: Flask) -> None:
    app.extensions[CACHE] = LRU(app.extensions[SETTINGS].cache_size)
