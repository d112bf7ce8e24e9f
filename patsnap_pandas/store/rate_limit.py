"""The client's own rate limit: at most ``rate`` call starts per second across its threads.

A team's shared limit (:class:`~patsnap_pandas.store.redis_rate_limit.SharedRateLimiter`) has
the same API. A client waits on it in the ``RateLimit`` step of its calls
(:mod:`patsnap_pandas.api.pipeline`), after the cache was asked: it only ever sees real
network calls, so cache hits never wait.
"""

from __future__ import annotations

import threading
import time

from ..waits import Interrupted, pause

__all__ = ['RateLimiter']


class RateLimiter:
    """At most ``rate`` call starts per second across threads (None: unlimited); interruptible.

    Waits are waits on an event, so :meth:`interrupt` wakes every waiting thread at once
    (each raises :class:`Interrupted` instead of making its call) -- Ctrl-C during a
    rate-limited batch stops it within a second. :meth:`resume` lets calls through again.
    They wait in slices of :data:`WAIT_SLICE_S` (:func:`pause`), so a main thread waiting
    here also sees an interrupt that wakes nothing (``_thread.interrupt_main()``).

    Examples
    --------
    >>> import time
    >>> limiter = RateLimiter(20)              # 20 calls per second: one every 50 ms
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
    """

    def __init__(self, rate: float | None) -> None:
        self.rate = rate
        self.admitted = 0  # network call starts that passed through (cache hits never do)
        self._lock = threading.Lock()
        self._next = 0.0
        self._stop = threading.Event()

    def wait(self) -> None:
        """Wait for this call's slot; raise :class:`Interrupted` when interrupted before or meanwhile."""
        if self._stop.is_set():
            raise Interrupted("interrupted: no new call is made")
        with self._lock:
            now = time.monotonic()
            slot = max(now, self._next) if self.rate else now
            if self.rate:
                self._next = slot + 1.0 / self.rate
        if slot > now:
            self.sleep(slot - now)
        if self._stop.is_set():
            raise Interrupted("interrupted: no new call is made")
        with self._lock:
            self.admitted += 1

    def sleep(self, seconds: float) -> None:
        """Pause ``seconds`` (a retry's backoff), or until interrupted (then raise :class:`Interrupted`)."""
        if pause(seconds, self._stop):
            raise Interrupted("interrupted: no new call is made")

    def interrupt(self) -> None:
        """Wake every waiting thread; until :meth:`resume`, every wait raises :class:`Interrupted`."""
        self._stop.set()

    def resume(self) -> None:
        """Let calls through again (after an interrupted batch has stopped)."""
        with self._lock:
            self._next = 0.0
        self._stop.clear()

    @property
    def interrupted(self) -> bool:
        return self._stop.is_set()

    @property
    def stop_event(self) -> threading.Event:
        """The event :meth:`interrupt` sets: other waits of the client (its locks) stop on it too."""
        return self._stop
