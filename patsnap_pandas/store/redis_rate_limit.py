"""The rate limit shared by a team: at most ``rate`` call starts per second for everyone on one Redis.

:class:`SharedRateLimiter` is a :class:`~patsnap_pandas.store.rate_limit.RateLimiter` whose
next free start is reserved by a Lua script on the server (GCRA, on the server's clock, so
machines with skewed clocks agree). Made by
:meth:`patsnap_pandas.store.redis_backend.RedisBackend.rate_limiter`.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from .._validate import check_rate
from ..waits import Interrupted
from .rate_limit import RateLimiter

if TYPE_CHECKING:
    from .redis_backend import RedisBackend

__all__ = ["SharedRateLimiter"]

# GCRA without burst: KEYS[1] holds the next free start (µs); ARGV[1] the interval (µs).
# Returns how many µs the caller waits for the start it has just reserved.
_RATE_LUA = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local slot = math.max(now, tonumber(redis.call('GET', KEYS[1]) or '0'))
local after = slot + tonumber(ARGV[1])
redis.call('SET', KEYS[1], string.format('%d', after), 'PX', math.ceil((after - now) / 1000) + 1000)
return slot - now
"""


class SharedRateLimiter(RateLimiter):
    """At most ``rate`` call starts per second for everyone on one Redis namespace; interruptible.

    The API of :class:`~patsnap_pandas.store.rate_limit.RateLimiter`. Each :meth:`wait` reserves the next
    free start in one Lua script run by the server (GCRA: starts spaced ``1 / rate`` apart on the
    Redis server's clock, so machines with skewed clocks agree), then sleeps until it on an event
    that :meth:`interrupt` sets. ``rate`` None: unlimited, without a Redis round trip. A start
    reserved by a wait that was then interrupted stays used. A Redis failure raises
    CacheUnavailableError (before the call).

    Examples
    --------
    >>> import time
    >>> from patsnap_pandas.testing import RedisServer
    >>> from patsnap_pandas.store.redis_backend import RedisBackend
    >>> server = RedisServer()
    >>> limiter = RedisBackend(server.url).rate_limiter(20)     # 20 starts per second, for all processes
    >>> started = time.monotonic()
    >>> for _ in range(3):
    ...     limiter.wait()
    >>> time.monotonic() - started >= 0.09, limiter.admitted
    (True, 3)
    >>> limiter.interrupt()
    >>> limiter.wait()
    Traceback (most recent call last):
    ...
    patsnap_pandas.waits.Interrupted: interrupted: no new call is made
    >>> limiter.resume(); limiter.wait(); limiter.admitted
    4
    >>> server.stop()
    """

    def __init__(self, backend: RedisBackend, rate: float | None) -> None:
        check_rate(rate, "rate")
        super().__init__(rate)
        self.backend = backend

    def wait(self) -> None:
        """Wait for this call's start; raise :class:`~patsnap_pandas.waits.Interrupted` when interrupted."""
        if self._stop.is_set():
            raise Interrupted("interrupted: no new call is made")
        rate = self.rate
        if rate:
            interval_us = math.ceil(1_000_000 / rate)
            with self.backend.guard("reserving a call under the shared rate limit"):
                delay_us = int(self.backend.script(_RATE_LUA)(keys=[self.backend.key("rate")], args=[interval_us]))
            if delay_us > 0:
                self.sleep(delay_us / 1_000_000)
        if self._stop.is_set():
            raise Interrupted("interrupted: no new call is made")
        with self._lock:
            self.admitted += 1

    def __repr__(self) -> str:
        return f"SharedRateLimiter(url={self.backend.shown_url!r}, rate={self.rate!r}, admitted={self.admitted})"
