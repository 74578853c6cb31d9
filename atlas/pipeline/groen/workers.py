"""How many threads the groen computation may use."""

from __future__ import annotations

import os

MAX_DEFAULT = 4
"""Threads by default at most, however many CPUs there are: each canopy thread holds a strip buffer, and the
GDAL block cache they share is bounded, so more threads mostly add memory."""


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity where the system tells it, else all)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def thread_count(items: int, workers: int | None, min_each: int = 1) -> int:
    """Threads for ``items`` pieces of work: ``workers`` (default :func:`usable_cpus`, at most
    :data:`MAX_DEFAULT`), at most one per ``min_each`` items, at least one."""
    wanted = min(usable_cpus(), MAX_DEFAULT) if workers is None else workers
    return max(1, min(wanted, items // max(min_each, 1)))
