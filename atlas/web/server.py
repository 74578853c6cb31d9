"""How ``atlas serve`` runs the app: waitress, with settings that hold against idle and slow connections.

Waitress reads requests on one event loop and hands only complete requests to its worker threads, so an idle
or slowly trickling connection costs a socket, not a thread. What stops it by default is the number of sockets
it accepts (``connection_limit`` 100: the 101st client waits until one closes) and ``select()``, which cannot
watch more than 1 024. The options below accept many more, watch them with ``poll()``, and close a connection
that sends nothing for :data:`IDLE_SECONDS`. A connection that trickles a byte now and then is not idle; against
many of those, and against floods, put a reverse proxy in front (README, "Deployment").
"""

from __future__ import annotations

import resource
from typing import Any

IDLE_SECONDS = 30
"""Close a connection after this many seconds without a byte (waitress ``channel_timeout``; its default is 120)."""
CONNECTION_LIMIT = 2000
"""Sockets waitress keeps open at once (its default, 100, is what 99 idle connections exhaust)."""


def waitress_options(threads: int) -> dict[str, Any]:
    """The keyword arguments of ``waitress.serve`` besides the app, host and port."""
    return {
        "threads": threads,
        "connection_limit": CONNECTION_LIMIT,
        "channel_timeout": IDLE_SECONDS,
        "cleanup_interval": 5,
        "asyncore_use_poll": True,
        "backlog": 2048,
        "ident": "wijkatlas",
    }


def raise_file_limit(wanted: int = CONNECTION_LIMIT + 200) -> int:
    """Raise the soft limit of open files towards ``wanted`` (up to the hard limit); returns the limit in force."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    ceiling = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < ceiling:
        resource.setrlimit(resource.RLIMIT_NOFILE, (ceiling, hard))
        soft = ceiling
    return int(soft)


def serve(app: Any, host: str, port: int, threads: int) -> None:
    """Serve ``app`` with waitress until interrupted."""
    import waitress

    raise_file_limit()
    waitress.serve(app, host=host, port=port, **waitress_options(threads))
