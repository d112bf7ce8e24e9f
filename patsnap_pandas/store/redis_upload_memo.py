"""The upload memo in the team's Redis: the URL of each uploaded image, by the sha256 of its bytes.

Entries expire in Redis with their URL. A read that fails raises before the upload; a write
that fails keeps the URL in memory and warns once (an upload already paid for is never
lost). The API of :class:`~patsnap_pandas.store.upload_memo.UploadMemo`; made by
:meth:`patsnap_pandas.store.redis_backend.RedisBackend.upload_memo`.
"""

from __future__ import annotations

import json
import threading
import time
from typing import TYPE_CHECKING

from .redis_http_cache import _write_warner

if TYPE_CHECKING:
    from .redis_backend import RedisBackend

__all__ = ["RedisUploadMemo"]

class RedisUploadMemo:
    """sha256 of uploaded bytes -> (URL, issued_at, expires_at) in Redis, each gone at its expiry.

    The API of :class:`~patsnap_pandas.store.upload_memo.UploadMemo`. A read that fails raises
    CacheUnavailableError (before the upload); a write that fails keeps the URL in memory
    and warns once: an upload already paid for is never lost.

    Examples
    --------
    >>> import time
    >>> from patsnap_pandas.testing import RedisServer
    >>> from patsnap_pandas.store.redis_backend import RedisBackend
    >>> server = RedisServer()
    >>> memo = RedisBackend(server.url).upload_memo()
    >>> memo.put("k1", "https://img.example/q.png", 0.0, 4e9)
    >>> memo.get("k1")
    ('https://img.example/q.png', 0.0, 4000000000.0)
    >>> memo.put("k2", "https://img.example/r.png", 0.0, time.time() - 1)    # already expired: not kept
    >>> memo.count(), memo.clear(), memo.count()
    (1, None, 0)
    >>> server.stop()
    """

    def __init__(self, backend: RedisBackend) -> None:
        self.backend = backend
        self.path: str = f"{backend.shown_url} {backend.key('upload', '*')}"  # where, for messages
        self._lock = threading.Lock()
        self._memory: dict[str, tuple[str, float, float]] = {}
        self._warner = _write_warner()

    def _key(self, key: str) -> str:
        return self.backend.key("upload", key)

    def get(self, key: str) -> tuple[str, float, float] | None:
        """(url, issued_at, expires_at) or None; CacheUnavailableError when Redis fails."""
        with self._lock:
            kept = self._memory.get(key)
        if kept is not None:
            return kept
        with self.backend.guard("reading the upload memo"):
            raw = self.backend.connection.get(self._key(key))
        if raw is None:
            return None
        try:
            url, issued_at, expires_at = json.loads(raw)
            return str(url), float(issued_at), float(expires_at)
        except (ValueError, TypeError):
            return None  # not ours (another writer's format): as if absent; the next put replaces it

    def put(self, key: str, url: str, issued_at: float, expires_at: float) -> None:
        """Remember an upload until ``expires_at`` (epoch seconds); in memory when Redis fails (warns once)."""
        expires_ms = int(expires_at * 1000)
        if expires_ms <= int(time.time() * 1000):
            return  # its URL is dead already: nothing to reuse
        try:
            self.backend.connection.set(self._key(key), json.dumps([url, issued_at, expires_at]), pxat=expires_ms)
        except self.backend._errors as exc:
            self._warner.warn(f"the shared cache at {self.backend.shown_url}", self.backend.describe(exc),
                              "the upload memo (an upload already paid for)")
            with self._lock:
                self._memory[key] = (url, float(issued_at), float(expires_at))
            return
        with self._lock:
            self._memory.pop(key, None)

    def count(self) -> int:
        """Remembered uploads still alive; CacheUnavailableError when Redis fails."""
        now = time.time()
        with self._lock:
            alive = sum(1 for entry in self._memory.values() if entry[2] >= now)
        return alive + self.backend.scan_count(self._key("*"))

    def clear(self) -> None:
        """Forget every upload of this namespace."""
        with self._lock:
            self._memory.clear()
        self.backend.delete_matching(self._key("*"))

    def __repr__(self) -> str:
        return f"RedisUploadMemo(url={self.backend.shown_url!r}, namespace={self.backend.namespace!r})"
