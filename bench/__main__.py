"""Run the benchmarks: ``python -m bench [name ...]``."""

from __future__ import annotations

import importlib
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def available() -> list[str]:
    return sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}", file=sys.stderr)
        return 2
    out = HERE / "out"
    out.mkdir(exist_ok=True)
    failed = False
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== {name} ==", flush=True)
        start = time.perf_counter()
        result = module.run()
        result["wall_s"] = round(time.perf_counter() - start, 2)
        (out / f"{name}.json").write_text(json.dumps(result, indent=2) + "\n")
        for key, value in result.items():
            print(f"  {key}: {value}")
        failed |= not result.get("targets_met", True)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
