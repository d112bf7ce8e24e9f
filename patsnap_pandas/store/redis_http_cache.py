"""The HTTP cache in the team's Redis: requests-cache's ``RedisCache``, which never drops a paid answer.

Answers are JSON (never pickle: a shared server must not be a way to run code on the team's
machines) under ``<namespace>:http:<key>``. A read that fails raises before the network call;
a write that fails keeps the answer in memory for the session and warns once. Made by
:meth:`patsnap_pandas.store.redis_backend.RedisBackend.http_cache`.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

import requests
import requests_cache
from requests_cache.backends import RedisDict  # a placeholder class without redis: RedisBackend names the extra first
from requests_cache.models import CachedResponse

from ..redaction import redact
from .files import WriteWarner, paid_answer

if TYPE_CHECKING:
    from .redis_backend import RedisBackend

__all__ = ["RedisHTTPCache"]

def _write_warner() -> WriteWarner:
    """Warns once that a write to the shared cache failed (the result is kept in memory)."""
    return WriteWarner(others="other processes", fix="Check that the Redis server is running and reachable.")


class _ResponsesDict(RedisDict):
    """requests-cache's RedisDict, writing with ``SET key value EX ttl`` (SETEX is deprecated in redis-py)."""

    def __setitem__(self, key: str, item: Any) -> None:
        expires_delta = getattr(item, "expires_delta", None)
        ttl = None if expires_delta is None or not self.ttl else int(expires_delta + self.ttl_offset)
        self.connection.set(self._bkey(key), self.serialize(item), ex=ttl if ttl and ttl > 0 else None)


class RedisHTTPCache(requests_cache.RedisCache):
    """requests-cache's ``RedisCache`` on a :class:`RedisBackend`, which never drops a paid answer.

    Answers are JSON (not pickle) under ``<namespace>:http:<key>``. A read that fails raises
    :class:`~patsnap_pandas.errors.CacheUnavailableError` before the network call (a miss would
    be billed again). A write that fails keeps the answer in memory for this session, returns it
    as usual and warns once (:class:`~patsnap_pandas.errors.CacheWarning`).

    Examples
    --------
    >>> import requests_cache
    >>> from patsnap_pandas.testing import RedisServer
    >>> from patsnap_pandas.store.redis_backend import RedisBackend
    >>> server = RedisServer()
    >>> backend = RedisBackend(server.url)
    >>> session = requests_cache.CachedSession(backend=backend.http_cache())
    >>> session.cache.namespace, session.cache.count()
    ('patsnap:http', 0)
    >>> session.close(); backend.close(); server.stop()
    """

    def __init__(self, backend: RedisBackend, **kwargs: Any) -> None:
        kwargs.setdefault("serializer", "json")
        super().__init__(namespace=backend.key("http"), connection=backend.connection, **kwargs)
        self.responses.__class__ = _ResponsesDict  # SET ... EX instead of redis-py's deprecated SETEX
        self.backend = backend
        self.namespace = backend.key("http")
        self._memory: dict[str, CachedResponse] = {}
        self._warner = _write_warner()

    def get_response(self, key: str, default: Any = None) -> CachedResponse | None:
        kept = self._memory.get(key)
        if kept is not None:
            return kept
        with self.backend.guard("reading a cached answer"):
            found: CachedResponse | None = super().get_response(key, default)
            return found

    def save_response(self, response: requests.Response, cache_key: str | None = None,
                      expires: datetime | None = None) -> None:
        cache_key = cache_key or self.create_key(response.request)
        try:
            super().save_response(response, cache_key, expires)
            self._memory.pop(cache_key, None)
            return
        except self.backend._errors as exc:
            self._warn(self.backend.describe(exc), stacklevel=4)
        except Exception as exc:  # noqa: BLE001 - e.g. an answer the serializer refuses: the caller still gets it
            self._warn(f"{type(exc).__name__}: {redact(str(exc))}", stacklevel=4)
        try:
            self._memory[cache_key] = paid_answer(self, response, expires)
        except Exception:  # noqa: BLE001 - not even kept in memory; the answer itself is returned as usual
            return

    def delete(self, *keys: str, **kwargs: Any) -> None:
        for key in keys:
            self._memory.pop(key, None)
        try:
            super().delete(*keys, **kwargs)
        except self.backend._errors as exc:  # a stale answer that stays is re-checked on use
            self._warn(self.backend.describe(exc), stacklevel=4)

    def _warn(self, problem: str, stacklevel: int) -> None:
        self._warner.warn(f"the shared cache at {self.backend.shown_url}", problem, "HTTP answers",
                          stacklevel=stacklevel)

    def contains(self, key: str | None = None, request: Any = None, url: str | None = None,
                 verify: bool = True) -> bool:
        if key is not None and key in self._memory:
            return True
        with self.backend.guard("looking up a cached answer"):
            return bool(super().contains(key=key, request=request, url=url, verify=verify))

    def clear(self) -> None:
        self._memory.clear()
        with self.backend.guard("clearing the HTTP cache"):
            super().clear()  # type: ignore[no-untyped-call]

    def count(self) -> int:
        """Stored answers (in Redis, plus those kept in memory after a failed write)."""
        return self.backend.scan_count(f"{self.namespace}:*") + len(self._memory)

    def close(self) -> None:
        """Nothing to close: the connection belongs to the backend (``backend.close()``)."""

    def __repr__(self) -> str:
        return f"RedisHTTPCache(url={self.backend.shown_url!r}, namespace={self.namespace!r})"
