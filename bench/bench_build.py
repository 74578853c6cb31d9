"""The demo build against the floor of reading its inputs.

Baseline (same run, same files, warm cache): read every input the build reads — the boundaries with pyogrio and
every indicator table with pandas — and nothing else. The ratio says what validation, aggregation to every level
and the atomic artifact write cost on top of I/O. Peak memory is measured in a child process per step.
"""

from __future__ import annotations

import multiprocessing as mp
import resource
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


def _read_floor(sources: Path) -> None:
    import pandas as pd
    import pyogrio

    from atlas.sources.spec import load_sources

    spec = load_sources(sources)
    for layer in ("buurten", "wijken", "gemeenten"):
        pyogrio.read_dataframe(spec.areas.buurt.path, layer=layer)
    for source in spec.indicators:
        if source.path.suffix == ".xlsx":
            pd.read_excel(source.path, dtype=object)
        else:
            pd.read_csv(source.path, dtype=str, keep_default_na=False)


def _build(sources: Path, out: Path) -> None:
    from atlas.build.pipeline import build

    build(sources, out)


def _timed(func: Any, *args: Any, repeat: int = 5) -> float:
    func(*args)  # warm-up
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        func(*args)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def _peak_child(target: Any, *args: Any) -> float:
    """Peak RSS (MB) of a fresh process running ``target(*args)``, minus that of the imports alone."""

    def runner(queue: Any, only_imports: bool) -> None:
        import atlas.build.pipeline  # noqa: F401

        base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if not only_imports:
            target(*args)
        queue.put((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base) / 1024)

    ctx = mp.get_context("fork")
    queue = ctx.Queue()
    proc = ctx.Process(target=runner, args=(queue, False))
    proc.start()
    proc.join()
    return round(float(queue.get()), 1)


def run() -> dict[str, Any]:
    import logging

    from atlas.demo import write_demo

    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        sources = write_demo(root / "bron")
        demo_s = time.perf_counter() - start
        floor = _timed(_read_floor, sources)
        built = _timed(_build, sources, root / "build")
        peak = _peak_child(_build, sources, root / "build2")
    return {
        "demo_write_s": round(demo_s, 3),
        "read_floor_s": round(floor, 3),
        "build_s": round(built, 3),
        "build_vs_read_floor": round(built / floor, 2),
        "build_extra_peak_rss_mb": peak,
    }
