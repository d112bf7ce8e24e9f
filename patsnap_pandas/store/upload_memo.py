"""The upload memo: sha256 of uploaded bytes -> (URL, expiry), in SQLite in the cache folder.

Lets the same image, uploaded again within the URL's life, reuse the URL without a
(billed) upload, across clients and processes. Stores no image bytes.

A damaged or locked ``uploads.sqlite`` raises :class:`~patsnap_pandas.errors.CacheError`
naming it (reads happen before the upload, so nothing is billed); a memo that cannot be
written (a read-only folder: it is still read) keeps the URL in memory and warns once: an
upload already paid for is never lost.
"""

from __future__ import annotations

import errno
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

from .files import (
    BUSY_TIMEOUT_S,
    WriteWarner,
    check_sqlite,
    connect_read_only,
    describe_sqlite_error,
    remove_sqlite,
    writable,
)

__all__ = ["UploadMemo"]


class UploadMemo:
    """sha256 of uploaded bytes -> (URL, issued_at, expires_at); ``path`` None: memory only.

    ``warner`` (a :class:`~patsnap_pandas.store.files.WriteWarner`) may be shared with the other
    parts of the cache folder, so that a read-only folder is reported once.

    Examples
    --------
    >>> from pathlib import Path
    >>> memo = UploadMemo(Path("my-cache") / "uploads.sqlite")
    >>> memo.put("k1", "https://img.example/q.png", 0.0, 4e9)
    >>> memo.get("k1")
    ('https://img.example/q.png', 0.0, 4000000000.0)
    >>> memo.count(), memo.clear(), memo.count()
    (1, None, 0)
    """

    def __init__(self, path: Path | None, warner: WriteWarner | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._memory: dict[str, tuple[str, float, float]] = {}
        self._warner = warner or WriteWarner()

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        try:
            con.execute("CREATE TABLE IF NOT EXISTS uploads (key TEXT PRIMARY KEY, url TEXT NOT NULL, "
                        "issued_at REAL NOT NULL, expires_at REAL NOT NULL)")
        except BaseException:
            con.close()
            raise
        return con

    def get(self, key: str) -> tuple[str, float, float] | None:
        """(url, issued_at, expires_at) or None; CacheError when the file is damaged or locked."""
        with self._lock:
            kept = self._memory.get(key)
            if kept is not None or self.path is None or not self.path.exists():
                return kept
            row = self._read_one("SELECT url, issued_at, expires_at FROM uploads WHERE key = ?", (key,))
        return None if row is None else (row[0], row[1], row[2])

    def _read_one(self, query: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        """One row of a read-only query of the memo file (None: no row, or no table yet)."""
        assert self.path is not None
        check_sqlite(self.path)
        try:
            con = connect_read_only(self.path)
            try:
                row: tuple[Any, ...] | None = con.execute(query, params).fetchone()
                return row
            finally:
                con.close()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise describe_sqlite_error(self.path, exc) from None
        except sqlite3.Error as exc:
            raise describe_sqlite_error(self.path, exc) from None

    def put(self, key: str, url: str, issued_at: float, expires_at: float) -> None:
        """Remember an upload; when the file cannot be written, in memory (and warn once)."""
        with self._lock:
            if self.path is not None and not writable(self.path):
                self._warner.warn(self.path, OSError(errno.EROFS, "the file or its folder cannot be written"),
                                  "the upload memo (an upload already paid for)")
            elif self.path is not None:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    con = self._connect()
                    try:
                        with con:
                            con.execute("DELETE FROM uploads WHERE expires_at < ?", (time.time(),))
                            con.execute("INSERT OR REPLACE INTO uploads VALUES (?, ?, ?, ?)",
                                        (key, url, issued_at, expires_at))
                    finally:
                        con.close()
                    self._memory.pop(key, None)
                    return
                except (sqlite3.Error, OSError) as exc:
                    self._warner.warn(self.path, exc, "the upload memo (an upload already paid for)")
            self._memory[key] = (url, issued_at, expires_at)

    def count(self) -> int:
        """Remembered uploads still alive; CacheError when the file is damaged or locked."""
        with self._lock:
            now = time.time()
            alive = sum(1 for entry in self._memory.values() if entry[2] >= now)
            if self.path is None or not self.path.exists():
                return alive
            row = self._read_one("SELECT COUNT(*) FROM uploads WHERE expires_at >= ?", (now,))
            return alive + (row[0] if row is not None else 0)

    def clear(self) -> None:
        """Forget every upload; a damaged file is deleted (CacheError when it cannot be)."""
        with self._lock:
            self._memory.clear()
            if self.path is None or not (self.path.exists() or self.path.is_symlink()):
                return
            try:
                check_sqlite(self.path)
                con = self._connect()
                try:
                    with con:
                        con.execute("DELETE FROM uploads")
                finally:
                    con.close()
            except Exception:  # noqa: BLE001 - damaged, locked for good, read-only: remove it
                remove_sqlite(self.path)
