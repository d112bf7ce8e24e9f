"""The files of the cache folder: its layout, and SQLite files checked on open, never losing a paid answer.

* The layout (:data:`HTTP_CACHE_FILE`, :data:`UPLOADS_FILE`, :data:`THUMBNAILS_DIR`,
  :data:`LOCKS_DIR`, :func:`http_cache_file`) is spelled out here and nowhere else; every
  part of the cache (upload memo, locks, thumbnail store, :mod:`patsnap_pandas.store.cache`) reads it.

* A damaged file (not a database, half written, a folder in its place) or one locked
  by another process for longer than :data:`BUSY_TIMEOUT_S` raises
  :class:`~patsnap_pandas.errors.CacheError` naming the file and the fix, before any
  billed call.
* A file that can be read but not written (a read-only volume, an immutable file or
  folder) is opened read-only (SQLite's ``mode=ro``, or ``immutable=1`` when not even the
  write-ahead log's side files can be made): its paid answers are served.
* A file that cannot be written (read-only, full disk) costs only the cache: new answers are
  kept in memory for the client's life, and one :class:`~patsnap_pandas.errors.CacheWarning`
  (shared by the parts of the folder) says so, and why: a full disk is not called a lock.
* :func:`remove_sqlite` deletes a SQLite file with its journal files (what
  ``clear_cache`` falls back to when a file is too damaged to be emptied).
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import sqlite3
import threading
import time
import warnings
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import requests_cache
from requests_cache.backends.base import DictStorage
from requests_cache.backends.sqlite import SQLiteDict
from requests_cache.cache_keys import redact_response
from requests_cache.models import CachedResponse

from ..errors import CacheError, CacheWarning

__all__ = ["HTTP_CACHE_FILE", "UPLOADS_FILE", "THUMBNAILS_DIR", "LOCKS_DIR", "http_cache_file", "BUSY_TIMEOUT_S",
           "SQLiteCache", "check_sqlite", "remove_sqlite", "describe_sqlite_error", "sqlite_problem", "WriteWarner",
           "paid_answer", "SQLITE_SUFFIXES", "read_only_uri", "connect_read_only", "writable", "USAGE_FILE",
           "DAMAGED_SUFFIX", "sqlite_damage", "set_aside", "RECORDS_FILE"]

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
#: Kept records (watch lists, their runs and marks): the user's work, not forgotten by ``cache clear``.
RECORDS_FILE = "records.sqlite"


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
             "running, the folder may be on a network drive whose locks do not work: point cache_dir / "
             "PATSNAP_CACHE_DIR at a folder on a local disk.")
_FULL_FIX = ("Free some space on that disk, or point cache_dir / PATSNAP_CACHE_DIR at a folder on another "
             "disk; the answers already in it are kept.")
_OPEN_FIX = ("Check that the cache folder exists and that this user may read it, or point cache_dir / "
             "PATSNAP_CACHE_DIR at another folder.")

# What went wrong with a cache file, from SQLite's error (its name, else its words) or the OS error:
# (kind, SQLite result codes, words of the message, errno values).
_KINDS: tuple[tuple[str, tuple[str, ...], tuple[str, ...], tuple[int, ...]], ...] = (
    ("full", ("SQLITE_FULL",), ("database or disk is full",), (errno.ENOSPC, errno.EDQUOT)),
    ("locked", ("SQLITE_BUSY", "SQLITE_LOCKED"), ("locked", "busy"), ()),
    ("read-only", ("SQLITE_READONLY",), ("readonly database", "read-only"), (errno.EROFS, errno.EACCES, errno.EPERM)),
    ("cannot open", ("SQLITE_CANTOPEN",), ("unable to open",), (errno.ENOENT, errno.ENOTDIR)),
)


def sqlite_problem(exc: BaseException) -> str:
    """The kind of a SQLite or OS error met on a cache file.

    One of ``"full"`` (disk full, SQLITE_FULL, ENOSPC), ``"locked"`` (another process writes),
    ``"read-only"``, ``"cannot open"``, ``"damaged"`` (not a database, malformed) or ``"other"``.

    Examples
    --------
    >>> import sqlite3
    >>> sqlite_problem(sqlite3.OperationalError("database or disk is full"))
    'full'
    >>> sqlite_problem(sqlite3.OperationalError("database is locked")), sqlite_problem(OSError(28, "No space left"))
    ('locked', 'full')
    >>> sqlite_problem(sqlite3.DatabaseError("file is not a database"))
    'damaged'
    """
    name = str(getattr(exc, "sqlite_errorname", "") or "")  # Python 3.11+
    text = str(exc).lower()
    number = getattr(exc, "errno", None) if isinstance(exc, OSError) else None
    for kind, names, words, numbers in _KINDS:
        if (name and name.startswith(names)) or (not name and any(w in text for w in words)) or number in numbers:
            return kind
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError):
        return "damaged"
    return "other"


def describe_sqlite_error(path: Path, exc: BaseException) -> CacheError:
    """The CacheError for a SQLite (or OS) error met on ``path``: what is wrong and the fix for that.

    A full disk is told apart from a lock: "the disk is full" is fixed by freeing space, not by
    waiting. Only a damaged file is sent to ``patsnap-pandas cache repair``.

    Examples
    --------
    >>> import sqlite3
    >>> print(describe_sqlite_error(Path("uploads.sqlite"), sqlite3.OperationalError("database is locked")))
    The cache file uploads.sqlite is locked by another process (waited 30 s). Another process is writing to it: ...
    >>> print(describe_sqlite_error(Path("http_cache.sqlite"), sqlite3.OperationalError("database or disk is full")))
    The cache file http_cache.sqlite cannot be written: the disk is full (database or disk is full). Free some space ...
    """
    text = str(exc)
    kind = sqlite_problem(exc)
    if kind == "locked":
        return CacheError(str(path), f"is locked by another process (waited {BUSY_TIMEOUT_S:g} s)", fix=_BUSY_FIX)
    if kind == "full":
        return CacheError(str(path), f"cannot be written: the disk is full ({text})", fix=_FULL_FIX)
    if kind == "damaged":
        return CacheError(str(path), f"is damaged ({text})")
    if kind in ("read-only", "cannot open"):
        return CacheError(str(path), f"cannot be opened ({type(exc).__name__}: {text})", fix=_OPEN_FIX)
    return CacheError(str(path), f"cannot be read ({type(exc).__name__}: {text})", fix=_OPEN_FIX)


def writable(path: Path) -> bool:
    """True when ``path`` (a file, or the folder it would be made in) and its folder can be written.

    The folder counts because SQLite makes its journal files next to the file. A read-only
    mount or an immutable file or folder answers False, for root too.

    Examples
    --------
    >>> writable(Path("new-cache") / "uploads.sqlite")     # a folder that can be made
    True
    """
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not os.access(folder, os.W_OK | os.X_OK):
        return False
    return not path.exists() or os.access(path, os.W_OK)


def read_only_uri(path: Path, immutable: bool | None = None) -> str:
    """The SQLite URI that opens ``path`` read-only (never creating it).

    ``mode=ro`` needs to make the write-ahead log's side files next to a database in WAL mode;
    where that folder cannot be written (a read-only volume) and they are not there,
    ``immutable=1`` reads the file as it is. ``immutable`` None decides by the folder.

    Examples
    --------
    >>> read_only_uri(Path("/tmp/my cache/uploads.sqlite"), immutable=False)
    'file:///tmp/my%20cache/uploads.sqlite?mode=ro'
    >>> read_only_uri(Path("/tmp/my cache/uploads.sqlite"), immutable=True)
    'file:///tmp/my%20cache/uploads.sqlite?immutable=1'
    """
    path = Path(path).resolve()
    if immutable is None:
        immutable = not writable(path) and not Path(f"{path}-shm").exists()
    return path.as_uri() + ("?immutable=1" if immutable else "?mode=ro")


def connect_read_only(path: Path, timeout: float | None = None) -> sqlite3.Connection:
    """A read-only connection to ``path`` (see :func:`read_only_uri`), trying ``immutable=1`` when ``mode=ro`` cannot open.

    Examples
    --------
    >>> import sqlite3
    >>> con = sqlite3.connect("counts.sqlite"); _ = con.execute("CREATE TABLE t (n)"); con.close()
    >>> reader = connect_read_only(Path("counts.sqlite"))
    >>> reader.execute("SELECT count(*) FROM t").fetchone()
    (0,)
    >>> reader.close()
    """
    timeout = BUSY_TIMEOUT_S if timeout is None else timeout
    uri = read_only_uri(path)
    try:
        con = sqlite3.connect(uri, uri=True, timeout=timeout, check_same_thread=False)
        con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return con
    except sqlite3.OperationalError as exc:
        if uri.endswith("immutable=1") or sqlite_problem(exc) != "cannot open":
            raise
    return sqlite3.connect(read_only_uri(path, immutable=True), uri=True, timeout=timeout, check_same_thread=False)


def check_sqlite(path: Path) -> None:
    """Raise CacheError when ``path`` exists but is not a readable SQLite database.

    A file that can be read but not written (a read-only volume) passes.

    Examples
    --------
    >>> from pathlib import Path
    >>> _ = Path("broken.sqlite").write_bytes(b"not a database at all" * 10)
    >>> check_sqlite(Path("broken.sqlite"))
    Traceback (most recent call last):
    ...
    patsnap_pandas.errors.CacheError: The cache file broken.sqlite is damaged (file is not a database). Run `patsnap-pandas cache repair` ...
    >>> check_sqlite(Path("absent.sqlite"))   # nothing there yet: fine
    """
    if not path.exists():
        return
    if not path.is_file():
        raise CacheError(str(path), _NOT_A_FILE)
    try:
        con = connect_read_only(path)
        try:
            con.execute("SELECT count(*) FROM sqlite_master").fetchone()
        finally:
            con.close()
    except sqlite3.Error as exc:
        raise describe_sqlite_error(path, exc) from None


#: What ``cache repair`` appends to the name of a damaged file it sets aside.
DAMAGED_SUFFIX = ".damaged"
_NOT_A_FILE = "is not a file (a folder or device is in its place)"


def sqlite_damage(path: Path) -> str | None:
    """What makes ``path`` a damaged SQLite file (its whole content checked), or None: absent or sound.

    A file locked or unreadable for another reason is not damaged: that raises CacheError.

    Examples
    --------
    >>> _ = Path("half.sqlite").write_bytes(b"not a database, what a bad copy leaves" * 30)
    >>> sqlite_damage(Path("half.sqlite"))
    'is damaged (file is not a database)'
    >>> sqlite_damage(Path("absent.sqlite")) is None
    True
    """
    if not (path.exists() or path.is_symlink()):
        return None
    if not path.is_file():
        return _NOT_A_FILE
    try:
        con = connect_read_only(path)
        try:
            rows = con.execute("PRAGMA quick_check").fetchall()
        finally:
            con.close()
    except sqlite3.Error as exc:
        if sqlite_problem(exc) == "damaged":
            return f"is damaged ({exc})"
        raise describe_sqlite_error(path, exc) from None
    if rows != [("ok",)]:
        return "is damaged (" + "; ".join(str(row[0]) for row in rows[:3]) + ")"
    return None


def set_aside(path: Path) -> Path:
    """Rename a damaged SQLite file and its journal files to ``<name>.damaged`` (replacing an older copy); its new name.

    Examples
    --------
    >>> _ = Path("usage.sqlite").write_bytes(b"garbage"); _ = Path("usage.sqlite-wal").write_bytes(b"log")
    >>> set_aside(Path("usage.sqlite")).name, Path("usage.sqlite").exists(), Path("usage.sqlite.damaged-wal").exists()
    ('usage.sqlite.damaged', False, True)
    """
    target = path.with_name(path.name + DAMAGED_SUFFIX)
    remove_sqlite(target)
    for suffix in SQLITE_SUFFIXES:
        item = Path(f"{path}{suffix}")
        if item.exists() or item.is_symlink():
            try:
                os.replace(item, f"{target}{suffix}")
            except OSError as exc:
                raise CacheError(str(item), f"cannot be set aside ({exc.strerror or exc})",
                                 fix="Make the cache folder writable, or delete the file by hand.") from None
    return target


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


_WRITABLE_FIX = "Make the cache folder writable, or point cache_dir / PATSNAP_CACHE_DIR at a writable folder."


def _in_words(exc: BaseException) -> str:
    kind = sqlite_problem(exc)
    if kind == "full":
        return "the disk is full"
    if kind == "read-only":
        return f"read-only: {getattr(exc, 'strerror', None) or exc}"
    return f"{type(exc).__name__}: {getattr(exc, 'strerror', None) or str(exc) or type(exc).__name__}"


def _unwritable_folder(path: Any) -> Path | None:
    """The folder ``path`` lives in when that folder cannot be written (None: it can, or ``path`` is a URL)."""
    if not isinstance(path, (str, os.PathLike)) or "://" in str(path):
        return None
    folder = Path(path).parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        return None  # a file where the folder should be: not a read-only folder
    return None if os.access(folder, os.W_OK | os.X_OK) else folder


# Folders reported as unwritable, by the warner that said it (while it lives): one warning per
# folder, whichever part (HTTP cache, upload memo, locks, usage counts) meets it first.
_SAID_FOR_FOLDER: dict[str, weakref.ref[WriteWarner]] = {}
_SAID_LOCK = threading.Lock()


def _first_for_folder(warner: WriteWarner, folder: Path) -> bool:
    with _SAID_LOCK:
        said = _SAID_FOR_FOLDER.get(str(folder))
        speaker = said() if said is not None else None
        if speaker is not None and speaker is not warner:
            return False
        _SAID_FOR_FOLDER[str(folder)] = weakref.ref(warner)
        return True


class WriteWarner:
    """Warns once (per instance) that a cache file, a cache folder or the shared cache could not be written.

    ``others`` says who pays again for what is only kept in memory, ``fix`` what to do (default:
    by what went wrong). One instance shared by the parts of a cache folder (HTTP cache, upload
    memo, lock files) says it once for all of them; a folder that cannot be written at all is
    named as such.

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

    def __init__(self, others: str = "another session", fix: str | None = None) -> None:
        self.others, self.fix = others, fix
        self._warned = False
        self._lock = threading.Lock()

    def warn(self, path: Any, exc: BaseException | str, what: str, stacklevel: int = 4) -> None:
        """Warn (the first time) that ``what`` could not be written to ``path``; ``exc``: the error or its words."""
        with self._lock:
            if self._warned:
                return
            self._warned = True
        folder, message = self._message(path, exc, what)
        if folder is not None and not _first_for_folder(self, folder):
            return  # another part of this folder (the budget's counts, another client) said it already
        warnings.warn(CacheWarning(message), stacklevel=stacklevel)

    def _message(self, path: Any, exc: BaseException | str, what: str) -> tuple[Path | None, str]:
        """(The folder the problem is about, for a whole read-only folder or full disk, else None; the words)."""
        why = _in_words(exc) if isinstance(exc, BaseException) else exc
        full = isinstance(exc, BaseException) and sqlite_problem(exc) == "full"
        fix = self.fix or (_FULL_FIX if full else _WRITABLE_FIX)
        kept = (f"answers paid for from now on are kept in memory for this session and returned as usual, but "
                f"{self.others} will pay for them again")
        folder = _unwritable_folder(path)
        if folder is not None:
            return folder, (f"the cache folder {folder} cannot be written ({why}; met first writing {what}): the "
                            f"answers already in it are used; {kept}; the count of billed calls (and the budget) is "
                            "counted for this session only; and identical searches made at the same time by other "
                            f"processes may each be billed. {fix}")
        if full and isinstance(path, (str, os.PathLike)) and "://" not in str(path):
            folder = Path(path).parent
            return folder, (f"the disk is full: {what} could not be written to {path}, nor can any other file of "
                            f"the cache folder {folder}; {kept}. {fix}")
        return None, (f"{what} could not be written to {path} ({why}); results are kept in memory for this "
                      f"session and returned as usual, but {self.others} will pay for them again. {fix}")


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


