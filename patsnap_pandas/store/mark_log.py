"""The history of marks: who marked which hit how, and when, kept in the cache folder (``marks.sqlite``).

Every mark made with ``df.patsnap.mark(...)`` or in the panel is appended here, never
overwritten: the latest entry of a hit is its mark, the earlier ones say what changed.
Marks are people's work, not answers paid for: clearing the cache (``cache clear``)
keeps them. A folder that cannot be written keeps the entries in memory and warns once.
The team's Redis keeps the same history in
:class:`~patsnap_pandas.store.redis_mark_log.RedisMarkLog`.

Examples
--------
>>> from pathlib import Path
>>> log = MarkLog(Path("my-cache") / "marks.sqlite")
>>> log.append([{"patent_pn": "USD1S", "query": "chair.png", "relevance": "relevant", "note": None,
...              "marked_by": "ana", "marked_at": "2026-12-07T09:00:00Z"}])
>>> [(e["patent_pn"], e["relevance"], e["marked_by"]) for e in log.read(["usd1s"])]
[('USD1S', 'relevant', 'ana')]
>>> log.read(["USD2S"])
[]
"""

from __future__ import annotations

import errno
import sqlite3
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from .files import BUSY_TIMEOUT_S, WriteWarner, check_sqlite, connect_read_only, describe_sqlite_error, writable

__all__ = ["MARKS_FILE", "MARK_FIELDS", "MarkLog", "mark_key"]

#: The file of the mark history in the cache folder.
MARKS_FILE = "marks.sqlite"
#: The fields of one history entry, in order (``marked_at``: UTC, ISO 8601, e.g. ``2026-12-07T09:00:00Z``).
MARK_FIELDS: tuple[str, ...] = ("patent_pn", "query", "relevance", "note", "marked_by", "marked_at")
_MAX_PARAMETERS = 900  # more patent numbers than this: read all and keep theirs (SQLite's bound on parameters)


def mark_key(patent_pn: Any) -> str:
    """A patent number as the history keys it: trimmed, upper case.

    Examples
    --------
    >>> mark_key(" usd907292s ")
    'USD907292S'
    """
    return str(patent_pn).strip().upper()


def _entry(values: Mapping[str, Any]) -> dict[str, str | None]:
    return {f: (None if values.get(f) is None else str(values.get(f))) for f in MARK_FIELDS}


class MarkLog:
    """The mark history in SQLite at ``path`` (None: memory only), oldest entry first.

    Examples
    --------
    >>> log = MarkLog(None)
    >>> log.append([{"patent_pn": "USD1S", "relevance": "unsure", "marked_by": "bo", "marked_at": "2026-12-08T10:00:00Z"}])
    >>> log.read()[0]["marked_at"], log.count()
    ('2026-12-08T10:00:00Z', 1)
    """

    def __init__(self, path: Path | None, warner: WriteWarner | None = None) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._memory: list[dict[str, str | None]] = []
        self._warner = warner or WriteWarner()

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        try:
            con.execute("CREATE TABLE IF NOT EXISTS marks (id INTEGER PRIMARY KEY AUTOINCREMENT, key TEXT NOT NULL, "
                        + ", ".join(f"{f} TEXT" for f in MARK_FIELDS) + ")")
            con.execute("CREATE INDEX IF NOT EXISTS marks_key ON marks (key)")
        except BaseException:
            con.close()
            raise
        return con

    def append(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Add entries (mappings with :data:`MARK_FIELDS`); in memory when the file cannot be written (warns once)."""
        rows = [_entry(e) for e in entries]
        if not rows:
            return
        with self._lock:
            if self.path is not None and not writable(self.path):
                self._warner.warn(self.path, OSError(errno.EROFS, "the file or its folder cannot be written"),
                                  "the mark history")
            elif self.path is not None:
                try:
                    self.path.parent.mkdir(parents=True, exist_ok=True)
                    con = self._connect()
                    try:
                        with con:
                            con.executemany(
                                f"INSERT INTO marks (key, {', '.join(MARK_FIELDS)}) VALUES (?{', ?' * len(MARK_FIELDS)})",
                                [(mark_key(r["patent_pn"]), *(r[f] for f in MARK_FIELDS)) for r in rows])
                    finally:
                        con.close()
                    return
                except (sqlite3.Error, OSError) as exc:
                    self._warner.warn(self.path, exc, "the mark history")
            self._memory.extend(rows)

    def read(self, patent_numbers: Iterable[str] | None = None) -> list[dict[str, str | None]]:
        """The entries of ``patent_numbers`` (case ignored; None: all), oldest first; CacheError when damaged."""
        keys = None if patent_numbers is None else {mark_key(p) for p in patent_numbers}
        with self._lock:
            memory = [e for e in self._memory if keys is None or mark_key(e["patent_pn"]) in keys]
            if self.path is None or not self.path.exists():
                return memory
            return self._read_file(keys) + memory

    def _read_file(self, keys: set[str] | None) -> list[dict[str, str | None]]:
        assert self.path is not None
        check_sqlite(self.path)
        query = f"SELECT {', '.join(MARK_FIELDS)} FROM marks"
        params: list[str] = []
        if keys is not None and not keys:
            return []
        if keys is not None and len(keys) <= _MAX_PARAMETERS:
            query += f" WHERE key IN ({', '.join('?' * len(keys))})"
            params = sorted(keys)
        try:
            con = connect_read_only(self.path)
            try:
                rows = con.execute(query + " ORDER BY id", params).fetchall()
            finally:
                con.close()
        except sqlite3.OperationalError as exc:
            if "no such table" in str(exc):
                return []
            raise describe_sqlite_error(self.path, exc) from None
        except sqlite3.Error as exc:
            raise describe_sqlite_error(self.path, exc) from None
        entries = [dict(zip(MARK_FIELDS, row, strict=True)) for row in rows]
        return entries if keys is None or params else [e for e in entries if mark_key(e["patent_pn"]) in keys]

    def count(self) -> int:
        """How many entries the history holds."""
        return len(self.read())

    def __repr__(self) -> str:
        return f"MarkLog({str(self.path) if self.path else 'memory'!r})"
