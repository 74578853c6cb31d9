"""Write a whole directory as a new version and make it current with one atomic rename.

``atomic_directory(DIR)`` yields an empty staging folder; when the block succeeds, the folder becomes a version
and ``DIR`` a relative symbolic link to it::

    DIR -> DIR.versions/20250611T101530.123456Z-3f2a9c81d0e4/  the current version (DIR is the symlink)
    DIR.versions/20250610T...Z-.../                             earlier versions, the newest ``keep`` kept
    DIR.versions/.staging-<pid>-<random>/  (+ ``.lock``)        what a running build writes
    DIR.versions/.lock                                          serialises the short steps below

The steps: every file and folder of the staging folder is fsynced; the folder is renamed to its version name
(UTC time and a hash of its content) and the versions folder fsynced; a new symlink is made under a temporary
name beside ``DIR`` and ``os.replace``-d over it (one atomic rename), and ``DIR``'s folder is fsynced. A kill at
any point leaves ``DIR`` pointing to a whole version, the previous or the new one. The next build removes the
staging of builds that died (its lock, held while a build runs, is free), the leftovers of the earlier
rename-based scheme (``.DIR.new-*``, ``.DIR.old-*``) older than its own start, and versions beyond ``keep``,
except the current one and any a reader holds (:func:`hold`: ``Artifact.open`` does, so a running server keeps
the version it serves).

A real directory at ``DIR`` (the layout before versions) is moved into the versions folder as a version while
the symlink takes its place: on Linux with one ``renameat2(RENAME_EXCHANGE)``, so ``DIR`` is never missing;
where the kernel or file system cannot exchange, with a rename and a replace, so ``DIR`` is missing for the
moment between them (the old artifact is then in the versions folder and the next build repairs ``DIR``).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import hashlib
import os
import re
import secrets
import shutil
import time
import weakref
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from atlas.errors import InputError

VERSIONS_SUFFIX = ".versions"
STAGING_PREFIX = ".staging-"
REMOVING_PREFIX = ".removing-"
LOCK_SUFFIX = ".lock"
DEFAULT_KEEP = 3
"""Versions kept by default, the current one included."""
VERSION_NAME = re.compile(r"^\d{8}T\d{6}\.\d{6}Z-[0-9a-f]{12}(?:-\d+)?$")
"""UTC time to the microsecond (so names sort by age), then the start of the content's SHA-256."""
LEGACY_PREFIXES = (".new-", ".old-")
"""Temporary folders of the rename-based scheme before versions: ``.DIR.new-*`` (staging), ``.DIR.old-*``."""
_RENAME_EXCHANGE = 2


def versions_dir(target: Path) -> Path:
    """The folder that holds the versions of ``target``."""
    return target.parent / f"{target.name}{VERSIONS_SUFFIX}"


def is_version(path: Path) -> bool:
    """Whether ``path`` is a version folder made by :func:`atomic_directory`."""
    return path.parent.name.endswith(VERSIONS_SUFFIX) and VERSION_NAME.match(path.name) is not None


def _absolute(target: Path) -> Path:
    """``target`` made absolute without following ``target`` itself (it may be the symlink)."""
    target = Path(target).absolute()
    return target.parent.resolve() / target.name


def _fsync(path: Path, *, directory: bool = False) -> None:
    fd = os.open(path, os.O_RDONLY | (os.O_DIRECTORY if directory else 0))
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_tree(root: Path) -> None:
    """fsync every file and folder under ``root``, then ``root`` itself."""
    for folder, dirs, files in os.walk(root, topdown=False):
        for name in files:
            _fsync(Path(folder) / name)
        for name in dirs:
            _fsync(Path(folder) / name, directory=True)
    _fsync(root, directory=True)


