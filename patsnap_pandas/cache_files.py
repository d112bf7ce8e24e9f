"""The files of the cache folder: its layout, and SQLite files checked on open, never losing a paid answer.

* The layout (:data:`HTTP_CACHE_FILE`, :data:`UPLOADS_FILE`, :data:`THUMBNAILS_DIR`,
  :data:`LOCKS_DIR`, :func:`http_cache_file`) is spelled out here and nowhere else; every
  part of the cache (upload memo, locks, thumbnail store, :mod:`patsnap_pandas.cache`) reads it.

* A damaged file (not a database, half written, a folder in its place) or one locked
  by another process for longer than :data:`BUSY_TIMEOUT_S` raises
  :class:`~patsnap_pandas.errors.CacheError` naming the file and the fix, before any
  billed call.
* A file that cannot be written (read-only disk or file, full disk) costs only the
  cache: the answer is kept in memory for the client's life, and a
  :class:`~patsnap_pandas.errors.CacheWarning` says so once per file.
* :func:`remove_sqlite` deletes a SQLite file with its journal files (what
  ``clear_cache`` falls back to when a file is too damaged to be emptied).
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import threading
import warnings
from pathlib import Path
from typing import Any

import requests_cache
from requests_cache.backends.base import DictStorage
from requests_cache.cache_keys import redact_response
from requests_cache.models import CachedResponse

from .errors import CacheError, CacheWarning

__all__ = ["HTTP_CACHE_FILE", "UPLOADS_FILE", "THUMBNAILS_DIR", "LOCKS_DIR", "http_cache_file", "BUSY_TIMEOUT_S",
           "SQLiteCache", "check_sqlite", "remove_sqlite", "describe_sqlite_error", "WriteWarner", "paid_answer", "SQLITE_SUFFIXES",
           "read_only_uri"]

# --- the cache folder's layout: the one place it is spelled out ---------------------------------
#: The requests-cache SQLite file of HTTP answers (when ``cache=True``).
HTTP_CACHE_FILE = "http_cache.sqlite"
#: The upload memo (sha256 of uploaded bytes -> URL and expiry).
UPLOADS_FILE = "uploads.sqlite"
#: The thumbnail store's folder (hit images, kept by patent).
THUMBNAILS_DIR = "thumbnails"
#: Lock files of identical calls in flight across processes.
LOCKS_DIR = "locks"
#: Billed calls counted per UTC day and month, for the budget and `cache info` (see budget.py).
USAGE_FILE = "usage.sqlite"


def http_cache_file(cache: Any, cache_dir: Path) -> Path | None:
    """Where the SQLite HTTP cache lives for a ``cache`` argument (None: not a SQLite file we own).

    Examples
    --------
    >>> http_cache_file(True, Path("my-cache")).as_posix(), http_cache_file("team.db", Path("x")).as_posix()
    ('my-cache/http_cache.sqlite', 'team.db')
    >>> http_cache_file(False, Path("my-cache")) is None
    True
    """
    if cache is True:
        return cache_dir / HTTP_CACHE_FILE
    if isinstance(cache, (str, os.PathLike)):
        path = Path(cache).expanduser()
        return path if path.suffix in (".sqlite", ".db") else path / HTTP_CACHE_FILE
    return None


#: Seconds to wait for another process's write lock on a cache file before saying which file is locked.
BUSY_TIMEOUT_S = 30.0
#: A SQLite file's companions (write-ahead log, shared memory, rollback journal).
SQLITE_SUFFIXES = ("", "-wal", "-shm", "-journal")
_BUSY_FIX = ("Another process is writing to it: wait for it to finish and try again. If none is "
             "running, run `patsnap-pandas cache clear`.")


def describe_sqlite_error(path: Path, exc: BaseException) -> CacheError:
    """The CacheError for a SQLite error met while reading ``path``.

    Examples
    --------
    >>> import sqlite3
    >>> print(describe_sqlite_error(Path("uploads.sqlite"), sqlite3.OperationalError("database is locked")))
    The cache file uploads.sqlite is locked by another process (waited 30 s). Another process is writing to it: ...
    """
    text = str(exc)
    if "locked" in text or "busy" in text:
        return CacheError(str(path), f"is locked by another process (waited {BUSY_TIMEOUT_S:g} s)",
                          fix=_BUSY_FIX)
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return CacheError(str(path), f"is damaged ({text})")
    return CacheError(str(path), f"cannot be read ({type(exc).__name__}: {text})")


def read_only_uri(path: Path) -> str:
    """The SQLite URI that opens ``path`` read-only (never creating it).

    Examples
    --------
    >>> read_only_uri(Path("/tmp/my cache/uploads.sqlite"))
    'file:///tmp/my%20cache/uploads.sqlite?mode=ro'
    """
    return Path(path).resolve().as_uri() + "?mode=ro"


def check_sqlite(path: Path) -> None:
    """Raise CacheError when ``path`` exists but is not a readable SQLite database.

    Examples
    --------
    >>> from pathlib import Path
    >>> _ = Path("broken.sqlite").write_bytes(b"not a database at all" * 10)
    >>> check_sqlite(Path("broken.sqlite"))
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.CacheError: The cache file broken.sqlite is damaged (file is not a database). Run `patsnap-pandas cache clear` ...
    >>> check_sqlite(Path("absent.sqlite"))   # nothing there yet: fine
    """
    if not path.exists():
        return
    if not path.is_file():
        raise CacheError(str(path), "is not a file (a folder or device is in its place)")
    try:
        con = sqlite3.connect(read_only_uri(path), uri=True, timeout=BUSY_TIMEOUT_S)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise describe_sqlite_error(path, exc) from None


def remove_sqlite(path: Path) -> None:
    """Delete a SQLite file and its journal files (a folder in its place too); CacheError when it cannot.

    Examples
    --------
    >>> _ = Path("old.sqlite").write_bytes(b"x"); _ = Path("old.sqlite-wal").write_bytes(b"y")
    >>> remove_sqlite(Path("old.sqlite"))
    >>> Path("old.sqlite").exists(), Path("old.sqlite-wal").exists()
    (False, False)
    """
    for suffix in SQLITE_SUFFIXES:
        item = Path(f"{path}{suffix}")
        try:
            if item.is_dir() and not item.is_symlink():
                shutil.rmtree(item)
            elif item.exists() or item.is_symlink():
                item.unlink()
        except OSError as exc:
            raise CacheError(str(item), f"cannot be removed ({exc.strerror or exc})",
                             fix="Make it writable (chmod u+w, or chattr -i) or delete it by hand.") from None


class WriteWarner:
    """Warns once (per instance) that a cache file, or the shared cache, could not be written.

    ``others`` says who pays again for what is only kept in memory, ``fix`` what to do.

    Examples
    --------
    >>> import warnings
    >>> warner = WriteWarner()
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     for _ in range(3):
    ...         warner.warn("cache/uploads.sqlite", PermissionError(13, "Permission denied"), "the upload memo")
    >>> len(caught), caught[0].category.__name__
    (1, 'CacheWarning')
    """

    def __init__(self, others: str = "another session",
                 fix: str = "Make the cache folder writable, or run `patsnap-pandas cache clear`.") -> None:
        self.others, self.fix = others, fix
        self._warned = False
        self._lock = threading.Lock()

    def warn(self, path: Any, exc: BaseException | str, what: str, stacklevel: int = 4) -> None:
        """Warn (the first time) that ``what`` could not be written to ``path``; ``exc``: the error or its words."""
        with self._lock:
            if self._warned:
                return
            self._warned = True
        if isinstance(exc, BaseException):
            exc = f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__}"
        warnings.warn(CacheWarning(
            f"{what} could not be written to {path} ({exc}); results are kept in memory for this session "
            f"and returned as usual, but {self.others} will pay for them again. {self.fix}"),
            stacklevel=stacklevel)


def paid_answer(cache: requests_cache.BaseCache, response: Any, expires: Any) -> CachedResponse:
    """The answer a cache backend could not store, as it would have stored it (secrets removed), to keep in memory.

    Examples
    --------
    >>> import requests
    >>> from patsnap_pandas.sandbox import start_sandbox
    >>> sandbox = start_sandbox()
    >>> response = requests.get(sandbox.base_url + "/_sandbox/status", params={"apikey": "sk-secret"})
    >>> cache = SQLiteCache("http_cache.sqlite", ignored_parameters=["apikey"])
    >>> kept = paid_answer(cache, response, None)
    >>> "sk-secret" in kept.url, kept.status_code, kept.json() == response.json()
    (False, 200, True)
    >>> cache.close(); sandbox.stop()
    """
    return redact_response(CachedResponse.from_response(response, expires=expires), cache._settings.ignored_parameters)


class SQLiteCache(requests_cache.SQLiteCache):
    """requests-cache's SQLite backend that names its file in errors and never drops a paid answer.

    Opening checks the file (:func:`check_sqlite`). Reading a damaged or locked file raises
    CacheError (before the network call). Writing that fails keeps the answer in memory and
    warns once.

    Examples
    --------
    >>> cache = SQLiteCache("http_cache.sqlite")
    >>> cache.db_path.name, cache.in_memory_only
    ('http_cache.sqlite', False)
    >>> cache.close()
    """

    def __init__(self, db_path: Any, **kwargs: Any) -> None:
        path = Path(db_path)
        check_sqlite(path)
        self._memory: DictStorage = DictStorage()
        self._read_lock = threading.RLock()
        self._warner = WriteWarner()
        self._path = path
        self.in_memory_only = False
        kwargs.setdefault("busy_timeout", int(BUSY_TIMEOUT_S * 1000))
        kwargs.setdefault("wal", True)  # readers and the writer do not block each other (threads, processes)
        try:
            super().__init__(db_path, **kwargs)
        except (sqlite3.Error, OSError) as exc:
            if path.is_file() and isinstance(exc, sqlite3.DatabaseError) \
                    and not isinstance(exc, sqlite3.OperationalError):
                raise describe_sqlite_error(path, exc) from None
            # Cannot be created or written: the answers of this session live in memory.
            requests_cache.BaseCache.__init__(self, cache_name=str(db_path))
            self.in_memory_only = True
            self._warner.warn(path, exc, "HTTP answers", stacklevel=3)

    @property
    def db_path(self) -> Any:
        return self._path

    def get_response(self, key: str, default: Any = None) -> CachedResponse | None:
        kept = self._memory.get(key)
        if kept is not None:
            return kept
        # One read at a time on the shared connection: overlapping statements from several threads
        # would keep one read transaction open, and with it a stale snapshot that misses what another
        # process has just stored (and would pay for again).
        with getattr(self.responses, "_lock", self._read_lock):
            try:
                return super().get_response(key, default)
            except sqlite3.Error as exc:
                raise describe_sqlite_error(self._path, exc) from None

    def save_response(self, response: Any, cache_key: str | None = None, expires: Any = None) -> None:
        cache_key = cache_key or self.create_key(response.request)
        try:
            for _ in range(3):
                super().save_response(response, cache_key, expires)
                # requests-cache rolls a write back silently when the file stays locked: check it landed
                # (under the read lock too: an overlapping read would pin another thread's snapshot).
                if self.in_memory_only:
                    return
                with getattr(self.responses, "_lock", self._read_lock):
                    if self.responses.get(cache_key) is not None:
                        return
            raise sqlite3.OperationalError("the write was rolled back (database is locked)")
        except Exception as exc:  # noqa: BLE001 - sqlite3, OSError, requests-cache's own slips on a read-only file
            self._warner.warn(self._path, exc, "HTTP answers", stacklevel=2)
        self._memory[cache_key] = paid_answer(self, response, expires)

    def delete(self, *keys: str, **kwargs: Any) -> None:
        for key in keys:
            self._memory.pop(key, None)
        try:
            super().delete(*keys, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a stale answer that stays is re-checked on use
            self._warner.warn(self._path, exc, "HTTP answers", stacklevel=2)

    def clear(self) -> None:
        self._memory.clear()
        try:
            requests_cache.BaseCache.clear(self)
        except Exception:  # noqa: BLE001 - damaged: delete the file and start again
            self.close()
            remove_sqlite(self._path)
            if not self.in_memory_only:
                self.responses.init_db()
                self.redirects.init_db()

    def count(self, expired: bool = True) -> int:
        try:
            stored = len(self.responses) if self.in_memory_only else super().count(expired=expired)
            return stored + len(self._memory)
        except sqlite3.Error as exc:
            raise describe_sqlite_error(self._path, exc) from None