class _Table(SQLiteDict):
    """requests-cache's SQLite table that says why a write failed, and can be opened read-only.

    requests-cache rolls a failed write back without a word and waits for the write lock for
    ever; here the write waits :data:`BUSY_TIMEOUT_S` at most and its error is raised (a full
    disk is not a lock). A read-only table never writes.
    """

    def __init__(self, db_path: Any, *, read_only: bool = False, **kwargs: Any) -> None:
        self.read_only = read_only
        super().__init__(db_path, **kwargs)

    def init_db(self) -> None:
        if self.read_only:
            self.close()  # type: ignore[no-untyped-call]
        else:
            super().init_db()  # type: ignore[no-untyped-call]

    @contextlib.contextmanager
    def connection(self, commit: bool = False) -> Iterator[sqlite3.Connection]:
        if not self.read_only:
            with super().connection(commit) as con:
                yield con
            return
        if commit:
            raise sqlite3.OperationalError("attempt to write a readonly database")
        with self._lock:
            if not self._connection:
                timeout = None if self.busy_timeout is None else self.busy_timeout / 1000
                self._connection = connect_read_only(Path(self.db_path), timeout=timeout)
        yield self._connection

    @contextlib.contextmanager
    def _acquire_sqlite_lock(self) -> Iterator[None]:
        with self._lock:
            con = self._connection
            assert con is not None
            deadline = time.monotonic() + BUSY_TIMEOUT_S
            while True:
                try:
                    con.execute("BEGIN IMMEDIATE")  # waits busy_timeout for another process's write
                    break
                except sqlite3.OperationalError as exc:
                    if sqlite_problem(exc) != "locked" or time.monotonic() >= deadline:
                        raise
                    time.sleep(0.001)  # SQLite answered "busy" at once (a checkpoint or recovery)
            self._active_transaction = True
            try:
                yield
                con.commit()
            except BaseException:
                con.rollback()
                raise
            finally:
                self._active_transaction = False

    def vacuum(self) -> None:
        if not self.read_only:
            super().vacuum()  # type: ignore[no-untyped-call]


