"""Code run in other processes (multiprocessing, spawn) by the shared-backend tests.

Each worker opens its own RedisBackend from the URL, as a process on another machine would.
"""

from __future__ import annotations

import os
import time

from patsnap_pandas.redis_backend import RedisBackend
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
