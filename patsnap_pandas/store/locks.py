"""Single flight: an identical upload or search runs once, across threads and processes.

Two callers that would make the same billed call at the same time (the same image
bytes, the same search parameters) take the same lock: the first makes the call and
stores the answer (upload memo, HTTP cache); the others wait, then find the answer
stored and reuse it. Threads of one process wait on a thread lock; processes sharing
a cache folder wait on a file lock (``filelock``) in ``<cache folder>/locks/``.

A lock that stays busy longer than :data:`LOCK_TIMEOUT_S` ends in a
:class:`~patsnap_pandas.errors.CacheError` naming the lock file, before any billed call.
Every wait for a lock is made in short slices: it stops at once on the client's interrupt
(:class:`~patsnap_pandas.waits.Interrupted`, what a batch does on Ctrl-C) and lets the main
thread see a ``KeyboardInterrupt`` that wakes nothing (``_thread.interrupt_main()``).

Fencing: a lock that can be lost while held (a Redis lease, which runs out when its holder
is paused longer than the lease) is checked by :meth:`SingleFlight.check_held` just before
each billed call is sent; a lost one raises :class:`LeaseLost`, and the client takes the lock
again and asks the cache again before it sends anything (``client.py``: ``_fenced``).
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from ..errors import CacheError, CacheWarning
from ..waits import WAIT_SLICE_S, Interrupted, pause
from .files import LOCKS_DIR, WriteWarner

__all__ = ["SingleFlight", "LeaseLost", "LOCK_TIMEOUT_S", "flight_key"]

#: Seconds a caller waits for an identical call in flight elsewhere before giving up.
LOCK_TIMEOUT_S = 300.0
#: Seconds between two tries of a lock held by another process.
LOCK_POLL_S = 0.02


class LeaseLost(CacheError):
    """A lock this thread holds stopped being its own before a billed call was sent (the call was not sent).

    Its holder was paused (stopped, suspended, a long garbage collection) longer than the
    lease, and another process may have taken the lock and made the call meanwhile. The
    client takes the lock again and asks the cache again; this error reaches a caller only
    when that keeps happening. ``keys`` are the lost locks' keys.

    Examples
    --------
    >>> err = LeaseLost(["k1"], "redis://127.0.0.1:6379/0 (lock patsnap:lock:k1)")
    >>> err.keys, isinstance(err, CacheError)
    (('k1',), True)
    >>> print(err)
    The cache file redis://127.0.0.1:6379/0 (lock patsnap:lock:k1) was lost ... no billed call was sent. ...
    """

    def __init__(self, keys: Sequence[str], where: str) -> None:
        self.keys = tuple(keys)
        super().__init__(where, "was lost while this process was paused for longer than its lease, and "
                         "another process may have taken it; no billed call was sent",
                         fix="Run the same search again: what another process paid for meanwhile comes "
                             "from the cache at no cost.")

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.keys, self.path))


def flight_key(*parts: str) -> str:
    """A short, file-name-safe key of an upload or search (no secret ever goes in ``parts``).

    Examples
    --------
    >>> flight_key("search", "https://connect.patsnap.com", "limit=10&url=...")[:8]
    '73391333'
    >>> len(flight_key("upload", "x"))
    40
    """
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:40]


class _Entry:
    __slots__ = ("lock", "users")

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.users = 0


class SingleFlight:
    """Per-key locks shared by the threads of a process and, through ``folder``, by processes.

    Parameters
    ----------
    folder : path or None
        The cache folder; lock files go in ``folder / "locks"``. None: threads only
        (a client without a cache folder).

    Attributes
    ----------
    stop : threading.Event
        Set it to stop every wait for a lock at once (it raises
        :class:`~patsnap_pandas.waits.Interrupted`); the client shares its rate limiter's.

    Examples
    --------
    >>> flights = SingleFlight(Path("my-cache"))
    >>> with flights.hold(flight_key("upload", "abc")):
    ...     flights.check_held()           # still ours: the one upload of these bytes happens here
    >>> sorted(p.suffix for p in (Path("my-cache") / "locks").iterdir())
    ['.lock']
    """

    def __init__(self, folder: Path | None, warner: WriteWarner | None = None) -> None:
        self.folder = None if folder is None else Path(folder) / LOCKS_DIR
        self.stop = threading.Event()
        self._guard = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._warned = False
        self._local = threading.local()  # .held: this thread's [(key, handle)] in the order taken
        self._warner = warner  # shared with the folder's other parts: one warning for a read-only folder

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Hold the lock of ``key`` (wait at most :data:`LOCK_TIMEOUT_S`, then raise CacheError)."""
        with self._guard:
            entry = self._entries.setdefault(key, _Entry())
            entry.users += 1
        try:
            self.wait_for(lambda: entry.lock.acquire(timeout=WAIT_SLICE_S), 0.0, lambda: CacheError(
                self._where(key), f"(an identical call in another thread) stayed busy for more than "
                f"{LOCK_TIMEOUT_S:g} s", fix=_BUSY_FIX))
            try:
                with self._shared_lock(key) as handle:
                    held = self._held()
                    held.append((key, handle))
                    try:
                        yield
                    finally:
                        held.remove((key, handle))
            finally:
                entry.lock.release()
        finally:
            with self._guard:
                entry.users -= 1
                if not entry.users:
                    self._entries.pop(key, None)

    def wait_for(self, attempt: Callable[[], bool], poll_s: float, timeout_error: Callable[[], Exception]) -> None:
        """Call ``attempt()`` until it is True, ``poll_s`` apart, in slices; raise ``timeout_error()`` after
        :data:`LOCK_TIMEOUT_S`, or :class:`~patsnap_pandas.waits.Interrupted` as soon as :attr:`stop` is set."""
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while not attempt():
            if pause(poll_s, self.stop):
                raise Interrupted("interrupted: no new call is made")
            if time.monotonic() >= deadline:
                raise timeout_error()

    def held_keys(self) -> frozenset[str]:
        """The keys of the locks this thread holds now."""
        return frozenset(key for key, _ in self._held())

    def check_held(self) -> None:
        """Raise :class:`LeaseLost` when a lock this thread holds is no longer its own (called before each billed call)."""
        lost = [key for key, handle in self._held() if not self._still_ours(handle)]
        if lost:
            raise LeaseLost(lost, self._where(lost[0]))

    def _held(self) -> list[tuple[str, Any]]:
        held: list[tuple[str, Any]] | None = getattr(self._local, "held", None)
        if held is None:
            held = self._local.held = []
        return held

    def _still_ours(self, handle: Any) -> bool:
        """True while the lock behind ``handle`` is held by us: a thread lock or a file lock cannot be lost."""
        return True

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{key}.lock"

    def _where(self, key: str) -> str:
        """The lock's name in messages (its file, or the key)."""
        return str(self._path(key) or key)

    @contextmanager
    def _shared_lock(self, key: str) -> Iterator[Any]:
        """The lock across processes, held inside the thread lock: a file lock here; a subclass may
        use another store (:class:`patsnap_pandas.store.redis_locks.RedisSingleFlight`: a Redis lease).
        Yields what :meth:`_still_ours` checks."""
        path = self._path(key)
        if path is None or not self._can_create(path):
            yield None  # threads of this process still coalesce
            return
        import filelock  # here, not at the top: it imports asyncio, a tenth of the package's import time

        lock = filelock.FileLock(str(path))

        def attempt() -> bool:
            try:
                lock.acquire(blocking=False)
            except filelock.Timeout:
                return False
            return True

        self.wait_for(attempt, LOCK_POLL_S, lambda: CacheError(
            str(path), f"is held by another process for more than {LOCK_TIMEOUT_S:g} s "
            "(it is making the same upload or search)", fix=_BUSY_FIX))
        try:
            yield None
        finally:
            lock.release()

    def _can_create(self, path: Path) -> bool:
        """True when the lock file exists or can be made; a read-only folder warns once and goes on."""
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o644))
            return True
        except OSError as exc:
            if self._warner is not None:
                self._warner.warn(path.parent, exc, "lock files (identical searches in other processes may each be billed)",
                                  stacklevel=6)
            elif not self._warned:
                self._warned = True
                warnings.warn(CacheWarning(
                    f"lock files cannot be written in {path.parent} ({exc.strerror or exc}): identical "
                    "searches in other processes may each be billed"), stacklevel=5)
            return False


_BUSY_FIX = ("Wait for the other search to finish, or stop the process holding it; if none is "
             "running, delete the lock file.")