class SQLiteCache(requests_cache.SQLiteCache):
    """requests-cache's SQLite backend that names its file in errors and never drops a paid answer.

    Opening checks the file (:func:`check_sqlite`). Reading a damaged or locked file raises
    CacheError (before the network call). A file that can be read but not written (a
    read-only volume, an immutable file or folder) is opened read-only: its answers are
    served, and new ones are kept in memory. Writing that fails (read-only, disk full, locked
    for longer than :data:`BUSY_TIMEOUT_S`) keeps the answer in memory and warns once, saying which.

    Parameters
    ----------
    db_path : path
        The SQLite file.
    warner : WriteWarner, optional
        Shared with the other parts of the cache folder, so that one warning speaks for all.

    Examples
    --------
    >>> cache = SQLiteCache("http_cache.sqlite")
    >>> cache.db_path.name, cache.in_memory_only, cache.read_only
    ('http_cache.sqlite', False, False)
    >>> cache.close()
    """

    def __init__(self, db_path: Any, warner: WriteWarner | None = None, **kwargs: Any) -> None:
        path = Path(db_path)
        check_sqlite(path)
        self._memory: DictStorage = DictStorage()  # type: ignore[no-untyped-call]
        self._read_lock = threading.RLock()
        self._warner = warner or WriteWarner()
        self._path = path
        self.in_memory_only = False
        self.read_only = False
        self._open_error: BaseException = sqlite3.OperationalError("attempt to write a readonly database")
        kwargs.setdefault("busy_timeout", int(BUSY_TIMEOUT_S * 1000))
        kwargs.setdefault("wal", True)  # readers and the writer do not block each other (threads, processes)
        requests_cache.BaseCache.__init__(self, cache_name=str(db_path), **kwargs)
        if path.is_file() and not writable(path):
            self._open(path, kwargs, read_only=True)  # a populated folder on a read-only volume
            return
        try:
            self._open(path, kwargs, read_only=False)
        except (sqlite3.Error, OSError) as exc:
            if sqlite_problem(exc) == "damaged" and path.is_file():
                raise describe_sqlite_error(path, exc) from None
            self._fall_back(path, kwargs, exc)

    def _open(self, path: Path, kwargs: dict[str, Any], read_only: bool) -> None:
        responses = _Table(path, table_name="responses", read_only=read_only, **kwargs)
        self.responses = responses
        self.redirects = _Table(path, table_name="redirects", read_only=read_only, lock=responses._lock,
                                serializer=None, **kwargs)
        self.read_only = read_only

    def _fall_back(self, path: Path, kwargs: dict[str, Any], exc: BaseException) -> None:
        """After a failed open for writing: read-only when the file can be read, else memory only."""
        if path.is_file():
            try:
                self._open(path, kwargs, read_only=True)
                self.responses.count()
                return
            except sqlite3.Error:
                pass
        self.responses, self.redirects = DictStorage(), DictStorage()  # type: ignore[assignment, no-untyped-call]  # as requests-cache's BaseCache has them
        self.in_memory_only = True
        self._open_error = exc  # said with the first answer that cannot be stored, not before

    @property
    def db_path(self) -> Any:
        return self._path

    def get_response(self, key: str, default: Any = None) -> CachedResponse | None:
        kept: CachedResponse | None = self._memory.get(key)
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
        if not (self.read_only or self.in_memory_only):
            try:
                super().save_response(response, cache_key, expires)
                return
            except Exception as exc:  # noqa: BLE001 - sqlite3 (full, locked, read-only), OSError
                self._warner.warn(self._path, exc, "HTTP answers", stacklevel=2)
        else:
            self._warner.warn(self._path, self._open_error, "HTTP answers", stacklevel=2)
        self._memory[cache_key] = paid_answer(self, response, expires)

    def delete(self, *keys: str, **kwargs: Any) -> None:
        for key in keys:
            self._memory.pop(key, None)
        if self.read_only:
            return  # a stale answer that stays is re-checked on use
        try:
            super().delete(*keys, **kwargs)
        except Exception as exc:  # noqa: BLE001 - a stale answer that stays is re-checked on use
            self._warner.warn(self._path, exc, "HTTP answers", stacklevel=2)

    def clear(self) -> None:
        self._memory.clear()
        if self.read_only:
            raise CacheError(str(self._path), "cannot be emptied: it is read-only (its folder or the file cannot "
                             "be written)", fix=_WRITABLE_FIX)
        try:
            requests_cache.BaseCache.clear(self)  # type: ignore[no-untyped-call]
        except Exception:  # noqa: BLE001 - damaged: delete the file and start again
            self.close()  # type: ignore[no-untyped-call]
            remove_sqlite(self._path)
            if not self.in_memory_only:
                self.responses.init_db()  # type: ignore[no-untyped-call]
                self.redirects.init_db()  # type: ignore[no-untyped-call]

    def count(self, expired: bool = True) -> int:
        try:
            stored = len(self.responses) if self.in_memory_only else super().count(expired=expired)
            return stored + len(self._memory)
        except sqlite3.Error as exc:
            raise describe_sqlite_error(self._path, exc) from None
