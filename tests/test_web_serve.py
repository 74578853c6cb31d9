"""``atlas serve`` holds against idle and trickling connections (issue 12): the server runs as the README runs it."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from atlas.web.server import CONNECTION_LIMIT, IDLE_SECONDS, raise_file_limit, waitress_options
from bench.idle import held_connections, new_request

HELD = 300
ANSWER_WITHIN = 2.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def served(demo_build):
    """``atlas serve`` in a child process, on a free port of 127.0.0.1."""
    port = _free_port()
    command = [sys.executable, "-c", "from atlas.cli import main; main()", "serve"]
    command += ["--build", str(demo_build), "--host", "127.0.0.1", "--port", str(port)]
    env = {key: value for key, value in os.environ.items() if not key.startswith("ATLAS_")}
    child = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while new_request(f"{url}/api/indicators", timeout=2)[0] != 200:
        if child.poll() is not None or time.monotonic() > deadline:
            child.kill()
            pytest.fail(f"atlas serve did not start: {child.stderr.read().decode() if child.stderr else ''}")
        time.sleep(0.3)
    yield port
    child.terminate()
    child.wait(10)


@pytest.mark.parametrize("mode", ["idle", "trickle"])
def test_a_new_request_is_answered_while_300_connections_hang(served, mode):
    # waitress's defaults (100 connections, select()) let 99 such sockets lock every new request out.
    raise_file_limit(HELD + 256)
    with held_connections("127.0.0.1", served, HELD, mode):
        status, seconds = new_request(f"http://127.0.0.1:{served}/api/indicators", timeout=10)
        again, seconds_again = new_request(f"http://127.0.0.1:{served}/kaart/inwoners", timeout=10)
    assert status == 200, f"with {HELD} {mode} connections open the new request failed ({seconds:.1f} s)"
    assert seconds < ANSWER_WITHIN
    assert again == 200 and seconds_again < ANSWER_WITHIN


def test_the_server_settings_are_the_documented_ones():
    options = waitress_options(threads=4)
    assert options["connection_limit"] == CONNECTION_LIMIT > HELD
    assert options["channel_timeout"] == IDLE_SECONDS
    assert options["asyncore_use_poll"] is True  # select() cannot watch more than 1 024 sockets
    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert f"connection limit {CONNECTION_LIMIT}" in readme and f"{IDLE_SECONDS} s" in readme
