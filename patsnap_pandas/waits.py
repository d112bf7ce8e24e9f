"""Waits that an interrupt can stop: every wait of the package sleeps in short slices.

``_thread.interrupt_main()`` (how Jupyter interrupts on Windows) only sets a flag that the
main thread checks between bytecodes, never while it sleeps or blocks: :func:`pause` sleeps
in slices of :data:`WAIT_SLICE_S`, so such an interrupt is seen within a slice, and stops at
once when its ``stop`` event is set. :class:`Interrupted` is what a waiter raises when the
client was interrupted (a batch stopping on Ctrl-C).
"""

from __future__ import annotations

import threading
import time

__all__ = ['WAIT_SLICE_S', 'pause', 'Interrupted']


#: The longest single sleep of any wait (rate limit, retry pause, lock): a ``KeyboardInterrupt`` that
#: ``_thread.interrupt_main()`` raises (how Jupyter interrupts on Windows) is seen between two sleeps,
#: since it only sets a flag the main thread checks between bytecodes, never while it sleeps or blocks.
WAIT_SLICE_S = 0.1


def pause(seconds: float, stop: threading.Event | None = None) -> bool:
    """Wait ``seconds`` in slices of at most :data:`WAIT_SLICE_S`; True as soon as ``stop`` is set.

    Every wait of the package goes through here (or sleeps as briefly), so that an interrupt
    of the main thread, even one that does not wake a blocked call (``_thread.interrupt_main()``,
    Jupyter's interrupt on Windows), is seen within a slice.

    Examples
    --------
    >>> import threading
    >>> pause(0.05)
    False
    >>> stop = threading.Event(); stop.set()
    >>> pause(3600, stop)                # returns at once
    True
    """
    deadline = time.monotonic() + seconds
    while True:
        if stop is not None and stop.is_set():
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        if stop is None:
            time.sleep(min(left, WAIT_SLICE_S))
        elif stop.wait(min(left, WAIT_SLICE_S)):
            return True


class Interrupted(Exception):
    """Raised in a worker waiting for the rate limiter, a retry pause or a lock after :meth:`~patsnap_pandas.store.rate_limit.RateLimiter.interrupt`.

    No call is made after it: the batch that interrupted the client is stopping.

    Examples
    --------
    >>> from patsnap_pandas.store.rate_limit import RateLimiter
    >>> limiter = RateLimiter(None)
    >>> limiter.interrupt()
    >>> try:
    ...     limiter.sleep(5)             # returns at once instead of sleeping 5 s
    ... except Interrupted as stop:
    ...     print(stop)
    interrupted: no new call is made
    """
