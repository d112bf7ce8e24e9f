"""Kept records: small JSON documents by kind and key (watch lists, their runs), in the cache folder.

What a scheduled job keeps between runs and shares with the team: a watch's definition, what it
already reported, the marks counsel gave, its run history. Each record is a JSON object under a
``kind`` (a table) and a ``key``. :class:`LocalRecords` keeps them in ``records.sqlite`` of the cache
folder (memory only for a client made with ``cache=False``);
:class:`~patsnap_pandas.store.redis_records.RedisRecords` in the team's Redis. Both have the API
of :class:`RecordsLike`; a store hands them out (:meth:`patsnap_pandas.store.base.Store.records`).

Unlike the HTTP cache, records are not forgotten by ``cache clear``: they are the user's work.
A damaged or locked file raises :class:`~patsnap_pandas.errors.CacheError` naming it.

Examples
--------
>>> from pathlib import Path
>>> watches = LocalRecords(Path("my-cache") / "records.sqlite", "watch")
>>> watches.put("chairs", {"products": ["C-100"], "limit": 10})
>>> watches.get("chairs"), watches.keys(), watches.get("lamps")
({'products': ['C-100'], 'limit': 10}, ['chairs'], None)
>>> watches.delete("chairs"), watches.keys()
(True, [])
"""

from __future__ import annotations

import json
import sqlite3
import threading
from pathlib import Path
from typing import Any, Protocol

from .files import BUSY_TIMEOUT_S, check_sqlite, describe_sqlite_error

__all__ = ["LocalRecords", "RecordsLike"]


class RecordsLike(Protocol):
    """JSON objects of one kind, by key: what the local and the Redis records both offer.

    Examples
    --------
    >>> records: RecordsLike = LocalRecords(None, "watch")
    >>> records.put("chairs", {"limit": 10}); records.keys()
    ['chairs']
    """

    def get(self, key: str) -> dict[str, Any] | None: ...

    def put(self, key: str, value: dict[str, Any]) -> None: ...

    def delete(self, key: str) -> bool: ...

    def keys(self) -> list[str]: ...


def dumps(value: dict[str, Any]) -> str:
    """A record as stored: JSON (a value JSON cannot hold raises TypeError before anything is written)."""
    return json.dumps(value, ensure_ascii=False)


class LocalRecords:
    """The records of one ``kind`` in a SQLite file (``path`` None: in memory, for this object's life).

    Examples
    --------
    >>> memory = LocalRecords(None, "watch")
    >>> memory.put("a", {"n": 1}); memory.get("a")
    {'n': 1}
    """

    def __init__(self, path: Path | None, kind: str) -> None:
        self.path = path
        self.kind = kind
        self._lock = threading.Lock()
        self._memory: dict[str, str] = {}

    def _connect(self) -> sqlite3.Connection:
        assert self.path is not None
        self.path.parent.mkdir(parents=True, exist_ok=True)
        check_sqlite(self.path)
        con = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S)
        try:
            con.execute("CREATE TABLE IF NOT EXISTS records (kind TEXT NOT NULL, key TEXT NOT NULL, "
                        "value TEXT NOT NULL, PRIMARY KEY (kind, key))")
        except BaseException:
            con.close()
            raise
        return con

    def _run(self, query: str, params: tuple[Any, ...], *, write: bool = False) -> list[tuple[Any, ...]]:
        assert self.path is not None
        try:
            con = self._connect()
            try:
                with con:
                    cursor = con.execute(query, params)
                    return [(cursor.rowcount,)] if write else cursor.fetchall()
            finally:
                con.close()
        except (sqlite3.Error, OSError) as exc:
            raise describe_sqlite_error(self.path, exc) from None

    def get(self, key: str) -> dict[str, Any] | None:
        """The record ``key``, or None."""
        with self._lock:
            if self.path is None:
                raw = self._memory.get(key)
            else:
                rows = self._run("SELECT value FROM records WHERE kind = ? AND key = ?", (self.kind, key))
                raw = rows[0][0] if rows else None
        return None if raw is None else dict(json.loads(raw))

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Keep ``value`` (a JSON-safe dict) as the record ``key``, replacing any."""
        raw = dumps(value)
        with self._lock:
            if self.path is None:
                self._memory[key] = raw
            else:
                self._run("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", (self.kind, key, raw), write=True)

    def delete(self, key: str) -> bool:
        """Forget the record ``key``; whether there was one."""
        with self._lock:
            if self.path is None:
                return self._memory.pop(key, None) is not None
            rows = self._run("DELETE FROM records WHERE kind = ? AND key = ?", (self.kind, key), write=True)
            return bool(rows[0][0])

    def keys(self) -> list[str]:
        """The keys of this kind, sorted."""
        with self._lock:
            if self.path is None:
                return sorted(self._memory)
            if not self.path.exists():
                return []
            return [row[0] for row in self._run("SELECT key FROM records WHERE kind = ? ORDER BY key", (self.kind,))]

    def __repr__(self) -> str:
        return f"LocalRecords({str(self.path) if self.path else None!r}, kind={self.kind!r})"
