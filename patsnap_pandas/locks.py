"""Single flight: an identical upload or search runs once, across threads and processes.

Two callers that would make the same billed call at the same time (the same image
bytes, the same search parameters) take the same lock: the first makes the call and
stores the answer (upload memo, HTTP cache); the others wait, then find the answer
stored and reuse it. Threads of one process wait on a thread lock; processes sharing
a cache folder wait on a file lock (``filelock``) in ``<cache folder>/locks/``.

A lock that stays busy longer than :data:`LOCK_TIMEOUT_S` ends in a
:class:`~patsnap_pandas.errors.CacheError` naming the lock file, before any billed call.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from .cache_files import LOCKS_DIR, WriteWarner
from .errors import CacheError, CacheWarning

__all__ = ["SingleFlight", "LOCK_TIMEOUT_S", "flight_key"]

#: Seconds a caller waits for an identical call in flight elsewhere before giving up.
LOCK_TIMEOUT_S = 300.0


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

    Examples
    --------
    >>> flights = SingleFlight(Path("my-cache"))
    >>> with flights.hold(flight_key("upload", "abc")):
    ...     pass                           # the one upload of these bytes happens here
    >>> sorted(p.suffix for p in (Path("my-cache") / "locks").iterdir())
    ['.lock']
    """

    def __init__(self, folder: Path | None, warner: WriteWarner | None = None) -> None:
        self.folder = None if folder is None else Path(folder) / LOCKS_DIR
        self._guard = threading.Lock()
        self._entries: dict[str, _Entry] = {}
        self._warned = False
        self._warner = warner  # shared with the folder's other parts: one warning for a read-only folder

    @contextmanager
    def hold(self, key: str) -> Iterator[None]:
        """Hold the lock of ``key`` (wait at most :data:`LOCK_TIMEOUT_S`, then raise CacheError)."""
        with self._guard:
            entry = self._entries.setdefault(key, _Entry())
            entry.users += 1
        try:
            if not entry.lock.acquire(timeout=LOCK_TIMEOUT_S):
                raise CacheError(self._where(key),
                                 f"(an identical call in another thread) stayed busy for more than "
                                 f"{LOCK_TIMEOUT_S:g} s", fix=_BUSY_FIX)
            try:
                with self._shared_lock(key):
                    yield
            finally:
                entry.lock.release()
        finally:
            with self._guard:
                entry.users -= 1
                if not entry.users:
                    self._entries.pop(key, None)

    def _path(self, key: str) -> Path | None:
        return None if self.folder is None else self.folder / f"{key}.lock"

    def _where(self, key: str) -> str:
        """The lock's name in messages (its file, or the key)."""
        return str(self._path(key) or key)

    @contextmanager
    def _shared_lock(self, key: str) -> Iterator[None]:
        """The lock across processes, held inside the thread lock: a file lock here; a subclass may
        use another store (:class:`patsnap_pandas.redis_backend.RedisSingleFlight`: a Redis lease)."""
        path = self._path(key)
        if path is None or not self._can_create(path):
            yield  # threads of this process still coalesce
            return
        import filelock  # here, not at the top: it imports asyncio, a tenth of the package's import time

        lock = filelock.FileLock(str(path), timeout=LOCK_TIMEOUT_S)
        try:
            lock.acquire(poll_interval=0.02)
        except filelock.Timeout:
            raise CacheError(str(path), f"is held by another process for more than {LOCK_TIMEOUT_S:g} s "
                             "(it is making the same upload or search)", fix=_BUSY_FIX) from None
        try:
            yield
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
