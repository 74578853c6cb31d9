"""An in-process LRU of rendered responses, keyed by path, normalised query and build.

Rendering a map or a profile takes tens to hundreds of milliseconds; serving it again takes microseconds. The key
includes the SHA-256 of the artifact's manifest, so a new build never serves an old page. Responses carry an ETag
(the body's hash) and answer a matching If-None-Match with 304.
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, current_app, request

from atlas.artifact.layout import MANIFEST_FILE
from atlas.web.current import ARTIFACT, SETTINGS
from atlas.web.security import secure

CACHE_CONTROL = "public, max-age=300"


@dataclass(frozen=True)
class Entry:
    body: bytes
    status: int
    headers: tuple[tuple[str, str], ...]


class LRU:
    """A thread-safe least-recently-used map with a bound on the number of entries."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._data: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def get(self, key: str) -> Entry | None:
        with self._lock:
            entry = self._data.get(key)
            if entry is None:
                self.misses += 1
                return None
            self._data.move_to_end(key)
            self.hits += 1
            return entry

    def put(self, key: str, entry: Entry) -> None:
        with self._lock:
            self._data[key] = entry
            self._data.move_to_end(key)
            while len(self._data) > self.size:
                self._data.popitem(last=False)

    def clear(self) -> None:
        """Forget every entry (the benchmark's uncached runs use it)."""
        with self._lock:
            self._data.clear()

    def __len__(self) -> int:
        return len(self._data)


def cache_key(build_hash: str) -> str:
    query = "&".join(f"{k}={v}" for k, v in sorted(request.args.items(multi=True)))
    return f"{build_hash}|{request.path}|{query}"


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


def cached(view: Callable[..., Response]) -> Callable[..., Response]:
    """Serve the view's successful responses from the LRU of the current app."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Response:
        lru: LRU = current_app.extensions["atlas_cache"]
        key = cache_key(current_app.extensions["atlas_build_hash"])
        entry = lru.get(key)
        if entry is None:
            response = view(*args, **kwargs)
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
    manifest = app.extensions[ARTIFACT].path / MANIFEST_FILE
    app.extensions["atlas_build_hash"] = hashlib.sha256(manifest.read_bytes()).hexdigest()
    app.extensions["atlas_cache"] = LRU(app.extensions[SETTINGS].cache_size)
