"""Write a whole directory atomically: build it beside the target, then swap it into place.

A failure at any point leaves an existing target exactly as it was (the build artifact, the demo inputs).
"""

from __future__ import annotations

import contextlib
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from atlas.errors import InputError


def _swap(new: Path, target: Path) -> None:
    """Put ``new`` in the place of ``target``; an existing ``target`` is removed only afterwards."""
    old = None
    if target.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old-", dir=target.parent))
        old.rmdir()
        target.rename(old)
    try:
        new.rename(target)
    except OSError:
        if old is not None:
            old.rename(target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


@contextlib.contextmanager
def atomic_directory(target: Path) -> Iterator[Path]:
    """Yield an empty staging directory next to ``target``; it replaces ``target`` only if the block succeeds."""
    target = Path(target).resolve()
    if target.exists() and not target.is_dir():
        raise InputError("exists and is not a directory", file=target)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.new-", dir=target.parent))
    try:
        staging.chmod(0o755)
        yield staging
        _swap(staging, target)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
