"""The demo build against the floor of reading its inputs.

Baseline (same run, same files, warm cache): read every input file of the demo once with its plain reader —
boundaries and groen vectors with pyogrio, tables with pandas, CBS records with json, the canopy raster block by
block with rasterio — and nothing else. The ratio says what validation, aggregation to every level
and the atomic artifact write cost on top of I/O. Peak memory is measured in a child process per step.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench.measure import extra_peak_mb, timed


def _read_floor(sources: Path) -> None:
    """Read every input file of the demo once, each with its plain reader, and nothing else."""
    import json

    import numpy as np
    import pandas as pd
    import pyogrio
    import rasterio

    for path in sorted(sources.parent.iterdir()):
        suffix = path.suffix.lower()
        if suffix == ".gpkg":
            for layer in pyogrio.list_layers(path)[:, 0]:
                pyogrio.read_dataframe(path, layer=layer)
        elif suffix == ".xlsx":
            pd.read_excel(path, dtype=object)
        elif suffix == ".csv":
            pd.read_csv(path, dtype=str, keep_default_na=False, sep=None, engine="python")
        elif suffix == ".json":
            json.loads(path.read_text(encoding="utf-8"))
        elif suffix in (".tif", ".tiff"):
            with rasterio.open(path) as ds:
                for _, window in ds.block_windows(1):
                    np.count_nonzero(ds.read(1, window=window))


def _build(sources: Path, out: Path) -> None:
    from atlas.pipeline.run import build

    build(sources, out)


def _build_inputs(sources: Path, out: Path) -> tuple[Path, Path]:
    """The build's imports, done before the peak is reset: they are not what is measured."""
    import importlib

    for module in (
        "atlas.pipeline.run",
        "atlas.pipeline.groen",
        "atlas.sources.indicators",
        "geopandas",
        "pyogrio",
        "rasterio",
        "pyarrow.parquet",
        "scipy.spatial",
        "openpyxl",
    ):
        importlib.import_module(module)
    return sources, out


def run() -> dict[str, Any]:
    import logging

    from atlas.demo import write_demo

    logging.disable(logging.INFO)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        start = time.perf_counter()
        sources = write_demo(root / "bron")
        demo_s = time.perf_counter() - start
        floor, _ = timed(_read_floor, sources)
        built, _ = timed(_build, sources, root / "build")
        peak = extra_peak_mb(_build_inputs, _build, sources, root / "build2")
    return {
        "demo_write_s": round(demo_s, 3),
        "read_floor_s": round(floor, 3),
        "build_s": round(built, 3),
        "build_vs_read_floor": round(built / floor, 2),
        "build_extra_peak_rss_mb": peak,
    }
