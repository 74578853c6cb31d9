"""A child process for the kill tests: copy an artifact into ``atomic_directory(TARGET)``, SIGKILLed at step K.

``python tests/atomic_child.py TARGET SOURCE K [KEEP]``: every call of a file-system step (the copy as a whole, fsync, mkdir,
rename, replace, symlink, exchange, unlink, rmtree) counts as a step; at step ``K`` the process kills itself
with SIGKILL before the step runs (so no ``finally`` block, no atexit handler runs: a real kill). ``K`` 0 never
kills; then the number of steps is printed, for the test to know how many kill points there are.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import atlas.atomic

STEPS = 0


def _counted(owner: Any, name: str, kill_at: int) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    def step(*args: Any, **kwargs: Any) -> Any:
        global STEPS
        STEPS += 1
        if kill_at == STEPS:
            os.kill(os.getpid(), signal.SIGKILL)
        return original(*args, **kwargs)

    setattr(owner, name, step)


def main() -> None:
    target, source, kill_at = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
    keep = int(sys.argv[4]) if len(sys.argv) > 4 else atlas.atomic.DEFAULT_KEEP
    for owner, name in [
        (shutil, "copytree"),
        (shutil, "rmtree"),
        (os, "fsync"),
        (Path, "mkdir"),
        (Path, "rename"),
        (Path, "replace"),
        (Path, "symlink_to"),
        (Path, "unlink"),
        (atlas.atomic, "_exchange"),
    ]:
        _counted(owner, name, kill_at)
    with atlas.atomic.atomic_directory(target, keep=keep, digest_file="manifest.json") as staging:
        shutil.copytree(source, staging, dirs_exist_ok=True)
    print(STEPS)


if __name__ == "__main__":
    main()
