"""The server follows the current artifact: ``DIR`` is a symlink a build switches to a new version (atlas.atomic).

On a request, at most every ``interval`` seconds, :meth:`Follower.current` looks where ``DIR`` points now (its
real path and the identity of its ``manifest.json``: a ``stat``, no reading); when that changed it opens the new
version, whole, and serves it from then on. The request that notices pays for the opening; requests that arrive
meanwhile are served the previous version. A version that does not open (a broken copy) is logged and the
previous one kept, until the next check. A plain folder (not a symlink) is followed the same way: when its
``manifest.json`` is replaced, the folder is opened again (its files are read from the same path, so only a
versioned ``DIR`` guarantees that no request mixes versions).
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path

from atlas.artifact import Artifact
from atlas.artifact.layout import MANIFEST_FILE
from atlas.errors import ArtifactError

log = logging.getLogger(__name__)

Signature = tuple[str, int, int, int, int]


def signature(build: Path) -> Signature:
    """Where ``build`` points now: its real path and its manifest's device, inode, mtime and size."""
    real = os.path.realpath(build)
    stat = (Path(real) / MANIFEST_FILE).stat()
    return real, stat.st_dev, stat.st_ino, stat.st_mtime_ns, stat.st_size


def servable(artifact: Artifact) -> Artifact:
    """The artifact, when the web atlas can show it: every artifact :meth:`Artifact.open` opens, also one of several
    gemeenten (its pages set each area against its own gemeente, :meth:`Artifact.part`)."""
    return artifact


class Follower:
    """The current artifact of ``build``, opened again when ``build`` points to another version."""

    def __init__(
        self,
        build: Path,
        interval: float,
        *,
        on_open: Callable[[Artifact], None] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.build = Path(build).absolute()  # not resolved: the symlink is what changes
        self.interval = interval
        self._on_open = on_open
        self._listeners: list[Callable[[Artifact], object]] = []
        self._clock = clock
        self._lock = threading.Lock()
        try:
            self._seen = signature(self.build)
        except OSError:
            raise ArtifactError(f"{build} is not a build artifact (no {MANIFEST_FILE}); run 'atlas build'") from None
        self._artifact = servable(Artifact.open(self._seen[0]))
        self._checked = clock()
        if on_open is not None:
            on_open(self._artifact)

    def listen(self, callback: Callable[[Artifact], object]) -> None:
        """Call ``callback`` with every version opened from now on (after it has become the one served)."""
        self._listeners.append(callback)

    @property
    def artifact(self) -> Artifact:
        """The version served now, without looking for a new one."""
        return self._artifact

    def current(self) -> Artifact:
        """The version to serve a request that starts now (checked at most every ``interval`` seconds)."""
        now = self._clock()
        if now - self._checked >= self.interval and self._lock.acquire(blocking=False):  # one looks, others go on
            try:
                self._checked = now
                self._refresh()
            finally:
                self._lock.release()
        return self._artifact

    def _refresh(self) -> None:
        try:
            seen = signature(self.build)
            if seen == self._seen:
                return
            artifact = servable(Artifact.open(seen[0]))
        except Exception as exc:  # a broken or missing new version: keep serving the one that works
            log.warning("%s: keeps serving version %s: %s", self.build, self._artifact.version, exc)
            return
        log.info("%s: now serving version %s (was %s)", self.build, artifact.version, self._artifact.version)
        self._seen, self._artifact = seen, artifact
        if self._on_open is not None:
            self._on_open(artifact)
        for callback in self._listeners:
            callback(artifact)