def _try_lock(path: Path, mode: int) -> int | None:
    """An open descriptor of ``path`` holding a ``flock`` of ``mode``, or None when another holds a conflicting one."""
    flags = os.O_RDONLY if path.is_dir() else os.O_RDONLY | os.O_CREAT
    fd = os.open(path, flags, 0o644)
    try:
        fcntl.flock(fd, mode | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


class Hold:
    """A shared lock on a version folder: while it is held, no build removes the folder. Released when dropped."""

    def __init__(self, fd: int) -> None:
        self._finalizer = weakref.finalize(self, os.close, fd)

    def release(self) -> None:
        self._finalizer()


def hold(folder: Path) -> Hold | None:
    """Hold ``folder`` (a version a reader opened) against removal; None where it cannot be locked."""
    try:
        fd = _try_lock(folder, fcntl.LOCK_SH)
    except OSError:
        return None
    return None if fd is None else Hold(fd)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink(missing_ok=True)
    else:
        shutil.rmtree(path, ignore_errors=True)


_HASH_CHUNK = 1 << 20


def _content_hash(folder: Path, digest_file: str | None) -> str:
    digest = hashlib.sha256()
    if digest_file is not None and (folder / digest_file).is_file():
        digest.update((folder / digest_file).read_bytes())
    else:
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            digest.update(str(path.relative_to(folder)).encode() + b"\0")
            with path.open("rb") as file:  # in chunks: memory stays flat however large the files
                while chunk := file.read(_HASH_CHUNK):
                    digest.update(chunk)
            digest.update(b"\0")
    return digest.hexdigest()[:12]


def _version_name(versions: Path, folder: Path, digest_file: str | None, when: float) -> str:
    stamp = datetime.fromtimestamp(when, UTC).strftime("%Y%m%dT%H%M%S.%fZ")
    name = f"{stamp}-{_content_hash(folder, digest_file)}"
    candidate, n = name, 1
    while (versions / candidate).exists():
        n += 1
        candidate = f"{name}-{n}"
    return candidate


def _exchange(a: Path, b: Path) -> bool:
    """Swap the names ``a`` and ``b`` atomically (Linux ``renameat2``); False where that is not supported."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):
        return False
    at_fdcwd = -100
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _adopt(folder: Path, versions: Path, digest_file: str | None) -> None:
    """Move a whole artifact folder of the old layout into the versions folder, as a version of its time."""
    manifest = folder / digest_file if digest_file else folder
    when = (manifest if manifest.exists() else folder).stat().st_mtime
    folder.rename(versions / _version_name(versions, folder, digest_file, when))


def _switch(target: Path, version: Path, digest_file: str | None) -> None:
    """Make ``target`` a relative symlink to ``version``; a real directory there becomes a version itself."""
    link = target.parent / f".{target.name}.switch-{secrets.token_hex(4)}"
    link.symlink_to(version.relative_to(target.parent))
    if target.is_dir() and not target.is_symlink():
        if _exchange(link, target):  # target is now the symlink, ``link`` the old directory
            _adopt(link, version.parent, digest_file)
            return
        _adopt(target, version.parent, digest_file)  # no exchange here: target is missing until the replace
    link.replace(target)


def _clean_staging(versions: Path, started: float) -> None:
    """Remove staging of builds that died and versions half removed; the caller holds the versions lock."""
    for path in versions.iterdir():
        name = path.name
        if name.startswith(REMOVING_PREFIX):
            _remove(path)
        elif name.startswith(STAGING_PREFIX) and not name.endswith(LOCK_SUFFIX):
            lock = path.with_name(name + LOCK_SUFFIX)
            if not lock.exists():
                if path.lstat().st_mtime < started:
                    _remove(path)
                continue
            fd = _try_lock(lock, fcntl.LOCK_EX)
            if fd is not None:  # its build is gone
                _remove(path)
                lock.unlink(missing_ok=True)
                os.close(fd)
        elif name.startswith(STAGING_PREFIX) and not path.with_name(name.removesuffix(LOCK_SUFFIX)).exists():
            fd = _try_lock(path, fcntl.LOCK_EX)
            if fd is not None:
                path.unlink(missing_ok=True)
                os.close(fd)


def _clean_legacy(target: Path, versions: Path, started: float, digest_file: str | None) -> None:
    """Leftovers beside ``target`` from killed builds: staging is removed, whole old artifacts become versions."""
    for path in target.parent.iterdir():
        rest = path.name.removeprefix(f".{target.name}")
        if rest == path.name or path.lstat().st_mtime >= started:
            continue
        if rest.startswith(".new-"):
            _remove(path)
        elif rest.startswith((".old-", ".switch-")):
            if path.is_dir() and not path.is_symlink():
                _adopt(path, versions, digest_file)
            else:
                _remove(path)


def _prune(target: Path, versions: Path, keep: int) -> None:
    """Remove versions beyond the newest ``keep``, never the current one nor one a reader holds."""
    current = target.resolve()
    names = sorted((p.name for p in versions.iterdir() if VERSION_NAME.match(p.name)), reverse=True)
    for name in names[keep:]:
        path = versions / name
        if path == current:
            continue
        fd = _try_lock(path, fcntl.LOCK_EX)
        if fd is None:  # a reader holds it
            continue
        try:
            gone = path.rename(versions / f"{REMOVING_PREFIX}{name}")
        finally:
            os.close(fd)
        _remove(gone)


@contextlib.contextmanager
def atomic_directory(target: Path, *, keep: int = DEFAULT_KEEP, digest_file: str | None = None) -> Iterator[Path]:
    """Yield an empty staging folder; if the block succeeds it becomes the current version of ``target``.

    ``keep`` (at least 1) is how many versions stay, the current one included. ``digest_file`` names a file of
    the staging folder whose hash names the version (the manifest, which holds the hashes of the others); without
    it every file is hashed. A failure leaves ``target`` as it was.
    """
    if keep < 1:
        raise ValueError("keep must be at least 1")
    started = time.time()
    target = _absolute(Path(target))
    if target.exists() and not target.is_dir():
        raise InputError("exists and is not a directory", file=target)
    versions = versions_dir(target)
    versions.mkdir(parents=True, exist_ok=True)
    token = f"{STAGING_PREFIX}{os.getpid()}-{secrets.token_hex(4)}"
    staging, staging_lock = versions / token, versions / f"{token}{LOCK_SUFFIX}"
    with _locked(versions / LOCK_SUFFIX):
        _clean_staging(versions, started)
        _clean_legacy(target, versions, started, digest_file)
        alive = _try_lock(staging_lock, fcntl.LOCK_EX)
        assert alive is not None, "a new lock file is free"
        staging.mkdir(mode=0o755)
    try:
        yield staging
        fsync_tree(staging)
        version = versions / _version_name(versions, staging, digest_file, time.time())
        staging.rename(version)
        _fsync(versions, directory=True)
        with _locked(versions / LOCK_SUFFIX):
            _switch(target, version, digest_file)
            _fsync(target.parent, directory=True)
            _prune(target, versions, keep)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
        staging_lock.unlink(missing_ok=True)
        os.close(alive)
