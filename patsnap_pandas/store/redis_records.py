"""Kept records in the team's Redis: one hash per kind, ``<namespace>:record:<kind>``.

The API of :class:`~patsnap_pandas.store.records.LocalRecords`; made by
:meth:`patsnap_pandas.store.redis_backend.RedisBackend.records`. Records never expire and are not
removed by ``cache clear``. A Redis error raises
:class:`~patsnap_pandas.errors.CacheUnavailableError` naming the server.

Examples
--------
>>> from patsnap_pandas.testing import RedisServer
>>> from patsnap_pandas.store.redis_backend import RedisBackend
>>> server = RedisServer()
>>> watches = RedisBackend(server.url).records("watch")
>>> watches.put("chairs", {"limit": 10}); watches.get("chairs"), watches.keys()
({'limit': 10}, ['chairs'])
>>> watches.delete("chairs"), watches.keys()
(True, [])
>>> server.stop()
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from .records import dumps

if TYPE_CHECKING:
    from .redis_backend import RedisBackend

__all__ = ["RedisRecords"]


class RedisRecords:
    """The records of one ``kind`` in a Redis hash under the backend's namespace.

    Examples
    --------
    >>> from patsnap_pandas.testing import RedisServer
    >>> from patsnap_pandas.store.redis_backend import RedisBackend
    >>> server = RedisServer()
    >>> RedisRecords(RedisBackend(server.url, namespace="team-a"), "watch").path.endswith("team-a:record:watch")
    True
    >>> server.stop()
    """

    def __init__(self, backend: RedisBackend, kind: str) -> None:
        self.backend = backend
        self.kind = kind
        self.path: str = f"{backend.shown_url} {backend.key('record', kind)}"  # where, for messages

    @property
    def _hash(self) -> str:
        return self.backend.key("record", self.kind)

    def get(self, key: str) -> dict[str, Any] | None:
        """The record ``key``, or None."""
        with self.backend.guard(f"reading the {self.kind} records"):
            raw = self.backend.connection.hget(self._hash, key)
        return None if raw is None else dict(json.loads(raw))

    def put(self, key: str, value: dict[str, Any]) -> None:
        """Keep ``value`` (a JSON-safe dict) as the record ``key``, replacing any."""
        raw = dumps(value)
        with self.backend.guard(f"writing the {self.kind} records"):
            self.backend.connection.hset(self._hash, key, raw)

    def delete(self, key: str) -> bool:
        """Forget the record ``key``; whether there was one."""
        with self.backend.guard(f"deleting from the {self.kind} records"):
            return bool(self.backend.connection.hdel(self._hash, key))

    def keys(self) -> list[str]:
        """The keys of this kind, sorted."""
        with self.backend.guard(f"listing the {self.kind} records"):
            names = self.backend.connection.hkeys(self._hash)
        return sorted(n.decode() if isinstance(n, bytes) else str(n) for n in names)

    def __repr__(self) -> str:
        return f"RedisRecords(url={self.backend.shown_url!r}, kind={self.kind!r})"
