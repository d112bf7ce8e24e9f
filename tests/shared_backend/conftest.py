"""Fixtures of the shared-backend tests: a real redis-server (never a fake), the backend on it.

``patsnap_redis`` (the session's server, emptied before each test) comes from the
package's pytest plugin (patsnap_pandas/testing.py). Tests that stop a server, fill it
up or set a password start one of their own with ``own_redis``.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from patsnap_pandas.store.redis_backend import RedisBackend
from patsnap_pandas.testing import RedisServer

# Processes started with multiprocessing's "spawn" import tests.shared_backend.workers by name: they get
# the parent's sys.path, which holds the repository only under `python -m pytest`, not the pytest script.
_ROOT = str(Path(__file__).resolve().parents[2])
if _ROOT not in sys.path:
    sys.path.append(_ROOT)


@pytest.fixture
def backend(patsnap_redis: str) -> Iterator[RedisBackend]:
    """A backend on the session's redis-server (emptied before the test), closed after it."""
    made = RedisBackend(patsnap_redis)
    try:
        yield made
    finally:
        made.close()


@pytest.fixture
def own_redis() -> Iterator[Callable[..., RedisServer]]:
    """``start(password=None)``: a redis-server of the test's own, stopped after it (if the test did not)."""
    servers: list[RedisServer] = []

    def start(password: str | None = None) -> RedisServer:
        server = RedisServer(password=password)
        servers.append(server)
        return server

    try:
        yield start
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def patsnap_sandbox_options() -> dict:
    """A small corpus: the sandbox starts in a moment (these tests need a few hits, not the full set)."""
    return {"corpus_size": 60}
