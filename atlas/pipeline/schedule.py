"""Where the parts of a build run (issue 15): one after the other in this process, or on Dask.

``process`` (the default) needs nothing more. ``dask`` runs the same function on the same tasks with
dask.distributed: on a cluster at ``address`` (``tcp://host:8786``; its workers must import this package and
read the sources' files and the staging directory at the same paths) or, without one, on a
:class:`~distributed.LocalCluster` of one single-threaded worker process per core. Results come back in the order
of the tasks, whatever order they finish in, so the artifact is the same byte for byte. A failing part stops the
build with its own error (the other parts are cancelled).
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Sequence
from typing import TypeVar

from atlas.errors import BuildError

log = logging.getLogger(__name__)

SCHEDULERS = ("process", "dask")
"""The values of ``atlas build --scheduler``."""

CONNECT_TIMEOUT = "10s"
"""How long a build waits for the Dask scheduler at ``--dask-address`` before it gives up with an error."""

T = TypeVar("T")
R = TypeVar("R")


def local_workers() -> int:
    """Worker processes of a local Dask cluster: one per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def run_tasks(
    func: Callable[[T], R],
    tasks: Sequence[T],
    scheduler: str = "process",
    *,
    address: str | None = None,
    workers: int | None = None,
    label: Callable[[T], str] = str,
) -> list[R]:
    """``[func(task) for task in tasks]``, run by ``scheduler`` (:data:`SCHEDULERS`)."""
    if scheduler not in SCHEDULERS:
        raise ValueError(f"unknown scheduler {scheduler!r}; choose one of {', '.join(SCHEDULERS)}")
    if scheduler == "process":
        out = []
        for number, task in enumerate(tasks, 1):
            log.info("part %d of %d: %s", number, len(tasks), label(task))
            out.append(func(task))
        return out
    return _on_dask(func, tasks, address=address, workers=workers or local_workers(), label=label)


def _on_dask(
    func: Callable[[T], R], tasks: Sequence[T], *, address: str | None, workers: int, label: Callable[[T], str]
) -> list[R]:
    from distributed import Client, LocalCluster, as_completed

    with contextlib.ExitStack() as stack:
        if address:
            try:
                client = stack.enter_context(Client(address, timeout=CONNECT_TIMEOUT))
            except (OSError, ValueError, TypeError) as exc:  # unreachable, or not an address
                raise BuildError(f"cannot use the Dask scheduler at {address!r}: {exc}") from None
        else:
            cluster = stack.enter_context(
                LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
            )
            client = stack.enter_context(Client(cluster))
        log.info("dask: %d parts on %s", len(tasks), client.scheduler.address if client.scheduler else address)
        keys = [f"atlas-part-{number}-{label(task)}" for number, task in enumerate(tasks)]
        futures = client.map(func, tasks, key=keys, pure=False)
        position = {future.key: number for number, future in enumerate(futures)}
        results: dict[int, R] = {}
        try:
            for done, future in enumerate(as_completed(futures), 1):
                results[position[future.key]] = future.result()
                log.info("part %d of %d done: %s", done, len(tasks), label(tasks[position[future.key]]))
        except BaseException:
            client.cancel(futures)
            raise
        return [results[number] for number in range(len(tasks))]
