"""Single flight across processes and machines: one Redis lease per identical upload or search.

:class:`RedisSingleFlight` is a :class:`~patsnap_pandas.store.locks.SingleFlight` whose holder
takes a Redis lease (``SET NX PX`` with a random token), renewed while held and released only
by its owner; its token is compared before each billed call (fencing), so a holder paused
past its lease takes the lock again instead of paying twice. Made by
:meth:`patsnap_pandas.store.redis_backend.RedisBackend.single_flight`.
"""

from __future__ import annotations

import secrets as _secrets
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .._validate import check_number
from ..errors import CacheError, CacheWarning
from . import locks

if TYPE_CHECKING:
    from .redis_backend import RedisBackend

__all__ = ["LOCK_LEASE_S", "RedisSingleFlight"]

#: Seconds a single-flight lease lives unless renewed; it is renewed every fifth of that while held,
#: so the lock of a crashed (SIGKILLed, unplugged) holder is free again within this time.
LOCK_LEASE_S = 5.0
LOCK_POLL_S = locks.LOCK_POLL_S  # one pace for a busy lock, local or shared


class RedisSingleFlight(locks.SingleFlight):
    """Single flight for every process and machine on one Redis namespace: :meth:`hold` as SingleFlight's.

    Threads of one process first meet on a thread lock (as in SingleFlight); then the holder
    takes a Redis lease (redis-py's ``Lock``: ``SET NX PX`` with a random token, released by
    a token-checking Lua script, so only its owner releases it). The lease lasts ``lease``
    seconds and is renewed every fifth of that while held, so the lock of a holder that died
    is free again within ``lease`` seconds. Waiting longer than
    :data:`~patsnap_pandas.store.locks.LOCK_TIMEOUT_S` raises :class:`~patsnap_pandas.errors.CacheError`.

    A holder paused longer than its lease (a stopped process, a suspended laptop: nothing
    renews it meanwhile) loses the lease to whoever asks next. :meth:`check_held`, which the
    client calls just before each billed call, compares the lease's token in Redis with its
    own and raises :class:`~patsnap_pandas.store.locks.LeaseLost` when it differs; the client then
    takes the lock again and asks the cache again instead of paying a second time.

    Examples
    --------
    >>> from patsnap_pandas.testing import RedisServer
    >>> from patsnap_pandas.store.redis_backend import RedisBackend
    >>> server = RedisServer()
    >>> backend = RedisBackend(server.url)
    >>> flights = backend.single_flight()
    >>> with flights.hold(locks.flight_key("upload", "abc")):
    ...     flights.check_held()            # the lease is ours: the one upload of these bytes happens here
    >>> backend.connection.exists(backend.key("lock", locks.flight_key("upload", "abc")))   # released
    0

    A lease that ran out and was taken by another process is found before the call is sent:

    >>> with flights.hold("k"):
    ...     _ = backend.connection.set(backend.key("lock", "k"), "another-process", px=5000)
    ...     flights.check_held()
    Traceback (most recent call last):
    ...
    patsnap_pandas.store.locks.LeaseLost: The cache file redis://127.0.0.1:.../0 (lock patsnap:lock:k) was lost ...
    >>> backend.close(); server.stop()
    """

    def __init__(self, backend: RedisBackend, lease: float = LOCK_LEASE_S) -> None:
        super().__init__(None)
        self.lease = check_number(lease, "lease", minimum=0.1, maximum=3600, what="a number of seconds")
        self.backend = backend

    def _where(self, key: str) -> str:
        return f"{self.backend.shown_url} (lock {self.backend.key('lock', key)})"

    @contextmanager
    def _shared_lock(self, key: str) -> Iterator[Any]:
        backend = self.backend
        lock = backend.connection.lock(backend.key("lock", key), timeout=self.lease, sleep=LOCK_POLL_S,
                                       blocking=False, thread_local=False)
        token = _secrets.token_hex(16)

        def attempt() -> bool:
            with backend.guard("taking a lock"):
                return bool(lock.acquire(token=token))

        self.wait_for(attempt, LOCK_POLL_S, lambda: CacheError(
            self._where(key), f"is held by another process for more than {locks.LOCK_TIMEOUT_S:g} s "
            "(it is making the same upload or search)", fix=_BUSY_FIX))
        stop = threading.Event()
        lost: list[str] = []
        renewer = threading.Thread(target=self._renew, args=(lock, key, stop, lost), daemon=True,
                                   name=f"patsnap-lease-{key[:8]}")
        renewer.start()
        fenced = False
        try:
            yield lock
        except locks.LeaseLost as exc:
            fenced = key in exc.keys
            raise
        finally:
            stop.set()
            renewer.join()
            # A loss the fence found before a billed call was sent cost nothing twice, and the
            # caller takes the lock again: nothing to warn about.
            self._release(lock, key, lost, quiet=fenced)

    def _still_ours(self, handle: Any) -> bool:
        if handle is None:
            return True
        with self.backend.guard("checking a lock"):
            return bool(handle.owned())

    def _renew(self, lock: Any, key: str, stop: threading.Event, lost: list[str]) -> None:
        while not stop.wait(self.lease / 5):
            try:
                lock.reacquire()
            except self.backend._not_owned:
                lost.append(self._why_lost(key))
                return
            except self.backend._errors:
                continue  # transient: try again; the lease runs out by itself if the server stays away

    def _why_lost(self, key: str) -> str:
        """What took a held lock away, as far as the server can tell: a restart, a flush, or a lease run out."""
        backend = self.backend
        try:
            holder = backend.connection.get(backend.key("lock", key))
        except backend._errors as exc:
            return f"it was lost while held, and the server cannot be asked why ({backend.describe(exc)})"
        if backend.restarted():
            return ("the Redis server restarted while it was held; without persistence it lost its data: cached "
                    "answers, remembered uploads and the counts of billed calls")
        if holder is None:
            return (f"its key vanished while it was held: the shared cache was flushed or evicted it, or the lease "
                    f"ran out (this process stalled for more than {self.lease:g} s)")
        return f"the lease ran out (this process stalled for more than {self.lease:g} s) and another process took it"

    def _release(self, lock: Any, key: str, lost: list[str], *, quiet: bool = False) -> None:
        """Release the lease; warn when it was lost while held (unless ``quiet``: the fence found the loss
        before a billed call was sent) or could not be released."""
        # Never raise here: the block's result (an answer already paid for) must reach the caller.
        problems = [] if quiet else list(lost)
        try:
            lock.release()
        except self.backend._not_owned:
            if not quiet and not problems:
                problems.append(self._why_lost(key))
        except self.backend._errors as exc:
            problems.append(f"it could not be released ({self.backend.describe(exc)}); it frees itself "
                            f"within {self.lease:g} s")
        if problems:
            warnings.warn(CacheWarning(f"The lock {self._where(key)}: {'; '.join(problems)}. An identical upload or "
                                       "search in another process may have been billed as well."), stacklevel=4)


_BUSY_FIX = ("Wait for the other search to finish, or stop the process holding it; a process that died "
             f"frees its lock within {LOCK_LEASE_S:g} s.")
