"""Benchmarks: each ``bench_<name>.py`` has ``run() -> dict`` and reports ratios against a baseline of the same run.

Run all with ``make bench`` (``python -m bench``) or one with ``python -m bench build``. Results are printed and
written to ``bench/out/<name>.json``.
"""
