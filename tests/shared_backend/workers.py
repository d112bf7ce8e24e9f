"""Code run in other processes (multiprocessing, spawn) by the shared-backend tests.

Each worker opens its own RedisBackend from the URL, as a process on another machine would.
"""

from __future__ import annotations

import os
import time

from patsnap_pandas.store.redis_backend import RedisBackend
from patsnap_pandas.testing import wait_until

#: One Lua call: append the Redis server's time (seconds, µs precision) to a list.
RECORD_LUA = ("local t = redis.call('TIME') "
              "redis.call('RPUSH', KEYS[1], t[1] .. '.' .. string.format('%06d', tonumber(t[2])))")


def hold_lock(url: str, key: str, hold_s: float) -> None:
    """Take the single-flight lock of ``key``, say so (``test:held`` = pid), hold it ``hold_s`` s."""
    backend = RedisBackend(url)
    with backend.single_flight().hold(key):
        backend.connection.set("test:held", os.getpid())
        time.sleep(hold_s)
        backend.connection.set("test:released-at", repr(time.time()))


def take_lock(url: str, key: str) -> None:
    """Wait for the lock of ``key``; record the server time it was got at (``test:got``)."""
    backend = RedisBackend(url)
    with backend.single_flight().hold(key):
        backend.connection.eval(RECORD_LUA, 1, "test:got")


def limited_calls(url: str, rate: float, seconds: float, skew_s: float = 0.0) -> int:
    """Wait for ``test:go``, then pass the shared limiter for ``seconds``; each start's server time goes to ``test:starts``.

    ``skew_s``: this process's wall clock is off by that many seconds (time-machine), as a
    machine with a wrong clock would be.
    """
    if skew_s:
        import time_machine

        time_machine.travel(time.time() + skew_s, tick=True).start()
    backend = RedisBackend(url)
    limiter = backend.rate_limiter(rate)
    record = backend.connection.register_script(RECORD_LUA)
    backend.connection.incr("test:ready")
    wait_until(lambda: backend.connection.exists("test:go"), timeout=300)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        limiter.wait()
        record(keys=["test:starts"])
    backend.close()
    return limiter.admitted


def search_paused(url: str, base_url: str, api_key: str, png: bytes, lease: float, cache_dir: str) -> None:
    """Search ``png`` on the shared cache with ``lease``-second leases, pausing once just before the first send.

    After its rate-limit wait, with the single-flight leases of the search and the upload held,
    the first network call (the upload: an API key needs no token) sets ``test:a-ready`` and
    waits for ``test:go`` -- the test stops this process meanwhile (SIGSTOP), so that nothing
    renews the leases. The outcome goes to ``test:a-result`` (JSON: from_cache, billed, warnings).
    """
    import json
    import warnings

    from patsnap_pandas import PatsnapClient

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        client = PatsnapClient(base_url=base_url, api_key=api_key, cache_url=url, cache_dir=cache_dir,
                               backoff_factor=0.001)
        connection = client.store.connection
        flights = client.store.single_flight(lease=lease)
        if hasattr(client._pipeline.flights, "stop"):
            flights.stop = client._pipeline.flights.stop   # interrupted with the client, as its own flights
        client._pipeline.flights = flights
        admit = client._pipeline.limiter.wait
        paused: list[bool] = []

        def admit_then_pause() -> None:
            admit()
            if not paused:
                paused.append(True)
                connection.set("test:a-ready", os.getpid())
                while not connection.exists("test:go"):
                    time.sleep(0.01)

        client._pipeline.limiter.wait = admit_then_pause  # type: ignore[method-assign]
        page = client.create_search(png, limit=5)
        billed = client.usage.billed_calls
        client.close()
    connection = RedisBackend(url).connection
    connection.set("test:a-result", json.dumps({"from_cache": page.from_cache, "billed": billed,
                                                "warnings": [str(w.message) for w in caught]}))


class KillsItsWorker(os.PathLike):
    """A catalogue image (a path) that ends the process reading it, unless that is the test's own process."""

    def __init__(self) -> None:
        self.owner = os.getpid()

    def __fspath__(self) -> str:
        if os.getpid() != self.owner:
            os._exit(1)  # a worker killed mid-task, as by the OOM killer
        return "kills-its-worker.png"


class FailsInItsWorker(os.PathLike):
    """A catalogue image (a path) whose reading raises in a worker process: the task fails, the worker lives."""

    def __init__(self) -> None:
        self.owner = os.getpid()

    def __fspath__(self) -> str:
        if os.getpid() != self.owner:
            raise RuntimeError("the shared disk went away")
        return "fails-in-its-worker.png"
