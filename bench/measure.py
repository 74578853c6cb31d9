"""Timing and peak memory, measured the same way in every benchmark."""

from __future__ import annotations

import multiprocessing as mp
import resource
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def timed(
    func: Callable[..., Any], *args: Any, repeat: int = 5, fresh: Callable[[], tuple] | None = None
) -> tuple[float, Any]:
    """Seconds of the best of ``repeat`` warm runs of ``func(*args)`` (after one warm-up), and the last result.

    The best run is the one least disturbed by other work on the machine; every benchmark uses this rule.
    ``fresh``, when given, makes new inputs before every run (outside the timing); they follow ``args``.
    """

    def inputs() -> tuple:
        return args + (fresh() if fresh is not None else ())

    result = func(*inputs())
    best = float("inf")
    for _ in range(repeat):
        given = inputs()
        start = time.perf_counter()
        result = func(*given)
        best = min(best, time.perf_counter() - start)
    return best, result


def once(func: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds of one run of ``func()``, and its result (for baselines too slow to repeat)."""
    start = time.perf_counter()
    result = func()
    return time.perf_counter() - start, result


def _rss_kb(field: str) -> int:
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _child(prepare: Callable[..., tuple], work: Callable[..., Any], args: tuple, queue: Any) -> None:
    inputs = prepare(*args)
    clear = Path("/proc/self/clear_refs")
    if clear.exists():
        clear.write_text("5")  # reset the peak (VmHWM) to the current RSS
    base = _rss_kb("VmRSS") if clear.exists() else _rss_kb("VmHWM")
    work(*inputs)
    queue.put((_rss_kb("VmHWM") - base) / 1024)


def extra_peak_mb(prepare: Callable[..., tuple], work: Callable[..., Any], *args: Any) -> float:
    """Peak RSS (MB) that ``work(*prepare(*args))`` adds over what ``prepare`` left, in a fresh interpreter.

    ``prepare`` does the imports and reads the inputs; both must be module-level functions (they are sent to a
    spawned process, which inherits nothing from this one).
    """
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(prepare, work, args, queue))
    proc.start()
    value = float(queue.get())
    proc.join()
    return round(value, 1)
