"""The history of marks in the team's Redis: one list per patent, oldest entry first, never expiring.

The API of :class:`~patsnap_pandas.store.mark_log.MarkLog`; made by
:meth:`patsnap_pandas.store.redis_backend.RedisBackend.mark_log`. Everyone pointing at the
server sees everyone's marks. A write that fails keeps the entries in memory and warns
once; a read that fails raises :class:`~patsnap_pandas.errors.CacheUnavailableError`.
Clearing the cache keeps the marks (they are people's work, not answers paid for).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

from .mark_log import MARK_FIELDS, mark_key
from .redis_http_cache import _write_warner

if TYPE_CHECKING:
    from .redis_backend import RedisBackend

__all__ = ["RedisMarkLog"]


class RedisMarkLog:
    """The mark history in Redis: ``<namespace>:mark:<PATENT NUMBER>`` lists of JSON entries.

    Examples
    --------
    >>> from patsnap_pandas.testing import RedisServer
    >>> from patsnap_pandas.store.redis_backend import RedisBackend
    >>> server = RedisServer()
    >>> log = RedisBackend(server.url).mark_log()
    >>> log.append([{"patent_pn": "USD1S", "relevance": "relevant", "marked_by": "ana",
    ...              "marked_at": "2026-12-07T09:00:00Z"}])
    >>> [(e["patent_pn"], e["marked_by"]) for e in log.read(["usd1s"])], log.count()
    ([('USD1S', 'ana')], 1)
    >>> server.stop()
    """

    def __init__(self, backend: RedisBackend) -> None:
        self.backend = backend
        self.path: str = f"{backend.shown_url} {backend.key('mark', '*')}"  # where, for messages
        self._lock = threading.Lock()
        self._memory: list[dict[str, str | None]] = []
        self._warner = _write_warner()

    def _key(self, patent_pn: Any) -> str:
        return self.backend.key("mark", mark_key(patent_pn))

    def append(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Add entries (mappings with :data:`~patsnap_pandas.store.mark_log.MARK_FIELDS`) to their patents' lists."""
        rows = [{f: (None if e.get(f) is None else str(e.get(f))) for f in MARK_FIELDS} for e in entries]
        if not rows:
            return
        try:
            pipe = self.backend.connection.pipeline(transaction=True)
            for row in rows:
                pipe.rpush(self._key(row["patent_pn"]), json.dumps(row, ensure_ascii=False))
            pipe.execute()
        except self.backend._errors as exc:
            self._warner.warn(f"the shared cache at {self.backend.shown_url}", self.backend.describe(exc),
                              "the mark history")
            with self._lock:
                self._memory.extend(rows)

    def _keys(self, patent_numbers: Iterable[str] | None) -> list[str]:
        if patent_numbers is not None:
            return sorted({self._key(p) for p in patent_numbers})
        with self.backend.guard("reading the mark history"):
            return sorted(str(k, "utf-8") if isinstance(k, bytes) else str(k)
                          for k in self.backend.connection.scan_iter(match=self._key("*"), count=500))

    def read(self, patent_numbers: Iterable[str] | None = None) -> list[dict[str, str | None]]:
        """The entries of ``patent_numbers`` (case ignored; None: all), each patent's oldest first."""
        wanted = None if patent_numbers is None else {mark_key(p) for p in patent_numbers}
        keys = self._keys(wanted)
        found: list[dict[str, str | None]] = []
        with self.backend.guard("reading the mark history"):
            pipe = self.backend.connection.pipeline(transaction=False)
            for key in keys:
                pipe.lrange(key, 0, -1)
            lists = pipe.execute() if keys else []
        for raw_list in lists:
            for raw in raw_list:
                try:
                    entry = json.loads(raw)
                except (ValueError, TypeError):
                    continue  # not ours: left out
                if isinstance(entry, dict):
                    found.append({f: (None if entry.get(f) is None else str(entry.get(f))) for f in MARK_FIELDS})
        with self._lock:
            found += [e for e in self._memory if wanted is None or mark_key(e["patent_pn"]) in wanted]
        return sorted(found, key=lambda e: e["marked_at"] or "")

    def count(self) -> int:
        """How many entries the history holds."""
        return len(self.read())

    def __repr__(self) -> str:
        return f"RedisMarkLog(url={self.backend.shown_url!r}, namespace={self.backend.namespace!r})"
